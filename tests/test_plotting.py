"""skae.plotting: the figures hold the data they claim to show."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.figure import Figure
from sklearn.exceptions import NotFittedError

from skae import DenseAutoencoder, VariationalAutoencoder
from skae.plotting import (
    plot_codes,
    plot_denoising,
    plot_history,
    plot_latent,
    plot_manifold,
    plot_reconstructions,
)


@pytest.fixture(scope="module")
def vae(digits):
    X, _ = digits
    return VariationalAutoencoder(epochs=2, batch_size=64, random_state=0).fit(X[:300])


def shown(ax):
    return np.asarray(ax.images[0].get_array())


def test_reconstructions_show_originals_over_reconstructions(digits):
    X = digits[0][:12]
    recon = X[::-1]
    fig = plot_reconstructions(X, recon, n=5)
    assert isinstance(fig, Figure) and len(fig.axes) == 10
    for c in range(5):
        np.testing.assert_allclose(shown(fig.axes[c]), X[c].reshape(8, 8))
        np.testing.assert_allclose(shown(fig.axes[5 + c]), recon[c].reshape(8, 8))
    assert fig.axes[0].get_ylabel() == "original"
    assert fig.axes[5].get_ylabel() == "reconstructed"
    # Fewer images than n: as many columns as images; 3-D arrays work too.
    assert len(plot_reconstructions(X[:3].reshape(3, 8, 8), recon[:3]).axes) == 6
    assert plt.get_fignums() == []  # nothing went through pyplot


def test_denoising_rows(digits):
    X = digits[0][:4]
    fig = plot_denoising(X + 0.1, X, X, n=4)
    assert [fig.axes[i].get_ylabel() for i in (0, 4, 8)] == ["noisy", "denoised", "clean"]
    assert len(plot_denoising(X, X).axes) == 8


def test_image_shapes_are_checked():
    X = np.zeros((3, 12))
    with pytest.raises(ValueError, match="not square; pass image_shape"):
        plot_reconstructions(X, X)
    assert len(plot_reconstructions(X, X, image_shape=(3, 4)).axes) == 6
    with pytest.raises(ValueError, match="has 16 pixels"):
        plot_reconstructions(X, X, image_shape=(4, 4))
    with pytest.raises(ValueError, match="2-D rows of pixels or 3-D"):
        plot_reconstructions(np.zeros(5), np.zeros(5))


@pytest.mark.parametrize("width, shape", [(32, (4, 8)), (128, (8, 16)), (2, (1, 2)), (7, (1, 7)), (36, (6, 6))])
def test_codes_are_laid_out_nearly_square(width, shape):
    codes = np.random.default_rng(0).normal(size=(3, width))
    fig = plot_codes(codes)
    assert len(fig.axes) == 3
    np.testing.assert_allclose(shown(fig.axes[1]), np.abs(codes[1]).reshape(shape))


def test_codes_share_one_scale_and_check_code_shape():
    codes = np.array([[0.0, 1.0, 2.0, 4.0], [0.0, 0.5, 0.5, 0.5]])
    fig = plot_codes(codes, code_shape=(2, 2))
    assert {ax.images[0].get_clim() for ax in fig.axes} == {(0.0, 4.0)}
    with pytest.raises(ValueError, match="does not hold 4 numbers"):
        plot_codes(codes, code_shape=(3, 2))


def test_latent_scatter_of_two_d_codes():
    rng = np.random.default_rng(0)
    codes, y = rng.normal(size=(40, 2)), np.repeat(["a", "b", "c", "d"], 10)
    fig = plot_latent(codes, y, title="latent")
    ax = fig.axes[0]
    np.testing.assert_allclose(ax.collections[0].get_offsets(), codes)
    assert ax.get_title() == "latent" and ax.get_xlabel() == "code 1"
    colorbar = fig.axes[1]
    assert [t.get_text() for t in colorbar.get_yticklabels()] == ["a", "b", "c", "d"]
    assert len(plot_latent(codes).axes) == 1  # no labels, no colour bar
    assert plot_latent(codes, axis_label="t-SNE").axes[0].get_ylabel() == "t-SNE 2"


def test_latent_scatter_embeds_wider_codes_with_tsne(digits):
    X, y = digits
    fig = plot_latent(X[:60], y[:60])
    ax = fig.axes[0]
    assert ax.get_xlabel() == "t-SNE 1"
    assert ax.collections[0].get_offsets().shape == (60, 2)


def test_manifold_decodes_the_grid(vae):
    fig = plot_manifold(vae, n=4, image_shape=(8, 8))
    canvas = shown(fig.axes[0])
    assert canvas.shape == (4 * 9 - 1, 4 * 9 - 1)
    from scipy.stats import norm

    grid = norm.ppf(np.linspace(0.05, 0.95, 4))
    # Top-left cell: lowest z[0], highest z[1]; bottom-right: the opposite.
    corners = vae.inverse_transform(np.array([[grid[0], grid[-1]], [grid[-1], grid[0]]],
                                             dtype=np.float32))
    np.testing.assert_allclose(canvas[:8, :8], corners[0].reshape(8, 8), rtol=1e-6)
    np.testing.assert_allclose(canvas[-8:, -8:], corners[1].reshape(8, 8), rtol=1e-6)
    assert np.isnan(canvas[8]).all()  # the separator row


def test_manifold_checks_its_arguments(vae, digits):
    with pytest.raises(ValueError, match="two different latent dimensions"):
        plot_manifold(vae, dims=(0, 0))
    with pytest.raises(ValueError, match=r"in \[0, 2\)"):
        plot_manifold(vae, dims=(0, 2))
    with pytest.raises(NotFittedError):
        plot_manifold(VariationalAutoencoder())
    # Any autoencoder with a wider code: other dimensions stay at 0.
    ae = DenseAutoencoder(n_components=3, epochs=1, random_state=0).fit(digits[0][:50])
    assert shown(plot_manifold(ae, n=3, dims=(2, 0)).axes[0]).shape == (26, 26)


def test_history_curves(vae):
    fig = plot_history(vae, title="VAE")
    # One curve per entry: the VAE's loss (the negative ELBO) and its
    # reconstruction term.
    assert list(vae.history_) == ["loss", "reconstruction"]
    line, reconstruction = fig.axes[0].get_lines()
    np.testing.assert_allclose(line.get_ydata(), vae.history_["loss"])
    np.testing.assert_allclose(reconstruction.get_ydata(), vae.history_["reconstruction"])
    np.testing.assert_array_equal(line.get_xdata(), [1, 2])
    history = {"loss": [3.0, 2.0], "val_loss": [4.0, 3.5]}
    assert len(plot_history(history, keys=["val_loss"]).axes[0].get_lines()) == 1
    with pytest.raises(ValueError, match="No curve named"):
        plot_history(history, keys=["accuracy"])
    with pytest.raises(NotFittedError):
        plot_history(DenseAutoencoder())
