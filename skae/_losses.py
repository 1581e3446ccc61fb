"""The loss/output rule and per-sample reconstruction losses.

The rule (``loss="auto"``, ``output_activation="auto"``):

* training data entirely inside [0, 1] (pixel intensities, min-max scaled
  features) -> sigmoid output and binary cross-entropy, as in the tutorial;
* anything else (standardized tabular features) -> linear output and mean
  squared error.

An explicit ``loss`` is kept as given; with ``output_activation="auto"`` it
gets a sigmoid output if it is binary cross-entropy and a linear one
otherwise. Both are overridable on every estimator.
"""

from __future__ import annotations

import keras
import numpy as np

_BCE_NAMES = frozenset({"binary_crossentropy", "bce"})


def data_in_unit_interval(X):
    """Whether every value of ``X`` lies in [0, 1]."""
    return bool(X.size) and float(np.min(X)) >= 0.0 and float(np.max(X)) <= 1.0


def resolve_loss(loss, X):
    """The loss to compile: ``loss`` itself, or the rule's choice for "auto"."""
    if isinstance(loss, str) and loss == "auto":
        return "binary_crossentropy" if data_in_unit_interval(X) else "mse"
    return loss


def is_binary_crossentropy(loss):
    """Whether ``loss`` (string, class, instance or function) is BCE."""
    if isinstance(loss, str):
        return loss in _BCE_NAMES
    if loss is keras.losses.binary_crossentropy:
        return True
    if isinstance(loss, type):
        return issubclass(loss, keras.losses.BinaryCrossentropy)
    return isinstance(loss, keras.losses.BinaryCrossentropy)


def resolve_output_activation(output_activation, loss):
    """The decoder's last activation: as given, or the rule's for "auto"."""
    if isinstance(output_activation, str) and output_activation == "auto":
        return "sigmoid" if is_binary_crossentropy(loss) else "linear"
    return output_activation


def per_sample_loss(loss):
    """A function ``(y_true, y_pred) -> (n_samples,)`` for a compiled loss.

    ``loss`` is what ``Model.compile`` received: a name, a function or a
    ``keras.losses.Loss`` instance. Every Keras loss averages over the last
    axis; anything left beyond the sample axis is averaged too, so images and
    sequences also get one number per sample.
    """
    if isinstance(loss, keras.losses.Loss):
        fn = loss.call  # unreduced: one value per sample (and step/pixel)
    else:
        fn = keras.losses.get(loss)

    def loss_per_sample(y_true, y_pred):
        values = keras.ops.convert_to_numpy(fn(y_true, y_pred))
        values = values.reshape(values.shape[0], -1)
        return values.mean(axis=1)

    return loss_per_sample


@keras.saving.register_keras_serializable(package="skae")
class SummedOverFeatures(keras.losses.Loss):
    """A per-feature Keras loss summed (not averaged) over the features.

    The reconstruction term of an ELBO in nats: binary cross-entropy summed
    over pixels is ``-log p(x | z)`` for a Bernoulli decoder.
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
