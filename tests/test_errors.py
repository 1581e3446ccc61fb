"""Errors users can cause get scikit-learn's kind of error and words."""

import numpy as np
import pytest
from scipy import sparse
from sklearn.exceptions import NotFittedError

from skae import DeepAutoencoder, DenseAutoencoder, SparseAutoencoder

FAST = dict(n_components=3, epochs=1, batch_size=32, random_state=0)
ESTIMATORS = [DenseAutoencoder, SparseAutoencoder, DeepAutoencoder]
RNG = np.random.RandomState(0)
X = RNG.rand(40, 6)


@pytest.fixture(scope="module")
def fitted():
    return DenseAutoencoder(**FAST).fit(X)


def _with(value, row=0, col=0):
    bad = X.copy()
    bad[row, col] = value
    return bad


# -- fit ------------------------------------------------------------------------------
@pytest.mark.parametrize("Estimator", ESTIMATORS)
@pytest.mark.parametrize(
    "bad, error, match",
    [
        (_with(np.nan), ValueError, "Input X contains NaN"),
        (_with(np.inf), ValueError, "Input X contains infinity"),
        (sparse.csr_matrix(X), TypeError, "Sparse data was passed"),
        (np.array([["a", "b"], ["c", "d"]], dtype=object), ValueError, "could not convert"),
        (X[:, 0], ValueError, "Expected 2D array, got 1D array"),
        (np.empty((0, 6)), ValueError, "0 sample"),
        (np.empty((5, 0)), ValueError, "0 feature"),
        (X * 1e300, ValueError, "too large for float32"),
    ],
    ids=["nan", "inf", "sparse", "strings", "1d", "no-rows", "no-columns", "huge"],
)
def test_bad_training_data(Estimator, bad, error, match):
    with pytest.raises(error, match=match):
        Estimator(**FAST).fit(bad)


@pytest.mark.parametrize(
    "params, match",
    [
        ({"n_components": 0}, "'n_components' parameter of DenseAutoencoder must be"),
        ({"n_components": "x"}, "'n_components' parameter of DenseAutoencoder must be"),
        ({"n_components": 2.5}, "'n_components' parameter"),
        ({"epochs": -1}, "'epochs' parameter of DenseAutoencoder must be"),
        ({"batch_size": 0}, "'batch_size' parameter"),
        ({"validation_split": 1.0}, "'validation_split' parameter"),
        ({"random_state": "seed"}, "'random_state' parameter"),
    ],
)
def test_invalid_hyperparameters(params, match):
    est = DenseAutoencoder(**{**FAST, **params})  # constructing never fails
    with pytest.raises(ValueError, match=match):
        est.fit(X)


def test_invalid_hidden_layer_sizes():
    with pytest.raises(ValueError, match="hidden_layer_sizes must be"):
        DeepAutoencoder(hidden_layer_sizes=(8, 0), **FAST).fit(X)


def test_invalid_activity_l1():
    with pytest.raises(ValueError, match="'activity_l1' parameter"):
        SparseAutoencoder(activity_l1=-1.0, **FAST).fit(X)


@pytest.mark.parametrize(
    "kwargs, hint",
    [
        ({"epoch": 5}, "Did you mean 'epochs'?"),
        ({"n_component": 5}, "Did you mean 'n_components'?"),
        ({"optimzer__learning_rate": 0.1}, "Did you mean 'optimizer__learning_rate'?"),
        # model__/predict__ routing is scikeras' for user-built models; skae
        # builds its own and never calls predict.
        ({"model__units": 1}, "Routed parameters start with one of"),
        ({"predict__batch_size": 1}, "Routed parameters start with one of"),
        ({"zzz": 1}, ""),
    ],
)
def test_unknown_keyword_is_stored_then_refused_by_fit(kwargs, hint):
    # scikit-learn's rule: __init__ and set_params store, fit validates.
    (key, value), = kwargs.items()
    for est in (DenseAutoencoder(**kwargs, **FAST), DenseAutoencoder(**FAST).set_params(**kwargs)):
        assert est.get_params()[key] == value
        with pytest.raises(TypeError, match=f"unexpected keyword argument '{key}'.") as info:
            est.fit(X)
        assert hint in str(info.value)
        assert not hasattr(est, "model_")


def test_set_params_refuses_attribute_names():
    with pytest.raises(ValueError, match="'model_'.*not parameters"):
        DenseAutoencoder().set_params(model_=1)


def test_diverging_fit_raises_instead_of_leaving_nan():
    X_std = (X - X.mean(0)) / X.std(0)
    est = DenseAutoencoder(
        **{**FAST, "epochs": 5}, optimizer="sgd", optimizer__learning_rate=1e12
    )
    with pytest.raises(ValueError, match="diverged: the training loss became"):
        est.fit(X_std)
    with pytest.raises(NotFittedError):
        est.transform(X_std)


# -- after fit ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "bad, error, match",
    [
        (X[:, :5], ValueError, "X has 5 features, but DenseAutoencoder is expecting 6"),
        (_with(np.nan), ValueError, "Input X contains NaN"),
        (sparse.csr_matrix(X), TypeError, "Sparse data was passed"),
        (X[0], ValueError, "Expected 2D array, got 1D array"),
        (np.empty((0, 6)), ValueError, "0 sample"),
    ],
    ids=["width", "nan", "sparse", "1d", "empty"],
)
@pytest.mark.parametrize("method", ["transform", "score_samples", "score"])
def test_bad_data_after_fit(fitted, method, bad, error, match):
    with pytest.raises(error, match=match):
        getattr(fitted, method)(bad)


@pytest.mark.parametrize(
    "codes, match",
    [
        (np.zeros((2, 4)), "X has 4 features, but DenseAutoencoder.inverse_transform is expecting 3"),
        (np.full((2, 3), np.nan), "Input X contains NaN"),
        (np.zeros(3), "Expected 2D array, got 1D array"),
    ],
    ids=["width", "nan", "1d"],
)
def test_bad_codes(fitted, codes, match):
    with pytest.raises(ValueError, match=match):
        fitted.inverse_transform(codes)


@pytest.mark.parametrize("Estimator", ESTIMATORS)
@pytest.mark.parametrize(
    "call",
    [
        lambda est: est.transform(X),
        lambda est: est.inverse_transform(np.zeros((2, 3))),
        lambda est: est.score(X),
        lambda est: est.score_samples(X),
        lambda est: est.get_feature_names_out(),
    ],
    ids=["transform", "inverse_transform", "score", "score_samples", "feature_names"],
)
def test_unfitted_use(Estimator, call):
    with pytest.raises(NotFittedError, match="is not fitted yet"):
        call(Estimator(**FAST))


def test_no_predict(fitted):
    assert not hasattr(fitted, "predict")
    with pytest.raises(AttributeError, match="use transform to encode"):
        fitted.predict(X)
