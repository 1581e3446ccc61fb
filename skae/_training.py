"""The training budget: how many steps a fit takes, and when it stops.

With ``epochs="auto"`` (the default) a fit trains until the loss reaches a
plateau, as scikit-learn's MLP does (``tol``, ``n_iter_no_change``,
``early_stopping``, ``validation_fraction``, ``max_iter``), and keeps the
weights of its best iteration. An explicit ``epochs=N`` trains exactly N
epochs, as the tutorial does.

The tutorial's fixed budget (50 epochs of 256 samples) is 11,700 optimizer
steps on MNIST's 60,000 rows but 5 steps an epoch on 1,347 digits and one on
a 67-row table: small data were not trained, and lost to PCA. Here an
iteration is one pass over the data, or on small data as many passes as
make :data:`MIN_STEPS_PER_ITER` optimizer steps: Keras' fixed cost per epoch
(callbacks, the data adapter) dominated short epochs (measured on a 67-row
table, batch 8: 2.8-3.2 ms a step in 200 short epochs against 0.63 ms a step
in one long one). A step of convolutions over large images costs far more,
and such iterations are shorter: see :func:`min_steps_for_work`.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import keras
import numpy as np
from sklearn.exceptions import ConvergenceWarning

from ._streaming import RowSubset

#: Optimizer steps an iteration has at least (small data repeat within it).
MIN_STEPS_PER_ITER = 128

#: The fewest steps an iteration of costly steps has (:func:`min_steps_for_work`).
MIN_COSTLY_STEPS_PER_ITER = 16

#: Multiply-adds an iteration has at least: 128 steps of 64 samples of 2**20
#: each (8.6e9; about 0.7 s on 2 cores, where the DenoisingAutoencoder's
#: convolutions ran at 12e9 a second).
ITERATION_WORK = MIN_STEPS_PER_ITER * 64 * 2**20


def min_steps_for_work(work_per_step):
    """Optimizer steps an iteration has at least, for steps of
    ``work_per_step`` multiply-adds (None: unknown, so cheap).

    :data:`MIN_STEPS_PER_ITER`, or fewer when that many steps would exceed
    :data:`ITERATION_WORK` (at least :data:`MIN_COSTLY_STEPS_PER_ITER`).
    Keras' fixed cost per epoch is small beside a few costly steps, and
    128-step iterations made the plateau rule's patience
    (``n_iter_no_change`` iterations) thousands of them. The tutorial's
    DenoisingAutoencoder (32-32 filters) does 4.5e6 multiply-adds per 28x28
    image, 5.8e8 per step of 128: on 2,000 MNIST images (1,800 trained on,
    15 steps a pass) its iterations are two passes, 29 steps (at least 16),
    and it fits in 38 s at n_components=8 and 28 s at 32, against
    129 s and 164 s with 128 steps (0.73x and 0.71x PCA-k's test error,
    against 0.66x and 0.72x). The ConvAutoencoder (16-8-8 filters, 8.6e5
    per 28x28 image, batches of at most 64) keeps 128 steps: with 32 steps
    an iteration, 16x16 images (load_digits zoomed 2x, n_components=32)
    ended at 1.15x PCA-32's test error against 1.05x.
    """
    if not work_per_step:
        return MIN_STEPS_PER_ITER
    steps = math.ceil(ITERATION_WORK / work_per_step)
    return int(min(max(steps, MIN_COSTLY_STEPS_PER_ITER), MIN_STEPS_PER_ITER))


def conv_multiply_adds(model):
    """Multiply-adds of ``model``'s Conv2D layers (in nested models too) for
    one sample: what makes a step costly. Layers whose output size is not
    known (a shared layer, a free image size) are not counted."""
    total = 0
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            total += conv_multiply_adds(layer)
        elif isinstance(layer, keras.layers.Conv2D):
            try:
                shape = layer.output.shape
            except (AttributeError, ValueError):  # no single output
                continue
            spatial = shape[2:4] if layer.data_format == "channels_first" else shape[1:3]
            if None not in spatial:
                total += math.prod(spatial) * math.prod(layer.kernel.shape)
    return int(total)


#: Optimizer steps Keras runs per call of its compiled train function (the
#: ``steps_per_execution`` skae compiles with unless ``compile__`` says
#: otherwise): the same updates, bitwise, with less Python between them.
#: Measured on 1,797 digits, DenseAutoencoder(n_components=16) with
#: ``epochs="auto"`` (98 iterations): 8.9 s against 16.0 s at 1.
STEPS_PER_EXECUTION = 32


def warmup_schedule(learning_rate, steps):
    """``learning_rate``, reached linearly from 0 over the first ``steps``
    optimizer steps (``steps=0``: the rate itself, a float).

    Adam's first steps have the learning rate's size in every weight
    whatever the gradient's (its second moment is estimated from a few
    gradients; Liu et al., 2020, "On the variance of the adaptive learning
    rate and beyond"), which at a fast rate throws away a good start such
    as PCA's. A warmup lets a class train at a faster rate without that
    (see ``ConvAutoencoder``). Keras' own ``CosineDecay`` with ``alpha=1``
    (a decay to 100%, i.e. none) after its linear warmup: a built-in
    schedule, so a saved model needs nothing of skae's to load it.
    """
    if not steps:
        return learning_rate
    return keras.optimizers.schedules.CosineDecay(
        0.0, decay_steps=1, alpha=1.0, warmup_target=learning_rate, warmup_steps=steps
    )


#: ``batch_size="auto"``: about this many batches per pass, as a power of two
#: between :data:`MIN_AUTO_BATCH` and the class's largest.
AUTO_BATCHES_PER_PASS = 16
MIN_AUTO_BATCH = 8


def auto_batch_size(n_samples, max_batch):
    """``n_samples / 16`` rounded to a power of two, in ``[8, max_batch]``.

    MNIST's 60,000 rows get the class's largest (the tutorial's 256 for the
    dense models), 1,347 digits 64, a 67-row table 8.
    """
    target = max(n_samples / AUTO_BATCHES_PER_PASS, 1.0)
    batch = 2 ** round(math.log2(target))
    return int(min(max(batch, MIN_AUTO_BATCH), max_batch))


@dataclass(frozen=True)
class TrainingPlan:
    """What one call of fit runs: ``iterations`` Keras epochs of ``repeats``
    passes over the data each, in batches of ``batch_size``; ``auto`` says
    whether the plateau rule may stop it earlier."""

    batch_size: int
    repeats: int
    iterations: int
    auto: bool


def plan_training(n_samples, *, epochs, batch_size, max_iter, min_steps=MIN_STEPS_PER_ITER):
    """The :class:`TrainingPlan` for ``n_samples`` training rows.

    ``epochs`` is "auto" or a number of epochs (exact: no repeats, no
    stopping); ``batch_size`` is already resolved to an int; ``min_steps``
    is the optimizer steps an iteration has at least.
    """
    if epochs != "auto":
        return TrainingPlan(batch_size, 1, int(epochs), auto=False)
    steps_per_pass = math.ceil(n_samples / batch_size)
    repeats = max(1, math.ceil(min_steps / steps_per_pass))
    return TrainingPlan(batch_size, repeats, int(max_iter), auto=True)


def steps_per_epoch(n_rows, batch_size):
    """The batches of ``batch_size`` in ``n_rows`` (the last one partial):
    Keras' own count for arrays, given to ``Model.fit`` (see ``_fit``)."""
    return math.ceil(n_rows / batch_size)


def split_validation(X, sample_weight, fraction, seed):
    """``(X_train, w_train, X_val, w_val)``: a seeded random ``fraction`` of
    the rows held out (at least one row, and at least one left to train).
    X may be row indices (of data streamed from disk)."""
    train, val = _split_positions(X.shape[0], fraction, seed)
    take = (lambda w, rows: None if w is None else w[rows])
    return X[train], take(sample_weight, train), X[val], take(sample_weight, val)


def _split_positions(n, fraction, seed):
    """The positions of :func:`split_validation`'s trained and held-out rows."""
    n_val = min(max(1, round(fraction * n)), n - 1)
    order = np.random.default_rng(seed).permutation(n)
    return np.sort(order[n_val:]), np.sort(order[:n_val])


def rejoin_rows(X_train, w_train, X_val, w_val, fraction, seed, streamed=None):
    """Every row again, ``(X, sample_weight)`` in the original order, from
    the parts :func:`split_validation` made with ``fraction`` and ``seed``
    (so a start taken from them is the one taken from the unsplit rows).
    With ``streamed`` (data read from disk), the parts are row indices into
    it, rejoined in increasing order, as readers such as h5py require."""
    if streamed is not None:
        positions = np.concatenate([X_train, X_val])
    else:
        positions = np.concatenate(_split_positions(len(X_train) + len(X_val), fraction, seed))
    order = np.argsort(positions)
    weights = None if w_train is None else np.concatenate([w_train, w_val])[order]
    if streamed is not None:
        return RowSubset(streamed, positions[order]), weights
    return np.concatenate([X_train, X_val])[order], weights


def repeat_rows(X, sample_weight, repeats):
    """X (and its weights) stacked ``repeats`` times: one Keras epoch of the
    result is ``repeats`` passes over X (shuffled together when Keras
    shuffles)."""
    if repeats == 1:
        return X, sample_weight
    tile = (lambda a: None if a is None else np.concatenate([a] * repeats))
    return tile(X), tile(sample_weight)


def optimizer_steps(model):
    """The optimizer steps ``model`` has taken, over all its fits."""
    return int(keras.ops.convert_to_numpy(model.optimizer.iterations.value))


class HeldOutLoss(keras.callbacks.Callback):
    """Logs ``val_loss`` after each iteration: the (weighted) mean of the
    held-out rows' losses, measured by skae instead of by Keras.

    The plateau rule needs each held-out row's loss anyway (see
    :func:`cross_validated_choice`); Keras' own validation ran the same
    forward pass again through ``Model.evaluate``, whose fixed cost (a new
    data iterator, its callbacks) was most of a small fit's iteration:
    measured on 1,347 digits, 36 ms of a DenseAutoencoder's 66 ms, against
    under 2 ms for the rows' losses. ``row_losses()`` gives them under the
    current weights; ``latest`` keeps the last ones measured.
    """

    def __init__(self, row_losses, sample_weight=None):
        super().__init__()
        self.row_losses, self.sample_weight = row_losses, sample_weight
        self.latest = None

    def measure(self):
        """The held-out loss under the current weights (``latest``: the
        rows')."""
        self.latest = np.asarray(self.row_losses(), np.float32)
        return float(np.average(self.latest, weights=self.sample_weight))

    def on_epoch_end(self, epoch, logs=None):
        loss = self.measure()
        if logs is not None:
            logs["val_loss"] = loss

    def forget_the_rows(self):
        """Drop the held-out rows and their losses once the fit is done."""
        self.row_losses, self.latest = None, None


class PlateauStopping(keras.callbacks.Callback):
    """scikit-learn's MLP stopping rule, with the best weights restored.

    After each iteration (Keras epoch), the monitored loss (``loss``, or
    ``val_loss`` with early stopping) counts as an improvement when it is
    below the best so far by more than ``tol`` times the progress made so
    far: from the first iteration's loss, or from ``baseline`` (the loss of
    reconstructing every row by the training mean) if that is higher, to
    the best. The baseline keeps a model that starts near its optimum (a
    DenseAutoencoder started from PCA: measured on digits, a first loss of
    0.297 and a best of 0.283, so without it an iteration counted as an
    improvement at 1.3e-5 and the fit never stopped within 200 iterations)
    from treating every crumb as progress. Relative to progress,
    not to the loss itself: a binary cross-entropy never falls below the
    entropy of the data (measured on digits: 0.29 of a first 0.55), so a
    tolerance relative to the loss would stop nothing, and one relative to
    an offset-free scale means the same for a squared error of 1e4 or 0.01.
    Training stops after ``n_iter_no_change`` iterations without an
    improvement, and the weights of the iteration with the lowest loss are
    put back (as scikit-learn's MLP keeps its best coefficients: ``tol``
    decides when to stop, not which weights to keep).

    ``start``, the monitored loss of the weights training starts from (on
    the held-out rows), makes those weights a candidate too: a model started
    at PCA's solution that only overfits its training rows (a few dozen
    series) ends where it started, never behind it on held-out data.

    Iterations that end within the learning rate's warmup (the optimizer's
    first ``warmup_steps`` steps, :func:`warmup_schedule`) are not counted
    towards ``n_iter_no_change``, as Keras' ``EarlyStopping`` skips its
    ``start_from_epoch`` epochs: while the rate still rises, a loss that
    rises with it is the schedule's doing, not a plateau. Their losses and
    weights still count. Measured: a DenoisingAutoencoder(n_components=32)
    on 1,000 MNIST images in [-1, 1] (30 steps an iteration, so 9 iterations
    of warmup) had its lowest held-out loss after the first iteration; the
    loss rose to 1.05 of the start's by the 7th as the rate rose, and was
    still 0.946 against 0.938 at the 11th, so the rule stopped at 12 and
    kept the first iteration's weights (1.55x PCA-32's clean test error;
    on the same images in 0-255, which it reads in nearly the same units,
    the loss fell below that first one at the 11th and the fit ran 49
    iterations). Counted from the end of the warmup, it ran 91: 0.94x.
    """

    def __init__(self, monitor, tol, n_iter_no_change, baseline=None, start=None,
                 row_losses=None, warmup_steps=0):
        super().__init__()
        self.monitor, self.tol, self.n_iter_no_change = monitor, tol, n_iter_no_change
        self.baseline = baseline
        self.warmup_steps = warmup_steps
        self.start = start
        # ``row_losses()``: the held-out rows' losses under the current
        # weights; recorded for the start and after every iteration, so the
        # rule between the start and the best iteration can judge each row
        # by the iteration the other rows chose (cross_validated_choice).
        self.row_losses = row_losses
        self.row_loss_history = []
        self.first = None
        self.best = np.inf  # the reference of the last improvement by tol
        self.lowest = np.inf  # the loss of the weights kept
        self.best_weights = self.start_weights = None
        self.best_iteration = None
        self.wait = 0
        self.converged = False

    def forget_the_rows(self):
        """Drop the held-out rows and their losses once the rule is done."""
        self.row_losses, self.row_loss_history = None, []

    def on_train_begin(self, logs=None):
        if self.start is not None and np.isfinite(self.start):
            self.first = self.best = self.lowest = float(self.start)
            self.best_weights = self.start_weights = self.model.get_weights()
            self.best_iteration = -1  # the start
            if self.row_losses is not None:
                self.row_loss_history = [np.asarray(self.row_losses(), np.float32)]

    def keep_the_start(self):
        """Make the start the weights kept (see :func:`clearly_better`)."""
        self.best_iteration, self.lowest = -1, float(self.start)
        self.model.set_weights(self.start_weights)

    def on_epoch_end(self, epoch, logs=None):
        value = (logs or {}).get(self.monitor)
        if value is None or not np.isfinite(value):
            return  # a non-finite loss stops the fit elsewhere
        if self.row_loss_history:  # the start's are first: only with a start
            self.row_loss_history.append(np.asarray(self.row_losses(), np.float32))
        if self.first is None:
            self.first = float(value)
        start = self.first if self.baseline is None else max(self.first, self.baseline)
        progress = max(start - self.best, 0.0) if self.best < np.inf else 0.0
        if value < self.lowest:
            self.lowest, self.best_iteration = float(value), epoch
            self.best_weights = self.model.get_weights()
        if self.best == np.inf or value < self.best - self.tol * progress:
            self.best, self.wait = float(value), 0
        elif not self._warming_up():
            self.wait += 1
            if self.wait >= self.n_iter_no_change:
                self.converged = True
                self.model.stop_training = True

    def _warming_up(self):
        """Whether the iteration that just ended ended within the warmup."""
        if not self.warmup_steps:
            return False
        return optimizer_steps(self.model) <= self.warmup_steps

    def on_train_end(self, logs=None):
        if self.best_weights is not None:
            self.model.set_weights(self.best_weights)


def cross_validated_choice(row_loss_history, sample_weight=None):
    """Each held-out row's loss under the candidate the *other* held-out rows
    choose: leave-one-out cross-validation of choosing by held-out loss.

    ``row_loss_history[t, i]`` is row i's loss under candidate t (the start,
    then each iteration with a finite monitored loss); the candidate kept is
    the one with the lowest (weighted) mean. That mean is optimistic as an
    estimate of the kept weights' loss: the same rows chose them among every
    iteration, and with a few held-out rows one or two lucky rows can make
    the choice. Judged by the iteration the other rows choose, each row's
    loss is an estimate that is not also the selector (Stone, 1974; Varma
    and Simon, 2006, for the bias of the other). With one row there are no
    others: its own choice is kept.

    Measured on 90 multivariate series (9 held out): trained weights that
    beat the start by 1.76 and 1.30 standard errors on the rows that chose
    them (a DeepAutoencoder at 8 numbers, a SequenceAutoencoder at 4) were
    behind PCA on 1,030 test series (1.03x and 1.06x its error); judged by
    the others' choice they win by 0.78 and 0.33, and the start is kept.
    Real gains keep their weights: 2.42 standard errors (2.47 before) on
    GunPoint's 5 held-out series, 0.45x PCA-4's test error.
    """
    history = np.asarray(row_loss_history, np.float64)
    n_rows = history.shape[1]
    if n_rows < 2:
        return history.min(axis=0)
    w = np.ones(n_rows) if sample_weight is None else np.asarray(sample_weight, np.float64)
    totals = history @ w
    # Candidate t's weighted mean over every row but i, for each (t, i);
    # a row of weight 0 does not move the others' choice, and a candidate
    # with a non-finite loss is never chosen (np.argmin would take a NaN).
    others = (totals[:, None] - history * w) / np.maximum(w.sum() - w, 1e-300)
    chosen = np.argmin(np.where(np.isfinite(others), others, np.inf), axis=0)
    return history[chosen, np.arange(n_rows)]


def clearly_better(losses, start_losses, sample_weight=None):
    """Whether the held-out rows' ``losses`` beat ``start_losses`` (the same
    rows' under the starting weights) by more than one standard error of
    their mean difference (Student's t quantile of its confidence: the
    standard error is estimated): the one-standard-error rule of model
    selection (Breiman et al., 1984; Hastie et al., *The Elements of
    Statistical Learning*, 7.10), with the start as the simpler model.

    The start is PCA's solution, and a few held-out rows do not tell a
    real improvement from luck. Measured on 90 multivariate series (9 held
    out): a SequenceAutoencoder(n_components=8) whose trained weights beat
    the start there by 0.97 standard errors was behind PCA on 1,030 test
    series (1.05x PCA-8's test error, 1-NN accuracy on its codes 0.841
    against 0.883); with this rule it keeps the start (1.00x, 0.883). On
    72 series of 150 steps (7 held out), at 0.77 standard errors: 1.06x
    PCA-4's error and 0.697 against 0.725, now 1.00x and 0.725. On 1,347
    digits (135 held out) trained weights win by 48-100 standard errors.
    The standard error is estimated from the same rows, so "one" is
    Student's t quantile of its confidence
    (:func:`one_standard_error_quantile`); ``losses`` are each row's under
    the candidate the other rows choose (:func:`cross_validated_choice`).
    """
    diff = np.asarray(losses, np.float64) - np.asarray(start_losses, np.float64)
    w = np.ones(len(diff)) if sample_weight is None else np.asarray(sample_weight, np.float64)
    mean = np.average(diff, weights=w)
    n_eff = w.sum() ** 2 / (w**2).sum()  # Kish's effective number of rows
    if n_eff <= 1:  # one row: no spread to measure
        return bool(mean < 0)
    variance = np.average((diff - mean) ** 2, weights=w) * n_eff / (n_eff - 1)
    return bool(mean < -one_standard_error_quantile(n_eff) * math.sqrt(variance / n_eff))


def one_standard_error_quantile(n_rows):
    """How many estimated standard errors the one-standard-error rule asks
    for with ``n_rows`` held-out rows: Student's t quantile of the normal's
    84.1% (one standard error, known) with ``n_rows - 1`` degrees of
    freedom, since the standard error is estimated from the same rows.
    1.20 for 4 rows, 1.07 for 9, 1.01 for 43, 1 in the limit."""
    from scipy import stats

    return float(stats.t.ppf(stats.norm.cdf(1.0), n_rows - 1))


#: Rows :func:`mean_row_loss` evaluates at most.
MAX_BASELINE_ROWS = 10_000

#: Held-out rows whose losses the start's rule records after every
#: iteration, at most: a standard error of 1% of the loss's spread, and on
#: 10 million streamed rows 8 MB for 200 iterations, not 800 MB.
MAX_RULE_ROWS = 10_000


def rows_for_the_rule(validation):
    """``validation`` (inputs, targets[, weights]), every k-th row of at
    most :data:`MAX_RULE_ROWS`: the rows :func:`cross_validated_choice`
    and :func:`clearly_better` judge."""
    step = rule_row_step(len(validation[1]))
    return tuple(part[::step] for part in validation)


def rule_row_step(n_rows):
    """Every how many of ``n_rows`` held-out rows the rule judges one."""
    return max(1, math.ceil(n_rows / MAX_RULE_ROWS))


def mean_row_loss(per_sample_loss, mean, X_monitor):
    """The loss of reconstructing each row of ``X_monitor`` by ``mean``, the
    (weighted) mean training row: what an autoencoder that ignores its input
    scores, the scale of :class:`PlateauStopping`'s progress."""
    # An estimate of a scale: every k-th row of at most MAX_BASELINE_ROWS,
    # so a large fit does not hold a second copy of its data.
    X_monitor = X_monitor[:: max(1, math.ceil(len(X_monitor) / MAX_BASELINE_ROWS))]
    mean = np.asarray(mean).astype(X_monitor.dtype)
    prediction = np.broadcast_to(mean, X_monitor.shape)
    return float(np.mean(per_sample_loss(X_monitor, prediction)))


def warn_not_converged(name, max_iter):
    warnings.warn(
        f"{name}: the maximum number of iterations ({max_iter}) was reached and "
        "the loss has not reached a plateau yet. Raise max_iter, or set "
        "epochs to train a fixed number of epochs.",
        ConvergenceWarning,
        stacklevel=_caller_stacklevel(),
    )


def _caller_stacklevel():
    """The ``stacklevel`` of the first frame outside skae and scikeras: the
    warning points at the user's ``fit`` call (or a scikit-learn
    meta-estimator's), not at the wrappers in between."""
    import os
    import sys

    import scikeras

    internal = tuple(
        os.path.dirname(os.path.abspath(module.__file__)) + os.sep
        for module in (sys.modules[__package__], scikeras)
    )
    frame, level = sys._getframe(1), 1
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(internal):
        frame, level = frame.f_back, level + 1
    return level
