"""``clone_model`` and ``model_from_json`` (``keras.models``): new models from old descriptions."""

from __future__ import annotations

import json

from nbnet.layers.input_layer import Input, InputLayer
from nbnet.layers.layer import Layer
from nbnet.models.functional import Functional, _flat
from nbnet.models.model import Model
from nbnet.models.sequential import Sequential
from nbnet.saving import deserialize_layer


def _fresh_copy(layer: Layer) -> Layer:
    """The default ``clone_function``: the same configuration, new (freshly initialized) weights."""
    return type(layer).from_config(layer.get_config())


def clone_model(model: Model, input_tensors=None, clone_function=None, call_function=None,
                recursive: bool = False, **kwargs) -> Model:
    """A new model with the same architecture and new weights (``keras.models.clone_model``).

    Parameters
    ----------
    model : Sequential, functional or subclassed Model
        A subclassed model is cloned through ``from_config(get_config())``.
    input_tensors : KerasTensor or list, optional
        Functional models only: the inputs to call the cloned layers on.
    clone_function : callable, optional
        ``layer -> new layer`` for every layer (default: ``from_config(get_config())``;
        ``lambda layer: layer`` shares layers and their weights).
    call_function : callable, optional
        Functional models: ``(layer, *args, **kwargs) -> outputs`` replaces each layer call.
    recursive : bool
        Clone nested Sequential/functional models layer by layer too.
    """
    if kwargs:
        raise TypeError(f"clone_model: unexpected keyword argument(s) {sorted(kwargs)}")
    fn = clone_function or _fresh_copy
    if recursive:
        inner = fn
        fn = lambda layer: clone_model(layer, clone_function=inner, recursive=True) if isinstance(  # noqa: E731
            layer, (Sequential, Functional)) else inner(layer)
    if isinstance(model, Sequential):
        if input_tensors is not None:
            raise ValueError("clone_model: input_tensors is supported for functional models only")
        clone = Sequential(name=model.name)
        if model._input_layer is not None:
            clone.add(Input(model._input_layer.shape_, dtype=model._input_layer.dtype))
        for layer in model.layers:
            clone.add(fn(layer))
        return clone
    if isinstance(model, Functional):
        return _clone_graph(model, input_tensors, fn, call_function)
    if clone_function is not None or input_tensors is not None:
        raise ValueError("clone_model: clone_function and input_tensors need a Sequential or functional "
                         f"model; {type(model).__name__} is subclassed")
    return type(model).from_config(model.get_config())


def _clone_graph(model: Functional, input_tensors, fn, call_function) -> Functional:
    """Replay the model's layer calls, in order, on new inputs with cloned layers."""
    if input_tensors is None:
        new_inputs = [Input(t.shape[1:], dtype=t.dtype, name=t.history[0].name) for t in model.inputs]
    else:
        new_inputs = _flat(input_tensors)
        if len(new_inputs) != len(model.inputs):
            raise ValueError(f"clone_model: the model has {len(model.inputs)} input(s), "
                             f"input_tensors has {len(new_inputs)}")
    tensors = {id(old): new for old, new in zip(model.inputs, new_inputs)}
    clones: dict[int, Layer] = {}
    for node in model._nodes:
        if isinstance(node.layer, InputLayer):
            continue
        layer = clones.setdefault(id(node.layer), fn(node.layer))
        args = [tensors[id(t)] for t in node.flat_inputs]
        args = args if isinstance(node.inputs, (list, tuple)) else args[0]
        out = call_function(layer, args, **node.call_kwargs) if call_function else layer(args, **node.call_kwargs)
        for old, new in zip(node.flat_outputs, _flat(out)):
            tensors[id(old)] = new
    outs = [tensors[id(t)] for t in model.outputs]
    struct = model._outputs_struct
    outputs = dict(zip(struct, outs)) if isinstance(struct, dict) else (
        outs if isinstance(struct, (list, tuple)) else outs[0])
    inputs = new_inputs if isinstance(model._inputs_struct, (list, tuple)) else new_inputs[0]
    return Functional(inputs, outputs, name=model.name)


def model_from_json(json_string: str, custom_objects: dict | None = None) -> Model:
    """Rebuild a model (new weights) from :meth:`Model.to_json`'s output."""
    return deserialize_layer(json.loads(json_string), custom_objects)
