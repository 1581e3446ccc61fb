"""Shared helpers of the benchmark scripts: data, timing, the results page."""

from __future__ import annotations

import argparse
import os
import platform
import re
import statistics
import time
from pathlib import Path

import numpy as np

from skae.metrics import binary_crossentropy

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_MNIST = ROOT.parent / "shared" / "data" / "mnist.npz"
RESULTS = ROOT / "docs" / "benchmarks.md"

PAGE_HEADER = """\
# Benchmarks

Written by the scripts under `benchmarks/`; each owns one section and
rewrites only that section when it runs. Timings are ratios taken in the same
run on the same machine (shared and noisy, so absolute seconds are indicative
only).
"""


def parser(description):
    p = argparse.ArgumentParser(description=description)
    p.add_argument(
        "--data",
        type=Path,
        default=Path(os.environ.get("SKAE_MNIST", DEFAULT_MNIST)),
        help="path to mnist.npz (keras.datasets.mnist layout); "
        f"default $SKAE_MNIST or {DEFAULT_MNIST}",
    )
    p.add_argument(
        "--output",
        type=Path,
        default=RESULTS,
        help=f"markdown page to update (default {RESULTS})",
    )
    return p


def load_mnist_flat(path):
    """MNIST as float32 in [0, 1], flattened to 784 columns (read by
    :func:`skae.datasets.load_mnist`)."""
    from skae.datasets import load_mnist

    try:
        (x_train, y_train), (x_test, y_test) = load_mnist(path)
    except (OSError, ValueError) as exc:
        raise SystemExit(f"{exc}; pass --data PATH/mnist.npz") from None
    scale = np.float32(1 / 255)
    return (
        x_train.reshape(len(x_train), -1).astype(np.float32) * scale,
        y_train,
        x_test.reshape(len(x_test), -1).astype(np.float32) * scale,
        y_test,
    )


#: Mean binary cross-entropy, clipped as Keras clips it (the tour's too).
bce = binary_crossentropy


def mse(X, X_hat):
    return float(np.mean((X - X_hat) ** 2))


def seconds(fn, repeat=1):
    """Median wall time of ``fn()`` over ``repeat`` calls, and its last result."""
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def environment():
    import keras
    import scikeras
    import sklearn

    return (
        f"Python {platform.python_version()}, Keras {keras.__version__} "
        f"({keras.backend.backend()} backend), scikit-learn {sklearn.__version__}, "
        f"scikeras {scikeras.__version__}, {os.cpu_count()} CPUs, "
        f"{time.strftime('%Y-%m-%d')}"
    )


class PCAReconstruction:
    """PCA's squared reconstruction error as an outlier score."""

    def __init__(self, n_components):
        from sklearn.decomposition import PCA

        self.pca = PCA(n_components=n_components, random_state=0)

    def fit(self, X):
        self.pca.fit(X)
        return self

    def score_samples(self, X):
        recon = self.pca.inverse_transform(self.pca.transform(X))
        return -np.sum((X - recon) ** 2, axis=1)


def publish(args, name, body):
    """Print a section; write it to the results page unless ``--quick``."""
    print(body)
    if args.quick:
        print("(--quick: results not written)")
    else:
        write_section(args.output, name, body)
        print(f"wrote {args.output}")


def table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def write_section(path, name, body):
    """Replace (or append) the section ``name`` of the results page."""
    path = Path(path)
    text = path.read_text() if path.exists() else PAGE_HEADER
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    block = f"{start}\n{body.strip()}\n{end}"
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.S)
    if pattern.search(text):
        text = pattern.sub(lambda _: block, text)
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def compare_fit_times(ours, raw, rounds):
    """skae's fit against the same graph fitted with plain Keras.

    ``ours()`` fits a skae estimator, ``raw()`` the same graph with
    ``keras.Model.fit``. Two measures:

    * best-of-``rounds`` wall times, interleaved with alternating order so
      machine noise and warm caches hit both alike (best-of-N is the least
      noisy estimate of a cost on a shared machine, as in timeit);
    * the time skae's fit spends outside ``keras.Model.fit`` (validation, the
      loss rule, building), relative to the Keras fit inside it: the overhead
      itself, free of the noise of two separate trainings.

    Returns ``(ours_s, raw_s, ratio, median_round_ratio, outside_fraction)``.
    """
    import keras

    inner, keras_fit = [], keras.Model.fit

    def timed_fit(self, *args, **kwargs):
        start = time.perf_counter()
        try:
            return keras_fit(self, *args, **kwargs)
        finally:
            inner.append(time.perf_counter() - start)

    def ours_timed():
        keras.Model.fit = timed_fit
        try:
            return ours()
        finally:
            keras.Model.fit = keras_fit

    times = {"raw": [], "skae": []}
    for r in range(rounds):
        order = [("raw", raw), ("skae", ours_timed)]
        for name, fn in order[:: 1 if r % 2 == 0 else -1]:
            times[name].append(seconds(fn)[0])
    outside = [total - k for total, k in zip(times["skae"], inner)]
    return (
        min(times["skae"]),
        min(times["raw"]),
        min(times["skae"]) / min(times["raw"]),
        statistics.median(o / r for o, r in zip(times["skae"], times["raw"])),
        statistics.median(o / k for o, k in zip(outside, inner)),
    )
