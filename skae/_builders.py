"""Pure functions that build Keras graphs with the functional API.

Each builder takes plain numbers and strings and returns a new, uncompiled
``keras.Model``; none reads estimator state and none uses backend-specific
code, so every Keras backend can run them.
"""

from __future__ import annotations

import math

import keras

from ._layers import GlobalStandardization
from ._user_nets import check_decoder_output, squeeze_channels


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
    linear_path=False,
    name="decoder",
):
    """``n_components -> hidden... -> n_features``; mirror ``hidden_layer_sizes``
    of the encoder by passing them reversed. ``linear_path`` adds a linear
    map of the code (``"linear"``) before the output activation."""
    code = keras.Input(shape=(n_components,), name="code")
    h = code
    for i, units in enumerate(hidden_layer_sizes):
        h = keras.layers.Dense(units, activation=activation, name=f"hidden_{i}")(h)
    if not linear_path:
        outputs = keras.layers.Dense(
            n_features, activation=output_activation, name="reconstruction"
        )(h)
        return keras.Model(code, outputs, name=name)
    h = keras.layers.Dense(n_features, name="reconstruction")(h)
    linear = keras.layers.Dense(n_features, name="linear")(code)
    h = keras.layers.Add(name="sum")([h, linear])
    outputs = keras.layers.Activation(output_activation, name="output")(h)
    return keras.Model(code, outputs, name=name)


def chain(encoder, decoder, corruption=None, name="autoencoder"):
    """The end-to-end model ``decoder(encoder(corruption(x)))``.

    The encoder and decoder are nested as layers, so they share weights with
    it and can be recovered from it by name after a save/load round trip.
    ``corruption`` is a layer applied to the input first (the denoiser's
    training noise; it must be the identity at inference).
    """
    inputs = keras.Input(shape=encoder.input_shape[1:], name="input")
    x = inputs if corruption is None else corruption(inputs)
    return keras.Model(inputs, decoder(encoder(x)), name=name)


def standardized(encoder, decoder):
    """``(encoder, decoder)`` that work inside in units of the data's spread:
    the encoder's rows first go through ``(x - shift) / scale``
    (``"scale_in"``), the decoder's output through ``x * scale + shift``
    (``"scale_out"``), two :class:`skae._layers.GlobalStandardization`
    layers. The models stay flat (each layer found by name, as before) and
    share their layers with the ones given.
    """
    inputs = keras.Input(shape=encoder.input_shape[1:], name=encoder.inputs[0].name)
    x = GlobalStandardization(name="scale_in")(inputs)
    # Functional.call re-runs the graph's layers on x, so they join this
    # model's graph instead of nesting as one "encoder" layer.
    encoder = keras.Model(inputs, encoder.call(x), name=encoder.name)
    code = keras.Input(shape=decoder.input_shape[1:], name=decoder.inputs[0].name)
    outputs = GlobalStandardization(inverse=True, name="scale_out")(decoder.call(code))
    return encoder, keras.Model(code, outputs, name=decoder.name)


def pooled_shape(image_shape, n_pool):
    """Spatial shape after ``n_pool`` 2x2 max-poolings with "same" padding."""
    h, w = image_shape[:2]
    for _ in range(n_pool):
        h, w = -(-h // 2), -(-w // 2)
    return h, w


def n_poolings(image_shape, n_layers):
    """How many of ``n_layers`` convolutions a 2x2 pooling follows: while
    each side of the map is 1 (a strip) or at least 4, so no side is pooled
    below 2. 28x28 MNIST takes the tutorial's three (28-14-7-4); 8x8 digits
    two (8-4-2: a third, to 1x1, left one number per filter and measured
    1.43x PCA-8's test error on digits)."""
    h, w = image_shape[:2]
    n = 0
    while n < n_layers and all(side == 1 or side >= 4 for side in (h, w)) and (h, w) != (1, 1):
        h, w = -(-h // 2), -(-w // 2)
        n += 1
    return n


def conv_encoder(
    image_shape,
    filters,
    kernel_size=3,
    activation="relu",
    n_components=None,
    name="encoder",
):
    """Conv2D + MaxPooling2D stack over flat input; code = the flattened map.

    The input is a flat vector of ``h * w * c`` pixels (rows of a 2-D
    table), reshaped inside the model. Pooling pads ("same"), so any image
    size works: 28x28 with three poolings gives a (4, 4, filters[-1]) map;
    small images pool fewer times (:func:`n_poolings`).
    ``n_components`` adds a bottleneck of that size: a linear map of the
    feature map plus a linear map of the image (``"linear"``, the decoder's
    mirror), so the convolutions add what a linear (PCA-like) code cannot.
    """
    h, w, c = image_shape
    n_pool = n_poolings(image_shape, len(filters))
    inputs = keras.Input(shape=(h * w * c,), name="x")
    x = keras.layers.Reshape((h, w, c), name="image")(inputs)
    for i, n_filters in enumerate(filters):
        x = keras.layers.Conv2D(
            n_filters, kernel_size, activation=activation, padding="same", name=f"conv_{i}"
        )(x)
        if i < n_pool:
            x = keras.layers.MaxPooling2D(2, padding="same", name=f"pool_{i}")(x)
    x = keras.layers.Flatten(name="code_map")(x)
    if n_components:
        x = keras.layers.Dense(n_components, name="from_conv")(x)
        linear = keras.layers.Dense(n_components, name="linear")(inputs)
        x = keras.layers.Add(name="code")([x, linear])
    return keras.Model(inputs, x, name=name)


def conv_decoder(
    image_shape,
    filters,
    kernel_size=3,
    activation="relu",
    output_activation="sigmoid",
    n_components=None,
    name="decoder",
):
    """Mirror of :func:`conv_encoder`: Conv2D + UpSampling2D, cropped back.

    ``filters`` are the encoder's; the decoder uses them reversed, then one
    Conv2D to the ``c`` output channels, crops the upsampled map to
    ``(h, w)`` and flattens it to match the input. With ``n_components``
    (a bottleneck), a linear map from the code to the image is added before
    the output activation.
    """
    h, w, c = image_shape
    n_pool = n_poolings(image_shape, len(filters))
    ph, pw = pooled_shape(image_shape, n_pool)
    map_shape = (ph, pw, filters[-1])
    map_size = ph * pw * filters[-1]
    inputs = keras.Input(shape=(n_components or map_size,), name="code")
    x = inputs
    if n_components:
        x = keras.layers.Dense(map_size, activation=activation, name="expand")(x)
    x = keras.layers.Reshape(map_shape, name="code_map")(x)
    for i, n_filters in enumerate(reversed(filters)):
        x = keras.layers.Conv2D(
            n_filters, kernel_size, activation=activation, padding="same", name=f"conv_{i}"
        )(x)
        if len(filters) - 1 - i < n_pool:  # mirrors the encoder's poolings
            x = keras.layers.UpSampling2D(2, name=f"upsample_{i}")(x)
    x = keras.layers.Conv2D(
        c, kernel_size, activation=None if n_components else output_activation,
        padding="same", name="reconstruction",
    )(x)
    extra_h, extra_w = ph * 2**n_pool - h, pw * 2**n_pool - w
    if extra_h or extra_w:
        x = keras.layers.Cropping2D(
            ((extra_h // 2, extra_h - extra_h // 2), (extra_w // 2, extra_w - extra_w // 2)),
            name="crop",
        )(x)
    outputs = keras.layers.Flatten(name="pixels")(x)
    if n_components:
        linear = keras.layers.Dense(h * w * c, name="linear")(inputs)
        outputs = keras.layers.Add(name="sum")([outputs, linear])
        outputs = keras.layers.Activation(output_activation, name="output")(outputs)
    return keras.Model(inputs, outputs, name=name)


def lstm_encoder(timesteps, n_features, n_components, units=None, frame=1, name="encoder"):
    """``(timesteps, n_features)`` sequences -> the code. Takes flat rows,
    reshaped inside the model.

    ``units=None`` is the tutorial's: the code is the last state of an LSTM
    of ``n_components`` units. With ``units``, an LSTM of that width reads
    the sequence, and the code is a linear map of its last state plus a
    linear map of the whole sequence (``"linear"``, the decoder's mirror):
    the LSTM adds what a linear (PCA-like) encoder cannot. ``frame > 1``:
    the LSTM reads frames of that many consecutive steps (the sequence
    padded with zeros to a whole number of frames).
    """
    inputs = keras.Input(shape=(timesteps * n_features,), name="x")
    x = keras.layers.Reshape((timesteps, n_features), name="sequence")(inputs)
    if frame > 1:
        pad = -timesteps % frame
        if pad:
            x = keras.layers.ZeroPadding1D((0, pad), name="pad")(x)
        x = keras.layers.Reshape(((timesteps + pad) // frame, frame * n_features),
                                 name="frames")(x)
    if units is None:
        code = keras.layers.LSTM(n_components, name="code")(x)
    else:
        x = keras.layers.LSTM(units, name="lstm")(x)
        x = keras.layers.Dense(n_components, name="from_lstm")(x)
        linear = keras.layers.Dense(n_components, name="linear")(inputs)
        code = keras.layers.Add(name="code")([x, linear])
    return keras.Model(inputs, code, name=name)


def lstm_decoder(
    timesteps,
    n_features,
    n_components,
    units=None,
    output_activation="sigmoid",
    frame=1,
    name="decoder",
):
    """Code repeated over the timesteps -> LSTM -> a Dense per step back to
    ``n_features`` (the tutorial's snippet gives this LSTM the input's width,
    a bug: the per-step Dense restores the feature count), flattened.

    ``units=None`` is the tutorial's: an LSTM of ``n_components`` units.
    With ``units``, an LSTM of that width, and a linear map from the code to
    the whole sequence added before the output activation: the LSTM then
    learns what a linear (PCA-like) decoder cannot, instead of all of it.
    ``frame > 1``: the LSTM writes frames of that many steps (the padding
    of the encoder's last frame cropped).
    """
    code = keras.Input(shape=(n_components,), name="code")
    pad = -timesteps % frame
    x = keras.layers.RepeatVector((timesteps + pad) // frame, name="repeat")(code)
    x = keras.layers.LSTM(units or n_components, return_sequences=True, name="lstm")(x)
    x = keras.layers.Dense(frame * n_features, name="step")(x)
    if pad:
        x = keras.layers.Reshape((timesteps + pad, n_features), name="steps")(x)
        x = keras.layers.Cropping1D((0, pad), name="crop")(x)
    x = keras.layers.Flatten(name="values")(x)
    if units is not None:
        linear = keras.layers.Dense(timesteps * n_features, name="linear")(code)
        x = keras.layers.Add(name="sum")([x, linear])
    outputs = keras.layers.Activation(output_activation, name="output")(x)
    return keras.Model(code, outputs, name=name)


def gaussian_encoder(
    n_features, n_components, hidden_layer_sizes=(256,), activation="relu",
    linear_path=False, name="encoder",
):
    """Dense stack -> ``[z_mean, z_log_var]``, the parameters of q(z | x).
    ``linear_path`` adds a linear map of x (``"linear"``) to z_mean."""
    inputs = keras.Input(shape=(n_features,), name="x")
    h = inputs
    for i, units in enumerate(hidden_layer_sizes):
        h = keras.layers.Dense(units, activation=activation, name=f"hidden_{i}")(h)
    if linear_path:
        z_mean = keras.layers.Add(name="z_mean")([
            keras.layers.Dense(n_components, name="from_hidden")(h),
            keras.layers.Dense(n_components, name="linear")(inputs),
        ])
    else:
        z_mean = keras.layers.Dense(n_components, name="z_mean")(h)
    z_log_var = keras.layers.Dense(n_components, name="z_log_var")(h)
    return keras.Model(inputs, [z_mean, z_log_var], name=name)


# The layers skae adds around a user's network are named "skae_*", so that
# no name of the user's clashes with them (Keras wants unique names).
def wrapped_encoder(net, n_features, sample_shape, owner, name="encoder"):
    """Flat rows -> a user's ``net`` on samples of ``sample_shape`` -> its output.

    The rows are reshaped to the shape ``net`` declares when it has one
    (a trailing channel axis of 1 may differ; None matches any size), else
    to ``sample_shape``. ``owner`` names the estimator in the ValueErrors
    users can cause.
    """
    inputs = keras.Input(shape=(n_features,), name="skae_x")
    shape = _net_input_shape(net, sample_shape, "encoder", owner)
    x = inputs if shape == (n_features,) else keras.layers.Reshape(shape, name="skae_sample")(inputs)
    return keras.Model(inputs, net(x), name=name)


def wrapped_decoder(net, n_components, sample_shape, output_activation, owner,
                    name="decoder"):
    """Code -> a user's ``net`` -> one sample, flattened -> the output activation.

    The net must give back samples of ``sample_shape`` (up to a trailing
    channel axis of 1), else the ValueError states both shapes.
    """
    code = keras.Input(shape=(n_components,), name="skae_code")
    _net_input_shape(net, (n_components,), "decoder", owner)
    x = net(code)
    check_decoder_output(x, sample_shape, owner)
    n_features = math.prod(sample_shape)
    if tuple(x.shape[1:]) != (n_features,):
        x = keras.layers.Reshape((n_features,), name="skae_values")(x)
    outputs = keras.layers.Activation(output_activation, name="skae_output")(x)
    return keras.Model(code, outputs, name=name)


def gaussian_heads(features, n_components, owner, name="encoder"):
    """A feature extractor (flat rows -> one tensor of features of any
    shape) -> ``[z_mean, z_log_var]``: the VAE's encoder around a user's
    network."""
    if len(features.outputs) != 1:
        raise ValueError(
            f"{owner}'s encoder must output one tensor of features (skae adds the "
            f"z_mean and z_log_var heads), but it outputs {len(features.outputs)}: "
            f"{[tuple(t.shape[1:]) for t in features.outputs]}."
        )
    h = features.outputs[0]
    if len(h.shape) > 2:
        h = keras.layers.Flatten(name="skae_features")(h)
    z_mean = keras.layers.Dense(n_components, name="skae_z_mean")(h)
    z_log_var = keras.layers.Dense(n_components, name="skae_z_log_var")(h)
    return keras.Model(features.inputs[0], [z_mean, z_log_var], name=name)


def _net_input_shape(net, shape, role, owner):
    """The input shape to feed ``net``: the one it was built for, if any
    (it must hold ``shape``'s values; None matches any size), else ``shape``."""
    shape = tuple(shape)
    try:
        declared = net.input_shape if getattr(net, "built", False) else None
    except (AttributeError, ValueError):  # several inputs, or none defined
        declared = None
    if declared is None:
        return shape
    if isinstance(declared, list) or not isinstance(declared, tuple):
        raise ValueError(f"{owner}'s {role} must take one input, it takes {declared}.")
    declared = tuple(declared[1:])
    # (None, 1) takes (100,) or (100, 1): fill the free sizes from the data's.
    padded = shape + (1,) * (len(declared) - len(shape))
    if len(padded) == len(declared):
        declared = tuple(s if d is None else d for d, s in zip(declared, padded))
    if squeeze_channels(declared) != squeeze_channels(shape):
        raise ValueError(
            f"{owner}'s {role} takes inputs of shape {declared}, but its inputs "
            f"have shape {shape}" + (
                " (the shape of one sample of the data)." if role == "encoder" else
                " (n_components,)."
            )
        )
    return declared


def variational_chain(encoder, decoder, sampling, name="autoencoder"):
    """``decoder(sampling(encoder(x)))``: the VAE's training model.

    ``sampling`` is a :class:`skae._layers.VariationalSampling`, which also
    adds the KL term to the model's losses.
    """
    inputs = keras.Input(shape=encoder.input_shape[1:], name="input")
    z = sampling(encoder(inputs))
    return keras.Model(inputs, decoder(z), name=name)
