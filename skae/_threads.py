"""Thread pools in parallel workers, applied when the first model is built.

joblib's loky workers (``n_jobs=k``: ``cpu_count // k`` threads each) and
Dask's nanny workers (1) set ``OMP_NUM_THREADS``. NumPy's BLAS obeys it, but
TensorFlow sizes its intra- and inter-op pools from the core count, so k
workers would each run one thread per core. skae applies the variable to
TensorFlow before it builds, loads or runs its first model (never at
import: importing skae has no side effects).
"""

from __future__ import annotations

import os

_THREAD_ENV = "OMP_NUM_THREADS"
_applied = False


def limit_threads_from_environment():
    """Size TensorFlow's pools from ``OMP_NUM_THREADS`` when it is set.

    Only when neither ``TF_NUM_INTRAOP_THREADS`` nor
    ``TF_NUM_INTEROP_THREADS`` is set, and only before TensorFlow runs its
    first op (after that its configuration is left as it is). Other
    backends are not touched: JAX/XLA on CPU sizes its own pool and has no
    such setting. Runs once per process.

    Returns the number of threads set, or None.
    """
    global _applied
    if _applied:
        return None
    _applied = True
    import keras

    value = os.environ.get(_THREAD_ENV, "")
    if (
        keras.backend.backend() != "tensorflow"
        or not value.isdigit()
        or int(value) < 1
        or "TF_NUM_INTRAOP_THREADS" in os.environ
        or "TF_NUM_INTEROP_THREADS" in os.environ
    ):
        return None
    from . import _compat

    n = int(value)
    return n if _compat.set_tf_threads(n) else None
