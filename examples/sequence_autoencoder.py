"""Sequence-to-sequence autoencoder: LSTM, RepeatVector, LSTM.

    python examples/sequence_autoencoder.py [--data mnist.npz] [--epochs N] [--out DIR]

Each image is read as a sequence, one time step per row of pixels (28 steps
of 28 on MNIST, 8 of 8 on the digits). The LSTM encoder summarises the
sequence in one vector of ``n_components`` numbers; the decoder repeats it
and unrolls the sequence again. The codes are then features for a
classifier, beside PCA's.
"""

import argparse
from pathlib import Path

from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from skae import SequenceAutoencoder
from skae.datasets import load_images
from skae.plotting import plot_reconstructions

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--data", help="mnist.npz (default: scikit-learn's 8x8 digits)")
parser.add_argument("--epochs", type=int, help="default: 10 on MNIST, 30 on digits")
parser.add_argument("--out", type=Path, default=Path("skae-examples"), help="PNG folder")
args = parser.parse_args()
images = load_images(args.data)
args.out.mkdir(parents=True, exist_ok=True)

steps, width = images.image_shape
X_train = images.X_train.reshape(-1, steps, width)   # (n_samples, timesteps, features)
X_test = images.X_test.reshape(-1, steps, width)
if images.name == "mnist":
    ae = SequenceAutoencoder(n_components=32, epochs=args.epochs or 10, random_state=0)
else:
    ae = SequenceAutoencoder(n_components=32, epochs=args.epochs or 30, batch_size=64,
                             optimizer__learning_rate=3e-3, random_state=0)
ae.fit(X_train)
print(f"sequences of {steps} steps x {width} features -> codes of {ae.n_components_}")

for name, reducer, train, test in [("LSTM codes", ae, X_train, X_test),
                                   ("PCA-32", PCA(n_components=32), images.X_train,
                                    images.X_test)]:
    clf = make_pipeline(reducer, LogisticRegression(max_iter=2000))
    # The autoencoder is refitted inside the pipeline, as in any grid search.
    accuracy = clf.fit(train, images.y_train).score(test, images.y_test)
    print(f"logistic regression on {name}: test accuracy {accuracy:.3f}")

reconstructed = ae.inverse_transform(ae.transform(X_test))   # (n, steps, width)
plot_reconstructions(X_test, reconstructed).savefig(args.out / "sequence_reconstructions.png")
print(f"figures in {args.out}/")
