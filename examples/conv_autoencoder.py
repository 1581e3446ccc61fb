"""Convolutional autoencoder, with TensorBoard as in the tutorial.

    python examples/conv_autoencoder.py [--data mnist.npz] [--epochs N] [--out DIR]
                                        [--tensorboard LOGDIR]

Conv2D + MaxPooling down to a (4, 4, 8) code on MNIST (128 numbers), Conv2D
+ UpSampling back. The rows of pixels are read as square images (28x28,
8x8); ``image_shape=(h, w)`` says otherwise. With ``--tensorboard`` the
tutorial's ``TensorBoard`` callback logs the training curves:
``tensorboard --logdir LOGDIR``.
"""

import argparse
from pathlib import Path

import keras

from skae import ConvAutoencoder
from skae.datasets import load_images
from skae.plotting import plot_codes, plot_reconstructions

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--data", help="mnist.npz (default: scikit-learn's 8x8 digits)")
parser.add_argument("--epochs", type=int, help="default: 10 on MNIST, 40 on digits")
parser.add_argument("--out", type=Path, default=Path("skae-examples"), help="PNG folder")
parser.add_argument("--tensorboard", metavar="LOGDIR", help="write TensorBoard logs here")
args = parser.parse_args()
images = load_images(args.data)
args.out.mkdir(parents=True, exist_ok=True)

callbacks = [keras.callbacks.TensorBoard(log_dir=args.tensorboard)] if args.tensorboard else None
if images.name == "mnist":
    # The tutorial's layers (filters 16-8-8) and 50 epochs of batch 128 reach
    # a loss of 0.094; a higher learning rate gets there in 10 (benchmarks).
    ae = ConvAutoencoder(epochs=args.epochs or 10, optimizer__learning_rate=2e-3,
                         callbacks=callbacks, validation_split=0.1, random_state=0)
else:
    # Two poolings turn an 8x8 digit into a 2x2x8 code (32 numbers).
    ae = ConvAutoencoder(filters=(16, 8), epochs=args.epochs or 40, batch_size=64,
                         optimizer__learning_rate=3e-3, callbacks=callbacks,
                         validation_split=0.1, random_state=0)
ae.fit(images.X_train)
codes = ae.transform(images.X_test)
print(f"image {ae.image_shape_} -> code of {ae.n_components_} numbers; "
      f"test score (minus the mean BCE per pixel) {ae.score(images.X_test):.4f}")

reconstructed = ae.inverse_transform(codes)
plot_reconstructions(images.X_test, reconstructed, image_shape=images.image_shape).savefig(
    args.out / "conv_reconstructions.png")
plot_codes(codes).savefig(args.out / "conv_codes.png")
print(f"figures in {args.out}/" + (f"; TensorBoard logs in {args.tensorboard}/"
                                   if args.tensorboard else ""))
