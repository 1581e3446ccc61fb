"""The training parameters every autoencoder shares: one table.

:data:`TRAINING_PARAMS` is the single source of truth for the Keras-side
parameters (``optimizer``, ``epochs``, ``batch_size``, ...): their defaults
(with the few per-class exceptions), their validation constraints and their
numpydoc text. The family modules keep explicit ``__init__`` signatures, as
scikit-learn's MLP does; ``tests/test_params.py`` holds every signature to
this table, so adding a shared parameter is one entry here plus the
signatures that test points at. Docstrings get the generated block through
:func:`fill_doc`, which fails loudly when a placeholder is missing.

Nothing here imports Keras: constraints name methods, not Keras classes, so
this module (and the registry) load without TensorFlow.
"""

from __future__ import annotations

import difflib
import inspect
import textwrap
from dataclasses import dataclass, field
from numbers import Integral, Real

from ._compat import HasMethods, Interval, StrOptions

# Routed keyword prefixes (scikeras' syntax, e.g. ``optimizer__learning_rate``).
# ``model__`` and ``predict__`` are left out: skae builds its own graphs and
# never calls ``Model.predict``.
ROUTING_PREFIXES = frozenset({"optimizer", "loss", "metrics", "callbacks", "compile", "fit"})


@dataclass(frozen=True)
class TrainingParam:
    """One shared parameter: default, constraints, numpydoc type and text.

    ``per_class`` maps a class name to its own default (and its docs show it).
    """

    name: str
    default: object
    constraints: list
    type_doc: str
    doc: str
    per_class: dict = field(default_factory=dict)

    def default_for(self, class_name):
        return self.per_class.get(class_name, self.default)


_P = TrainingParam

#: In signature order, after each class's own parameters.
TRAINING_PARAMS = (
    _P("output_activation", "auto", [str, callable], "str or callable",
       """Activation of the decoder's last layer. "auto" gives "sigmoid" when
       the loss is binary cross-entropy and "linear" otherwise. With a
       linear output, the networks skae builds work in units of the data's
       spread: the encoder's first layer (``"scale_in"``) subtracts the mean
       of every training value and divides by their standard deviation, the
       decoder's last (``"scale_out"``) undoes it, so that data in any units
       trains alike (the user guide's "Data scaling and the loss rule")."""),
    _P("loss", "auto", [str, callable], "str, callable or keras.losses.Loss",
       """Reconstruction loss. "auto" picks "binary_crossentropy" when all
       training values lie in [0, 1] (pixel intensities, min-max scaled
       data) and "mse" otherwise (e.g. standardized features). Any Keras
       loss works; a class can take routed parameters (``loss__delta=2``)."""),
    _P("optimizer", "adam", [str, type, HasMethods(["apply_gradients"])],
       "str, keras.optimizers.Optimizer or class",
       """Keras optimizer. Routed parameters configure it, e.g.
       ``optimizer__learning_rate=1e-3``."""),
    _P("learning_rate_init", 1e-3, [Interval(Real, 0, None, closed="neither")], "float",
       """The optimizer's learning rate, unless ``optimizer__learning_rate``
       is given or ``optimizer`` is an instance (which keeps its own). The
       image models train faster (ConvAutoencoder 4e-3, DenoisingAutoencoder
       2e-3), and reach their rate linearly over their first 256 optimizer
       steps, a warmup that keeps PCA's start from being thrown away. On
       MNIST, ConvAutoencoder(epochs=10) reaches a test loss of 0.0890 (the
       tutorial's 0.094; 0.0904 at a constant 2e-3, 0.0964 at 1e-3).""",
       per_class={"ConvAutoencoder": 4e-3, "DenoisingAutoencoder": 2e-3}),
    _P("metrics", None, [list, tuple, dict, None], "list or None",
       """Extra Keras metrics to record in ``history_`` during fit."""),
    _P("epochs", "auto", [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
       '"auto" or int',
       """"auto" trains until the loss reaches a plateau (see ``tol``,
       ``n_iter_no_change``, ``early_stopping``), at most ``max_iter``
       iterations, and keeps the weights of the best iteration. An int
       trains exactly that many epochs (passes over the data), as the
       tutorial does (its 50 epochs of 256 samples are 11,700 steps on
       MNIST but 250 on 1,347 digits: too few)."""),
    _P("batch_size", "auto",
       [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left"), None],
       '"auto", int or None',
       """Samples per gradient update. "auto" takes about
       ``n_samples / 16`` rounded to a power of two, at least 8 and at most
       the tutorial's batch for the model (256 for the dense models, 64 for
       ConvAutoencoder, 128 for the others): 8 on a 67-row table, 64 on
       1,347 digits, the tutorial's on MNIST. None is Keras' 32."""),
    _P("max_iter", 200, [Interval(Integral, 1, None, closed="left")], "int",
       """With ``epochs="auto"``, the most iterations a fit runs. An
       iteration is one pass over the training data, or on small data as
       many passes as make 128 optimizer steps; a ``ConvergenceWarning``
       says when the budget ends before the plateau."""),
    _P("tol", 1e-3, [Interval(Real, 0, None, closed="left")], "float",
       """With ``epochs="auto"``, an iteration improves the monitored loss
       when it lowers the best one by more than ``tol`` times the progress
       made so far (from the first iteration's loss, or from the loss of
       reconstructing every row by the mean row if that is higher, to the
       best): relative,
       so it means the same for any scale of X and for losses with a floor
       above zero, such as cross-entropy."""),
    _P("n_iter_no_change", 10, [Interval(Integral, 1, None, closed="left")], "int",
       """With ``epochs="auto"``, training stops after this many iterations
       without an improvement. Iterations that end within the image models'
       learning-rate warmup (their first 256 optimizer steps) are not
       counted: while the rate still rises, the loss may rise with it."""),
    _P("early_stopping", True, ["boolean"], "bool",
       """With ``epochs="auto"``, monitor the loss on a held-out
       ``validation_fraction`` of the training data (not trained on) and
       keep the weights that reconstruct it best, or the start's (PCA's
       solution) unless choosing by held-out loss beats it by more than a
       standard error, each held-out row judged by the iteration the other
       rows choose;
       False monitors the training loss instead. On by default, unlike the MLP's: measured on
       1,347 digits, a DeepAutoencoder's test error rises from 0.64x to
       0.73x PCA's between 50 and 200 iterations."""),
    _P("validation_fraction", 0.1, [Interval(Real, 0, 1, closed="neither")], "float",
       """Fraction of the training data held out with ``early_stopping``."""),
    _P("validation_split", 0.0, [Interval(Real, 0, 1, closed="left")], "float",
       """Fraction of the training data held out to compute ``val_loss``
       (for ``keras.callbacks.EarlyStopping``, for instance)."""),
    _P("shuffle", True, ["boolean", StrOptions({"batch"})], "bool",
       """Shuffle the training data, as Keras' ``fit`` does (``"batch"``: in
       batch-sized chunks). On TensorFlow every epoch of a seeded fit takes
       the order of its first (Keras' behaviour, kept; see the user guide)."""),
    _P("callbacks", None, [list, tuple, dict, HasMethods(["on_epoch_end"]), None],
       "list of keras.callbacks.Callback or None",
       """Keras callbacks for fit, e.g. ``keras.callbacks.TensorBoard``."""),
    _P("verbose", 0, ["verbose"], "int",
       """Keras' fit verbosity: 0 silent, 1 progress bar, 2 a line per epoch."""),
    _P("random_state", None, ["random_state"], "int, RandomState instance or None",
       """Seeds weight initialization and shuffling (and noise, where a model
       has any). An int gives the same model on every fit; a RandomState
       instance is drawn from, as in scikit-learn. The seeding is scoped to
       the fit: the process' seeds are restored afterwards (so seeded fits
       must not run in threads of one process at once; joblib's default
       uses processes). Bitwise reproducibility holds on CPU; GPUs may need
       TensorFlow's op determinism too."""),
    _P("warm_start", False, ["boolean"], "bool",
       """When True, ``fit`` keeps training the current model instead of
       building a new one (parameters that shape or compile the model take
       effect at the next fit without warm start)."""),
)

TRAINING_PARAM_NAMES = tuple(p.name for p in TRAINING_PARAMS)

#: ``batch_size="auto"`` never exceeds the tutorial's batch for the model, so
#: MNIST trains as the tutorial did.
TUTORIAL_BATCH_SIZE = {
    "ConvAutoencoder": 64,
    "DenoisingAutoencoder": 128,
    "SequenceAutoencoder": 128,
    "VariationalAutoencoder": 128,
}


def max_auto_batch(class_name):
    """The largest batch ``batch_size="auto"`` gives ``class_name``."""
    return TUTORIAL_BATCH_SIZE.get(class_name, 256)


#: Constraints of the shared parameters, merged into each class's own.
TRAINING_CONSTRAINTS = {p.name: p.constraints for p in TRAINING_PARAMS}

_KWARGS_DOC = """\
**kwargs : dict
    Routed Keras parameters only, in scikeras' ``<prefix>__<name>`` form
    with prefix one of ``optimizer``, ``loss``, ``metrics``, ``callbacks``,
    ``compile`` or ``fit``. They are stored as given; ``fit`` refuses any
    other keyword with a ``TypeError`` that names the closest parameter."""


def training_attributes_doc(codes="codes"):
    """The numpydoc block of the fitted attributes every autoencoder has;
    ``codes`` says what the encoder outputs."""
    return f"""\
model_ : keras.Model
    The end-to-end autoencoder, ``decoder_(encoder_(x))``.
encoder_ : keras.Model
    Maps samples to {codes}; shares its weights with ``model_``.
decoder_ : keras.Model
    Maps codes to reconstructions; shares its weights with ``model_``.
n_components_ : int
    Width of the code (the number of output features of ``transform``).
loss_ : str, callable or keras.losses.Loss
    The loss the model was compiled with (``loss`` with "auto" resolved).
output_activation_ : str or callable
    The decoder's last activation (``output_activation`` resolved).
history_ : dict of str to list of float
    Keras' history of the last fit, one entry per iteration (``loss``,
    ``val_loss``, metrics). With ``early_stopping``, ``val_loss`` is
    measured by skae, the (weighted) mean of the held-out rows' losses as
    ``score_samples`` measures them (with the ``SparseAutoencoder``'s
    penalty, the VAE's KL term), and Keras measures its held-out metrics
    only for the ``metrics`` you give.
n_iter_ : int
    Iterations the last fit ran: epochs, or with ``epochs="auto"``
    iterations of at least 128 optimizer steps.
loss_curve_ : list of float
    The training loss of each iteration (as scikit-learn's MLP has it).
best_loss_ : float or None
    The lowest training loss; None when ``early_stopping`` monitored the
    held-out loss instead.
validation_scores_ : list of float or None
    Minus the held-out loss of each iteration (higher is better), with
    ``early_stopping`` or ``validation_split``; None otherwise.
best_validation_score_ : float or None
    With ``early_stopping``, minus the held-out loss of the weights kept:
    the best iteration's, or the starting weights' (PCA's solution, or the
    model a warm start continues) unless choosing by held-out loss improves
    on them by more than one standard error, each held-out row judged by
    the iteration the other rows choose
    (:func:`skae._training.cross_validated_choice`,
    :func:`skae._training.clearly_better`).
    A kept PCA start is then started again from every row, the held-out
    ones too; this score is the one measured before, with those rows held
    out.
    Otherwise the best of ``validation_scores_``.
batch_size_ : int
    The batch size used (``batch_size`` with "auto" resolved).
sample_shape_ : tuple of int
    Shape of one training sample as given to fit, e.g. ``(784,)`` or
    ``(28, 28)``; ``inverse_transform`` returns samples of this shape.
n_features_in_ : int
    Number of features seen during fit (values per sample).
feature_names_in_ : ndarray of shape (n_features_in,)
    Names of features seen during fit, when X has string column names."""


def training_params_doc(class_name):
    """The numpydoc block of the shared parameters, with ``class_name``'s
    defaults, unindented."""
    entries = []
    for p in TRAINING_PARAMS:
        body = textwrap.indent(textwrap.dedent("       " + p.doc.strip()).strip(), "    ")
        default = p.default_for(class_name)
        default = f'"{default}"' if isinstance(default, str) else repr(default)
        entries.append(f"{p.name} : {p.type_doc}, default={default}\n{body}")
    entries.append(_KWARGS_DOC)
    return "\n".join(entries)


def fill_doc(**blocks):
    """Class decorator: replace each ``{{name}}`` line of the docstring by a block.

    A block is a string or a function of the class name. The placeholder's
    indentation is applied to every line. A placeholder without a block, or
    a block without its placeholder, is an error at import time (a silent
    ``.replace`` is how docs drift).
    """

    def decorate(cls):
        doc = inspect.cleandoc(cls.__doc__)
        for name, block in blocks.items():
            marker = "{{" + name + "}}"
            if marker not in doc:
                raise ValueError(f"{cls.__name__}'s docstring has no {marker}")
            text = block(cls.__name__) if callable(block) else block
            lines = doc.split("\n")
            doc = "\n".join(
                textwrap.indent(text, line[: len(line) - len(line.lstrip())])
                if line.strip() == marker
                else line
                for line in lines
            )
        if "{{" in doc:
            raise ValueError(f"{cls.__name__}'s docstring has an unfilled placeholder")
        cls.__doc__ = doc
        return cls

    return decorate


#: ``{{training_parameters}}`` and ``{{training_attributes}}`` for fill_doc.
TRAINING_DOCS = dict(
    training_parameters=training_params_doc,
    training_attributes=training_attributes_doc(),
)


# -- unknown keywords ---------------------------------------------------------
def check_keywords(estimator, valid_names, prefixes=ROUTING_PREFIXES):
    """Raise a ``TypeError`` for a stored parameter the class does not take.

    ``__init__`` and ``set_params`` store any keyword (scikit-learn validates
    in fit); routed ``prefix__name`` keywords are legitimate for each of
    ``prefixes`` (the Keras ones, and ``encoder``/``decoder`` where a class
    takes networks). Anything else (``epoch=3`` for ``epochs``) is refused
    here, with the closest name.
    """
    name = type(estimator).__name__
    for key in estimator.get_params(deep=False):
        if key in valid_names:
            continue
        prefix, sep, rest = key.partition("__")
        if sep and rest and prefix in prefixes:
            continue
        if sep and rest:
            close = difflib.get_close_matches(prefix, sorted(prefixes), n=1)
            hint = (
                f" Did you mean {close[0] + '__' + rest!r}?" if close else
                f" Routed parameters start with one of {sorted(prefixes)} and '__'."
            )
        else:
            close = difflib.get_close_matches(key, sorted(valid_names), n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
        raise TypeError(f"{name} got an unexpected keyword argument {key!r}.{hint}")
