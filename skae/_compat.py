"""Every workaround for scikeras 0.13 and for Keras backends, in one place.

scikeras 0.13.0 is unmaintained. Measured with scikit-learn 1.9, Keras 3.15 and
TensorFlow 2.21, it has these defects; each is fixed here and each fix has a
test in ``tests/test_compat.py`` that fails if the fix stops working:

1. ``BaseWrapper`` defines ``_more_tags`` but not ``__sklearn_tags__``, so
   ``check_estimator_tags_renamed`` fails and ``get_tags`` reports no estimator
   type. Fixed by :func:`install_sklearn_tags` (a ``__sklearn_tags__`` on
   ``BaseWrapper`` itself, since that check inspects every class of the MRO).
2. A ``numpy.random.RandomState`` passed as ``random_state`` always becomes
   seed 0 (``r.randint(low=1)`` can only return 0). Fixed by
   :func:`seed_from_random_state`.
3. Its seeding context (``tensorflow_random_state``) leaves TensorFlow op
   determinism switched on for the rest of the process, after which any
   unseeded random op fails with "Random ops require a seed ...". skae never
   lets scikeras seed: :func:`seeded` sets and restores the Python, NumPy,
   Keras and backend seeds and touches nothing else.
4. Any keyword is accepted by ``__init__`` (``epoch=5`` is silently stored).
   Fixed by :func:`check_routed_kwargs`: only routed ``prefix__name`` keywords
   pass, anything else is the ``TypeError`` Python itself would give.
5. ``model.predict`` costs ~44 ms for one row (it builds a data adapter,
   callbacks and a progress bar per call). skae never calls it: the base runs
   :func:`compiled_forward` on fixed-size chunks. On TensorFlow that is a
   concrete function traced once per model (no per-call signature lookup:
   ~0.2 ms a row vs ~0.4 ms for ``predict_on_batch``); on JAX one jitted
   ``stateless_call`` per model (~0.06 vs ~0.13 ms for a 16-row chunk);
   elsewhere Keras' own compiled ``predict_on_batch``.

Backends: nothing outside this module may use TensorFlow
(``tests/test_backends.py`` checks); seeding and inference work on every
Keras backend, and :func:`limit_threads_from_environment` sizes
TensorFlow's thread pools in joblib/Dask workers.

And two Keras defects:

6. The ``.keras`` format does not save the state of a layer's
   ``keras.random.SeedGenerator`` (``Layer.save_own_variables`` skips it), so
   a loaded denoising or variational autoencoder would draw the noise of its
   first epoch again when training continues. :func:`seed_generator_states`
   and :func:`set_seed_generator_states` carry it beside the model (used by
   ``skae.save``/``skae.load``).
7. Some Keras losses leave their arguments out of ``get_config``
   (``keras.losses.Huber(delta=0.5)`` comes back with ``delta=1.0``), in
   ``.keras`` files as anywhere else. :func:`serialization_loses_arguments`
   detects it, so ``skae.save`` refuses such a loss instead of saving a
   model that would score differently once loaded.
"""

from __future__ import annotations

import numbers
import os
import random
import threading
import weakref
from contextlib import contextmanager

import keras
import numpy as np
from scikeras.wrappers import BaseWrapper
from sklearn.base import BaseEstimator
from sklearn.utils import check_random_state

__all__ = [
    "ROUTING_PREFIXES",
    "check_routed_kwargs",
    "compiled_forward",
    "install_sklearn_tags",
    "limit_threads_from_environment",
    "seed_from_random_state",
    "seed_generator_states",
    "seeded",
    "serialization_loses_arguments",
    "set_seed_generator_states",
]

# Routed keyword prefixes skae accepts (scikeras' syntax, e.g.
# ``optimizer__learning_rate=1e-3``). ``model__`` and ``predict__`` are left
# out: skae builds its own graphs and never calls ``Model.predict``.
ROUTING_PREFIXES = frozenset(
    {"optimizer", "loss", "metrics", "callbacks", "compile", "fit"}
)


# -- defect 1: tags ---------------------------------------------------------
def _base_wrapper_sklearn_tags(self):
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
    if "__sklearn_tags__" not in vars(BaseWrapper):
        BaseWrapper.__sklearn_tags__ = _base_wrapper_sklearn_tags


# -- defect 2: RandomState instances ----------------------------------------
def seed_from_random_state(random_state):
    """Turn a scikit-learn ``random_state`` into an int seed, or None.

    An int is used as is. A ``RandomState`` instance is drawn from (and so
    advanced), as scikit-learn's own estimators do: two fits with the same
    instance differ, two fits with equal fresh instances agree.
    """
    if random_state is None:
        return None
    if isinstance(random_state, numbers.Integral) and not isinstance(
        random_state, bool
    ):
        return int(random_state)
    return int(check_random_state(random_state).randint(np.iinfo(np.int32).max))


# -- defect 3: seeding without side effects ----------------------------------
def _tf_global_seed():
    try:
        from tensorflow.python.eager import context
    except ImportError:  # no TensorFlow: nothing to save
        return None, False
    return context.global_seed(), True


@contextmanager
def seeded(seed):
    """Seed Python, NumPy, Keras and the backend for the ``with`` block.

    Everything is restored afterwards, so seeding one estimator never changes
    the randomness (or the determinism settings) of the rest of the process.
    ``seed=None`` does nothing.
    """
    if seed is None:
        yield
        return
    # Keras keeps its global seed and SeedGenerator in private state; saving
    # and restoring them is what makes this context side-effect free.
    from keras.src.backend.common import global_state
    from keras.src.random import seed_generator
    from keras.src.utils import rng_utils

    py_state = random.getstate()
    np_state = np.random.get_state()
    keras_seed = rng_utils.get_random_seed()
    keras_generator = global_state.get_global_attribute(
        seed_generator.GLOBAL_SEED_GENERATOR
    )
    tf_seed, has_tf = _tf_global_seed()
    torch_state = None
    if keras.backend.backend() == "torch":
        import torch

        torch_state = torch.random.get_rng_state()
    keras.utils.set_random_seed(seed)
    # Keras draws every default seed (initializers, SeedGenerators) from the
    # process-wide ``random`` module, which other threads also draw from: in
    # a Dask worker the event-loop thread does, so seeded grids gave
    # different scores on every run (measured: -0.6946/-0.6955 vs -0.6846).
    # A private generator for the block makes the draws this fit's own.
    module_random = seed_generator.python_random
    seed_generator.python_random = random.Random(seed)
    try:
        yield
    finally:
        seed_generator.python_random = module_random
        random.setstate(py_state)
        np.random.set_state(np_state)
        global_state.set_global_attribute(rng_utils.GLOBAL_RANDOM_SEED, keras_seed)
        global_state.set_global_attribute(
            seed_generator.GLOBAL_SEED_GENERATOR, keras_generator
        )
        if has_tf:
            import tensorflow as tf

            tf.random.set_seed(tf_seed)
        if torch_state is not None:
            import torch

            torch.random.set_rng_state(torch_state)


# -- defect 4: misspelled keywords ------------------------------------------
def check_routed_kwargs(estimator, kwargs):
    """Raise the ``TypeError`` Python gives for an unknown keyword.

    ``kwargs`` may only hold routed parameters such as
    ``optimizer__learning_rate``; ``epoch=5`` (for ``epochs``) is refused.
    """
    name = type(estimator).__name__
    for key in kwargs:
        prefix, sep, rest = key.partition("__")
        if not sep or not rest or prefix not in ROUTING_PREFIXES:
            raise TypeError(
                f"{name}.__init__() got an unexpected keyword argument {key!r}"
                + (
                    f" (routed parameters start with one of "
                    f"{sorted(ROUTING_PREFIXES)} and '__')"
                    if sep
                    else ""
                )
            )


def sklearn_repr(estimator, N_CHAR_MAX=700):
    """scikit-learn's ``__repr__`` (scikeras replaces it with a tab dump)."""
    return BaseEstimator.__repr__(estimator, N_CHAR_MAX=N_CHAR_MAX)


# -- defect 5: fast inference ----------------------------------------------------
_forward_cache = weakref.WeakKeyDictionary()
_forward_lock = threading.Lock()


def compiled_forward(model):
    """A function ``x (float32 ndarray) -> model(x) as ndarray``, inference mode.

    A model with several outputs gives a list of arrays.

    Compiled once per model and cached beside it (weakly: it goes with the
    model), so estimators stay picklable and their ``__dict__`` unchanged.
    """
    with _forward_lock:
        forward = _forward_cache.get(model)
        if forward is None:
            forward = _forward_cache[model] = _compile_forward(model)
    return forward


def _compile_forward(model):
    backend = keras.backend.backend()
    if backend == "jax":
        return _jax_forward(model)
    if backend != "tensorflow":
        # A weak reference: a bound method would keep its cache key alive.
        model_ref = weakref.ref(model)
        return lambda x: model_ref().predict_on_batch(x)
    import tensorflow as tf

    spec = tf.TensorSpec(
        [None, *model.inputs[0].shape[1:]], dtype=keras.backend.floatx()
    )
    concrete = tf.function(lambda x: model(x, training=False)).get_concrete_function(
        spec
    )
    if len(model.outputs) == 1:
        return lambda x: concrete(tf.convert_to_tensor(x)).numpy()
    return lambda x: [out.numpy() for out in concrete(tf.convert_to_tensor(x))]


def _jax_forward(model):
    # One jitted pure function of (weights, x) per model: XLA compiles it
    # once per chunk shape (chunks are whole blocks of 16 rows, so a handful
    # of shapes) and reads the current weights on every call, so it stays
    # right after partial_fit. It skips predict_on_batch's per-call step
    # wrapping (measured ~2x faster on a 16-row chunk). The weak reference
    # keeps the cache entry from holding its own key alive.
    import jax

    model_ref = weakref.ref(model)

    @jax.jit
    def step(trainable, non_trainable, x):
        outputs, _ = model_ref().stateless_call(
            trainable, non_trainable, x, training=False
        )
        return outputs

    def forward(x):
        m = model_ref()
        outputs = step(
            [v.value for v in m.trainable_variables],
            [v.value for v in m.non_trainable_variables],
            x,
        )
        if isinstance(outputs, (list, tuple)):
            return [np.asarray(out) for out in outputs]
        return np.asarray(outputs)

    return forward


# -- threads in parallel workers ------------------------------------------------
_THREAD_ENV = "OMP_NUM_THREADS"


def limit_threads_from_environment():
    """Size TensorFlow's thread pools from ``OMP_NUM_THREADS`` when it is set.

    joblib's loky workers (``n_jobs=k``: ``cpu_count // k`` threads each) and
    Dask's nanny workers (1) set ``OMP_NUM_THREADS``; NumPy's BLAS obeys it
    but TensorFlow sizes its intra- and inter-op pools from the core count,
    so k workers would each run one thread per core. When the variable is
    set and neither ``TF_NUM_INTRAOP_THREADS`` nor ``TF_NUM_INTEROP_THREADS``
    is, both TensorFlow pools get that many threads. It only works before
    TensorFlow runs its first op (it is called when skae is imported); after
    that TensorFlow's configuration is left as it is. Other backends are not
    touched: JAX/XLA on CPU sizes its own pool and has no such setting.

    Returns the number of threads set, or None.
    """
    value = os.environ.get(_THREAD_ENV, "")
    if (
        keras.backend.backend() != "tensorflow"
        or not value.isdigit()
        or int(value) < 1
        or "TF_NUM_INTRAOP_THREADS" in os.environ
        or "TF_NUM_INTEROP_THREADS" in os.environ
    ):
        return None
    import tensorflow as tf

    n = int(value)
    try:
        tf.config.threading.set_intra_op_parallelism_threads(n)
        tf.config.threading.set_inter_op_parallelism_threads(n)
    except RuntimeError:  # TensorFlow already running: keep its settings
        return None
    return n


# -- defect 6: SeedGenerator states are not saved ---------------------------------
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
    return {
        key: keras.ops.convert_to_numpy(generator.state.value)
        for key, generator in _seed_generators(model)
    }


def set_seed_generator_states(model, states):
    """Restore states from :func:`seed_generator_states` into ``model``.

    The model must have the same seeded layers; a ``ValueError`` otherwise.
    """
    generators = dict(_seed_generators(model))
    if set(generators) != set(states):
        raise ValueError(
            f"the model's seed generators {sorted(generators)} do not match the "
            f"saved ones {sorted(states)}"
        )
    for key, state in states.items():
        generators[key].state.assign(np.asarray(state, dtype=generators[key].state.dtype))


# -- defect 7: loss arguments missing from get_config -----------------------------
def serialization_loses_arguments(obj, restored):
    """Whether ``restored`` (``obj`` serialized and deserialized by Keras) lost
    arguments of a function-wrapping loss such as ``Huber(delta=0.5)``."""
    kwargs = getattr(obj, "_fn_kwargs", None)
    return kwargs is not None and kwargs != getattr(restored, "_fn_kwargs", None)
