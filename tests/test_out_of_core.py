"""Data larger than memory: memmaps are read in chunks, never copied whole.

With the same batches (``shuffle=False``) a streamed fit is bitwise the
in-memory fit; transform, inverse_transform and scores are bitwise the
in-memory ones; a bad value anywhere is the usual ValueError, naming its
row; tracemalloc bounds what a streamed fit allocates; Ctrl-C leaves the
model of the last completed epoch.
"""

import tracemalloc

import keras
import numpy as np
import pytest

from skae import ConvAutoencoder, DeepAutoencoder, DenseAutoencoder, VariationalAutoencoder


@pytest.fixture(scope="module")
def X(digits):
    return digits[0].astype(np.float32)


def memmap(tmp_path, array, name="x.dat"):
    """``array`` written to a file and opened read-only as a ``np.memmap``."""
    path = tmp_path / name
    out = np.memmap(path, dtype=array.dtype, mode="w+", shape=array.shape)
    out[:] = array
    out.flush()
    return np.memmap(path, dtype=array.dtype, mode="r", shape=array.shape)


@pytest.mark.parametrize("params", [
    dict(epochs=2),
    # The plateau rule: held-out rows, repeated passes, the PCA start.
    dict(epochs="auto", max_iter=3),
])
def test_a_streamed_fit_is_the_in_memory_fit(X, tmp_path, params):
    mm = memmap(tmp_path, X)
    make = lambda: DeepAutoencoder((16,), n_components=4, shuffle=False,  # noqa: E731
                                   random_state=0, **params)
    with pytest.warns() if params["epochs"] == "auto" else _nothing():
        a = make().fit(X)
    with pytest.warns() if params["epochs"] == "auto" else _nothing():
        b = make().fit(mm)
    assert b.n_iter_ == a.n_iter_ and b.loss_curve_ == a.loss_curve_
    np.testing.assert_array_equal(b.transform(mm), a.transform(X))
    np.testing.assert_array_equal(b.score_samples(mm), a.score_samples(X))
    assert b.sample_shape_ == (64,) and b.n_features_in_ == 64


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_weights_images_partial_fit_and_integers(X, tmp_path):
    weights = np.r_[np.ones(900), np.zeros(500), 2 * np.ones(397)]
    a = DenseAutoencoder(n_components=4, epochs=2, shuffle=False, random_state=0)
    b = DenseAutoencoder(n_components=4, epochs=2, shuffle=False, random_state=0)
    a.fit(X, sample_weight=weights)
    b.fit(memmap(tmp_path, X), sample_weight=weights)
    np.testing.assert_array_equal(b.transform(X), a.transform(X))
    a.partial_fit(X)
    b.partial_fit(memmap(tmp_path, X, "again.dat"))
    np.testing.assert_array_equal(b.transform(X), a.transform(X))

    images = X[:300].reshape(-1, 8, 8)
    conv = dict(filters=(4,), epochs=1, shuffle=False, random_state=0)
    a = ConvAutoencoder(**conv).fit(images)
    b = ConvAutoencoder(**conv).fit(memmap(tmp_path, images, "images.dat"))
    assert b.sample_shape_ == (8, 8) and b.image_shape_ == a.image_shape_
    recon = b.inverse_transform(b.transform(images))
    np.testing.assert_array_equal(recon, a.inverse_transform(a.transform(images)))

    pixels = (X[:300] * 16).astype(np.uint8)  # cast a chunk at a time
    a = DenseAutoencoder(n_components=3, epochs=1, shuffle=False, random_state=0).fit(pixels)
    b = DenseAutoencoder(n_components=3, epochs=1, shuffle=False, random_state=0)
    codes = b.fit(memmap(tmp_path, pixels, "u8.dat")).transform(memmap(tmp_path, pixels, "u8.dat"))
    assert codes.dtype == np.float64  # as scikit-learn validates integers
    np.testing.assert_array_equal(codes, a.transform(pixels))


def test_outputs_into_a_memmap_the_caller_provides(X, tmp_path):
    ae = VariationalAutoencoder(hidden_layer_sizes=(8,), epochs=1, random_state=0).fit(X)
    mm = memmap(tmp_path, X)
    codes = np.memmap(tmp_path / "codes.dat", dtype=np.float32, mode="w+", shape=(len(X), 2))
    assert ae.transform(mm, out=codes) is codes
    np.testing.assert_array_equal(codes, ae.transform(X).astype(np.float32))
    recon = np.memmap(tmp_path / "recon.dat", dtype=np.float32, mode="w+", shape=X.shape)
    assert ae.inverse_transform(codes, out=recon) is recon
    np.testing.assert_array_equal(recon, ae.inverse_transform(codes))
    with pytest.raises(ValueError, match=r"out has shape \(1797, 3\).*\(1797, 2\)"):
        ae.transform(mm, out=np.empty((len(X), 3)))


def test_a_bad_value_in_the_last_chunk_names_its_row(X, tmp_path):
    bad = X.copy()
    bad[1790, 3] = np.nan
    ae = DenseAutoencoder(n_components=2, epochs=1)
    with pytest.raises(ValueError, match=r"Input X contains NaN \(row 1790\)"):
        ae.fit(memmap(tmp_path, bad))
    assert not hasattr(ae, "model_")  # refused before training
    bad[1790, 3] = np.inf
    fitted = DenseAutoencoder(n_components=2, epochs=1).fit(X)
    with pytest.raises(ValueError, match=r"Input X contains infinity \(row 1790\)"):
        fitted.transform(memmap(tmp_path, bad, "inf.dat"))
    with pytest.raises(ValueError, match="X has 8 features, but DenseAutoencoder is expecting 64"):
        fitted.transform(memmap(tmp_path, X[:, :8].copy(), "narrow.dat"))
    with pytest.raises(ValueError, match="Found array with dim 3"):
        DenseAutoencoder(epochs=1).fit(memmap(tmp_path, X.reshape(-1, 8, 8), "cube.dat"))


def test_a_streamed_fit_makes_no_full_copy(tmp_path):
    # 16,000 x 784 float32: a 50 MB memmap. tracemalloc sees NumPy's
    # allocations (Keras' own tensors are outside it): a full copy of the
    # data would show as 50 MB or more; the streamed fit holds batches.
    rng = np.random.default_rng(0)
    data = rng.random((16_000, 784), dtype=np.float32)
    mm = memmap(tmp_path, data)
    del data

    def peak_mb(fn):
        tracemalloc.start()
        try:
            fn()
            return tracemalloc.get_traced_memory()[1] / 2**20
        finally:
            tracemalloc.stop()

    # init="random": the PCA start reads a subset of at most 10,000 rows
    # whatever the data's size (measured: 210 MB of float64 work at 784
    # features), a bounded cost of its own.
    ae = DenseAutoencoder(n_components=8, epochs=1, batch_size=256, init="random",
                          random_state=0)
    ae.fit(mm[:512]).transform(mm[:512])  # warm-up: first-use imports and tracing
    streamed = peak_mb(lambda: ae.fit(mm).transform(mm))
    # MiB: batches and the transform's chunks, whatever the data's size
    # (measured 10 on TensorFlow, 18 on JAX); under half a copy of the data.
    assert streamed < 24, streamed
    assert peak_mb(lambda: np.array(mm)) > 40  # a copy: 47.9 MiB, what the bound catches


class _Interrupt(keras.callbacks.Callback):
    """Ctrl-C in the second epoch, after its steps and before its end (Keras
    calls batch hooks once per 32 steps, the steps_per_execution)."""

    def on_train_batch_end(self, batch, logs=None):
        if self.model.optimizer.iterations.numpy() > 8:  # 8 batches an epoch
            raise KeyboardInterrupt


def test_ctrl_c_leaves_the_model_of_the_last_completed_epoch(X, tmp_path):
    mm = memmap(tmp_path, X[:512])
    params = dict(n_components=3, batch_size=64, shuffle=False, random_state=0)
    one_epoch = DenseAutoencoder(epochs=1, **params).fit(mm)
    stopped = DenseAutoencoder(epochs=5, callbacks=[_Interrupt()], **params)
    with pytest.raises(KeyboardInterrupt):
        stopped.fit(mm)
    assert stopped.n_iter_ == 1 and stopped.loss_curve_ == one_epoch.loss_curve_
    np.testing.assert_array_equal(stopped.transform(mm), one_epoch.transform(mm))


class _H5LikeDataset:
    """What h5py's and zarr's arrays offer and demand: ``shape``, ``dtype``,
    slices, and fancy indexing with increasing, unique indices only."""

    def __init__(self, array):
        self._array, self.shape, self.dtype = array, array.shape, array.dtype
        self.reads = 0

    def __getitem__(self, index):
        if not isinstance(index, slice):
            index = np.asarray(index)
            if np.any(np.diff(index) <= 0):
                raise TypeError("Indexing elements must be in increasing order")
        self.reads += 1
        return np.array(self._array[index])


_H5LikeDataset.__module__ = "h5py._hl.dataset"  # streamed as an h5py dataset is


def test_an_h5py_like_dataset_streams_in_increasing_reads(X):
    data = _H5LikeDataset(X)
    params = dict(n_components=3, epochs="auto", max_iter=2, random_state=0)
    with pytest.warns():  # max_iter=2: not converged
        a = DenseAutoencoder(**params).fit(X)  # shuffled batches, a holdout
    with pytest.warns():
        b = DenseAutoencoder(**params).fit(data)
    assert data.reads > 10  # read in pieces, never whole
    assert b.n_iter_ == a.n_iter_
    np.testing.assert_array_equal(b.transform(data), b.transform(X))


def test_out_in_any_layout_and_values_beyond_float32(X, tmp_path):
    images = X[:200].reshape(-1, 8, 8)
    ae = ConvAutoencoder(filters=(4,), epochs=1, random_state=0).fit(images)
    codes = ae.transform(images)
    fortran = np.memmap(tmp_path / "f.dat", dtype=np.float32, mode="w+", shape=(200, 8, 8),
                        order="F")  # reshaping it would copy: results must land in it
    assert ae.inverse_transform(codes, out=fortran) is fortran
    np.testing.assert_array_equal(fortran, ae.inverse_transform(codes).astype(np.float32))
    with pytest.raises(ValueError, match=r"out has shape \(200, 4, 16\)"):
        ae.inverse_transform(codes, out=np.empty((200, 4, 16)))
    huge = X.astype(np.float64)
    huge[1000, 0] = 1e39  # finite in float64, infinite in float32
    with pytest.raises(ValueError, match="too large for float32"):
        DenseAutoencoder(epochs=1).fit(memmap(tmp_path, huge))


def test_a_streamed_fit_shows_keras_progress_bar(X, tmp_path, capsys):
    DenseAutoencoder(n_components=2, epochs=1, batch_size=256, verbose=1).fit(memmap(tmp_path, X))
    out = capsys.readouterr().out
    assert "8/8" in out and "loss:" in out  # 1,797 rows in 8 batches, counted
