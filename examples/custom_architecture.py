"""Your own Keras networks as a scikit-learn autoencoder, beside PCA.

    python examples/custom_architecture.py [--data mnist.npz] [--epochs N] [--out DIR]

A strided-convolution encoder with batch normalisation and a transposed-
convolution decoder, 32 numbers per image, given to ``skae.Autoencoder`` as
builders: skae calls them with the images' shape and the code size, trains
them with ``epochs="auto"`` (or ``--epochs``), and the result transforms,
scores, saves and loads like any skae estimator. The same encoder and
decoder also make a convolutional VAE (``VariationalAutoencoder(encoder=,
decoder=)``). The table compares test MSEs with PCA-32 and the
DeepAutoencoder; ``benchmarks/bench_custom.py`` runs the same networks on
MNIST for docs/benchmarks.md.
"""

import argparse
import tempfile
from pathlib import Path

import keras
import numpy as np


# Registered, so that skae.save stores the builders by name (skae.load runs no
# code from the file: it finds them in Keras' registry).
@keras.saving.register_keras_serializable(package="skae_examples")
def strided_features(input_shape, filters=32):
    """Images (h, w) -> two stride-2 convolutions (BatchNorm, ReLU): a
    (h/4, w/4, 2 * filters) feature map. The VAE's encoder: skae adds the
    z_mean and z_log_var heads."""
    return keras.Sequential([
        keras.Input(input_shape),
        keras.layers.Reshape((*input_shape, 1)),
        keras.layers.Conv2D(filters, 3, strides=2, padding="same", use_bias=False),
        keras.layers.BatchNormalization(),
        keras.layers.ReLU(),
        keras.layers.Conv2D(2 * filters, 3, strides=2, padding="same", use_bias=False),
        keras.layers.BatchNormalization(),
        keras.layers.ReLU(),
    ], name="strided_features")


@keras.saving.register_keras_serializable(package="skae_examples")
def strided_encoder(input_shape, n_components, filters=32):
    """The feature map, flattened -> a Dense code of ``n_components``."""
    return keras.Sequential([
        keras.Input(input_shape),
        strided_features(input_shape, filters),
        keras.layers.Flatten(),
        keras.layers.Dense(n_components),
    ], name="strided_encoder")


@keras.saving.register_keras_serializable(package="skae_examples")
def transposed_decoder(output_shape, n_components, filters=32):
    """The code -> a (h/4, w/4) map -> two stride-2 transposed convolutions
    (BatchNorm, ReLU) -> one channel, cropped to (h, w). skae adds the output
    activation (a sigmoid for pixels in [0, 1])."""
    h, w = output_shape
    h4, w4 = -(-h // 4), -(-w // 4)
    return keras.Sequential([
        keras.Input((n_components,)),
        keras.layers.Dense(h4 * w4 * 2 * filters, activation="relu"),
        keras.layers.Reshape((h4, w4, 2 * filters)),
        keras.layers.Conv2DTranspose(filters, 3, strides=2, padding="same", use_bias=False),
        keras.layers.BatchNormalization(),
        keras.layers.ReLU(),
        keras.layers.Conv2DTranspose(filters // 2, 3, strides=2, padding="same", use_bias=False),
        keras.layers.BatchNormalization(),
        keras.layers.ReLU(),
        keras.layers.Conv2D(1, 3, padding="same"),
        keras.layers.Cropping2D(((0, 4 * h4 - h), (0, 4 * w4 - w))),
    ], name="transposed_decoder")


def mse(model, X):
    """Mean squared error of ``model``'s reconstruction of X (images or rows)."""
    recon = model.inverse_transform(model.transform(X)).reshape(len(X), -1)
    return float(np.mean((recon - X.reshape(len(X), -1)) ** 2))


def main():
    from sklearn.decomposition import PCA

    import skae
    from skae import Autoencoder, DeepAutoencoder, VariationalAutoencoder
    from skae.datasets import load_images
    from skae.plotting import plot_reconstructions

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", help="mnist.npz (default: scikit-learn's 8x8 digits)")
    parser.add_argument("--epochs", type=int,
                        help='default: 10 on MNIST (about a minute each on 2 cores), '
                             '"auto" (until a plateau) on digits')
    parser.add_argument("--out", type=Path, default=Path("skae-examples"), help="PNG folder")
    args = parser.parse_args()
    images = load_images(args.data)
    args.out.mkdir(parents=True, exist_ok=True)
    shape = images.image_shape
    train = images.X_train.reshape(-1, *shape)
    test = images.X_test.reshape(-1, *shape)
    epochs = args.epochs or (10 if images.name == "mnist" else "auto")
    # 8x8 digits are too small for 32 filters: fewer, routed to both builders.
    width = {} if images.name == "mnist" else dict(encoder__filters=8, decoder__filters=8)

    ae = Autoencoder(strided_encoder, transposed_decoder, n_components=32, epochs=epochs,
                     random_state=0, **width).fit(train)
    rows = [
        ("PCA-32", mse(PCA(32, random_state=0).fit(images.X_train), images.X_test)),
        ("DeepAutoencoder(n_components=32)",
         mse(DeepAutoencoder(n_components=32, epochs=epochs, random_state=0)
             .fit(images.X_train), images.X_test)),
        ("Autoencoder(strided_encoder, transposed_decoder)", mse(ae, test)),
    ]
    print(f"{images.name}: test MSE with 32 numbers per image")
    for name, error in rows:
        print(f"  {name:<50} {error:.5f}  ({error / rows[0][1]:.2f}x PCA-32)")

    vae = VariationalAutoencoder(n_components=2, encoder=strided_features,
                                 decoder=transposed_decoder, epochs=epochs,
                                 random_state=0, **width).fit(train)
    print(f"  conv VAE, 2-d latent: test ELBO {vae.score(test):.1f} nats")

    # Saved and loaded like any skae estimator: the builders by their
    # registered names, the trained networks as .keras archives.
    path = skae.save(ae, Path(tempfile.mkdtemp()) / "custom.skae")
    loaded = skae.load(path)
    assert np.array_equal(loaded.transform(test), ae.transform(test))

    plot_reconstructions(test, ae.inverse_transform(ae.transform(test))).savefig(
        args.out / "custom_reconstructions.png")
    print(f"figures in {args.out}/")


if __name__ == "__main__":
    main()
