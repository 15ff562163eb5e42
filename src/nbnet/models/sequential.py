"""``Sequential``: a plain stack of layers, each feeding the next."""

from __future__ import annotations

from nbnet.layers.input_layer import InputLayer, KerasTensor
from nbnet.layers.input_spec import InputSpec, check_input, shape_of
from nbnet.layers.layer import Layer
from nbnet.models.model import Model


class _Spec:
    """Just what ``check_input`` reads: a name and an input spec."""

    def __init__(self, name, input_spec):
        self.name, self.input_spec = name, input_spec


class Sequential(Model):
    """A model that is a list of layers applied in order.

    Parameters
    ----------
    layers : list of Layer, optional
        May start with ``nbnet.Input(shape)`` or an ``InputLayer``; or give the first layer
        ``input_shape=``.  Otherwise the model is built on its first call or ``fit``.
    name : str, optional

    Examples
    --------
    >>> model = Sequential([Input((784,)), Dense(16, activation="relu"), Dense(10, activation="softmax")])
    >>> model.count_params()
    12730
    """

    def __init__(self, layers=None, name: str | None = None, trainable: bool = True):
        super().__init__(name=name, trainable=trainable)
        self._input_layer: InputLayer | None = None
        self._shapes: list = []
        self._symbolic: list = []   # the output KerasTensor of each layer, once there is an Input
        for layer in layers or []:
            self.add(layer)

    @property
    def layers(self) -> list[Layer]:
        """The layers, without the input layer (as Keras lists them)."""
        return [lay for lay in self._layers if not isinstance(lay, InputLayer)]

    def add(self, layer) -> None:
        """Append a layer (or an ``Input`` tensor) to the stack."""
        if isinstance(layer, KerasTensor) and isinstance(layer.history[0], InputLayer):
            layer = layer.history[0]
        if not isinstance(layer, Layer):
            raise TypeError(f"Sequential.add: expected a Layer, got {type(layer).__name__}")
        if isinstance(layer, InputLayer):
            if self._layers:
                raise ValueError("Sequential.add: an InputLayer can only be the first layer")
            self._input_layer = layer   # Layer.__setattr__ also appends it to self._layers
            return
        elif not self._layers and layer._declared_input_shape is not None:
            self._input_layer = InputLayer(shape=layer._declared_input_shape)   # tracked in _layers
        elif not self._layers and _known_input_shape(layer) is not None:   # a model with an Input, as Keras
            self._input_layer = InputLayer(shape=_known_input_shape(layer))
        if any(lay.name == layer.name and lay is not layer for lay in self._layers):
            raise ValueError(f"All layers added to a Sequential model should have unique names; "
                             f"{layer.name!r} is already in {self.name!r}")
        self._layers.append(layer)
        self.built = False
        if self._input_layer is not None:
            self.build((None,) + self._input_layer.shape_)
            self._extend_graph(layer)

    def _extend_graph(self, layer) -> None:
        """Call ``layer`` on the previous layer's KerasTensor, so ``layer.output`` and
        ``model.outputs`` exist as in Keras (e.g. to build a feature extractor from them)."""
        if len(self._symbolic) != len(self.layers) - 1:
            return   # an earlier layer could not be traced symbolically
        previous = self._symbolic[-1] if self._symbolic else self._input_layer.output
        try:
            self._symbolic.append(layer(previous))
        except (TypeError, ValueError, NotImplementedError):
            return

    @property
    def inputs(self) -> list:
        """``[input tensor]`` of a Sequential that starts with an ``Input``."""
        if self._input_layer is None:
            raise AttributeError(f"Sequential model {self.name!r} has no defined inputs: start it with "
                                 "nbnet.Input(shape)")
        return [self._input_layer.output]

    @property
    def outputs(self) -> list:
        """``[output tensor]`` of the last layer, traced from the ``Input``."""
        if self._input_layer is None or not self.layers or len(self._symbolic) != len(self.layers):
            raise AttributeError(f"Sequential model {self.name!r} has no defined outputs: start it with "
                                 "nbnet.Input(shape) and add layers")
        return [self._symbolic[-1]]

    @property
    def input(self):
        return self.inputs[0]

    @property
    def output(self):
        return self.outputs[0]

    def pop(self) -> Layer:
        """Remove and return the last layer."""
        if not self.layers:
            raise IndexError("Sequential.pop: the model has no layers to remove")
        layer = self._layers.pop()
        if len(self._symbolic) > len(self.layers):   # forget the popped layer's traced call
            out = self._symbolic.pop()
            if layer._inbound_nodes and layer._inbound_nodes[-1].outputs is out:
                layer._inbound_nodes.pop()
        self.built = False
        if self._input_layer is not None and self.layers:
            self.build((None,) + self._input_layer.shape_)
        return layer

    def build(self, input_shape=None) -> None:
        """Build every layer in turn, passing each the previous layer's output shape."""
        if input_shape is None:
            if self._input_layer is None:
                raise ValueError("Sequential.build: give an input shape, or start the model with Input(shape)")
            input_shape = (None,) + self._input_layer.shape_
        shape = tuple(input_shape)
        self.input_spec = None   # inputs are checked in call(), see _check_input_shape
        self._shapes = []
        for layer in self.layers:
            layer._maybe_build(shape)
            check_input(layer, [KerasTensor(shape)])
            shape = layer.compute_output_shape(shape)
            self._shapes.append(shape)
        self._build_shape = tuple(input_shape)
        self.built = True

    def _maybe_build(self, shape) -> None:
        if not self.built:
            self.build(shape)

    @property
    def input_shape(self):
        return self._build_shape

    @property
    def output_shape(self):
        return self._shapes[-1] if self._shapes else None

    def call(self, inputs, training=False, mask=None):
        if self._input_layer is not None and self.layers:
            self._check_input_shape(inputs)
        x = inputs
        for layer in self.layers:   # a mask (e.g. from Embedding(mask_zero=True)) travels with x
            x, mask = layer(x, training=training, mask=mask), layer.compute_mask(x, mask)
        return x

    def _check_input_shape(self, inputs) -> None:
        """Keras's errors: a wrong rank names the model; a wrong size, the first layer that rejects it."""
        signature = getattr(inputs, "shape", None)
        signature = signature[1:] if signature is not None else None
        if signature is not None and signature == self.__dict__.get("_seen_input_signature"):
            return  # this sample shape was checked already
        if len(shape_of(inputs)) == len(self._build_shape):
            check_input(self.layers[0], [inputs])
        check_input(_Spec(self.name, InputSpec(shape=self._build_shape)), [inputs])
        self.__dict__["_seen_input_signature"] = signature

    def compute_output_shape(self, input_shape):
        shape = input_shape
        for layer in self.layers:
            check_input(layer, [KerasTensor(shape)])
            shape = layer.compute_output_shape(shape)
        return shape

    def get_config(self) -> dict:
        from nbnet.saving import serialize_layer
        return {"name": self.name, "trainable": self.trainable,
                "layers": [serialize_layer(lay) for lay in self._layers]}

    @classmethod
    def from_config(cls, config: dict, custom_objects=None) -> Sequential:
        from nbnet.saving import deserialize_layer
        model = cls(name=config["name"], trainable=config.get("trainable", True))
        for c in config["layers"]:
            model.add(deserialize_layer(c, custom_objects))
        return model


def _known_input_shape(layer):
    """The input shape (without the batch) of a model that starts with one ``Input``, else ``None``."""
    try:
        inputs = layer.inputs if isinstance(layer, Model) and layer.built else None
    except AttributeError:
        return None
    return tuple(inputs[0].shape[1:]) if inputs and len(inputs) == 1 else None
