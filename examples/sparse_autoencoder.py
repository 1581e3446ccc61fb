"""Adding a sparsity constraint on the code: an L1 activity penalty.

    python examples/sparse_autoencoder.py [--data mnist.npz] [--epochs N] [--out DIR]

The tutorial's second model: the simple autoencoder with
``activity_regularizer=l1(10e-5)`` on the code layer, here
``SparseAutoencoder(activity_l1=1e-4)``. Fewer code units are active, so
the codes' mean value drops (the tutorial: 7.30 -> 3.33 on MNIST).
"""

import argparse
from pathlib import Path

from skae import DenseAutoencoder, SparseAutoencoder
from skae.datasets import load_images
from skae.plotting import plot_codes

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--data", help="mnist.npz (default: scikit-learn's 8x8 digits)")
parser.add_argument("--epochs", type=int, help="default: 100 on MNIST, 60 on digits")
parser.add_argument("--out", type=Path, default=Path("skae-examples"), help="PNG folder")
args = parser.parse_args()
images = load_images(args.data)
args.out.mkdir(parents=True, exist_ok=True)

if images.name == "mnist":
    fit = dict(epochs=args.epochs or 100)  # the tutorial trains this one longer
else:
    fit = dict(epochs=args.epochs or 60, batch_size=64, optimizer__learning_rate=3e-3)

for model in (DenseAutoencoder(**fit, random_state=0),
              SparseAutoencoder(activity_l1=1e-4, **fit, random_state=0)):
    model.fit(images.X_train)
    codes = model.transform(images.X_test)
    name = type(model).__name__
    print(f"{name:18s} mean code value {codes.mean():.3f}, "
          f"share of units below 0.1: {(codes < 0.1).mean():.2f}, "
          f"test score {model.score(images.X_test):.4f}")
    plot_codes(codes).savefig(args.out / f"sparse_codes_{name}.png")
print(f"figures in {args.out}/")
