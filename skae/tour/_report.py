"""The tour's report: its table (Markdown and HTML), ``report.html`` and
``results.json``."""

from __future__ import annotations

import html
import json
from pathlib import Path

from .._version import __version__

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
