"""Initial weights from PCA: every autoencoder starts where PCA ends.

A one-layer autoencoder trained from random weights converges slowly on the
directions of small variance: with ``epochs="auto"`` a DenseAutoencoder on
1,347 digits stopped at 1.41x PCA-32's test error, and at 1.15x PCA-8's on
standardised wine. Started from PCA's solution (``init="pca"``, as TSNE's
default ``init="pca"`` does for its embedding), the same fits reach 1.07x and
0.98x, and on MNIST (10 epochs) a test BCE of 0.0918 against 0.0970.

:func:`pca_weights` starts a chain of Dense layers (the dense models) or a
pair of linear paths beside a non-linear network (the conv and sequence
models, whose convolutions or LSTMs join through zeros);
:func:`ppca_weights` starts the variational autoencoder at probabilistic
PCA's solution. Pure NumPy on the training rows; the estimators put the
arrays into their layers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: PCA's directions are estimated on at most this many training rows (a
#: seeded subset): the start point, not the fit, so more rows change little
#: and cost memory and time.
MAX_INIT_ROWS = 10_000


#: How far below the training rows' lowest PCA coordinate the activation's
#: bend (a ReLU's zero, an ELU's knee) is put, as a fraction of the
#: coordinates' range: a new row a little beyond the training range passes
#: unchanged. Measured with 0 (the bend at the training minimum), raw breast
#: cancer: one test row of 143 lay 0.07 std below it, its code was clipped,
#: and DenseAutoencoder(n_components=4)'s test error was 1.37x PCA-4's
#: (1.01x with this margin); DeepAutoencoder(n_components=8)'s (ELU) was
#: 1.97x PCA-8's (1.00x); on raw wine the accuracy of a logistic regression
#: on the codes fell 0.045 below PCA-4's (0.022 with it). On the
#: benchmark's digits, wine, breast cancer and S-curve the Dense and Sparse
#: rows moved by at most 0.01x.
CODE_MARGIN = 0.1

#: The margin of a start that the early-stopping rule kept (PCA's solution,
#: taken again from every row): a whole range, since no training in that
#: fit will move it (a warm start continues from it), and a wider margin
#: costs the trained models (measured with 1.0 for
#: every start: the DeepAutoencoder on GunPoint k=4, 0.45x -> 0.52x PCA-4's
#: test error). Measured on a kept start with CODE_MARGIN, 2% of the codes
#: of 50 new smooth curves were clipped (150 training curves, 4 numbers:
#: 1.8x PCA-4's test error), and the UCR archive's ArrowHead (36 series)
#: gave 1.10x PCA-8's.
KEPT_CODE_MARGIN = 1.0


@dataclass(frozen=True)
class PCAWeights:
    """``layers``: the ``(kernel, bias)`` of each Dense layer, input to
    output, and ``n_pca``: how many units of each inner layer carry a
    principal coordinate (the others keep their random weights and reach
    the output through zeros)."""

    layers: tuple
    n_pca: int


def _init_rows(X, sample_weight, seed):
    """X and its weights, or a seeded subset of :data:`MAX_INIT_ROWS` rows."""
    # Subset first: X may be rows streamed from disk (skae._streaming).
    if len(X) > MAX_INIT_ROWS:
        rows = np.sort(np.random.default_rng(seed).choice(len(X), MAX_INIT_ROWS, replace=False))
        X = X[rows]
        sample_weight = None if sample_weight is None else np.asarray(sample_weight)[rows]
    return np.asarray(X), sample_weight


def principal_directions(X, sample_weight, n_components):
    """``(mean, components)`` of the (weighted) rows of X: at most
    ``n_components`` directions of non-zero variance, largest first, each
    with its largest entry positive (a deterministic sign)."""
    X = np.asarray(X, dtype=np.float64)
    w = np.ones(len(X)) if sample_weight is None else np.asarray(sample_weight, np.float64)
    w = w / w.sum()
    mean = w @ X
    centred = (X - mean) * np.sqrt(w)[:, None]
    covariance = centred.T @ centred
    variances, vectors = np.linalg.eigh(covariance)
    order = np.argsort(variances)[::-1]
    variances, vectors = variances[order], vectors[:, order]
    keep = variances > 1e-12 * max(variances[0], 1e-300)
    components = vectors[:, keep][:, :n_components].T
    signs = np.sign(components[np.arange(len(components)), np.abs(components).argmax(1)])
    return mean, components * signs[:, None]


def pca_weights(X, sample_weight, n_components, output_activation, layers, seed=None,
                shift=True, margin=0.0):
    """:class:`PCAWeights` for a chain of Dense layers ``n_features -> ... ->
    n_features`` (``layers``: their random initial ``(kernel, bias)``, input
    to output) whose inner activations are the identity on non-negative
    inputs (ReLU, ELU, linear).

    The first layer maps a row to its PCA coordinates in its first ``n_pca``
    units, scaled so that the widest has unit standard deviation and shifted
    so that every training row's are non-negative, or positive with a
    ``margin`` for new rows (a fraction of their range; the dense models
    use :data:`CODE_MARGIN`), and the activation passes them unchanged;
    each inner layer passes those units on unchanged, and the output layer
    maps them back to PCA's reconstruction: exactly with a linear output,
    through the tangent of the sigmoid at 0.5 with a sigmoid one.
    ``shift=False`` leaves the coordinates centred, for a linear code.
    ``n_pca`` is the number of principal directions with non-zero
    variance, at most ``n_components`` and the narrowest inner layer. The
    other units keep their random weights, and nothing reaches the PCA path
    or the output from them until training moves the zeros: the start is
    PCA's, and the rest of the network is free to improve on it.
    """
    X, sample_weight = _init_rows(X, sample_weight, seed)
    widths = [np.shape(kernel)[1] for kernel, _ in layers[:-1]]
    mean, components = principal_directions(X, sample_weight, min([n_components, *widths]))
    n_pca = len(components)
    layers = [(np.array(kernel), np.array(bias)) for kernel, bias in layers]
    if n_pca == 0:  # constant data: nothing to start from
        return PCAWeights(tuple(layers), 0)
    coords = (np.asarray(X, np.float64) - mean) @ components.T
    w = np.ones(len(X)) if sample_weight is None else np.asarray(sample_weight, np.float64)
    # Weighted, so a weight of 2 starts like a repeated row.
    scale = 1.0 / np.sqrt((w @ coords**2) / w.sum()).max()
    lowest = coords.min(axis=0)
    below = margin * (coords.max(axis=0) - lowest)
    shift = -(lowest - below) * scale if shift else np.zeros(n_pca)
    first_kernel, first_bias = layers[0]
    first_kernel[:, :n_pca] = components.T * scale
    first_bias[:n_pca] = shift - (components @ mean) * scale
    for kernel, bias in layers[1:-1]:  # pass the coordinates on, and only them
        kernel[:, :n_pca] = 0.0
        kernel[:n_pca, :n_pca] = np.eye(n_pca)
        bias[:n_pca] = 0.0
    decode = components / scale  # coordinates -> centred row
    offset = mean - (shift / scale) @ components
    if output_activation == "sigmoid":
        decode, offset = 4.0 * decode, 4.0 * (offset - 0.5)
    output_kernel, output_bias = layers[-1]
    output_kernel[:n_pca] = decode
    output_kernel[n_pca:] = 0.0
    output_bias[:] = offset
    dtype = first_kernel.dtype
    return PCAWeights(
        tuple((kernel.astype(dtype), bias.astype(dtype)) for kernel, bias in layers), n_pca)


def residual_variance(X, sample_weight, n_components, seed=None):
    """``(left_out, total)``: the mean squared error per feature of PCA with
    ``n_components`` on the (weighted) training rows, and the variance per
    feature of the rows themselves (PCA with none)."""
    X, sample_weight = _init_rows(X, sample_weight, seed)
    X = np.asarray(X, np.float64).reshape(len(X), -1)
    mean, components = principal_directions(X, sample_weight, n_components)
    w = np.ones(len(X)) if sample_weight is None else np.asarray(sample_weight, np.float64)
    centred = X - mean
    residual = centred - (centred @ components.T) @ components

    def per_feature(rows):  # weighted mean over rows, mean over features
        return float((w @ (rows**2).sum(axis=1)) / w.sum() / X.shape[1])

    return per_feature(residual), per_feature(centred)


@dataclass(frozen=True)
class PPCAWeights:
    """The start of a variational autoencoder at probabilistic PCA's
    solution: the ``(kernel, bias)`` of the linear path to z_mean, of the
    z_log_var layer and of the decoder's linear path, and ``n_pca``."""

    z_mean: tuple
    z_log_var: tuple
    decoder: tuple
    n_pca: int


def ppca_weights(X, sample_weight, n_components, output_activation, z_mean, z_log_var,
                 decoder, seed=None):
    """:class:`PPCAWeights` from the random ``(kernel, bias)`` of the three
    layers: z_mean is each row's whitened PCA coordinates (unit variance,
    as the N(0, I) prior has), its posterior variance PPCA's
    ``noise / variance`` per direction (Tipping and Bishop, 1999, with the
    noise the mean variance of the directions left out), and the decoder's
    linear path maps z back to PCA's reconstruction (to first order with a
    sigmoid output). Latent dimensions beyond PCA's rank start at the prior
    and decode to nothing.
    """
    X, sample_weight = _init_rows(X, sample_weight, seed)
    layers = [(np.array(kernel), np.array(bias)) for kernel, bias in (z_mean, z_log_var, decoder)]
    (mean_kernel, mean_bias), (var_kernel, var_bias), (out_kernel, out_bias) = layers
    mean, components = principal_directions(X, sample_weight, n_components)
    n_pca = len(components)
    dtype = mean_kernel.dtype
    mean_kernel[:] = 0.0
    mean_bias[:] = 0.0
    var_kernel[:] = 0.0
    var_bias[:] = 0.0
    out_kernel[:] = 0.0
    out_bias[:] = mean if output_activation != "sigmoid" else 4.0 * (mean - 0.5)
    if n_pca:
        w = np.ones(len(X)) if sample_weight is None else np.asarray(sample_weight, np.float64)
        centred = np.asarray(X, np.float64) - mean
        coords = centred @ components.T
        variances = (w @ coords**2) / w.sum()
        total = (w @ (centred**2).sum(axis=1)) / w.sum()
        left_out = X.shape[1] - n_pca
        noise = (total - variances.sum()) / left_out if left_out else 0.0
        noise = max(noise, 1e-6 * variances[0])
        std = np.sqrt(variances)
        mean_kernel[:, :n_pca] = components.T / std
        mean_bias[:n_pca] = -(components @ mean) / std
        var_bias[:n_pca] = np.log(np.minimum(noise / variances, 1.0))
        decode = components * std[:, None]
        out_kernel[:n_pca] = 4.0 * decode if output_activation == "sigmoid" else decode
    cast = lambda pair: tuple(a.astype(dtype) for a in pair)  # noqa: E731
    return PPCAWeights(cast((mean_kernel, mean_bias)), cast((var_kernel, var_bias)),
                       cast((out_kernel, out_bias)), n_pca)
