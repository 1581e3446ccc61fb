"""One test per scikeras 0.13 and Keras defect that ``skae._compat`` shims.

Each test fails if its fix stops working (a scikeras or Keras upgrade, or a
change in skae that bypasses the fix).
"""

import functools
import random
import warnings

import keras
import numpy as np
import pytest
from scikeras.wrappers import BaseWrapper
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import get_tags
from sklearn.utils.estimator_checks import check_estimator_tags_renamed

from skae import DenseAutoencoder
from skae._compat import tf_array_batches
from skae._seeding import seed_from_random_state

FAST = dict(n_components=3, epochs=2, batch_size=32)


@pytest.fixture(scope="module")
def X():
    return np.random.RandomState(0).rand(64, 6)


# -- defect 1: _more_tags without __sklearn_tags__ ---------------------------
def test_base_wrapper_has_sklearn_tags():
    assert "__sklearn_tags__" in vars(BaseWrapper)
    check_estimator_tags_renamed("DenseAutoencoder", DenseAutoencoder())


def test_tags_say_transformer():
    tags = get_tags(DenseAutoencoder())
    assert tags.transformer_tags is not None
    assert tags.transformer_tags.preserves_dtype == ["float64", "float32"]
    assert tags.target_tags.required is False


# -- defect 2: a RandomState always became seed 0 ----------------------------
def test_random_state_instance_is_drawn_from():
    rs = np.random.RandomState(0)
    first, second = seed_from_random_state(rs), seed_from_random_state(rs)
    assert first != second  # drawn from, like scikit-learn estimators
    assert seed_from_random_state(np.random.RandomState(0)) == first
    assert {seed_from_random_state(np.random.RandomState(s)) for s in range(5)} != {0}
    assert seed_from_random_state(7) == 7
    assert seed_from_random_state(None) is None


def test_random_state_instances_give_different_models(X):
    codes = [
        DenseAutoencoder(random_state=np.random.RandomState(s), **FAST)
        .fit(X)
        .transform(X)
        for s in (1, 2, 1)
    ]
    assert not np.array_equal(codes[0], codes[1])
    np.testing.assert_array_equal(codes[0], codes[2])


# -- defect 3: seeding leaked op determinism and global seeds -----------------
def test_seeded_fit_leaves_process_randomness_alone(X):
    py_state, np_state = random.getstate(), np.random.get_state()
    DenseAutoencoder(random_state=0, **FAST).fit(X)
    assert random.getstate() == py_state
    after = np.random.get_state()
    assert after[0] == np_state[0] and np.array_equal(after[1], np_state[1])


@pytest.mark.skipif(keras.backend.backend() != "tensorflow", reason="TF only")
def test_seeded_fit_leaves_op_determinism_off(X):
    from tensorflow.python.framework import config

    DenseAutoencoder(random_state=0, **FAST).fit(X)
    assert not config.is_op_determinism_enabled()
    # The failure scikeras caused: an unseeded random op after a seeded fit.
    noisy = keras.Sequential([keras.Input((6,)), keras.layers.GaussianNoise(0.1)])
    noisy(X.astype("float32"), training=True)


# -- routed keywords (scikeras' syntax) ------------------------------------------
def test_routed_keyword_reaches_keras(X):
    ae = DenseAutoencoder(optimizer__learning_rate=0.0123, **FAST).fit(X)
    lr = keras.ops.convert_to_numpy(ae.model_.optimizer.learning_rate)
    assert lr == pytest.approx(0.0123)
    assert ae.get_params()["optimizer__learning_rate"] == 0.0123


# -- defect 5: model.predict is slow -------------------------------------------
def test_inference_never_calls_model_predict(X, monkeypatch):
    ae = DenseAutoencoder(**FAST).fit(X)

    def forbidden(*args, **kwargs):
        raise AssertionError("Model.predict called")

    monkeypatch.setattr(keras.Model, "predict", forbidden)
    codes = ae.transform(X)
    ae.inverse_transform(codes)
    ae.score_samples(X)
    ae.score(X)


# -- defect 6: the .keras format drops SeedGenerator states -------------------------
def test_keras_drops_seed_generator_states_and_skae_restores_them(X, tmp_path):
    from skae import DenoisingAutoencoder
    from skae._compat import seed_generator_states, set_seed_generator_states

    est = DenoisingAutoencoder(filters=(2,), epochs=2, batch_size=32, random_state=0).fit(X)
    states = seed_generator_states(est.model_)
    assert list(states) == ["noise/0"] and states["noise/0"].any()  # advanced by fit
    est.model_.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras")
    # Keras still drops the state (remove the fix when this fails) ...
    assert not seed_generator_states(loaded)["noise/0"].any()
    # ... and the fix puts it back.
    set_seed_generator_states(loaded, states)
    np.testing.assert_array_equal(seed_generator_states(loaded)["noise/0"], states["noise/0"])
    with pytest.raises(ValueError, match="do not match"):
        set_seed_generator_states(loaded, {})


# -- defect 7: loss arguments missing from get_config ------------------------------
def test_keras_huber_loses_delta_and_skae_detects_it():
    from skae._compat import serialization_loses_arguments

    def round_trip(obj):
        config = keras.saving.serialize_keras_object(obj)
        return keras.saving.deserialize_keras_object(config)

    huber = keras.losses.Huber(delta=0.5)
    # Keras still loses delta (remove the check when this fails) ...
    assert round_trip(huber)._fn_kwargs["delta"] == 1.0
    assert serialization_loses_arguments(huber, round_trip(huber))
    bce = keras.losses.BinaryCrossentropy(label_smoothing=0.1)
    assert not serialization_loses_arguments(bce, round_trip(bce))
    assert not serialization_loses_arguments("mse", "mse")


def test_unsafe_deserialization_scope_copies_a_lambda_layer_only_inside():
    import keras

    from skae._compat import unsafe_deserialization_scope

    layer = keras.layers.Lambda(lambda t: 2 * t)
    with pytest.raises(ValueError, match="Lambda"):  # the defect: safe mode refuses
        keras.layers.Lambda.from_config(layer.get_config())
    with unsafe_deserialization_scope():
        copy = keras.layers.Lambda.from_config(layer.get_config())
    assert float(copy(keras.ops.ones((1,)))[0]) == 2.0
    with pytest.raises(ValueError, match="Lambda"):  # and only inside the scope
        keras.layers.Lambda.from_config(layer.get_config())


# -- defect 10: a loaded model's compiled loss is built by its first fit -------------------
def test_loaded_model_compiled_loss_is_unbuilt_and_skae_builds_it(X):
    import pickle

    from skae._compat import build_compiled_state, model_from_bytes, model_to_bytes

    est = DenseAutoencoder(shuffle=True, random_state=0, **FAST).fit(X)
    loaded = model_from_bytes(model_to_bytes(est.model_))
    # Keras still loads it unbuilt (remove the fix when this fails), so its
    # first fit would build it from a batch of the data ...
    assert not loaded._compile_loss.built
    build_compiled_state(loaded)
    assert loaded._compile_loss.built
    # ... and a pickled estimator goes on training as the original does, on
    # every backend (on JAX, the batch came from the shuffled data).
    copy = pickle.loads(pickle.dumps(est))
    est.partial_fit(X)
    copy.partial_fit(X)
    for got, want in zip(copy.model_.get_weights(), est.model_.get_weights()):
        np.testing.assert_array_equal(got, want)


# -- defect 11: dropping an autotuned tf.data iterator was slow ---------------
@pytest.mark.skipif(keras.backend.backend() != "tensorflow", reason="TF only")
def test_fit_gets_keras_own_batches_without_autotuning(X, monkeypatch):
    import tensorflow as tf

    given = []
    fit = keras.Model.fit

    def recording_fit(self, x=None, *args, **kwargs):
        given.append((x, kwargs))
        return fit(self, x, *args, **kwargs)

    monkeypatch.setattr(keras.Model, "fit", recording_fit)
    weights = np.arange(1.0, 65.0)
    # epochs="auto" (32 of the 64 rows held out, 3 iterations);
    # fit__steps_per_epoch=None hands the arrays to Keras, which batches
    # them. Without early stopping, Keras measures val_loss.
    make = functools.partial(DenseAutoencoder, n_components=3, batch_size=8, max_iter=3,
                             validation_fraction=0.5, tol=0.0, random_state=0)
    keras_validates = dict(early_stopping=False, validation_split=0.5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours = make().fit(X, sample_weight=weights)
        keras_own = make(fit__steps_per_epoch=None).fit(X, sample_weight=weights)
        ours_split = make(**keras_validates).fit(X, sample_weight=weights)
        keras_split = make(fit__steps_per_epoch=None, **keras_validates).fit(
            X, sample_weight=weights)
    dataset, kwargs = given[0]
    assert isinstance(dataset, tf.data.Dataset) and isinstance(given[1][0], np.ndarray)
    assert dataset.options().autotune.enabled is False
    # one iteration's batches, each iteration a new iterator of them
    assert kwargs["steps_per_epoch"] == int(dataset.cardinality())
    assert 3 * int(dataset.cardinality()) == int(ours.model_.optimizer.iterations)
    # bitwise: the codes, the held-out loss (skae's), and Keras' held-out
    # loss in batches of 8 (given a dataset, Keras batched them by 32)
    np.testing.assert_array_equal(ours.transform(X), keras_own.transform(X))
    assert ours.history_["val_loss"] == keras_own.history_["val_loss"]
    np.testing.assert_array_equal(ours_split.transform(X), keras_split.transform(X))
    assert ours_split.history_["val_loss"] == keras_split.history_["val_loss"]

    # Kept from Keras: under a seed, every epoch repeats the first's order.
    def epoch_rows(dataset):
        return np.concatenate([keras.ops.convert_to_numpy(batch[0]) for batch in dataset])

    keras.utils.set_random_seed(0)
    batches = tf_array_batches(X, X, None, 8, True)
    first, second = epoch_rows(batches), epoch_rows(batches)
    np.testing.assert_array_equal(first, second)
    assert not np.array_equal(first, X)  # shuffled, once
    np.testing.assert_array_equal(np.sort(first, axis=0), np.sort(X, axis=0))
