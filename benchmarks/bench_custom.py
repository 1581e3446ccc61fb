"""Networks of your own on MNIST: skae.Autoencoder(encoder=, decoder=).

    python benchmarks/bench_custom.py [--data PATH/mnist.npz] [--ae-epochs N]
                                      [--vae-epochs N [N ...]] [--quick]

Prints a table and writes the ``bench_custom`` section of docs/benchmarks.md.
The networks are examples/custom_architecture.py's (one definition): a
strided-convolution encoder with batch normalisation and a transposed-
convolution decoder, 32 numbers per image, against PCA-32 and the built-in
DeepAutoencoder with the same code size and epochs (test MSE, the goal being
half of PCA-32's); then the same networks as a convolutional VAE with a 2-d
latent, test ELBO in nats after each epoch budget, against skae's dense VAE
in the same run (keras.io's convolutional VAE example reports about -147
after 30 epochs).
"""

from __future__ import annotations

import importlib.util
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from _common import ROOT, environment, load_mnist_flat, parser, publish, seconds, table  # noqa: E402
from sklearn.decomposition import PCA  # noqa: E402

from skae import Autoencoder, DeepAutoencoder, VariationalAutoencoder  # noqa: E402


def example_networks():
    """The builders of examples/custom_architecture.py (imported, not copied)."""
    spec = importlib.util.spec_from_file_location(
        "custom_architecture", ROOT / "examples" / "custom_architecture.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def autoencoder_rows(nets, X_train, X_test, epochs):
    pca = PCA(32, random_state=0).fit(X_train)
    pca_mse = nets.mse(pca, X_test)
    images = X_train.reshape(-1, 28, 28), X_test.reshape(-1, 28, 28)
    models = [
        ("DeepAutoencoder(n_components=32)", DeepAutoencoder(
            n_components=32, epochs=epochs, random_state=0), X_train, X_test),
        ("Autoencoder(strided_encoder, transposed_decoder, n_components=32)", Autoencoder(
            nets.strided_encoder, nets.transposed_decoder, n_components=32, epochs=epochs,
            random_state=0), *images),
    ]
    rows = [("PCA-32", "-", f"{pca_mse:.4f}", "1.00x", "-")]
    for name, model, train, test in models:
        fit_s, _ = seconds(lambda: model.fit(train))
        error = nets.mse(model, test)
        rows.append((name, epochs, f"{error:.4f}", f"{error / pca_mse:.2f}x", f"{fit_s:.0f}"))
        print(rows[-1], flush=True)
    return rows


def vae_rows(nets, X_train, X_test, budgets):
    """Test ELBO after each epoch budget (warm starts), conv and dense."""
    images = X_train.reshape(-1, 28, 28), X_test.reshape(-1, 28, 28)
    models = [
        ("VariationalAutoencoder(n_components=2) (dense, 512-256)",
         VariationalAutoencoder(n_components=2, random_state=0, warm_start=True),
         X_train, X_test),
        ("VariationalAutoencoder(n_components=2, encoder=strided_features, "
         "decoder=transposed_decoder)",
         VariationalAutoencoder(n_components=2, encoder=nets.strided_features,
                                decoder=nets.transposed_decoder, random_state=0,
                                warm_start=True), *images),
    ]
    rows = []
    for name, vae, train, test in models:
        done, total_s = 0, 0.0
        for budget in budgets:
            vae.set_params(epochs=budget - done)
            fit_s, _ = seconds(lambda: vae.fit(train))
            total_s, done = total_s + fit_s, budget
            rows.append((name, budget, f"{vae.score(test):.1f}", f"{total_s:.0f}"))
            print(rows[-1], flush=True)
    return rows


def main():
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--ae-epochs", type=int, default=10)
    p.add_argument("--vae-epochs", type=int, nargs="+", default=[10])
    p.add_argument("--quick", action="store_true",
                   help="6,000 training images, 1 epoch, nothing written")
    args = p.parse_args()
    X_train, _, X_test, _ = load_mnist_flat(args.data)
    if args.quick:
        X_train, X_test, args.ae_epochs, args.vae_epochs = X_train[:6000], X_test[:2000], 1, [1]
    nets = example_networks()
    ae = autoencoder_rows(nets, X_train, X_test, args.ae_epochs)
    vae = vae_rows(nets, X_train, X_test, args.vae_epochs)
    body = "\n\n".join([
        "## Networks of your own (`bench_custom.py`)",
        "The strided-convolution encoder (BatchNorm) and transposed-convolution "
        "decoder of `examples/custom_architecture.py`, given to "
        "`skae.Autoencoder(encoder=, decoder=)` as builders, on MNIST (60,000 "
        "training, 10,000 test images), against PCA-32 and the built-in "
        "DeepAutoencoder with the same code size and epochs. The goal is half "
        "of PCA-32's test MSE.",
        table(["model", "epochs", "test MSE", "vs PCA-32", "fit s"], ae),
        "The same networks as a VAE with a 2-d latent (the encoder's feature map, "
        "`strided_features`, without its Dense code: skae adds the z heads), "
        "beside skae's dense VAE in the same run; test ELBO in nats per digit "
        "(higher is better; keras.io's convolutional VAE example reports a loss "
        "of about 147 after 30 epochs).",
        table(["model", "epochs", "test ELBO (nats)", "fit s (cumulative)"], vae),
        environment(),
    ])
    publish(args, "bench_custom", body)


if __name__ == "__main__":
    main()
