"""skae.datasets: where MNIST comes from, and the embedded digits."""

from pathlib import Path

import numpy as np
import pytest

from skae import datasets
from skae.datasets import load_digit_images, load_images, load_mnist

SHARED_MNIST = Path(__file__).resolve().parents[2] / "shared" / "data" / "mnist.npz"


@pytest.fixture
def fake_mnist(tmp_path):
    """A small file in keras.datasets.mnist's layout."""
    rng = np.random.default_rng(0)
    arrays = dict(
        x_train=rng.integers(0, 256, (12, 28, 28), dtype=np.uint8),
        y_train=np.arange(12, dtype=np.uint8) % 10,
        x_test=rng.integers(0, 256, (5, 28, 28), dtype=np.uint8),
        y_test=np.arange(5, dtype=np.uint8),
    )
    path = tmp_path / "mnist.npz"
    np.savez(path, **arrays)
    return path, arrays


@pytest.fixture
def no_download(monkeypatch):
    """Keras' downloader fails as it does without network."""
    import keras

    def offline(*args, **kwargs):
        raise Exception("URL fetch failure on https://storage.googleapis.com/: no route")

    monkeypatch.setattr(keras.datasets.mnist, "load_data", offline)
    monkeypatch.delenv(datasets.MNIST_ENV, raising=False)


def test_explicit_path_gives_keras_layout(fake_mnist):
    path, arrays = fake_mnist
    (x_train, y_train), (x_test, y_test) = load_mnist(path)
    np.testing.assert_array_equal(x_train, arrays["x_train"])
    np.testing.assert_array_equal(y_test, arrays["y_test"])
    assert x_train.dtype == np.uint8 and x_test.shape == (5, 28, 28)


def test_environment_variable_is_used_without_a_path(fake_mnist, monkeypatch):
    path, arrays = fake_mnist
    monkeypatch.setenv(datasets.MNIST_ENV, str(path))
    (x_train, _), _ = load_mnist()
    np.testing.assert_array_equal(x_train, arrays["x_train"])


def test_explicit_path_wins_over_the_environment(fake_mnist, monkeypatch, tmp_path):
    path, arrays = fake_mnist
    monkeypatch.setenv(datasets.MNIST_ENV, str(tmp_path / "elsewhere.npz"))
    (x_train, _), _ = load_mnist(path)
    np.testing.assert_array_equal(x_train, arrays["x_train"])


def test_keras_downloader_is_the_last_resort(monkeypatch):
    import keras

    sentinel = ((np.zeros((1, 28, 28), np.uint8), np.zeros(1, np.uint8)),) * 2
    monkeypatch.delenv(datasets.MNIST_ENV, raising=False)
    monkeypatch.setattr(keras.datasets.mnist, "load_data", lambda: sentinel)
    assert load_mnist() is sentinel


def test_offline_without_a_file_says_how_to_point_at_one(no_download):
    with pytest.raises(OSError, match="SKAE_MNIST") as info:
        load_mnist()
    assert "path=" in str(info.value) and "URL fetch failure" in str(info.value)


def test_missing_file_is_a_file_not_found_error(tmp_path, monkeypatch):
    with pytest.raises(FileNotFoundError, match="nope.npz"):
        load_mnist(tmp_path / "nope.npz")
    monkeypatch.setenv(datasets.MNIST_ENV, str(tmp_path / "gone.npz"))
    with pytest.raises(FileNotFoundError, match=r"\$SKAE_MNIST"):
        load_mnist()


def test_wrong_files_are_refused(tmp_path):
    text = tmp_path / "notes.npz"
    text.write_text("not an npz")
    with pytest.raises(ValueError, match="not a readable .npz"):
        load_mnist(text)
    other = tmp_path / "other.npz"
    np.savez(other, x_train=np.zeros(3))
    with pytest.raises(ValueError, match="lacks the arrays"):
        load_mnist(other)


@pytest.mark.skipif(not SHARED_MNIST.is_file(), reason="no ../shared/data/mnist.npz")
def test_real_mnist_matches_keras_shapes():
    (x_train, y_train), (x_test, y_test) = load_mnist(SHARED_MNIST)
    assert x_train.shape == (60000, 28, 28) and x_test.shape == (10000, 28, 28)
    assert x_train.dtype == np.uint8 and y_train.dtype == np.uint8
    assert set(np.unique(y_test)) == set(range(10))
    images = load_images(SHARED_MNIST)
    assert images.name == "mnist" and images.image_shape == (28, 28)
    assert images.X_train.shape == (60000, 784) and images.X_train.dtype == np.float32
    assert 0.0 == images.X_train.min() and images.X_train.max() == 1.0


def test_digit_images():
    digits = load_digit_images()
    assert digits.data.dtype == np.float32 and digits.data.shape == (1797, 64)
    np.testing.assert_array_equal(digits.images.reshape(1797, 64), digits.data)
    assert digits.data.min() == 0.0 and digits.data.max() == 1.0
    X, y = load_digit_images(return_X_y=True)
    np.testing.assert_array_equal(X, digits.data)
    np.testing.assert_array_equal(y, digits.target)


def test_load_images_splits_digits_stratified():
    images = load_images(test_size=0.25, random_state=0)
    assert images.name == "digits" and images.image_shape == (8, 8)
    assert len(images.X_train) + len(images.X_test) == 1797
    per_class = np.bincount(images.y_train) + np.bincount(images.y_test)
    train_share = np.bincount(images.y_train) / per_class
    np.testing.assert_allclose(train_share, 0.75, atol=0.02)
    again = load_images(random_state=0)
    np.testing.assert_array_equal(again.X_test, images.X_test)


def test_load_images_reads_mnist_files(fake_mnist):
    path, arrays = fake_mnist
    images = load_images(path)
    assert images.X_train.shape == (12, 784) and images.X_test.shape == (5, 784)
    np.testing.assert_allclose(images.X_train[0] * 255, arrays["x_train"][0].ravel(), atol=1e-4)
