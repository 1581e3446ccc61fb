"""ConvAutoencoder and DenoisingAutoencoder: layouts, noise, persistence."""

import copy
import pickle

import keras
import numpy as np
import pytest
from sklearn.manifold import TSNE
from sklearn.pipeline import Pipeline

from skae import ConvAutoencoder, DenoisingAutoencoder

FAST = dict(filters=(4, 4), epochs=2, batch_size=64, random_state=0)


def _bce(X, X_hat, eps=1e-7):
    p = np.clip(X_hat, eps, 1 - eps)
    return float(-np.mean(X * np.log(p) + (1 - X) * np.log(1 - p)))


# -- layouts ------------------------------------------------------------------------
@pytest.mark.parametrize(
    "shape, image_shape, expected",
    [
        ((30, 64), None, (8, 8, 1)),  # perfect square: grey s x s images
        ((30, 12), (3, 4), (3, 4, 1)),
        ((30, 24), (2, 4, 3), (2, 4, 3)),
        ((30, 10), None, (1, 10, 1)),  # anything else: a 1 x w strip
        ((30, 1), None, (1, 1, 1)),
        ((30, 5, 7), None, (5, 7, 1)),
        ((30, 5, 7, 2), None, (5, 7, 2)),
        ((30, 5, 7), (5, 7), (5, 7, 1)),
    ],
)
def test_layouts_round_trip(shape, image_shape, expected):
    X = np.random.RandomState(0).rand(*shape)
    ae = ConvAutoencoder(image_shape=image_shape, **FAST).fit(X)
    assert ae.image_shape_ == expected
    assert ae.sample_shape_ == shape[1:]
    codes = ae.transform(X)
    assert codes.ndim == 2 and codes.shape == (30, ae.n_components_)
    recon = ae.inverse_transform(codes)
    assert recon.shape == X.shape  # 2-D in, 2-D out; 4-D in, 4-D out
    # Any layout of the same pixels encodes the same way.
    np.testing.assert_array_equal(ae.transform(X.reshape(30, -1)), codes)


def test_mnist_sized_code_is_the_tutorials():
    X = np.random.RandomState(0).rand(16, 28, 28)
    ae = ConvAutoencoder(epochs=1, random_state=0).fit(X)
    assert ae.n_components_ == 128  # the (4, 4, 8) map
    assert ae.encoder_.get_layer("pool_2").output.shape[1:] == (4, 4, 8)
    ae = DenoisingAutoencoder(epochs=1, random_state=0).fit(X)
    assert ae.n_components_ == 7 * 7 * 32


def test_bottleneck_n_components(digits):
    X = digits[0]
    ae = ConvAutoencoder(n_components=5, **FAST).fit(X)
    assert ae.transform(X).shape == (X.shape[0], 5)
    assert list(ae.get_feature_names_out()) == [f"convautoencoder{i}" for i in range(5)]


@pytest.mark.parametrize("Estimator", [ConvAutoencoder, DenoisingAutoencoder])
def test_bottleneck_starts_at_pcas_reconstruction(Estimator, digits):
    from sklearn.decomposition import PCA

    X = digits[0][:300]
    X = X - X.mean(axis=0)  # negative values: a linear output and mse
    frozen = dict(filters=(4, 4), epochs=1, learning_rate_init=1e-12, random_state=0)
    ae = Estimator(n_components=5, **frozen).fit(X)  # one step at 1e-12: the start
    assert ae.init == "pca" and ae.loss_ == "mse"
    pca = PCA(5).fit(X)
    expected = pca.inverse_transform(pca.transform(X))
    np.testing.assert_allclose(ae.inverse_transform(ae.transform(X)), expected, atol=1e-4)
    random = ae.set_params(init="random").fit(X)
    assert np.abs(random.inverse_transform(random.transform(X)) - expected).max() > 0.1


def test_code_map_models_start_random(digits):
    # No bottleneck (the tutorial's code map): no linear path, whatever init says.
    X = digits[0][:100]
    frozen = dict(filters=(4, 4), epochs=1, learning_rate_init=1e-12, random_state=0)
    a = ConvAutoencoder(**frozen).fit(X).transform(X)
    b = ConvAutoencoder(init="random", **frozen).fit(X).transform(X)
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(
    "params, X_shape, match",
    [
        ({"image_shape": (5, 5)}, (10, 24), "does not match X"),
        ({"image_shape": (4, 7)}, (10, 4, 6), "does not match X"),
        ({"image_shape": (0, 4)}, (10, 0), None),
        ({"image_shape": (2, 2, 2, 2)}, (10, 16), "image_shape must be"),
        ({"filters": ()}, (10, 16), "filters must be"),
        ({"filters": (4, -1)}, (10, 16), "filters must be"),
    ],
)
def test_bad_image_params(params, X_shape, match):
    X = np.random.RandomState(0).rand(*X_shape)
    with pytest.raises(ValueError, match=match):
        ConvAutoencoder(**{**FAST, **params}).fit(X)


def test_five_dimensional_input_is_refused():
    with pytest.raises(ValueError, match="Found array with dim 5, while dim <= 4 is required by ConvAutoencoder"):
        ConvAutoencoder(**FAST).fit(np.zeros((4, 2, 2, 2, 1)))


def test_tsne_pipeline_with_default_arguments(digits):
    # The project card's own example, as written: no arguments at all.
    X, y = digits
    pipe = Pipeline([("ae", ConvAutoencoder()), ("tsne", TSNE())])
    emb = pipe.fit_transform(X)
    assert emb.shape == (X.shape[0], 2) and np.isfinite(emb).all()
    d = ((emb[:, None] - emb[None]) ** 2).sum(-1)
    np.fill_diagonal(d, np.inf)
    assert np.mean(y[d.argmin(1)] == y) > 0.5  # digits cluster by class


def test_conv_beats_its_untrained_self(digits):
    X = digits[0]
    untrained = ConvAutoencoder(**{**FAST, "epochs": 1}).fit(X).score(X)
    trained = ConvAutoencoder(**{**FAST, "epochs": 30}).fit(X).score(X)
    assert trained > untrained + 0.05


# -- noise ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def denoiser(digits):
    return DenoisingAutoencoder(filters=(8, 8), epochs=40, batch_size=64, random_state=0).fit(
        digits[0]
    )


def test_noise_only_during_training(denoiser, digits):
    X = digits[0][:50].astype(np.float32)
    np.testing.assert_array_equal(denoiser.transform(X), denoiser.transform(X))
    np.testing.assert_array_equal(denoiser.denoise(X), denoiser.denoise(X))
    inference = keras.ops.convert_to_numpy(denoiser.model_(X, training=False))
    np.testing.assert_allclose(denoiser.denoise(X), inference, rtol=1e-6)
    first = keras.ops.convert_to_numpy(denoiser.model_(X, training=True))
    second = keras.ops.convert_to_numpy(denoiser.model_(X, training=True))
    assert not np.allclose(first, inference)  # training adds noise ...
    assert not np.allclose(first, second)  # ... fresh on every batch
    noisy = keras.ops.convert_to_numpy(denoiser.model_.get_layer("noise")(X, training=True))
    assert noisy.min() >= 0 and noisy.max() <= 1  # clipped to the data range
    assert np.std(noisy - X) > 0.3


def test_denoiser_removes_noise(denoiser, digits):
    X = digits[0]
    noisy = denoiser.corrupt(X, random_state=1)
    assert denoiser.data_range_ == (0.0, 1.0)
    assert noisy.min() >= 0 and noisy.max() <= 1
    cleaned = denoiser.denoise(noisy)
    assert _bce(X, cleaned) < 0.8 * _bce(X, noisy)


def test_corrupt_is_reproducible(denoiser, digits):
    X = digits[0][:20]
    np.testing.assert_array_equal(
        denoiser.corrupt(X, random_state=3), denoiser.corrupt(X, random_state=3)
    )
    assert not np.array_equal(denoiser.corrupt(X, random_state=3), denoiser.corrupt(X, 4))
    images = X.reshape(-1, 8, 8).astype(np.float32)
    noisy = denoiser.corrupt(images, random_state=0)
    assert noisy.shape == images.shape and noisy.dtype == np.float32
    assert denoiser.denoise(noisy).shape == images.shape


def test_training_noise_is_seeded(digits):
    X = digits[0][:200]
    params = dict(filters=(4,), epochs=2, batch_size=32)
    a = DenoisingAutoencoder(random_state=0, **params).fit(X).transform(X)
    b = DenoisingAutoencoder(random_state=0, **params).fit(X).transform(X)
    c = DenoisingAutoencoder(random_state=1, **params).fit(X).transform(X)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


def test_noise_is_a_fraction_of_the_data_range(digits):
    # The same images in other units get the same noise relative to them:
    # 0.5 in pixel units was 3% of the range of 0-16 digits.
    X = digits[0][:200].astype(np.float32)
    params = dict(filters=(4,), epochs=1, random_state=0)
    unit = DenoisingAutoencoder(**params).fit(X)
    raw = DenoisingAutoencoder(**params).fit(16 * X)
    assert raw.data_range_ == (0.0, 16.0)
    assert unit.model_.get_layer("noise").stddev == pytest.approx(0.5)
    assert raw.model_.get_layer("noise").stddev == pytest.approx(8.0)
    np.testing.assert_allclose(raw.corrupt(16 * X, random_state=0),
                               16 * unit.corrupt(X, random_state=0), atol=1e-4)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_denoiser_holds_out_noisy_rows(digits):
    # Early stopping judges the denoiser on its own task: noisy held-out
    # rows against their clean selves.
    from skae._conv import _add_noise
    from skae._training import split_validation

    X = digits[0][:200].astype(np.float32)
    # A constant rate: one iteration of the default's warmup barely moves
    # the start, on which noisy and clean rows score within 7e-4.
    ae = DenoisingAutoencoder(filters=(4,), max_iter=1, n_iter_no_change=1, random_state=0,
                              optimizer__learning_rate=1e-3)
    ae.fit(X)
    _, _, X_val, _ = split_validation(X, None, ae.validation_fraction, ae._seed)
    noisy = _add_noise(X_val, ae.noise_factor, ae.data_range_, ae._seed)
    assert not np.allclose(noisy, X_val)
    noisy_loss = ae.model_.evaluate(noisy, X_val, verbose=0)
    clean_loss = ae.model_.evaluate(X_val, X_val, verbose=0)
    assert ae.validation_scores_[0] == pytest.approx(-noisy_loss, rel=1e-5)
    assert abs(noisy_loss - clean_loss) > 1e-3


# -- persistence ---------------------------------------------------------------------------
@pytest.mark.parametrize("Estimator", [ConvAutoencoder, DenoisingAutoencoder])
@pytest.mark.parametrize(
    "roundtrip", [lambda e: pickle.loads(pickle.dumps(e)), copy.deepcopy], ids=["pickle", "deepcopy"]
)
def test_roundtrip_bitwise(Estimator, roundtrip, digits):
    X = digits[0][:100].reshape(-1, 8, 8)
    ae = Estimator(**FAST).fit(X)
    restored = roundtrip(ae)
    codes = ae.transform(X)
    np.testing.assert_array_equal(restored.transform(X), codes)
    np.testing.assert_array_equal(restored.inverse_transform(codes), ae.inverse_transform(codes))
    assert restored.inverse_transform(codes).shape == X.shape
    assert restored.score(X) == ae.score(X)
    assert restored.encoder_.get_layer("conv_0") is restored.model_.get_layer(
        "encoder"
    ).get_layer("conv_0")


def test_transform_refuses_another_sample_shape():
    X = np.random.RandomState(0).rand(20, 4, 6)
    ae = ConvAutoencoder(**FAST).fit(X)
    assert ae.transform(X[..., None]).shape[0] == 20  # a channel axis of 1 is fine
    with pytest.raises(ValueError, match=r"samples of shape \(6, 4\), but ConvAutoencoder"):
        ae.transform(X.reshape(20, 6, 4))


@pytest.mark.parametrize(
    "shape, n_layers, expected",
    [((28, 28, 1), 3, 3), ((8, 8, 1), 3, 2), ((8, 8, 1), 2, 2), ((1, 64, 1), 3, 3),
     ((1, 3, 1), 2, 0), ((5, 5, 3), 3, 1), ((1, 1, 1), 2, 0)],
)
def test_small_images_are_not_pooled_below_two(shape, n_layers, expected):
    from skae._builders import n_poolings

    assert n_poolings(shape, n_layers) == expected
