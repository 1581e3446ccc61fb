"""Application to image denoising.

    python examples/denoising_autoencoder.py [--data mnist.npz] [--epochs N] [--out DIR]

``DenoisingAutoencoder`` adds Gaussian noise (``noise_factor=0.5`` of the
data's range, clipped to it) to every training batch and learns to give back the
clean images. ``corrupt`` makes a noisy test set with the same noise;
``denoise`` cleans it.
"""

import argparse
from pathlib import Path

import numpy as np

from skae import DenoisingAutoencoder
from skae.datasets import load_images
from skae.plotting import plot_denoising

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--data", help="mnist.npz (default: scikit-learn's 8x8 digits)")
parser.add_argument("--epochs", type=int, help="default: 5 on MNIST, 30 on digits")
parser.add_argument("--out", type=Path, default=Path("skae-examples"), help="PNG folder")
args = parser.parse_args()
images = load_images(args.data)
args.out.mkdir(parents=True, exist_ok=True)

if images.name == "mnist":
    ae = DenoisingAutoencoder(noise_factor=0.5, epochs=args.epochs or 5, random_state=0)
else:
    ae = DenoisingAutoencoder(noise_factor=0.5, epochs=args.epochs or 30, batch_size=64,
                              optimizer__learning_rate=3e-3, random_state=0)
ae.fit(images.X_train)  # clean images: the noise is added inside, per batch

noisy = ae.corrupt(images.X_test, random_state=0)
denoised = ae.denoise(noisy)
for name, X in [("noisy", noisy), ("denoised", denoised)]:
    print(f"{name:8s} MSE to the clean test images: {np.mean((X - images.X_test) ** 2):.4f}")
plot_denoising(noisy, denoised, images.X_test, image_shape=images.image_shape).savefig(
    args.out / "denoising.png")
print(f"figures in {args.out}/")
