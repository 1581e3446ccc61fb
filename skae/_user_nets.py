"""Networks users bring: the ``encoder=`` / ``decoder=`` protocol.

An estimator that takes ``encoder`` and ``decoder`` (:class:`skae.Autoencoder`,
:class:`skae.VariationalAutoencoder`) accepts, for each:

* a ``keras.Model`` instance: never mutated, as scikit-learn
  requires of parameters; skae trains a copy that starts from its weights,
  so a pretrained encoder is a starting point (:func:`copy_model`);
* a callable that returns one (a builder function, a Model subclass): it is
  called with the keyword arguments it declares among ``input_shape``,
  ``output_shape`` and ``n_components``, plus its routed parameters
  (``encoder__width=8`` reaches ``width``), so ``GridSearchCV`` can search
  ``{"encoder__width": [4, 8]}`` (:func:`build_net`). skae trains what it
  returns, so it must return a new model on each call.

This module also holds the checks persistence needs: a model can only be
loaded back in Keras' safe mode if each of its classes is Keras' own or
registered with ``keras.saving.register_keras_serializable``
(:func:`check_serializable`).
"""

from __future__ import annotations

import inspect
import types

import keras

from ._compat import unsafe_deserialization_scope

#: The routed prefixes of the two networks (``encoder__width=8``).
NET_PREFIXES = ("encoder", "decoder")


def routed_net_params(estimator, role):
    """``{name: value}`` of the estimator's ``<role>__name`` parameters."""
    prefix = role + "__"
    return {
        key[len(prefix):]: value
        for key, value in estimator.get_params(deep=False).items()
        if key.startswith(prefix)
    }


def build_net(spec, role, routed, estimator_name, **available):
    """The network ``spec`` stands for: a copy of an instance, or what a
    builder returns when called with the ``available`` arguments it
    declares and its ``routed`` parameters.

    Errors users can cause are ``TypeError``s that name the parameter.
    """
    if isinstance(spec, keras.layers.Layer) and not isinstance(spec, keras.Model):
        raise TypeError(
            f"{role} must be a keras.Model, a callable that returns one, or None; got the "
            f"layer {type(spec).__name__}: wrap it, e.g. keras.Sequential([layer])."
        )
    if isinstance(spec, keras.Model):
        if routed:
            raise TypeError(
                f"{estimator_name} got routed parameters {sorted(role + '__' + k for k in routed)}"
                f", but {role} is a Keras model instance, not a callable that takes them."
            )
        return copy_model(spec)
    if not callable(spec):
        raise TypeError(
            f"{role} must be a keras.Model, a callable that returns one, or None; "
            f"got {type(spec).__name__}."
        )
    try:
        signature = inspect.signature(spec)
    except (TypeError, ValueError):  # some builtins have none: pass nothing
        signature = None
    params = {} if signature is None else signature.parameters
    # A class (a Model subclass) passes its **kwargs on to Keras, which
    # refuses unknown names: it gets only the arguments it names.
    takes_any = not inspect.isclass(spec) and any(
        p.kind is p.VAR_KEYWORD for p in params.values())
    kwargs = {k: v for k, v in available.items() if takes_any or k in params}
    unknown = [k for k in routed if not takes_any and k not in params]
    if unknown:
        declared = [k for k in params if k not in ("self",)]
        raise TypeError(
            f"{estimator_name} routes {[role + '__' + k for k in unknown]} to its "
            f"{role} builder {getattr(spec, '__name__', spec)!r}, which takes no such "
            f"argument (it takes {declared})."
        )
    net = spec(**kwargs, **routed)
    if not isinstance(net, keras.Model):
        raise TypeError(
            f"{estimator_name}'s {role} builder returned {type(net).__name__}, "
            "not a keras.Model."
        )
    return net


def copy_model(model):
    """A new model with ``model``'s architecture and weights; ``model`` is
    not touched. Keras' ``clone_model`` rebuilds each layer from its config,
    so layers of the user's own classes copy too (registered or not)."""
    if _is_graph(model):
        # An explicit clone_function: without one, Keras rebuilds a Sequential
        # model through its serialized config, which needs registered classes.
        copy = keras.models.clone_model(model, clone_function=_copy_layer)
    else:  # a subclassed model: from its config, then built as the original
        try:
            copy = type(model).from_config(model.get_config())
        except (NotImplementedError, TypeError) as exc:
            raise TypeError(
                f"Cannot copy the {type(model).__name__} model (skae trains a copy, "
                f"never the model given): {exc}. Give the class a get_config() that "
                "returns its constructor's arguments, or pass a function that builds "
                "the model instead."
            ) from exc
        build_config = model.get_build_config() if model.built else None
        if build_config and not copy.built:
            copy.build_from_config(build_config)
    if model.built:
        copy.set_weights(model.get_weights())
    return copy


def _copy_layer(layer):
    # The layer's config names its functions and objects (an activation of
    # the user's own); they may be unregistered, so Keras is told which they
    # are for this one copy.
    scope = {}
    for value in vars(layer).values():
        if isinstance(value, types.FunctionType):
            scope[value.__name__] = value
        elif hasattr(value, "get_config") and not isinstance(value, keras.layers.Layer):
            scope[type(value).__name__] = type(value)
    with keras.saving.CustomObjectScope(scope), unsafe_deserialization_scope():
        return type(layer).from_config(layer.get_config())


def _is_graph(model):
    """Functional and Sequential models: what ``clone_model`` copies."""
    return isinstance(model, keras.Sequential) or type(model).__name__ == "Functional" or (
        getattr(model, "_is_graph_network", False)
    )


def one_vector_per_sample(tensor, what, estimator_name):
    """The width of ``tensor``, one vector per sample, or the ValueError
    that states its shape (or shapes, for several outputs)."""
    if isinstance(tensor, (list, tuple)) and len(tensor) == 1:
        tensor = tensor[0]
    if isinstance(tensor, (list, tuple)) or len(tensor.shape) != 2:
        shape = (
            [tuple(t.shape[1:]) for t in tensor] if isinstance(tensor, (list, tuple))
            else tuple(tensor.shape[1:])
        )
        raise ValueError(
            f"{estimator_name}'s {what} must output one vector per sample, of shape "
            f"(n_components,), but it outputs samples of shape {shape}; end it with "
            "a Flatten or Dense layer."
        )
    return int(tensor.shape[-1])


def check_decoder_output(tensor, sample_shape, estimator_name):
    """The ValueError for a decoder whose samples are not the data's shape
    (a trailing channel axis of 1 aside: (28, 28, 1) decodes (28, 28))."""
    got = (
        [tuple(t.shape[1:]) for t in tensor] if isinstance(tensor, (list, tuple))
        else tuple(tensor.shape[1:])
    )
    if isinstance(tensor, (list, tuple)) or squeeze_channels(got) != squeeze_channels(sample_shape):
        raise ValueError(
            f"{estimator_name}'s decoder outputs samples of shape {got}, but the "
            f"data's samples have shape {tuple(sample_shape)}: the decoder must "
            "give back the shape of one sample."
        )


def squeeze_channels(shape):
    """``shape`` without trailing 1s: (28, 28, 1) and (28, 28) are one layout."""
    shape = tuple(shape)
    while len(shape) > 1 and shape[-1] == 1:
        shape = shape[:-1]
    return shape


# Layers that move values around without changing them: an activation
# before them is still the network's last.
_SHAPE_ONLY = (
    keras.layers.Reshape, keras.layers.Flatten, keras.layers.Permute,
    keras.layers.Cropping1D, keras.layers.Cropping2D, keras.layers.Cropping3D,
    keras.layers.Dropout, keras.layers.InputLayer,
)


def final_activation(net):
    """The name of the last activation ``net`` applies to its output (None
    when it applies none, or "linear"), looking back past layers that only
    reshape (``Dense(64, activation="sigmoid")`` then ``Reshape((8, 8))``)
    and into nested models."""
    for layer in reversed(getattr(net, "layers", None) or [net]):
        if isinstance(layer, _SHAPE_ONLY):
            continue
        if isinstance(layer, keras.Model):
            return final_activation(layer)
        activation = getattr(layer, "activation", None)
        if activation is None:
            return None
        name = getattr(activation, "__name__", None) or keras.activations.serialize(activation)
        return None if name == "linear" else name
    return None


def check_serializable(model, where):
    """Raise a ``ValueError`` naming the first thing in ``model`` that Keras
    could not load back in safe mode: a class or a function (an activation,
    an initializer) that is neither Keras' own nor registered, or a
    ``Lambda`` layer. Walks the model's serialized config (no weights)."""
    problem = _unloadable(keras.saving.serialize_keras_object(model))
    if problem is None:
        return
    if problem == "lambda":
        raise ValueError(
            f"{where} holds a Lambda layer or a Python lambda, which Keras' safe mode "
            "refuses to load (it is code). Write it as a layer class of your own, "
            "registered with @keras.saving.register_keras_serializable()."
        )
    raise ValueError(
        f"{where} holds {problem}, which Keras cannot load back without its code. "
        "Register it with @keras.saving.register_keras_serializable(package="
        "'your_package') (a layer also needs a get_config() that returns its "
        "constructor's arguments); then pickle, skops and skae.save/skae.load "
        "round-trip it, as long as the module that registers it is imported "
        "before loading."
    )


def _unloadable(config):
    """What in a serialized Keras config safe mode cannot load (a
    description), "lambda", or None."""
    if isinstance(config, (list, tuple)):
        for item in config:
            found = _unloadable(item)
            if found:
                return found
        return None
    if not isinstance(config, dict):
        return None
    name = config.get("class_name")
    if name == "__lambda__":
        return "lambda"
    if name == "function":
        try:
            keras.saving.deserialize_keras_object(config, safe_mode=True)
        except Exception:
            return f"the function {config.get('config')!r}"
    elif isinstance(name, str) and name != "__keras_tensor__":
        module = config.get("module") or ""
        if module.split(".")[0] != "keras":
            registered = config.get("registered_name") or name
            if keras.saving.get_registered_object(registered) is None:
                return f"the class {name!r}" + (f" (module {module})" if module else "")
    return _unloadable(list(config.values()))
