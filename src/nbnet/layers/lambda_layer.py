"""``Lambda``: wrap a function as a layer.

The function is differentiated by autograd, so it must compute with ``nbnet.ops`` (or Tensor
arithmetic), not raw NumPy.  Saving stores the function *by name only*: a function registered with
``@nbnet.utils.register_keras_serializable()``, or one of ``nbnet.ops`` / ``nbnet.activations``.
Keras can also save a Python lambda as bytecode; nbnet never does, and loading refuses any config
that carries code.
"""

from __future__ import annotations

import importlib
import inspect
import json
import re

from nbnet.layers.layer import Layer
from nbnet.utils.serialization import _REGISTRY, get_registered_object

_SAFE_MODULES = ("nbnet.ops", "nbnet.activations")
_NAME = re.compile(r"^[A-Za-z_][\w.]*>[A-Za-z_]\w*$|^[A-Za-z_]\w*$")


def _function_name(layer: str, fn, what: str = "function") -> str:
    """The name ``fn`` is saved under, or a ValueError explaining how to make it saveable."""
    key = getattr(fn, "_registered_name", None)
    if key is not None and _REGISTRY.get(key) is fn:
        return key
    name = getattr(fn, "__name__", "")
    for module in _SAFE_MODULES:   # public functions of nbnet.ops / nbnet.activations, by name
        if getattr(importlib.import_module(module), name, None) is fn:
            return f"{module}>{name}"
    shown = "a Python lambda" if name == "<lambda>" else f"{name or fn!r}"
    raise ValueError(
        f'Cannot save Lambda layer "{layer}": its {what} is {shown}, which is not registered. nbnet saves '
        "functions by registered name only, never as code. To fix it, define a named function and "
        "decorate it with @nbnet.utils.register_keras_serializable(package='MyPackage'), use it in the "
        "Lambda, and pass it in custom_objects (or keep the registration imported) when loading.")


def _function_from_name(layer: str, spec, custom_objects=None):
    """Resolve a saved function name; refuse anything that is not a plain registered name."""
    if not isinstance(spec, str) or not _NAME.match(spec):
        raise ValueError(f'Lambda layer "{layer}": refusing to load {str(spec)[:80]!r} as a function. '
                         "nbnet loads functions only by registered name (e.g. 'Custom>my_fn'), never "
                         "from code. Re-save the model after registering the function with "
                         "@nbnet.utils.register_keras_serializable().")
    module, _, name = spec.rpartition(">")
    if module in _SAFE_MODULES:
        fn = getattr(importlib.import_module(module), name, None)
    else:
        fn = get_registered_object(spec, custom_objects)
    if not callable(fn):
        raise ValueError(f'Lambda layer "{layer}": unknown function {spec!r}. Import the module that '
                         "registers it with @nbnet.utils.register_keras_serializable(), or pass it in "
                         f"custom_objects={{{spec!r}: fn}} when loading.")
    return fn


class Lambda(Layer):
    """Wrap ``function(inputs, **arguments)`` as a layer.

    Parameters
    ----------
    function : callable
        Written with ``nbnet.ops`` so autograd can differentiate it.  May accept ``training``
        and ``mask`` keyword arguments.
    output_shape : tuple or callable, optional
        Output shape without the batch axis, or ``f(input_shape) -> output_shape``.  By default
        it is inferred by running the function once on zeros.
    arguments : dict, optional
        Extra keyword arguments for ``function`` (must be JSON-serializable to save).
    """

    def __init__(self, function, output_shape=None, mask=None, arguments=None, **kwargs):
        super().__init__(**kwargs)
        if isinstance(function, (str, dict)):
            function = _function_from_name(self.name, function)
        if not callable(function):
            raise TypeError(f'Lambda layer "{self.name}": `function` must be callable, got '
                            f"{type(function).__name__}")
        if isinstance(output_shape, str):
            output_shape = _function_from_name(self.name, output_shape)
        self.function = function
        self.arguments = dict(arguments or {})
        self.mask = mask
        self._output_shape = tuple(output_shape) if isinstance(output_shape, list) else output_shape
        try:
            params = inspect.signature(function).parameters
        except (TypeError, ValueError):
            params = {}
        self._fn_takes_training = "training" in params
        self._fn_takes_mask = "mask" in params

    def call(self, inputs, mask=None, training=None):
        kwargs = dict(self.arguments)
        if self._fn_takes_mask:
            kwargs["mask"] = mask
        if self._fn_takes_training:
            kwargs["training"] = training
        return self.function(inputs, **kwargs)

    def compute_output_shape(self, input_shape):
        if self._output_shape is None:
            return super().compute_output_shape(input_shape)   # run the function once on zeros
        if callable(self._output_shape):
            return self._output_shape(input_shape)
        first = input_shape[0] if isinstance(input_shape, list) else input_shape
        return (first[0], *self._output_shape)

    def get_config(self) -> dict:
        config = {**super().get_config(), "function": _function_name(self.name, self.function)}
        if self._output_shape is not None:
            config["output_shape"] = (_function_name(self.name, self._output_shape, "output_shape")
                                      if callable(self._output_shape) else list(self._output_shape))
        if self.mask is not None:
            raise ValueError(f'Cannot save Lambda layer "{self.name}": its `mask` argument is not saveable')
        try:
            json.dumps(self.arguments)
        except TypeError as err:
            raise ValueError(f'Cannot save Lambda layer "{self.name}": `arguments` must be '
                             f"JSON-serializable (numbers, strings, lists, dicts): {err}") from None
        config["arguments"] = self.arguments
        return config

    @classmethod
    def from_config(cls, config: dict, custom_objects=None) -> Lambda:
        config = dict(config)
        name = config.get("name", "lambda")
        config["function"] = _function_from_name(name, config.get("function"), custom_objects)
        if isinstance(config.get("output_shape"), (str, dict)):
            config["output_shape"] = _function_from_name(name, config["output_shape"], custom_objects)
        return cls(**config)
