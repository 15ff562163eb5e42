"""``Model``: a layer that can be trained, evaluated, summarized and saved.

Three ways to make one, as in Keras:

* ``Sequential([...])`` — a stack of layers;
* ``Model(inputs, outputs)`` — the functional API, any graph of layers;
* ``class MyModel(Model)`` with ``__init__`` (create layers) and ``call`` (free Python).
"""

from __future__ import annotations

import numpy as np

from nbnet.layers.layer import Layer
from nbnet.models.training import Trainer


class Model(Trainer, Layer):
    """Base class of all models; ``Model(inputs, outputs)`` builds a functional model.

    Parameters
    ----------
    inputs, outputs : KerasTensor or list/dict of KerasTensors
        Only for the functional form.
    name : str, optional
    """

    def __new__(cls, *args, **kwargs):
        if cls is Model and (args or "inputs" in kwargs):
            from nbnet.models.functional import Functional
            return object.__new__(Functional)
        return object.__new__(cls)

    def __init__(self, *args, name: str | None = None, trainable: bool = True, **kwargs):
        if args or "inputs" in kwargs:
            # A subclass built as ``CustomModel(inputs, outputs)``: a functional model whose
            # class adds or overrides methods (train_step, compute_loss...), as in Keras.
            from nbnet.models.functional import Functional
            if not isinstance(self, Functional):
                _inject_functional(type(self))
            Functional.__init__(self, *args, name=name, trainable=trainable, **kwargs)
            return
        Layer.__init__(self, name=name, trainable=trainable, **kwargs)

    # Subclassed models: ``build`` runs ``call`` once on zeros so the layers create their weights.
    def build(self, input_shape) -> None:
        if type(self).call is Model.call:
            raise NotImplementedError(f"{type(self).__name__} must implement call()")
        if not self.built:
            self._build_shape = input_shape
            shapes = input_shape if isinstance(input_shape, list) else [input_shape]
            dummy = [np.zeros([1 if d is None else d for d in s], dtype=self.dtype) for s in shapes]
            self.built = True
            self(dummy if isinstance(input_shape, list) else dummy[0], training=False)

    def _maybe_build(self, shapes) -> None:
        # Called with real data: the first call itself creates the layers' weights.
        if not self.built:
            self._build_shape = shapes
            self.built = True

    def call(self, inputs, training=False):
        raise NotImplementedError(f"{type(self).__name__} must implement call()")

    @property
    def layers(self) -> list[Layer]:
        """The layers directly inside the model, in the order they were added or created."""
        return list(self._layers)

    def get_layer(self, name: str | None = None, index: int | None = None) -> Layer:
        """Find a layer by name or position."""
        if index is not None:
            if not -len(self.layers) <= index < len(self.layers):
                raise ValueError(f"get_layer: index {index} is out of range for a model with "
                                 f"{len(self.layers)} layers")
            return self.layers[index]
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise ValueError(f"No such layer: {name!r}. Existing layers are: {[lay.name for lay in self.layers]}")

    def summary(self, line_length=None, positions=None, print_fn=None, expand_nested=False,
                show_trainable=False) -> None:
        """Print the table of layers, output shapes and parameter counts (Keras's layout)."""
        from nbnet.models.summary import print_summary
        print_summary(self, line_length=line_length, print_fn=print_fn, show_trainable=show_trainable)

    def set_weights(self, weights) -> None:
        Layer.set_weights(self, weights)

    def save(self, filepath, overwrite: bool = True) -> None:
        """Save architecture, weights and optimizer state to one file (atomically, no pickle)."""
        from nbnet.saving import save_model
        save_model(self, filepath, overwrite=overwrite)

    def save_weights(self, filepath, overwrite: bool = True) -> None:
        """Save only the weights (and their names and shapes)."""
        from nbnet.saving import save_weights
        save_weights(self, filepath, overwrite=overwrite)

    def load_weights(self, filepath) -> None:
        """Load weights saved by :meth:`save_weights` or :meth:`save` into this (built) model."""
        from nbnet.saving import load_weights
        load_weights(self, filepath)

    def get_config(self) -> dict:
        return {"name": self.name, "trainable": self.trainable}

    @classmethod
    def from_config(cls, config: dict, custom_objects=None) -> Model:
        """Recreate a model from :meth:`get_config`: a functional model's own config (its layers
        and the calls between them) rebuilds the graph; a subclass gets ``cls(**config)``."""
        from nbnet.models.functional import Functional
        if {"layers", "input_layers", "output_layers"} <= set(config):
            return Functional.from_config.__func__(Functional if cls is Model else cls, config, custom_objects)
        try:
            return cls(**config)
        except TypeError as err:
            raise TypeError(f"{cls.__name__}.from_config could not call {cls.__name__}(**config) with keys "
                            f"{sorted(config)}: {err}. A subclassed model with __init__ arguments needs "
                            "get_config() returning them (and from_config if they are not plain values)") from err

    def to_json(self, **kwargs) -> str:
        """The architecture (no weights) as a JSON string; :func:`nbnet.models.model_from_json` reads it."""
        import json

        from nbnet.saving import serialize_layer
        return json.dumps(serialize_layer(self), **kwargs)


def _inject_functional(cls: type) -> type:
    """Put ``Functional`` where ``Model`` stands in ``cls``'s bases (Keras 3 does the same)."""
    from nbnet.models.functional import Functional
    if cls is Model:
        return Functional
    if not (isinstance(cls, type) and issubclass(cls, Model)) or issubclass(cls, Functional):
        return cls
    cls.__bases__ = tuple(_inject_functional(base) for base in cls.__bases__)
    return cls
