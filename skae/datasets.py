"""Image data for the tour, the examples and the docs.

Two sources:

- :func:`load_digit_images`: scikit-learn's 8x8 digits scaled to [0, 1].
  Embedded in scikit-learn, so it needs no file and no network.
- :func:`load_mnist`: the real MNIST, exactly as
  ``keras.datasets.mnist.load_data()`` returns it, read from a local file
  when you have one.

:func:`load_images` gives either as a train/test split of flattened
intensities in [0, 1], the layout every skae autoencoder takes.
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.utils import Bunch

#: Environment variable naming a local ``mnist.npz``.
MNIST_ENV = "SKAE_MNIST"

_MNIST_KEYS = ("x_train", "y_train", "x_test", "y_test")


def load_mnist(path=None):
    """Load MNIST as ``keras.datasets.mnist.load_data()`` returns it.

    The file is looked up in this order: ``path``; the file named by the
    environment variable ``SKAE_MNIST``; Keras' own cache (downloading it
    there if needed). Without a file and without network, a ``OSError``
    says how to point at a local copy.

    Parameters
    ----------
    path : str or path-like, default=None
        A local ``mnist.npz`` with the arrays ``x_train``, ``y_train``,
        ``x_test`` and ``y_test`` (Keras' layout).

    Returns
    -------
    (x_train, y_train), (x_test, y_test) : tuple of tuples of ndarray
        uint8 images of shape (60000, 28, 28) and (10000, 28, 28), and their
        uint8 labels.

    Raises
    ------
    FileNotFoundError
        If ``path`` (or ``$SKAE_MNIST``) names a file that does not exist.
    ValueError
        If the file is not an ``.npz`` with Keras' four MNIST arrays.
    OSError
        If no file is given and the download fails.

    Examples
    --------
    >>> import numpy as np
    >>> from skae.datasets import load_mnist
    >>> rng = np.random.default_rng(0)
    >>> fake = {k: rng.integers(0, 255, (5, 28, 28), dtype=np.uint8)
    ...         for k in ("x_train", "x_test")}
    >>> fake.update(y_train=np.arange(5, dtype=np.uint8),
    ...             y_test=np.arange(5, dtype=np.uint8))
    >>> import tempfile, os
    >>> tmp = tempfile.mkdtemp()
    >>> np.savez(os.path.join(tmp, "mnist.npz"), **fake)
    >>> (x_train, y_train), (x_test, y_test) = load_mnist(
    ...     os.path.join(tmp, "mnist.npz"))
    >>> x_train.shape, x_train.dtype
    ((5, 28, 28), dtype('uint8'))
    """
    if path is None:
        path = os.environ.get(MNIST_ENV) or None
        source = f"${MNIST_ENV}"
    else:
        source = "path"
    if path is not None:
        return _read_mnist_npz(Path(path), source)
    return _download_mnist()


def _read_mnist_npz(path, source):
    if not path.is_file():
        raise FileNotFoundError(
            f"MNIST file not found: {source} is {str(path)!r}. Pass the path "
            "of a local mnist.npz (keras.datasets.mnist layout)."
        )
    # np.load would read any other file as a pickle (and refuse it with a
    # message about pickles): check for the .npz (zip) container first.
    if not zipfile.is_zipfile(path):
        raise ValueError(f"{str(path)!r} is not a readable .npz file (not a zip archive).")
    try:
        with np.load(path, allow_pickle=False) as data:
            missing = [k for k in _MNIST_KEYS if k not in data.files]
            if missing:
                raise ValueError(
                    f"{str(path)!r} is not an MNIST file: it lacks the arrays "
                    f"{missing} (expected {list(_MNIST_KEYS)}, as "
                    "keras.datasets.mnist uses)."
                )
            arrays = {k: data[k] for k in _MNIST_KEYS}
    except (OSError, EOFError, zipfile.BadZipFile) as exc:  # truncated archives
        raise ValueError(f"{str(path)!r} is not a readable .npz file: {exc}") from exc
    return (arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"])


def _download_mnist():
    import keras  # imported here: the digits path must not need Keras

    try:
        return keras.datasets.mnist.load_data()
    except Exception as exc:  # urllib, ssl, socket and Keras' own errors alike
        raise OSError(
            "MNIST is not available: no local file was given and Keras could "
            f"not download it ({type(exc).__name__}: {exc}). Pass "
            f"path='/path/to/mnist.npz' (or --data PATH on the command line), "
            f"or set the environment variable {MNIST_ENV}=/path/to/mnist.npz."
        ) from exc


def load_digit_images(*, return_X_y=False):
    """scikit-learn's 8x8 digits as intensities in [0, 1].

    The 1797 images of :func:`sklearn.datasets.load_digits` (integers
    0-16) divided by 16, in float32: the data every skae example and the
    ``skae tour`` use by default, because it needs no download.

    Parameters
    ----------
    return_X_y : bool, default=False
        Return ``(data, target)`` instead of a Bunch.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        ``data`` (1797, 64) float32 rows, ``images`` (1797, 8, 8) float32,
        ``target`` (1797,) int labels, ``image_shape`` ``(8, 8)``.
    (data, target) : tuple
        If ``return_X_y`` is True.

    Examples
    --------
    >>> from skae.datasets import load_digit_images
    >>> digits = load_digit_images()
    >>> digits.data.shape, digits.images.shape, digits.image_shape
    ((1797, 64), (1797, 8, 8), (8, 8))
    >>> float(digits.data.min()), float(digits.data.max())
    (0.0, 1.0)
    """
    X, y = load_digits(return_X_y=True)
    X = (X / 16.0).astype(np.float32)
    if return_X_y:
        return X, y
    return Bunch(data=X, images=X.reshape(-1, 8, 8), target=y, image_shape=(8, 8))


def load_images(data=None, *, test_size=0.25, random_state=0):
    """A train/test split of images, flattened, in [0, 1].

    Parameters
    ----------
    data : None, "mnist" or path-like, default=None
        None: the embedded 8x8 digits (:func:`load_digit_images`), split
        with ``test_size`` stratified by label. "mnist": :func:`load_mnist`
        with its own lookup (``$SKAE_MNIST``, then Keras' cache). A path: that
        ``mnist.npz``. MNIST keeps its own 60000/10000 split.
    test_size : float, default=0.25
        Fraction of the digits held out for testing (digits only).
    random_state : int, default=0
        Seed of the digits split (digits only).

    Returns
    -------
    images : :class:`~sklearn.utils.Bunch`
        ``X_train``, ``X_test`` float32 of shape (n, height * width);
        ``y_train``, ``y_test`` labels; ``image_shape`` (height, width);
        ``name`` "digits" or "mnist".

    Examples
    --------
    >>> from skae.datasets import load_images
    >>> images = load_images()
    >>> images.name, images.X_train.shape, images.X_test.shape
    ('digits', (1347, 64), (450, 64))
    """
    if data is None:
        X, y = load_digit_images(return_X_y=True)
        X_train, X_test, y_train, y_test = train_test_split(
            X, y, test_size=test_size, random_state=random_state, stratify=y
        )
        return Bunch(
            X_train=X_train, X_test=X_test, y_train=y_train, y_test=y_test,
            image_shape=(8, 8), name="digits",
        )
    (x_train, y_train), (x_test, y_test) = load_mnist(
        None if str(data) == "mnist" else data
    )
    scale = np.float32(1 / 255)
    return Bunch(
        X_train=x_train.reshape(len(x_train), -1).astype(np.float32) * scale,
        X_test=x_test.reshape(len(x_test), -1).astype(np.float32) * scale,
        y_train=y_train, y_test=y_test,
        image_shape=tuple(x_train.shape[1:]), name="mnist",
    )
