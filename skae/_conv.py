"""The image autoencoders: convolutional and denoising."""

from __future__ import annotations

import math
import textwrap
from numbers import Integral, Real

import numpy as np
from sklearn.utils import check_array, check_random_state
from sklearn.utils.validation import check_is_fitted

from ._base import BaseAutoencoder, check_layer_sizes, set_init_params
from ._builders import chain, conv_decoder, conv_encoder
from ._compat import Interval, StrOptions
from ._inference import compiled_forward
from ._layers import ClippedGaussianNoise
from ._params import TRAINING_DOCS, fill_doc


def _image_params_doc(filters, activation="relu", why=""):
    return f"""\
image_shape : tuple of int or None, default=None
    ``(height, width)`` or ``(height, width, channels)`` of the images
    when X is a 2-D table of flattened images. None infers it: 3-D X
    ``(n, h, w)`` and 4-D X ``(n, h, w, c)`` give it directly; a 2-D X
    whose width is a perfect square ``s * s`` is read as ``s x s``
    grey images (so ``load_digits``' 64 columns are 8x8 digits); any
    other width ``w`` is read as a ``1 x w`` strip, so every table works.
filters : tuple of int, default={filters!r}
    Filters of the encoder's Conv2D layers, each followed by a 2x2
    max-pooling; the decoder mirrors them with 2x upsampling and crops
    back to the image size, so no size needs to be a power of two.
kernel_size : int, default=3
    Size of every convolution kernel.
activation : str or callable, default="{activation}"
    Activation of the hidden convolutions (and, with a bottleneck, of the
    Dense layer that expands the code to the decoder's first map).{why}"""


def _image_init_doc(measured):
    text = (
        "How the weights start when ``n_components`` sets a bottleneck: the "
        "code is then a linear map of the feature map plus a linear map of the "
        "image, and the decoder adds a linear map from the code to the image "
        'before its output activation. "pca": those linear paths start as '
        "PCA's projection (scaled to unit standard deviation) and reconstruction "
        "(to first order with a sigmoid output), and the layers that bring the "
        "convolutions in start at zero, so training starts where PCA ends and "
        f"the convolutions add to it. Measured with the default budget: {measured}. "
        "\"random\" is Keras' initialisation. Without a bottleneck (the "
        "tutorial's code map) there is no linear path, and the start is random."
    )
    body = textwrap.fill(text, width=72, initial_indent="    ", subsequent_indent="    ")
    return 'init : {"pca", "random"}, default="pca"\n' + body


_IMAGE_ATTRIBUTES_DOC = """\
image_shape_ : tuple of int
    ``(height, width, channels)`` the model reads each sample as."""


class _BaseImageAutoencoder(BaseAutoencoder):
    """Conv2D + MaxPooling encoder, Conv2D + UpSampling decoder over images.
    Not for direct use."""

    _max_ndim = 4

    # The image models train at twice their former rate, reached over their
    # first 256 steps: a convolution's step is costly, and the faster rate
    # reaches a plateau sooner (2,000 MNIST images as loaded, k=8, in one
    # run: ConvAutoencoder 59.4 s -> 27.6 s, DenoisingAutoencoder 92.8 s ->
    # 71.6 s; docs/benchmarks.md). Without the warmup the ConvAutoencoder's
    # 4e-3 left PCA's start at once on 1,000 of them (k=32: 1.00x PCA-32's
    # test error, the start kept; 0.77x with it).
    _warmup_steps = 256

    _parameter_constraints: dict = {
        **BaseAutoencoder._parameter_constraints,
        "n_components": [Interval(Integral, 1, None, closed="left"), None],
        "image_shape": [tuple, list, None],
        "filters": [tuple, list],
        "kernel_size": [Interval(Integral, 1, None, closed="left")],
        "activation": [str, callable],
        "init": [StrOptions({"pca", "random"})],
    }

    def _learn_data(self, X):
        self.image_shape_ = _resolve_image_shape(
            self.image_shape, self.sample_shape_, X.shape[1]
        )

    def _initialize_weights(self, X, sample_weight):
        if self.init == "pca" and self.n_components is not None:
            self._start_linear_paths_at_pca(X, sample_weight, ("from_conv", "reconstruction"))

    def _build_encoder_decoder(self, n_features, output_activation):
        layers = dict(
            filters=check_layer_sizes(self.filters, "filters", allow_empty=False),
            kernel_size=self.kernel_size,
            activation=self.activation,
            n_components=self.n_components,
        )
        encoder = conv_encoder(self.image_shape_, **layers)
        decoder = conv_decoder(
            self.image_shape_, output_activation=output_activation, **layers
        )
        return encoder, decoder


_CONV_ELU = """ The
    tutorial's is "relu"; measured with the default budget, "elu" has 0.55x
    PCA-8's test error on 1,347 digits with ``n_components=8`` against
    1.29x (logistic regression on the codes: 0.947 against 0.733), and on
    MNIST after 10 epochs a test BCE of 0.0904 against 0.0924 (the digits
    measured with the former bottleneck, one Dense layer)."""


@fill_doc(**TRAINING_DOCS, image_parameters=_image_params_doc((16, 8, 8), "elu", _CONV_ELU),
          image_attributes=_IMAGE_ATTRIBUTES_DOC, init_parameter=_image_init_doc(
              "with 32 code numbers, 1.03x PCA-32's test error on 1,347 digits "
              '(1.05x from "random"; 2.62x with the former bottleneck, one Dense '
              "layer and no linear path) and 0.92x on 100 MNIST images (1.31x from "
              '"random", 1.57x formerly); with 8, 0.52x PCA-8\'s on the digits either '
              'way, in 62 iterations against 121 from "random" (formerly 0.55x, '
              "at max_iter=200; all at the former rate, 2e-3: 0.52x in 35 "
              "iterations at 4e-3)"))
class ConvAutoencoder(_BaseImageAutoencoder):
    """Convolutional autoencoder for images.

    The tutorial's convolutional autoencoder: Conv2D + MaxPooling2D encoder,
    Conv2D + UpSampling2D decoder. On 28x28 MNIST the default code is the
    flattened (4, 4, 8) feature map, 128 numbers. ``transform`` always gives
    2-D codes ``(n_samples, n_components_)``, ready for TSNE, PCA or a
    classifier; ``inverse_transform`` gives images in the training layout
    (2-D in, 2-D out; 4-D in, 4-D out).

    Parameters
    ----------
    n_components : int or None, default=None
        None: the code is the encoder's flattened feature map. An int adds a
        bottleneck of that size (so a grid can swap it for PCA; see
        ``init``).
    {{image_parameters}}
    {{init_parameter}}
    {{training_parameters}}

    Attributes
    ----------
    {{image_attributes}}
    {{training_attributes}}

    See Also
    --------
    DenoisingAutoencoder : A convolutional autoencoder trained on noisy input.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skae import ConvAutoencoder
    >>> X = load_digits().data / 16.0
    >>> ae = ConvAutoencoder(epochs=2, random_state=0).fit(X)
    >>> ae.image_shape_  # 64 columns read as 8x8 images
    (8, 8, 1)
    >>> ae.transform(X).shape  # (2, 2, 8): 8x8 images are pooled twice, not to 1x1
    (1797, 32)
    >>> images = X.reshape(-1, 8, 8)
    >>> ae.fit(images).inverse_transform(ae.transform(images)).shape
    (1797, 8, 8)
    """

    def __init__(
        self,
        n_components=None,
        *,
        image_shape=None,
        filters=(16, 8, 8),
        kernel_size=3,
        activation="elu",
        init="pca",
        # the training parameters: skae._params.TRAINING_PARAMS
        output_activation="auto", loss="auto", optimizer="adam", learning_rate_init=4e-3,
        metrics=None, epochs="auto", batch_size="auto", max_iter=200, tol=1e-3,
        n_iter_no_change=10, early_stopping=True, validation_fraction=0.1,
        validation_split=0.0, shuffle=True, callbacks=None, verbose=0,
        random_state=None, warm_start=False,
        **kwargs,
    ):
        set_init_params(self, locals())


@fill_doc(**TRAINING_DOCS, image_parameters=_image_params_doc((32, 32)),
          image_attributes=_IMAGE_ATTRIBUTES_DOC, init_parameter=_image_init_doc(
              "0.75x PCA-8's test error on 1,347 clean digits with 8 code "
              'numbers, against 0.79x from "random" (1.00x with the former '
              "bottleneck; at the former rate, 1e-3: 0.75x at 2e-3)"))
class DenoisingAutoencoder(_BaseImageAutoencoder):
    """Convolutional autoencoder trained to map noisy images to clean ones.

    The tutorial's denoiser (Conv 32-32 encoder and decoder). During fit each
    batch is corrupted with fresh Gaussian noise, ``x + noise_factor *
    (max - min) * N(0, 1)`` clipped to the training data's range
    ``(min, max)`` (the tutorial used one fixed noisy copy); the noise is
    seeded by ``random_state``. Nothing adds noise at ``transform``,
    ``inverse_transform``, ``score`` or :meth:`denoise`, which is how to
    clean new data.

    Parameters
    ----------
    n_components : int or None, default=None
        None: the code is the encoder's flattened feature map (7x7x32 on
        MNIST). An int adds a bottleneck of that size (see ``init``).
    noise_factor : float, default=0.5
        Standard deviation of the training noise, as a fraction of the
        training data's range: on images in [0, 1] it is the tutorial's
        ``noise_factor``, and the same images in [0, 255] (or any other
        units) get the same noise relative to them. (Taken in the data's
        units, 0.5 was 3% of the range of the digits as loaded, 0 to 16:
        on test digits with noise of half their range the denoiser was
        1.31x the error of PCA-8's reconstruction of them, 0.84x now.) The
        rows held out for early stopping get the same noise, once (a fixed
        noisy copy): the stopping rule judges the model on what it is
        trained to do. Give it images in their own units or [0, 1], not
        standardised pixel by pixel: there a pixel that is almost always 0
        reaches 32 standard deviations, and the range makes the noise 16
        times a typical pixel's spread (1,000 MNIST images: 1.05x and 1.13x
        PCA-8's and PCA-32's clean test error).
    {{image_parameters}}
    {{init_parameter}}
    {{training_parameters}}

    Attributes
    ----------
    data_range_ : tuple of float
        ``(min, max)`` of the training data; the noise is clipped to it.
    {{image_attributes}}
    {{training_attributes}}

    See Also
    --------
    ConvAutoencoder : The same kind of model without the noise.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skae import DenoisingAutoencoder
    >>> X = load_digits().data / 16.0
    >>> ae = DenoisingAutoencoder(epochs=2, random_state=0).fit(X)
    >>> noisy = ae.corrupt(X, random_state=0)  # what training sees
    >>> clean = ae.denoise(noisy)
    >>> clean.shape, float(clean.min()) >= 0, float(clean.max()) <= 1
    ((1797, 64), True, True)
    """

    _parameter_constraints: dict = {
        **_BaseImageAutoencoder._parameter_constraints,
        "noise_factor": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(
        self,
        n_components=None,
        *,
        noise_factor=0.5,
        image_shape=None,
        filters=(32, 32),
        kernel_size=3,
        activation="relu",
        init="pca",
        # the training parameters: skae._params.TRAINING_PARAMS
        output_activation="auto", loss="auto", optimizer="adam", learning_rate_init=2e-3,
        metrics=None, epochs="auto", batch_size="auto", max_iter=200, tol=1e-3,
        n_iter_no_change=10, early_stopping=True, validation_fraction=0.1,
        validation_split=0.0, shuffle=True, callbacks=None, verbose=0,
        random_state=None, warm_start=False,
        **kwargs,
    ):
        set_init_params(self, locals())

    def _learn_data(self, X):
        super()._learn_data(X)
        self.data_range_ = (float(X.min()), float(X.max()))

    def _assemble(self, encoder, decoder):
        noise = ClippedGaussianNoise(
            _noise_std(self.noise_factor, self.data_range_), *self.data_range_,
            seed=self._seed, name="noise",
        )
        return chain(encoder, decoder, corruption=noise)

    def _validation_input(self, X_val, seed):
        # Held out as trained: a denoiser that stopped on clean rows stopped
        # when learning to denoise began to cost clean reconstruction
        # (measured on digits with a 32-d code: 11 iterations).
        return _add_noise(X_val, self.noise_factor, self.data_range_, seed)

    def denoise(self, X):
        """Clean X: encode and decode it, adding no noise.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, h, w[, c])
            Noisy samples.

        Returns
        -------
        X_denoised : ndarray of the same shape as X
            The reconstructions, in X's float dtype.
        """
        check_is_fitted(self)
        shape = np.shape(X)
        X = self._check_X(X, reset=False)
        clean = self._map_batches(compiled_forward(self.model_), X, X.dtype)
        return clean.reshape(shape) if len(shape) > 2 else clean

    def corrupt(self, X, random_state=None):
        """Add the training noise to X: ``X + noise_factor * (max - min) *
        N(0, 1)``, clipped to ``data_range_ = (min, max)``.

        For building noisy test sets and figures, as in the tutorial.

        Parameters
        ----------
        X : array-like of any shape (n_samples, ...)
            Clean samples.
        random_state : int, RandomState instance or None, default=None
            Seeds the noise.

        Returns
        -------
        X_noisy : ndarray of the same shape as X
            Noisy samples clipped to ``data_range_``, in X's float dtype.
        """
        check_is_fitted(self)
        X = check_array(X, allow_nd=True, dtype=[np.float64, np.float32])
        return _add_noise(X, self.noise_factor, self.data_range_, random_state)


def _noise_std(noise_factor, data_range):
    """The training noise's standard deviation: ``noise_factor`` of the
    training data's range (the tutorial's on [0, 1])."""
    low, high = data_range
    return noise_factor * (high - low)


def _add_noise(X, noise_factor, data_range, random_state):
    """``clip(X + noise_factor * (max - min) * N(0, 1), min, max)`` in X's
    dtype, ``(min, max)`` the training ``data_range``."""
    noise = check_random_state(random_state).standard_normal(X.shape)
    noisy = X + (_noise_std(noise_factor, data_range) * noise).astype(X.dtype)
    return np.clip(noisy, *data_range).astype(X.dtype, copy=False)


def _resolve_image_shape(image_shape, sample_shape, n_features):
    """``(h, w, c)`` from the user's ``image_shape`` and the data's layout."""
    if len(sample_shape) > 1:
        inferred = tuple(sample_shape) + (1,) * (3 - len(sample_shape))
    elif image_shape is None:
        side = math.isqrt(n_features)
        inferred = (side, side, 1) if side * side == n_features else (1, n_features, 1)
    else:
        inferred = None
    if image_shape is not None:
        given = tuple(image_shape)
        if len(given) not in (2, 3) or not all(
            isinstance(d, Integral) and d > 0 for d in given
        ):
            raise ValueError(
                "image_shape must be (height, width) or (height, width, channels) "
                f"of positive ints, got {image_shape!r}."
            )
        given = given + (1,) * (3 - len(given))
        if math.prod(given) != n_features or (inferred and given != inferred):
            raise ValueError(
                f"image_shape={image_shape!r} does not match X: samples of shape "
                f"{tuple(sample_shape)} ({n_features} values)."
            )
        return tuple(int(d) for d in given)
    return tuple(int(d) for d in inferred)
