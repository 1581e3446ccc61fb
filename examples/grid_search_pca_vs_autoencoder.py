"""GridSearchCV swapping PCA for an autoencoder in front of a classifier.

    python examples/grid_search_pca_vs_autoencoder.py [--data mnist.npz] [--epochs N] [--out DIR]

Both PCA and every skae autoencoder call their code size ``n_components``,
so one grid can try either reducer at several sizes, and autoencoder
hyperparameters (here the L1 penalty of the sparse one) beside them. The
cross-validated accuracies print as a table; the best pipeline is then
scored on the held-out test images. The full ``cv_results_`` go to a CSV.
"""

import argparse
from pathlib import Path

import pandas as pd
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline

from skae import DenseAutoencoder, SparseAutoencoder
from skae.datasets import load_images

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--data", help="mnist.npz (default: scikit-learn's 8x8 digits)")
parser.add_argument("--epochs", type=int, help="default: 5 on MNIST, 30 on digits")
parser.add_argument("--out", type=Path, default=Path("skae-examples"), help="CSV folder")
args = parser.parse_args()
args.out.mkdir(parents=True, exist_ok=True)
images = load_images(args.data)
X_train, y_train = images.X_train, images.y_train
if images.name == "mnist":
    X_train, y_train = X_train[:10000], y_train[:10000]  # keeps the grid in minutes
    fit = dict(epochs=args.epochs or 5, random_state=0)
else:
    fit = dict(epochs=args.epochs or 30, batch_size=64, optimizer__learning_rate=3e-3,
               random_state=0)

pipe = Pipeline([("reduce", PCA()), ("clf", LogisticRegression(max_iter=1000))])
grid = GridSearchCV(pipe, [
    {"reduce": [PCA()], "reduce__n_components": [8, 16]},
    {"reduce": [DenseAutoencoder(**fit)], "reduce__n_components": [8, 16]},
    {"reduce": [SparseAutoencoder(**fit)], "reduce__n_components": [16],
     "reduce__activity_l1": [1e-5, 1e-4]},
], cv=3)
grid.fit(X_train, y_train)

results = pd.DataFrame(grid.cv_results_)
results["reducer"] = [type(r).__name__ for r in results["param_reduce"]]
columns = ["reducer", "param_reduce__n_components", "param_reduce__activity_l1",
           "mean_test_score", "std_test_score", "mean_fit_time", "rank_test_score"]
print(results[columns].sort_values("rank_test_score").to_string(index=False))
results.drop(columns="param_reduce").to_csv(args.out / "grid_search.csv", index=False)
best = grid.best_estimator_
print(f"\nbest: {type(best['reduce']).__name__}(n_components="
      f"{best['reduce'].n_components}); test accuracy "
      f"{best.score(images.X_test, images.y_test):.3f}")
