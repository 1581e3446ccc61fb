"""Autoencoder + TSNE: a Pipeline that maps images to a 2-D picture.

    python examples/autoencoder_tsne.py [--data mnist.npz] [--epochs N] [--out DIR]

The project card's first line, ``Pipeline([("ae", ConvAutoencoder()),
("tsne", TSNE())])``: the autoencoder learns to compress the images, TSNE
lays their codes out in 2-D. The same with PCA in place of the autoencoder
for comparison; trustworthiness says how well each 2-D picture keeps the
images' neighbourhoods (1 is perfect). To reuse an autoencoder trained on
other data, freeze it: ``Pipeline([("ae", FrozenEstimator(ae)), ("tsne",
TSNE())])``.
"""

import argparse
from pathlib import Path

from sklearn.decomposition import PCA
from sklearn.manifold import TSNE, trustworthiness
from sklearn.pipeline import Pipeline

from skae import ConvAutoencoder
from skae.datasets import load_images
from skae.plotting import plot_latent

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--data", help="mnist.npz (default: scikit-learn's 8x8 digits)")
parser.add_argument("--epochs", type=int, help="default: 20 on MNIST, 40 on digits")
parser.add_argument("--out", type=Path, default=Path("skae-examples"), help="PNG folder")
args = parser.parse_args()
images = load_images(args.data)
args.out.mkdir(parents=True, exist_ok=True)

if images.name == "mnist":
    # 3000 images: TSNE's cost grows quickly with the number of points.
    X, y = images.X_train[:3000], images.y_train[:3000]
    ae = ConvAutoencoder(epochs=args.epochs or 20, batch_size=32,
                         optimizer__learning_rate=2e-3, random_state=0)
else:
    X, y = images.X_train, images.y_train
    # Two poolings: 8x8 digits -> 2x2x8 codes of 32 numbers.
    ae = ConvAutoencoder(filters=(16, 8), epochs=args.epochs or 40, batch_size=64,
                         optimizer__learning_rate=3e-3, random_state=0)

for name, reducer in [("autoencoder", ae), ("PCA", PCA(n_components=32))]:
    pipe = Pipeline([("reduce", reducer), ("tsne", TSNE(random_state=0))])
    embedded = pipe.fit_transform(X)
    score = trustworthiness(X, embedded, n_neighbors=10)
    print(f"{name:12s} codes of {pipe['reduce'].n_components_:3d}: "
          f"trustworthiness of the 2-D map {score:.3f}")
    figure = plot_latent(embedded, y, axis_label="t-SNE", title=f"TSNE of the {name}'s codes")
    figure.savefig(args.out / f"tsne_{name.lower()}.png")
print(f"figures in {args.out}/")
