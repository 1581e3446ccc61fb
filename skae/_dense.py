"""The fully connected autoencoders: simple, sparse and deep."""

from __future__ import annotations

from numbers import Real

from sklearn.utils._param_validation import Interval

from ._base import (
    KERAS_ATTRIBUTES_DOC,
    KERAS_PARAMS_DOC,
    BaseAutoencoder,
    check_layer_sizes,
)
from ._builders import dense_decoder, dense_encoder


class DenseAutoencoder(BaseAutoencoder):
    __doc__ = f"""Autoencoder with one Dense code layer and one Dense output layer.

    The "simplest possible autoencoder" of *Building Autoencoders in Keras*:
    ``n_features -> n_components (ReLU) -> n_features``. Like
    :class:`~sklearn.decomposition.PCA`, ``transform`` gives the
    ``n_components``-dimensional code and ``inverse_transform`` maps codes
    back to the input space, but the code is learned and non-linear.

    Parameters
    ----------
    n_components : int, default=32
        Size of the code (the tutorial's ``encoding_dim``), named as in PCA so
        that one grid can swap PCA for an autoencoder.
    activation : str or callable, default="relu"
        Activation of the code layer.
    {KERAS_PARAMS_DOC}

    Attributes
    ----------
    {KERAS_ATTRIBUTES_DOC}

    See Also
    --------
    SparseAutoencoder : The same with an L1 penalty on the code.
    DeepAutoencoder : A deeper, mirrored stack of Dense layers.
    sklearn.decomposition.PCA : The linear baseline.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skae import DenseAutoencoder
    >>> X = load_digits().data / 16.0
    >>> ae = DenseAutoencoder(n_components=8, epochs=2, random_state=0)
    >>> codes = ae.fit_transform(X)
    >>> codes.shape
    (1797, 8)
    >>> ae.inverse_transform(codes).shape
    (1797, 64)
    >>> ae.loss_  # X lies in [0, 1]
    'binary_crossentropy'
    """

    _parameter_constraints: dict = {
        **BaseAutoencoder._parameter_constraints,
        "activation": [str, callable],
    }

    def __init__(
        self,
        n_components=32,
        *,
        activation="relu",
        output_activation="auto",
        loss="auto",
        optimizer="adam",
        metrics=None,
        epochs=50,
        batch_size=256,
        validation_split=0.0,
        shuffle=True,
        callbacks=None,
        verbose=0,
        random_state=None,
        warm_start=False,
        **kwargs,
    ):
        super().__init__(
            n_components=n_components,
            output_activation=output_activation,
            loss=loss,
            optimizer=optimizer,
            metrics=metrics,
            epochs=epochs,
            batch_size=batch_size,
            validation_split=validation_split,
            shuffle=shuffle,
            callbacks=callbacks,
            verbose=verbose,
            random_state=random_state,
            warm_start=warm_start,
            **kwargs,
        )
        self.activation = activation

    # The three dense variants differ only in what these two hooks return.
    def _hidden_sizes(self):
        return ()

    def _activity_l1(self):
        return 0.0

    def _build_encoder_decoder(self, n_features, output_activation):
        hidden = self._hidden_sizes()
        encoder = dense_encoder(
            n_features,
            self.n_components,
            hidden_layer_sizes=hidden,
            activation=self.activation,
            activity_l1=self._activity_l1(),
        )
        decoder = dense_decoder(
            self.n_components,
            n_features,
            hidden_layer_sizes=hidden[::-1],
            activation=self.activation,
            output_activation=output_activation,
        )
        return encoder, decoder


class SparseAutoencoder(DenseAutoencoder):
    __doc__ = f"""Dense autoencoder with an L1 activity penalty on the code.

    The tutorial's "sparsity constraint on the encoded representations": the
    penalty ``activity_l1 * sum(|code|)`` (per sample, as Keras 3 averages
    activity penalties over the batch) drives most code units to zero.

    Parameters
    ----------
    n_components : int, default=32
        Size of the code (the tutorial's ``encoding_dim``).
    activity_l1 : float, default=1e-4
        Strength of the L1 penalty on the code (the tutorial's
        ``activity_l1(10e-5)``). 0 gives a :class:`DenseAutoencoder`.
    activation : str or callable, default="relu"
        Activation of the code layer.
    {KERAS_PARAMS_DOC}

    Attributes
    ----------
    {KERAS_ATTRIBUTES_DOC}

    See Also
    --------
    DenseAutoencoder : The same without the penalty.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skae import SparseAutoencoder
    >>> X = load_digits().data / 16.0
    >>> ae = SparseAutoencoder(n_components=16, epochs=2, random_state=0)
    >>> ae.fit_transform(X).shape
    (1797, 16)
    """

    _parameter_constraints: dict = {
        **DenseAutoencoder._parameter_constraints,
        "activity_l1": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(
        self,
        n_components=32,
        *,
        activity_l1=1e-4,
        activation="relu",
        output_activation="auto",
        loss="auto",
        optimizer="adam",
        metrics=None,
        epochs=50,
        batch_size=256,
        validation_split=0.0,
        shuffle=True,
        callbacks=None,
        verbose=0,
        random_state=None,
        warm_start=False,
        **kwargs,
    ):
        super().__init__(
            n_components=n_components,
            activation=activation,
            output_activation=output_activation,
            loss=loss,
            optimizer=optimizer,
            metrics=metrics,
            epochs=epochs,
            batch_size=batch_size,
            validation_split=validation_split,
            shuffle=shuffle,
            callbacks=callbacks,
            verbose=verbose,
            random_state=random_state,
            warm_start=warm_start,
            **kwargs,
        )
        self.activity_l1 = activity_l1

    def _activity_l1(self):
        return float(self.activity_l1)


class DeepAutoencoder(DenseAutoencoder):
    __doc__ = f"""Autoencoder with a mirrored stack of Dense layers.

    The tutorial's deep autoencoder, 784-128-64-32-64-128-784 on MNIST with
    the defaults: ``hidden_layer_sizes`` on the way in, the code, then the
    same sizes reversed on the way out.

    Parameters
    ----------
    hidden_layer_sizes : tuple of int, default=(128, 64)
        Widths of the encoder's hidden layers, outermost first; the decoder
        mirrors them.
    n_components : int, default=32
        Size of the code (the tutorial's ``encoding_dim``).
    activation : str or callable, default="relu"
        Activation of the hidden and code layers.
    {KERAS_PARAMS_DOC}

    Attributes
    ----------
    {KERAS_ATTRIBUTES_DOC}

    See Also
    --------
    DenseAutoencoder : One layer each way.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skae import DeepAutoencoder
    >>> X = load_digits().data / 16.0
    >>> ae = DeepAutoencoder((32, 16), n_components=8, epochs=2, random_state=0)
    >>> ae.fit(X).transform(X).shape
    (1797, 8)
    >>> [layer.name for layer in ae.encoder_.layers[1:]]
    ['hidden_0', 'hidden_1', 'code']
    """

    _parameter_constraints: dict = {
        **DenseAutoencoder._parameter_constraints,
        "hidden_layer_sizes": ["array-like"],
    }

    def __init__(
        self,
        hidden_layer_sizes=(128, 64),
        n_components=32,
        *,
        activation="relu",
        output_activation="auto",
        loss="auto",
        optimizer="adam",
        metrics=None,
        epochs=50,
        batch_size=256,
        validation_split=0.0,
        shuffle=True,
        callbacks=None,
        verbose=0,
        random_state=None,
        warm_start=False,
        **kwargs,
    ):
        super().__init__(
            n_components=n_components,
            activation=activation,
            output_activation=output_activation,
            loss=loss,
            optimizer=optimizer,
            metrics=metrics,
            epochs=epochs,
            batch_size=batch_size,
            validation_split=validation_split,
            shuffle=shuffle,
            callbacks=callbacks,
            verbose=verbose,
            random_state=random_state,
            warm_start=warm_start,
            **kwargs,
        )
        self.hidden_layer_sizes = hidden_layer_sizes

    def _hidden_sizes(self):
        return check_layer_sizes(self.hidden_layer_sizes, "hidden_layer_sizes")
