"""The sequence-to-sequence (LSTM) autoencoder."""

from __future__ import annotations

from ._base import KERAS_ATTRIBUTES_DOC, KERAS_PARAMS_DOC, BaseAutoencoder
from ._builders import lstm_decoder, lstm_encoder


class SequenceAutoencoder(BaseAutoencoder):
    __doc__ = f"""LSTM sequence-to-sequence autoencoder.

    The tutorial's sequence autoencoder: an LSTM reads each sequence into a
    single vector of ``n_components`` numbers (the code), ``RepeatVector``
    copies it over the timesteps, and a decoder LSTM with a Dense layer per
    step rebuilds the sequence (with the input's feature count, where the
    tutorial's snippet had a bug).

    X is 3-D ``(n_samples, timesteps, n_features)``, or 2-D
    ``(n_samples, timesteps)`` read as univariate sequences. ``transform``
    gives ``(n_samples, n_components)``; ``inverse_transform`` returns the
    training layout.

    Parameters
    ----------
    n_components : int, default=32
        Size of the code: the encoder LSTM's units (and the decoder's).
    {KERAS_PARAMS_DOC.replace("batch_size : int or None, default=256", "batch_size : int or None, default=128")}

    Attributes
    ----------
    sequence_shape_ : tuple of int
        ``(timesteps, n_features)`` the model reads each sample as.
    {KERAS_ATTRIBUTES_DOC}

    Examples
    --------
    >>> import numpy as np
    >>> from skae import SequenceAutoencoder
    >>> t = np.linspace(0, 2 * np.pi, 20)
    >>> X = np.stack([np.sin(t + phase) for phase in np.linspace(0, 3, 60)])
    >>> ae = SequenceAutoencoder(n_components=4, epochs=2, random_state=0).fit(X)
    >>> ae.sequence_shape_, ae.transform(X).shape
    ((20, 1), (60, 4))
    >>> ae.inverse_transform(ae.transform(X)).shape
    (60, 20)
    """

    _max_ndim = 3

    def __init__(
        self,
        n_components=32,
        *,
        output_activation="auto",
        loss="auto",
        optimizer="adam",
        metrics=None,
        epochs=50,
        batch_size=128,
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

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        return tags

    def _learn_data(self, X):
        sample = self.sample_shape_
        self.sequence_shape_ = tuple(sample) if len(sample) == 2 else (sample[0], 1)

    def _build_encoder_decoder(self, n_features, output_activation):
        timesteps, width = self.sequence_shape_
        encoder = lstm_encoder(timesteps, width, self.n_components)
        decoder = lstm_decoder(
            timesteps, width, self.n_components, output_activation=output_activation
        )
        return encoder, decoder
