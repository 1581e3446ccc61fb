"""The autoencoder of your own networks: ``Autoencoder(encoder=, decoder=)``."""

from __future__ import annotations

from numbers import Integral

from ._base import BaseAutoencoder, set_init_params
from ._builders import dense_decoder, dense_encoder, wrapped_decoder, wrapped_encoder
from ._compat import Interval, StrOptions
from ._dense import _BaseDenseAutoencoder
from ._params import TRAINING_DOCS, fill_doc
from ._user_nets import NET_PREFIXES, one_vector_per_sample

# Without an encoder or decoder of the user's, the missing side is the
# DeepAutoencoder's default: its hidden widths and activation.
_DEFAULT_HIDDEN = (128, 64)
_DEFAULT_ACTIVATION = "elu"
_DEFAULT_N_COMPONENTS = 32


@fill_doc(**TRAINING_DOCS)
class Autoencoder(_BaseDenseAutoencoder):
    """Autoencoder of your own Keras encoder and decoder.

    Bring a strided conv net, a pretrained encoder or a 1-D conv for
    signals: skae trains it as an autoencoder with everything the built-in
    models have (``epochs="auto"``, the loss rule, ``score``,
    ``partial_fit``, ``sample_weight``, persistence, the outlier detector).
    Without an encoder or decoder, the missing side is the
    :class:`DeepAutoencoder`'s default (Dense 128-64, ELU); with neither,
    ``Autoencoder()`` is that model, PCA start included.

    Each network is a ``keras.Model`` instance or a callable that returns
    one (a builder function, or a Model class):

    * a **callable** is called with the keyword arguments it declares among
      ``input_shape`` (one sample's shape as given to ``fit``: ``(n_features,)``
      for a table, ``(28, 28)`` for ``(n, 28, 28)`` images), ``output_shape``
      (the decoder's: the same) and ``n_components``, plus its routed
      parameters: ``encoder__width=8`` reaches the encoder builder's
      ``width``, so ``GridSearchCV`` can search ``{"encoder__width": [4, 8]}``.
      skae trains what it returns: a new model on each call;
    * an **instance** is never changed by ``fit`` (scikit-learn's rule for
      parameters): skae trains a copy that starts from its weights, so a
      pretrained encoder is a starting point.

    The encoder maps one sample to one vector, the code; the decoder maps a
    code back to one sample's shape (a trailing channel axis of 1 may be
    added: ``(28, 28, 1)`` decodes ``(28, 28)`` images). Anything else is a
    ``ValueError`` at ``fit`` that states both shapes. skae puts the output
    activation after the decoder (the loss rule's sigmoid for data in
    [0, 1]), unless the decoder already ends with an activation of its own
    (before any reshaping layers), which is then kept.

    Persistence: pickle, skops and :func:`skae.save` store the networks as
    Keras ``.keras`` archives. Layers of your own classes must be registered
    with ``keras.saving.register_keras_serializable`` (saving refuses an
    unregistered one and says so); a builder function must be registered
    the same way for :func:`skae.save` (pickle stores it by reference).

    Parameters
    ----------
    encoder : keras.Model, callable or None, default=None
        The encoder, or a builder of it. None: the DeepAutoencoder's.
    decoder : keras.Model, callable or None, default=None
        The decoder, or a builder of it. None: the DeepAutoencoder's mirror.
    n_components : int or None, default=None
        Size of the code, passed to builders that declare it. None: the
        encoder's output width (32 where skae builds the encoder). With an
        encoder instance, or a builder that returns another width, a
        different value is a ``ValueError``.
    init : {"pca", "random"}, default="pca"
        How the networks skae builds start, when it builds both (see
        :class:`DeepAutoencoder`); networks of yours start from their own
        weights.
    {{training_parameters}}

    Attributes
    ----------
    {{training_attributes}}

    See Also
    --------
    DeepAutoencoder : The default networks, with their widths as parameters.
    VariationalAutoencoder : Also takes ``encoder=`` and ``decoder=``.

    Examples
    --------
    >>> import keras
    >>> from sklearn.datasets import load_digits
    >>> from skae import Autoencoder
    >>> def encoder(input_shape, n_components, width=32):
    ...     return keras.Sequential([
    ...         keras.Input(input_shape), keras.layers.Dense(width, activation="elu"),
    ...         keras.layers.Dense(n_components)])
    >>> X = load_digits().data / 16.0
    >>> ae = Autoencoder(encoder=encoder, n_components=8, encoder__width=16,
    ...                  epochs=2, random_state=0).fit(X)
    >>> ae.transform(X).shape
    (1797, 8)
    >>> ae.inverse_transform(ae.transform(X[:3])).shape  # the default decoder
    (3, 64)
    """

    # Images (n, h, w[, c]) and sequences (n, t, f) reach the networks in
    # their shape; tables as (n_features,).
    _max_ndim = 4
    _net_prefixes = NET_PREFIXES

    _parameter_constraints: dict = {
        **BaseAutoencoder._parameter_constraints,
        "encoder": [callable, None],
        "decoder": [callable, None],
        "n_components": [Interval(Integral, 1, None, closed="left"), None],
        "init": [StrOptions({"pca", "random"})],
    }

    def __init__(
        self,
        encoder=None,
        decoder=None,
        *,
        n_components=None,
        init="pca",
        # the training parameters: skae._params.TRAINING_PARAMS
        output_activation="auto", loss="auto", optimizer="adam", learning_rate_init=1e-3,
        metrics=None, epochs="auto", batch_size="auto", max_iter=200, tol=1e-3,
        n_iter_no_change=10, early_stopping=True, validation_fraction=0.1,
        validation_split=0.0, shuffle=True, callbacks=None, verbose=0,
        random_state=None, warm_start=False,
        **kwargs,
    ):
        set_init_params(self, locals())

    def _init_scheme(self):
        # The PCA start sets a chain of Dense layers skae built, end to end.
        return self.init if self.encoder is None and self.decoder is None else "random"

    def _build_encoder_decoder(self, n_features, output_activation):
        name = type(self).__name__
        requested = self.n_components
        # What the encoder is asked for: n_components, else a decoder
        # instance's input width, else the DeepAutoencoder's 32.
        n_components = requested or self._decoder_code_size() or _DEFAULT_N_COMPONENTS
        if self.encoder is None:
            encoder = dense_encoder(n_features, n_components, _DEFAULT_HIDDEN,
                                    activation=_DEFAULT_ACTIVATION)
        else:
            net = self._user_net("encoder", n_components)
            encoder = wrapped_encoder(net, n_features, self.sample_shape_, name)
            n_components = one_vector_per_sample(encoder.outputs, "encoder", name)
            if requested is not None and requested != n_components:
                raise ValueError(
                    f"{name} got n_components={requested}, but its encoder outputs "
                    f"codes of {n_components} values; leave n_components=None to "
                    "take the encoder's width."
                )
        if self.decoder is None:
            decoder = dense_decoder(n_components, n_features, _DEFAULT_HIDDEN[::-1],
                                    activation=_DEFAULT_ACTIVATION,
                                    output_activation=output_activation)
        else:
            net = self._user_net("decoder", n_components)
            decoder = wrapped_decoder(net, n_components, self.sample_shape_,
                                      self._user_decoder_activation(net), name)
        return encoder, decoder

    def _decoder_code_size(self):
        """The input width of a decoder instance (None for a builder)."""
        shape = getattr(self.decoder, "input_shape", None) if getattr(
            self.decoder, "built", False) else None
        return shape[-1] if isinstance(shape, tuple) and len(shape) == 2 else None
