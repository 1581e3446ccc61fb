"""Running the tour: fit each tutorial model, measure it, draw its figures."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from sklearn.decomposition import PCA
from sklearn.frozen import FrozenEstimator
from sklearn.manifold import TSNE
from sklearn.pipeline import make_pipeline

from .. import plotting
from ..datasets import load_images
from ..metrics import binary_crossentropy
from . import SECTIONS
from ._report import write_report

# Parameters per data set. The digits (1,347 training images of 8x8) take
# every estimator's defaults: the training budget adapts to the data
# (epochs="auto", batch_size="auto"), as it would on a user's data. MNIST
# trains the tutorial's fixed epochs, which approach its numbers in
# minutes, not hours (the tutorial's own counts: 50-100 epochs).
RECIPES = {
    "digits": {key: {} for key in SECTIONS},
    "mnist": {
        "simple": dict(epochs=10),
        "sparse": dict(epochs=10),
        "deep": dict(epochs=20),
        "conv": dict(epochs=10, optimizer__learning_rate=2e-3),
        "denoising": dict(epochs=5),
        "sequence": dict(epochs=20),  # 5 epochs still give blurred columns
        "vae": dict(epochs=20),
    },
}

_TSNE_MAX_POINTS = 2000  # TSNE is quadratic-ish; 2000 points show the clusters


@dataclass
class SectionResult:
    """What one section measured and drew."""

    key: str
    title: str
    estimator: object
    row: dict
    figures: list = field(default_factory=list)  # (file name, caption)


def _pcabinary_crossentropy(n_components, X_train, X_test, X_target=None):
    # An overcomplete code (the denoiser's) gets PCA with every component.
    n_components = min(n_components, *X_train.shape)
    pca = PCA(n_components=n_components, random_state=0).fit(X_train)
    X_target = X_test if X_target is None else X_target
    return binary_crossentropy(X_target, pca.inverse_transform(pca.transform(X_test)))


def _save(fig, out, name, caption, figures):
    fig.savefig(out / name, dpi=100)
    figures.append((name, caption))


def _fit(estimator, X):
    start = time.perf_counter()
    estimator.fit(X)
    return time.perf_counter() - start


def run_tour(
    data=None,
    out="skae-tour",
    *,
    sections=None,
    epochs=None,
    random_state=0,
    progress=None,
):
    """Train every tutorial model and write the report.

    Parameters
    ----------
    data : None, "mnist" or path-like, default=None
        None: the embedded 8x8 digits. A path (or "mnist") loads MNIST with
        :func:`skae.datasets.load_mnist`.
    out : str or path-like, default="skae-tour"
        Folder for ``report.html``, its PNG figures and ``results.json``;
        created if needed.
    sections : list of str, default=None
        Which sections to run, among :data:`SECTIONS` ("simple", "sparse",
        "deep", "conv", "denoising", "sequence", "vae"); None runs all.
    epochs : int, default=None
        Epochs for every model, instead of the data set's recipe.
    random_state : int, default=0
        Seed of every model, the noise and TSNE.
    progress : callable, default=None
        Called with one line of text per step (e.g. ``print``).

    Returns
    -------
    results : list of SectionResult
        One per section run: the table's row, the figures' file names.

    Examples
    --------
    >>> import tempfile
    >>> from skae.tour import run_tour
    >>> results = run_tour(out=tempfile.mkdtemp(), sections=["sparse"], epochs=2)
    >>> results[0].row["model"], results[0].row["n_components"]
    ('SparseAutoencoder', 32)
    """
    sections = list(SECTIONS) if sections is None else list(sections)
    unknown = [s for s in sections if s not in SECTIONS]
    if unknown:
        raise ValueError(f"Unknown sections {unknown}; choose from {list(SECTIONS)}.")
    say = progress or (lambda line: None)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)

    images = load_images(data, random_state=random_state)
    recipe = RECIPES[images.name]
    say(
        f"data: {images.name}, {len(images.X_train)} train / {len(images.X_test)} test "
        f"images of {images.image_shape[0]}x{images.image_shape[1]}; writing to {out}"
    )
    results = []
    for i, key in enumerate(sections, 1):
        entry = SECTIONS[key]
        cls = entry.load()
        params = dict(recipe[key], random_state=random_state)
        if epochs is not None:
            params["epochs"] = int(epochs)
        budget = params.get("epochs", "auto")
        say(f"[{i}/{len(sections)}] {cls.__name__}: fitting (epochs={budget}) ...")
        estimator = cls(**params)
        row, figures = _SECTION_RUNNERS[key](estimator, images, out, random_state, say)
        row["vs_pca"] = row["test_bce"] / row["pca_bce"]
        result = SectionResult(key, entry.title, estimator, row, figures)
        say(
            f"[{i}/{len(sections)}] {cls.__name__}: {result.row['fit_s']:.1f} s, "
            f"test BCE {result.row['test_bce']:.4f} (PCA {result.row['pca_bce']:.4f})"
        )
        results.append(result)
    write_report(results, images, out)
    say(f"report: {out / 'report.html'}")
    return results


def _run_plain(ae, images, out, random_state, say, *, codes_figure=True, tsne=False,
               as_input=None):
    """Fit on the training rows, reconstruct the test rows, draw.

    ``as_input`` reshapes rows into the model's input layout (sequences);
    losses and PCA always use the flat rows.
    """
    X_train, X_test = images.X_train, images.X_test
    as_input = as_input or (lambda X: X)
    key = type(ae).__name__
    fit_s = _fit(ae, as_input(X_train))
    codes = ae.transform(as_input(X_test))
    recon = ae.inverse_transform(codes).reshape(len(X_test), -1)
    row = dict(
        model=key,
        n_components=int(ae.n_components_),
        epochs=len(ae.history_["loss"]),
        fit_s=fit_s,
        test_bce=binary_crossentropy(X_test, recon),
        pca_bce=_pcabinary_crossentropy(ae.n_components_, X_train, X_test),
        mean_code=float(np.abs(codes).mean()),
    )
    figures = []
    _save(plotting.plot_reconstructions(X_test, recon, image_shape=images.image_shape),
          out, f"{key}_reconstructions.png", "test digits (top) and reconstructions", figures)
    if codes_figure:
        _save(plotting.plot_codes(codes), out, f"{key}_codes.png",
              "the codes of the same digits (darker: smaller)", figures)
    if tsne:
        n = min(len(X_test), _TSNE_MAX_POINTS)
        say(f"    TSNE of {n} codes ...")
        perplexity = min(30.0, (n - 1) / 3)
        embed = make_pipeline(
            FrozenEstimator(ae), TSNE(perplexity=perplexity, random_state=random_state)
        )
        embedded = embed.fit_transform(as_input(X_test[:n]))
        _save(plotting.plot_latent(embedded, images.y_test[:n], axis_label="t-SNE",
                                   title=f"t-SNE of the {ae.n_components_}-d codes"),
              out, f"{key}_tsne.png",
              "Pipeline([FrozenEstimator(autoencoder), TSNE()]) on the test digits",
              figures)
    _save(plotting.plot_history(ae, title=key), out, f"{key}_history.png",
          "training loss per epoch", figures)
    return row, figures


def _run_simple(ae, images, out, random_state, say):
    return _run_plain(ae, images, out, random_state, say, tsne=True)


def _run_sequence(ae, images, out, random_state, say):
    # Each image is a sequence: one time step per row of pixels.
    h, w = images.image_shape
    return _run_plain(ae, images, out, random_state, say, codes_figure=False,
                      as_input=lambda X: X.reshape(-1, h, w))


def _run_denoising(ae, images, out, random_state, say):
    X_train, X_test = images.X_train, images.X_test
    fit_s = _fit(ae, X_train)
    noisy = ae.corrupt(X_test, random_state=random_state)
    denoised = ae.denoise(noisy)
    row = dict(
        model="DenoisingAutoencoder",
        n_components=int(ae.n_components_),
        epochs=len(ae.history_["loss"]),
        fit_s=fit_s,
        test_bce=binary_crossentropy(X_test, denoised),
        pca_bce=_pcabinary_crossentropy(ae.n_components_, X_train, noisy, X_test),
        noisy_bce=binary_crossentropy(X_test, noisy),
    )
    figures = []
    _save(plotting.plot_denoising(noisy, denoised, X_test, image_shape=images.image_shape),
          out, "DenoisingAutoencoder_denoising.png",
          f"noisy test digits (noise_factor={ae.noise_factor}), denoised, clean", figures)
    _save(plotting.plot_history(ae, title="DenoisingAutoencoder"), out,
          "DenoisingAutoencoder_history.png", "training loss per epoch", figures)
    return row, figures


def _run_vae(ae, images, out, random_state, say):
    row, figures = _run_plain(ae, images, out, random_state, say, codes_figure=False)
    X_test = images.X_test
    row["elbo"] = float(ae.score(X_test))
    codes = ae.transform(X_test)
    _save(plotting.plot_latent(codes, images.y_test, title="latent means of the test digits"),
          out, "VariationalAutoencoder_latent.png",
          "the test digits in the 2-D latent space, coloured by label", figures)
    _save(plotting.plot_manifold(ae, image_shape=images.image_shape), out,
          "VariationalAutoencoder_manifold.png",
          "decoded points of a grid over the latent prior", figures)
    samples = ae.sample(10, random_state=random_state).reshape(10, -1)
    _save(plotting.plot_codes(samples, code_shape=images.image_shape), out,
          "VariationalAutoencoder_samples.png", "new digits drawn from the prior", figures)
    return row, figures


_SECTION_RUNNERS = {
    "simple": _run_simple,
    "sparse": _run_plain,
    "deep": _run_plain,
    "conv": _run_plain,
    "denoising": _run_denoising,
    "sequence": _run_sequence,
    "vae": _run_vae,
}
