"""The sequence-to-sequence (LSTM) autoencoder."""

from __future__ import annotations

from numbers import Integral

from ._base import BaseAutoencoder, set_init_params
from ._builders import lstm_decoder, lstm_encoder
from ._compat import Interval
from ._params import TRAINING_DOCS, fill_doc


@fill_doc(**TRAINING_DOCS)
class SequenceAutoencoder(BaseAutoencoder):
    """LSTM sequence-to-sequence autoencoder.

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
        Size of the code.
    units : int or None, default=64
        None is the tutorial's design: the code is the last state of an
        LSTM of ``n_components`` units, decoded by an LSTM of the same width
        alone (measured on 67 z-normalised series of 24 steps with
        ``epochs="auto"``: 7.2x PCA-8's test error, a reconstruction of
        almost nothing). An int is the width of wider encoder and decoder
        LSTMs: the encoder's last state is mapped to the code by a linear
        layer, and the decoder adds a linear map from the code to the whole
        sequence to its LSTM's output, so the LSTM learns what a linear
        decoder cannot (the default ``units=64``, same data: 1.9x PCA-8's
        error).
    {{training_parameters}}

    Attributes
    ----------
    sequence_shape_ : tuple of int
        ``(timesteps, n_features)`` the model reads each sample as.
    {{training_attributes}}

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

    _parameter_constraints: dict = {
        **BaseAutoencoder._parameter_constraints,
        "units": [Interval(Integral, 1, None, closed="left"), None],
    }

    def __init__(
        self,
        n_components=32,
        *,
        units=64,
        # the training parameters: skae._params.TRAINING_PARAMS
        output_activation="auto", loss="auto", optimizer="adam", learning_rate_init=1e-3,
        metrics=None, epochs="auto", batch_size="auto", max_iter=200, tol=1e-3,
        n_iter_no_change=10, early_stopping=True, validation_fraction=0.1,
        validation_split=0.0, shuffle=True, callbacks=None, verbose=0,
        random_state=None, warm_start=False,
        **kwargs,
    ):
        set_init_params(self, locals())

    def _learn_data(self, X):
        sample = self.sample_shape_
        self.sequence_shape_ = tuple(sample) if len(sample) == 2 else (sample[0], 1)

    def _build_encoder_decoder(self, n_features, output_activation):
        timesteps, width = self.sequence_shape_
        encoder = lstm_encoder(timesteps, width, self.n_components, units=self.units)
        decoder = lstm_decoder(
            timesteps, width, self.n_components, units=self.units,
            output_activation=output_activation,
        )
        return encoder, decoder
