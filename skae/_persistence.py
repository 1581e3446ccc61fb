"""Saving and loading fitted estimators without pickle.

A skae file is a zip archive holding

* ``skae.json``, the manifest: the format name and version, the versions of
  skae and Keras and the backend that wrote it, and the estimator itself as
  JSON (its class, ``get_params()`` and fitted attributes);
* one Keras model per fitted autoencoder, in Keras' ``.keras`` format
  (``model.keras``, then ``model-1.keras``, ... for nested estimators).

Both directions go through the estimators' own state protocol
(``__getstate__``/``__setstate__``, the one pickle and skops use), which
carries each Keras model as the bytes of its ``.keras`` archive.

Loading never runs code from the file: the class is looked up by name among
skae's own estimators (``skae._registry.FAMILY``), arrays are raw bytes with a
declared dtype and shape, Keras objects (optimizer instances, losses) go
through ``keras.saving.deserialize_keras_object`` and the models through
``keras.saving.load_model``, both with ``safe_mode=True`` (which refuses
``Lambda`` layers and lambdas). The states of the models' random seed
generators, which the ``.keras`` format leaves out, are kept in the manifest
(see ``skae._compat``), so training continues exactly where it stopped.
"""

from __future__ import annotations

import base64
import collections
import json
import os
import tempfile
import types
import zipfile
import zlib
from pathlib import Path

import keras
import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from . import _compat
from ._base import (
    KERAS_MODEL_STATE,
    NET_PARAMS_STATE,
    SEED_STATES_STATE,
    net_from_bytes,
)
from ._registry import estimator_classes
from ._user_nets import check_serializable
from ._version import __version__

__all__ = ["SkaeFileError", "load", "save"]

FORMAT_NAME = "skae"
FORMAT_VERSION = 1
MANIFEST = "skae.json"

# NumPy dtype kinds an array may have in a file: bool, ints, floats, str.
_ARRAY_KINDS = frozenset("biufU")


class SkaeFileError(ValueError):
    """A file that :func:`skae.load` refuses: not a skae file, corrupted,
    truncated, from a newer format version, or holding code."""


# -- save ---------------------------------------------------------------------
def save(estimator, path):
    """Save a fitted skae estimator to one file, without pickle.

    The file is a zip archive: the Keras model in the ``.keras`` format and
    a JSON manifest with the estimator's class, parameters
    (``get_params()``) and fitted attributes. :func:`load` reads it back
    without running any code from it. The file is written to a temporary
    name first and then renamed, so ``path`` never holds a partial file.

    Parameters are stored as JSON: numbers, strings, None, lists, tuples,
    dicts, Keras objects that Keras can serialize (optimizer, loss and
    regularizer instances, built-in Keras functions), Keras optimizer and
    loss classes, and ``numpy.random.RandomState`` instances. Anything else
    (callbacks, which hold training state and open files; Python functions
    of your own) is refused with a ``ValueError``: set such parameters to
    None, or to a name such as ``"adam"``, before saving.

    Parameters
    ----------
    estimator : skae estimator
        A fitted autoencoder or :class:`AutoencoderOutlierDetector`.
    path : str or os.PathLike
        Where to write the file (by convention ending in ``.skae``).

    Returns
    -------
    path : pathlib.Path
        The path written.

    Raises
    ------
    TypeError
        If ``estimator`` is not a skae estimator.
    sklearn.exceptions.NotFittedError
        If ``estimator`` is not fitted.
    ValueError
        If a parameter or attribute cannot be stored safely (see above).

    See Also
    --------
    load : Read a file written by ``save``.

    Examples
    --------
    >>> import tempfile, os
    >>> import numpy as np
    >>> import skae
    >>> X = np.random.RandomState(0).rand(64, 8)
    >>> ae = skae.DenseAutoencoder(n_components=2, epochs=2, random_state=0).fit(X)
    >>> path = os.path.join(tempfile.mkdtemp(), "ae.skae")
    >>> skae.save(ae, path)  # doctest: +ELLIPSIS
    PosixPath('...ae.skae')
    >>> loaded = skae.load(path)
    >>> bool(np.array_equal(loaded.transform(X), ae.transform(X)))
    True
    """
    classes = estimator_classes()
    if classes.get(type(estimator).__name__) is not type(estimator):
        raise TypeError(
            f"skae.save saves skae estimators ({', '.join(sorted(classes))}), "
            f"got {type(estimator).__name__}."
        )
    check_is_fitted(estimator)
    models = []
    root = _encode_estimator(estimator, models, "estimator")
    manifest = {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "skae_version": __version__,
        "keras_version": keras.__version__,
        "backend": keras.backend.backend(),
        "estimator": root,
    }
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent or ".")
    try:
        with os.fdopen(fd, "wb") as f, zipfile.ZipFile(f, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(MANIFEST, json.dumps(manifest, indent=1))
            for name, model_bytes in models:
                archive.writestr(name, model_bytes)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


def _encode_estimator(estimator, models, where):
    """An estimator (fitted or not) as a JSON object: its parameters, and
    its fitted state from ``__getstate__``; the ``.keras`` bytes of its
    model are appended to ``models`` as ``(file name, bytes)``."""
    name = type(estimator).__name__
    if estimator_classes().get(name) is not type(estimator):
        raise ValueError(
            f"{where} is a {name}: skae.save stores skae estimators only."
        )
    params = estimator.get_params(deep=False)
    out = {
        "type": "estimator",
        "class": name,
        "params": {k: _encode(v, models, f"{where} parameter {k!r}") for k, v in params.items()},
    }
    if not estimator.__sklearn_is_fitted__():
        return out
    state = estimator.__getstate__()
    state.pop("_sklearn_version", None)  # the manifest has its own versions
    model_bytes = state.pop(KERAS_MODEL_STATE, None)
    seed_states = state.pop(SEED_STATES_STATE, {})
    state.pop(NET_PARAMS_STATE, None)  # the parameters, stored above
    out["attributes"] = {
        key: _encode(value, models, f"{where} attribute {key!r}")
        for key, value in state.items()
        if key not in params
    }
    if model_bytes is not None:
        file_name = "model.keras" if not models else f"model-{len(models)}.keras"
        models.append((file_name, model_bytes))
        out["model"] = file_name
        out["seed_generator_states"] = {
            key: _encode_array(value, where) for key, value in seed_states.items()
        }
    return out


def _encode(value, models, where):
    """``value`` as JSON, tagged with its type where JSON has none."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, float)) and type(value) in (int, float):
        return value
    if isinstance(value, np.ndarray) or isinstance(value, np.generic):
        return _encode_array(value, where)
    if isinstance(value, list):
        return [_encode(v, models, where) for v in value]
    if isinstance(value, tuple):
        return {"type": "tuple", "items": [_encode(v, models, where) for v in value]}
    if isinstance(value, dict):
        kind = "dict"
        if isinstance(value, collections.defaultdict):
            if value.default_factory is not list:
                raise ValueError(f"{where}: cannot store a defaultdict of {value.default_factory!r}.")
            kind = "defaultdict_list"
        return {
            "type": kind,
            "items": [[_encode(k, models, where), _encode(v, models, where)] for k, v in value.items()],
        }
    if isinstance(value, BaseEstimator):
        return _encode_estimator(value, models, where)
    if isinstance(value, np.random.RandomState):
        return {"type": "RandomState", "state": _encode(value.get_state(), models, where)}
    if isinstance(value, keras.callbacks.Callback):
        raise ValueError(
            f"{where}: cannot store Keras callbacks ({type(value).__name__}); they "
            "hold training state and open files, not the model. Use "
            "set_params(callbacks=None) before skae.save."
        )
    if isinstance(value, type):
        return _encode_keras_class(value, where)
    if isinstance(value, keras.Model):  # a user's network (encoder=)
        check_serializable(value, where)
        file_name = f"net-{len(models)}.keras"
        models.append((file_name, _compat.model_to_bytes(value)))
        return {"type": "keras_net", "file": file_name}
    return _encode_keras_object(value, where)


def _encode_array(value, where):
    array = np.asarray(value)
    scalar = isinstance(value, np.generic)
    if array.dtype.kind == "O" and all(isinstance(v, str) for v in array.flat):
        data = list(array.flat)  # e.g. feature_names_in_
        dtype = "object"
    elif array.dtype.kind in _ARRAY_KINDS:
        dtype = array.dtype.str  # with byte order, e.g. "<f4"
        data = base64.b64encode(np.ascontiguousarray(array).tobytes()).decode("ascii")
    else:
        raise ValueError(f"{where}: cannot store an array of dtype {array.dtype}.")
    return {
        "type": "scalar" if scalar else "ndarray",
        "dtype": dtype,
        "shape": list(array.shape),
        "data": data,
    }


# Keras classes a parameter may name (optimizer=keras.optimizers.Adam).
_KERAS_CLASS_MODULES = {"optimizers": keras.optimizers, "losses": keras.losses}


def _encode_keras_class(value, where):
    for module_name, module in _KERAS_CLASS_MODULES.items():
        if getattr(module, value.__name__, None) is value:
            return {"type": "keras_class", "module": module_name, "name": value.__name__}
    # A class registered with Keras (a Model subclass given as encoder=) is
    # found again by its registered name, as Keras finds it.
    registered = keras.saving.get_registered_name(value)
    if keras.saving.get_registered_object(registered) is value:
        return {"type": "registered_class", "name": registered}
    raise ValueError(
        f"{where}: cannot store the class {value.__module__}.{value.__qualname__}; "
        "only Keras optimizer and loss classes, and classes registered with "
        "@keras.saving.register_keras_serializable, can be stored."
    )


def _encode_keras_object(value, where):
    """A Keras object through Keras' own serialization, if it round-trips
    under safe mode; anything else (lambdas, functions of your own) is
    refused at save time rather than at load time."""
    refused = ValueError(
        f"{where}: cannot store {value!r} safely. skae.save stores plain values, "
        "Keras objects that Keras can serialize and built-in Keras functions; "
        "set this parameter to a name (e.g. 'adam', 'mse', 'relu') before saving."
    )
    if isinstance(value, types.LambdaType) and value.__name__ == "<lambda>":
        raise refused
    if (
        isinstance(value, types.FunctionType)
        and value.__module__.split(".")[0] != "keras"
        and keras.saving.get_registered_object(keras.saving.get_registered_name(value)) is not value
    ):
        raise ValueError(
            f"{where}: cannot store the function {value.__module__}.{value.__qualname__}: "
            "skae.load runs no code from the file, so it finds functions by their "
            "registered name. Register it with "
            "@keras.saving.register_keras_serializable(package='your_package') and "
            "import its module before skae.load (or set the parameter to a name "
            "such as 'relu' or 'mse')."
        )
    try:
        config = keras.saving.serialize_keras_object(value)
        restored = keras.saving.deserialize_keras_object(config, safe_mode=True)
    except Exception as exc:
        raise refused from exc
    if callable(value) and not isinstance(value, type) and not hasattr(value, "get_config"):
        ok = restored is value  # a function must come back as itself
    else:
        ok = type(restored) is type(value) and not _compat.serialization_loses_arguments(
            value, restored
        )
    if not ok:
        raise refused
    return {"type": "keras", "config": _json_roundtrip(config, refused)}


def _json_roundtrip(config, refused):
    try:
        return json.loads(json.dumps(config))
    except (TypeError, ValueError) as exc:
        raise refused from exc


# -- load ---------------------------------------------------------------------
def load(path):
    """Load an estimator saved by :func:`save`, without running code from it.

    The file's class name must be one of skae's estimators; the Keras model
    is loaded with ``keras.saving.load_model(..., safe_mode=True)``. The
    loaded estimator transforms, scores and samples exactly (bitwise) as the
    saved one did, and can be fitted again (with ``warm_start=True`` or
    ``partial_fit`` training continues from the saved weights and optimizer
    state).

    Parameters
    ----------
    path : str or os.PathLike
        A file written by :func:`save`.

    Returns
    -------
    estimator : skae estimator
        The fitted estimator.

    Raises
    ------
    FileNotFoundError
        If there is no file at ``path``.
    SkaeFileError
        A ``ValueError``: the file is not a zip archive, has no skae
        manifest (a foreign zip), is corrupted or truncated, comes from an
        unknown (newer) format version, names a class that is not a skae
        estimator, or holds a model that would run code when loaded (such
        as a ``Lambda`` layer).

    See Also
    --------
    save : Write an estimator to a file.

    Examples
    --------
    >>> import tempfile, os
    >>> import numpy as np
    >>> import skae
    >>> X = np.random.RandomState(0).rand(64, 8)
    >>> ae = skae.DenseAutoencoder(n_components=2, epochs=2).fit(X)
    >>> path = skae.save(ae, os.path.join(tempfile.mkdtemp(), "ae.skae"))
    >>> skae.load(path).score(X) == ae.score(X)
    True
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"No such file: {str(path)!r}")
    if not zipfile.is_zipfile(path):
        with open(path, "rb") as f:
            starts_like_zip = f.read(4) == b"PK\x03\x04"
        if starts_like_zip:  # the central directory at the end is missing
            raise SkaeFileError(f"{path} is corrupted or truncated (its zip directory is missing).")
        raise SkaeFileError(f"{path} is not a skae file (not a zip archive).")
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if MANIFEST not in names:
                raise SkaeFileError(
                    f"{path} is not a skae file: the zip archive has no {MANIFEST} "
                    "manifest (was it written by skae.save?)."
                )
            manifest = _read_manifest(archive, path)
            return _decode_estimator(manifest["estimator"], _ModelReader(archive, names, path))
    except SkaeFileError:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
        raise SkaeFileError(f"{path} is corrupted or truncated ({exc}).") from exc
    except (KeyError, TypeError, ValueError, IndexError, AttributeError) as exc:
        raise SkaeFileError(
            f"{path} is corrupted: its manifest does not describe a skae estimator "
            f"({type(exc).__name__}: {exc})."
        ) from exc


def _read_manifest(archive, path):
    try:
        manifest = json.loads(archive.read(MANIFEST).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SkaeFileError(f"{path} is corrupted: its manifest is not valid JSON.") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_NAME:
        raise SkaeFileError(f"{path} is not a skae file: its manifest names no skae format.")
    version = manifest.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool) or not 1 <= version <= FORMAT_VERSION:
        raise SkaeFileError(
            f"{path} has skae file format version {version!r}; this skae "
            f"({__version__}) reads versions 1 to {FORMAT_VERSION}. It was "
            f"written by skae {manifest.get('skae_version', '?')}: upgrade skae "
            "to load it."
        )
    return manifest


class _ModelReader:
    """Reads the ``.keras`` members of an open archive, as bytes; the
    estimator's ``__setstate__`` loads them (in safe mode) and
    :meth:`restore` turns what that refuses into a :class:`SkaeFileError`."""

    def __init__(self, archive, names, path):
        self.archive, self.names, self.path = archive, names, path

    def __call__(self, name):
        if not isinstance(name, str) or name not in self.names or not name.endswith(".keras"):
            raise SkaeFileError(f"{self.path} is corrupted: model {name!r} is missing.")
        return self.archive.read(name)

    def load_net(self, name):
        """A parameter's network (``encoder=``), loaded in safe mode."""
        try:
            return net_from_bytes(self(name))
        except SkaeFileError:
            raise
        except Exception as exc:
            raise self._refusal(exc, name) from exc

    def _refusal(self, exc, name):
        if "safe_mode" in str(exc) or "Lambda" in str(exc):
            return SkaeFileError(
                f"{self.path} holds a Keras model that would run code when "
                "loaded (a Lambda layer or a Python lambda); skae.load refuses "
                "it. Only load such a model with keras.saving.load_model("
                "..., safe_mode=False) if you trust its author."
            )
        return SkaeFileError(
            f"{self.path}: its model {name!r} is corrupted or cannot be loaded "
            f"({type(exc).__name__}: "
            f"{exc}). A layer or function of your own must be registered with "
            "keras.saving.register_keras_serializable, and its module imported, "
            "before skae.load."
        )

    def restore(self, estimator, state, name):
        try:
            estimator.__setstate__(state)
        except Exception as exc:
            raise self._refusal(exc, name) from exc


def _decode_estimator(obj, read_model):
    classes = estimator_classes()
    name = obj["class"]
    if name not in classes:
        raise SkaeFileError(
            f"The file names the class {name!r}, which is not a skae estimator; "
            "skae.load only creates skae's own estimators."
        )
    params = {k: _decode(v, read_model) for k, v in obj["params"].items()}
    estimator = classes[name](**params)
    if "attributes" not in obj:
        return estimator
    state = {k: _decode(v, read_model) for k, v in obj["attributes"].items()}
    for key in state:
        if not key.isidentifier() or key.startswith("__") or key in params:
            raise ValueError(f"{key!r} is not a fitted attribute")
    if "model" not in obj:
        estimator.__setstate__(state)
        return estimator
    state[KERAS_MODEL_STATE] = read_model(obj["model"])
    state[SEED_STATES_STATE] = {
        k: _decode_array(v) for k, v in obj["seed_generator_states"].items()
    }
    read_model.restore(estimator, state, obj["model"])
    return estimator


def _decode(value, read_model):
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, list):
        return [_decode(v, read_model) for v in value]
    kind = value["type"]
    if kind == "tuple":
        return tuple(_decode(v, read_model) for v in value["items"])
    if kind in ("dict", "defaultdict_list"):
        out = {} if kind == "dict" else collections.defaultdict(list)
        for k, v in value["items"]:
            out[_decode(k, read_model)] = _decode(v, read_model)
        return out
    if kind in ("ndarray", "scalar"):
        array = _decode_array(value)
        return array[()] if kind == "scalar" else array
    if kind == "estimator":
        return _decode_estimator(value, read_model)
    if kind == "RandomState":
        random_state = np.random.RandomState()
        random_state.set_state(_decode(value["state"], read_model))
        return random_state
    if kind == "keras_class":
        module = _KERAS_CLASS_MODULES[value["module"]]
        cls = getattr(module, value["name"])
        if not isinstance(cls, type):
            raise ValueError(f"keras.{value['module']}.{value['name']} is not a class")
        return cls
    if kind == "registered_class":
        cls = keras.saving.get_registered_object(value["name"])
        if not isinstance(cls, type):
            raise ValueError(
                f"no class is registered with Keras as {value['name']!r}: import the "
                "module that registers it before skae.load"
            )
        return cls
    if kind == "keras":
        return keras.saving.deserialize_keras_object(value["config"], safe_mode=True)
    if kind == "keras_net":
        return read_model.load_net(value["file"])
    raise ValueError(f"unknown value type {kind!r}")


def _decode_array(value):
    shape = tuple(int(n) for n in value["shape"])
    if value["dtype"] == "object":
        data = value["data"]
        if not all(isinstance(v, str) for v in data):
            raise ValueError("object arrays may only hold strings")
        array = np.empty(len(data), dtype=object)
        array[:] = data
        return array.reshape(shape)
    dtype = np.dtype(value["dtype"])
    if dtype.kind not in _ARRAY_KINDS:
        raise ValueError(f"arrays of dtype {dtype} are not stored by skae")
    raw = base64.b64decode(value["data"], validate=True)
    if len(raw) != int(np.prod(shape)) * dtype.itemsize:
        raise ValueError("array data does not match its shape")
    return np.frombuffer(raw, dtype=dtype).reshape(shape).copy()
