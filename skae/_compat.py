"""Shims, and only shims: private APIs of scikit-learn, scikeras and Keras.

Every private import skae makes happens here, once; the rest of the package
imports the names from this module. TensorFlow is used nowhere else
(``tests/test_backends.py`` checks). Keras, scikeras and TensorFlow are
imported inside the functions that need them, so importing this module
(and ``skae``) stays light.

Measured with scikit-learn 1.9, scikeras 0.13.0 (unmaintained), Keras 3.15
and TensorFlow 2.21; each fix has a test in ``tests/test_compat.py`` that
fails if it stops working:

1. scikeras' ``BaseWrapper`` defines ``_more_tags`` but not
   ``__sklearn_tags__``, so ``check_estimator_tags_renamed`` fails and
   ``get_tags`` reports no estimator type: :func:`install_sklearn_tags`.
2. scikeras turns a ``RandomState`` passed as ``random_state`` always into
   seed 0, and 3. its seeding context leaves TensorFlow op determinism on for
   the rest of the process. skae never lets scikeras seed: see
   ``skae._seeding``, which reads and restores Keras' private random state
   through :func:`keras_random_state` / :func:`restore_keras_random_state`.
4. scikeras replaces scikit-learn's ``__repr__`` with a tab dump:
   :func:`sklearn_repr`.
5. ``model.predict`` costs ~44 ms for one row; the inference engine
   (``skae._inference``) calls a compiled forward step instead, which on
   TensorFlow is :func:`tf_forward`, a concrete function traced once.
6. The ``.keras`` format does not save the state of a layer's
   ``keras.random.SeedGenerator`` (``Layer.save_own_variables`` skips it), so
   a reloaded denoising or variational autoencoder would draw its first
   epoch's noise again: :func:`seed_generator_states` and
   :func:`set_seed_generator_states` carry it beside the model.
7. Some Keras losses leave their arguments out of ``get_config``
   (``keras.losses.Huber(delta=0.5)`` comes back with ``delta=1.0``):
   :func:`serialization_loses_arguments` detects it, so ``skae.save``
   refuses such a loss.
8. Keras' public ``save_model``/``load_model`` want a file path; its saving
   library reads and writes file objects: :func:`model_to_bytes` and
   :func:`model_from_bytes` (the estimators' pickle/skops state).
9. Copying a user's model (``keras.models.clone_model``) rebuilds each layer
   from its config, which Keras' safe mode refuses for a ``Lambda`` layer
   even though its code already runs in this process; the public switch,
   ``keras.config.enable_unsafe_deserialization``, is process-wide:
   :func:`unsafe_deserialization_scope` lifts it for one copy only.
10. A loaded model's compiled loss and metrics are unbuilt, and Keras'
    first ``fit`` builds them from a batch it takes from the data: on JAX,
    from the shuffled epoch iterator, which then shuffles again, so a loaded
    model went on training with another order than the original (measured:
    433 of 1,200 codes differed after two more fits, by up to 0.0038).
    :func:`build_compiled_state` builds them from the model's own specs.
11. Keras on TensorFlow makes a ``tf.data`` iterator over in-memory arrays
    for every epoch, and deleting one that tf.data's autotuning thread had
    been tuning blocked about 0.5 s at a random fifth of the
    DenoisingAutoencoder's iterations on 2,000 MNIST images (7 of 30
    measured; none in 40 with autotuning off). :func:`tf_array_batches`
    gives ``Model.fit`` Keras' own dataset of the arrays with autotuning
    off: the same batches, bitwise. (Under a global seed, as in every seeded
    fit, each new iterator draws the first epoch's order again, so every
    epoch sees the same batches in the same order; JAX reshuffles. That is
    kept: see ``tf_array_batches``.)
"""

from __future__ import annotations

import io

from sklearn.base import BaseEstimator, _fit_context
from sklearn.utils._param_validation import (
    HasMethods,
    Interval,
    InvalidParameterError,
    StrOptions,
)
from sklearn.utils.stats import _weighted_percentile
from sklearn.utils.validation import _check_sample_weight

__all__ = [
    "HasMethods",
    "Interval",
    "InvalidParameterError",
    "StrOptions",
    "_check_sample_weight",
    "_fit_context",
    "_weighted_percentile",
    "install_sklearn_tags",
    "keras_random_state",
    "model_from_bytes",
    "model_to_bytes",
    "restore_keras_random_state",
    "seed_generator_states",
    "serialization_loses_arguments",
    "set_keras_seed_source",
    "set_seed_generator_states",
    "set_tf_global_seed",
    "set_tf_threads",
    "sklearn_repr",
    "tf_array_batches",
    "tf_forward",
    "tf_global_seed",
]


# -- 1: scikeras' tags ----------------------------------------------------------
def _base_wrapper_sklearn_tags(self):
    from scikeras.wrappers import BaseWrapper

    tags = super(BaseWrapper, self).__sklearn_tags__()
    legacy = getattr(self, "_tags", {})
    tags.target_tags.multi_output = bool(legacy.get("multioutput", False))
    for estimator_tags in (tags.classifier_tags, tags.regressor_tags):
        if estimator_tags is not None:
            estimator_tags.poor_score = bool(legacy.get("poor_score", False))
    return tags


def install_sklearn_tags():
    """Give ``scikeras.wrappers.BaseWrapper`` a ``__sklearn_tags__``.

    Idempotent, and a no-op once scikeras ships its own.
    """
    from scikeras.wrappers import BaseWrapper

    if "__sklearn_tags__" not in vars(BaseWrapper):
        BaseWrapper.__sklearn_tags__ = _base_wrapper_sklearn_tags


# -- 2, 3: Keras' private random state ----------------------------------------------
def keras_random_state():
    """A snapshot of Keras' global seed and global SeedGenerator, and of the
    module Keras draws default seeds from."""
    from keras.src.backend.common import global_state
    from keras.src.random import seed_generator
    from keras.src.utils import rng_utils

    return (
        rng_utils.get_random_seed(),
        global_state.get_global_attribute(seed_generator.GLOBAL_SEED_GENERATOR),
        seed_generator.python_random,
    )


def restore_keras_random_state(snapshot):
    """Put back a :func:`keras_random_state` snapshot."""
    from keras.src.backend.common import global_state
    from keras.src.random import seed_generator
    from keras.src.utils import rng_utils

    seed, generator, module_random = snapshot
    seed_generator.python_random = module_random
    global_state.set_global_attribute(rng_utils.GLOBAL_RANDOM_SEED, seed)
    global_state.set_global_attribute(seed_generator.GLOBAL_SEED_GENERATOR, generator)


def set_keras_seed_source(python_random):
    """Make Keras draw its default seeds (initializers, SeedGenerators) from
    ``python_random`` (a ``random.Random``) until the next restore."""
    from keras.src.random import seed_generator

    seed_generator.python_random = python_random


def tf_global_seed():
    """``(seed, True)`` with TensorFlow's global seed, or ``(None, False)``
    when TensorFlow is not installed."""
    try:
        from tensorflow.python.eager import context
    except ImportError:
        return None, False
    return context.global_seed(), True


def set_tf_global_seed(seed):
    import tensorflow as tf

    tf.random.set_seed(seed)


# -- 4: scikit-learn's repr -------------------------------------------------------------
def sklearn_repr(estimator, N_CHAR_MAX=700):
    """scikit-learn's ``__repr__`` (scikeras replaces it with a tab dump)."""
    return BaseEstimator.__repr__(estimator, N_CHAR_MAX=N_CHAR_MAX)


# -- 5: TensorFlow's compiled forward step --------------------------------------------
def tf_forward(model):
    """``x -> model(x, training=False)`` as ndarrays, a concrete function
    traced once (no per-call signature lookup: ~0.2 ms a row vs ~0.4 ms for
    ``predict_on_batch``). Several outputs give a list."""
    import keras
    import tensorflow as tf

    spec = tf.TensorSpec([None, *model.inputs[0].shape[1:]], dtype=keras.backend.floatx())
    concrete = tf.function(lambda x: model(x, training=False)).get_concrete_function(spec)
    if len(model.outputs) == 1:
        return lambda x: concrete(tf.convert_to_tensor(x)).numpy()
    return lambda x: [out.numpy() for out in concrete(tf.convert_to_tensor(x))]


def set_tf_threads(n):
    """Size TensorFlow's intra- and inter-op pools; False if TensorFlow has
    already started (its pools are fixed at its first op)."""
    import tensorflow as tf

    try:
        tf.config.threading.set_intra_op_parallelism_threads(n)
        tf.config.threading.set_inter_op_parallelism_threads(n)
    except RuntimeError:
        return False
    return True


# -- 6: SeedGenerator states are not saved ---------------------------------------------
def _seed_generators(model):
    """``(key, generator)`` for every SeedGenerator of the model's layers, in
    a stable order; the key is the layer's path and the generator's index."""
    out = []
    for layer in model._flatten_layers(include_self=True, recursive=True):
        for i, generator in enumerate(getattr(layer, "_seed_generators", ())):
            out.append((f"{layer.path}/{i}", generator))
    return out


def seed_generator_states(model):
    """``{key: state array}`` of every SeedGenerator in ``model``."""
    import keras

    return {
        key: keras.ops.convert_to_numpy(generator.state.value)
        for key, generator in _seed_generators(model)
    }


def set_seed_generator_states(model, states):
    """Restore states from :func:`seed_generator_states` into ``model``.

    The model must have the same seeded layers; a ``ValueError`` otherwise.
    """
    import numpy as np

    generators = dict(_seed_generators(model))
    if set(generators) != set(states):
        raise ValueError(
            f"the model's seed generators {sorted(generators)} do not match the "
            f"saved ones {sorted(states)}"
        )
    for key, state in states.items():
        generators[key].state.assign(np.asarray(state, dtype=generators[key].state.dtype))


# -- 7: loss arguments missing from get_config -----------------------------------------
def serialization_loses_arguments(obj, restored):
    """Whether ``restored`` (``obj`` serialized and deserialized by Keras) lost
    arguments of a function-wrapping loss such as ``Huber(delta=0.5)``."""
    kwargs = getattr(obj, "_fn_kwargs", None)
    return kwargs is not None and kwargs != getattr(restored, "_fn_kwargs", None)


# -- 8: .keras archives in memory ---------------------------------------------------------
def model_to_bytes(model):
    """The model's ``.keras`` archive (config, weights, optimizer state) as bytes."""
    from keras.src.saving import saving_lib

    buffer = io.BytesIO()
    saving_lib.save_model(model, buffer)
    return buffer.getvalue()


def model_from_bytes(data, compile=True):
    """A model from :func:`model_to_bytes`, loaded with ``safe_mode=True``
    (a ``Lambda`` layer or a Python lambda is a ``ValueError``)."""
    from keras.src.saving import saving_lib

    return saving_lib.load_model(io.BytesIO(data), compile=compile, safe_mode=True)


# -- 9: copying a model with a Lambda layer ---------------------------------------------------
def unsafe_deserialization_scope():
    """A context in which Keras deserializes Python lambdas: only for
    copying objects that already live in this process, never for reading
    files."""
    from keras.src.saving.serialization_lib import SafeModeScope

    return SafeModeScope(False)


# -- 10: a loaded model's compiled loss and metrics ------------------------------------
def build_compiled_state(model):
    """Build a compiled ``model``'s loss and metrics from its input and
    output specs (a zero batch of one sample), as its first ``fit`` would
    from a batch of the data; a model with an unknown dimension is left
    to ``fit``."""
    import numpy as np

    build = getattr(model, "_symbolic_build", None)
    if build is None or not getattr(model, "compiled", False):
        return
    specs = (model.inputs[0], model.outputs[0])
    if len(model.inputs) != 1 or any(d is None for t in specs for d in t.shape[1:]):
        return
    build(data_batch=tuple(np.zeros((1, *t.shape[1:]), dtype=t.dtype) for t in specs))


# -- 11: Keras' batches of arrays, without autotuning (TensorFlow) ------------------
def tf_array_batches(x, y, sample_weight, batch_size, shuffle):
    """The dataset ``Model.fit`` makes of in-memory arrays on TensorFlow
    (Keras' own batches in the same order, made under the same seed), with
    tf.data's autotuning off, whose thread is what made dropping an epoch's
    iterator slow, and an iterator cheaper to make.

    Keras' order comes from its own pipeline run over the row numbers
    (``ArrayDataAdapter``: its permutation op, and so its seed, are the
    same whatever the arrays hold). Its batches of row numbers are cached
    and each batch gathered from the arrays. Keras makes a new iterator of
    the dataset for every epoch (it must: the last call of its train
    function in an epoch stops at the data's end), and one of its own
    pipeline (a permutation op, a flat_map) took about 10 ms to make on 2
    cores, one of this one 3 ms (measured: the iterators of Keras' pipeline
    were 176 ms of a 15-iteration DenseAutoencoder fit of 1.3 s on 1,347
    digits).

    Its epochs repeat one order, as Keras' do. A dataset drawing a new
    order each epoch (``shuffle(reshuffle_each_iteration=True)`` of row
    indices) was tried on the 214 rows of ``bench_small_data`` (one run,
    itself a new draw of the order): 14 rows missed a goal against 11, 34
    rows' test error rose and 27 fell by more than 0.005 of PCA-k's; the
    DenoisingAutoencoder stopped sooner (33 iterations against 56 on the
    digits at k=8, 12 against 49 on ``mnist-1000-raw`` at k=32, where its
    denoising went from 0.60x to 0.77x PCA-32's error): the held-out loss
    is noisier from one iteration to the next, and the plateau rule stops
    on it. Not taken without runs over seeds that tell chance from cause.
    """
    import numpy as np
    import tensorflow as tf
    from keras.src.trainers.data_adapters.array_data_adapter import ArrayDataAdapter

    adapter = ArrayDataAdapter(np.arange(len(x)), batch_size=batch_size, shuffle=shuffle)
    # The first epoch's order, kept (Keras' draws it again each epoch); its
    # length told, as Keras reads it from the adapter (unknown, Keras would
    # keep an iterator across epochs and run out of data).
    rows = adapter.get_tf_dataset().take(adapter.num_batches).cache().apply(
        tf.data.experimental.assert_cardinality(adapter.num_batches))
    arrays = (x, y) if sample_weight is None else (x, y, sample_weight)
    batches = tf.data.Dataset.zip((rows, tf.data.Dataset.from_tensors(arrays).repeat()))
    batches = batches.map(
        lambda i, data: tuple(tf.gather(a, i, axis=0) for a in data),
        num_parallel_calls=tf.data.AUTOTUNE,
    )
    options = tf.data.Options()
    options.autotune.enabled = False
    # As Keras' pipeline: no rewriting of a graph built once.
    options.experimental_optimization.apply_default_optimizations = False
    return batches.with_options(options).prefetch(tf.data.AUTOTUNE)
