"""Symbolic tensors for the functional API: ``Input``, ``InputLayer`` and layer nodes."""

from __future__ import annotations

from nbnet.config import floatx
from nbnet.layers.input_spec import check_input
from nbnet.layers.layer import Layer


class KerasTensor:
    """A placeholder with a shape (batch ``None``), made by :func:`Input` or by calling a layer on one.

    It holds no data: it records which layer produced it so ``Model(inputs, outputs)`` can
    recover the graph.
    """

    symbolic_shape = True

    def __init__(self, shape, dtype=None, name=None, history=None):
        self.shape = tuple(shape)
        self.dtype = dtype or floatx()
        self.name = name
        self.history = history  # (layer, node_index, tensor_index)

    @property
    def ndim(self) -> int:
        return len(self.shape)

    def __repr__(self) -> str:
        return f"<KerasTensor shape={self.shape}, dtype={self.dtype}, name={self.name}>"


class Node:
    """One call of a layer in a functional graph."""

    def __init__(self, layer, inputs, outputs, call_kwargs=None):
        self.layer = layer
        self.inputs = inputs          # KerasTensor or list of KerasTensors, as passed
        self.outputs = outputs        # the same for outputs
        self.call_kwargs = call_kwargs or {}

    @property
    def flat_inputs(self) -> list:
        return list(self.inputs) if isinstance(self.inputs, (list, tuple)) else [self.inputs]

    @property
    def flat_outputs(self) -> list:
        return list(self.outputs) if isinstance(self.outputs, (list, tuple)) else [self.outputs]


def symbolic_call(layer, inputs, *args, **kwargs):
    """Call ``layer`` on KerasTensors: build it, check shapes, and return output KerasTensors."""
    flat = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
    shapes = [x.shape for x in flat]
    layer._maybe_build(shapes if isinstance(inputs, (list, tuple)) else shapes[0])
    check_input(layer, flat)
    out_shape = layer.compute_output_shape(shapes if isinstance(inputs, (list, tuple)) else shapes[0])
    node_index = len(layer._inbound_nodes)
    if isinstance(out_shape, list):
        outputs = [KerasTensor(s, name=f"{layer.name}_{i}", history=(layer, node_index, i))
                   for i, s in enumerate(out_shape)]
    else:
        outputs = KerasTensor(out_shape, name=layer.name, history=(layer, node_index, 0))
    layer._inbound_nodes.append(Node(layer, inputs, outputs, kwargs))
    return outputs


class InputLayer(Layer):
    """The entry point of a functional model or Sequential: holds the input shape.

    Parameters
    ----------
    shape : tuple of int
        Shape of one sample (no batch axis), e.g. ``(784,)``.
    """

    def __init__(self, shape=None, batch_size=None, dtype=None, name=None, input_shape=None,
                 batch_shape=None, **kwargs):
        super().__init__(name=name, dtype=dtype, **kwargs)
        if batch_shape is not None:
            shape = tuple(batch_shape)[1:]
        shape = shape if shape is not None else input_shape
        if shape is None:
            raise ValueError("InputLayer needs `shape`, the shape of one sample, e.g. shape=(784,)")
        self.shape_ = tuple(int(d) if d is not None else None for d in
                            (shape if isinstance(shape, (tuple, list)) else (shape,)))
        self.batch_size = batch_size
        self.built = True
        tensor = KerasTensor((None,) + self.shape_, self.dtype, self.name, (self, 0, 0))
        self._inbound_nodes.append(Node(self, [], tensor))   # ``self.output`` is this tensor

    @property
    def input(self):
        return self.output   # an input layer's input is its output tensor (Keras)

    @property
    def batch_shape(self) -> tuple:
        return (self.batch_size,) + self.shape_

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype, "batch_shape": [None, *self.shape_]}


def Input(shape=None, batch_size=None, dtype=None, name=None, batch_shape=None) -> KerasTensor:  # noqa: N802
    """Create a symbolic input of a functional model (``keras.Input``).

    Parameters
    ----------
    shape : tuple of int
        Shape of one sample, without the batch axis; e.g. ``(28, 28, 1)``.

    Returns
    -------
    KerasTensor
        Its ``shape`` is ``(None, *shape)``.
    """
    layer = InputLayer(shape=shape, batch_size=batch_size, dtype=dtype, name=name,
                       batch_shape=batch_shape)
    return layer.output
