"""Deep autoencoder: a stack of Dense layers, 784-128-64-32-64-128-784.

    python examples/deep_autoencoder.py [--data mnist.npz] [--epochs N] [--out DIR]

``DeepAutoencoder(hidden_layer_sizes=(128, 64), n_components=32)`` mirrors
the encoder in the decoder. The tutorial reaches a loss of about 0.097 on
MNIST after 100 epochs (skae: 0.0924 after 20, see docs/benchmarks.md).
"""

import argparse
from pathlib import Path

from skae import DeepAutoencoder
from skae.datasets import load_images
from skae.plotting import plot_history, plot_reconstructions

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--data", help="mnist.npz (default: scikit-learn's 8x8 digits)")
parser.add_argument("--epochs", type=int, help="default: 100 on MNIST, 100 on digits")
parser.add_argument("--out", type=Path, default=Path("skae-examples"), help="PNG folder")
args = parser.parse_args()
images = load_images(args.data)
args.out.mkdir(parents=True, exist_ok=True)

if images.name == "mnist":
    fit = dict(epochs=args.epochs or 100)
else:
    fit = dict(epochs=args.epochs or 100, batch_size=64, optimizer__learning_rate=3e-3)
ae = DeepAutoencoder(hidden_layer_sizes=(128, 64), n_components=32,
                     validation_split=0.1, random_state=0, **fit)
ae.fit(images.X_train)
ae.model_.summary()
print(f"test score (minus the mean BCE per pixel): {ae.score(images.X_test):.4f}")

reconstructed = ae.inverse_transform(ae.transform(images.X_test))
plot_reconstructions(images.X_test, reconstructed, image_shape=images.image_shape).savefig(
    args.out / "deep_reconstructions.png")
plot_history(ae, title="DeepAutoencoder").savefig(args.out / "deep_history.png")
print(f"figures in {args.out}/")
