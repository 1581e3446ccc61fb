"""The fully connected autoencoders: simple, sparse and deep.

Three siblings over one abstract base: they differ only in the hidden
layers (:meth:`_BaseDenseAutoencoder._hidden_sizes`) and the code's L1
penalty (:meth:`_BaseDenseAutoencoder._activity_l1`).
"""

from __future__ import annotations

import textwrap
from numbers import Real

import keras
import numpy as np

from ._base import BaseAutoencoder, check_layer_sizes, set_init_params
from ._builders import dense_decoder, dense_encoder
from ._compat import Interval, StrOptions
from ._init import CODE_MARGIN, KEPT_CODE_MARGIN, _init_rows, pca_weights
from ._params import TRAINING_DOCS, fill_doc


#: ``activity_l1="auto"``'s strength where the penalty does not outweigh the
#: reconstruction: the tutorial's ``regularizers.l1(10e-5)``.
TUTORIAL_ACTIVITY_L1 = 1e-4

#: What ``init="pca"`` measured, per class (the benchmark runs of issue 14).
_PCA_START_MEASURED = {
    "DenseAutoencoder": (
        '1.07x PCA-32\'s test error on 1,347 digits against 1.41x from "random", '
        "0.98x PCA-8's on standardised wine against 1.15x (1.00x, PCA's own, since the "
        "one-standard-error rule keeps the start), and on MNIST after 10 "
        "epochs a test BCE of 0.0918 against 0.0970"
    ),
    "SparseAutoencoder": (
        '1.09x PCA-32\'s test error on 1,347 digits against 1.42x from "random", '
        "0.98x PCA-8's on standardised wine against 1.16x (1.00x, PCA's own, since the "
        "one-standard-error rule keeps the start), and on MNIST after 10 "
        "epochs a test BCE of 0.0928 against 0.0986 (mean code activation 2.01, "
        "the DenseAutoencoder's 3.62: still sparser)"
    ),
    "DeepAutoencoder": (
        '0.97x PCA-32\'s test error on 1,347 digits against 1.30x from "random" '
        "(0.46x PCA-8's both ways), 0.94x PCA-32's on 100 MNIST images against "
        "1.85x, 0.67x on 1,000 against 1.17x, and 1.02x PCA-8's on 72 series of "
        "150 steps against 1.41x"
    ),
}


def _init_parameter_doc(class_name):
    """The numpydoc entry of ``init``, with ``class_name``'s measurements."""
    text = (
        '"pca": the first layer computes the training rows\' PCA coordinates '
        "(scaled, and shifted to be positive, with a margin for new rows beyond "
        "the training range, a tenth of it, or all of it for a start the "
        "early-stopping rule keeps, so that the activation passes them), hidden "
        "layers pass them on unchanged and the output layer decodes them to "
        "PCA's reconstruction (exactly with a linear output, to first order "
        "with a sigmoid), so training starts where PCA ends, as TSNE's "
        '``init="pca"``; the other units start random and reach the output through '
        "zeros. Measured with the default budget: "
        f"{_PCA_START_MEASURED[class_name]}. \"random\" is Keras' initialisation, "
        "the tutorial's. The start is exact with activations that pass "
        'non-negative numbers unchanged ("relu", "elu", "linear"); with others it '
        "is PCA's only where the activation is close to the identity."
    )
    body = textwrap.fill("How the weights start. " + text, width=72,
                         initial_indent="    ", subsequent_indent="    ")
    return 'init : {"pca", "random"}, default="pca"\n' + body


#: The constraint of ``init``, for the classes that take it.
_INIT_CONSTRAINT = {"init": [StrOptions({"pca", "random"})]}


class _BaseDenseAutoencoder(BaseAutoencoder):
    """Dense encoder and mirrored dense decoder. Not for direct use."""

    _parameter_constraints: dict = {
        **BaseAutoencoder._parameter_constraints,
        "activation": [str, callable],
    }

    def _hidden_sizes(self):
        """Widths of the encoder's hidden layers; the decoder mirrors them."""
        return ()

    def _activity_l1(self):
        """Strength of the L1 activity penalty a new model's code is built
        with (a family's start may lower it: ``activity_l1_``)."""
        return 0.0

    def _init_scheme(self):
        """"pca" or "random": how a new model's code and output layers start."""
        return "random"

    def _dense_chain(self):
        """The Dense layers from input to output: the encoder's, the code,
        the decoder's, the reconstruction."""
        return [layer for model in (self.encoder_, self.decoder_) for layer in model.layers
                if isinstance(layer, keras.layers.Dense)]

    def _initialize_weights(self, X, sample_weight, margin=CODE_MARGIN):
        if self._init_scheme() != "pca":
            return
        chain = self._dense_chain()
        X, sample_weight = self._graph_rows(X, sample_weight)
        start = pca_weights(
            X, sample_weight, self.n_components_, self.output_activation_,
            [layer.get_weights() for layer in chain], seed=self._seed,
            margin=margin,
        )
        for layer, weights in zip(chain, start.layers):
            layer.set_weights(list(weights))

    def _keep_the_start(self, X, sample_weight):
        # No training in this fit will move a kept start's bend: a whole range
        # below the lowest row (KEPT_CODE_MARGIN), so that new rows outside
        # the training range pass unchanged, as PCA projects them.
        self._initialize_weights(X, sample_weight, margin=KEPT_CODE_MARGIN)

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


@fill_doc(**TRAINING_DOCS, init_parameter=_init_parameter_doc)
class DenseAutoencoder(_BaseDenseAutoencoder):
    """Autoencoder with one Dense code layer and one Dense output layer.

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
    {{init_parameter}}
    {{training_parameters}}

    Attributes
    ----------
    {{training_attributes}}

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
        **_BaseDenseAutoencoder._parameter_constraints,
        **_INIT_CONSTRAINT,
    }

    def __init__(
        self,
        n_components=32,
        *,
        activation="relu",
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
        return self.init



@fill_doc(**TRAINING_DOCS, init_parameter=_init_parameter_doc)
class SparseAutoencoder(_BaseDenseAutoencoder):
    """Dense autoencoder with an L1 activity penalty on the code.

    The tutorial's "sparsity constraint on the encoded representations": the
    penalty ``activity_l1 * sum(|code|)`` (per sample, as Keras 3 averages
    activity penalties over the batch) drives most code units to zero.

    Parameters
    ----------
    n_components : int, default=32
        Size of the code (the tutorial's ``encoding_dim``).
    activity_l1 : float or "auto", default="auto"
        Strength of the L1 penalty on the code, in the loss's units. "auto"
        is the tutorial's ``activity_l1(10e-5)`` (1e-4), lowered where the
        penalty would outweigh the reconstruction at PCA's start (with
        ``init="pca"``: at most the start's mean reconstruction loss per
        unit of mean code activity on the training rows). The penalty does
        not scale with the data, the loss does: on smooth spectra
        (the UCR archive's Tecator, 172 z-normalised curves of 100 points)
        PCA-8's mean squared error is 2.9e-6, and 1e-4 is 250 times the
        start's reconstruction loss per unit of code activity (its penalty
        200 times its loss on the held-out rows); the trained model, sparser,
        had 15.6x PCA-8's test error. On the benchmark's images and tables
        the start's penalty is 0.001-0.11 of its loss, and "auto" is 1e-4.
        A number is used as given; 0 gives a :class:`DenseAutoencoder`.
        The strength is fixed when a new model starts: ``warm_start`` and
        ``partial_fit`` continue with ``activity_l1_``.
    activation : str or callable, default="relu"
        Activation of the code layer.
    {{init_parameter}}
    {{training_parameters}}

    Attributes
    ----------
    activity_l1_ : float
        The strength used: ``activity_l1``, or what "auto" chose.
    {{training_attributes}}

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
        **_BaseDenseAutoencoder._parameter_constraints,
        "activity_l1": [StrOptions({"auto"}), Interval(Real, 0, None, closed="left")],
        **_INIT_CONSTRAINT,
    }

    def __init__(
        self,
        n_components=32,
        *,
        activity_l1="auto",
        activation="relu",
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

    def _activity_l1(self):
        return TUTORIAL_ACTIVITY_L1 if self.activity_l1 == "auto" else float(self.activity_l1)

    def _initialize_weights(self, X, sample_weight, margin=CODE_MARGIN):
        # A new model: its start, then the strength chosen from it. Set
        # before Keras traces the loss (the first evaluate or train step),
        # which reads the regularizer's l1; warm_start and partial_fit keep it.
        super()._initialize_weights(X, sample_weight, margin=margin)
        self.activity_l1_ = self._chosen_activity_l1(X, sample_weight)
        code = self.encoder_.get_layer("code")
        if code.activity_regularizer is not None:
            code.activity_regularizer.l1 = self.activity_l1_

    def _keep_the_start(self, X, sample_weight):
        # The start again, with the strength it was judged with.
        _BaseDenseAutoencoder._initialize_weights(self, X, sample_weight,
                                                  margin=KEPT_CODE_MARGIN)

    def _chosen_activity_l1(self, X, sample_weight):
        """``activity_l1``, or with "auto" the tutorial's strength, at most
        the start's mean reconstruction loss per unit of mean code activity
        on (at most MAX_INIT_ROWS of) the training rows."""
        nominal = self._activity_l1()
        if self.activity_l1 != "auto" or self._init_scheme() != "pca":
            return nominal
        X, sample_weight = _init_rows(X, sample_weight, self._seed)
        X = np.asarray(X, np.float32)
        codes = self._map_batches(self._encode_fn(), X, np.float64)
        activity = np.average(np.abs(codes).sum(axis=1), weights=sample_weight)
        loss = np.average(super()._held_out_row_losses(X, X), weights=sample_weight)
        return float(min(nominal, loss / activity)) if activity > 0 else nominal

    def _held_out_row_losses(self, inputs, targets):
        # As Keras' loss counts them: the code's L1 penalty too (Keras
        # divides a batch's by its rows, so a row's is its own code's).
        codes = self._map_batches(self._encode_fn(), inputs, np.float64)
        # Models saved before activity_l1_ existed trained with activity_l1.
        strength = getattr(self, "activity_l1_", None)
        strength = self._activity_l1() if strength is None else strength
        penalty = strength * np.abs(codes).sum(axis=1)
        return super()._held_out_row_losses(inputs, targets) + penalty

    def _init_scheme(self):
        return self.init


@fill_doc(**TRAINING_DOCS, init_parameter=_init_parameter_doc)
class DeepAutoencoder(_BaseDenseAutoencoder):
    """Autoencoder with a mirrored stack of Dense layers.

    The tutorial's deep autoencoder, 784-128-64-32-64-128-784 on MNIST with
    the defaults (with ELU activations; ``activation="relu"`` is the
    tutorial's): ``hidden_layer_sizes`` on the way in, the code, then the
    same sizes reversed on the way out.

    Parameters
    ----------
    hidden_layer_sizes : tuple of int, default=(128, 64)
        Widths of the encoder's hidden layers, outermost first; the decoder
        mirrors them.
    n_components : int, default=32
        Size of the code (the tutorial's ``encoding_dim``).
    activation : str or callable, default="elu"
        Activation of the hidden and code layers. The tutorial's "relu"
        leaves a code that can only be positive and whose dead units shrink
        it: measured with ``epochs="auto"`` and ``n_components=8``, "elu"
        has 0.98x PCA-8's test error on standardised wine against 1.85x,
        0.80x against 1.07x on breast_cancer, 0.46x against 0.62x on
        digits, and on MNIST (20 epochs, 32-d code) a test BCE of 0.0908
        against 0.0921 (both from random weights).
    {{init_parameter}}
    {{training_parameters}}

    Attributes
    ----------
    {{training_attributes}}

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
        **_BaseDenseAutoencoder._parameter_constraints,
        "hidden_layer_sizes": ["array-like"],
        **_INIT_CONSTRAINT,
    }

    def __init__(
        self,
        hidden_layer_sizes=(128, 64),
        n_components=32,
        *,
        activation="elu",
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

    def _hidden_sizes(self):
        return check_layer_sizes(self.hidden_layer_sizes, "hidden_layer_sizes")

    def _init_scheme(self):
        return self.init
