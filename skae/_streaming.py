"""Data larger than memory: rows read in chunks from a sliceable array.

``np.memmap`` (and ``np.load(..., mmap_mode="r")``), h5py and zarr arrays
are never copied whole: :class:`StreamedRows` reads them a chunk of rows at
a time, casts each chunk to Keras' float type and checks it (finite values,
the float32 range) as it goes, so validation costs one pass of bounded
memory and names the first bad row. Training reads its batches through
:class:`RowBatches`, a ``keras.utils.PyDataset`` over row indices (shuffled
with a seeded permutation, repeated on small data as the in-memory path
repeats rows); inference maps its compiled forward step over the same
chunks (``skae._inference.map_batches``).

In-memory arrays keep the in-memory path: only the types above stream.
"""

from __future__ import annotations

import math

import keras
import numpy as np

_FLOAT32_MAX = float(np.finfo(np.float32).max)


def refuse_beyond_float32(X, name="X"):
    """The ValueError for float64 values that float32, the precision Keras
    computes in, cannot hold (finite here, infinite once cast)."""
    if X.dtype.itemsize > 4 and X.size and max(X.max(), -X.min()) > _FLOAT32_MAX:
        raise ValueError(
            f"Input {name} contains values too large for float32, the precision "
            "Keras computes in; scale X first (e.g. StandardScaler)."
        )

# Modules whose array types stream; anything else (ndarrays, lists, pandas,
# sparse matrices, dask arrays) goes through scikit-learn's validation.
_STREAMED_MODULES = frozenset({"h5py", "zarr"})


def is_streamed(X):
    """Whether X is read in chunks: a NumPy memmap, an h5py or zarr array."""
    if isinstance(X, np.memmap):
        return True
    if isinstance(X, np.ndarray):
        return False
    module = type(X).__module__.split(".")[0]
    return module in _STREAMED_MODULES and hasattr(X, "shape") and hasattr(X, "dtype")


class StreamedRows:
    """Flat float rows of a sliceable array of samples, read on demand.

    ``X[rows]`` (a slice, or an array of row indices in any order) reads
    those rows, reshaped to ``(len(rows), n_features)``, cast to ``floatx``
    and checked: a NaN or infinite value, or one beyond float32, is a
    ``ValueError`` that names its row. ``min()``/``max()`` are known after
    :meth:`validate`, the one full pass (for the loss rule).
    """

    ndim = 2

    def __init__(self, array, chunk_rows, name="X"):
        self.array = array
        self.name = name
        self.chunk_rows = int(chunk_rows)
        self.sample_shape = tuple(int(s) for s in array.shape[1:])
        n_features = math.prod(self.sample_shape)
        self.shape = (int(array.shape[0]), n_features)
        # What results are returned in (transform's codes), as scikit-learn's
        # validation gives: the array's float dtype, float64 for integers.
        # Chunks themselves are read as Keras' float type.
        self.dtype = (np.dtype(array.dtype) if array.dtype in (np.float32, np.float64)
                      else np.dtype(np.float64))
        self.floatx = np.dtype(keras.backend.floatx())
        self.size = self.shape[0] * n_features
        self._range = None

    def __len__(self):
        return self.shape[0]

    def __getitem__(self, rows):
        if isinstance(rows, slice):
            start = range(self.shape[0])[rows][:1]
            return self._checked(self.array[rows], start[0] if len(start) else 0)
        # Fancy indexing of h5py and zarr wants increasing, unique indices
        # (a batch of repeated small data has duplicates): read each row
        # once, in order, then give the rows back as asked.
        rows = np.asarray(rows)
        unique, inverse = np.unique(rows, return_inverse=True)
        chunk = self._checked(self.array[unique], None, unique)
        return chunk if np.array_equal(unique, rows) else chunk[inverse]

    def _checked(self, chunk, start, rows=None):
        chunk = np.asarray(chunk)
        if chunk.dtype.kind not in "biuf":
            raise ValueError(
                f"{self.name} has dtype {chunk.dtype}: numeric data is needed "
                "(dtype='numeric' is not compatible with it)."
            )
        chunk = chunk.reshape(len(chunk), self.shape[1])
        if chunk.dtype.kind == "f" and chunk.size:
            if not np.isfinite(chunk.sum()):
                bad = ~np.isfinite(chunk)
                if bad.any():
                    row = int(np.flatnonzero(bad.any(axis=1))[0])
                    what = "NaN" if np.isnan(chunk[row]).any() else "infinity"
                    where = (start + row) if rows is None else int(rows[row])
                    raise ValueError(f"Input {self.name} contains {what} (row {where}).")
            refuse_beyond_float32(chunk, self.name)
        return chunk.astype(self.floatx, copy=False)

    def chunks(self, rows=None):
        """``(first row, chunk)`` over all rows, or over sorted ``rows``."""
        if rows is None:
            for start in range(0, self.shape[0], self.chunk_rows):
                yield start, self[start:start + self.chunk_rows]
        else:
            for start in range(0, len(rows), self.chunk_rows):
                yield start, self[rows[start:start + self.chunk_rows]]

    def validate(self):
        """One pass: every value finite and within float32, and the range."""
        low, high = np.inf, -np.inf
        for _, chunk in self.chunks():
            if chunk.size:
                low, high = min(low, float(chunk.min())), max(high, float(chunk.max()))
        self._range = (low, high)
        return self

    def min(self, axis=None, out=None, **kwargs):
        return self._range[0]

    def max(self, axis=None, out=None, **kwargs):
        return self._range[1]

    def mean_row(self, rows, weights=None):
        """The (weighted) mean of the rows ``rows``, in one chunked pass."""
        total = np.zeros(self.shape[1], dtype=np.float64)
        for start, chunk in self.chunks(rows):
            w = None if weights is None else weights[start:start + len(chunk)]
            total += chunk.sum(axis=0, dtype=np.float64) if w is None else w @ chunk
        return total / (len(rows) if weights is None else float(np.sum(weights)))


class RowSubset:
    """The rows ``rows`` of a :class:`StreamedRows`, indexable like an array
    (what the PCA start reads: a subset of at most 10,000 rows)."""

    def __init__(self, source, rows):
        self.source, self.rows = source, rows
        self.shape = (len(rows), source.shape[1])
        self.ndim = 2

    def __len__(self):
        return len(self.rows)

    def __getitem__(self, index):
        return self.source[self.rows[index]]

    def __array__(self, dtype=None, copy=None):
        return np.asarray(self.source[self.rows], dtype=dtype)


class RowBatches(keras.utils.PyDataset):
    """Training batches ``(x, x[, w])`` read from a :class:`StreamedRows`.

    One Keras epoch is ``repeats`` passes over ``rows`` (as the in-memory
    path stacks repeated rows), cut into batches of ``batch_size``: with
    ``shuffle=False`` exactly the batches of the in-memory path, so a fit
    is bitwise the same. ``shuffle=True`` draws a new permutation of the
    repeated rows each epoch, ``"batch"`` shuffles the order of the batches
    only; both from ``seed`` (reproducible) and the epoch's number.
    """

    def __init__(self, X, rows, sample_weight, batch_size, repeats=1, shuffle=True, seed=None):
        super().__init__()
        self.X, self.batch_size = X, int(batch_size)
        self.rows = np.tile(np.asarray(rows), repeats)
        self.weights = None if sample_weight is None else np.tile(sample_weight, repeats)
        self.shuffle, self.seed = shuffle, seed
        self.epoch = 0
        self.order = self._order()

    def __len__(self):
        return math.ceil(len(self.rows) / self.batch_size)

    def _order(self):
        """Batch ``i`` holds positions ``order[i * batch : (i + 1) * batch]``."""
        n = len(self.rows)
        if not self.shuffle:
            return np.arange(n)
        rng = np.random.default_rng(None if self.seed is None else [self.seed, self.epoch])
        if self.shuffle == "batch":
            blocks = rng.permutation(len(self))
            return np.concatenate([np.arange(b * self.batch_size,
                                             min((b + 1) * self.batch_size, n)) for b in blocks])
        return rng.permutation(n)

    def __getitem__(self, index):
        positions = self.order[index * self.batch_size:(index + 1) * self.batch_size]
        x = self.X[self.rows[positions]]
        if self.weights is None:
            return x, x
        return x, x, self.weights[positions].astype(x.dtype)

    def on_epoch_end(self):
        self.epoch += 1
        self.order = self._order()
