"""How much bench_outliers' best detector depends on its random seed.

    python benchmarks/bench_outlier_seeds.py [--data PATH/mnist.npz] [--n-jobs 2]

bench_outliers.py fits each autoencoder once, with ``random_state=0``. This
refits its DeepAutoencoder detector (512-256-128-32, 100 epochs, mse) with
other seeds on every digit, scored by its loss alone (``p=None``,
``code_distance=False``, as in bench_outliers) and by the p=3
distance, beside LocalOutlierFactor(novelty=True) (deterministic), and writes
the ``bench_outlier_seeds`` section of docs/benchmarks.md.
"""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
from _common import environment, load_mnist_flat, parser, table, write_section  # noqa: E402
from bench_outliers import EPOCHS, P, deep_autoencoder  # noqa: E402
from joblib import Parallel, delayed  # noqa: E402
from sklearn.frozen import FrozenEstimator  # noqa: E402
from sklearn.metrics import roc_auc_score  # noqa: E402
from sklearn.neighbors import LocalOutlierFactor  # noqa: E402

from skae import AutoencoderOutlierDetector  # noqa: E402

SEEDS = (1, 2)


def score_digit(c, seed, X_train, y_train, X_test, y_test):
    """(AUC with p=None, AUC with p=P) of the seeded deep detector; LOF's AUC when seed is None."""
    X_c = X_train[y_train == c]
    inlier = y_test == c
    if seed is None:
        return roc_auc_score(inlier, LocalOutlierFactor(novelty=True).fit(X_c).score_samples(X_test))
    det = AutoencoderOutlierDetector(
        deep_autoencoder(EPOCHS["deep"], seed), code_distance=False
    ).fit(X_c)
    twin = AutoencoderOutlierDetector(FrozenEstimator(det.autoencoder_), p=P).fit(X_c)
    out = roc_auc_score(inlier, det.score_samples(X_test)), roc_auc_score(
        inlier, twin.score_samples(X_test)
    )
    print(c, seed, *(f"{a:.4f}" for a in out), sep="\t", flush=True)
    return out


def main(argv=None):
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--n-jobs", type=int, default=1, help="fits at a time (default 1)")
    args = p.parse_args(argv)
    X_train, y_train, X_test, y_test = load_mnist_flat(args.data)
    jobs = [(c, seed) for seed in (*SEEDS, None) for c in range(10)]
    results = Parallel(n_jobs=args.n_jobs)(
        delayed(score_digit)(c, seed, X_train, y_train, X_test, y_test) for c, seed in jobs
    )
    by = dict(zip(jobs, results))
    header = ["digit"]
    for seed in SEEDS:
        header += [f"seed {seed}", f"seed {seed} p={P}"]
    header.append("LocalOutlierFactor")
    columns = []
    for seed in SEEDS:
        columns.append([by[c, seed][0] for c in range(10)])
        columns.append([by[c, seed][1] for c in range(10)])
    columns.append([by[c, None] for c in range(10)])
    rows = [[c, *(f"{col[c]:.4f}" for col in columns)] for c in range(10)]
    means = [float(np.mean(col)) for col in columns]
    rows.append(["**mean**", *(f"{m:.4f}" for m in means)])
    lof = means[-1]
    lines = []
    for i, seed in enumerate(SEEDS):
        for j, name in enumerate(("p=None", f"p={P}")):
            m = means[2 * i + j]
            lines.append(
                f"- seed {seed}, {name}: mean AUC {m:.4f}, {m - lof:+.4f} vs LocalOutlierFactor"
            )
    body = "\n\n".join(
        [
            "## The outlier benchmark's seed (`bench_outlier_seeds.py`)",
            "The DeepAutoencoder detector of `bench_outliers.py` (512-256-128-32, "
            f"{EPOCHS['deep']} epochs, `loss=\"mse\"`) refitted with other `random_state` values on "
            "each digit's training images, scored by its loss and by the "
            f"p={P} distance (the same fitted autoencoder), beside LocalOutlierFactor. "
            f"ROC AUC as in that table. {environment()}.",
            table(header, rows),
            "\n".join(lines),
        ]
    )
    print(body)
    write_section(args.output, "bench_outlier_seeds", body)
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
