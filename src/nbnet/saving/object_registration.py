"""The names objects are saved under, and where loading looks them up.

Three tables, searched in this order: ``custom_objects`` passed to a load call (and open
:class:`custom_object_scope` blocks), the global custom objects (``register_keras_serializable``
and :func:`get_custom_objects`), then nbnet's own classes.  nbnet's layers and models enter the
last table by themselves when their class is defined (``Layer.__init_subclass__`` calls
:func:`register_builtin`), so this module imports neither layers nor models.
"""

from __future__ import annotations

from typing import Any

from nbnet.utils.serialization import (  # noqa: F401 - the registry itself lives on the ground floor
    _REGISTRY,
    custom_object_scope,
    get_registered_object,
    register_keras_serializable,
    registered_name,
)

_BUILTIN: dict[str, Any] = {}


def register_builtin(obj, name: str | None = None) -> None:
    """Make one of nbnet's own classes loadable by its class name (called at class definition)."""
    _BUILTIN[name or obj.__name__] = obj


def builtin_objects() -> dict:
    """nbnet's own classes and functions that configs may name: layers, models, and the
    losses, metrics, optimizers, regularizers, initializers and activations."""
    from nbnet import activations, initializers, losses, metrics, optimizers, regularizers
    table = {}
    for module in (activations, initializers, regularizers, optimizers, metrics, losses):
        table.update({k: v for k, v in vars(module).items() if not k.startswith("_") and callable(v)})
    table.update(_BUILTIN)
    return table


def get_custom_objects() -> dict:
    """The global dict of custom objects (``keras.saving.get_custom_objects``).

    Registered objects are keyed ``"package>name"``; adding an entry
    (``get_custom_objects()["my_fn"] = my_fn``) makes it loadable under that key.
    """
    return _REGISTRY


def get_registered_name(obj) -> str:
    """The name ``obj`` is saved under: its registered ``"package>name"``, else its own name."""
    key = getattr(obj, "_registered_name", None)
    if key is not None and _REGISTRY.get(key) is obj:
        return key
    return getattr(obj, "__name__", type(obj).__name__)
