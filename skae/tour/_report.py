"""The tour's report: its table (Markdown and HTML), ``report.html`` and
``results.json``."""

from __future__ import annotations

import html
import json
from pathlib import Path

import numpy as np
from sklearn.decomposition import PCA

from .._version import __version__

_COLUMNS = [
    ("model", "model", "{}"),
    ("n_components", "code size", "{}"),
    ("epochs", "epochs", "{}"),
    ("fit_s", "fit (s)", "{:.1f}"),
    ("test_bce", "test BCE", "{:.4f}"),
    ("pca_bce", "PCA, same code size", "{:.4f}"),
    ("vs_pca", "test BCE / PCA's", "{:.3f}"),
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


#: Why a model of the tour can trail PCA with the same code size, per class:
#: the report prints it under the table for each model that does.
WHY_BEHIND = {
    "VariationalAutoencoder": (
        "its code is a distribution pulled towards the N(0, I) prior by the KL "
        "term of the ELBO: it trades reconstruction for a latent space one can "
        "sample from, and its 2 latent dimensions are compared with PCA-2."
    ),
    "DenoisingAutoencoder": (
        "it reconstructs clean digits from noisy ones, and PCA projects the same "
        "noisy digits; its code is the overcomplete conv feature map, against "
        "PCA with every component."
    ),
    "ConvAutoencoder": (
        "its code is a 2x2 map of 8 filters after two poolings: each number "
        "describes a quarter of the 8x8 digit, seen through 3x3 kernels, where "
        "PCA's 32 components each span the whole image. The tutorial's design "
        "trails PCA with as many components on MNIST too (test BCE 0.0904 "
        "against PCA-128's 0.0798 after 10 epochs, docs/benchmarks.md): its "
        "code keeps where things are, not the fewest numbers that rebuild them."
    ),
    "SequenceAutoencoder": (
        "it reads a digit one row of pixels at a time; it starts at PCA's solution "
        "(linear paths beside its LSTMs), and the iteration it keeps is the best "
        "on held-out training rows, which need not be the best on the test rows."
    ),
}

#: What the report says of a model behind PCA without an entry above.
_WHY_DEFAULT = (
    "with {k} code numbers for {pixels} pixels, PCA with as many components "
    "keeps {kept:.0%} of the training images' variance, and the test BCE of "
    "both is close to its floor, the entropy of the pixels; a non-linear code "
    "gains over PCA on small codes (see docs/benchmarks.md, bench_small_data: "
    "n_components=8) rather than on large ones."
)


def behind_pca(results, X_train):
    """``(model, ratio, why)`` for each result whose test BCE is above PCA's."""
    behind = []
    for r in results:
        if r.row.get("vs_pca", 0.0) <= 1.0:
            continue
        why = WHY_BEHIND.get(r.row["model"])
        if why is None:
            k = min(int(r.row["n_components"]), *X_train.shape)
            variances = np.var(X_train, axis=0, ddof=1).sum()
            kept = PCA(k).fit(X_train).explained_variance_.sum() / max(variances, 1e-300)
            why = _WHY_DEFAULT.format(k=k, pixels=X_train.shape[1], kept=min(kept, 1.0))
        behind.append((r.row["model"], r.row["vs_pca"], why))
    return behind


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
    behind = behind_pca(results, images.X_train)
    if behind:
        parts.append("<p>Behind PCA with the same code size:</p><ul>")
        parts += [f"<li><code>{esc(m)}</code> ({ratio:.3f}x): {esc(why)}</li>"
                  for m, ratio, why in behind]
        parts.append("</ul>")
    else:
        parts.append("<p>Every model is at or ahead of PCA with the same code size.</p>")
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
    notes = [f"- {m} ({ratio:.3f}x PCA's test BCE): {why}" for m, ratio, why in behind]
    (out / "results.md").write_text("\n".join([markdown_table(results), "", *notes]) + "\n")
