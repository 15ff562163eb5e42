"""Objects ⇄ JSON-ready configs: ``{"class_name": ..., "config": {...}}``, never pickled code.

A layer or model is its class name (or registered ``"package>name"``) and its ``get_config()``;
a function is ``{"class_name": "function", "config": <its name>}``, loadable only where the name
can be looked up (nbnet's own functions, registered ones, or ``custom_objects``).
"""

from __future__ import annotations

import importlib
import inspect

import numpy as np

from nbnet.saving.object_registration import (
    builtin_objects,
    custom_object_scope,
    get_registered_object,
    registered_name,
)

_PLAIN = (str, int, float, bool, type(None))


def serialize_layer(layer) -> dict:
    """``{"class_name", "config"}`` of a layer or model; registered custom classes use their key."""
    return {"class_name": registered_name(type(layer)), "config": layer.get_config()}


def deserialize_layer(config: dict, custom_objects=None):
    """Recreate a layer (or model) from :func:`serialize_layer`'s output."""
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"Not a layer config: {config!r}")
    name = config["class_name"]
    cls = get_registered_object(name, custom_objects, builtin_objects())
    if not isinstance(cls, type):
        raise ValueError(f"Unknown layer class {name!r}. If it is a custom layer, decorate it with "
                         "@nbnet.utils.register_keras_serializable() or pass it in "
                         "custom_objects={...} when loading.")
    return _from_config(cls, dict(config.get("config", {})), custom_objects, what="layer")


def _from_config(cls, cfg, custom_objects, what):
    try:
        with custom_object_scope(custom_objects or {}):   # e.g. a Lambda's function, by name
            if "custom_objects" in inspect.signature(cls.from_config).parameters:
                return cls.from_config(cfg, custom_objects=custom_objects)
            return cls.from_config(cfg)
    except TypeError as err:
        raise ValueError(f"Could not recreate {what} {cls.__name__!r} from its config: {err}. A custom "
                         "class needs get_config() to return its __init__ arguments.") from err


def serialize_keras_object(obj):
    """A JSON-ready description of ``obj``: plain values as they are, lists and dicts item by
    item, functions by name, anything with ``get_config`` as ``{"class_name", "config"}``."""
    if isinstance(obj, _PLAIN):
        return obj
    if isinstance(obj, (np.generic, np.ndarray)):
        return obj.tolist()
    if isinstance(obj, (list, tuple)):
        return [serialize_keras_object(o) for o in obj]
    if isinstance(obj, dict):
        return {k: serialize_keras_object(v) for k, v in obj.items()}
    if inspect.isfunction(obj) or inspect.isbuiltin(obj):
        return {"class_name": "function", "config": _function_name(obj)}
    if isinstance(obj, type):
        return {"class_name": "type", "config": registered_name(obj)}
    if hasattr(obj, "get_config"):
        return {"module": type(obj).__module__, "class_name": registered_name(type(obj)),
                "config": serialize_keras_object(obj.get_config())}
    raise TypeError(f"Cannot serialize {obj!r} (of type {type(obj).__name__}): it has no get_config()")


def _function_name(fn) -> str:
    builtins = builtin_objects()
    if builtins.get(fn.__name__) is fn:
        return fn.__name__
    return registered_name(fn)   # raises, saying how to register it


def deserialize_keras_object(config, custom_objects=None, safe_mode: bool = True, **kwargs):
    """Rebuild what :func:`serialize_keras_object` described.

    Parameters
    ----------
    config : dict, list, str or plain value
    custom_objects : dict, optional
        Name → class or function, for what is neither nbnet's own nor registered.
    safe_mode : bool
        Kept for Keras's signature: nbnet never loads code, so loading is always safe.
    """
    if isinstance(config, list):
        return [deserialize_keras_object(c, custom_objects) for c in config]
    if isinstance(config, str):
        found = get_registered_object(config, custom_objects, builtin_objects())
        return config if found is None else found
    if not isinstance(config, dict):
        return config
    if "class_name" not in config:
        return {k: deserialize_keras_object(v, custom_objects) for k, v in config.items()}
    name, cfg = config["class_name"], config.get("config", {})
    if name in ("function", "type"):
        return _lookup(cfg, custom_objects, name)
    cls = _nbnet_class(config.get("module"), name) or _lookup(name, custom_objects, "class")
    return _from_config(cls, dict(cfg), custom_objects, what="object")


def _nbnet_class(module, name):
    """nbnet's own class ``name`` from ``module`` (a loss and a metric may share a name)."""
    if not (isinstance(module, str) and module.startswith("nbnet.")):
        return None
    try:
        found = getattr(importlib.import_module(module), name, None)
    except ImportError:
        return None
    return found if isinstance(found, type) else None


def _lookup(name: str, custom_objects, kind: str):
    found = get_registered_object(name, custom_objects, builtin_objects())
    if found is None:
        raise ValueError(f"Unknown {kind} {name!r}: register it with "
                         "@nbnet.saving.register_keras_serializable() or pass it in custom_objects={...}")
    return found
