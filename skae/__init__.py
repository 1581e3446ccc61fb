"""skae: scikit-learn compatible autoencoders on Keras 3.

Every autoencoder of the Keras tutorial "Building Autoencoders in Keras" as a
scikit-learn transformer: ``fit``, ``transform`` (encode),
``inverse_transform`` (decode), ``score`` (higher is better), in a
``Pipeline`` beside PCA or TSNE and inside ``GridSearchCV``.

``import skae`` is light: the estimators (and with them Keras and its
backend) load on first use, like scikit-learn's submodules (PEP 562).
"""

from ._registry import FAMILY
from ._version import __version__

# Public names outside the estimator family, and the modules they live in.
_OTHER_NAMES = {
    "BaseAutoencoder": "._base",
    "SkaeFileError": "._persistence",
    "load": "._persistence",
    "save": "._persistence",
}

__all__ = sorted([*(e.name for e in FAMILY), *_OTHER_NAMES, "__version__"])


def __getattr__(name):
    import importlib

    module = {e.name: e.module for e in FAMILY}.get(name) or _OTHER_NAMES.get(name)
    if module is None:
        raise AttributeError(f"module 'skae' has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value  # later look-ups skip __getattr__
    return value


def __dir__():
    return sorted({*globals(), *__all__})
