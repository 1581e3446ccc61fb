"""AutoencoderOutlierDetector: threshold, decision and prediction semantics."""

import numpy as np
import pytest
from sklearn.base import BaseEstimator, clone
from sklearn.decomposition import PCA
from sklearn.frozen import FrozenEstimator
from sklearn.exceptions import NotFittedError
from sklearn.utils._param_validation import InvalidParameterError

from skae import (
    AutoencoderOutlierDetector,
    ConvAutoencoder,
    DeepAutoencoder,
    DenseAutoencoder,
    VariationalAutoencoder,
)
from skae._outlier import default_autoencoder

FAST = dict(epochs=3, batch_size=64, random_state=0)


@pytest.fixture(scope="module")
def X(digits):
    return digits[0][:400]


@pytest.fixture(scope="module")
def detector(X):
    return AutoencoderOutlierDetector(DenseAutoencoder(n_components=4, **FAST)).fit(X)


def test_threshold_flags_the_contamination_fraction(X, detector):
    labels = detector.predict(X)
    assert set(np.unique(labels)) == {-1, 1}
    assert np.mean(labels == -1) == pytest.approx(0.1, abs=1 / len(X))
    scores = detector.score_samples(X)
    assert np.sum(scores < detector.threshold_) == 40  # 10% of 400
    assert detector.threshold_ == np.mean(np.sort(scores)[39:41])
    assert detector.offset_ == detector.threshold_


@pytest.mark.parametrize("contamination", [0.01, 0.25, 0.5])
def test_other_contaminations(X, detector, contamination):
    det = clone(detector).set_params(contamination=contamination).fit(X)
    assert np.mean(det.predict(X) == -1) == pytest.approx(contamination, abs=1 / len(X))


def test_scores_are_the_autoencoders(X, detector):
    scores = detector.score_samples(X)
    np.testing.assert_array_equal(scores, detector.autoencoder_.score_samples(X))
    # The default autoencoder of the detector is cloned, not fitted in place.
    assert not hasattr(detector.autoencoder, "model_")


def test_predict_and_decision_function_agree(X, detector):
    decision = detector.decision_function(X)
    np.testing.assert_array_equal(decision, detector.score_samples(X) - detector.threshold_)
    np.testing.assert_array_equal(detector.predict(X), np.where(decision < 0, -1, 1))
    assert decision.dtype == np.float64 and decision.shape == (len(X),)


def test_fit_predict_equals_fit_then_predict(X, detector):
    labels = clone(detector).fit_predict(X)
    np.testing.assert_array_equal(labels, detector.predict(X))


def test_obvious_outliers_are_flagged(X, detector):
    rng = np.random.RandomState(0)
    noise = rng.rand(20, X.shape[1])  # uniform noise, nothing like a digit
    inverted = 1.0 - X[:20]  # white digits on black
    assert np.all(detector.predict(noise) == -1)
    assert np.all(detector.predict(inverted) == -1)
    assert detector.score_samples(noise).max() < detector.score_samples(X).min()


def test_contamination_auto_is_tukeys_fence(X, detector):
    det = clone(detector).set_params(contamination="auto").fit(X)
    scores = det.score_samples(X)
    q1, q3 = np.percentile(scores, [25, 75], method="averaged_inverted_cdf")
    assert det.threshold_ == pytest.approx(q1 - 1.5 * (q3 - q1))
    flagged = np.mean(det.predict(X) == -1)
    assert flagged == np.mean(scores < det.threshold_)
    assert 0 <= flagged < 0.1
    # It flags inverted digits all the same.
    assert np.all(det.predict(1.0 - X[:20]) == -1)


def test_variational_detector(X):
    det = AutoencoderOutlierDetector(
        VariationalAutoencoder(hidden_layer_sizes=(16,), **FAST), contamination=0.05
    ).fit(X)
    np.testing.assert_array_equal(det.score_samples(X), det.autoencoder_.score_samples(X))
    assert np.mean(det.predict(X) == -1) == pytest.approx(0.05, abs=1 / len(X))
    noise = np.random.RandomState(0).rand(10, X.shape[1])
    assert np.all(det.predict(noise) == -1)


def test_image_detector_takes_images(X):
    images = X.reshape(-1, 8, 8)
    det = AutoencoderOutlierDetector(ConvAutoencoder(filters=(4,), **FAST)).fit(images)
    assert det.n_features_in_ == 64
    assert det.predict(images).shape == (len(X),)


def test_sample_weight_reaches_the_autoencoder_and_the_threshold(X, detector):
    weights = np.ones(len(X))
    weights[:200] = 3.0
    det = clone(detector).fit(X, sample_weight=weights)
    scores = det.score_samples(X)
    # The weighted 10% quantile: 10% of the weight lies below it.
    below = weights[scores < det.threshold_].sum() / weights.sum()
    assert below == pytest.approx(0.1, abs=3 / weights.sum())
    # Zero weights drop samples from the autoencoder's fit too.
    zero = np.ones(len(X))
    zero[200:] = 0.0
    a = clone(detector).fit(X, sample_weight=zero).autoencoder_.transform(X)
    b = clone(detector).fit(X[:200]).autoencoder_.transform(X)
    np.testing.assert_allclose(a, b, atol=1e-6)


def test_sample_weight_refused_without_support(X):
    class NoWeights(DenseAutoencoder):
        def fit(self, X, y=None):
            return super().fit(X)

    det = AutoencoderOutlierDetector(NoWeights(n_components=2, epochs=1))
    with pytest.raises(ValueError, match="does not take sample_weight"):
        det.fit(X, sample_weight=np.ones(len(X)))


def test_feature_names_forwarded(X):
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(X, columns=[f"px{i}" for i in range(X.shape[1])])
    det = AutoencoderOutlierDetector(DenseAutoencoder(n_components=2, **FAST)).fit(frame)
    np.testing.assert_array_equal(det.feature_names_in_, frame.columns)
    assert det.n_features_in_ == X.shape[1]
    with pytest.raises(ValueError, match="features"):
        det.predict(X[:, :10])


def test_unfitted_detector_raises():
    det = AutoencoderOutlierDetector()
    for method in ("predict", "decision_function", "score_samples"):
        with pytest.raises(NotFittedError):
            getattr(det, method)(np.zeros((2, 3)))
    with pytest.raises(NotFittedError):
        det.offset_


@pytest.mark.parametrize("contamination", [0.0, 0.6, -0.1, "high", None])
def test_invalid_contamination(X, contamination):
    det = AutoencoderOutlierDetector(DenseAutoencoder(epochs=1), contamination=contamination)
    with pytest.raises(InvalidParameterError, match="contamination"):
        det.fit(X)


def test_invalid_autoencoder(X):
    with pytest.raises(InvalidParameterError, match="autoencoder"):
        AutoencoderOutlierDetector(autoencoder="dense").fit(X)


def test_default_autoencoder_is_a_squared_error_deep_one(X):
    det = AutoencoderOutlierDetector().set_params(contamination=0.2)
    assert det.get_params()["autoencoder"] is None
    default = default_autoencoder()
    assert type(default) is DeepAutoencoder and default.loss == "mse"
    # A code narrower than the data: half the features, at most 16.
    assert [default_autoencoder(n).n_components for n in (1, 13, 64, 784)] == [1, 6, 16, 16]
    table = np.random.RandomState(0).randn(40, 10)
    fitted_default = AutoencoderOutlierDetector().fit(table)
    assert fitted_default.autoencoder_.n_components_ == 5
    assert fitted_default.autoencoder_.loss == "mse"
    assert det.__sklearn_tags__().input_tags.allow_nan is False
    fitted = AutoencoderOutlierDetector(DenseAutoencoder(epochs=1)).fit(X[:50])
    assert type(fitted.autoencoder_) is DenseAutoencoder
    assert "autoencoder__n_components" in AutoencoderOutlierDetector(DenseAutoencoder()).get_params()


def test_data_outside_the_training_range_are_flagged(X, detector):
    # A cross-entropy model: without the out-of-range cost, 1.5 * X and
    # X - 0.5 scored better than X itself and passed as inliers.
    assert detector.autoencoder_.loss_ == "binary_crossentropy"
    for shifted in (1.5 * X, X - 0.5):
        assert (detector.predict(shifted) == -1).all()


def _distance(X, reconstruction, p):
    error = np.abs(np.asarray(X, dtype=np.float64) - reconstruction)
    return -np.sum(error**p, axis=1) ** (1 / p)


@pytest.mark.parametrize("p", [1, 2, 3, 4.5])
def test_p_scores_the_minkowski_distance_to_the_reconstruction(X, detector, p):
    det = clone(detector).set_params(p=p).fit(X)
    ae = det.autoencoder_
    reconstruction = ae.inverse_transform(ae.transform(X)).astype(np.float64)
    expected = _distance(X, reconstruction, p)
    scores = det.score_samples(X)
    np.testing.assert_allclose(scores, expected, rtol=1e-12)
    assert scores.dtype == np.float64 and np.all(scores < 0)
    # The threshold is set on these scores, so contamination holds as before.
    assert np.sum(scores < det.threshold_) == 40
    # The same autoencoder fit as with p=None: p changes the score only.
    np.testing.assert_array_equal(ae.transform(X), detector.autoencoder_.transform(X))


def test_p_2_ranks_like_the_squared_error_loss(X):
    ae = DenseAutoencoder(n_components=4, loss="mse", **FAST)
    by_loss = AutoencoderOutlierDetector(ae, code_distance=False).fit(X).score_samples(X)
    by_distance = AutoencoderOutlierDetector(ae, p=2).fit(X).score_samples(X)
    # -mean squared error and -Euclidean distance: one is a monotone
    # function of the other (sqrt(n_features * mse)).
    np.testing.assert_allclose(by_distance, -np.sqrt(-by_loss * X.shape[1]), rtol=1e-5)
    np.testing.assert_array_equal(np.argsort(by_loss), np.argsort(by_distance))


def test_p_inf_is_the_largest_error_and_large_p_does_not_overflow(X, detector):
    det = clone(detector).set_params(p=np.inf).fit(X)
    ae = det.autoencoder_
    error = np.abs(X - ae.inverse_transform(ae.transform(X)).astype(np.float64))
    np.testing.assert_array_equal(det.score_samples(X), -error.max(axis=1))
    # 1e4 ** 400 overflows float64; the scaled sum does not.
    big = clone(detector).set_params(p=400).fit(X * 1e4)
    assert np.all(np.isfinite(big.score_samples(X * 1e4)))
    # A perfectly reconstructed sample (all errors 0) scores 0, not NaN.
    zero = np.zeros((2, X.shape[1]))
    np.testing.assert_array_equal(
        AutoencoderOutlierDetector(_Identity(), p=3).fit(zero).score_samples(zero), [0.0, 0.0]
    )
    np.testing.assert_array_equal(
        AutoencoderOutlierDetector(_Identity(), p=np.inf).fit(zero).score_samples(zero), [0.0, 0.0]
    )


def test_p_on_images_and_variational_autoencoders(X):
    images = X.reshape(-1, 8, 8)
    det = AutoencoderOutlierDetector(ConvAutoencoder(filters=(4,), **FAST), p=3).fit(images)
    ae = det.autoencoder_
    reconstruction = ae.inverse_transform(ae.transform(images)).reshape(len(X), -1)
    np.testing.assert_allclose(det.score_samples(images), _distance(X, reconstruction, 3), rtol=1e-12)
    vae = AutoencoderOutlierDetector(VariationalAutoencoder(**FAST), p=2).fit(X)
    # The deterministic reconstruction: decode the code's mean.
    mean = vae.autoencoder_.inverse_transform(vae.autoencoder_.transform(X))
    np.testing.assert_allclose(vae.score_samples(X), _distance(X, mean, 2), rtol=1e-12)
    np.testing.assert_array_equal(vae.score_samples(X), vae.score_samples(X))


def test_p_needs_transform_and_inverse_transform(X):
    from sklearn.neighbors import KernelDensity

    with pytest.raises(ValueError, match="has no transform or inverse_transform"):
        AutoencoderOutlierDetector(KernelDensity(), p=2).fit(X)
    # Without p any estimator with score_samples works.
    AutoencoderOutlierDetector(KernelDensity()).fit(X)


@pytest.mark.parametrize("p", [0.5, 0, -1, "l2"])
def test_invalid_p(X, p):
    with pytest.raises(InvalidParameterError, match="'p' parameter"):
        AutoencoderOutlierDetector(DenseAutoencoder(epochs=1), p=p).fit(X)


class _Identity(BaseEstimator):
    """An 'autoencoder' that reconstructs perfectly."""

    def fit(self, X, y=None):
        return self

    def score_samples(self, X):
        return np.zeros(len(X))

    def transform(self, X):
        return np.asarray(X)

    def inverse_transform(self, X):
        return np.asarray(X)


# The code's distance (code_distance): probabilistic PCA's score.


def _plane(n=300, seed=0):
    """Rows near a 2-D plane in 6-D: codes of 2 numbers reconstruct them."""
    rng = np.random.RandomState(seed)
    basis = np.linalg.qr(rng.randn(6, 2))[0].T
    return rng.randn(n, 2) @ basis + 0.05 * rng.randn(n, 6), basis


def test_code_distance_with_pca_is_pcas_log_likelihood(X):
    pca = PCA(5).fit(X)
    det = AutoencoderOutlierDetector(PCA(5), p=2, code_distance=True).fit(X)
    scores, loglik = det.score_samples(X), pca.score_samples(X)
    # PCA's covariance estimates divide by n - 1, the detector's by n: an
    # exact affine map, slope n / (n - 1).
    slope, offset = np.polyfit(loglik, scores, 1)
    assert slope == pytest.approx(len(X) / (len(X) - 1), rel=1e-9)
    np.testing.assert_allclose(scores, slope * loglik + offset, atol=1e-9)
    assert det.n_residual_ == X.shape[1] - 5
    assert det.error_scale_ == pytest.approx(np.sqrt(pca.noise_variance_ * (len(X) - 1) / len(X) * 59))


def test_code_distance_flags_far_codes_that_reconstruct_well():
    X, basis = _plane()
    # On the plane, 8 to 10 times the data's spread: reconstructed as well
    # as the training rows, but no training code lies there.
    far = np.linspace(8, 10, 10)[:, None] * basis[0] + 0.05 * np.random.RandomState(1).randn(10, 6)
    error_only = AutoencoderOutlierDetector(PCA(2), contamination=0.05, p=2, code_distance=False)
    assert np.mean(error_only.fit(X).predict(far) == -1) < 0.5
    det = AutoencoderOutlierDetector(PCA(2), contamination=0.05, p=2, code_distance=True).fit(X)
    assert np.all(det.predict(far) == -1)
    assert np.mean(det.predict(X) == -1) == pytest.approx(0.05, abs=1 / len(X))


def test_code_distance_score_of_a_squared_error_autoencoder():
    X, _ = _plane()
    det = AutoencoderOutlierDetector(DenseAutoencoder(n_components=2, loss="mse", **FAST)).fit(X)
    assert det.code_distance_ is True  # "auto": a squared error, p=None
    ae = det.autoencoder_
    loss, codes = -ae.score_samples(X), ae.transform(X).astype(np.float64)
    assert det.error_scale_ == pytest.approx(loss.mean(), rel=1e-12)
    np.testing.assert_allclose(det.code_mean_, codes.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(
        det.code_precision_, np.linalg.inv(np.cov(codes.T, bias=True)), rtol=1e-8
    )
    centred = codes - codes.mean(axis=0)
    distance = np.einsum("ij,jk,ik->i", centred, det.code_precision_, centred)
    expected = -(0.5 * 4 * loss / loss.mean() + 0.5 * distance)  # 6 features, 2 in the code
    np.testing.assert_allclose(det.score_samples(X), expected, rtol=1e-10)
    # Rows off the data's range are flagged, as by the error alone.
    assert np.all(det.predict(X[:20] + 3.0) == -1)


def test_code_distance_auto_is_for_squared_error_losses_and_p_none(X, detector):
    assert detector.code_distance_ is False  # binary cross-entropy
    assert not hasattr(detector, "error_scale_")
    table, _ = _plane(60)
    mse = DenseAutoencoder(n_components=2, loss="mse", epochs=1, random_state=0)
    assert AutoencoderOutlierDetector().fit(table).code_distance_ is True
    assert AutoencoderOutlierDetector(mse).fit(table).code_distance_ is True
    fitted = mse.fit(table)
    assert AutoencoderOutlierDetector(FrozenEstimator(fitted)).fit(table).code_distance_ is True
    assert AutoencoderOutlierDetector(mse, p=3).fit(table).code_distance_ is False
    vae = VariationalAutoencoder(n_components=2, loss="mse", epochs=1, random_state=0)
    assert AutoencoderOutlierDetector(vae).fit(table).code_distance_ is False
    assert AutoencoderOutlierDetector(PCA(2)).fit(table).code_distance_ is False
    # Refitting without it drops the fitted attributes of the code.
    det = AutoencoderOutlierDetector(mse).fit(table)
    det.set_params(code_distance=False).fit(table)
    assert not hasattr(det, "code_precision_")
    np.testing.assert_array_equal(det.score_samples(table), det.autoencoder_.score_samples(table))


def test_code_distance_weighs_the_training_samples():
    X, _ = _plane(200)
    ae = DenseAutoencoder(n_components=2, loss="mse", **FAST)
    weights = np.r_[np.full(100, 2.0), np.full(100, 0.5)]
    det = AutoencoderOutlierDetector(ae).fit(X, sample_weight=weights)
    codes = det.autoencoder_.transform(X).astype(np.float64)
    mean = np.average(codes, axis=0, weights=weights)
    np.testing.assert_allclose(det.code_mean_, mean, rtol=1e-10)
    covariance = np.cov(codes.T, aweights=weights, bias=True)
    np.testing.assert_allclose(det.code_precision_, np.linalg.inv(covariance), rtol=1e-8)
    loss = -det.autoencoder_.score_samples(X)
    assert det.error_scale_ == pytest.approx(np.average(loss, weights=weights), rel=1e-10)


def test_code_distance_true_needs_transform_a_finite_p_and_a_loss(X):
    from sklearn.neighbors import KernelDensity

    with pytest.raises(ValueError, match="has no transform"):
        AutoencoderOutlierDetector(KernelDensity(), code_distance=True).fit(X)
    with pytest.raises(ValueError, match="finite p"):
        AutoencoderOutlierDetector(_Identity(), p=np.inf, code_distance=True).fit(X)

    class LogLikelihood(_Identity):
        def score_samples(self, X):
            return np.ones(len(X))

    with pytest.raises(ValueError, match="not a negative loss"):
        AutoencoderOutlierDetector(LogLikelihood(), code_distance=True).fit(X)
    # An exact reconstruction has no noise level: the error's unit is 1.
    det = AutoencoderOutlierDetector(_Identity(), code_distance=True).fit(X)
    assert det.error_scale_ == 1.0 and np.all(np.isfinite(det.score_samples(X)))
    with pytest.raises(InvalidParameterError, match="code_distance"):
        AutoencoderOutlierDetector(_Identity(), code_distance="yes").fit(X)


# calibration_fraction: the threshold on rows the autoencoder did not fit.


def _calibration_rows(n, fraction, seed):
    return np.sort(np.random.RandomState(seed).permutation(n)[: int(round(fraction * n))])


def test_calibration_rows_set_the_threshold_and_stay_out_of_the_fit(X):
    ae = DenseAutoencoder(n_components=4, **FAST)
    det = AutoencoderOutlierDetector(ae, calibration_fraction=0.25, random_state=0).fit(X)
    rows = _calibration_rows(len(X), 0.25, 0)
    # The autoencoder's fit: the calibration rows at weight 0.
    weights = np.ones(len(X))
    weights[rows] = 0.0
    ref = AutoencoderOutlierDetector(ae).fit(X, sample_weight=weights)
    np.testing.assert_array_equal(det.autoencoder_.transform(X), ref.autoencoder_.transform(X))
    scores = det.score_samples(X[rows])
    assert det.threshold_ == np.percentile(scores, 10, method="averaged_inverted_cdf")
    assert np.sum(scores < det.threshold_) == 10  # 10% of the 100 calibration rows
    # Their weights weigh the quantile: weight 0 on half of them drops those.
    weights = np.ones(len(X))
    weights[rows[::2]] = 0.0
    det = clone(det).fit(X, sample_weight=weights)
    kept = rows[1::2]
    assert det.threshold_ == np.percentile(
        det.score_samples(X[kept]), 10, method="averaged_inverted_cdf"
    )


def test_calibration_flags_about_contamination_of_new_data(digits):
    X_all = digits[0]
    fit_half, new_half = X_all[::2], X_all[1::2]
    ae = DeepAutoencoder(n_components=16, loss="mse", random_state=0)
    by_training = AutoencoderOutlierDetector(ae).fit(fit_half)
    calibrated = AutoencoderOutlierDetector(ae, calibration_fraction=0.2, random_state=0)
    calibrated.fit(fit_half)
    # The autoencoder reconstructs its training rows better than new ones, so
    # a threshold set on their scores flags several times contamination=0.1
    # of new rows (measured 0.56 on TensorFlow, 0.55 on JAX); rows it did not
    # fit do not (0.094, 0.098).
    assert np.mean(by_training.predict(new_half) == -1) > 0.3
    assert 0.04 < np.mean(calibrated.predict(new_half) == -1) < 0.2


def test_calibration_without_sample_weight_support_and_with_a_frozen_autoencoder(X):
    class NoWeights(DenseAutoencoder):
        def fit(self, X, y=None):
            return super().fit(X)

    rows = _calibration_rows(len(X), 0.25, 1)
    rest = np.setdiff1d(np.arange(len(X)), rows)
    det = AutoencoderOutlierDetector(
        NoWeights(n_components=2, **FAST), calibration_fraction=0.25, random_state=1
    ).fit(X)
    alone = NoWeights(n_components=2, **FAST).fit(X[rest])
    np.testing.assert_array_equal(det.autoencoder_.transform(X), alone.transform(X))
    frozen = AutoencoderOutlierDetector(
        FrozenEstimator(alone), calibration_fraction=0.25, random_state=1
    ).fit(X)
    assert frozen.threshold_ == np.percentile(
        alone.score_samples(X[rows]), 10, method="averaged_inverted_cdf"
    )


def test_calibration_errors(X):
    ae = DenseAutoencoder(n_components=2, epochs=1)
    with pytest.raises(ValueError, match="leaves no sample to fit"):
        AutoencoderOutlierDetector(ae, calibration_fraction=0.9).fit(X[:1])
    weights = np.ones(len(X))
    weights[_calibration_rows(len(X), 0.1, 0)] = 0.0
    with pytest.raises(ValueError, match="Every calibration sample has sample weight zero"):
        AutoencoderOutlierDetector(ae, calibration_fraction=0.1, random_state=0).fit(
            X, sample_weight=weights
        )
    for fraction in (0.0, 1.0, 1.5, "half"):
        with pytest.raises(InvalidParameterError, match="calibration_fraction"):
            AutoencoderOutlierDetector(ae, calibration_fraction=fraction).fit(X)
