"""The tour: every model of "Building Autoencoders in Keras", one report.

:func:`run_tour` trains the seven skae autoencoders on the embedded 8x8
digits (or on MNIST), compares each with PCA of the same code size, draws
the tutorial's pictures and writes ``report.html`` with its PNGs into one
folder. The command line runs it as ``skae tour`` (or ``python -m skae
tour``).
"""

from __future__ import annotations

import html
import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from sklearn.decomposition import PCA
from sklearn.frozen import FrozenEstimator
from sklearn.manifold import TSNE
from sklearn.pipeline import make_pipeline

from . import __version__, plotting
from ._conv import ConvAutoencoder, DenoisingAutoencoder
from ._dense import DeepAutoencoder, DenseAutoencoder, SparseAutoencoder
from ._sequence import SequenceAutoencoder
from ._variational import VariationalAutoencoder
from .datasets import load_images

#: Sections of the tutorial, in its order: key -> (estimator, title).
SECTIONS = {
    "simple": (DenseAutoencoder, "The simplest possible autoencoder"),
    "sparse": (SparseAutoencoder, "Adding a sparsity constraint on the code"),
    "deep": (DeepAutoencoder, "Deep autoencoder"),
    "conv": (ConvAutoencoder, "Convolutional autoencoder"),
    "denoising": (DenoisingAutoencoder, "Application to image denoising"),
    "sequence": (SequenceAutoencoder, "Sequence-to-sequence autoencoder"),
    "vae": (VariationalAutoencoder, "Variational autoencoder (VAE)"),
}

# Epochs and batch sizes per data set. The digits (1347 training images of
# 8x8) need small batches to get enough updates, and the whole tour must stay
# within 3 minutes on 2 cores; MNIST uses the estimators' default batch
# sizes and epochs that approach the tutorial's numbers in minutes, not
# hours (the tutorial's own counts: 50-100 epochs).
RECIPES = {
    "digits": {
        "simple": dict(epochs=60, batch_size=64, optimizer__learning_rate=3e-3),
        "sparse": dict(epochs=60, batch_size=64, optimizer__learning_rate=3e-3),
        "deep": dict(epochs=100, batch_size=64, optimizer__learning_rate=3e-3),
        # Two poolings (8x8 -> 2x2x8): a 32-number code, like the dense ones;
        # the default three would squeeze an 8x8 digit into 8 numbers.
        "conv": dict(filters=(16, 8), epochs=40, batch_size=64,
                     optimizer__learning_rate=3e-3),
        "denoising": dict(epochs=30, batch_size=64, optimizer__learning_rate=3e-3),
        "sequence": dict(epochs=30, batch_size=64, optimizer__learning_rate=3e-3),
        "vae": dict(epochs=60, batch_size=64, optimizer__learning_rate=3e-3),
    },
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


def _bce(X, X_hat, eps=1e-7):
    """Mean binary cross-entropy per pixel, clipped as Keras clips it."""
    p = np.clip(X_hat, eps, 1 - eps)
    return float(-np.mean(X * np.log(p) + (1 - X) * np.log(1 - p)))


def _pca_bce(n_components, X_train, X_test, X_target=None):
    # An overcomplete code (the denoiser's) gets PCA with every component.
    n_components = min(n_components, *X_train.shape)
    pca = PCA(n_components=n_components, random_state=0).fit(X_train)
    X_target = X_test if X_target is None else X_target
    return _bce(X_target, pca.inverse_transform(pca.transform(X_test)))


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
        cls, title = SECTIONS[key]
        params = dict(recipe[key], random_state=random_state)
        if epochs is not None:
            params["epochs"] = int(epochs)
        say(f"[{i}/{len(sections)}] {cls.__name__}: fitting {params['epochs']} epochs ...")
        estimator = cls(**params)
        row, figures = _SECTION_RUNNERS[key](estimator, images, out, random_state, say)
        result = SectionResult(key, title, estimator, row, figures)
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
        test_bce=_bce(X_test, recon),
        pca_bce=_pca_bce(ae.n_components_, X_train, X_test),
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
        test_bce=_bce(X_test, denoised),
        pca_bce=_pca_bce(ae.n_components_, X_train, noisy, X_test),
        noisy_bce=_bce(X_test, noisy),
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


# ---------------------------------------------------------------------------
# The report

_COLUMNS = [
    ("model", "model", "{}"),
    ("n_components", "code size", "{}"),
    ("epochs", "epochs", "{}"),
    ("fit_s", "fit (s)", "{:.1f}"),
    ("test_bce", "test BCE", "{:.4f}"),
    ("pca_bce", "PCA, same code size", "{:.4f}"),
    ("mean_code", "mean code value", "{:.3f}"),
    ("noisy_bce", "noisy input BCE", "{:.4f}"),
    ("elbo", "ELBO (nats)", "{:.1f}"),
]

_CSS = """
body { font-family: system-ui, sans-serif; max-width: 70em; margin: 2em auto; color: #222; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { border: 1px solid #ccc; padding: 0.3em 0.7em; text-align: right; }
th:first-child, td:first-child { text-align: left; }
figure { margin: 1em 0; }
img { max-width: 100%; }
figcaption { color: #555; font-size: 0.9em; }
"""


def results_table(results):
    """The tour's table as rows of formatted strings (header first)."""
    keys = [k for k, _, _ in _COLUMNS if any(k in r.row for r in results)]
    header = [label for k, label, _ in _COLUMNS if k in keys]
    rows = [header]
    for r in results:
        rows.append([
            fmt.format(r.row[k]) if k in r.row else "" for k, _, fmt in _COLUMNS if k in keys
        ])
    return rows


def markdown_table(results):
    """The tour's table in Markdown."""
    rows = results_table(results)
    lines = ["| " + " | ".join(rows[0]) + " |", "|" + "---|" * len(rows[0])]
    lines += ["| " + " | ".join(row) + " |" for row in rows[1:]]
    return "\n".join(lines)


def write_report(results, images, out):
    """Write ``report.html`` and ``results.json`` into ``out``."""
    out = Path(out)
    rows = results_table(results)
    esc = html.escape
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        "<title>skae tour</title>",
        f"<style>{_CSS}</style></head><body>",
        "<h1>skae tour: Building Autoencoders in Keras, with scikit-learn estimators</h1>",
        f"<p>Data: {esc(images.name)}, {len(images.X_train)} training and "
        f"{len(images.X_test)} test images of {images.image_shape[0]}x"
        f"{images.image_shape[1]} pixels in [0, 1]. skae {esc(__version__)}.</p>",
        "<p>test BCE: mean binary cross-entropy per pixel between the test images "
        "and their reconstructions (for the denoiser: between the clean images and "
        "the denoised noisy ones); PCA: the same for PCA with the same number of "
        "components, fitted on the same training images. ELBO: the VAE's "
        "evidence lower bound per image (higher is better).</p>",
        "<table>",
        "<tr>" + "".join(f"<th>{esc(h)}</th>" for h in rows[0]) + "</tr>",
    ]
    parts += ["<tr>" + "".join(f"<td>{esc(c)}</td>" for c in row) + "</tr>" for row in rows[1:]]
    parts.append("</table>")
    for r in results:
        parts.append(f"<h2>{esc(r.title)}: <code>{esc(type(r.estimator).__name__)}</code></h2>")
        parts.append(f"<p><code>{esc(repr(r.estimator))}</code></p>")
        for name, caption in r.figures:
            parts.append(
                f'<figure><img src="{esc(name)}" alt="{esc(caption)}">'
                f"<figcaption>{esc(caption)}</figcaption></figure>"
            )
    parts.append("</body></html>")
    (out / "report.html").write_text("\n".join(parts), encoding="utf-8")
    (out / "results.json").write_text(json.dumps(
        {"data": images.name, "skae": __version__,
         "results": [dict(r.row, section=r.key) for r in results]}, indent=2))
    (out / "results.md").write_text(markdown_table(results) + "\n")
