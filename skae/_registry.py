"""The estimator family: which classes skae has, where they live, what they are.

One registration per estimator. ``skae/__init__.py`` (its lazy imports and
``__all__``), ``skae.save``/``skae.load`` (the only classes a file may
name), the tour (one section per tutorial model), the tests (scikit-learn's
checks, the backend and persistence round trips) and the API reference test
all read :data:`FAMILY`; none keeps a list of its own. Adding an estimator is
its class plus one :class:`Entry` here.

Classes are named by module, not imported, so that ``import skae`` stays
light (no Keras, no TensorFlow) until a class is used.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass


@dataclass(frozen=True)
class Entry:
    """One estimator of the family.

    ``section`` and ``title`` place an autoencoder in the tutorial (and the
    tour); estimators outside the tutorial have neither.
    """

    name: str
    module: str
    kind: str  # "autoencoder" or "detector"
    section: str | None = None
    title: str | None = None

    def load(self):
        """The class itself (importing its module, and so Keras)."""
        return getattr(importlib.import_module(self.module, __package__), self.name)


FAMILY = (
    Entry("DenseAutoencoder", "._dense", "autoencoder", "simple",
          "The simplest possible autoencoder"),
    Entry("SparseAutoencoder", "._dense", "autoencoder", "sparse",
          "Adding a sparsity constraint on the code"),
    Entry("DeepAutoencoder", "._dense", "autoencoder", "deep", "Deep autoencoder"),
    Entry("ConvAutoencoder", "._conv", "autoencoder", "conv", "Convolutional autoencoder"),
    Entry("DenoisingAutoencoder", "._conv", "autoencoder", "denoising",
          "Application to image denoising"),
    Entry("SequenceAutoencoder", "._sequence", "autoencoder", "sequence",
          "Sequence-to-sequence autoencoder"),
    Entry("VariationalAutoencoder", "._variational", "autoencoder", "vae",
          "Variational autoencoder (VAE)"),
    Entry("Autoencoder", "._custom", "autoencoder"),
    Entry("AutoencoderOutlierDetector", "._outlier", "detector"),
)

_BY_NAME = {entry.name: entry for entry in FAMILY}


def entry(name):
    """The :class:`Entry` called ``name``; ``KeyError`` if there is none."""
    return _BY_NAME[name]


def estimator_classes(kind=None):
    """``{name: class}`` of the family (or of one ``kind``), in registry order."""
    return {e.name: e.load() for e in FAMILY if kind is None or e.kind == kind}


def tutorial_sections():
    """The tutorial's sections in its order: ``{section: Entry}``."""
    return {e.section: e for e in FAMILY if e.section is not None}
