"""skae quickstart: an autoencoder where you would put PCA.

    python examples/quickstart.py [--epochs N]

On scikit-learn's 8x8 digits (no download needed) it

1. fits a DenseAutoencoder and PCA with the same code size and compares their
   test reconstruction error;
2. puts each in front of a LogisticRegression in a Pipeline;
3. lets GridSearchCV choose between PCA and the autoencoder and the code size.

Runs in about a minute on two CPU cores.
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.decomposition import PCA  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.model_selection import GridSearchCV, train_test_split  # noqa: E402
from sklearn.pipeline import Pipeline  # noqa: E402

from skae import DenseAutoencoder  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=100, help="training epochs")
    args = parser.parse_args(argv)

    X, y = load_digits(return_X_y=True)
    X = X / 16.0  # intensities in [0, 1]: the loss rule picks sigmoid + BCE
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, random_state=0, stratify=y
    )
    n_components = 16

    print(f"digits: {X_train.shape[0]} train / {X_test.shape[0]} test, 64 pixels\n")
    print(f"1. Reconstruction with a {n_components}-number code (test MSE)")
    ae = DenseAutoencoder(n_components, epochs=args.epochs, batch_size=64, random_state=0)
    start = time.perf_counter()
    ae.fit(X_train)
    fit_s = time.perf_counter() - start
    pca = PCA(n_components).fit(X_train)
    for name, model in [("DenseAutoencoder", ae), ("PCA", pca)]:
        recon = model.inverse_transform(model.transform(X_test))
        print(f"   {name:<17} {np.mean((recon - X_test) ** 2):.4f}")
    print(f"   (autoencoder: loss={ae.loss_!r}, {args.epochs} epochs in {fit_s:.1f} s)")

    print("\n2. As a feature extractor for a classifier (test accuracy)")
    for name, reducer in [("DenseAutoencoder", ae), ("PCA", pca)]:
        pipe = Pipeline(
            [("reduce", reducer), ("clf", LogisticRegression(max_iter=2000))]
        ).fit(X_train, y_train)
        print(f"   {name:<17} {pipe.score(X_test, y_test):.3f}")

    print("\n3. GridSearchCV swapping PCA for an autoencoder")
    pipe = Pipeline([("reduce", PCA()), ("clf", LogisticRegression(max_iter=2000))])
    grid = GridSearchCV(
        pipe,
        {
            "reduce": [PCA(), DenseAutoencoder(epochs=args.epochs // 2, batch_size=64, random_state=0)],
            "reduce__n_components": [8, 24],
        },
        cv=3,
    ).fit(X_train, y_train)
    for params, score in zip(grid.cv_results_["params"], grid.cv_results_["mean_test_score"]):
        print(f"   {type(params['reduce']).__name__:<17} n_components={params['reduce__n_components']:<3} cv accuracy {score:.3f}")
    best = grid.best_params_
    print(f"   best: {type(best['reduce']).__name__}, n_components={best['reduce__n_components']}")


if __name__ == "__main__":
    main()
