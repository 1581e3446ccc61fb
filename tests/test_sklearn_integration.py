"""skae estimators inside scikit-learn's meta-estimators."""

import numpy as np
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression
from sklearn.manifold import TSNE
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from skae import DeepAutoencoder, DenseAutoencoder


def test_pipeline_with_tsne(digits):
    X, y = digits
    X, y = X[:400], y[:400]
    pipe = Pipeline(
        [
            ("ae", DenseAutoencoder(n_components=16, epochs=30, batch_size=32, random_state=0)),
            ("tsne", TSNE(n_components=2, perplexity=20, random_state=0)),
        ]
    )
    emb = pipe.fit_transform(X)
    assert emb.shape == (400, 2) and np.isfinite(emb).all()
    # Classes form clusters: each point's nearest embedded neighbour mostly
    # shares its label.
    d = ((emb[:, None] - emb[None]) ** 2).sum(-1)
    np.fill_diagonal(d, np.inf)
    assert np.mean(y[d.argmin(1)] == y) > 0.8


def test_pipeline_with_classifier(digits):
    X, y = digits
    pipe = make_pipeline(
        DenseAutoencoder(n_components=24, epochs=60, batch_size=64, random_state=0),
        LogisticRegression(max_iter=2000),
    )
    scores = cross_val_score(pipe, X, y, cv=3)
    assert scores.mean() > 0.85


def test_pipeline_after_scaler_uses_mse(digits):
    X, _ = digits
    pipe = make_pipeline(StandardScaler(), DenseAutoencoder(n_components=8, epochs=2, random_state=0))
    assert pipe.fit_transform(X).shape == (X.shape[0], 8)
    assert pipe[-1].loss_ == "mse"


def test_grid_search_over_keras_and_sklearn_params(digits):
    X, y = digits
    pipe = Pipeline(
        [
            ("ae", DenseAutoencoder(epochs=5, batch_size=64, random_state=0)),
            ("clf", LogisticRegression(max_iter=500)),
        ]
    )
    grid = GridSearchCV(
        pipe,
        {"ae__n_components": [4, 16], "ae__optimizer__learning_rate": [1e-3, 1e-2]},
        cv=2,
    ).fit(X, y)
    assert len(grid.cv_results_["params"]) == 4
    best = grid.best_estimator_.named_steps["ae"]
    assert best.n_components == grid.best_params_["ae__n_components"]
    assert best.get_params()["optimizer__learning_rate"] == (
        grid.best_params_["ae__optimizer__learning_rate"]
    )
    # More code units reconstruct better and classify better here.
    assert grid.best_params_["ae__n_components"] == 16


def test_grid_search_on_own_score(digits):
    X, _ = digits
    grid = GridSearchCV(
        DenseAutoencoder(epochs=10, batch_size=64, random_state=0),
        {"n_components": [2, 16]},
        cv=2,
    ).fit(X)
    scores = grid.cv_results_["mean_test_score"]
    assert (scores < 0).all()  # minus a loss
    assert grid.best_params_ == {"n_components": 16}


def test_grid_swaps_pca_for_an_autoencoder(digits):
    X, y = digits
    pipe = Pipeline([("reduce", PCA()), ("clf", LogisticRegression(max_iter=500))])
    grid = GridSearchCV(
        pipe,
        {
            "reduce": [PCA(), DeepAutoencoder((32,), epochs=3, batch_size=64, random_state=0)],
            "reduce__n_components": [8, 16],
        },
        cv=2,
    ).fit(X, y)
    names = {type(p["reduce"]).__name__ for p in grid.cv_results_["params"]}
    assert names == {"PCA", "DeepAutoencoder"}
    assert np.isfinite(grid.cv_results_["mean_test_score"]).all()
