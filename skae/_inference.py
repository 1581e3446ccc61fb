"""The inference engine: a compiled forward step run over fixed-size chunks.

``Model.predict`` costs ~44 ms for one row (a data adapter, callbacks and a
progress bar per call). skae never calls it: :func:`map_batches` runs
:func:`compiled_forward` on chunks of a bounded number of rows, padded to
whole blocks, so transform, inverse_transform and score are deterministic
(a row's result does not depend on the rows beside it), safe to call from
several threads, and bounded in memory.
"""

from __future__ import annotations

import math
import threading
import weakref

import numpy as np

from . import _compat
from ._threads import limit_threads_from_environment

# Chunks are padded to a multiple of this many rows: matrix kernels treat a
# ragged tail of rows differently (a float32 ulp apart), so without padding
# a row's code could depend on how many rows came with it.
ROW_BLOCK = 16

_forward_cache = weakref.WeakKeyDictionary()
_forward_lock = threading.Lock()


def compiled_forward(model):
    """A function ``x (float32 ndarray) -> model(x) as ndarray``, inference mode.

    A model with several outputs gives a list of arrays. Compiled once per
    model and cached beside it (weakly: it goes with the model), so
    estimators stay picklable and their ``__dict__`` unchanged.
    """
    with _forward_lock:
        forward = _forward_cache.get(model)
        if forward is None:
            forward = _forward_cache[model] = _compile_forward(model)
    return forward


def _compile_forward(model):
    import keras

    limit_threads_from_environment()
    backend = keras.backend.backend()
    if backend == "tensorflow":
        return _compat.tf_forward(model)
    if backend == "jax":
        return _jax_forward(model)
    # A weak reference: a bound method would keep its cache key alive.
    model_ref = weakref.ref(model)
    return lambda x: model_ref().predict_on_batch(x)


def _jax_forward(model):
    # One jitted pure function of (weights, x) per model: XLA compiles it
    # once per chunk shape (chunks are whole blocks of 16 rows, so a handful
    # of shapes) and reads the current weights on every call, so it stays
    # right after partial_fit. It skips predict_on_batch's per-call step
    # wrapping (measured ~2x faster on a 16-row chunk). The weak reference
    # keeps the cache entry from holding its own key alive.
    import jax

    model_ref = weakref.ref(model)

    @jax.jit
    def step(trainable, non_trainable, x):
        outputs, _ = model_ref().stateless_call(trainable, non_trainable, x, training=False)
        return outputs

    def forward(x):
        m = model_ref()
        outputs = step(
            [v.value for v in m.trainable_variables],
            [v.value for v in m.non_trainable_variables],
            x,
        )
        if isinstance(outputs, (list, tuple)):
            return [np.asarray(out) for out in outputs]
        return np.asarray(outputs)

    return forward


def map_batches(fn, X, out_dtype, batch_size, out=None):
    """Apply ``fn`` to float32 chunks of at most ``batch_size`` rows of X
    (each padded to whole blocks of :data:`ROW_BLOCK` rows) and write the
    results, cast to ``out_dtype``, into one array allocated at the first
    chunk, or into ``out`` (an array of the result's shape the caller
    provides, such as a ``np.memmap`` for results larger than memory).

    X is an array or any object whose slices are arrays (the chunks of
    data read from disk, ``skae._streaming.StreamedRows``): the result is
    the only full-size allocation.
    """
    import keras

    floatx = keras.backend.floatx()
    n = X.shape[0]
    for start in range(0, n, batch_size):
        chunk = X[start : start + batch_size].astype(floatx, copy=False)
        n_rows = chunk.shape[0]
        padded = -(-n_rows // ROW_BLOCK) * ROW_BLOCK
        if padded != n_rows:
            pad = np.zeros((padded - n_rows, *chunk.shape[1:]), dtype=floatx)
            chunk = np.concatenate([chunk, pad])
        part = np.asarray(fn(chunk))[:n_rows]
        if out is None:
            out = np.empty((n, *part.shape[1:]), dtype=out_dtype)
        elif start == 0 and (len(out) != n or math.prod(out.shape[1:]) != math.prod(part.shape[1:])):
            raise ValueError(
                f"out has shape {tuple(out.shape)}, but the result has shape "
                f"{(n, *part.shape[1:])}."
            )
        # Into out's own layout (images, say), so nothing is copied on the way.
        out[start : start + n_rows] = part.reshape((n_rows, *out.shape[1:]))
    return out
