"""Variational autoencoder: a 2-D latent space you can sample from.

    python examples/variational_autoencoder.py [--data mnist.npz] [--epochs N] [--out DIR]

The encoder gives a mean and a log-variance per latent dimension; training
samples from them and adds the KL divergence to the prior N(0, I), so the
loss is the negative evidence lower bound (ELBO). ``transform`` gives the
means, ``inverse_transform`` decodes any latent point, ``sample`` draws
new digits, and ``score`` is the ELBO per image in nats. Writes the
tutorial's two figures: the test digits in latent space, coloured by label,
and the decoded grid over the prior (the manifold of digits).
"""

import argparse
from pathlib import Path

from skae import VariationalAutoencoder
from skae.datasets import load_images
from skae.plotting import plot_codes, plot_latent, plot_manifold

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--data", help="mnist.npz (default: scikit-learn's 8x8 digits)")
parser.add_argument("--epochs", type=int, help="default: 30 on MNIST, 60 on digits")
parser.add_argument("--out", type=Path, default=Path("skae-examples"), help="PNG folder")
args = parser.parse_args()
images = load_images(args.data)
args.out.mkdir(parents=True, exist_ok=True)

if images.name == "mnist":
    vae = VariationalAutoencoder(n_components=2, hidden_layer_sizes=(256,),
                                 epochs=args.epochs or 30, random_state=0)
else:
    vae = VariationalAutoencoder(n_components=2, epochs=args.epochs or 60, batch_size=64,
                                 optimizer__learning_rate=3e-3, random_state=0)
vae.fit(images.X_train)
print(f"test ELBO: {vae.score(images.X_test):.1f} nats per image (higher is better)")

plot_latent(vae.transform(images.X_test), images.y_test).savefig(args.out / "vae_latent.png")
plot_manifold(vae, n=15, image_shape=images.image_shape).savefig(args.out / "vae_manifold.png")
new_digits = vae.sample(10, random_state=0)
plot_codes(new_digits, code_shape=images.image_shape).savefig(args.out / "vae_samples.png")
print(f"figures in {args.out}/")
