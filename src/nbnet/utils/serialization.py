"""Registering custom objects so saved models can name them (never by pickling code)."""

from __future__ import annotations

from typing import Any

_REGISTRY: dict[str, Any] = {}
_SCOPES: list[dict] = []


def register_keras_serializable(package: str = "Custom", name: str | None = None):
    """Decorator: register a class or function under ``"package>name"`` for loading.

    Examples
    --------
    >>> @register_keras_serializable(package="MyLayers")
    ... class Scale(nbnet.layers.Layer): ...
    """
    def decorator(obj):
        key = f"{package}>{name or obj.__name__}"
        _REGISTRY[key] = obj
        obj._registered_name = key
        return obj
    return decorator


register_serializable = register_keras_serializable


def registered_name(obj) -> str:
    """The name ``obj`` is saved under; raises if a function was never registered."""
    key = getattr(obj, "_registered_name", None)
    if key is not None and _REGISTRY.get(key) is obj:
        return key
    if isinstance(obj, type):
        return obj.__name__
    raise ValueError(f"Cannot save {getattr(obj, '__name__', obj)!r}: functions are saved by name only. "
                     "Register it with @nbnet.utils.register_keras_serializable() and pass it again "
                     "through custom_objects when loading.")


class custom_object_scope:  # noqa: N801 - Keras's name
    """Context manager making ``custom_objects`` visible to loading code."""

    def __init__(self, custom_objects: dict):
        self.custom_objects = dict(custom_objects or {})

    def __enter__(self):
        _SCOPES.append(self.custom_objects)
        return self

    def __exit__(self, *exc):
        _SCOPES.remove(self.custom_objects)


def get_registered_object(name: str, custom_objects: dict | None = None, module_objects: dict | None = None):
    """Find ``name`` in ``custom_objects``, open scopes, the registry, then ``module_objects``."""
    for table in (custom_objects or {}, *reversed(_SCOPES), _REGISTRY, module_objects or {}):
        if name in table:
            return table[name]
    short = name.split(">")[-1]
    for table in (custom_objects or {}, *reversed(_SCOPES)):
        if short in table:
            return table[short]
    return None
