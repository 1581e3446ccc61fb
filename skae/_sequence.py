"""The sequence-to-sequence (LSTM) autoencoder."""

from __future__ import annotations

import math
from numbers import Integral

from ._base import BaseAutoencoder, set_init_params
from ._builders import lstm_decoder, lstm_encoder
from ._compat import Interval, StrOptions
from ._params import TRAINING_DOCS, fill_doc


#: ``frame_length="auto"``: the LSTMs take at most this many steps. An LSTM
#: runs its steps one after another, so its cost grows with the length of
#: the series; reading frames of several steps at once does not. Measured on
#: 2 cores, defaults, n_components=8 (same run): 52 series of 500 steps fit
#: in 8.1 s against 96.9 s step by step, 72 series of 150 steps in 7.6 s
#: against 35.1 s, with the same test error (1.01x PCA-8's both ways); 3
#: channels of 50 steps (frames of 2): 1.09x PCA-8's against 1.12x. At most
#: 16 steps was faster still but lost on the 3-channel series (1.27x).
MAX_LSTM_STEPS = 32


@fill_doc(**TRAINING_DOCS)
class SequenceAutoencoder(BaseAutoencoder):
    """LSTM sequence-to-sequence autoencoder.

    The tutorial's sequence autoencoder: an LSTM reads each sequence into a
    single vector of ``n_components`` numbers (the code), ``RepeatVector``
    copies it over the timesteps, and a decoder LSTM with a Dense layer per
    step rebuilds the sequence (with the input's feature count, where the
    tutorial's snippet had a bug). Series longer than 32 steps are read in
    frames of consecutive steps (``frame_length``), so the LSTMs run at most
    32 steps however long the series.

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
        LSTMs, each beside a linear path: the code is a linear map of the
        encoder's last state plus a linear map of the whole sequence, and
        the decoder adds a linear map from the code to the whole sequence to
        its LSTM's output, so the LSTMs learn what a linear (PCA-like)
        encoder and decoder cannot (the default ``units=64``, same data,
        random start: 1.9x PCA-8's error).
    init : {"pca", "random"}, default="pca"
        How the weights start, with ``units`` set. "pca": the linear paths
        are PCA's projection (scaled to unit standard deviation) and
        reconstruction (to first order with a sigmoid output), and the
        layers that bring the LSTMs in start at zero, so training starts
        where PCA ends and the LSTMs add to it. Measured with the default
        budget on 72 z-normalised series of 150 steps: 1.01x PCA-8's test
        error against 1.64x from "random" (2.24x before the encoder had its
        linear path), with 1-NN accuracy on the codes of 0.83 against 0.75
        (PCA-8's: 0.83), in 11 iterations against 21. "random" is Keras'
        initialisation; ``units=None`` has no linear path and always
        starts random.
    frame_length : int or "auto", default="auto"
        How many consecutive steps the LSTMs read (and the decoder's LSTM
        writes) as one: the encoder's LSTM takes frames of ``frame_length``
        steps (the last one padded with zeros), so it runs
        ``ceil(timesteps / frame_length)`` steps. "auto" is the smallest
        length that keeps them to at most 32 (1 for series of up to 32
        steps, so those are read step by step as in the tutorial). The cost
        of an LSTM grows with the steps it runs one after another: measured
        on 52 series of 500 steps, 8.1 s against 96.9 s step by step, with
        the same test error (1.01x PCA-8's). 1 reads every step on its own.
    {{training_parameters}}

    Attributes
    ----------
    sequence_shape_ : tuple of int
        ``(timesteps, n_features)`` the model reads each sample as.
    frame_length_ : int
        The steps the LSTMs read as one (``frame_length``, resolved, at
        most ``timesteps``).
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
        "init": [StrOptions({"pca", "random"})],
        "frame_length": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
    }

    def __init__(
        self,
        n_components=32,
        *,
        units=64,
        init="pca",
        frame_length="auto",
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
        timesteps = self.sequence_shape_[0]
        if self.frame_length == "auto":
            self.frame_length_ = math.ceil(timesteps / MAX_LSTM_STEPS)
        else:
            self.frame_length_ = min(int(self.frame_length), timesteps)

    def _build_encoder_decoder(self, n_features, output_activation):
        timesteps, width = self.sequence_shape_
        frame = self.frame_length_
        encoder = lstm_encoder(timesteps, width, self.n_components, units=self.units, frame=frame)
        decoder = lstm_decoder(
            timesteps, width, self.n_components, units=self.units,
            output_activation=output_activation, frame=frame,
        )
        return encoder, decoder

    def _initialize_weights(self, X, sample_weight):
        if self.init == "pca" and self.units is not None:
            self._start_linear_paths_at_pca(X, sample_weight, ("from_lstm", "step"))
