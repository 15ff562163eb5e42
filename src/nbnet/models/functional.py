"""The functional API: ``Model(inputs, outputs)`` over a graph of layer calls."""

from __future__ import annotations

from nbnet.layers.input_layer import InputLayer, KerasTensor
from nbnet.layers.input_spec import shape_of
from nbnet.models.model import Model


def _flat(struct) -> list:
    if isinstance(struct, dict):
        return list(struct.values())
    return list(struct) if isinstance(struct, (list, tuple)) else [struct]


def _topological_nodes(outputs: list) -> list:
    """The layer calls that lead from the inputs to ``outputs``, each after its inputs."""
    order, seen = [], set()

    def visit(tensor):
        if not isinstance(tensor, KerasTensor) or tensor.history is None:
            raise ValueError(f"Model outputs must come from calling layers on Input(...) tensors, got {tensor!r}")
        layer, node_index, _ = tensor.history
        node = layer._inbound_nodes[node_index]
        if id(node) in seen:
            return
        seen.add(id(node))
        for t in node.flat_inputs:
            visit(t)
        order.append(node)
    for t in outputs:
        visit(t)
    return order


class Functional(Model):
    """A model defined by its input and output tensors; see :class:`Model`."""

    def __init__(self, inputs, outputs, name: str | None = None, trainable: bool = True, **kwargs):
        Model.__init__(self, name=name, trainable=trainable, **kwargs)
        self._inputs_struct, self._outputs_struct = inputs, outputs
        self.inputs, self.outputs = _flat(inputs), _flat(outputs)
        for t in self.inputs:
            if not (isinstance(t, KerasTensor) and isinstance(t.history[0], InputLayer)):
                raise ValueError(f"Model inputs must be tensors made by nbnet.Input(...), got {t!r}")
        self._nodes = _topological_nodes(self.outputs)
        reached = {id(n.layer) for n in self._nodes if isinstance(n.layer, InputLayer)}
        for node in self._nodes:
            if isinstance(node.layer, InputLayer) and node.layer.output not in self.inputs:
                raise ValueError(f"Output depends on input {node.layer.name!r}, which is not among the "
                                 "model's inputs")
        for t in self.inputs:
            if id(t.history[0]) not in reached:
                raise ValueError(f"Input {t.history[0].name!r} is not connected to the outputs")
        for node in self._nodes:
            if node.layer not in self._layers:
                self._layers.append(node.layer)
        self.input_names = [t.history[0].name for t in self.inputs]
        if isinstance(inputs, dict):
            self.input_names = list(inputs.keys())
        self.output_names = [t.history[0].name for t in self.outputs]
        if isinstance(outputs, dict):
            self.output_names = list(outputs.keys())
        self.built = True

    @property
    def layers(self):
        return list(self._layers)

    @property
    def input(self):
        """The model's input tensor(s), in the structure given (Keras)."""
        return self._inputs_struct

    @property
    def output(self):
        """The model's output tensor(s), in the structure given (Keras)."""
        return self._outputs_struct

    def _check_inputs(self, flat) -> None:
        if len(flat) != len(self.inputs):
            raise ValueError(f'Model "{self.name}" expects {len(self.inputs)} input(s) '
                             f"{self.input_names}, but received {len(flat)}")
        for name, t, x in zip(self.input_names, self.inputs, flat):
            got = shape_of(x)
            ok = len(got) == len(t.shape) and all(a is None or a == b for a, b in zip(t.shape, got))
            if not ok:
                raise ValueError(f'Input "{name}" of model "{self.name}" is incompatible: expected '
                                 f"shape {t.shape}, got shape {(len(x),) + tuple(got[1:])}")

    def call(self, inputs, training=False):
        flat = _flat(inputs) if not isinstance(inputs, dict) else [inputs[n] for n in self.input_names]
        self._check_inputs(flat)
        values = {id(t): x for t, x in zip(self.inputs, flat)}
        masks: dict = {}   # the mask travelling with each value (Embedding(mask_zero=True), Masking)
        for node in self._nodes:
            if isinstance(node.layer, InputLayer):
                continue
            args, listed = node.inputs, isinstance(node.inputs, (list, tuple))
            mask = [masks.get(id(t)) for t in args] if listed else masks.get(id(args))
            mask = None if listed and all(m is None for m in mask) else mask
            args = [values[id(t)] for t in args] if listed else values[id(args)]
            out = node.layer(args, training=training, mask=mask, **node.call_kwargs)
            out_mask = node.layer.compute_mask(args, mask)
            multi = isinstance(node.outputs, (list, tuple))
            for i, (t, v) in enumerate(zip(node.flat_outputs, _flat(out) if multi else [out])):
                values[id(t)] = v
                masks[id(t)] = out_mask[i] if isinstance(out_mask, (list, tuple)) else out_mask
        outs = [values[id(t)] for t in self.outputs]
        return outs[0] if not isinstance(self._outputs_struct, (list, tuple, dict)) else outs

    def compute_output_shape(self, input_shape):
        shapes = [t.shape for t in self.outputs]
        return shapes[0] if len(shapes) == 1 and not isinstance(self._outputs_struct, (list, tuple)) else shapes

    # --- config: layers, then the calls between them, by name ---------------------------------
    def get_config(self) -> dict:
        from nbnet.saving import serialize_layer
        calls = {}
        index = {}
        for node in self._nodes:
            n = calls.get(id(node.layer), 0)
            index[id(node)] = n
            calls[id(node.layer)] = n + 1

        def ref(t):
            layer, node_i, tensor_i = t.history
            return [layer.name, index[id(layer._inbound_nodes[node_i])], tensor_i]
        nodes = [{"layer": n.layer.name, "inputs": [ref(t) for t in n.flat_inputs],
                  "list_input": isinstance(n.inputs, (list, tuple)), "kwargs": n.call_kwargs}
                 for n in self._nodes if not isinstance(n.layer, InputLayer)]
        return {"name": self.name, "trainable": self.trainable,
                "layers": [serialize_layer(lay) for lay in self._layers], "nodes": nodes,
                "input_layers": [ref(t) for t in self.inputs], "output_layers": [ref(t) for t in self.outputs],
                "input_keys": list(self._inputs_struct) if isinstance(self._inputs_struct, dict) else None,
                "output_keys": list(self._outputs_struct) if isinstance(self._outputs_struct, dict) else None,
                "outputs_is_list": isinstance(self._outputs_struct, (list, tuple))}

    @classmethod
    def from_config(cls, config: dict, custom_objects=None) -> Functional:
        from nbnet.saving import deserialize_layer
        layers = {c["config"]["name"]: deserialize_layer(c, custom_objects) for c in config["layers"]}
        produced: dict[tuple, KerasTensor] = {}
        for name, layer in layers.items():
            if isinstance(layer, InputLayer):
                produced[(name, 0, 0)] = layer.output
        calls: dict[str, int] = {}
        for node in config["nodes"]:
            args = [produced[tuple(r)] for r in node["inputs"]]
            layer = layers[node["layer"]]
            out = layer(args if node["list_input"] else args[0], **node.get("kwargs", {}))
            k = calls.get(node["layer"], 0)
            calls[node["layer"]] = k + 1
            for i, t in enumerate(_flat(out)):
                produced[(node["layer"], k, i)] = t
        ins = [produced[tuple(r)] for r in config["input_layers"]]
        outs = [produced[tuple(r)] for r in config["output_layers"]]
        if config.get("input_keys"):
            ins = dict(zip(config["input_keys"], ins))
        if config.get("output_keys"):
            outs = dict(zip(config["output_keys"], outs))
        elif not config.get("outputs_is_list"):
            outs = outs[0]
        if isinstance(ins, list) and len(ins) == 1:
            ins = ins[0]
        return cls(ins, outs, name=config["name"], trainable=config.get("trainable", True))
