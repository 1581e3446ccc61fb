"""Sphinx configuration of skae's documentation (built with -W in CI)."""

import os
import sys
from pathlib import Path

# Quiet TensorFlow while autodoc imports skae.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import skae  # noqa: E402

project = "skae"
author = "the skae developers"
copyright = "2026, the skae developers"
release = version = skae.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.mathjax",
    "numpydoc",
    "myst_parser",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build"]
root_doc = "index"

# The API pages list their members explicitly; numpydoc's automatic member
# tables would pull in the undocumented internals of scikeras' base class.
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
autodoc_default_options = {"member-order": "bysource"}
autodoc_typehints = "none"

myst_heading_anchors = 3

html_theme = "alabaster"
html_theme_options = {
    "description": "scikit-learn compatible autoencoders on Keras 3",
    "fixed_sidebar": True,
}
html_static_path = []
