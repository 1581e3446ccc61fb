"""The transformer contract every skae estimator gets from the base."""

import copy
import pickle

import joblib
import keras
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.preprocessing import StandardScaler

from skae import (
    ConvAutoencoder,
    DeepAutoencoder,
    DenseAutoencoder,
    SparseAutoencoder,
    VariationalAutoencoder,
)
from skae._losses import SummedOverFeatures, out_of_range_cost, per_sample_loss

FAST = dict(n_components=4, epochs=3, batch_size=64, random_state=0)


@pytest.fixture(scope="module")
def fitted(digits):
    return DenseAutoencoder(**FAST).fit(digits[0])


# -- shapes, dtypes, scores ---------------------------------------------------
def test_fit_returns_self_and_sets_attributes(digits):
    X, _ = digits
    ae = DenseAutoencoder(**FAST)
    assert ae.fit(X) is ae
    assert ae.n_features_in_ == 64
    assert ae.n_components_ == 4
    assert len(ae.history_["loss"]) == 3
    assert isinstance(ae.model_, keras.Model)
    assert ae.encoder_.output_shape == (None, 4)
    assert ae.decoder_.output_shape == (None, 64)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_output_dtype_follows_input(fitted, digits, dtype):
    X = digits[0][:10].astype(dtype)
    codes = fitted.transform(X)
    assert codes.shape == (10, 4) and codes.dtype == dtype
    recon = fitted.inverse_transform(codes)
    assert recon.shape == (10, 64) and recon.dtype == dtype


def test_integer_input_gives_float64(fitted, digits):
    X_int = (digits[0][:5] * 16).astype(np.int64)
    assert fitted.transform(X_int).dtype == np.float64


def test_float32_and_float64_agree(fitted, digits):
    X = digits[0]
    np.testing.assert_allclose(
        fitted.transform(X), fitted.transform(X.astype(np.float32)), rtol=1e-6
    )


def test_score_is_mean_of_score_samples(fitted, digits):
    X = digits[0]
    samples = fitted.score_samples(X)
    assert samples.shape == (X.shape[0],) and samples.dtype == np.float64
    assert fitted.score(X) == pytest.approx(samples.mean())
    w = np.arange(X.shape[0]) % 3
    assert fitted.score(X, sample_weight=w) == pytest.approx(
        np.average(samples, weights=w)
    )


def test_score_is_minus_keras_loss(fitted, digits):
    X = digits[0].astype(np.float32)
    keras_loss = fitted.model_.evaluate(X, X, verbose=0, batch_size=512)
    assert fitted.score(X) == pytest.approx(-keras_loss, rel=1e-4)


def test_cross_entropy_scores_never_reward_values_outside_0_1(fitted, digits):
    # Measured before the fix: score(X) -0.338, score(1.5 X) -0.200, score(X - 0.5) -0.178.
    X = digits[0]
    assert fitted.loss_ == "binary_crossentropy"
    assert fitted.score(1.5 * X) < fitted.score(X) - 1
    assert fitted.score(X - 0.5) < fitted.score(X) - 1


@pytest.mark.parametrize("summed", [False, True])
def test_an_out_of_range_value_costs_the_largest_loss_plus_its_distance(summed):
    loss = SummedOverFeatures("binary_crossentropy") if summed else "binary_crossentropy"
    per_sample = per_sample_loss(loss, unit_interval=True)
    y_pred = np.full((3, 4), 0.8, dtype=np.float32)
    y_true = np.array([[0, 1, 0.5, 1.0], [0, 1, 0.5, 1.5], [0, 1, 0.5, -0.25]], np.float32)
    values = per_sample(y_true, y_pred)
    scale = 1 if summed else 1 / 4
    cost = -np.log(keras.config.epsilon())
    assert out_of_range_cost() == pytest.approx(cost) and cost > 16
    assert values[1] - values[0] == pytest.approx((cost + 0.5) * scale, rel=1e-5)
    # -0.25 is clipped to 0, whose loss against 0.8 differs from 1.0's.
    clipped = per_sample(np.array([[0, 1, 0.5, 0.0]], np.float32), y_pred[:1])[0]
    assert values[2] - clipped == pytest.approx((cost + 0.25) * scale, rel=1e-5)
    # Without unit_interval (a squared error) nothing is added.
    plain = per_sample_loss(loss)(y_true, y_pred)
    assert plain[0] == pytest.approx(values[0]) and plain[1] < values[1]


def test_score_rises_with_training(digits):
    X = digits[0]
    short = DenseAutoencoder(**{**FAST, "epochs": 1}, init="random").fit(X).score(X)
    long = DenseAutoencoder(**{**FAST, "epochs": 30}, init="random").fit(X).score(X)
    assert long > short + 0.05


def test_batched_inference_matches_one_batch(fitted, digits, monkeypatch):
    X = digits[0]
    whole = fitted.transform(X)
    monkeypatch.setattr(type(fitted), "_inference_batch_size", 7)
    np.testing.assert_array_equal(fitted.transform(X), whole)
    np.testing.assert_array_equal(fitted.transform(X[:1]), whole[:1])


# -- the loss rule ---------------------------------------------------------------
def test_unit_interval_data_gets_sigmoid_and_bce(fitted):
    assert fitted.loss_ == "binary_crossentropy"
    assert fitted.output_activation_ == "sigmoid"
    recon = fitted.inverse_transform(fitted.transform(np.eye(64)[:3]))
    assert recon.min() >= 0 and recon.max() <= 1


def test_standardized_data_gets_linear_and_mse(digits):
    X = StandardScaler().fit_transform(digits[0])
    ae = DenseAutoencoder(**FAST).fit(X)
    assert ae.loss_ == "mse" and ae.output_activation_ == "linear"
    assert ae.inverse_transform(ae.transform(X)).min() < 0
    mse = np.mean((ae.inverse_transform(ae.transform(X)) - X) ** 2, axis=1)
    np.testing.assert_allclose(ae.score_samples(X), -mse, rtol=1e-4)


def test_loss_rule_is_overridable(digits):
    X = digits[0]
    ae = DenseAutoencoder(loss="mse", **FAST).fit(X)
    assert ae.loss_ == "mse" and ae.output_activation_ == "linear"
    ae = DenseAutoencoder(loss="mse", output_activation="sigmoid", **FAST).fit(X)
    assert ae.output_activation_ == "sigmoid"
    ae = DenseAutoencoder(loss=keras.losses.Huber, loss__delta=0.5, **FAST).fit(X)
    assert isinstance(ae.model_.loss, keras.losses.Huber)
    assert np.isfinite(ae.score(X))


# -- training controls -------------------------------------------------------------
def test_partial_fit_trains_one_epoch_at_a_time(digits):
    X = digits[0]
    ae = DenseAutoencoder(**FAST)
    ae.partial_fit(X)
    model = ae.model_
    ae.partial_fit(X)
    assert ae.model_ is model
    assert len(ae.history_["loss"]) == 2
    assert ae.history_["loss"][1] < ae.history_["loss"][0]


def test_warm_start_keeps_training_the_same_model(digits):
    X = digits[0]
    ae = DenseAutoencoder(warm_start=True, **FAST).fit(X)
    model, before = ae.model_, ae.score(X)
    ae.fit(X)
    assert ae.model_ is model and ae.score(X) > before
    cold = DenseAutoencoder(**FAST).fit(X)
    model = cold.model_
    assert cold.fit(X).model_ is not model


def test_same_random_state_same_codes(digits):
    X = digits[0]
    a = DenseAutoencoder(**FAST).fit(X).transform(X)
    b = DenseAutoencoder(**FAST).fit(X).transform(X)
    c = DenseAutoencoder(**{**FAST, "random_state": 1}).fit(X).transform(X)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


def test_callbacks_early_stopping(digits):
    X = digits[0]
    stop = keras.callbacks.EarlyStopping(monitor="val_loss", min_delta=0.01)
    ae = DenseAutoencoder(
        **{**FAST, "epochs": 200}, validation_split=0.2, callbacks=[stop]
    ).fit(X)
    assert "val_loss" in ae.history_
    assert len(ae.history_["loss"]) < 200


def test_metrics_are_recorded(digits):
    ae = DenseAutoencoder(metrics=["mse"], **FAST).fit(digits[0])
    assert len(ae.history_["mean_squared_error"]) == 3  # scikeras' full name


def test_optimizer_instance_is_not_mutated(digits):
    X = digits[0]
    opt = keras.optimizers.SGD(learning_rate=0.5)
    ae = DenseAutoencoder(optimizer=opt, **FAST)
    ae.fit(X)
    ae.fit(X)  # a second fit would fail if the instance were reused
    assert ae.model_.optimizer is not opt
    assert not opt.built


# -- persistence and copies -----------------------------------------------------------
def _shares_weights(ae):
    code = ae.encoder_.get_layer("code")
    return code is ae.model_.get_layer("encoder").get_layer("code")


def test_submodels_share_weights(fitted):
    assert _shares_weights(fitted)


@pytest.mark.parametrize(
    "roundtrip",
    [
        lambda est: pickle.loads(pickle.dumps(est)),
        copy.deepcopy,
        "joblib",
    ],
    ids=["pickle", "deepcopy", "joblib"],
)
def test_roundtrip_is_bitwise_identical(fitted, digits, roundtrip, tmp_path):
    X = digits[0]
    if roundtrip == "joblib":
        joblib.dump(fitted, tmp_path / "ae.joblib")
        restored = joblib.load(tmp_path / "ae.joblib")
    else:
        restored = roundtrip(fitted)
    codes = fitted.transform(X)
    np.testing.assert_array_equal(restored.transform(X), codes)
    np.testing.assert_array_equal(
        restored.inverse_transform(codes), fitted.inverse_transform(codes)
    )
    assert restored.score(X) == fitted.score(X)
    assert _shares_weights(restored)
    # the original is untouched by being pickled
    assert _shares_weights(fitted)


def test_unpickled_estimator_keeps_training(fitted, digits):
    X = digits[0]
    restored = pickle.loads(pickle.dumps(fitted))
    restored.partial_fit(X)
    assert len(restored.history_["loss"]) == len(fitted.history_["loss"]) + 1
    assert _shares_weights(restored)


def test_clone_keeps_params_drops_fit(digits):
    ae = DeepAutoencoder((16,), optimizer__learning_rate=0.01, **FAST).fit(digits[0])
    twin = clone(ae)
    assert twin.get_params() == ae.get_params()
    assert not hasattr(twin, "model_")
    assert "optimizer__learning_rate=0.01" in repr(twin)


# -- pandas --------------------------------------------------------------------------
def test_pandas_in_and_out(digits):
    pd = pytest.importorskip("pandas")
    X = pd.DataFrame(digits[0], columns=[f"px{i}" for i in range(64)])
    ae = DenseAutoencoder(**FAST).set_output(transform="pandas").fit(X)
    codes = ae.transform(X)
    assert isinstance(codes, pd.DataFrame)
    assert list(codes.columns) == [f"denseautoencoder{i}" for i in range(4)]
    assert list(ae.feature_names_in_) == list(X.columns)
    np.testing.assert_array_equal(ae.get_feature_names_out(), codes.columns)


# -- architectures --------------------------------------------------------------------
def test_deep_default_architecture_is_the_tutorials():
    X = np.random.RandomState(0).rand(32, 784)
    ae = DeepAutoencoder(epochs=1, random_state=0).fit(X)
    widths = [layer.units for layer in ae.encoder_.layers[1:]]
    widths += [layer.units for layer in ae.decoder_.layers[1:]]
    assert widths == [128, 64, 32, 64, 128, 784]


def test_dense_default_code_size_is_32():
    assert DenseAutoencoder().n_components == 32
    assert SparseAutoencoder().activity_l1 == "auto"


def test_sparse_codes_are_sparser(digits):
    X = digits[0]
    params = {**FAST, "n_components": 16, "epochs": 20}
    dense = DenseAutoencoder(**params).fit(X).transform(X).mean()
    sparse = SparseAutoencoder(activity_l1=3e-3, **params).fit(X)
    assert sparse.activity_l1_ == 3e-3  # a number is used as given
    assert sparse.transform(X).mean() < 0.5 * dense  # measured: 0.34x


def test_partial_fit_after_adding_validation(digits):
    # scikeras appends to history_ per key: a key that appears later (here
    # val_loss) must not break it.
    X = digits[0]
    ae = DenseAutoencoder(**FAST).partial_fit(X)
    ae.set_params(validation_split=0.2).partial_fit(X)
    assert len(ae.history_["loss"]) == 2 and len(ae.history_["val_loss"]) == 1


def test_negative_sample_weight_is_refused(digits):
    X = digits[0][:20]
    with pytest.raises(ValueError, match="Negative values in data passed to"):
        DenseAutoencoder(**FAST).fit(X, sample_weight=-np.ones(20))


# -- init="pca" -------------------------------------------------------------------
# A learning rate of 1e-12 leaves the initial weights as they were.
FROZEN = dict(epochs=1, learning_rate_init=1e-12, random_state=0)


@pytest.fixture(scope="module")
def wine():
    from sklearn.datasets import load_wine

    return StandardScaler().fit_transform(load_wine().data)


def _pca_reconstruction(X, k, rows=slice(None)):
    from sklearn.decomposition import PCA

    pca = PCA(k).fit(X[rows])
    return pca.inverse_transform(pca.transform(X))


def test_pca_init_starts_at_pcas_reconstruction(wine):
    ae = DenseAutoencoder(n_components=4, **FROZEN).fit(wine)
    assert ae.loss_ == "mse" and ae.init == "pca"
    recon = ae.inverse_transform(ae.transform(wine))
    np.testing.assert_allclose(recon, _pca_reconstruction(wine, 4), atol=1e-5)
    assert ae.transform(wine).min() >= -1e-6  # shifted: the ReLU passes every code
    random = DenseAutoencoder(n_components=4, init="random", **FROZEN).fit(wine)
    error = np.abs(random.inverse_transform(random.transform(wine)) - _pca_reconstruction(wine, 4))
    assert error.max() > 0.5


@pytest.mark.parametrize("make", [
    lambda: DenseAutoencoder(n_components=4, **FROZEN),  # ReLU
    lambda: DeepAutoencoder((16, 8), n_components=4, **FROZEN),  # ELU
], ids=["relu", "elu"])
def test_pca_init_passes_new_rows_a_little_beyond_the_training_range(wine, make):
    # The activation's bend sits below the lowest training code by a margin:
    # rows 5% further from the mean than any training row (the extremes
    # included) pass unchanged and decode as PCA's (with no margin they
    # were clipped by the ReLU, bent by the ELU).
    ae = make().fit(wine)
    from sklearn.decomposition import PCA

    pca = PCA(4).fit(wine)
    beyond = wine.mean(axis=0) + 1.05 * (wine - wine.mean(axis=0))
    assert (pca.transform(beyond).min(axis=0) < pca.transform(wine).min(axis=0)).all()
    np.testing.assert_allclose(
        ae.inverse_transform(ae.transform(beyond)),
        pca.inverse_transform(pca.transform(beyond)), atol=1e-4)


@pytest.mark.parametrize("hidden, n_pca", [((16, 8), 4), ((16, 3), 3)])
def test_deep_pca_init_passes_the_coordinates_through_its_hidden_layers(wine, hidden, n_pca):
    # Hidden layers narrower than the code carry as many coordinates as they can.
    ae = DeepAutoencoder(hidden, n_components=4, **FROZEN).fit(wine)
    assert ae.init == "pca"
    np.testing.assert_allclose(
        ae.inverse_transform(ae.transform(wine)), _pca_reconstruction(wine, n_pca), atol=1e-4)
    random = DeepAutoencoder(hidden, n_components=4, init="random", **FROZEN).fit(wine)
    error = random.inverse_transform(random.transform(wine)) - _pca_reconstruction(wine, n_pca)
    assert np.abs(error).max() > 0.5


def test_pca_init_weights_rows_like_repeating_them(wine):
    # Zero-weight rows are not training rows: compared on the others.
    w = np.r_[np.zeros(60), np.ones(len(wine) - 60)]
    ae = DenseAutoencoder(n_components=3, **FROZEN).fit(wine, sample_weight=w)
    kept = wine[60:]
    np.testing.assert_allclose(
        ae.inverse_transform(ae.transform(kept)), _pca_reconstruction(wine, 3, slice(60, None))[60:],
        atol=1e-5,
    )


def test_pca_init_beyond_the_rank_and_on_degenerate_data(wine):
    ae = DenseAutoencoder(n_components=20, **FROZEN).fit(wine)  # 13 features
    output_kernel = ae.decoder_.get_layer("reconstruction").get_weights()[0]
    assert np.abs(output_kernel[13:]).max() < 1e-6 < np.abs(output_kernel[:13]).min()
    np.testing.assert_allclose(ae.inverse_transform(ae.transform(wine)), wine, atol=1e-4)
    for X in (np.full((5, 3), 0.5), np.random.RandomState(0).rand(1, 3)):
        assert np.isfinite(DenseAutoencoder(n_components=2, **FROZEN).fit(X).transform(X)).all()


def test_pca_init_with_a_sigmoid_output_is_pcas_to_first_order(digits):
    X = digits[0]
    pca = DenseAutoencoder(n_components=8, **FROZEN).fit(X)
    random = DenseAutoencoder(n_components=8, init="random", **FROZEN).fit(X)
    assert pca.loss_ == "binary_crossentropy"
    assert pca.score(X) > random.score(X) + 0.2  # BCE per pixel, before training


# -- the data's units ---------------------------------------------------------------
def _small_images():
    from sklearn.datasets import load_digits

    return StandardScaler().fit_transform(load_digits().data[:150]).reshape(-1, 8, 8)


@pytest.mark.parametrize("make, data", [
    (lambda: DeepAutoencoder((8,), n_components=3, epochs=4, random_state=0), "wine"),
    (lambda: VariationalAutoencoder(3, hidden_layer_sizes=(8,), epochs=4, random_state=0),
     "wine"),
    (lambda: ConvAutoencoder(n_components=3, filters=(4,), epochs=2, random_state=0),
     "images"),
], ids=["deep", "vae", "conv"])
def test_squared_error_training_does_not_depend_on_the_datas_units(wine, make, data):
    # The same fit on 64 X + 32, read in those units: the networks work in
    # units of the data's spread ("scale_in", "scale_out"). Without them the
    # PCA start is the same but Adam's steps are not (0-255 pixels: 1.00x
    # PCA-32's error, 0.93x on them / 255).
    X = wine if data == "wine" else _small_images()
    a, b = 64.0, 32.0  # a power of two: the layers' scale is exactly a
    ae, moved = make().fit(X), make().fit(a * X + b)
    assert ae.loss_ == moved.loss_ == "mse"
    # Measured: reconstructions at most 0.35% of their largest value apart
    # (Adam's epsilon, float32), 2.1%-9.8% without the layers; squared
    # errors 3e-4 apart relative, 4.5%-570% without. (The VAE's loss is in
    # nats, which move by log(a) per feature.)
    codes = ae.transform(X)
    recon = ae.inverse_transform(codes)
    moved_recon = (moved.inverse_transform(codes) - b) / a
    assert np.abs(moved_recon - recon).max() < 1e-2 * np.abs(recon).max()
    if not isinstance(ae, VariationalAutoencoder):
        np.testing.assert_allclose(moved.loss_curve_, a**2 * np.array(ae.loss_curve_),
                                   rtol=5e-3)


def _units(ae):
    return [[float(keras.ops.convert_to_numpy(v)) for v in (layer.shift, layer.scale)]
            for layer in (ae.encoder_.get_layer("scale_in"), ae.decoder_.get_layer("scale_out"))]


def test_the_units_layers_hold_the_datas_mean_and_spread_rounded(wine, digits):
    # Spread 3 -> 4, the nearest power of two; mean 7, a multiple of 4 / 16.
    assert _units(DenseAutoencoder(n_components=3, **FROZEN).fit(3 * wine + 7)) == [[7.0, 4.0]] * 2
    # Standardised rows (the 90% trained on: mean and spread a little off)
    # get exactly 0 and 1, so they train as they did without the layers.
    assert _units(DenseAutoencoder(n_components=3, **FROZEN).fit(wine)) == [[0.0, 1.0]] * 2
    # Rows in [0, 1] with a sigmoid output are read as they are.
    bce = DenseAutoencoder(n_components=3, **FROZEN).fit(digits[0])
    assert bce.loss_ == "binary_crossentropy"
    assert "scale_in" not in [layer.name for layer in bce.encoder_.layers]


@pytest.mark.parametrize("mean, std, expected", [
    (0.02, 0.98, (0.0, 1.0)), (-0.03, 1.4, (0.0, 1.0)), (33.8, 79.1, (32.0, 64.0)),
    (4.9, 6.0, (5.0, 8.0)), (1e-3, 2e-4, (66 * 2.0**-16, 2.0**-12)), (5.0, 0.0, (5.0, 1.0)),
])
def test_rounded_statistics(mean, std, expected):
    from skae._base import rounded_statistics

    assert rounded_statistics(mean, std) == expected


def test_principal_directions_are_pcas():
    from sklearn.decomposition import PCA

    from skae._init import principal_directions

    X = np.random.RandomState(0).rand(50, 6) @ np.random.RandomState(1).rand(6, 6)
    mean, components = principal_directions(X, None, 3)
    reference = PCA(3).fit(X)
    np.testing.assert_allclose(mean, reference.mean_)
    np.testing.assert_allclose(np.abs(components @ reference.components_.T), np.eye(3), atol=1e-8)
