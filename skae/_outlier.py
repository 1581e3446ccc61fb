"""Outlier detection by reconstruction: any autoencoder as an ``OutlierMixin``."""

from __future__ import annotations

from numbers import Real

import numpy as np
import scipy.sparse as sp
from scipy.linalg import pinvh
from sklearn.base import BaseEstimator, MetaEstimatorMixin, OutlierMixin, clone
from sklearn.frozen import FrozenEstimator
from sklearn.utils import _safe_indexing, check_random_state
from sklearn.utils.validation import _num_samples, check_is_fitted, has_fit_parameter

from . import _compat
from ._compat import HasMethods, Interval, StrOptions, _fit_context, _weighted_percentile
from ._dense import DeepAutoencoder
from ._losses import is_squared_error
from ._streaming import is_streamed
from ._variational import VariationalAutoencoder

# contamination="auto": Tukey's fence. A training sample is an outlier when
# its reconstruction error lies more than 1.5 interquartile ranges above the
# upper quartile (its score 1.5 IQR below the lower quartile).
_TUKEY_K = 1.5

# The fitted attributes of the code's distance (code_distance_ is True).
_CODE_ATTRIBUTES = ("error_scale_", "n_residual_", "code_mean_", "code_precision_")


#: The widest code of the default detector's autoencoder. A code as wide as
#: the data reconstructs outliers as well as inliers: scored by the error
#: alone (before code_distance; its numbers are in the class docstring), on
#: digits novelty (64 features, ~90 training rows, mean ROC AUC over the 10
#: classes, Keras seeds 1-3) DeepAutoencoder's default 32 numbers gave
#: 0.988-0.991, 16 gave 0.996-0.997 (worst class 0.980-0.985; PCA-8's error
#: 0.996, worst 0.978), 8 gave 0.996-0.997 (worst 0.976-0.981). Half the
#: features on tables:
#: standardised breast cancer (one class against the other) 0.838 against
#: 0.835 with 32, wine 0.968 against 0.961 (the 8-number and the table
#: figures measured before the ELU's start had its margin, skae._init). On
#: one-class MNIST (784 features, ~6,000 rows, 10 digits) its 16 numbers give
#: a mean ROC AUC of 0.9741-0.9765 (five runs, the fifth 0.9754 by the
#: error alone and 0.9756 with the code's distance; unseeded, a fit depends
#: on the random ops run before it), above PCA-16's and PCA-32's errors
#: (0.9535, 0.9552) on every digit.
MAX_DETECTOR_CODE = 16


def take_rows(X, rows):
    """The samples ``rows`` (sorted indices) of ``X``, as the autoencoder
    takes ``X``: a memmap, h5py or zarr array reads only those rows, a
    DataFrame stays a DataFrame (its column names are checked)."""
    if is_streamed(X):
        return X[rows]
    if hasattr(X, "iloc") or isinstance(X, (list, tuple, np.ndarray)) or sp.issparse(X):
        return _safe_indexing(X, rows)
    return np.asarray(X)[rows]


def scores_a_squared_error(autoencoder):
    """Whether ``autoencoder``'s ``score_samples`` is its negative squared
    reconstruction error: a fitted skae autoencoder (or a FrozenEstimator
    of one) trained with the mean squared error, other than the VAE, whose
    ELBO already has its code's term (the KL divergence to the prior)."""
    inner = autoencoder.estimator if isinstance(autoencoder, FrozenEstimator) else autoencoder
    return (
        not isinstance(inner, VariationalAutoencoder)
        and hasattr(inner, "transform")
        and hasattr(inner, "loss_")
        and is_squared_error(inner.loss_)
    )


def default_autoencoder(n_features=None):
    """The autoencoder of ``AutoencoderOutlierDetector(autoencoder=None)``
    for data of ``n_features`` features: a squared-error DeepAutoencoder
    whose code has half as many numbers, at most :data:`MAX_DETECTOR_CODE`
    (with no ``n_features``, its default code)."""
    if n_features is None:
        return DeepAutoencoder(loss="mse")
    return DeepAutoencoder(n_components=min(MAX_DETECTOR_CODE, max(1, n_features // 2)),
                           loss="mse")


class AutoencoderOutlierDetector(OutlierMixin, MetaEstimatorMixin, BaseEstimator):
    """Outlier detection with an autoencoder's reconstruction error.

    Fits a clone of ``autoencoder`` to the (mostly normal) training data;
    samples it reconstructs badly, or whose code lies where the training
    samples' codes do not, are outliers. ``score_samples`` is the
    autoencoder's own ``score_samples``: the negative reconstruction loss
    (the ELBO for a :class:`VariationalAutoencoder`), or with ``p`` the
    negative p-distance between a sample and its reconstruction; for a
    squared-error autoencoder (the default one) the code's distance to the
    training codes is added, as probabilistic PCA scores a sample (see
    ``code_distance``). Lower means more abnormal, as in
    :class:`~sklearn.ensemble.IsolationForest` and
    :class:`~sklearn.neighbors.LocalOutlierFactor`. A sample is an outlier
    when its score is below ``threshold_``, which ``contamination`` sets on
    the training scores.

    Parameters
    ----------
    autoencoder : estimator, default=None
        The autoencoder to fit: any skae autoencoder (or any estimator with
        ``fit`` and ``score_samples``, higher meaning more normal). None
        means ``DeepAutoencoder(n_components=min(16, n_features // 2),
        loss="mse")``: a squared reconstruction error, since a
        cross-entropy's floor is each sample's own pixel entropy, which
        flags digits with many grey pixels, and a code narrower than the
        data, since one as wide reconstructs outliers too. Measured by the
        error alone (``code_distance=False``) on digits novelty (train on
        half of one class, mean ROC AUC over the 10 classes, Keras seeds
        1-3): 0.996-0.997 (worst class 0.980-0.985),
        against 0.996 (0.978) for PCA-8's error, 0.988-0.991 with
        DeepAutoencoder's own 32-number code, 0.959 for
        ``DenseAutoencoder()`` (BCE), 0.987 for LocalOutlierFactor and 0.972
        for IsolationForest. It is cloned, never fitted in place;
        its parameters tune as ``autoencoder__<name>`` in ``set_params`` and
        ``GridSearchCV``.
    contamination : "auto" or float, default=0.1
        The expected fraction of outliers in the training data, in (0, 0.5]:
        ``threshold_`` is that quantile of the training scores (weighted by
        ``sample_weight`` when given), so that fraction of the training
        samples is flagged; with ``calibration_fraction``, that quantile of
        the calibration samples' scores. "auto" uses Tukey's fence instead:
        a sample is an outlier when its score is more than 1.5 interquartile
        ranges below the lower quartile of the training scores (by the error
        alone: its error more than 1.5 IQR above the upper quartile).
        IsolationForest's "auto" (a fixed offset of -0.5) relies on its scores being
        normalized to [-1, 0]; reconstruction errors have no such scale, so
        a rule on their own distribution is used. It flags no training
        sample when the errors have no long upper tail, and about 0.7% of
        normally distributed scores.
    p : float >= 1 or None, default=None
        How a sample's reconstruction error is measured. None: the
        autoencoder's own ``score_samples``, its negative loss per sample (the
        ELBO for a variational autoencoder). A number: the negative Minkowski
        distance between the sample ``x`` and its reconstruction ``x_hat =
        inverse_transform(transform(x))``, ``-(sum_j |x_j - x_hat_j| ** p) **
        (1 / p)``, whatever loss the autoencoder was trained with; ``p=2`` is
        the Euclidean distance. A larger ``p`` weighs a few badly
        reconstructed features (a stroke the model cannot draw) more than many
        slightly blurred ones: on one-class MNIST ``p=3`` separates the digits
        better than the squared error (see :doc:`/benchmarks`). Needs an
        autoencoder with ``transform`` and ``inverse_transform``.
    code_distance : "auto" or bool, default="auto"
        Whether the score also counts how far the sample's code lies from
        the training samples' codes, as probabilistic PCA's log-likelihood
        (:meth:`sklearn.decomposition.PCA.score_samples`) does: a sample can
        be reconstructed well and still be unlike any training sample, and
        an outlier's error alone misses it. With it, ``score_samples`` is
        ``-(n_residual_ / 2 * e / error_scale_ + d ** 2 / 2)`` with
        ``p=None`` (``e`` the autoencoder's loss, a squared error) and
        ``-(n_residual_ / p * (e / error_scale_) ** p + d ** 2 / 2)`` with a
        number ``p`` (``e`` the p-distance): the error in units of its
        training mean (the noise level, as PCA's ``noise_variance_``),
        weighed by ``n_residual_``, the data's dimensions the code does not
        span, and ``d`` the Mahalanobis distance of the code to the training
        codes. With PCA itself as the autoencoder, ``p=2`` and
        ``code_distance=True`` it ranks samples exactly as PCA's
        log-likelihood does. "auto" means
        True for a skae autoencoder trained with the squared error and
        ``p=None`` (the default detector's), except the
        :class:`VariationalAutoencoder`, whose ELBO already counts its code,
        and False otherwise: a cross-entropy's floor per sample is the
        sample's own pixel entropy, not a noise level, and a number ``p``
        asks for the distance alone. Measured on novelty (train on half of
        one class, standardised; mean ROC AUC over the classes) with the
        default autoencoder, the same fits scored by the error alone and
        with the distance: wine 0.945 → 0.968, breast cancer 0.763 → 0.795,
        iris 0.969 → 0.984 (PCA's error 0.966, 0.760, 0.968), digits 0.997
        → 0.997, one-class MNIST 0.9754 → 0.9756 (see :doc:`/benchmarks`).
        True needs an autoencoder with ``transform`` and, with ``p=None``,
        a ``score_samples`` that is a negative loss.
    calibration_fraction : float in (0, 1) or None, default=None
        None: ``threshold_`` is set on the scores of the training samples,
        as in scikit-learn's detectors, so that ``fit_predict(X)`` flags
        ``contamination`` of ``X``. But an autoencoder reconstructs the rows
        it trained on better than new rows of the same data, so ``predict``
        on new data then flags more than ``contamination``. Measured with
        the default detector and ``contamination=0.1`` on new rows from the
        training data's own distribution (each set split in halves, three
        seeds; :doc:`/benchmarks`): 0.41-0.53 of 899 digits, 0.24-0.30 of 285
        breast-cancer rows, 0.09-0.19 of 89 wine rows (PCA's error, its
        threshold set the same way: 0.13-0.16, 0.12-0.16, 0.15-0.24). A
        fraction: that fraction of the training samples, drawn with
        ``random_state``, is kept out of the autoencoder's fit (weight 0,
        or left out when its fit takes no ``sample_weight``) and sets
        ``threshold_``: scores of samples the model did not fit, as new
        data's will be, so ``predict`` flags about ``contamination`` of new
        data from the training distribution (split conformal calibration).
        With 0.2 the same splits flag 0.103, 0.095 and 0.067 on average
        (0.09-0.13, 0.05-0.15, 0.01-0.16: the quantile of 180, 57 and 18
        calibration samples). The model fits fewer samples, and the
        training samples it fitted are flagged less often than
        ``contamination``; a weight of 2 is no longer a repeated sample (the
        draw is of samples). For novelty detection (scoring data unseen in
        training), not for finding the outliers of the training data.
    random_state : int, RandomState instance or None, default=None
        Draws the calibration samples (``calibration_fraction``). The
        autoencoder's weights are seeded by its own ``random_state``.

    Attributes
    ----------
    autoencoder_ : estimator
        The fitted clone of ``autoencoder``.
    threshold_ : float
        Samples scoring below it are outliers; ``decision_function`` is
        ``score_samples(X) - threshold_``. Set on the training samples'
        scores, or on the calibration samples' (``calibration_fraction``).
    offset_ : float
        The same value as ``threshold_``, under scikit-learn's name
        (``decision_function = score_samples - offset_`` in IsolationForest,
        LocalOutlierFactor and OneClassSVM).
    code_distance_ : bool
        Whether ``score_samples`` counts the code's distance
        (``code_distance`` resolved).
    error_scale_ : float
        With ``code_distance_``: the training samples' mean reconstruction
        error (the loss, or the p-th power mean of the p-distances), the
        noise level the score's error is measured in. Absent otherwise.
    n_residual_ : int
        With ``code_distance_``: the data's number of features less the
        code's (at least 1), the dimensions left to the reconstruction
        error. Absent otherwise.
    code_mean_ : ndarray of shape (n_components,)
        With ``code_distance_``: the mean of the training codes (weighted
        by ``sample_weight``). Absent otherwise.
    code_precision_ : ndarray of shape (n_components, n_components)
        With ``code_distance_``: the pseudo-inverse of the training codes'
        covariance (maximum likelihood, weighted by ``sample_weight``).
        Absent otherwise.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in,)
        Names of features seen during fit, when X has string column names.

    See Also
    --------
    sklearn.ensemble.IsolationForest : Outliers by random isolation depth.
    sklearn.neighbors.LocalOutlierFactor : Outliers by local density.

    Examples
    --------
    >>> import numpy as np
    >>> from skae import AutoencoderOutlierDetector, DenseAutoencoder
    >>> rng = np.random.RandomState(0)
    >>> X = rng.rand(200, 8) * 0.1 + 0.45  # normal data
    >>> det = AutoencoderOutlierDetector(  # a squared error: see ``autoencoder``
    ...     DenseAutoencoder(n_components=2, epochs=2, loss="mse", random_state=0),
    ...     contamination=0.05,
    ... ).fit(X)
    >>> float(np.mean(det.predict(X) == -1))  # 5% of the training data
    0.05
    >>> det.predict(np.ones((1, 8)))  # far from the training data
    array([-1])

    Score the same fitted autoencoder by the p=3 distance to its
    reconstruction, without training it again:

    >>> from sklearn.frozen import FrozenEstimator
    >>> det3 = AutoencoderOutlierDetector(
    ...     FrozenEstimator(det.autoencoder_), contamination=0.05, p=3
    ... ).fit(X)
    >>> bool(det3.score_samples(np.ones((1, 8)))[0] < det3.threshold_)
    True
    """

    _parameter_constraints: dict = {
        "autoencoder": [HasMethods(["fit", "score_samples"]), None],
        "contamination": [
            StrOptions({"auto"}),
            Interval(Real, 0, 0.5, closed="right"),
        ],
        "p": [Interval(Real, 1, None, closed="both"), None],
        "code_distance": [StrOptions({"auto"}), "boolean"],
        "calibration_fraction": [Interval(Real, 0, 1, closed="neither"), None],
        "random_state": ["random_state"],
    }

    def __init__(self, autoencoder=None, contamination=0.1, *, p=None, code_distance="auto",
                 calibration_fraction=None, random_state=None):
        self.autoencoder = autoencoder
        self.contamination = contamination
        self.p = p
        self.code_distance = code_distance
        self.calibration_fraction = calibration_fraction
        self.random_state = random_state

    __repr__ = _compat.sklearn_repr

    def __sklearn_is_fitted__(self):
        return hasattr(self, "threshold_")

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y=None, sample_weight=None):
        """Fit the autoencoder on X and set the threshold from its scores.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, d1, d2[, d3])
            Training data (images and sequences as the autoencoder takes them).
        y : None
            Ignored.
        sample_weight : array-like of shape (n_samples,), default=None
            Passed to the autoencoder's fit, and weights the quantile that
            sets ``threshold_``. A ``ValueError`` if the autoencoder's fit
            takes no ``sample_weight``.

        Returns
        -------
        self : object
            The fitted detector.
        """
        if self.autoencoder is None:
            shape = X.shape if hasattr(X, "shape") else np.shape(X)
            autoencoder = default_autoencoder(int(np.prod(shape[1:])) if len(shape) > 1 else None)
        else:
            autoencoder = clone(self.autoencoder)
        if self.p is not None:
            missing = [m for m in ("transform", "inverse_transform") if not hasattr(autoencoder, m)]
            if missing:
                raise ValueError(
                    f"p={self.p} measures the distance to the reconstruction "
                    f"inverse_transform(transform(X)), but {type(autoencoder).__name__} "
                    f"has no {' or '.join(missing)}. Use p=None to score with its "
                    "own score_samples."
                )
        takes_weights = has_fit_parameter(autoencoder, "sample_weight")
        if sample_weight is not None and not takes_weights:
            raise ValueError(
                f"{type(autoencoder).__name__}.fit does not take sample_weight, "
                f"so {type(self).__name__} cannot use it."
            )
        n_samples = _num_samples(X)
        weights = None
        if sample_weight is not None:
            weights = np.broadcast_to(
                np.asarray(sample_weight, dtype=np.float64), (n_samples,)
            ).copy()
        calibration = None
        if self.calibration_fraction is not None:
            calibration = self._calibration_rows(n_samples, weights)
            # The rows the autoencoder fits: weight 0 keeps the others out
            # without a copy of X (a memmap stays on disk).
            fit_weights = np.ones(n_samples) if weights is None else weights.copy()
            fit_weights[calibration] = 0.0
        else:
            fit_weights = weights
        # y=None positionally: FrozenEstimator.fit (a fitted autoencoder reused) requires it.
        if fit_weights is not None and takes_weights:
            autoencoder.fit(X, None, sample_weight=fit_weights)
        elif fit_weights is not None:
            autoencoder.fit(take_rows(X, np.flatnonzero(fit_weights > 0)), None)
        else:
            autoencoder.fit(X, None)
        for attr in ("threshold_", "n_features_in_", "feature_names_in_", *_CODE_ATTRIBUTES):
            self.__dict__.pop(attr, None)
        self.autoencoder_ = autoencoder
        for attr in ("n_features_in_", "feature_names_in_"):
            if hasattr(autoencoder, attr):
                setattr(self, attr, getattr(autoencoder, attr))
        self.code_distance_ = self._resolve_code_distance(autoencoder)
        rows = slice(None) if calibration is None else calibration
        if self.code_distance_:
            # One pass over X: the fitted rows' errors and codes set the
            # distance, and the threshold's rows are scored from the same.
            error, codes = self._error_and_codes(X)
            self._fit_code_distance(error, codes, fit_weights, X)
            scores = self._likelihood_score(error[rows], codes[rows])
        else:
            scores = self._score(X if calibration is None else take_rows(X, calibration))
        if weights is not None:
            weights = weights[rows]
        self.threshold_ = float(self._threshold(scores, weights))
        return self

    def _calibration_rows(self, n_samples, weights):
        """The sorted indices of the rows held out to set the threshold."""
        n_calibration = max(1, int(round(self.calibration_fraction * n_samples)))
        if n_calibration >= n_samples:
            raise ValueError(
                f"calibration_fraction={self.calibration_fraction} of {n_samples} "
                "samples leaves no sample to fit the autoencoder with; give more "
                "samples or a smaller calibration_fraction."
            )
        rows = np.sort(check_random_state(self.random_state).permutation(n_samples)[:n_calibration])
        if weights is not None and not weights[rows].sum() > 0:
            raise ValueError(
                "Every calibration sample has sample weight zero, so they cannot "
                "set the threshold; give another random_state or calibration_fraction."
            )
        return rows

    def _resolve_code_distance(self, autoencoder):
        if self.code_distance == "auto":
            return self.p is None and scores_a_squared_error(autoencoder)
        if self.code_distance:
            if not hasattr(autoencoder, "transform"):
                raise ValueError(
                    f"code_distance=True measures the distance between codes, but "
                    f"{type(autoencoder).__name__} has no transform."
                )
            if self.p is not None and np.isinf(self.p):
                raise ValueError(
                    "code_distance=True needs a finite p: the largest error (p=inf) "
                    "has no noise level to weigh the code's distance against."
                )
        return bool(self.code_distance)

    def _fit_code_distance(self, error, codes, weights, X):
        """The noise level and the codes' distribution, from the training
        samples' errors and codes (weighted; weight 0 leaves a sample out)."""
        if weights is None:
            weights = np.ones(len(codes))
        total = weights.sum()
        if self.p is None:
            if np.any(error < 0):
                raise ValueError(
                    f"code_distance=True with p=None weighs the autoencoder's loss, "
                    f"-score_samples, but {type(self.autoencoder_).__name__}.score_samples "
                    "is positive for some training samples, so it is not a negative loss. "
                    "Give p=2 to measure the error as a distance."
                )
            scale = np.dot(weights, error) / total
        else:
            # The p-th power mean, with the largest error factored out so that
            # high powers cannot overflow.
            top = error.max()
            top = top if top > 0 else 1.0
            scale = top * (np.dot(weights, (error / top) ** self.p) / total) ** (1.0 / self.p)
        # A training set reconstructed exactly has no noise level; any unit
        # keeps the score finite, and every error above 0 then stands out.
        self.error_scale_ = float(scale) if scale > 0 else 1.0
        n_features = getattr(self, "n_features_in_", None)
        if n_features is None:
            n_features = int(np.prod(np.asarray(X).shape[1:]))
        self.n_residual_ = max(n_features - codes.shape[1], 1)
        self.code_mean_ = weights @ codes / total
        centred = codes - self.code_mean_
        covariance = (centred * weights[:, None]).T @ centred / total
        # The pseudo-inverse: a code unit that never varies (a dead unit)
        # adds nothing instead of dividing by zero.
        self.code_precision_ = pinvh(covariance)

    def _error_and_codes(self, X):
        """Each sample's reconstruction error (the loss with ``p=None``, the
        p-distance otherwise) and its code, both as float64."""
        autoencoder = self.autoencoder_
        codes = autoencoder.transform(X)
        n_samples = codes.shape[0]
        codes = np.asarray(codes, dtype=np.float64).reshape(n_samples, -1)
        if self.p is None:
            error = -np.asarray(autoencoder.score_samples(X), dtype=np.float64)
        else:
            error = -self._distance_score(X, autoencoder.inverse_transform(codes))
        return error, codes

    def _threshold(self, scores, weights):
        # The averaged inverted CDF, weighted or not: a weight of 2 is the
        # same as the sample repeated, and exactly round(contamination * n)
        # training samples fall below the threshold when scores are distinct.
        def percentile(q):
            if weights is None:
                return np.percentile(scores, q, method="averaged_inverted_cdf")
            return _weighted_percentile(scores, weights, q, average=True)

        if self.contamination == "auto":
            low, high = percentile(25.0), percentile(75.0)
            return low - _TUKEY_K * (high - low)
        return percentile(100.0 * self.contamination)

    @property
    def offset_(self):
        """``threshold_`` under scikit-learn's name for it."""
        check_is_fitted(self)
        return self.threshold_

    def score_samples(self, X):
        """The autoencoder's score: the lower, the more abnormal.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, d1, d2[, d3])
            Samples to score.

        Returns
        -------
        scores : ndarray of shape (n_samples,)
            With ``p=None``, ``autoencoder_.score_samples(X)``: the negative
            reconstruction loss, or the ELBO for a variational autoencoder.
            Otherwise the negative p-distance between each sample and its
            reconstruction.
        """
        check_is_fitted(self)
        return self._score(X)

    def _likelihood_score(self, error, codes):
        """``-(residual term + code term)`` of the errors and codes."""
        # A generalised normal's negative log-likelihood at the fitted noise
        # level: the loss is a squared error already (power 1, halved as a
        # Gaussian's); a p-distance is raised to p.
        if self.p is None:
            residual = 0.5 * self.n_residual_ * error / self.error_scale_
        else:
            with np.errstate(over="ignore"):
                residual = self.n_residual_ / self.p * (error / self.error_scale_) ** self.p
        centred = codes - self.code_mean_
        distance = np.einsum("ij,jk,ik->i", centred, self.code_precision_, centred)
        return -(residual + 0.5 * distance)

    def _score(self, X):
        autoencoder = self.autoencoder_
        if self.code_distance_:
            return self._likelihood_score(*self._error_and_codes(X))
        if self.p is None:
            return autoencoder.score_samples(X)
        # transform validates X (shape, NaN, sparse, feature names) with the
        # autoencoder's own messages before X is read here.
        return self._distance_score(X, autoencoder.inverse_transform(autoencoder.transform(X)))

    def _distance_score(self, X, reconstruction):
        """The negative p-distance between each sample and its reconstruction."""
        n_samples = reconstruction.shape[0]
        X = np.asarray(X, dtype=np.float64).reshape(n_samples, -1)
        error = np.abs(X - reconstruction.reshape(n_samples, -1).astype(np.float64))
        if self.p == 1:
            return -error.sum(axis=1)
        if np.isinf(self.p):
            return -error.max(axis=1)
        # Scaled by the largest error so that high powers cannot overflow.
        scale = error.max(axis=1, keepdims=True)
        scale[scale == 0] = 1.0
        return -scale[:, 0] * np.sum((error / scale) ** self.p, axis=1) ** (1.0 / self.p)

    def decision_function(self, X):
        """``score_samples(X) - threshold_``: negative for outliers.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, d1, d2[, d3])
            Samples to score.

        Returns
        -------
        decision : ndarray of shape (n_samples,)
            Negative for outliers, zero or positive for inliers.
        """
        return self.score_samples(X) - self.threshold_

    def predict(self, X):
        """Whether each sample is an inlier (+1) or an outlier (-1).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, d1, d2[, d3])
            Samples to classify.

        Returns
        -------
        labels : ndarray of shape (n_samples,)
            -1 where ``decision_function(X) < 0``, else +1.
        """
        decision = self.decision_function(X)
        labels = np.ones(decision.shape[0], dtype=int)
        labels[decision < 0] = -1
        return labels

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        autoencoder = default_autoencoder() if self.autoencoder is None else self.autoencoder
        inner = autoencoder.__sklearn_tags__()
        tags.input_tags = inner.input_tags
        tags.non_deterministic = inner.non_deterministic
        return tags
