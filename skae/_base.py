"""The one base class of every skae autoencoder.

``BaseAutoencoder`` puts scikit-learn's transformer contract on top of
``scikeras.wrappers.BaseWrapper``, which does the Keras work (parameter
routing such as ``optimizer__learning_rate``, compiling, callbacks, warm
start, history). A subclass only says how to build its encoder and decoder
(:meth:`BaseAutoencoder._build_encoder_decoder`); validation, fitting,
encoding, decoding, scoring and the pickle/skops state live here.
"""

from __future__ import annotations

import collections
import copyreg
import functools
import inspect
from abc import ABCMeta, abstractmethod
from numbers import Integral

import keras
import numpy as np
from scikeras.wrappers import BaseWrapper
from sklearn.base import ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils import check_array
from sklearn.utils.validation import check_is_fitted, validate_data

from . import _compat
from ._builders import chain, standardized
from ._compat import Interval, _check_sample_weight
from ._inference import compiled_forward, map_batches
from ._init import _init_rows, pca_weights
from ._losses import (
    expects_probabilities,
    per_sample_loss,
    resolve_loss,
    resolve_output_activation,
)
from ._params import ROUTING_PREFIXES, TRAINING_CONSTRAINTS, check_keywords, max_auto_batch
from ._seeding import seed_from_random_state, seeded
from ._threads import limit_threads_from_environment
from ._training import (
    STEPS_PER_EXECUTION,
    HeldOutLoss,
    PlateauStopping,
    auto_batch_size,
    clearly_better,
    conv_multiply_adds,
    cross_validated_choice,
    mean_row_loss,
    min_steps_for_work,
    optimizer_steps,
    plan_training,
    rejoin_rows,
    repeat_rows,
    rows_for_the_rule,
    rule_row_step,
    split_validation,
    steps_per_epoch,
    warmup_schedule,
    warn_not_converged,
)
from ._streaming import (
    RowBatches,
    RowSubset,
    StreamedRows,
    is_streamed,
    refuse_beyond_float32,
)
from ._user_nets import (
    build_net,
    check_serializable,
    copy_model,
    final_activation,
    routed_net_params,
    squeeze_channels,
)

_compat.install_sklearn_tags()

# The state keys that carry the Keras model through pickle and skops: its
# .keras archive (loaded back with safe_mode=True) and the states of its
# SeedGenerators, which the .keras format leaves out (_compat defect 6).
KERAS_MODEL_STATE = "_keras_model"
SEED_STATES_STATE = "_keras_seed_states"
# ... and the parameters that are Keras models, as .keras bytes by name.
NET_PARAMS_STATE = "_keras_net_params"


def net_from_bytes(data):
    """A parameter's Keras model from its ``.keras`` bytes
    (``_compat.model_to_bytes``), in safe mode, without compiling."""
    limit_threads_from_environment()
    return _compat.model_from_bytes(data, compile=False)


def zero_weights(*layers):
    """Set every weight of ``layers`` to zero: where a network joins a path
    started at PCA, so the start is PCA's alone."""
    for layer in layers:
        layer.set_weights([np.zeros_like(w) for w in layer.get_weights()])


def set_init_params(estimator, args):
    """The body of every ``__init__``: store each argument as it is.

    ``args`` is the ``__init__``'s ``locals()``. Nothing is validated here
    (scikit-learn validates in ``fit``); extra keywords are stored too, and
    ``fit`` refuses the ones that are not routed Keras parameters.
    """
    args = dict(args)
    del args["self"]
    kwargs = args.pop("kwargs", {})
    vars(estimator).update(args)
    vars(estimator).update(kwargs)


class BaseAutoencoder(
    ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseWrapper, metaclass=ABCMeta
):
    """Base class for skae autoencoders. Not for direct use.

    Subclasses implement :meth:`_build_encoder_decoder` and an explicit
    ``__init__`` whose body is ``set_init_params(self, locals())``.
    """

    _parameter_constraints: dict = {
        "n_components": [Interval(Integral, 1, None, closed="left")],
        **TRAINING_CONSTRAINTS,
    }

    # scikeras' legacy tags (poor_score, multioutput) describe its
    # classifier/regressor, not a transformer.
    _tags: dict = {}

    # Highest ndim of X accepted; samples of more than one axis (images,
    # sequences) are flattened to rows and reshaped inside the Keras model.
    _max_ndim = 2

    # Prefixes of routed builder parameters, for classes that take networks
    # (``encoder__width=8``; see skae._user_nets).
    _net_prefixes = ()

    # Rows per call of the compiled forward step in transform,
    # inverse_transform and score: bounds memory, independent of len(X).
    _inference_batch_size = 2048

    # Optimizer steps over which learning_rate_init is reached from 0 (see
    # skae._training.warmup_schedule); 0: the rate from the first step.
    _warmup_steps = 0

    # -- what a subclass provides ------------------------------------------
    @abstractmethod
    def _build_encoder_decoder(self, n_features, output_activation):
        """Return ``(encoder, decoder)``, two uncompiled Keras models.

        Both take and give flat rows: the encoder ``(n_features,) -> code``,
        the decoder ``code -> (n_features,)``.
        """

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
        # Estimators that take samples of several axes say so.
        tags.input_tags.three_d_array = self._max_ndim >= 3
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

    @classmethod
    def _init_param_names(cls):
        """The parameters of the explicit ``__init__`` signature."""
        return frozenset(
            name
            for name, p in inspect.signature(cls.__init__).parameters.items()
            if name != "self" and p.kind is not p.VAR_KEYWORD
        )

    def set_params(self, **params):
        """Set the parameters of this estimator.

        Like ``__init__``, stores every keyword as given, routed Keras
        parameters (``optimizer__learning_rate=1e-3``) included; ``fit``
        validates them.

        Parameters
        ----------
        **params : dict
            Estimator parameters.

        Returns
        -------
        self : estimator instance
            Estimator instance.
        """
        for key, value in params.items():
            if key.startswith("_") or key.endswith("_"):
                raise ValueError(
                    f"Invalid parameter {key!r} for estimator {type(self).__name__}: "
                    "names starting or ending with '_' are not parameters."
                )
            setattr(self, key, value)
        return self

    def _validate_params(self):
        check_keywords(self, self._init_param_names(),
                       ROUTING_PREFIXES | set(self._net_prefixes))
        self._check_routed_nets()
        super()._validate_params()

    def __sklearn_clone__(self):
        # Parameters that are Keras models (a user's encoder) are copied with
        # skae._user_nets.copy_model, not deep-copied: deepcopy goes through
        # Keras serialization, which fails on unregistered custom layers.
        # scikit-learn's clone runs on a stand-in without them, so that self
        # is never changed (clones may run in threads).
        models = {k: v for k, v in self.get_params(deep=False).items()
                  if isinstance(v, keras.Model)}
        if not models:
            return super().__sklearn_clone__()
        stand_in = object.__new__(type(self))
        vars(stand_in).update({**vars(self), **dict.fromkeys(models)})
        new = super(BaseAutoencoder, stand_in).__sklearn_clone__()
        vars(new).update({k: copy_model(v) for k, v in models.items()})
        return new

    # -- pickle and skops: plain state, the model as .keras bytes ---------------
    def __getstate__(self):
        """The estimator's state with its Keras model as ``.keras`` bytes.

        Plain Python, NumPy arrays and bytes only, so pickle, ``copy`` and
        skops all read it, and nothing relies on scikeras' global patch of
        ``keras.Model.__reduce__``.
        """
        state = dict(super().__getstate__())  # object's is __dict__ itself
        # The encoder and decoder are layers of model_; callbacks may hold
        # files and writers and are rebuilt by every fit.
        for key in ("model_", "encoder_", "decoder_", "_fit_callbacks", "_predict_callbacks"):
            state.pop(key, None)
        if hasattr(self, "model_"):
            check_serializable(self.model_, f"{type(self).__name__}'s fitted model")
            state[KERAS_MODEL_STATE] = _compat.model_to_bytes(self.model_)
            state[SEED_STATES_STATE] = _compat.seed_generator_states(self.model_)
        # Parameters that are Keras models (a user's encoder) travel as
        # .keras bytes too, loaded back in safe mode.
        nets = {k: v for k, v in self.get_params(deep=False).items()
                if isinstance(v, keras.Model)}
        if nets:
            for key, net in nets.items():
                check_serializable(net, f"{type(self).__name__}'s parameter {key!r}")
                del state[key]
            state[NET_PARAMS_STATE] = {k: _compat.model_to_bytes(v) for k, v in nets.items()}
        return state

    # pickle and copy call __reduce_ex__, which carries the state. skops calls
    # __reduce__ only to see whether the object is constructor-only, then
    # reads __getstate__ itself: object's __reduce__ would serialize the
    # Keras model a second time for nothing (measured: skops.io.dumps of a
    # DenseAutoencoder 137 -> 32 ms).
    def __reduce_ex__(self, protocol):
        return copyreg.__newobj__, (type(self),), self.__getstate__()

    def __reduce__(self):
        return copyreg.__newobj__, (type(self),)

    def __setstate__(self, state):
        """Restore :meth:`__getstate__`'s state, loading the model with
        Keras' ``safe_mode=True`` (a ``Lambda`` layer is a ``ValueError``)."""
        state = dict(state)
        model_bytes = state.pop(KERAS_MODEL_STATE, None)
        seed_states = state.pop(SEED_STATES_STATE, {})
        for key, net_bytes in state.pop(NET_PARAMS_STATE, {}).items():
            state[key] = net_from_bytes(bytes(net_bytes))
        if model_bytes is not None:
            limit_threads_from_environment()
            model = _compat.model_from_bytes(bytes(model_bytes))
            _compat.set_seed_generator_states(model, seed_states)
            _compat.build_compiled_state(model)
            state["model_"] = model
        super().__setstate__(state)
        if model_bytes is not None:
            self._attach_submodels()

    def _attach_submodels(self):
        self.encoder_ = self.model_.get_layer("encoder")
        self.decoder_ = self.model_.get_layer("decoder")

    # -- validation ------------------------------------------------------------
    def _check_X(self, X, *, reset):
        if is_streamed(X):
            return self._check_streamed(X, reset=reset)
        X, sample_shape = _flatten_samples(X, self._max_ndim, type(self).__name__)
        if not reset and sample_shape:
            self._check_sample_shape(sample_shape)
        X = validate_data(
            self,
            X,
            reset=reset,
            dtype=[np.float64, np.float32],
            accept_sparse=False,
        )
        if reset:
            self.sample_shape_ = sample_shape or X.shape[1:]
        refuse_beyond_float32(X)
        return X

    def _check_sample_shape(self, sample_shape):
        """The ValueError for samples of several axes that are not the
        fitted ones (a trailing channel axis of 1 aside)."""
        if len(self.sample_shape_) > 1 and (
            squeeze_channels(sample_shape) != squeeze_channels(self.sample_shape_)
        ):
            raise ValueError(
                f"X has samples of shape {tuple(sample_shape)}, but "
                f"{type(self).__name__} was fitted on samples of shape "
                f"{tuple(self.sample_shape_)}."
            )

    def _check_streamed(self, X, *, reset):
        """A :class:`~skae._streaming.StreamedRows` over X (a memmap, h5py or
        zarr array), checked as scikit-learn checks in-memory data but
        chunk by chunk: fit validates every value once (and learns the range
        the loss rule needs), inference checks each chunk as it reads it."""
        name = type(self).__name__
        shape = tuple(X.shape)
        if len(shape) < 2 or len(shape) > max(self._max_ndim, 2):
            expected = "2" if self._max_ndim <= 2 else f"2 to {self._max_ndim}"
            raise ValueError(
                f"Found array with dim {len(shape)}, while dim in {expected} is "
                f"required by {name}."
            )
        if len(shape) > 2 and not reset:
            self._check_sample_shape(shape[1:])
        rows = StreamedRows(X, self._inference_batch_size)
        if shape[0] < 1 or rows.shape[1] < 1:
            raise ValueError(
                f"Found array with {shape[0]} sample(s) and {rows.shape[1]} feature(s) "
                f"(shape={shape}) while a minimum of 1 is required by {name}."
            )
        if reset:
            rows.validate()  # first: a bad chunk leaves the estimator as it was
            self.n_features_in_ = rows.shape[1]
            self.__dict__.pop("feature_names_in_", None)
            self.sample_shape_ = shape[1:] if len(shape) > 2 else (rows.shape[1],)
            return rows
        if rows.shape[1] != self.n_features_in_:
            raise ValueError(
                f"X has {rows.shape[1]} features, but {name} is expecting "
                f"{self.n_features_in_} features as input."
            )
        return rows

    def _validate_data(self, X=None, y=None, reset=False, y_numeric=False):
        # Called by scikeras; the target of an autoencoder is its input.
        X = self._check_X(X, reset=reset)
        if not isinstance(X, StreamedRows):
            X = X.astype(keras.backend.floatx(), copy=False)
        return X, X

    # -- building ----------------------------------------------------------------
    def _check_model_param(self):
        # scikeras reads a ``model``/``build_fn`` parameter skae does not have.
        return self._keras_build_fn

    def _keras_build_fn(self, compile_kwargs):
        encoder, decoder = self._build_encoder_decoder(
            self.n_features_in_, self.output_activation_
        )
        if self._standardizes():
            encoder, decoder = standardized(encoder, decoder)
        model = self._assemble(encoder, decoder)
        model.compile(**compile_kwargs)
        return model

    def _standardizes(self):
        """Whether the networks work in units of the data's spread (see
        :meth:`_set_data_scale`): where skae builds both of them and the
        output is linear (the reconstruction is in the data's units). A
        user's network sees the data as given; a sigmoid output reads
        values in [0, 1], a unit scale already."""
        own = all(getattr(self, role, None) is None for role in self._net_prefixes)
        linear = keras.activations.get(self.output_activation_) is keras.activations.linear
        return own and linear

    def _get_compile_kwargs(self):
        # scikeras compiles ``self.loss``; skae's "auto" is resolved first.
        # learning_rate_init reaches the optimizer as the routed
        # optimizer__learning_rate scikeras reads, unless that is given.
        loss, self.loss = self.loss, self.loss_
        set_rate = self._sets_the_rate()
        if set_rate:
            self.optimizer__learning_rate = warmup_schedule(
                self.learning_rate_init, self._warmup_steps
            )
        try:
            kwargs = super()._get_compile_kwargs()
        finally:
            self.loss = loss
            if set_rate:
                del self.optimizer__learning_rate
        kwargs.setdefault("steps_per_execution", STEPS_PER_EXECUTION)
        optimizer = kwargs["optimizer"]
        if isinstance(optimizer, keras.optimizers.Optimizer):
            # A Keras optimizer instance binds to one model's variables; a
            # parameter must not be mutated, so each fit gets a fresh copy.
            kwargs["optimizer"] = type(optimizer).from_config(optimizer.get_config())
        return kwargs

    def _sets_the_rate(self):
        """Whether skae gives the optimizer its learning rate (and warmup):
        unless the user routes ``optimizer__learning_rate`` or passes an
        optimizer instance."""
        return not hasattr(self, "optimizer__learning_rate") and not isinstance(
            self.optimizer, keras.optimizers.Optimizer
        )

    def _initialize(self, X, y=None):
        limit_threads_from_environment()  # before TensorFlow's first op
        self._seed = seed_from_random_state(self.random_state)
        self._random_state = None  # scikeras must not seed: see skae._seeding
        X, _ = self._validate_data(X, reset=True)
        self.loss_ = resolve_loss(self.loss, X)
        self.output_activation_ = resolve_output_activation(
            self.output_activation, self.loss_
        )
        self._learn_data(X)
        with seeded(self._seed):
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
        sample is kept in ``sample_shape_``. A ``np.memmap``, h5py or zarr
        array is read a batch at a time, never copied whole (the user
        guide's "Data larger than memory").

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
        # Replaces scikeras' _fit: no target/feature encoders, seeding
        # through skae._seeding.seeded instead of scikeras' leaky context,
        # and the training budget of skae._training. Streamed data (a
        # memmap, h5py, zarr: skae._streaming) is never copied whole: rows
        # are tracked by index and read a batch at a time.
        warm = (warm_start or self.warm_start) and self.initialized_
        if warm:
            X, _ = self._validate_data(X, reset=False)
        else:
            X, _ = self._initialize(X)
        streamed = isinstance(X, StreamedRows)
        if streamed and warm:
            X.validate()  # a bad chunk raises before any training
        if not warm or not hasattr(self, "batch_size_"):  # models saved before 0.2 lack it
            self.batch_size_ = self._resolve_batch_size(X.shape[0])
        rows = np.arange(X.shape[0]) if streamed else None
        if sample_weight is not None:
            _check_sample_weight(sample_weight, X, ensure_non_negative=True)
            if streamed:
                rows, sample_weight = _nonzero_weights(sample_weight, X)
            else:
                X, _, sample_weight = self._validate_sample_weight(X, X, sample_weight)
            sample_weight = sample_weight * (sample_weight.size / sample_weight.sum())
        self._initialize_callbacks()
        # A different seed per continued fit (offset by the optimizer's step
        # count), so partial_fit epochs do not all see the same shuffle.
        steps = optimizer_steps(self.model_)
        seed = None if self._seed is None else self._seed + steps
        def make_plan(n_rows):
            return plan_training(
                n_rows, epochs=epochs, batch_size=self.batch_size_, max_iter=self.max_iter,
                min_steps=self._min_steps_per_iter(),
            )

        n_rows = len(rows) if streamed else X.shape[0]
        holdout = self.early_stopping and epochs == "auto"
        plan = make_plan(n_rows)
        # Rows are held out before they are repeated (Keras' validation_split
        # would take repeats of training rows), then the plan is made again.
        # Held-out rows are read into memory (validation_fraction of them).
        fraction = self.validation_fraction if holdout else self.validation_split
        validation = None
        if fraction and n_rows >= 2 and (holdout or plan.repeats > 1 or streamed):
            if streamed:  # the same split, of row indices; the held-out rows read
                rows, sample_weight, val_rows, w_val = split_validation(
                    rows, sample_weight, fraction, seed)
                X_val = X[val_rows]
            else:
                X, sample_weight, X_val, w_val = split_validation(X, sample_weight, fraction, seed)
            inputs = self._validation_input(X_val, seed)
            validation = (inputs, X_val) if w_val is None else (inputs, X_val, w_val)
            kwargs["validation_split"] = 0.0
            n_rows = len(rows) if streamed else X.shape[0]
            plan = make_plan(n_rows)
        holdout = holdout and validation is not None  # one row: nothing to hold out
        X_train = RowSubset(X, rows) if streamed else X
        keras_batches = False
        if not warm:
            self._set_data_scale(X_train, sample_weight)
            self._initialize_weights(X_train, sample_weight)
        if streamed:
            X_fit = RowBatches(X, rows, sample_weight, plan.batch_size, plan.repeats,
                               shuffle=self.shuffle, seed=seed)
            y_fit = w_fit = None
            # The batches come from the dataset, shuffled by it.
            kwargs.update(batch_size=None, shuffle=False)
        else:
            X_fit, w_fit = repeat_rows(X, sample_weight, plan.repeats)
            y_fit = X_fit
            kwargs["batch_size"] = plan.batch_size
            if not kwargs.get("validation_split", self.validation_split) and not hasattr(
                    self, "fit__steps_per_epoch"):
                # Told, Keras keeps the iterator it makes at the end of an
                # epoch for the next; untold, it makes another and drops
                # the first, whose deletion (TensorFlow) took about 0.5 s
                # at a third of the DenoisingAutoencoder's iterations on
                # 2,000 MNIST images (75.6 s -> 68.5 s; the same weights).
                kwargs["steps_per_epoch"] = steps_per_epoch(len(X_fit), plan.batch_size)
                # On TensorFlow, Keras' own batches with the autotuning of
                # its input pipeline off (see _compat.tf_array_batches).
                keras_batches = keras.backend.backend() == "tensorflow"
        stopper = held_out = None
        keras_validation = validation
        if plan.auto:
            monitor = "val_loss" if holdout else "loss"
            monitored = validation[1] if holdout else X_train  # the targets
            mean = (X.mean_row(rows, sample_weight) if streamed
                    else np.average(X, axis=0, weights=sample_weight))
            baseline = self._mean_row_loss(mean, monitored)
            start = row_losses = None
            if holdout:
                # val_loss is skae's, from the rows' losses the rule needs
                # (HeldOutLoss); Keras validates only for the user's metrics.
                held_out = HeldOutLoss(
                    functools.partial(self._held_out_row_losses, *validation[:2]),
                    validation[2] if len(validation) > 2 else None)
                start = held_out.measure()
                rule_rows = rows_for_the_rule(validation)
                step = rule_row_step(len(validation[1]))
                row_losses = (lambda: held_out.latest[::step])
                if not self.metrics:
                    keras_validation = None
            stopper = PlateauStopping(
                monitor, self.tol, self.n_iter_no_change, baseline, start, row_losses,
                warmup_steps=self._warmup_steps if self._sets_the_rate() else 0)
        last_epoch = _LastEpoch()
        # skae's callbacks that write the logs come first, so the user's see
        # them (val_loss; the VAE's loss in nats); the rule and the record of
        # the last epoch come last.
        log_writers = [held_out] if held_out else []
        if held_out and self.verbose:  # Keras would put its progress bar first
            log_writers.append(keras.callbacks.ProgbarLogger())
        self._fit_callbacks = [
            *self._own_callbacks(), *log_writers,
            *self._fit_callbacks, *([stopper] if stopper else []), last_epoch,
        ]
        try:
            with seeded(seed):
                if keras_batches:  # made here, where Keras would: the same order
                    X_fit = _compat.tf_array_batches(
                        X_fit, y_fit, w_fit, plan.batch_size,
                        kwargs.get("shuffle", getattr(self, "fit__shuffle", self.shuffle)))
                    y_fit = w_fit = None
                    kwargs.update(batch_size=None, shuffle=False)
                if kwargs.get("batch_size") is None and not hasattr(
                        self, "fit__validation_batch_size"):
                    # Keras batches held-out arrays by batch_size, or 32
                    # when the data come batched.
                    kwargs["validation_batch_size"] = plan.batch_size
                self._fit_keras_model(
                    X_fit,
                    y_fit,
                    sample_weight=w_fit,
                    warm_start=warm,
                    epochs=plan.iterations,
                    initial_epoch=initial_epoch,
                    validation_data=keras_validation,
                    **kwargs,
                )
        except KeyboardInterrupt:
            # Ctrl-C: keep a usable model, the weights of the epochs that
            # completed with the lowest loss (with the plateau rule; the
            # standard-error rule is not applied), and the history so far;
            # then let the interrupt go on.
            last_epoch.restore(self, stopper, append=warm and initial_epoch > 0)
            self._record_convergence(plan, None, holdout)
            raise
        self._check_loss_is_finite()
        if holdout and stopper is not None:
            self._prefer_the_start(stopper, rule_rows)
            stopper.forget_the_rows()  # the fitted estimator keeps its callbacks
            held_out.forget_the_rows()
            if not warm and stopper.best_iteration == -1:
                # The start is kept: started again from every row, the
                # held-out ones too, as a search refits its best candidate.
                parts = ((rows, sample_weight, val_rows, w_val) if streamed
                         else (X, sample_weight, X_val, w_val))
                self._keep_the_start(*rejoin_rows(
                    *parts, fraction, seed, streamed=X if streamed else None))
        self._record_convergence(plan, stopper, holdout)

    def _prefer_the_start(self, stopper, rule_rows):
        """Put the starting weights back unless choosing by held-out loss
        beats them by more than a standard error, each held-out row judged
        by the iteration the other rows choose
        (:func:`skae._training.cross_validated_choice`,
        :func:`skae._training.clearly_better`)."""
        if stopper.start_weights is None or stopper.best_iteration in (None, -1):
            return
        _, _, *weights = rule_rows
        weights = weights[0] if weights else None
        history = stopper.row_loss_history
        if not clearly_better(cross_validated_choice(history, weights), history[0], weights):
            stopper.keep_the_start()

    def _held_out_row_losses(self, inputs, targets):
        """The reconstruction loss of each held-out row (``inputs``: what the
        model reads of them, ``targets``: the rows), as ``score_samples``
        measures it."""
        reconstructions = self._map_batches(compiled_forward(self.model_), inputs, np.float32)
        return self._row_loss()(targets, reconstructions)

    def _mean_row_loss(self, mean, X_monitor):
        """The monitored loss of an autoencoder that reconstructs every row
        by ``mean``: the plateau rule's scale (:func:`mean_row_loss`)."""
        return mean_row_loss(per_sample_loss(self.model_.loss), mean, X_monitor)

    def _validation_input(self, X_val, seed):
        """What the model reads of the held-out rows (their targets are the
        rows themselves): the rows, unless a family trains on altered input."""
        return X_val

    def _start_linear_paths_at_pca(self, X, sample_weight, joining):
        """Start the encoder's and the decoder's ``"linear"`` layers (paths
        beside a non-linear network) as PCA's projection and reconstruction,
        and the layers named in ``joining`` (``(encoder's, decoder's)``, where
        the network joins the paths) at zero: the start is PCA's alone."""
        encode = self.encoder_.get_layer("linear")
        decode = self.decoder_.get_layer("linear")
        X, sample_weight = self._graph_rows(X, sample_weight)
        start = pca_weights(
            X, sample_weight, self.n_components_,
            self.output_activation_, [encode.get_weights(), decode.get_weights()],
            seed=self._seed, shift=False,
        )
        encode.set_weights(list(start.layers[0]))
        decode.set_weights(list(start.layers[1]))
        zero_weights(self.encoder_.get_layer(joining[0]), self.decoder_.get_layer(joining[1]))

    def _set_data_scale(self, X, sample_weight):
        """Set the ``"scale_in"`` and ``"scale_out"`` layers (a model that
        :meth:`_standardizes`) to the mean and the standard deviation of
        every value of (at most MAX_INIT_ROWS of) the training rows, rounded.

        The weights then learn in units of the data's spread whatever its
        units, as Adam's steps have the learning rate's size in any units.
        Measured on 1,000 MNIST images, DeepAutoencoder(loss="mse") reached
        0.93x PCA-32's test error on the images / 255 and 1.00x (PCA's
        start, never beaten) on them as loaded (0-255) without the layers,
        0.94x and 0.93x with them; with 8 numbers on the images as loaded,
        the Deep, Conv and variational autoencoders went from 1.00x, 1.00x
        and 0.90x PCA-8's error to 0.81x, 0.88x and 0.77x. One number for
        every feature, not one per feature: PCA's solution is the same in
        both units, so the PCA starts stay exact, and the loss (in the
        data's units) is unchanged. The statistics are rounded
        (:func:`rounded_statistics`), so that standardised features and
        z-normalised series pass unchanged.
        """
        scale_in, scale_out = self._scale_layers()
        if scale_in is None:
            return
        rows, weights = self._start_rows(X, sample_weight)
        weights = np.ones(len(rows)) if weights is None else np.asarray(weights, np.float64)
        mean = np.average(rows.mean(axis=1), weights=weights)
        std = np.sqrt(np.average(((rows - mean) ** 2).mean(axis=1), weights=weights))
        shift, scale = rounded_statistics(mean, std)
        for layer in (scale_in, scale_out):
            layer.set_statistics(shift, scale)

    def _scale_layers(self):
        """The encoder's ``"scale_in"`` and the decoder's ``"scale_out"``
        layers, or ``(None, None)`` (a model without them)."""
        try:
            return self.encoder_.get_layer("scale_in"), self.decoder_.get_layer("scale_out")
        except ValueError:
            return None, None

    def _start_rows(self, X, sample_weight):
        """(At most MAX_INIT_ROWS of) the training rows, flat and float64,
        and their weights: what a start is computed from."""
        X, sample_weight = _init_rows(X, sample_weight, self._seed)
        return np.asarray(X, np.float64).reshape(len(X), -1), sample_weight

    def _graph_rows(self, X, sample_weight):
        """:meth:`_start_rows` in the units the networks work in
        (``"scale_in"``'s output)."""
        X, sample_weight = self._start_rows(X, sample_weight)
        scale_in, _ = self._scale_layers()
        if scale_in is not None:
            shift, scale = (float(keras.ops.convert_to_numpy(v.value))
                            for v in (scale_in.shift, scale_in.scale))
            X = (X - shift) / scale
        return X, sample_weight

    def _user_net(self, role, n_components):
        """The network the ``encoder`` or ``decoder`` parameter stands for
        (a copy of an instance, or what its builder returns): see
        :mod:`skae._user_nets`."""
        shape = tuple(self.sample_shape_)
        return build_net(getattr(self, role), role, routed_net_params(self, role),
                         type(self).__name__, input_shape=shape, output_shape=shape,
                         n_components=n_components)

    def _check_routed_nets(self):
        """A TypeError for ``<role>__name`` parameters with no network to take them."""
        for role in self._net_prefixes:
            routed = routed_net_params(self, role)
            if routed and getattr(self, role) is None:
                raise TypeError(
                    f"{type(self).__name__} got {sorted(role + '__' + k for k in routed)}, "
                    f"but {role}=None: routed {role} parameters go to a {role} builder "
                    f"(a callable passed as {role}=)."
                )

    def _user_decoder_activation(self, net):
        """What follows a user's decoder: ``output_activation_``, unless
        ``output_activation="auto"`` and the decoder's output layer applies
        an activation of its own (a sigmoid, say), which is then kept and
        recorded in ``output_activation_``."""
        own = final_activation(net)
        if own is not None and isinstance(self.output_activation, str) and (
            self.output_activation == "auto"
        ):
            self.output_activation_ = own
            return "linear"
        return self.output_activation_

    def _initialize_weights(self, X, sample_weight):
        """Set initial weights from the training rows (after the holdout);
        a new model keeps Keras' random ones unless a family overrides this."""

    def _keep_the_start(self, X, sample_weight):
        """The start was kept: take it again from ``X``, every training row."""
        self._initialize_weights(X, sample_weight)

    def _min_steps_per_iter(self):
        """Optimizer steps an ``epochs="auto"`` iteration has at least (small
        data repeat within it): 128, fewer for costly convolutions (the
        DenoisingAutoencoder's on large images, or a user's): see
        :func:`skae._training.min_steps_for_work`."""
        return min_steps_for_work(self.batch_size_ * conv_multiply_adds(self.model_))

    def _resolve_batch_size(self, n_samples):
        if self.batch_size == "auto":
            return auto_batch_size(n_samples, max_auto_batch(type(self).__name__))
        return 32 if self.batch_size is None else int(self.batch_size)

    def _record_convergence(self, plan, stopper, holdout):
        """Set ``n_iter_``, ``loss_curve_`` and the best losses, as
        scikit-learn's MLP does; warn if the budget ended first."""
        history = self.history_
        self.loss_curve_ = [float(v) for v in history["loss"]]
        self.n_iter_ = len(self.loss_curve_)
        self.validation_scores_ = (
            [-float(v) for v in history["val_loss"]] if "val_loss" in history else None
        )
        self.best_loss_ = None if holdout or not self.loss_curve_ else min(self.loss_curve_)
        self.best_validation_score_ = (
            max(self.validation_scores_) if self.validation_scores_ else None
        )
        if holdout and stopper is not None and np.isfinite(stopper.lowest):
            # The kept model's: the best iteration's, or the start's.
            self.best_validation_score_ = -stopper.lowest
        if stopper is not None and not stopper.converged and not self.model_.stop_training:
            warn_not_converged(type(self).__name__, plan.iterations)

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
                "(learning_rate_init)."
            )

    def _own_callbacks(self):
        """skae's callbacks of every fit, run before the user's (``_fit``)."""
        # Stop at the end of the first epoch whose loss is not finite; the
        # fit then raises (see _check_loss_is_finite) instead of keeping NaNs.
        return [_StopOnNonFiniteLoss()]

    # -- inference ---------------------------------------------------------------
    def _map_batches(self, fn, X, out_dtype, out=None):
        """``fn`` over chunks of X (see :func:`skae._inference.map_batches`)."""
        return map_batches(fn, X, out_dtype, self._inference_batch_size, out=out)

    def transform(self, X, *, out=None):
        """Encode X.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, d1, d2[, d3])
            Samples to encode. A ``np.memmap``, h5py or zarr array is read
            a chunk at a time, never copied whole.
        out : ndarray of shape (n_samples, n_components), default=None
            Where to write the codes (for codes larger than memory, a
            ``np.memmap``); it is returned. None allocates them.

        Returns
        -------
        codes : ndarray of shape (n_samples, n_components)
            The codes, in X's float dtype (float64 for integer input).
        """
        check_is_fitted(self)
        X = self._check_X(X, reset=False)
        return self._map_batches(self._encode_fn(), X, X.dtype, out=out)

    def _encode_fn(self):
        """The chunk function of transform: float32 rows -> codes."""
        return compiled_forward(self.encoder_)

    def inverse_transform(self, X, *, out=None):
        """Decode codes back to the input space.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_components)
            Codes, e.g. from :meth:`transform`.
        out : ndarray of shape (n_samples, n_features) or (n_samples, d1, d2[, d3]), default=None
            Where to write the reconstructions (for results larger than
            memory, a ``np.memmap``); it is returned. None allocates them.

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
        if out is not None and tuple(out.shape[1:]) not in (
            tuple(self.sample_shape_), (self.n_features_in_,)
        ):
            raise ValueError(
                f"out has shape {tuple(out.shape)}: its samples must have the shape "
                f"{tuple(self.sample_shape_)} or ({self.n_features_in_},)."
            )
        recon = self._map_batches(compiled_forward(self.decoder_), codes, codes.dtype, out=out)
        return out if out is not None else recon.reshape((recon.shape[0], *self.sample_shape_))

    def score_samples(self, X):
        """Negative reconstruction loss of each sample (higher is better).

        The loss is ``loss_`` averaged over features; regularization
        penalties (such as the sparse autoencoder's L1) are not included.
        With binary cross-entropy, defined for values in [0, 1] only, a
        value outside costs the most a value inside can (``-log(1e-7)``,
        16.1 nats) plus its distance to [0, 1], so data out of the training
        range never score as more normal than the data themselves.

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
        loss = self._row_loss()
        predict = compiled_forward(self.model_)
        return self._map_batches(lambda x: -loss(x, predict(x)), X, np.float64)

    def _row_loss(self):
        """``(x, reconstruction) -> loss of each row``: ``loss_`` averaged
        over features, out-of-range values costed (see ``score_samples``)."""
        return per_sample_loss(self.model_.loss, expects_probabilities(self.loss_))

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


def rounded_statistics(mean, std):
    """``(shift, scale)`` for :meth:`BaseAutoencoder._set_data_scale`:
    ``std`` rounded to the nearest power of two, and ``mean`` to the
    nearest multiple of a sixteenth of that. Conditioning needs only the
    order of the spread (within a factor of sqrt(2) here), and a power of
    two divides exactly in floating point: data already standardised
    (``|mean| < 1/32``, ``std`` within sqrt(2) of 1) gets exactly 0 and 1,
    and trains bit for bit as without the layers. (Measured unrounded,
    the training rows' statistics, a little off 0 and 1 after the held-out
    rows are split off, moved 4 of the benchmark's 40 rows on standardised
    tables by chance, two each way: 0.89x -> 1.00x and 0.94x -> 1.00x PCA's
    test error, 0.93x -> 0.91x and 0.12x -> 0.04x.) Constant data gets 1."""
    if not (np.isfinite(std) and std > 0):
        return (float(mean) if np.isfinite(mean) else 0.0), 1.0
    scale = float(2.0 ** np.round(np.log2(std)))
    return float(np.round(16.0 * mean / scale) * scale / 16.0), scale


def _nonzero_weights(sample_weight, X):
    """``(rows, weights)`` of the rows with a non-zero weight, as scikeras
    drops zero-weight rows from in-memory data (by index: X is streamed)."""
    sample_weight = _check_sample_weight(
        sample_weight, X, dtype=np.dtype(keras.backend.floatx()))
    if np.all(sample_weight == 0):
        raise ValueError(
            "No training samples had any weight; only zeros were passed in "
            "sample_weight. That means there's nothing to train on by definition, "
            "so training can not be completed."
        )
    rows = np.flatnonzero(sample_weight)
    return rows, sample_weight[rows]


class _LastEpoch(keras.callbacks.Callback):
    """The weights and logs of the last completed epoch, for a fit that a
    ``KeyboardInterrupt`` (Ctrl-C) stops between two epochs' ends."""

    def __init__(self):
        super().__init__()
        self.weights, self.logs = None, []

    def on_train_begin(self, logs=None):
        self.weights = self.model.get_weights()

    def on_epoch_end(self, epoch, logs=None):
        self.weights = self.model.get_weights()
        self.logs.append(dict(logs or {}))

    def restore(self, estimator, stopper, append):
        """Put back the weights (the optimizer keeps its state) and the
        history (``append``: to the earlier fits', as partial_fit does)."""
        best = getattr(stopper, "best_weights", None)
        weights = best if best is not None else self.weights
        if weights is not None:
            estimator.model_.set_weights(weights)
        history = (
            estimator.history_ if append and hasattr(estimator, "history_")
            else collections.defaultdict(list)
        )
        for logs in self.logs:
            for key, value in logs.items():
                history[key].append(value)
        history.setdefault("loss", [])
        estimator.history_ = history


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


def check_layer_sizes(sizes, name, *, allow_empty=True):
    """``sizes`` as a tuple of positive ints, or the ValueError users see."""
    sizes = tuple(sizes)
    if (not sizes and not allow_empty) or not all(
        isinstance(s, Integral) and s > 0 for s in sizes
    ):
        kind = "a non-empty" if not allow_empty else "a"
        raise ValueError(f"{name} must be {kind} sequence of positive ints, got {sizes!r}.")
    return sizes
