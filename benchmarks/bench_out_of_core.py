"""Data larger than memory: a fit streamed from a np.memmap, and dask-ml.

    python benchmarks/bench_out_of_core.py [--data PATH/mnist.npz] [--rows N] [--quick]

Prints a table and writes the ``bench_out_of_core`` section of
docs/benchmarks.md. MNIST's training images are tiled (each copy shifted by
one pixel, so rows differ) into a float32 memmap of ``--rows`` x 784 in a
temporary folder (400,000 rows: 1.25 GB). In one process, after a warm-up
fit of the 60,000 images in memory:

* the growth of the process' anonymous memory (``RssAnon``: what the
  process allocates; the memmap's pages are the page cache's, shared and
  reclaimable) over the warmed-up baseline, sampled every 5 ms during one
  epoch of ``DenseAutoencoder(n_components=32)`` on the memmap, and during
  ``transform`` into a memmap;
* rows per second of that streamed epoch against the in-memory epoch of
  the 60,000 images, measured in the same run;
* the test score (minus the mean BCE per pixel on MNIST's 10,000 test
  images) after one epoch, streamed and in memory;
* ``dask_ml.wrappers.Incremental`` over a dask array of the 60,000 images
  (6 blocks) on a 2-worker ``LocalCluster``, against the plain fit.
"""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
from _common import environment, load_mnist_flat, parser, publish, table  # noqa: E402

from skae import DenseAutoencoder  # noqa: E402

PARAMS = dict(n_components=32, epochs=1, init="random", random_state=0)


def rss_anon_mb():
    """The process' anonymous resident memory, in MB (Linux)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("RssAnon:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no RssAnon in /proc/self/status")


class PeakMemory:
    """The largest ``rss_anon_mb()`` while the block runs, sampled every 5 ms."""

    def __enter__(self):
        self.start = self.peak = rss_anon_mb()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self):
        while not self._stop.wait(0.005):
            self.peak = max(self.peak, rss_anon_mb())

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss_anon_mb())
        self.growth = self.peak - self.start
        return False


def write_memmap(X, n_rows, folder):
    """``n_rows`` rows: copies of X, each shifted by one more pixel."""
    path = Path(folder) / "mnist_tiled.f32"
    out = np.memmap(path, dtype=np.float32, mode="w+", shape=(n_rows, X.shape[1]))
    for start in range(0, n_rows, len(X)):
        stop = min(start + len(X), n_rows)
        out[start:stop] = np.roll(X, start // len(X), axis=1)[: stop - start]
    out.flush()
    del out
    return np.memmap(path, dtype=np.float32, mode="r", shape=(n_rows, X.shape[1]))


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def dask_rows(X_train, X_test):
    """Incremental over a 6-block dask array on a 2-worker LocalCluster,
    against the plain fit of the same data (one epoch each)."""
    try:
        import dask.array as da
        from dask_ml.wrappers import Incremental
        from distributed import Client, LocalCluster
    except ImportError as exc:
        return [("Incremental (dask-ml)", f"not run: {exc}", "", "")]
    chunks = len(X_train) // 6
    with LocalCluster(n_workers=2, threads_per_worker=1, host="127.0.0.1",
                      dashboard_address=None) as cluster, Client(cluster):
        dX = da.from_array(X_train, chunks=(chunks, X_train.shape[1]))
        inc = Incremental(DenseAutoencoder(**PARAMS), shuffle_blocks=False)
        seconds, _ = timed(lambda: inc.fit(dX))
        score = inc.estimator_.score(X_test)
    return [("Incremental(DenseAutoencoder), 6 blocks, 2-worker LocalCluster",
             f"{len(X_train) / seconds:,.0f}", "-", f"{score:.4f}")]


def main():
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--rows", type=int, default=400_000)
    p.add_argument("--quick", action="store_true", help="40,000 rows, nothing written")
    args = p.parse_args()
    if args.quick:
        args.rows = 40_000
    X_train, _, X_test, _ = load_mnist_flat(args.data)
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        mm = write_memmap(X_train, args.rows, folder)
        # Warm-up: the in-memory epoch (Keras and TensorFlow loaded, the
        # graphs traced once), then the measured one.
        DenseAutoencoder(**PARAMS).fit(X_train[:2048])
        in_memory = DenseAutoencoder(**PARAMS)
        with PeakMemory() as mem:
            seconds, _ = timed(lambda: in_memory.fit(X_train))
        rate = len(X_train) / seconds
        rows.append(("in memory: 60,000 x 784 ndarray, fit", f"{rate:,.0f}",
                     f"{mem.growth:.0f}", f"{in_memory.score(X_test):.4f}"))
        same_rows = DenseAutoencoder(**PARAMS)  # the in-memory fit's rows, streamed
        seconds, _ = timed(lambda: same_rows.fit(mm[: len(X_train)]))
        rows.append(("streamed: the same 60,000 rows (the memmap's first), fit",
                     f"{len(X_train) / seconds:,.0f}", "-", f"{same_rows.score(X_test):.4f}"))
        streamed = DenseAutoencoder(**PARAMS)
        with PeakMemory() as mem:
            seconds, _ = timed(lambda: streamed.fit(mm))
        streamed_rate = args.rows / seconds
        rows.append((f"streamed: {args.rows:,} x 784 memmap "
                     f"({mm.nbytes / 2**30:.2f} GiB), fit", f"{streamed_rate:,.0f}",
                     f"{mem.growth:.0f}", f"{streamed.score(X_test):.4f}"))
        codes = np.memmap(Path(folder) / "codes.f32", dtype=np.float32, mode="w+",
                          shape=(args.rows, PARAMS["n_components"]))
        with PeakMemory() as mem:
            seconds, _ = timed(lambda: streamed.transform(mm, out=codes))
        rows.append(("streamed: transform(memmap, out=memmap)", f"{args.rows / seconds:,.0f}",
                     f"{mem.growth:.0f}", "-"))
    rows += dask_rows(X_train, X_test)
    for row in rows:
        print(row, flush=True)
    ratio = streamed_rate / rate
    body = "\n\n".join([
        "## Data larger than memory (`bench_out_of_core.py`)",
        f"One epoch of `DenseAutoencoder(n_components=32, init=\"random\")` "
        f"(batch 256) on a float32 `np.memmap` of {args.rows:,} MNIST rows "
        "(copies of the 60,000 training images, each shifted by one more "
        "pixel), against the same fit of the 60,000 images in memory, in one "
        "process after a warm-up. Memory is the growth of the process' "
        "anonymous resident memory (`RssAnon`, sampled every 5 ms) over the "
        "warmed-up baseline: the memmap's pages belong to the page cache. "
        "Goals: growth at most 600 MB, streamed rows/s at least 0.8x the "
        "in-memory fit's.",
        table(["run", "rows / s", "memory growth (MB)", "test score"], rows),
        f"Streamed rows/s: **{ratio:.2f}x** the in-memory fit's, same run. "
        "The in-memory row's growth includes its copies of the data on the way "
        "into Keras; the streamed fit holds batches (and the PCA start, when "
        "`init=\"pca\"`, a subset of at most 10,000 rows).",
        environment(),
    ])
    publish(args, "bench_out_of_core", body)


if __name__ == "__main__":
    main()
