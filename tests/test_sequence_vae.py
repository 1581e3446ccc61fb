"""SequenceAutoencoder and VariationalAutoencoder."""

import copy
import pickle

import keras
import numpy as np
import pytest

from skae import SequenceAutoencoder, VariationalAutoencoder
from skae._layers import kl_divergence


@pytest.fixture(scope="module")
def vae(digits):
    return VariationalAutoencoder(epochs=15, random_state=0).fit(digits[0])


# -- sequences ------------------------------------------------------------------------
@pytest.mark.parametrize(
    "shape, sequence_shape",
    [((40, 12), (12, 1)), ((40, 6, 3), (6, 3)), ((40, 1), (1, 1))],
)
def test_sequence_layouts_round_trip(shape, sequence_shape):
    X = np.random.RandomState(0).rand(*shape)
    ae = SequenceAutoencoder(n_components=5, epochs=2, random_state=0).fit(X)
    assert ae.sequence_shape_ == sequence_shape
    codes = ae.transform(X)
    assert codes.shape == (40, 5)
    assert ae.inverse_transform(codes).shape == X.shape
    # The decoder ends in one Dense per step with the input's feature count.
    assert ae.decoder_.get_layer("step").units == sequence_shape[1]
    np.testing.assert_array_equal(ae.transform(X.reshape(40, -1)), codes)


def test_sequence_four_dimensional_input_is_refused():
    with pytest.raises(ValueError, match="Found array with dim 4, while dim <= 3 is required by SequenceAutoencoder"):
        SequenceAutoencoder(epochs=1).fit(np.zeros((3, 2, 2, 2)))


def test_sequence_model_learns(digits):
    X = digits[0].reshape(-1, 8, 8)  # 8 timesteps of 8 pixels
    short = SequenceAutoencoder(16, init="random", epochs=1, random_state=0).fit(X).score(X)
    long = SequenceAutoencoder(16, init="random", epochs=30, random_state=0).fit(X).score(X)
    assert long > short + 0.05


def test_sequence_pca_init_starts_at_pcas_reconstruction():
    from sklearn.decomposition import PCA

    t = np.linspace(0, 4 * np.pi, 30)
    rng = np.random.RandomState(0)
    X = np.stack([np.sin(t * f + p) for f, p in zip(rng.uniform(0.5, 2, 50), rng.uniform(0, 3, 50))])
    X = X[:, :, None] + 0.1 * rng.randn(50, 30, 1)  # z-normalised-like: negative values, mse
    frozen = dict(n_components=3, units=4, epochs=1, learning_rate_init=1e-12, random_state=0)
    ae = SequenceAutoencoder(**frozen).fit(X)
    assert ae.init == "pca" and ae.loss_ == "mse"
    flat = X.reshape(50, -1)
    pca = PCA(3).fit(flat)
    expected = pca.inverse_transform(pca.transform(flat)).reshape(X.shape)
    np.testing.assert_allclose(ae.inverse_transform(ae.transform(X)), expected, atol=1e-4)
    random = SequenceAutoencoder(**frozen, init="random").fit(X)
    assert np.abs(random.inverse_transform(random.transform(X)) - expected).max() > 0.5
    # The tutorial's design has no linear path: it starts random whatever init says.
    tutorial = SequenceAutoencoder(**{**frozen, "units": None}).fit(X)
    assert np.abs(tutorial.inverse_transform(tutorial.transform(X)) - expected).max() > 0.5


@pytest.mark.parametrize("frame_length, frame, lstm_steps",
                         [("auto", 3, 24), (1, 1, 70), (70, 70, 1)])
def test_sequence_lstms_read_frames_of_steps(frame_length, frame, lstm_steps):
    # 70 steps of 2 channels: "auto" keeps the LSTMs to at most 32 steps,
    # frames of 3 (the last padded by 2 steps, cropped from the output).
    from sklearn.decomposition import PCA

    X = np.random.RandomState(0).randn(30, 70, 2).cumsum(axis=1)
    ae = SequenceAutoencoder(n_components=3, frame_length=frame_length, epochs=1,
                             learning_rate_init=1e-12, random_state=0).fit(X)
    assert ae.frame_length_ == frame
    assert ae.encoder_.get_layer("lstm").input.shape[1:] == (lstm_steps, 2 * frame)
    assert ae.decoder_.get_layer("lstm").output.shape[1] == lstm_steps
    assert ae.decoder_.get_layer("step").units == 2 * frame
    # The start is still PCA's reconstruction, every step in its place.
    flat = X.reshape(30, -1)
    pca = PCA(3).fit(flat)
    np.testing.assert_allclose(ae.inverse_transform(ae.transform(X)).reshape(30, -1),
                               pca.inverse_transform(pca.transform(flat)), atol=1e-3)


@pytest.mark.parametrize(
    "roundtrip", [lambda e: pickle.loads(pickle.dumps(e)), copy.deepcopy], ids=["pickle", "deepcopy"]
)
def test_sequence_roundtrip_bitwise(digits, roundtrip):
    X = digits[0][:100].reshape(-1, 8, 8)
    ae = SequenceAutoencoder(4, epochs=2, random_state=0).fit(X)
    restored = roundtrip(ae)
    np.testing.assert_array_equal(restored.transform(X), ae.transform(X))
    assert restored.score(X) == ae.score(X)


# -- VAE --------------------------------------------------------------------------------
def test_vae_pca_init_starts_at_probabilistic_pcas_solution():
    from sklearn.datasets import load_wine
    from sklearn.decomposition import PCA
    from sklearn.preprocessing import StandardScaler

    X = StandardScaler().fit_transform(load_wine().data)
    frozen = dict(n_components=3, epochs=1, learning_rate_init=1e-12, random_state=0)
    vae = VariationalAutoencoder(**frozen).fit(X)
    assert vae.init == "pca"
    pca = PCA(3).fit(X)
    # Whitened coordinates: PCA's, over the standard deviation (n, not n - 1).
    reference = pca.transform(X) / np.sqrt(pca.explained_variance_ * (len(X) - 1) / len(X))
    codes = vae.transform(X)
    codes = codes * np.sign(np.sum(codes * reference, axis=0))
    np.testing.assert_allclose(codes, reference, atol=1e-4)
    np.testing.assert_allclose(
        vae.inverse_transform(vae.transform(X)), pca.inverse_transform(pca.transform(X)), atol=1e-4)
    # PPCA's posterior variance: the noise over each direction's variance.
    z_log_var = keras.ops.convert_to_numpy(vae.encoder_(X.astype(np.float32))[1])
    expected = np.log(pca.noise_variance_ / pca.explained_variance_)
    np.testing.assert_allclose(z_log_var, np.broadcast_to(expected, z_log_var.shape), atol=1e-4)
    # "random" is the tutorial's graph: no linear path.
    random = VariationalAutoencoder(**frozen, init="random").fit(X)
    assert "linear" not in [layer.name for layer in random.encoder_.layers]
    assert "linear" in [layer.name for layer in vae.encoder_.layers]


def test_vae_transform_is_deterministic_z_mean(vae, digits):
    X = digits[0][:50]
    codes = vae.transform(X)
    assert codes.shape == (50, 2)
    np.testing.assert_array_equal(codes, vae.transform(X))
    z_mean, _ = vae.encoder_(X.astype(np.float32))
    np.testing.assert_allclose(codes, keras.ops.convert_to_numpy(z_mean), rtol=1e-6)


def test_vae_sample(vae):
    X_new = vae.sample(7, random_state=0)
    assert X_new.shape == (7, 64) and X_new.dtype == np.float32
    assert X_new.min() >= 0 and X_new.max() <= 1  # sigmoid decoder on [0, 1] data
    np.testing.assert_array_equal(X_new, vae.sample(7, random_state=0))
    assert not np.array_equal(X_new, vae.sample(7, random_state=1))
    with pytest.raises(ValueError, match="n_samples must be a positive int"):
        vae.sample(0)


def test_vae_sample_keeps_training_layout(digits):
    images = digits[0][:200].reshape(-1, 8, 8)
    vae = VariationalAutoencoder(epochs=1, random_state=0).fit(images)
    assert vae.sample(3, random_state=0).shape == (3, 8, 8)
    assert vae.inverse_transform(np.zeros((2, 2))).shape == (2, 8, 8)


def test_vae_score_is_the_elbo(vae, digits):
    X = digits[0][:300].astype(np.float32)
    elbo = vae.score_samples(X)
    assert elbo.shape == (300,) and np.isfinite(elbo).all()
    assert vae.score(X) == pytest.approx(elbo.mean())
    # Deterministic, and a sample's score does not depend on the others.
    np.testing.assert_array_equal(elbo, vae.score_samples(X))
    np.testing.assert_allclose(vae.score_samples(X[:5]), elbo[:5], rtol=1e-6)
    # Independent estimate: reconstruction summed over pixels + KL, averaged
    # over many draws of z, agrees with the 16-draw score on average.
    z_mean, z_log_var = (keras.ops.convert_to_numpy(t) for t in vae.encoder_(X))
    rng = np.random.default_rng(1)
    nll = []
    for _ in range(64):
        z = z_mean + np.exp(0.5 * z_log_var) * rng.standard_normal(z_mean.shape)
        p = np.clip(keras.ops.convert_to_numpy(vae.decoder_(z.astype(np.float32))), 1e-7, 1 - 1e-7)
        nll.append(-(X * np.log(p) + (1 - X) * np.log(1 - p)).sum(1))
    kl = keras.ops.convert_to_numpy(kl_divergence(z_mean, z_log_var))
    assert -(np.mean(nll, 0) + kl).mean() == pytest.approx(elbo.mean(), rel=0.02)


def test_vae_elbo_never_rewards_values_outside_0_1(vae, digits):
    X = digits[0]
    assert vae.score(1.5 * X) < vae.score(X) - 100  # nats: 16.1 per value outside
    assert vae.score(X - 0.5) < vae.score(X) - 100


def test_vae_elbo_improves_with_training(digits):
    X = digits[0]
    short = VariationalAutoencoder(epochs=1, init="random", random_state=0).fit(X).score(X)
    long = VariationalAutoencoder(epochs=20, init="random", random_state=0).fit(X).score(X)
    assert np.isfinite(short) and long > short + 5  # nats per digit
    # Started at PPCA, one epoch is already ahead of one from random weights.
    assert VariationalAutoencoder(epochs=1, random_state=0).fit(X).score(X) > short


def test_vae_training_loss_is_minus_elbo(vae, digits):
    # The last epoch's training loss (negative ELBO, one draw of z per row)
    # is close to minus the score on the training data.
    assert vae.history_["loss"][-1] == pytest.approx(-vae.score(digits[0]), rel=0.05)


def test_vae_beta_weights_the_kl(digits):
    X = digits[0]
    kl = {}
    for beta in (0.1, 4.0):
        vae = VariationalAutoencoder(beta=beta, epochs=10, random_state=0).fit(X)
        z_mean, z_log_var = (keras.ops.convert_to_numpy(t) for t in vae.encoder_(X.astype(np.float32)))
        kl[beta] = keras.ops.convert_to_numpy(kl_divergence(z_mean, z_log_var)).mean()
    assert kl[4.0] < 0.5 * kl[0.1]


def test_vae_sampling_is_seeded(digits):
    X = digits[0][:300]
    a = VariationalAutoencoder(epochs=2, random_state=0).fit(X).transform(X)
    b = VariationalAutoencoder(epochs=2, random_state=0).fit(X).transform(X)
    c = VariationalAutoencoder(epochs=2, random_state=1).fit(X).transform(X)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


@pytest.mark.parametrize(
    "roundtrip", [lambda e: pickle.loads(pickle.dumps(e)), copy.deepcopy], ids=["pickle", "deepcopy"]
)
def test_vae_roundtrip_bitwise(vae, digits, roundtrip):
    X = digits[0]
    restored = roundtrip(vae)
    np.testing.assert_array_equal(restored.transform(X), vae.transform(X))
    np.testing.assert_array_equal(restored.score_samples(X), vae.score_samples(X))
    np.testing.assert_array_equal(
        restored.sample(5, random_state=3), vae.sample(5, random_state=3)
    )
    assert restored.encoder_.get_layer("z_mean") is restored.model_.get_layer(
        "encoder"
    ).get_layer("z_mean")
    restored.partial_fit(X)  # the custom layer and loss come back trainable
    assert len(restored.history_["loss"]) == len(vae.history_["loss"]) + 1


def test_vae_keras_file_round_trip(vae, digits, tmp_path):
    # The custom layer and loss are registered: the .keras format loads them
    # in safe mode.
    path = tmp_path / "vae.keras"
    vae.model_.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    X = digits[0][:20].astype(np.float32)
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(loaded(X)), keras.ops.convert_to_numpy(vae.model_(X))
    )


@pytest.mark.parametrize(
    "loss, activation",
    [
        ("BCE", "sigmoid"),
        ("binary_focal_crossentropy", "sigmoid"),
        (keras.losses.BinaryCrossentropy(from_logits=True), "linear"),
        (keras.losses.BinaryCrossentropy(), "sigmoid"),
        ("mae", "linear"),
    ],
    ids=["BCE", "focal", "from_logits", "instance", "mae"],
)
def test_output_activation_rule(loss, activation):
    from skae._losses import resolve_output_activation

    assert resolve_output_activation("auto", loss) == activation


def _low_rank_table(n, seed=0):
    """Rows of 10 features near a 3-d subspace: directions of standard
    deviation 3, 1 and 0.5 (variance 0.25, below the 0.5 a plain summed
    squared error assumes as noise), plus noise of 0.05."""
    rng = np.random.default_rng(seed)
    basis = np.linalg.qr(rng.standard_normal((10, 3)))[0].T
    Z = rng.standard_normal((n, 3)) * np.array([3.0, 1.0, 0.5])
    return (Z @ basis + 0.05 * rng.standard_normal((n, 10))).astype(np.float32)


def test_vae_gaussian_decoder_estimates_its_noise_variance():
    from sklearn.decomposition import PCA

    X, X_test = np.split(_low_rank_table(500), [300])
    vae = VariationalAutoencoder(n_components=3, hidden_layer_sizes=(32,), random_state=0).fit(X)
    pca = PCA(3).fit(X)
    start = np.mean((X - pca.inverse_transform(pca.transform(X))) ** 2)
    # Started at PCA-3's residual variance per feature, and only moved down.
    assert 0 < vae.noise_variance_ <= start * (1 + 1e-5)
    # Every latent direction is used: a fixed sigma^2 of 0.5 leaves out the
    # third (variance 0.25) and reconstructs at many times PCA-3's error.
    error = np.mean((X_test - vae.inverse_transform(vae.transform(X_test))) ** 2)
    pca_error = np.mean((X_test - pca.inverse_transform(pca.transform(X_test))) ** 2)
    assert error <= 1.25 * pca_error  # measured 1.07x; a fixed 0.5: about 15x
    # The ELBO is in nats, like probabilistic PCA's log-likelihood (its
    # upper bound for a linear model), and the training loss is its negative.
    assert vae.score(X_test) == pytest.approx(pca.score(X_test), abs=2.0)
    assert vae.loss_curve_[vae.history_["val_loss"].index(min(vae.history_["val_loss"]))] \
        == pytest.approx(-vae.score(X), abs=2.0)
    assert "reconstruction" in vae.history_


def test_vae_noise_variance_never_rises():
    X = _low_rank_table(100)
    vae = VariationalAutoencoder(n_components=2, hidden_layer_sizes=(16,), random_state=0)
    variances = [vae.partial_fit(X).noise_variance_ for _ in range(4)]
    assert np.all(np.diff(variances) <= 0) and variances[-1] > 0
    # The estimate is part of the model: saved, loaded, and trained on.
    restored = pickle.loads(pickle.dumps(vae))
    assert restored.noise_variance_ == variances[-1]
    assert restored.score(X) == vae.score(X)
    assert restored.partial_fit(X).noise_variance_ <= variances[-1]


def test_vae_bernoulli_decoder_has_no_noise_variance(vae):
    assert vae.loss_ == "binary_crossentropy" and vae.noise_variance_ is None
    assert len(vae.history_["reconstruction"]) == len(vae.history_["loss"])
