"""Every estimator on the active Keras backend (``KERAS_BACKEND``).

CI runs this module once per backend (TensorFlow, then JAX, each its own
pytest process: Keras picks its backend when it is imported). Each estimator
fits, encodes, decodes, scores, pickles and saves its Keras model as a
``.keras`` file that loads under ``safe_mode``; model code stays free of
TensorFlow.
"""

import os
import pickle
import re
from pathlib import Path

import keras
import numpy as np
import pytest
from sklearn.base import clone

import skae
from skae import (
    ConvAutoencoder,
    DenoisingAutoencoder,
    DenseAutoencoder,
    SequenceAutoencoder,
)

from skae._layers import kl_divergence

from _fast import fast_autoencoders

FAST = dict(epochs=2, batch_size=64, random_state=0)

ESTIMATORS = fast_autoencoders(n_components=4, hidden=16, **FAST)
IDS = [type(est).__name__ for est in ESTIMATORS]


@pytest.fixture(scope="module")
def images(digits):
    """200 digits as (n, 8, 8) images: the image models read them as images,
    the sequence model as 8 steps of 8 pixels, the dense ones flattened."""
    return digits[0][:200].reshape(-1, 8, 8).astype(np.float32)


def _data(estimator, images):
    if isinstance(estimator, (ConvAutoencoder, DenoisingAutoencoder, SequenceAutoencoder)):
        return images
    return images.reshape(len(images), -1)


def test_backend_is_the_one_asked_for():
    # Without this, a JAX stage that silently ran TensorFlow would pass.
    assert keras.backend.backend() == os.environ.get("KERAS_BACKEND", "tensorflow")


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=IDS)
def test_fit_transform_pickle_save(estimator, images, tmp_path):
    X = _data(estimator, images)
    est = clone(estimator).fit(X)
    codes = est.transform(X)
    assert codes.shape == (len(X), est.n_components_)
    assert codes.dtype == np.float32 and np.isfinite(codes).all()
    recon = est.inverse_transform(codes)
    assert recon.shape == X.shape and np.isfinite(recon).all()
    score = est.score(X)
    assert np.isfinite(score)

    # Reproducible: the same random_state gives the same model, bit for bit.
    again = clone(estimator).fit(X)
    np.testing.assert_array_equal(again.transform(X), codes)
    # A row's code does not depend on the rows encoded with it.
    np.testing.assert_array_equal(est.transform(X[:5]), codes[:5])
    np.testing.assert_array_equal(est.transform(X[3:4]), codes[3:4])

    # Pickle round trip: same codes, reconstructions and score.
    restored = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(restored.transform(X), codes)
    np.testing.assert_array_equal(restored.inverse_transform(codes), recon)
    assert restored.score(X) == score

    # The Keras model alone: .keras file, loaded with safe_mode on (skae's
    # layers are registered, so no custom_objects and no lambda).
    path = tmp_path / "model.keras"
    est.model_.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    flat = X.reshape(len(X), -1)
    out = keras.ops.convert_to_numpy(loaded(flat, training=False))
    expected = keras.ops.convert_to_numpy(est.model_(flat, training=False))
    np.testing.assert_allclose(out, expected, rtol=0, atol=1e-6)
    np.testing.assert_allclose(
        out, est.inverse_transform(codes).reshape(len(X), -1), rtol=1e-5, atol=1e-6
    )


def test_inference_follows_the_weights(images):
    # The compiled forward (a jitted function on JAX, a concrete function on
    # TensorFlow) reads the current weights: partial_fit changes the codes.
    X = images.reshape(len(images), -1)
    est = DenseAutoencoder(n_components=4, epochs=1, batch_size=32, random_state=0)
    before = est.fit(X).transform(X)
    after = est.partial_fit(X).transform(X)
    assert not np.array_equal(before, after)
    expected = keras.ops.convert_to_numpy(est.encoder_(X, training=False))
    np.testing.assert_allclose(after, expected, rtol=0, atol=1e-6)


def test_vae_noise_variance_is_estimated_in_training(images):
    # The Gaussian decoder's sigma^2 is a layer weight the estimator assigns
    # between epochs; each backend's train step must read the new value (on
    # JAX, from the state it reloads at each epoch).
    X = images.reshape(len(images), -1) - 0.5  # outside [0, 1]: a squared error
    vae = skae.VariationalAutoencoder(n_components=4, hidden_layer_sizes=(16,), epochs=3,
                                      batch_size=32, random_state=0).fit(X)
    assert 0 < vae.noise_variance_ < np.var(X)
    kl = {}
    for noise in (vae.noise_variance_, 1e4):  # 1e4: the KL term's weight is 2e4
        copy = pickle.loads(pickle.dumps(vae))
        copy.model_.get_layer("sampling").noise_variance.assign(noise)
        z_mean, z_log_var = copy.partial_fit(X).encoder_(X)
        kl[noise] = keras.ops.convert_to_numpy(kl_divergence(z_mean, z_log_var)).mean()
        assert copy.noise_variance_ <= noise  # and the epoch's estimate replaced it
    assert kl[1e4] < 0.99 * kl[vae.noise_variance_]  # measured: 0.97 after 7 steps


# What counts as TensorFlow in model code: importing it, or calling tf.*.
_TF_USE = re.compile(r"^\s*(import|from)\s+tensorflow\b|\btf\.", re.M)


def test_model_code_has_no_tensorflow():
    package = Path(skae.__file__).parent
    modules = sorted(package.rglob("*.py"))
    assert len(modules) > 5
    offenders = [
        str(path.relative_to(package))
        for path in modules
        if path.name != "_compat.py" and _TF_USE.search(path.read_text())
    ]
    assert offenders == [], "TensorFlow outside skae/_compat.py"
    # The check itself sees TensorFlow where it is: in the compat module.
    assert _TF_USE.search((package / "_compat.py").read_text())
