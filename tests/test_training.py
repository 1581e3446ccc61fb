"""The training budget: epochs="auto" stops on a plateau, explicit epochs are
exact, the budget warns, the best weights come back, small data repeat."""

import math
import warnings

import keras
import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from skae import (
    ConvAutoencoder,
    DeepAutoencoder,
    DenoisingAutoencoder,
    DenseAutoencoder,
    SparseAutoencoder,
    VariationalAutoencoder,
)
from skae._losses import per_sample_loss
from skae._training import (
    ITERATION_WORK,
    MIN_COSTLY_STEPS_PER_ITER,
    MIN_STEPS_PER_ITER,
    STEPS_PER_EXECUTION,
    PlateauStopping,
    auto_batch_size,
    clearly_better,
    conv_multiply_adds,
    cross_validated_choice,
    mean_row_loss,
    min_steps_for_work,
    one_standard_error_quantile,
    plan_training,
    rejoin_rows,
    split_validation,
    steps_per_epoch,
    warmup_schedule,
)

SMALL = dict(n_components=2, random_state=0)
AUTO = dict(epochs="auto", batch_size="auto", **SMALL)


@pytest.fixture(scope="module")
def X():
    rng = np.random.RandomState(0)
    latent = rng.rand(80, 2)
    return latent @ rng.rand(2, 6) / 2 + 0.02 * rng.rand(80, 6)  # in [0, 1]


def _steps(est):
    return int(keras.ops.convert_to_numpy(est.model_.optimizer.iterations.value))


@pytest.mark.parametrize(
    "n, largest, expected",
    [(30, 256, 8), (67, 256, 8), (426, 256, 32), (1347, 256, 64), (60000, 256, 256),
     (60000, 64, 64), (1347, 64, 64)],
)
def test_auto_batch_size(n, largest, expected):
    assert auto_batch_size(n, largest) == expected


def test_plan_repeats_small_data_and_not_large():
    small = plan_training(67, epochs="auto", batch_size=8, max_iter=200)
    assert small.auto and small.repeats == math.ceil(MIN_STEPS_PER_ITER / 9)
    large = plan_training(60000, epochs="auto", batch_size=256, max_iter=200)
    assert large.repeats == 1 and large.iterations == 200
    exact = plan_training(67, epochs=5, batch_size=8, max_iter=200)
    assert (exact.repeats, exact.iterations, exact.auto) == (1, 5, False)
    short = plan_training(67, epochs="auto", batch_size=8, max_iter=200, min_steps=16)
    assert short.repeats == 2


def test_costly_steps_make_shorter_iterations():
    # 128 steps, or fewer when that many would exceed ITERATION_WORK.
    assert min_steps_for_work(None) == min_steps_for_work(1) == MIN_STEPS_PER_ITER
    assert min_steps_for_work(ITERATION_WORK / 40) == 40
    assert min_steps_for_work(ITERATION_WORK) == MIN_COSTLY_STEPS_PER_ITER
    # The tutorial's denoiser on 28x28 images: 4.5e6 multiply-adds an image;
    # its steps of 128 images are costly, the ConvAutoencoder's of 64 are not.
    X = np.random.RandomState(0).rand(4, 28, 28)
    denoiser = DenoisingAutoencoder(epochs=1, batch_size=128, random_state=0).fit(X)
    assert conv_multiply_adds(denoiser.model_) == 4_515_840
    assert denoiser._min_steps_per_iter() == MIN_COSTLY_STEPS_PER_ITER
    conv = ConvAutoencoder(epochs=1, batch_size=64, random_state=0).fit(X)
    assert conv_multiply_adds(conv.model_) == 855_360
    assert conv._min_steps_per_iter() == MIN_STEPS_PER_ITER
    # Dense layers are cheap: 128 steps whatever the batch.
    dense = DenseAutoencoder(epochs=1, batch_size=256, random_state=0).fit(X.reshape(4, -1))
    assert conv_multiply_adds(dense.model_) == 0
    assert dense._min_steps_per_iter() == MIN_STEPS_PER_ITER
    # The plan takes the family's minimum: 36 rows (4 held out) in batches
    # of 8 make 5 steps a pass, so a 16-step iteration is 4 passes (18 steps).
    est = ConvAutoencoder(n_components=2, filters=(2,), max_iter=2, tol=0.0, random_state=0)
    est._min_steps_per_iter = lambda: MIN_COSTLY_STEPS_PER_ITER
    with pytest.warns(ConvergenceWarning):
        est.fit(np.random.RandomState(0).rand(40, 28, 28))
    assert est.batch_size_ == 8 and _steps(est) == 2 * math.ceil(4 * 36 / 8)


def test_explicit_epochs_are_exact_and_never_warn(X):
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        est = DenseAutoencoder(epochs=3, batch_size=16, **SMALL).fit(X)
    assert est.n_iter_ == 3 and len(est.loss_curve_) == 3 == len(est.history_["loss"])
    assert _steps(est) == 3 * math.ceil(len(X) / 16)  # no repeats, no holdout
    assert est.validation_scores_ is None


def test_auto_stops_on_a_plateau(X):
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        est = DenseAutoencoder(max_iter=500, tol=0.05, n_iter_no_change=3, **AUTO).fit(X)
    assert est.n_iter_ < 500
    assert len(est.loss_curve_) == est.n_iter_ == len(est.validation_scores_)
    # The best iteration's held-out score, or the start's (lower) where the
    # best did not beat the start by a standard error: on these 8 held-out
    # rows it did not (test_a_start_beaten_only_within_a_standard_error_is_kept).
    assert est.best_validation_score_ < max(est.validation_scores_)
    assert est.best_loss_ is None  # the validation loss was monitored
    # Every iteration has at least MIN_STEPS_PER_ITER steps on small data.
    assert _steps(est) >= est.n_iter_ * MIN_STEPS_PER_ITER


def test_budget_end_warns(X):
    est = DenseAutoencoder(max_iter=2, tol=0.0, **AUTO)
    with pytest.warns(ConvergenceWarning, match=r"maximum number of iterations \(2\)") as record:
        est.fit(X)
    assert est.n_iter_ == 2
    # It points at the caller's fit, not at skae's or scikeras' internals.
    assert {w.filename for w in record if w.category is ConvergenceWarning} == {__file__}


def test_training_loss_monitored_without_early_stopping(X):
    est = DenseAutoencoder(max_iter=4, tol=0.0, early_stopping=False, **AUTO)
    with pytest.warns(ConvergenceWarning):
        est.fit(X)
    assert est.validation_scores_ is None and est.best_loss_ == min(est.loss_curve_)
    # No holdout: every row is trained on.
    assert _steps(est) % math.ceil(len(X) / est.batch_size_) == 0


def test_best_weights_are_restored(X):
    est = DenseAutoencoder(max_iter=30, tol=0.0, n_iter_no_change=30, **AUTO)
    with pytest.warns(ConvergenceWarning):
        est.fit(X)
    # The held-out rows are the seeded split fit made; the model scores them
    # as the best iteration did (the Keras validation loss is a batch mean).
    _, _, X_val, _ = split_validation(est._validate_data(X)[0], None, 0.1, est._seed)
    np.testing.assert_allclose(-est.score(X_val), -est.best_validation_score_, rtol=1e-5)


def test_the_start_is_a_candidate():
    # Started at PCA, then pushed off by a learning rate far too high: no
    # iteration beats the start on the held-out rows, so the start is kept,
    # never worse, and started again from every row: the held-out ones too.
    from sklearn.datasets import load_wine
    from sklearn.decomposition import PCA
    from sklearn.preprocessing import StandardScaler

    X = StandardScaler().fit_transform(load_wine().data).astype(np.float32)
    params = dict(n_components=4, n_iter_no_change=2, random_state=0)
    start = DenseAutoencoder(learning_rate_init=1e-12, **params).fit(X)
    pushed = DenseAutoencoder(learning_rate_init=0.3, **params).fit(X)
    assert pushed.n_iter_ == 2 and min(pushed.history_["val_loss"]) > -start.best_validation_score_
    assert pushed.best_validation_score_ == pytest.approx(start.best_validation_score_, abs=1e-6)
    pca = PCA(n_components=4).fit(X)  # every row's PCA, not the 90% trained on
    kept = pushed.inverse_transform(pushed.transform(X))
    np.testing.assert_allclose(kept, pca.inverse_transform(pca.transform(X)), atol=1e-4)
    np.testing.assert_allclose(pushed.transform(X), start.transform(X), atol=1e-6)
    X_fit, _, _, _ = split_validation(pushed._validate_data(X)[0], None, 0.1, pushed._seed)
    trained_on = PCA(n_components=4).fit(X_fit)
    assert np.abs(trained_on.inverse_transform(trained_on.transform(X)) - kept).max() > 1e-2
    # Monitoring the training loss, nothing measures the start: the model moves.
    training = DenseAutoencoder(learning_rate_init=0.3, early_stopping=False, **params).fit(X)
    assert np.abs(training.transform(X) - start.transform(X)).max() > 0.1


def test_clearly_better_is_the_one_standard_error_rule():
    start = np.array([1.0, 2.0, 3.0, 4.0])
    # Differences -0.5, -0.5, -0.5, -0.3: mean -0.45, standard error 0.05.
    assert clearly_better(start - [0.5, 0.5, 0.5, 0.3], start)
    # Mean -0.25, standard error 0.25: within one, the start stays.
    assert not clearly_better(start - [1.0, 0.0, 0.0, 0.0], start)
    assert not clearly_better(start, start)  # no difference at all
    assert not clearly_better(start + 0.1, start)
    # Weighted: a weight of 3 on the first row's -1.0 makes the mean -0.5,
    # its standard error 0.35 (Kish's effective number of rows: 3).
    weights = [3.0, 1.0, 1.0, 1.0]
    assert clearly_better(start - [1.0, 0.0, 0.0, 0.0], start, weights)
    assert clearly_better([0.5], [1.0]) and not clearly_better([1.0], [0.5])  # one row
    # The standard error is estimated from the rows: with 4 of them, the
    # same confidence as one known standard error (84.1%) is Student's t
    # with 3 degrees of freedom, 1.20 standard errors. 1.11 is not enough;
    # 1.22 is.
    assert one_standard_error_quantile(4) == pytest.approx(1.197, abs=1e-3)
    assert one_standard_error_quantile(1e6) == pytest.approx(1.0, abs=1e-3)
    assert not clearly_better(start - [1.0, 1.0, 1.0, -0.9], start)
    assert clearly_better(start - [1.0, 1.0, 1.0, -0.8], start)


def test_each_held_out_row_is_judged_by_the_other_rows_choice():
    start = np.ones(4)
    lucky = [0.2, 0.8, 0.8, 0.8]  # the lowest mean, thanks to row 0
    steady = [1.4, 0.79, 0.79, 0.79]  # what rows 1-3 prefer
    history = np.array([start, lucky, steady])
    # Judged by the rows that chose it, `lucky` beats the start by 2.3
    # standard errors; row 0 left out, the others choose `steady`, under
    # which row 0 is worse than at the start: 0.33 standard errors.
    assert clearly_better(history[1], start)
    choice = cross_validated_choice(history)
    np.testing.assert_allclose(choice, [1.4, 0.8, 0.8, 0.8])
    assert not clearly_better(choice, start)
    # A row of weight 0 does not move the others' choice.
    np.testing.assert_allclose(cross_validated_choice(history, [0, 1, 1, 1]),
                               [1.4, 0.79, 0.79, 0.79])
    # One row has no others: its own choice.
    np.testing.assert_allclose(cross_validated_choice(history[:, :1]), [0.2])
    # A candidate with a non-finite loss is never the others' choice.
    broken = np.array([start, steady, [0.0, np.nan, 0.0, 0.0]])
    np.testing.assert_allclose(cross_validated_choice(broken), steady)


def test_the_rule_judges_at_most_max_rule_rows(monkeypatch):
    import skae._training as training

    monkeypatch.setattr(training, "MAX_RULE_ROWS", 10)
    X, w = np.arange(50.0).reshape(25, 2), np.arange(25.0)
    inputs, targets, weights = training.rows_for_the_rule((X, X, w))
    np.testing.assert_array_equal(weights, np.arange(0, 25, 3))  # every 3rd row
    np.testing.assert_array_equal(targets, X[::3])


def test_a_start_beaten_only_within_a_standard_error_is_kept(monkeypatch):
    # Wine, 2 numbers: training lowers the 18 held-out rows' loss, but by
    # less than one standard error, so PCA's start is kept and started
    # again from every row. The deep model beats it clearly (2.7 standard
    # errors, each row judged by the iteration the others choose) and keeps
    # its trained weights.
    from sklearn.datasets import load_wine
    from sklearn.decomposition import PCA
    from sklearn.preprocessing import StandardScaler

    X = StandardScaler().fit_transform(load_wine().data).astype(np.float32)
    dense = DenseAutoencoder(n_components=2, random_state=0).fit(X)
    assert min(dense.history_["val_loss"]) < -dense.best_validation_score_
    pca = PCA(n_components=2).fit(X)
    np.testing.assert_allclose(dense.inverse_transform(dense.transform(X)),
                               pca.inverse_transform(pca.transform(X)), atol=1e-4)
    import skae._base

    histories = []

    def recorded(history, sample_weight=None):
        histories.append(np.array(history))
        return cross_validated_choice(history, sample_weight)

    monkeypatch.setattr(skae._base, "cross_validated_choice", recorded)
    deep = DeepAutoencoder(n_components=2, random_state=0).fit(X)
    assert min(deep.history_["val_loss"]) == pytest.approx(-deep.best_validation_score_)
    # The rule saw each of the 18 held-out rows' losses at the start and
    # after every iteration, whose means are the val_loss Keras logged.
    (history,) = histories
    assert history.shape == (deep.n_iter_ + 1, 18)
    np.testing.assert_allclose(history[1:].mean(axis=1), deep.history_["val_loss"], rtol=1e-4)
    pca_error = np.mean((pca.inverse_transform(pca.transform(X)) - X) ** 2)
    assert np.mean((deep.inverse_transform(deep.transform(X)) - X) ** 2) < 0.95 * pca_error


def smooth_curves(n, seed):
    """Curves of 50 points with 3 degrees of freedom (a band's height and
    place, a slope) and noise of 1e-3, each z-normalised: PCA-4 reconstructs
    them to a mean squared error of about 1e-5, as it does spectra."""
    rng = np.random.RandomState(seed)
    t = np.linspace(0, 1, 50)
    band = np.exp(-0.5 * ((t - 0.5 - 0.05 * rng.randn(n, 1)) / 0.2) ** 2)
    X = (rng.uniform(0.5, 1.5, (n, 1)) * band + rng.uniform(-0.5, 0.5, (n, 1)) * t
         + 1e-3 * rng.randn(n, 50))
    return ((X - X.mean(1, keepdims=True)) / X.std(1, keepdims=True)).astype(np.float32)


def test_a_kept_start_passes_rows_beyond_the_training_range():
    from sklearn.decomposition import PCA

    X = smooth_curves(100, 0)
    wider = X.mean(axis=0) + 1.5 * (X - X.mean(axis=0))  # 1.5 times as far out
    # Nothing beats the start here: the model is PCA of every row.
    dense = DenseAutoencoder(n_components=4, random_state=0).fit(X)
    pca = PCA(n_components=4).fit(X)
    # Measured: 3.6e-6 apart; 0.26 with the trained models' margin of a
    # tenth of the range, whose ReLU zeroes the codes of the outer rows.
    np.testing.assert_allclose(dense.inverse_transform(dense.transform(wider)),
                               pca.inverse_transform(pca.transform(wider)), atol=1e-4)


def test_auto_activity_l1_never_outweighs_the_start():
    from sklearn.decomposition import PCA

    X, X_new = smooth_curves(100, 0), smooth_curves(40, 1)
    pca = PCA(n_components=4).fit(X)
    pca_error = np.mean((pca.inverse_transform(pca.transform(X_new)) - X_new) ** 2)

    def error(est):
        return np.mean((est.inverse_transform(est.transform(X_new)) - X_new) ** 2)

    # The tutorial's 1e-4 is 40 times the start's reconstruction loss per
    # unit of code activity here: measured in a script, the sparser trained
    # model it gives is 1.79x PCA-4's error (in this suite's process the
    # rule kept the start; both are near its threshold).
    auto = SparseAutoencoder(n_components=4, random_state=0).fit(X)
    assert auto.activity_l1_ < 1e-5  # measured 2.4e-6
    assert error(auto) < 1.01 * pca_error
    # Keras trained with that strength: its loss (evaluate) counts the
    # penalty at activity_l1_, as the rows' losses do.
    assert auto.encoder_.get_layer("code").activity_regularizer.l1 == auto.activity_l1_
    rows = auto._held_out_row_losses(X_new, X_new)
    assert np.mean(rows) == pytest.approx(keras_loss(auto, X_new), rel=1e-4)


def test_plateau_rule_on_a_scripted_loss():
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    stopper = PlateauStopping("loss", tol=0.1, n_iter_no_change=2)
    stopper.set_model(model)
    model.stop_training = False  # as Model.fit sets it
    weights = {}
    # Progress relative to what was gained: 1.0 -> 0.5 is a gain of 0.5, so
    # 0.48 (less than 0.1 * 0.5 below the best) does not count.
    for epoch, loss in enumerate([1.0, 0.5, 0.48, 0.47, 0.2]):
        model.set_weights([np.full((1, 1), epoch, "float32"), np.zeros(1, "float32")])
        weights[epoch] = model.get_weights()
        stopper.on_epoch_end(epoch, {"loss": loss})
        if model.stop_training:
            break
    assert stopper.converged and epoch == 3 and stopper.best == 0.5
    stopper.on_train_end()
    # The weights kept are the lowest loss's (0.47), not the last improvement's.
    np.testing.assert_array_equal(model.get_weights()[0], weights[3][0])


@pytest.mark.parametrize("baseline, stops_at", [(None, None), (0.45, 2)])
def test_progress_counts_from_the_mean_rows_loss_when_it_is_higher(baseline, stops_at):
    # A model that starts near its optimum (first loss 0.30): counted from
    # the first iteration, progress is 0.01 and every crumb improves on it;
    # counted from the mean row's loss (0.45), 0.285 is no improvement.
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    stopper = PlateauStopping("loss", tol=0.1, n_iter_no_change=2, baseline=baseline)
    stopper.set_model(model)
    model.stop_training = False
    stopped = None
    for epoch, loss in enumerate([0.30, 0.29, 0.285, 0.282, 0.280]):
        stopper.on_epoch_end(epoch, {"loss": loss})
        if model.stop_training:
            stopped = epoch
            break
    assert stopped == stops_at


@pytest.mark.parametrize("warmup_steps, stops_at", [(0, 2), (100, 4)])
def test_iterations_of_the_warmup_do_not_count_towards_the_patience(warmup_steps, stops_at):
    # 30 steps an iteration: with a 100-step warmup the first three end
    # within it (30, 60, 90), and only the 4th and 5th count as waits.
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    stopper = PlateauStopping("loss", tol=0.1, n_iter_no_change=2, warmup_steps=warmup_steps)
    stopper.set_model(model)
    model.stop_training = False
    stopped = None
    # The lowest loss comes first, then the loss rises with the rate.
    for epoch, loss in enumerate([0.5, 0.6, 0.7, 0.65, 0.6, 0.55]):
        model.optimizer.iterations.assign(30 * (epoch + 1))
        stopper.on_epoch_end(epoch, {"loss": loss})
        if model.stop_training:
            stopped = epoch
            break
    assert stopped == stops_at and stopper.best_iteration == 0


def test_mean_row_loss_is_the_loss_of_predicting_the_mean():
    X = np.array([[0.0, 1.0], [1.0, 1.0]], "float32")
    loss = per_sample_loss("mse")
    assert mean_row_loss(loss, X.mean(axis=0), X) == pytest.approx(0.125)  # (0.25 + 0) / 2 per row
    mean = np.average(X, axis=0, weights=[3.0, 1.0])
    assert mean_row_loss(loss, mean, X[:1]) == pytest.approx(0.03125)


def test_auto_batch_size_is_resolved_at_fit(X):
    est = DenseAutoencoder(epochs=1, **SMALL).fit(X)  # "auto" is the default
    assert est.batch_size_ == 8 and est.batch_size == "auto"
    assert DenseAutoencoder(epochs=1, batch_size=256, **SMALL).fit(X).batch_size_ == 256


def test_partial_fit_is_one_epoch(X):
    est = DenseAutoencoder(batch_size=16, **SMALL).partial_fit(X)
    assert est.n_iter_ == 1 and _steps(est) == math.ceil(len(X) / 16)


def test_one_sample_trains_without_a_holdout():
    est = DenseAutoencoder(max_iter=2, **AUTO)
    with pytest.warns(ConvergenceWarning):
        est.fit(np.full((1, 4), 0.5))
    assert est.validation_scores_ is None and est.n_iter_ == 2


def test_warm_start_of_a_model_without_batch_size_(X):
    # A model pickled or saved before batch_size_ existed keeps training.
    est = DenseAutoencoder(epochs=1, **SMALL).fit(X)
    del est.batch_size_
    est.set_params(warm_start=True).fit(X)
    assert est.batch_size_ == 8


def test_warmup_schedule_ramps_to_the_rate_and_stays():
    assert warmup_schedule(3e-3, 0) == 3e-3  # no warmup: the float itself
    schedule = warmup_schedule(4e-3, 256)
    rates = [float(keras.ops.convert_to_numpy(schedule(step))) for step in (0, 64, 256, 10**6)]
    np.testing.assert_allclose(rates, [0.0, 1e-3, 4e-3, 4e-3], rtol=1e-6, atol=1e-12)


def _rate(est):
    return float(keras.ops.convert_to_numpy(est.model_.optimizer.learning_rate))


def test_image_models_warm_up_to_their_rate_and_a_routed_rate_is_kept():
    # 2 steps of a 256-step warmup: 2/256 of learning_rate_init.
    X = np.random.RandomState(0).rand(16, 8, 8)
    small = dict(filters=(2,), epochs=1, batch_size=8, random_state=0)
    for cls, rate in ((ConvAutoencoder, 4e-3), (DenoisingAutoencoder, 2e-3)):
        est = cls(**small).fit(X)
        assert est.learning_rate_init == rate and _steps(est) == 2
        assert _rate(est) == pytest.approx(rate * 2 / 256, rel=1e-6)
        # A rate of the user's own (here routed) is used as given.
        assert _rate(cls(optimizer__learning_rate=1e-2, **small).fit(X)) == pytest.approx(1e-2)
    # The plateau rule's patience starts after skae's warmup, not a user's rate.
    auto = dict(small, epochs="auto", max_iter=1)
    for params, steps in (({}, 256), ({"optimizer__learning_rate": 1e-2}, 0)):
        est = ConvAutoencoder(**auto, **params).fit(X)
        (stopper,) = [c for c in est._fit_callbacks if isinstance(c, PlateauStopping)]
        assert stopper.warmup_steps == steps
    # The other families take learning_rate_init from the first step.
    dense = DenseAutoencoder(epochs=1, batch_size=8, **SMALL).fit(X.reshape(16, -1))
    assert _rate(dense) == pytest.approx(1e-3)


def test_steps_per_execution_changes_only_the_speed(X):
    fast = DenseAutoencoder(epochs=3, batch_size=8, **SMALL).fit(X)
    plain = DenseAutoencoder(epochs=3, batch_size=8, compile__steps_per_execution=1,
                             **SMALL).fit(X)
    assert fast.model_.steps_per_execution == STEPS_PER_EXECUTION > 1
    assert plain.model_.steps_per_execution == 1
    assert _steps(fast) == _steps(plain) == 3 * math.ceil(len(X) / 8)
    np.testing.assert_array_equal(fast.transform(X), plain.transform(X))


def test_steps_per_epoch_is_given_to_keras_and_changes_only_the_speed(X, monkeypatch):
    told = []
    fit = keras.Model.fit

    def recording_fit(self, *args, **kwargs):
        told.append(kwargs.get("steps_per_epoch"))
        return fit(self, *args, **kwargs)

    monkeypatch.setattr(keras.Model, "fit", recording_fit)
    given = DenseAutoencoder(epochs=3, batch_size=8, **SMALL).fit(X)
    # fit__steps_per_epoch=None: Keras counts the batches itself, as before
    untold = DenseAutoencoder(epochs=3, batch_size=8, fit__steps_per_epoch=None, **SMALL).fit(X)
    # Keras holds out the rows itself: it alone knows how many it trains on
    split = DenseAutoencoder(epochs=3, batch_size=8, validation_split=0.25, **SMALL).fit(X)
    assert told == [steps_per_epoch(len(X), 8), None, None] and told[0] == 10
    assert _steps(given) == _steps(untold) == 3 * 10
    np.testing.assert_array_equal(given.transform(X), untold.transform(X))
    assert _steps(split) == 3 * math.ceil(0.75 * len(X) / 8) and "val_loss" in split.history_


@pytest.mark.parametrize(
    "make",
    [
        lambda: DenseAutoencoder(n_components=2),
        lambda: SparseAutoencoder(n_components=2, activity_l1=1e-2),
        lambda: VariationalAutoencoder(n_components=2, hidden_layer_sizes=(8,)),
        lambda: VariationalAutoencoder(n_components=2, hidden_layer_sizes=(8,), beta=0.5, loss="mse"),
    ],
    ids=["dense", "sparse", "vae", "vae-gaussian-beta"],
)
def test_held_out_row_losses_average_to_the_loss_keras_trains(X, make):
    # The held-out loss (val_loss, what the plateau rule monitors) and the
    # standard-error rule's per-row losses are skae's: their mean is the
    # loss Keras trains on (evaluate's; the VAE's in nats).
    est = make().set_params(epochs=2, random_state=0).fit(X)
    X32 = X.astype(np.float32)
    rows = est._held_out_row_losses(X32, X32)
    assert rows.shape == (len(X),)
    assert np.mean(rows) == pytest.approx(keras_loss(est, X32), rel=1e-4)


def keras_loss(est, X):
    """Keras' loss of ``est``'s model on X (``Model.evaluate``), the VAE's
    with a Gaussian decoder in nats as ``NoiseVariance`` logs it."""
    from skae._variational import minus_elbo

    logs = est.model_.evaluate(X, X, batch_size=est.batch_size_, verbose=0, return_dict=True)
    noise = getattr(est, "noise_variance_", None)
    if noise is None:
        return float(logs["loss"])
    return minus_elbo(logs["loss"], logs["reconstruction"], noise, noise, X.shape[1])


def test_held_out_loss_is_measured_once_per_iteration(X, monkeypatch):
    # val_loss is the held-out rows' mean loss, measured by skae (the rule
    # needs each row's): Keras validates again only for the user's metrics,
    # and the user's callbacks see val_loss.
    calls = []
    evaluate = keras.Model.evaluate

    def counting_evaluate(self, *args, **kwargs):
        calls.append(kwargs.get("_use_cached_eval_dataset", False))
        return evaluate(self, *args, **kwargs)

    monkeypatch.setattr(keras.Model, "evaluate", counting_evaluate)
    seen = []
    user = keras.callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: seen.append(logs.get("val_loss")))
    weights = np.linspace(0.5, 2.0, len(X))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est = DenseAutoencoder(n_components=2, max_iter=3, tol=0.0, random_state=0,
                               callbacks=[user]).fit(X, sample_weight=weights)
    assert calls == []
    assert seen == est.history_["val_loss"] and len(seen) == 3
    # the weighted mean of the rows' losses (weights normalised to mean 1
    # over the training rows, then split)
    X_train, w_train, X_val, w_val = split_validation(
        X, weights * len(X) / weights.sum(), 0.1, est._seed)
    X_val = X_val.astype(np.float32)
    assert -est.validation_scores_[-1] == pytest.approx(
        np.average(est._held_out_row_losses(X_val, X_val), weights=w_val), rel=1e-6)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est = DenseAutoencoder(n_components=2, max_iter=2, tol=0.0, random_state=0,
                               metrics=["mae"]).fit(X)
    assert len(calls) == 2 and all(calls)  # Keras validates, for the metric
    assert len(est.history_["val_mean_absolute_error"]) == len(est.history_["val_loss"]) == 2


def test_the_rule_validates_nothing_twice():
    # The held-out rows are not validated again (a DataFrame's feature
    # names would then be missing: scikit-learn warns).
    import pandas as pd

    rng = np.random.RandomState(0)
    frame = pd.DataFrame(rng.rand(60, 5), columns=list("abcde"))
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        warnings.simplefilter("ignore", ConvergenceWarning)  # 3 iterations
        VariationalAutoencoder(n_components=2, hidden_layer_sizes=(8,), max_iter=3,
                               random_state=0).fit(frame)


@pytest.mark.parametrize("weighted", [False, True])
def test_rejoin_rows_restores_the_split_rows_in_order(weighted):
    X = np.arange(40.0).reshape(20, 2)
    w = np.arange(20.0) + 1 if weighted else None
    parts = split_validation(X, w, 0.3, 7)
    X_all, w_all = rejoin_rows(*parts, 0.3, 7)
    np.testing.assert_array_equal(X_all, X)
    if weighted:
        np.testing.assert_array_equal(w_all, w)
    # Row indices of streamed data: increasing, with their weights.
    rows = np.arange(3, 23)
    train, w_train, val, w_val = split_validation(rows, w, 0.3, 7)
    subset, w_all = rejoin_rows(train, w_train, val, w_val, 0.3, 7, streamed=X)
    np.testing.assert_array_equal(subset.rows, rows)
    if weighted:
        np.testing.assert_array_equal(w_all, w)
