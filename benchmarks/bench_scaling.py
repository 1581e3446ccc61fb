"""Grid search in parallel (loky, Dask) and fit time per Keras backend.

    python benchmarks/bench_scaling.py [--data PATH/mnist.npz] [--quick]

Prints two tables and writes the ``bench_scaling`` section of
docs/benchmarks.md:

1. ``GridSearchCV`` of a DenseAutoencoder, 8 candidates x 3 folds on
   scikit-learn's digits (/16), ``refit=False``: wall time with ``n_jobs=1``
   (the main process, TensorFlow's default threads: what a user gets),
   ``n_jobs=2`` on joblib's loky backend (skae sizes each worker's TensorFlow
   pools from loky's ``OMP_NUM_THREADS``: 1 thread each on 2 cores), the same
   with 2 threads per worker (TensorFlow's default, oversubscribed), and a
   Dask ``LocalCluster`` of 2 worker processes with 1 thread each. Rounds are
   interleaved and the best is kept; worker start-up is excluded (each pool
   runs a warm-up task before it is timed). All modes must give equal scores.
2. ``DenseAutoencoder().fit`` on MNIST per backend (TensorFlow, JAX): the
   backend is fixed per process, so each round runs one subprocess per
   backend, alternating the order.

The 1-minute load average is recorded around each measurement: other work on
a shared machine takes cores from the parallel runs first.
"""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import json  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import joblib  # noqa: E402
import numpy as np  # noqa: E402
from _common import environment, parser, table, write_section  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.model_selection import GridSearchCV, KFold  # noqa: E402

from skae import DenseAutoencoder  # noqa: E402

GRID = {"n_components": [8, 16, 24, 32], "batch_size": [32, 64]}  # 8 candidates

BACKEND_FIT = r"""
import json, os, sys, time
import numpy as np
sys.path.insert(0, {bench_dir!r})
from _common import load_mnist_flat
from skae import DenseAutoencoder
X, _, X_test, _ = load_mnist_flat({data!r})
X = X[:{n_rows}]
DenseAutoencoder(epochs=1, random_state=0).fit(X[:512]).transform(X_test[:16])
start = time.perf_counter()
ae = DenseAutoencoder(epochs={epochs}, random_state=0).fit(X)
fit_s = time.perf_counter() - start
ae.transform(X_test)
start = time.perf_counter()
codes = ae.transform(X_test)
transform_s = time.perf_counter() - start
import keras
print(json.dumps(dict(backend=keras.backend.backend(), fit_s=fit_s,
                      transform_s=transform_s, loss=ae.history_["loss"][-1])))
"""


def load():
    return os.getloadavg()[0]


def search(X, epochs, **kwargs):
    est = DenseAutoencoder(epochs=epochs, random_state=0)
    gs = GridSearchCV(est, GRID, cv=KFold(3), refit=False, **kwargs)
    return gs.fit(X).cv_results_["mean_test_score"]


def grid_times(X, epochs, rounds):
    from dask.distributed import Client, LocalCluster

    warm = X[:64]
    results, times, loads = {}, {}, {}

    def serial():
        return search(X, epochs, n_jobs=1)

    def loky(threads):
        def run():
            with joblib.parallel_config(backend="loky", inner_max_num_threads=threads):
                return search(X, epochs, n_jobs=2)

        def warm_up():
            with joblib.parallel_config(backend="loky", inner_max_num_threads=threads):
                search(warm, 1, n_jobs=2)

        return run, warm_up

    with LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    ) as cluster, Client(cluster):

        def dask():
            with joblib.parallel_backend("dask"):
                return search(X, epochs)

        def dask_warm_up():
            with joblib.parallel_backend("dask"):
                search(warm, 1)

        modes = {
            "n_jobs=1 (serial)": (serial, lambda: search(warm, 1, n_jobs=1)),
            "n_jobs=2, loky (1 TF thread per worker)": loky(1),
            "n_jobs=2, loky, 2 TF threads per worker": loky(2),
            "Dask LocalCluster, 2 workers x 1 thread": (dask, dask_warm_up),
        }
        for r in range(rounds):
            names = list(modes) if r % 2 == 0 else list(modes)[::-1]
            for name in names:
                run, warm_up = modes[name]
                warm_up()
                before = load()
                start = time.perf_counter()
                scores = run()
                elapsed = time.perf_counter() - start
                times.setdefault(name, []).append(elapsed)
                loads.setdefault(name, []).append((before, load()))
                results[name] = scores
                print(f"round {r + 1}: {name}: {elapsed:.1f} s, load {before:.1f}", flush=True)
    return results, times, loads


def backend_fit_times(data, epochs, n_rows, rounds):
    code = BACKEND_FIT.format(
        bench_dir=str(Path(__file__).parent), data=str(data), epochs=epochs, n_rows=n_rows
    )
    out = {}
    for r in range(rounds):
        for backend in ("tensorflow", "jax")[:: 1 if r % 2 == 0 else -1]:
            env = {**os.environ, "KERAS_BACKEND": backend}
            before = load()
            proc = subprocess.run(
                [sys.executable, "-c", code], env=env, capture_output=True, text=True
            )
            if proc.returncode:
                raise SystemExit(f"{backend} run failed:\n{proc.stderr[-2000:]}")
            result = json.loads(proc.stdout.strip().splitlines()[-1])
            assert result["backend"] == backend
            result["load"] = (before, load())
            out.setdefault(backend, []).append(result)
            print(f"round {r + 1}: {backend}: fit {result['fit_s']:.2f} s", flush=True)
    return out


def main(argv=None):
    p = parser(__doc__.splitlines()[0])
    p.add_argument(
        "--quick",
        action="store_true",
        help="fewer epochs and one round (smoke run; not written)",
    )
    p.add_argument("--rounds", type=int, default=3, help="interleaved rounds (default 3)")
    args = p.parse_args(argv)
    X = load_digits().data.astype(np.float32) / 16.0
    grid_epochs, fit_epochs, n_rows = 10, 3, 60000
    rounds = fit_rounds = args.rounds
    if args.quick:
        grid_epochs, rounds, fit_epochs, n_rows, fit_rounds = 2, 1, 1, 10000, 1

    DenseAutoencoder(epochs=1, random_state=0).fit(X[:64])  # load TensorFlow once
    results, times, loads = grid_times(X, grid_epochs, rounds)
    serial_name = "n_jobs=1 (serial)"
    reference = results[serial_name]
    same = {name: bool(np.array_equal(s, reference)) for name, s in results.items()}
    serial_best = min(times[serial_name])
    grid_rows = []
    for name in times:
        best = min(times[name])
        ratios = [t / s for t, s in zip(times[name], times[serial_name])]
        grid_rows.append(
            [
                name,
                f"{best:.1f} s",
                f"**{best / serial_best:.2f}x**",
                f"{np.median(ratios):.2f}x",
                " / ".join(f"{a:.1f}-{b:.1f}" for a, b in loads[name]),
                "yes" if same[name] else "**no**",
            ]
        )

    fits = backend_fit_times(args.data, fit_epochs, n_rows, fit_rounds)
    tf_best = min(r["fit_s"] for r in fits["tensorflow"])
    backend_rows = []
    for backend, runs in fits.items():
        best = min(r["fit_s"] for r in runs)
        backend_rows.append(
            [
                backend,
                f"{best:.2f} s",
                f"{best / tf_best:.2f}x",
                f"{min(r['transform_s'] for r in runs) * 1e3:.1f} ms",
                f"{runs[-1]['loss']:.4f}",
                " / ".join(f"{a:.1f}-{b:.1f}" for a, b in (r["load"] for r in runs)),
            ]
        )

    n_fits = len(GRID["n_components"]) * len(GRID["batch_size"]) * 3
    body = "\n\n".join(
        [
            "## Parallel and distributed search, backends (`bench_scaling.py`)",
            f"`GridSearchCV(DenseAutoencoder(epochs={grid_epochs}, random_state=0), "
            f"{GRID}, cv=KFold(3), refit=False)` on digits (1797 x 64, /16): "
            f"8 candidates x 3 folds = {n_fits} fits. Best of {rounds} interleaved "
            "rounds; ratios to the serial time (best, and median of per-round "
            "ratios). Worker start-up excluded (a warm-up task per pool). "
            f"{environment()}; load average at start "
            f"{loads[serial_name][0][0]:.1f}.",
            table(
                ["mode", "wall time", "ratio to n_jobs=1", "median round ratio",
                 "1-min load before-after, per round", "same scores as n_jobs=1"],
                grid_rows,
            ),
            f"`DenseAutoencoder(epochs={fit_epochs}, random_state=0).fit` on "
            f"{n_rows} MNIST rows (784 features, defaults: 32 components, batch "
            f"256), one subprocess per backend and round, best of {fit_rounds} "
            "rounds (order alternated); the fit includes building and compiling "
            "the model; transform of the 10,000 test rows after a warm-up call.",
            table(
                ["backend", "fit", "ratio to TensorFlow", "transform 10k rows",
                 "final loss", "1-min load before-after, per round"],
                backend_rows,
            ),
        ]
    )
    print(body)
    if args.quick:
        print("(--quick: results not written)")
    else:
        write_section(args.output, "bench_scaling", body)
        print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
