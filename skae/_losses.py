"""The loss/output rule and per-sample reconstruction losses.

The rule (``loss="auto"``, ``output_activation="auto"``):

* training data entirely inside [0, 1] (pixel intensities, min-max scaled
  features) -> sigmoid output and binary cross-entropy, as in the tutorial;
* anything else (standardized tabular features) -> linear output and mean
  squared error.

An explicit ``loss`` is kept as given; with ``output_activation="auto"`` it
gets a sigmoid output if it compares probabilities (binary cross-entropy or
binary focal cross-entropy, not built with ``from_logits=True``) and a
linear one otherwise. Both are overridable on every estimator.
"""

from __future__ import annotations

import keras
import numpy as np

# Losses that compare probabilities: with "auto" they get a sigmoid output.
_PROBABILITY_LOSS_NAMES = frozenset(
    {"binary_crossentropy", "bce", "binary_focal_crossentropy"}
)
_PROBABILITY_LOSS_FUNCTIONS = (
    keras.losses.binary_crossentropy,
    keras.losses.binary_focal_crossentropy,
)
_PROBABILITY_LOSS_CLASSES = (
    keras.losses.BinaryCrossentropy,
    keras.losses.BinaryFocalCrossentropy,
)


def data_in_unit_interval(X):
    """Whether every value of ``X`` lies in [0, 1]."""
    return bool(X.size) and float(np.min(X)) >= 0.0 and float(np.max(X)) <= 1.0


def resolve_loss(loss, X):
    """The loss to compile: ``loss`` itself, or the rule's choice for "auto"."""
    if isinstance(loss, str) and loss == "auto":
        return "binary_crossentropy" if data_in_unit_interval(X) else "mse"
    return loss


def expects_probabilities(loss):
    """Whether ``loss`` (name, function, class or instance) wants outputs in
    [0, 1]: binary cross-entropy and its focal variant, unless an instance
    was built with ``from_logits=True``."""
    if isinstance(loss, str):
        return loss.lower() in _PROBABILITY_LOSS_NAMES
    if isinstance(loss, type):
        return issubclass(loss, _PROBABILITY_LOSS_CLASSES)
    if isinstance(loss, _PROBABILITY_LOSS_CLASSES):
        return not loss.get_config().get("from_logits", False)
    return any(loss is fn for fn in _PROBABILITY_LOSS_FUNCTIONS)


_SQUARED_ERROR_NAMES = frozenset({"mse", "mean_squared_error"})


def is_squared_error(loss):
    """Whether ``loss`` (name, function, class or instance) is the mean
    squared error: a Gaussian decoder's negative log-likelihood, up to its
    variance."""
    if isinstance(loss, str):
        return loss.lower() in _SQUARED_ERROR_NAMES
    if isinstance(loss, type):
        return issubclass(loss, keras.losses.MeanSquaredError)
    if isinstance(loss, keras.losses.MeanSquaredError):
        return True
    return loss is keras.losses.mean_squared_error


def resolve_output_activation(output_activation, loss):
    """The decoder's last activation: as given, or the rule's for "auto"."""
    if isinstance(output_activation, str) and output_activation == "auto":
        return "sigmoid" if expects_probabilities(loss) else "linear"
    return output_activation


def out_of_range_cost():
    """What a value outside [0, 1] costs a probability loss, before its
    distance to the interval: ``-log(epsilon)``, the largest binary
    cross-entropy a value inside can have (Keras clips predictions to
    ``[epsilon, 1 - epsilon]``; 16.1 nats for the default 1e-7)."""
    return float(-np.log(keras.config.epsilon()))


def per_sample_loss(loss, unit_interval=False):
    """A function ``(y_true, y_pred) -> (n_samples,)`` for a compiled loss.

    ``loss`` is what ``Model.compile`` received: a name, a function or a
    ``keras.losses.Loss`` instance, called unreduced. Whatever it leaves
    beyond the sample axis is averaged, so every loss gives one number per
    sample.

    ``unit_interval`` says the loss compares probabilities (binary
    cross-entropy): it is defined for targets in [0, 1] only, and extended
    linearly beyond, it rewards them (a pixel of 1.5 reconstructed as 1 has
    a negative loss; measured on digits: ``score(1.5 * X)`` -0.200 against
    ``score(X)`` -0.338). Such a value has no probability under the model,
    so it costs the most any value inside can (:func:`out_of_range_cost`)
    plus its distance to [0, 1]; the loss of the rest is unchanged.
    """
    if isinstance(loss, keras.losses.Loss):
        fn = loss.call  # unreduced: one value per sample (and step/pixel)
    else:
        fn = keras.losses.get(loss)
    # SummedOverFeatures (the VAE's ELBO term) sums over features: so do its costs.
    summed = isinstance(loss, SummedOverFeatures)

    def loss_per_sample(y_true, y_pred):
        y_true = np.asarray(y_true)
        excess = None
        if unit_interval:
            inside = np.clip(y_true, 0.0, 1.0)
            distance = np.abs(y_true - inside)
            if distance.any():
                excess = np.where(distance > 0, out_of_range_cost() + distance, 0.0)
                y_true = inside
        values = keras.ops.convert_to_numpy(fn(y_true, y_pred))
        values = values.reshape(values.shape[0], -1).mean(axis=1)
        if excess is not None:
            excess = excess.reshape(excess.shape[0], -1)
            values = values + (excess.sum(axis=1) if summed else excess.mean(axis=1))
        return values

    return loss_per_sample


@keras.saving.register_keras_serializable(package="skae")
class SummedOverFeatures(keras.losses.Loss):
    """An elementwise Keras loss summed (not averaged) over the features.

    For losses that average an elementwise term over the last axis (binary
    cross-entropy, MSE, MAE, Huber): the mean times the number of features.
    Binary cross-entropy summed over pixels is ``-log p(x | z)`` of a
    Bernoulli decoder, in nats: the reconstruction term of an ELBO.
    """

    def __init__(self, loss="binary_crossentropy", name="summed_over_features", **kwargs):
        super().__init__(name=name, **kwargs)
        self.loss = keras.losses.get(loss)

    def call(self, y_true, y_pred):
        # A Loss instance reduces when called; its call() does not.
        fn = self.loss.call if isinstance(self.loss, keras.losses.Loss) else self.loss
        per_feature_mean = fn(y_true, y_pred)
        n_features = keras.ops.cast(keras.ops.shape(y_true)[-1], per_feature_mean.dtype)
        return per_feature_mean * n_features

    def get_config(self):
        return {**super().get_config(), "loss": keras.losses.serialize(self.loss)}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["loss"] = keras.losses.deserialize(config["loss"])
        return cls(**config)


@keras.saving.register_keras_serializable(package="skae")
class ReconstructionTerm(keras.metrics.MeanMetricWrapper):
    """The mean of a loss summed over features (:class:`SummedOverFeatures`):
    the VAE logs its ELBO's reconstruction term as ``reconstruction`` (and
    ``val_reconstruction``), apart from the KL term in ``loss``."""

    def __init__(self, loss="binary_crossentropy", name="reconstruction", dtype=None):
        self._summed = SummedOverFeatures(loss)
        super().__init__(fn=self._summed.call, name=name, dtype=dtype)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype,
                "loss": keras.losses.serialize(self._summed.loss)}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["loss"] = keras.losses.deserialize(config["loss"])
        return cls(**config)
