"""Outlier detection by reconstruction: any autoencoder as an ``OutlierMixin``."""

from __future__ import annotations

from numbers import Real

import numpy as np
from sklearn.base import BaseEstimator, MetaEstimatorMixin, OutlierMixin, _fit_context, clone
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.stats import _weighted_percentile
from sklearn.utils.validation import check_is_fitted, has_fit_parameter

from . import _compat
from ._dense import DenseAutoencoder

# contamination="auto": Tukey's fence. A training sample is an outlier when
# its reconstruction error lies more than 1.5 interquartile ranges above the
# upper quartile (its score 1.5 IQR below the lower quartile).
_TUKEY_K = 1.5


class AutoencoderOutlierDetector(OutlierMixin, MetaEstimatorMixin, BaseEstimator):
    """Outlier detection with an autoencoder's reconstruction error.

    Fits a clone of ``autoencoder`` to the (mostly normal) training data;
    samples it reconstructs badly are outliers. ``score_samples`` is the
    autoencoder's own ``score_samples``: the negative reconstruction loss
    (the negative ELBO for a :class:`VariationalAutoencoder`), so lower means
    more abnormal, as in :class:`~sklearn.ensemble.IsolationForest` and
    :class:`~sklearn.neighbors.LocalOutlierFactor`. A sample is an outlier
    when its score is below ``threshold_``, which ``contamination`` sets on
    the training scores.

    Parameters
    ----------
    autoencoder : estimator, default=None
        The autoencoder to fit: any skae autoencoder (or any estimator with
        ``fit`` and ``score_samples``, higher meaning more normal). None
        means ``DenseAutoencoder()``. It is cloned, never fitted in place;
        its parameters tune as ``autoencoder__<name>`` in ``set_params`` and
        ``GridSearchCV``.
    contamination : "auto" or float, default=0.1
        The expected fraction of outliers in the training data, in (0, 0.5]:
        ``threshold_`` is that quantile of the training scores (weighted by
        ``sample_weight`` when given), so that fraction of the training
        samples is flagged. "auto" uses Tukey's fence instead: a sample is
        an outlier when its score is more than 1.5 interquartile ranges
        below the lower quartile of the training scores (its reconstruction
        error more than 1.5 IQR above the upper quartile). IsolationForest's
        "auto" (a fixed offset of -0.5) relies on its scores being
        normalized to [-1, 0]; reconstruction errors have no such scale, so
        a rule on their own distribution is used. It flags no training
        sample when the errors have no long upper tail, and about 0.7% of
        normally distributed scores.

    Attributes
    ----------
    autoencoder_ : estimator
        The fitted clone of ``autoencoder``.
    threshold_ : float
        Samples scoring below it are outliers; ``decision_function`` is
        ``score_samples(X) - threshold_``.
    offset_ : float
        The same value as ``threshold_``, under scikit-learn's name
        (``decision_function = score_samples - offset_`` in IsolationForest,
        LocalOutlierFactor and OneClassSVM).
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
    >>> det = AutoencoderOutlierDetector(
    ...     DenseAutoencoder(n_components=2, epochs=2, random_state=0),
    ...     contamination=0.05,
    ... ).fit(X)
    >>> float(np.mean(det.predict(X) == -1))  # 5% of the training data
    0.05
    >>> det.predict(np.ones((1, 8)))  # far from the training data
    array([-1])
    """

    _parameter_constraints: dict = {
        "autoencoder": [HasMethods(["fit", "score_samples"]), None],
        "contamination": [
            StrOptions({"auto"}),
            Interval(Real, 0, 0.5, closed="right"),
        ],
    }

    def __init__(self, autoencoder=None, contamination=0.1):
        self.autoencoder = autoencoder
        self.contamination = contamination

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
        autoencoder = DenseAutoencoder() if self.autoencoder is None else self.autoencoder
        autoencoder = clone(autoencoder)
        fit_params = {}
        if sample_weight is not None:
            if not has_fit_parameter(autoencoder, "sample_weight"):
                raise ValueError(
                    f"{type(autoencoder).__name__}.fit does not take sample_weight, "
                    f"so {type(self).__name__} cannot use it."
                )
            fit_params["sample_weight"] = sample_weight
        autoencoder.fit(X, **fit_params)
        for attr in ("threshold_", "n_features_in_", "feature_names_in_"):
            self.__dict__.pop(attr, None)
        self.autoencoder_ = autoencoder
        for attr in ("n_features_in_", "feature_names_in_"):
            if hasattr(autoencoder, attr):
                setattr(self, attr, getattr(autoencoder, attr))
        scores = self.autoencoder_.score_samples(X)
        weights = None
        if sample_weight is not None:
            weights = np.asarray(sample_weight, dtype=np.float64)
            weights = np.broadcast_to(weights, scores.shape)
        self.threshold_ = float(self._threshold(scores, weights))
        return self

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
            ``autoencoder_.score_samples(X)``: the negative reconstruction
            loss, or the ELBO for a variational autoencoder.
        """
        check_is_fitted(self)
        return self.autoencoder_.score_samples(X)

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
        autoencoder = DenseAutoencoder() if self.autoencoder is None else self.autoencoder
        inner = autoencoder.__sklearn_tags__()
        tags.input_tags = inner.input_tags
        tags.non_deterministic = inner.non_deterministic
        return tags
