"""The simplest possible autoencoder: one Dense layer of 32 numbers.

    python examples/simple_autoencoder.py [--data mnist.npz] [--epochs N] [--out DIR]

The first model of "Building Autoencoders in Keras": 784 -> 32 -> 784 on
MNIST (64 -> 32 -> 64 on the embedded 8x8 digits), sigmoid output and binary
cross-entropy (chosen by the loss rule because the pixels are in [0, 1]).
Writes the reconstructions and the codes as PNGs.
"""

import argparse
from pathlib import Path

from sklearn.decomposition import PCA

from skae import DenseAutoencoder
from skae.datasets import load_images
from skae.plotting import plot_codes, plot_reconstructions

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--data", help="mnist.npz (default: scikit-learn's 8x8 digits)")
parser.add_argument("--epochs", type=int, help="default: 50 on MNIST, 60 on digits")
parser.add_argument("--out", type=Path, default=Path("skae-examples"), help="PNG folder")
args = parser.parse_args()
images = load_images(args.data)
args.out.mkdir(parents=True, exist_ok=True)

# MNIST: the tutorial's 50 epochs of batches of 256 (Adam). The 1347 digits
# need smaller batches and a higher learning rate to learn in seconds.
if images.name == "mnist":
    ae = DenseAutoencoder(n_components=32, epochs=args.epochs or 50, random_state=0)
else:
    ae = DenseAutoencoder(n_components=32, epochs=args.epochs or 60, batch_size=64,
                          optimizer__learning_rate=3e-3, random_state=0)
ae.fit(images.X_train)

codes = ae.transform(images.X_test)              # the 32-number codes
reconstructed = ae.inverse_transform(codes)      # decoded back to pixels
pca = PCA(n_components=32).fit(images.X_train)
pca_reconstructed = pca.inverse_transform(pca.transform(images.X_test))
print(f"test score (minus the mean BCE per pixel): {ae.score(images.X_test):.4f}")
print(f"test MSE: autoencoder {((images.X_test - reconstructed) ** 2).mean():.4f}, "
      f"PCA with 32 components {((images.X_test - pca_reconstructed) ** 2).mean():.4f}")

plot_reconstructions(images.X_test, reconstructed, image_shape=images.image_shape).savefig(
    args.out / "simple_reconstructions.png")
plot_codes(codes).savefig(args.out / "simple_codes.png")
print(f"figures in {args.out}/")
