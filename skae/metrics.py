"""Reconstruction metrics in NumPy, shared by the tour and the benchmarks."""

from __future__ import annotations

import numpy as np

__all__ = ["binary_crossentropy"]


def binary_crossentropy(X, X_reconstructed, eps=1e-7):
    """Mean binary cross-entropy per value, clipped as Keras clips it.

    The tutorial's reconstruction loss for intensities in [0, 1], averaged
    over every value of every sample.

    Parameters
    ----------
    X : array-like of shape (n_samples, ...)
        Targets in [0, 1].
    X_reconstructed : array-like of the same shape
        Predicted probabilities.
    eps : float, default=1e-7
        Predictions are clipped to ``[eps, 1 - eps]`` (Keras' epsilon).

    Returns
    -------
    loss : float
        The mean binary cross-entropy, in nats.

    Examples
    --------
    >>> from skae.metrics import binary_crossentropy
    >>> round(binary_crossentropy([[0.0, 1.0]], [[0.5, 0.5]]), 4)
    0.6931
    """
    # No cast: float32 inputs are averaged as float32, as the tour always did.
    X = np.asarray(X)
    p = np.clip(np.asarray(X_reconstructed), eps, 1 - eps)
    return float(-np.mean(X * np.log(p) + (1 - X) * np.log(1 - p)))
