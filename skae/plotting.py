"""The tutorial's pictures, as matplotlib Figures.

Every function returns a :class:`matplotlib.figure.Figure` built without
pyplot: nothing is shown and no global state changes, so they work the same
in scripts, notebooks (a Figure displays itself) and headless CI. Save one
with ``fig.savefig("name.png")``.
"""

from __future__ import annotations

import math

import matplotlib
import numpy as np
from matplotlib.figure import Figure
from sklearn.utils.validation import check_array, check_is_fitted

__all__ = [
    "plot_codes",
    "plot_denoising",
    "plot_history",
    "plot_latent",
    "plot_manifold",
    "plot_reconstructions",
]


def _image_shape(n_pixels, image_shape):
    if image_shape is not None:
        image_shape = tuple(int(s) for s in image_shape)
        if math.prod(image_shape) != n_pixels:
            raise ValueError(
                f"image_shape={image_shape} has {math.prod(image_shape)} pixels, "
                f"but the images have {n_pixels}."
            )
        return image_shape
    side = math.isqrt(n_pixels)
    if side * side != n_pixels:
        raise ValueError(
            f"Images of {n_pixels} pixels are not square; pass image_shape=(h, w)."
        )
    return (side, side)


def _as_images(X, image_shape, name):
    """(n, h, w) grey images from rows, (n, h, w) or (n, h, w, 1) arrays."""
    X = np.asarray(X, dtype=np.float64)
    if X.ndim == 4 and X.shape[-1] == 1:
        X = X[..., 0]
    if X.ndim == 3:
        return X if image_shape is None else X.reshape(len(X), *_image_shape(
            X.shape[1] * X.shape[2], image_shape))
    if X.ndim != 2:
        raise ValueError(
            f"{name} must be 2-D rows of pixels or 3-D images, got shape {X.shape}."
        )
    return X.reshape(len(X), *_image_shape(X.shape[1], image_shape))


def _image_rows(rows, *, n, image_shape, cell=1.1):
    """One row of ``n`` images per (label, images) pair, the tutorial's layout."""
    rows = [(label, _as_images(X, image_shape, label)) for label, X in rows]
    n = min([n] + [len(images) for _, images in rows])
    if n < 1:
        raise ValueError("No images to plot.")
    fig = Figure(figsize=(cell * n, cell * len(rows) + 0.3), layout="constrained")
    axes = fig.subplots(len(rows), n, squeeze=False)
    for r, (label, images) in enumerate(rows):
        for c in range(n):
            ax = axes[r, c]
            ax.imshow(images[c], cmap="gray", vmin=0.0, vmax=max(1.0, images.max()))
            ax.set_xticks([])
            ax.set_yticks([])
        axes[r, 0].set_ylabel(label)
    return fig


def plot_reconstructions(X, X_reconstructed, *, n=10, image_shape=None):
    """Originals over their reconstructions, as in the tutorial.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_pixels) or (n_samples, h, w)
        Original images, intensities in [0, 1].
    X_reconstructed : array-like of the same shape
        What the autoencoder gives back, e.g.
        ``ae.inverse_transform(ae.transform(X))``.
    n : int, default=10
        How many images to show.
    image_shape : tuple of int, default=None
        (height, width) of a row of pixels; None reads a square.

    Returns
    -------
    fig : matplotlib.figure.Figure

    Examples
    --------
    >>> import numpy as np
    >>> from skae.plotting import plot_reconstructions
    >>> X = np.random.default_rng(0).random((10, 64))
    >>> fig = plot_reconstructions(X, X.clip(0.2, 0.8))
    >>> len(fig.axes)
    20
    """
    return _image_rows(
        [("original", X), ("reconstructed", X_reconstructed)],
        n=n, image_shape=image_shape,
    )


def plot_denoising(X_noisy, X_denoised, X_clean=None, *, n=10, image_shape=None):
    """Noisy inputs over their denoised versions (and the clean originals).

    Parameters
    ----------
    X_noisy : array-like of shape (n_samples, n_pixels) or (n_samples, h, w)
        Corrupted images, e.g. ``denoiser.corrupt(X, random_state=0)``.
    X_denoised : array-like of the same shape
        ``denoiser.denoise(X_noisy)``.
    X_clean : array-like of the same shape, default=None
        The originals, shown as a third row when given.
    n : int, default=10
        How many images to show.
    image_shape : tuple of int, default=None
        (height, width) of a row of pixels; None reads a square.

    Returns
    -------
    fig : matplotlib.figure.Figure

    Examples
    --------
    >>> import numpy as np
    >>> from skae.plotting import plot_denoising
    >>> X = np.random.default_rng(0).random((4, 64))
    >>> len(plot_denoising(X, X, X).axes)
    12
    """
    rows = [("noisy", X_noisy), ("denoised", X_denoised)]
    if X_clean is not None:
        rows.append(("clean", X_clean))
    return _image_rows(rows, n=n, image_shape=image_shape)


def _code_shape(n_components):
    """The most nearly square (h, w) with h * w == n_components, h <= w."""
    h = math.isqrt(n_components)
    while n_components % h:
        h -= 1
    return h, n_components // h


def plot_codes(codes, *, n=10, code_shape=None):
    """The codes themselves, one small image per sample.

    The tutorial's "encoded representations": each row of ``codes`` (the
    output of ``transform``) drawn as a grey image, scaled to the codes'
    overall maximum, so sparse codes look dark.

    Parameters
    ----------
    codes : array-like of shape (n_samples, n_components)
        Output of ``transform``.
    n : int, default=10
        How many codes to show.
    code_shape : tuple of int, default=None
        How to lay out one code; None picks the most nearly square
        rectangle (32 -> 4 x 8, 128 -> 8 x 16).

    Returns
    -------
    fig : matplotlib.figure.Figure

    Examples
    --------
    >>> import numpy as np
    >>> from skae.plotting import plot_codes
    >>> fig = plot_codes(np.random.default_rng(0).random((5, 32)))
    >>> fig.axes[0].images[0].get_array().shape
    (4, 8)
    """
    codes = check_array(codes, ensure_min_features=1)
    n = min(n, len(codes))
    shape = code_shape or _code_shape(codes.shape[1])
    if math.prod(shape) != codes.shape[1]:
        raise ValueError(
            f"code_shape={tuple(shape)} does not hold {codes.shape[1]} numbers."
        )
    vmax = max(float(np.abs(codes).max()), np.finfo(np.float32).tiny)
    aspect = shape[1] / shape[0]
    fig = Figure(figsize=(1.1 * n * min(aspect, 2), 1.3), layout="constrained")
    axes = fig.subplots(1, n, squeeze=False)[0]
    for ax, code in zip(axes, codes[:n]):
        ax.imshow(np.abs(code).reshape(shape), cmap="gray", vmin=0.0, vmax=vmax)
        ax.set_xticks([])
        ax.set_yticks([])
    return fig


def plot_latent(codes, y=None, *, random_state=0, title=None, axis_label="code"):
    """A scatter of codes coloured by label.

    Two-dimensional codes (a VAE's latent space) are drawn directly; wider
    codes are first embedded in 2-D with :class:`~sklearn.manifold.TSNE`.
    To control the embedding, pass its output instead, e.g. from
    ``make_pipeline(FrozenEstimator(ae), TSNE()).fit_transform(X)``.

    Parameters
    ----------
    codes : array-like of shape (n_samples, n_components)
        Output of ``transform`` (or of a 2-D embedding of it).
    y : array-like of shape (n_samples,), default=None
        Labels for the colours (digits 0-9 in the tutorial).
    random_state : int, default=0
        Seed of the TSNE used for codes wider than two.
    title : str, default=None
        Axes title.
    axis_label : str, default="code"
        Axes are labelled "<axis_label> 1" and "<axis_label> 2" (codes
        embedded here by TSNE: "t-SNE 1" and "t-SNE 2").

    Returns
    -------
    fig : matplotlib.figure.Figure

    Examples
    --------
    >>> import numpy as np
    >>> from skae.plotting import plot_latent
    >>> rng = np.random.default_rng(0)
    >>> fig = plot_latent(rng.normal(size=(50, 2)), rng.integers(0, 10, 50))
    >>> fig.axes[0].get_xlabel()
    'code 1'
    """
    codes = check_array(codes, ensure_min_features=2)
    xlabel, ylabel = f"{axis_label} 1", f"{axis_label} 2"
    if codes.shape[1] > 2:
        from sklearn.manifold import TSNE

        perplexity = min(30.0, (len(codes) - 1) / 3)
        codes = TSNE(perplexity=perplexity, random_state=random_state).fit_transform(codes)
        xlabel, ylabel = "t-SNE 1", "t-SNE 2"
    fig = Figure(figsize=(6, 5), layout="constrained")
    ax = fig.subplots()
    if y is None:
        ax.scatter(codes[:, 0], codes[:, 1], s=4)
    else:
        y = np.asarray(y)
        labels = np.unique(y)
        # Label positions, not values, choose colours: any labels work.
        colour = np.searchsorted(labels, y)
        points = ax.scatter(codes[:, 0], codes[:, 1], c=colour, s=4, cmap="tab10",
                            vmin=-0.5, vmax=max(len(labels), 10) - 0.5)
        if len(labels) <= 20:
            cbar = fig.colorbar(points, ax=ax, ticks=range(len(labels)))
            cbar.ax.set_yticklabels([str(label) for label in labels])
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    return fig


def plot_manifold(vae, *, n=15, dims=(0, 1), image_shape=None, quantiles=(0.05, 0.95)):
    """Decoded latent points over a grid: the VAE's manifold of digits.

    As in the tutorial, the grid spans the ``quantiles`` of the standard
    normal prior along two latent dimensions (``dims``); other dimensions
    are held at 0, the prior's mean.

    Parameters
    ----------
    vae : fitted VariationalAutoencoder (or any fitted skae autoencoder)
        Its ``inverse_transform`` decodes the grid.
    n : int, default=15
        Grid points per side.
    dims : tuple of two int, default=(0, 1)
        The latent dimensions swept.
    image_shape : tuple of int, default=None
        (height, width) of a decoded row; None reads a square.
    quantiles : tuple of two float, default=(0.05, 0.95)
        Prior quantiles at the grid's edges.

    Returns
    -------
    fig : matplotlib.figure.Figure

    Examples
    --------
    >>> from skae import VariationalAutoencoder
    >>> from skae.datasets import load_digit_images
    >>> from skae.plotting import plot_manifold
    >>> X, _ = load_digit_images(return_X_y=True)
    >>> vae = VariationalAutoencoder(epochs=1, random_state=0).fit(X[:200])
    >>> fig = plot_manifold(vae, n=5)
    >>> fig.axes[0].images[0].get_array().shape  # 5 digits of 8x8, 4 gaps
    (44, 44)
    """
    from scipy.stats import norm

    check_is_fitted(vae)
    n_latent = vae.n_components_
    dims = tuple(int(d) for d in dims)
    if len(dims) != 2 or len(set(dims)) != 2 or not all(0 <= d < n_latent for d in dims):
        raise ValueError(
            f"dims must be two different latent dimensions in [0, {n_latent}), "
            f"got {dims}."
        )
    grid = norm.ppf(np.linspace(quantiles[0], quantiles[1], n))
    latent = np.zeros((n * n, n_latent), dtype=np.float32)
    # Rows of the picture go down the second dimension, from high to low,
    # so the picture's axes read like a plot's.
    yy, xx = np.meshgrid(grid[::-1], grid, indexing="ij")
    latent[:, dims[0]] = xx.ravel()
    latent[:, dims[1]] = yy.ravel()
    decoded = np.asarray(vae.inverse_transform(latent), dtype=np.float64)
    images = _as_images(decoded.reshape(len(decoded), -1), image_shape, "decoded")
    # One pixel of NaN (drawn blue-grey) between cells keeps digits apart
    # where they touch the border of their image, as the 8x8 digits do.
    h, w = images.shape[1:]
    cells = np.full((n, n, h + 1, w + 1), np.nan)
    cells[:, :, :h, :w] = images.reshape(n, n, h, w)
    canvas = cells.transpose(0, 2, 1, 3).reshape(n * (h + 1), n * (w + 1))[:-1, :-1]
    fig = Figure(figsize=(7, 7), layout="constrained")
    ax = fig.subplots()
    cmap = matplotlib.colormaps["gray"].with_extremes(bad="#556")
    ax.imshow(canvas, cmap=cmap, vmin=0.0, vmax=max(1.0, np.nanmax(canvas)),
              extent=(grid[0], grid[-1], grid[0], grid[-1]))
    ax.set_xlabel(f"z[{dims[0]}]")
    ax.set_ylabel(f"z[{dims[1]}]")
    return fig


def plot_history(history, *, keys=None, title=None):
    """Training curves: the losses recorded per epoch.

    Parameters
    ----------
    history : fitted skae estimator or dict of lists
        An estimator's ``history_`` (or the estimator itself): metric name
        to one value per epoch, as Keras records it.
    keys : list of str, default=None
        Which curves to draw; None draws all of them (loss, val_loss, ...).
    title : str, default=None
        Axes title.

    Returns
    -------
    fig : matplotlib.figure.Figure

    Examples
    --------
    >>> from skae.plotting import plot_history
    >>> fig = plot_history({"loss": [0.5, 0.3, 0.25], "val_loss": [0.6, 0.4, 0.35]})
    >>> [line.get_label() for line in fig.axes[0].get_lines()]
    ['loss', 'val_loss']
    """
    if not isinstance(history, dict):
        check_is_fitted(history)
        history = history.history_
    keys = list(history) if keys is None else list(keys)
    unknown = [k for k in keys if k not in history]
    if unknown:
        raise ValueError(f"No curve named {unknown} in the history ({list(history)}).")
    if not keys:
        raise ValueError("The history is empty: nothing to plot.")
    fig = Figure(figsize=(6, 4), layout="constrained")
    ax = fig.subplots()
    for key in keys:
        values = np.asarray(history[key], dtype=float)
        ax.plot(np.arange(1, len(values) + 1), values, label=key)
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    ax.legend()
    if title:
        ax.set_title(title)
    return fig
