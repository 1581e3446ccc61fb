"""The one base class of every skae autoencoder.

``BaseAutoencoder`` puts scikit-learn's transformer contract on top of
``scikeras.wrappers.BaseWrapper``, which does the Keras work (parameter
routing such as ``optimizer__learning_rate``, compiling, callbacks, warm
start, history). A subclass only says how to build its encoder and decoder
(:meth:`BaseAutoencoder._build_encoder_decoder`); validation, fitting,
encoding, decoding and scoring live here.
"""

from __future__ import annotations

from numbers import Integral, Real

import keras
import numpy as np
from scikeras.wrappers import BaseWrapper
from sklearn.base import ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils import check_array
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import (
    _check_sample_weight,
    check_is_fitted,
    validate_data,
)

from . import _compat
from ._builders import chain
from ._losses import per_sample_loss, resolve_loss, resolve_output_activation

_compat.install_sklearn_tags()

_FLOAT32_MAX = float(np.finfo(np.float32).max)

# Inference chunks are padded to a multiple of this many rows (see
# BaseAutoencoder._map_batches); _inference_batch_size is a multiple of it.
_ROW_BLOCK = 16

# Shared parameter docs, appended to each estimator's own (numpydoc wants
# every parameter listed on every class).
KERAS_PARAMS_DOC = """\
output_activation : str or callable, default="auto"
        Activation of the decoder's last layer. "auto" gives "sigmoid" when
        the loss is binary cross-entropy and "linear" otherwise.
    loss : str, callable or keras.losses.Loss, default="auto"
        Reconstruction loss. "auto" picks "binary_crossentropy" when all
        training values lie in [0, 1] (pixel intensities, min-max scaled
        data) and "mse" otherwise (e.g. standardized features). Any Keras
        loss works; a class can take routed parameters (``loss__delta=2``).
    optimizer : str, keras.optimizers.Optimizer or class, default="adam"
        Keras optimizer. Routed parameters configure it, e.g.
        ``optimizer__learning_rate=1e-3``.
    metrics : list or None, default=None
        Extra Keras metrics to record in ``history_`` during fit.
    epochs : int, default=50
        Passes over the training data per ``fit``.
    batch_size : int or None, default=256
        Samples per gradient update (Keras' default of 32 when None).
    validation_split : float, default=0.0
        Fraction of the training data held out to compute ``val_loss``
        (for ``keras.callbacks.EarlyStopping``, for instance).
    shuffle : bool, default=True
        Shuffle the training data before each epoch.
    callbacks : list of keras.callbacks.Callback or None, default=None
        Keras callbacks for fit, e.g. ``keras.callbacks.TensorBoard``.
    verbose : int, default=0
        Keras' fit verbosity: 0 silent, 1 progress bar, 2 a line per epoch.
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialization and shuffling (and noise, where a model
        has any). An int gives the same model on every fit; a RandomState
        instance is drawn from, as in scikit-learn. The seeding is scoped to
        the fit: the process' seeds are restored afterwards (so seeded fits
        must not run in threads of one process at once; joblib's default
        uses processes). Bitwise reproducibility holds on CPU; GPUs may need
        TensorFlow's op determinism too.
    warm_start : bool, default=False
        When True, ``fit`` keeps training the current model instead of
        building a new one (parameters that shape or compile the model take
        effect at the next fit without warm start).
    **kwargs : dict
        Routed Keras parameters only, in scikeras' ``<prefix>__<name>``
        form with prefix one of ``optimizer``, ``loss``, ``metrics``,
        ``callbacks``, ``compile`` or ``fit``. Any other keyword is a
        ``TypeError``."""

KERAS_ATTRIBUTES_DOC = """\
model_ : keras.Model
        The end-to-end autoencoder, ``decoder_(encoder_(x))``.
    encoder_ : keras.Model
        Maps samples to codes; shares its weights with ``model_``.
    decoder_ : keras.Model
        Maps codes to reconstructions; shares its weights with ``model_``.
    n_components_ : int
        Width of the code (the number of output features of ``transform``).
    loss_ : str, callable or keras.losses.Loss
        The loss the model was compiled with (``loss`` with "auto" resolved).
    output_activation_ : str or callable
        The decoder's last activation (``output_activation`` resolved).
    history_ : dict of str to list of float
        Per-epoch Keras history (``loss``, ``val_loss``, metrics).
    sample_shape_ : tuple of int
        Shape of one training sample as given to fit, e.g. ``(784,)`` or
        ``(28, 28)``; ``inverse_transform`` returns samples of this shape.
    n_features_in_ : int
        Number of features seen during fit (values per sample).
    feature_names_in_ : ndarray of shape (n_features_in,)
        Names of features seen during fit, when X has string column names."""


class BaseAutoencoder(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseWrapper):
    """Base class for skae autoencoders. Not for direct use.

    Subclasses implement :meth:`_build_encoder_decoder`.
    """

    _parameter_constraints: dict = {
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "output_activation": [str, callable],
        "loss": [str, callable, keras.losses.Loss],
        "optimizer": [str, type, keras.optimizers.Optimizer],
        "metrics": [list, tuple, dict, None],
        "epochs": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left"), None],
        "validation_split": [Interval(Real, 0, 1, closed="left")],
        "shuffle": ["boolean", StrOptions({"batch"})],
        "callbacks": [list, tuple, dict, keras.callbacks.Callback, None],
        "verbose": ["verbose"],
        "random_state": ["random_state"],
        "warm_start": ["boolean"],
    }

    # Routed-parameter prefixes set_params accepts: the same as __init__.
    _routing_prefixes = _compat.ROUTING_PREFIXES

    # scikeras' legacy tags (poor_score, multioutput) describe its
    # classifier/regressor, not a transformer.
    _tags: dict = {}

    # Highest ndim of X accepted; samples of more than one axis (images,
    # sequences) are flattened to rows and reshaped inside the Keras model.
    _max_ndim = 2

    # Rows per call of the compiled forward step in transform,
    # inverse_transform and score: bounds memory, independent of len(X).
    _inference_batch_size = 2048

    def __init__(
        self,
        n_components,
        *,
        output_activation,
        loss,
        optimizer,
        metrics,
        epochs,
        batch_size,
        validation_split,
        shuffle,
        callbacks,
        verbose,
        random_state,
        warm_start,
        **kwargs,
    ):
        _compat.check_routed_kwargs(self, kwargs)
        self.n_components = n_components
        self.output_activation = output_activation
        self.loss = loss
        self.optimizer = optimizer
        self.metrics = metrics
        self.epochs = epochs
        self.batch_size = batch_size
        self.validation_split = validation_split
        self.shuffle = shuffle
        self.callbacks = callbacks
        self.verbose = verbose
        self.random_state = random_state
        self.warm_start = warm_start
        vars(self).update(kwargs)

    # -- what a subclass provides ------------------------------------------
    def _build_encoder_decoder(self, n_features, output_activation):
        """Return ``(encoder, decoder)``, two uncompiled Keras models.

        Both take and give flat rows: the encoder ``(n_features,) -> code``,
        the decoder ``code -> (n_features,)``.
        """
        raise NotImplementedError

    def _learn_data(self, X):
        """Learn what the graph needs from the validated training data.

        Called by fit before building; X is float32 of shape
        (n_samples, n_features). Sets fitted attributes only.
        """

    def _assemble(self, encoder, decoder):
        """The end-to-end training model from the encoder and decoder."""
        return chain(encoder, decoder)

    # -- scikit-learn plumbing -----------------------------------------------
    __repr__ = _compat.sklearn_repr

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = False
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags

    def __sklearn_is_fitted__(self):
        # The model is what makes it fitted; a diverged fit removes it but
        # keeps history_ for diagnosis.
        return hasattr(self, "model_")

    @property
    def _n_features_out(self):
        return self.n_components_

    @property
    def predict(self):
        # BaseWrapper.predict would make scikit-learn treat an autoencoder as
        # a predictor; hide it (hasattr(est, "predict") is False).
        raise AttributeError(
            f"{type(self).__name__} has no predict: use transform to encode "
            "and inverse_transform to decode."
        )

    def __getstate__(self):
        state = dict(super().__getstate__())  # object's is __dict__ itself
        # scikeras pickles each keras.Model on its own, which would give the
        # encoder and decoder their own weight copies: keep only model_ and
        # recover the other two from it. Callbacks may hold files/writers.
        for key in ("encoder_", "decoder_", "_fit_callbacks", "_predict_callbacks"):
            state.pop(key, None)
        return state

    def __setstate__(self, state):
        super().__setstate__(state)
        if "model_" in state:
            self._attach_submodels()

    def _attach_submodels(self):
        self.encoder_ = self.model_.get_layer("encoder")
        self.decoder_ = self.model_.get_layer("decoder")

    # -- validation ------------------------------------------------------------
    def _check_X(self, X, *, reset):
        X, sample_shape = _flatten_samples(X, self._max_ndim, type(self).__name__)
        if not reset and sample_shape and len(self.sample_shape_) > 1:
            if _squeeze_channels(sample_shape) != _squeeze_channels(self.sample_shape_):
                raise ValueError(
                    f"X has samples of shape {tuple(sample_shape)}, but "
                    f"{type(self).__name__} was fitted on samples of shape "
                    f"{tuple(self.sample_shape_)}."
                )
        X = validate_data(
            self,
            X,
            reset=reset,
            dtype=[np.float64, np.float32],
            accept_sparse=False,
        )
        if reset:
            self.sample_shape_ = sample_shape or X.shape[1:]
        if X.dtype == np.float64 and X.size and max(X.max(), -X.min()) > _FLOAT32_MAX:
            raise ValueError(
                "Input X contains values too large for float32, the precision "
                "Keras computes in; scale X first (e.g. StandardScaler)."
            )
        return X

    def _validate_data(self, X=None, y=None, reset=False, y_numeric=False):
        # Called by scikeras; the target of an autoencoder is its input.
        X = self._check_X(X, reset=reset).astype(keras.backend.floatx(), copy=False)
        return X, X

    # -- building ----------------------------------------------------------------
    def _check_model_param(self):
        # scikeras reads a ``model``/``build_fn`` parameter skae does not have.
        return self._keras_build_fn

    def _keras_build_fn(self, compile_kwargs):
        encoder, decoder = self._build_encoder_decoder(
            self.n_features_in_, self.output_activation_
        )
        model = self._assemble(encoder, decoder)
        model.compile(**compile_kwargs)
        return model

    def _get_compile_kwargs(self):
        # scikeras compiles ``self.loss``; skae's "auto" is resolved first.
        loss, self.loss = self.loss, self.loss_
        try:
            kwargs = super()._get_compile_kwargs()
        finally:
            self.loss = loss
        optimizer = kwargs["optimizer"]
        if isinstance(optimizer, keras.optimizers.Optimizer):
            # A Keras optimizer instance binds to one model's variables; a
            # parameter must not be mutated, so each fit gets a fresh copy.
            kwargs["optimizer"] = type(optimizer).from_config(optimizer.get_config())
        return kwargs

    def _initialize(self, X, y=None):
        self._seed = _compat.seed_from_random_state(self.random_state)
        self._random_state = None  # scikeras must not seed: see _compat
        X, _ = self._validate_data(X, reset=True)
        self.loss_ = resolve_loss(self.loss, X)
        self.output_activation_ = resolve_output_activation(
            self.output_activation, self.loss_
        )
        self._learn_data(X)
        with _compat.seeded(self._seed):
            self.model_ = self._build_keras_model()
        self._attach_submodels()
        # The code is the encoder's (first) output.
        self.n_components_ = int(np.prod(self.encoder_.outputs[0].shape[1:]))
        if hasattr(self, "history_"):
            del self.history_
        return X, X

    # -- fitting -------------------------------------------------------------------
    def fit(self, X, y=None, sample_weight=None):
        """Fit the autoencoder to reconstruct X.

        Image and sequence models also take samples with several axes
        (``(n, h, w[, c])``, ``(n, timesteps, features)``); the shape of one
        sample is kept in ``sample_shape_``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, d1, d2[, d3])
            Training data.
        y : None
            Ignored.
        sample_weight : array-like of shape (n_samples,), default=None
            Per-sample weights of the reconstruction loss. They are rescaled
            to mean 1, so only their ratios matter; zero-weight samples are
            dropped.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        self._validate_params()
        return super().fit(X, None, sample_weight=sample_weight)

    def partial_fit(self, X, y=None, sample_weight=None):
        """Train for one epoch on X, keeping the current model if fitted.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, d1, d2[, d3])
            Training data.
        y : None
            Ignored.
        sample_weight : array-like of shape (n_samples,), default=None
            Per-sample weights, as in :meth:`fit`.

        Returns
        -------
        self : object
            The updated estimator.
        """
        self._validate_params()
        return super().partial_fit(X, None, sample_weight=sample_weight)

    def _fit(self, X, y, sample_weight, warm_start, epochs, initial_epoch, **kwargs):
        # Replaces scikeras' _fit: no target/feature encoders, and seeding
        # through _compat.seeded instead of scikeras' leaky context.
        warm = (warm_start or self.warm_start) and self.initialized_
        if warm:
            X, _ = self._validate_data(X, reset=False)
        else:
            X, _ = self._initialize(X)
        if sample_weight is not None:
            _check_sample_weight(sample_weight, X, ensure_non_negative=True)
            X, _, sample_weight = self._validate_sample_weight(X, X, sample_weight)
            sample_weight = sample_weight * (sample_weight.size / sample_weight.sum())
        self._initialize_callbacks()
        # A different seed per continued fit (offset by the optimizer's step
        # count), so partial_fit epochs do not all see the same shuffle.
        steps = int(keras.ops.convert_to_numpy(self.model_.optimizer.iterations))
        seed = None if self._seed is None else self._seed + steps
        with _compat.seeded(seed):
            self._fit_keras_model(
                X,
                X,
                sample_weight=sample_weight,
                warm_start=warm,
                epochs=epochs,
                initial_epoch=initial_epoch,
                **kwargs,
            )
        self._check_loss_is_finite()

    def _check_loss_is_finite(self):
        losses = np.asarray(self.history_.get("loss", []), dtype=float)
        bad = np.flatnonzero(~np.isfinite(losses))
        if bad.size:
            for attr in ("model_", "encoder_", "decoder_", "n_components_"):
                self.__dict__.pop(attr, None)
            raise ValueError(
                f"{type(self).__name__} diverged: the training loss became "
                f"{losses[bad[0]]} at epoch {bad[0] + 1}. Scale X (e.g. with "
                "StandardScaler) or lower the learning rate "
                "(optimizer__learning_rate)."
            )

    def _initialize_callbacks(self):
        super()._initialize_callbacks()
        # Stop at the end of the first epoch whose loss is not finite; the
        # fit then raises (see _check_loss_is_finite) instead of keeping NaNs.
        self._fit_callbacks = [*self._fit_callbacks, _StopOnNonFiniteLoss()]

    # -- inference ---------------------------------------------------------------
    def _map_batches(self, fn, X, out_dtype):
        """Apply ``fn`` to fixed-size float32 chunks of X and stack the results.

        ``fn`` calls the compiled forward step directly (never
        ``Model.predict``): no per-call data adapter, deterministic, safe to
        call from several threads, memory bounded by the chunk size.
        """
        floatx = keras.backend.floatx()
        step = self._inference_batch_size
        parts = []
        for start in range(0, X.shape[0], step):
            chunk = X[start : start + step].astype(floatx, copy=False)
            n_rows = chunk.shape[0]
            # Pad to whole blocks of rows: matrix kernels treat a ragged tail
            # of rows differently (a float32 ulp apart), so without padding a
            # row's code could depend on how many rows came with it.
            padded = -(-n_rows // _ROW_BLOCK) * _ROW_BLOCK
            if padded != n_rows:
                pad = np.zeros((padded - n_rows, *chunk.shape[1:]), dtype=floatx)
                chunk = np.concatenate([chunk, pad])
            parts.append(np.asarray(fn(chunk))[:n_rows])
        out = parts[0] if len(parts) == 1 else np.concatenate(parts)
        return out.astype(out_dtype, copy=False)

    def transform(self, X):
        """Encode X.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, d1, d2[, d3])
            Samples to encode.

        Returns
        -------
        codes : ndarray of shape (n_samples, n_components)
            The codes, in X's float dtype (float64 for integer input).
        """
        check_is_fitted(self)
        X = self._check_X(X, reset=False)
        return self._map_batches(self._encode_fn(), X, X.dtype)

    def _encode_fn(self):
        """The chunk function of transform: float32 rows -> codes."""
        return _compat.compiled_forward(self.encoder_)

    def inverse_transform(self, X):
        """Decode codes back to the input space.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_components)
            Codes, e.g. from :meth:`transform`.

        Returns
        -------
        X_reconstructed : ndarray of shape (n_samples, n_features) or (n_samples, d1, d2[, d3])
            Reconstructions in the training data's layout and the codes'
            float dtype.
        """
        check_is_fitted(self)
        codes = check_array(
            X, dtype=[np.float64, np.float32], input_name="X", estimator=self
        )
        if codes.shape[1] != self.n_components_:
            raise ValueError(
                f"X has {codes.shape[1]} features, but {type(self).__name__}"
                f".inverse_transform is expecting {self.n_components_} features "
                "(n_components_) as input."
            )
        recon = self._map_batches(
            _compat.compiled_forward(self.decoder_), codes, codes.dtype
        )
        return recon.reshape((recon.shape[0], *self.sample_shape_))

    def score_samples(self, X):
        """Negative reconstruction loss of each sample (higher is better).

        The loss is ``loss_`` averaged over features; regularization
        penalties (such as the sparse autoencoder's L1) are not included.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, d1, d2[, d3])
            Samples to score.

        Returns
        -------
        scores : ndarray of shape (n_samples,)
            ``-loss(x, reconstruction(x))`` per sample.
        """
        check_is_fitted(self)
        X = self._check_X(X, reset=False)
        loss = per_sample_loss(self.model_.loss)
        predict = _compat.compiled_forward(self.model_)
        return -self._map_batches(lambda x: loss(x, predict(x)), X, np.float64)

    def score(self, X, y=None, sample_weight=None):
        """Negative mean reconstruction loss on X (higher is better).

        Equal to ``np.average(score_samples(X), weights=sample_weight)``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, d1, d2[, d3])
            Samples to score.
        y : None
            Ignored.
        sample_weight : array-like of shape (n_samples,), default=None
            Per-sample weights.

        Returns
        -------
        score : float
            Minus the (weighted) mean reconstruction loss.
        """
        scores = self.score_samples(X)
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, scores)
        return float(np.average(scores, weights=sample_weight))


class _StopOnNonFiniteLoss(keras.callbacks.Callback):
    """Stop training after an epoch whose loss is NaN or infinite.

    Checked per epoch, not per batch: a per-batch hook would force a device
    sync on every step and slow every fit down.
    """

    def on_epoch_end(self, epoch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and not np.isfinite(loss):
            self.model.stop_training = True


def _flatten_samples(X, max_ndim, name):
    """Rows of flat samples from an array of samples with several axes.

    Returns ``(X, sample_shape)``; ``sample_shape`` is None when X is left as
    it is (2-D input, sparse matrices, DataFrames: validate_data's job).
    """
    if max_ndim <= 2:
        return X, None
    ndim = getattr(X, "ndim", None)
    if ndim is None and isinstance(X, (list, tuple)):
        X = np.asarray(X)
        ndim = X.ndim
    if ndim is None or ndim <= 2:
        return X, None
    if ndim > max_ndim:
        raise ValueError(
            f"Found array with dim {ndim}, while dim <= {max_ndim} is required "
            f"by {name}."
        )
    X = np.asarray(X)
    return X.reshape(X.shape[0], int(np.prod(X.shape[1:]))), X.shape[1:]


def _squeeze_channels(shape):
    """``shape`` without trailing 1s: (28, 28, 1) and (28, 28) are one layout."""
    shape = tuple(shape)
    while len(shape) > 1 and shape[-1] == 1:
        shape = shape[:-1]
    return shape


def check_layer_sizes(sizes, name, *, allow_empty=True):
    """``sizes`` as a tuple of positive ints, or the ValueError users see."""
    sizes = tuple(sizes)
    if (not sizes and not allow_empty) or not all(
        isinstance(s, Integral) and s > 0 for s in sizes
    ):
        kind = "a non-empty" if not allow_empty else "a"
        raise ValueError(f"{name} must be {kind} sequence of positive ints, got {sizes!r}.")
    return sizes
