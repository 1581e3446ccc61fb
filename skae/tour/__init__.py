"""The tour: every model of "Building Autoencoders in Keras", one report.

:func:`run_tour` trains the seven skae autoencoders on the embedded 8x8
digits (or on MNIST), compares each with PCA of the same code size, draws
the tutorial's pictures and writes ``report.html`` with its PNGs into one
folder. The command line runs it as ``skae tour`` (or ``python -m skae
tour``).

This subpackage is a layer on top of the estimators: nothing in them
imports it. Its names load lazily, so ``skae --help`` answers before
scikit-learn, matplotlib or Keras is imported.
"""

import importlib

from .._registry import tutorial_sections

#: Sections of the tutorial, in its order: key -> registry entry (the
#: estimator's ``name``, its class through ``load()``, the ``title``).
SECTIONS = tutorial_sections()

_LAZY = {
    "RECIPES": "._run",
    "SectionResult": "._run",
    "run_tour": "._run",
    "markdown_table": "._report",
    "results_table": "._report",
    "write_report": "._report",
}

__all__ = sorted([*_LAZY, "SECTIONS"])


def __getattr__(name):
    if name not in _LAZY:
        raise AttributeError(f"module 'skae.tour' has no attribute {name!r}")
    value = getattr(importlib.import_module(_LAZY[name], __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted({*globals(), *__all__})
