"""Custom Keras layers, registered for Keras serialization.

Registered layers save and load with the ``.keras`` format (and so pickle,
which scikeras routes through it) without ``safe_mode=False``.
"""

from __future__ import annotations

import keras


@keras.saving.register_keras_serializable(package="skae")
class ClippedGaussianNoise(keras.layers.Layer):
    """``clip(x + stddev * N(0, 1), clip_min, clip_max)`` during training only.

    The denoising autoencoder's corruption: fresh noise on every batch, drawn
    from a ``SeedGenerator`` (reproducible when ``seed`` is an int); the
    identity at inference, so encoding and scoring never see noise.
    """

    def __init__(self, stddev, clip_min=None, clip_max=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.stddev = float(stddev)
        self.clip_min = None if clip_min is None else float(clip_min)
        self.clip_max = None if clip_max is None else float(clip_max)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.supports_masking = True

    def call(self, inputs, training=False):
        if not training or self.stddev == 0:
            return inputs
        noisy = inputs + self.stddev * keras.random.normal(
            keras.ops.shape(inputs), dtype=inputs.dtype, seed=self.seed_generator
        )
        if self.clip_min is not None or self.clip_max is not None:
            low = -float("inf") if self.clip_min is None else self.clip_min
            high = float("inf") if self.clip_max is None else self.clip_max
            noisy = keras.ops.clip(noisy, low, high)
        return noisy

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {
            **super().get_config(),
            "stddev": self.stddev,
            "clip_min": self.clip_min,
            "clip_max": self.clip_max,
            "seed": self.seed,
        }


@keras.saving.register_keras_serializable(package="skae")
class GlobalStandardization(keras.layers.Layer):
    """``(x - shift) / scale``, or with ``inverse=True`` ``x * scale + shift``.

    One scalar ``shift`` and one scalar ``scale`` for every value: the
    encoder's first layer and the decoder's last, so that the networks
    between work in units of the data's spread while the model reads and
    writes the user's units. Both are non-trainable weights the estimator
    sets from the training rows (:meth:`set_statistics`); they start at
    the identity (0 and 1).
    """

    def __init__(self, inverse=False, **kwargs):
        super().__init__(**kwargs)
        self.inverse = bool(inverse)

    def build(self, input_shape):
        self.shift = self.add_weight(shape=(), initializer="zeros", trainable=False,
                                     name="shift")
        self.scale = self.add_weight(shape=(), initializer="ones", trainable=False,
                                     name="scale")

    def set_statistics(self, shift, scale):
        """Set ``shift`` and ``scale`` (a positive number)."""
        self.shift.assign(float(shift))
        self.scale.assign(float(scale))

    def call(self, inputs):
        shift = keras.ops.cast(self.shift, inputs.dtype)
        scale = keras.ops.cast(self.scale, inputs.dtype)
        if self.inverse:
            return inputs * scale + shift
        return (inputs - shift) / scale

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "inverse": self.inverse}


@keras.saving.register_keras_serializable(package="skae")
class VariationalSampling(keras.layers.Layer):
    """``z = z_mean + exp(z_log_var / 2) * eps`` and the KL term of the ELBO.

    Called on ``[z_mean, z_log_var]``. During training it draws ``eps ~
    N(0, I)`` from a ``SeedGenerator`` and adds ``beta * KL(q(z|x) || N(0, I))``
    as a loss: the KL of each sample is summed over the latent dimensions
    (not averaged) and the batch mean is taken, matching a reconstruction
    term summed over features. At inference it returns ``z_mean``.

    ``gaussian=True`` (a squared-error reconstruction term: a Gaussian
    decoder) gives the layer a non-trainable ``noise_variance`` weight,
    sigma^2 of the decoder, and the KL term the weight ``2 * sigma^2 *
    beta``: the summed squared error plus that is ``2 * sigma^2`` times the
    negative ELBO ``SSE / (2 sigma^2) + beta * KL`` (up to a constant), so
    the networks' gradients are the ELBO's. The estimator sets sigma^2
    (:class:`skae._variational.NoiseVariance`).
    """

    def __init__(self, beta=1.0, seed=None, gaussian=False, **kwargs):
        super().__init__(**kwargs)
        self.beta = float(beta)
        self.seed = seed
        self.gaussian = bool(gaussian)
        self.seed_generator = keras.random.SeedGenerator(seed)

    def build(self, input_shape):
        if self.gaussian:
            # 0.5: the plain summed squared error's implicit variance.
            self.noise_variance = self.add_weight(
                shape=(), initializer=keras.initializers.Constant(0.5),
                trainable=False, name="noise_variance")

    def call(self, inputs, training=False):
        z_mean, z_log_var = inputs
        kl = kl_divergence(z_mean, z_log_var)
        weight = self.beta * 2.0 * self.noise_variance if self.gaussian else self.beta
        self.add_loss(weight * keras.ops.mean(kl))
        if not training:
            return z_mean
        eps = keras.random.normal(
            keras.ops.shape(z_mean), dtype=z_mean.dtype, seed=self.seed_generator
        )
        return z_mean + keras.ops.exp(0.5 * z_log_var) * eps

    def compute_output_shape(self, input_shape):
        return input_shape[0]

    def get_config(self):
        return {**super().get_config(), "beta": self.beta, "seed": self.seed,
                "gaussian": self.gaussian}


def kl_divergence(z_mean, z_log_var):
    """``KL(N(z_mean, exp(z_log_var)) || N(0, I))`` per sample, in nats.

    Works on backend tensors and on NumPy arrays alike (``keras.ops``).
    """
    # keras.ops.add first: NumPy input becomes a backend tensor (on torch,
    # ndarray - Tensor is a TypeError).
    one_plus_log_var = keras.ops.add(1.0, z_log_var)
    return -0.5 * keras.ops.sum(
        one_plus_log_var - keras.ops.square(z_mean) - keras.ops.exp(z_log_var),
        axis=-1,
    )
