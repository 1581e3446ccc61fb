"""Pure functions that build Keras graphs with the functional API.

Each builder takes plain numbers and strings and returns a new, uncompiled
``keras.Model``; none reads estimator state and none uses backend-specific
code, so every Keras backend can run them.
"""

from __future__ import annotations

import keras


def dense_encoder(
    n_features,
    n_components,
    hidden_layer_sizes=(),
    activation="relu",
    activity_l1=0.0,
    name="encoder",
):
    """``n_features -> hidden... -> n_components`` Dense stack.

    ``activity_l1 > 0`` puts an L1 activity penalty on the code (the
    tutorial's sparse autoencoder).
    """
    inputs = keras.Input(shape=(n_features,), name="x")
    h = inputs
    for i, units in enumerate(hidden_layer_sizes):
        h = keras.layers.Dense(units, activation=activation, name=f"hidden_{i}")(h)
    regularizer = keras.regularizers.L1(activity_l1) if activity_l1 else None
    code = keras.layers.Dense(
        n_components,
        activation=activation,
        activity_regularizer=regularizer,
        name="code",
    )(h)
    return keras.Model(inputs, code, name=name)


def dense_decoder(
    n_components,
    n_features,
    hidden_layer_sizes=(),
    activation="relu",
    output_activation="sigmoid",
    name="decoder",
):
    """``n_components -> hidden... -> n_features``; mirror ``hidden_layer_sizes``
    of the encoder by passing them reversed."""
    code = keras.Input(shape=(n_components,), name="code")
    h = code
    for i, units in enumerate(hidden_layer_sizes):
        h = keras.layers.Dense(units, activation=activation, name=f"hidden_{i}")(h)
    outputs = keras.layers.Dense(
        n_features, activation=output_activation, name="reconstruction"
    )(h)
    return keras.Model(code, outputs, name=name)


def chain(encoder, decoder, name="autoencoder"):
    """The end-to-end model ``decoder(encoder(x))``.

    The encoder and decoder are nested as layers, so they share weights with
    it and can be recovered from it by name after a save/load round trip.
    """
    inputs = keras.Input(shape=encoder.input_shape[1:], name="input")
    return keras.Model(inputs, decoder(encoder(inputs)), name=name)
