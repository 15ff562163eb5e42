"""The ``Layer`` base class: the Keras 3 contract, and how a layer enters the autograd graph.

A layer is a function with weights.  Its life:

1. ``__init__(**config)`` stores the configuration — no weights yet.
2. ``build(input_shape)`` creates weights with :meth:`add_weight` once the input shape is known.
3. ``call(inputs, training=False)`` computes the output.

Built-in layers also implement ``forward(inputs, training) -> (outputs, cache)`` and
``backward(grad, cache, need_input_grad) -> (input_grads, weight_grads)``: the chain rule written
by hand, vectorized over the batch.  ``__call__`` then records the whole layer as *one* node of
the autograd graph.  A layer that only defines ``call`` is differentiated through the
``nbnet.ops`` it uses.
"""

from __future__ import annotations

import inspect
import math

import numpy as np

from nbnet import activations, initializers
from nbnet.autograd import EagerArray, Tensor, is_recording, record, value_of
from nbnet.config import floatx
from nbnet.layers.input_spec import InputSpec, check_input, shape_of
from nbnet.layers.layer_extras import LossesAndGraph
from nbnet.metrics import Metric
from nbnet.saving.object_registration import register_builtin
from nbnet.utils.naming import to_snake_case, unique_name
from nbnet.variables import Variable

_CONTEXT = {"training": False, "entry": None}   # the flag layers inherit; the outermost layer called


def _accepts(fn, name: str) -> bool:
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False
    return name in params or any(p.kind is p.VAR_KEYWORD for p in params.values())


def _check_mask(layer, mask):
    """Return the mask (``None`` if none); raise if ``layer`` cannot take one (as Keras 2 and the article)."""
    if isinstance(mask, (list, tuple)) and all(m is None for m in mask):
        mask = None
    if mask is None or layer.supports_masking or layer._call_takes_mask or \
            _accepts(type(layer).forward, "mask"):
        return mask
    raise TypeError(f"Layer {layer.name!r} ({type(layer).__name__}) does not support masking, but was "
                    "passed an input_mask. Put it before the masking layer (Embedding(mask_zero=True) or "
                    "Masking), or use a layer that consumes the mask (e.g. an RNN).")


class Layer(LossesAndGraph):
    """Base class of all layers (``keras.layers.Layer``).

    Parameters
    ----------
    name : str, optional
        Unique name; by default the snake-case class name with a counter (``dense_1``).
    trainable : bool
        Whether the layer's weights are updated by training.
    dtype : str, optional
        Float type of the weights (default ``nbnet.config.floatx()``).
    input_shape : tuple, optional
        Shape of one sample, for the first layer of a ``Sequential`` (Keras 2 style).
    activity_regularizer : str or Regularizer, optional
        A penalty on the layer's outputs, divided by the batch size, added to
        :attr:`losses` on every call (Keras 3).
    """

    supports_masking = False   # True: an incoming mask passes through (see compute_mask)

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.__module__.startswith("nbnet.") and not cls.__name__.startswith("_"):
            register_builtin(cls)   # nbnet's own classes load by name

    def __init__(self, *, name: str | None = None, trainable: bool = True, dtype=None,
                 input_shape=None, input_dim=None, batch_input_shape=None, activity_regularizer=None,
                 **kwargs):
        if kwargs:
            raise TypeError(f"{type(self).__name__}: unexpected keyword argument(s) {sorted(kwargs)}")
        object.__setattr__(self, "_layers", [])
        self.name = name or unique_name(to_snake_case(type(self).__name__))
        self.dtype = dtype or floatx()
        self.built = False
        self._trainable = trainable
        self._variables: list[Variable] = []
        self.input_spec: InputSpec | list | None = None
        self._inbound_nodes: list = []
        self._build_shape = None
        if input_dim is not None and input_shape is None:
            input_shape = (input_dim,)
        if batch_input_shape is not None:
            input_shape = tuple(batch_input_shape)[1:]
        self._declared_input_shape = tuple(input_shape) if input_shape is not None else None
        cls = type(self)
        self._call_takes_training = _accepts(cls.call, "training")
        self._call_takes_mask = _accepts(cls.call, "mask")
        self._fused = cls.backward is not Layer.backward
        self._weight_regularizers: list = []   # (variable, regularizer) pairs from add_weight
        self._losses: list = []                # values given to add_loss in the last call
        self._metrics: list = []               # Metric objects assigned as attributes
        from nbnet import regularizers
        self.activity_regularizer = regularizers.get(activity_regularizer)
        self._checked_signature = None

    # --- attribute tracking ------------------------------------------------------------------
    def __setattr__(self, key, value):
        if isinstance(value, Metric):
            tracked = self.__dict__.get("_metrics")
            if tracked is not None and value not in tracked:
                tracked.append(value)
        elif isinstance(value, Layer) and key != "_outbound":
            layers = self.__dict__.get("_layers")
            if layers is not None and value is not self and value not in layers:
                layers.append(value)
        elif isinstance(value, (list, tuple)) and value and all(isinstance(v, Layer) for v in value):
            layers = self.__dict__.get("_layers")
            if layers is not None:
                layers.extend(v for v in value if v not in layers)
        object.__setattr__(self, key, value)

    # --- weights ---------------------------------------------------------------------------
    def add_weight(self, shape=(), initializer=None, dtype=None, trainable: bool = True,
                   regularizer=None, constraint=None, name: str | None = None, **kwargs) -> Variable:
        """Create a weight of this layer and track it.

        Parameters
        ----------
        shape : tuple of int
            Shape of the weight.
        initializer : str or Initializer, optional
            Defaults to ``"glorot_uniform"`` (``"zeros"`` for non-float dtypes).
        trainable : bool
            Whether optimizers update it.
        name : str, optional
            Short name, e.g. ``"kernel"``.
        """
        dtype = dtype or self.dtype
        init = initializers.get(initializer if initializer is not None else "glorot_uniform")
        shape = tuple(int(s) for s in (shape if isinstance(shape, (tuple, list)) else (shape,)))
        name = name or f"variable_{len(self._variables)}"
        var = Variable(init(shape, dtype=dtype), name=name, trainable=trainable and self._trainable,
                       dtype=dtype)
        var.path = f"{self.name}/{name}"
        var._declared_trainable = trainable
        if regularizer is not None:
            from nbnet import regularizers
            self._weight_regularizers.append((var, regularizers.get(regularizer)))
        self._variables.append(var)
        return var

    def _own_trainable(self) -> list[Variable]:
        return [v for v in self._variables if v.trainable]

    @property
    def weights(self) -> list[Variable]:
        """All weights, trainable first (Keras's order), then those of nested layers."""
        return self.trainable_weights + self.non_trainable_weights

    @property
    def variables(self) -> list[Variable]:
        return self.weights

    @property
    def trainable_weights(self) -> list[Variable]:
        out = self._own_trainable()
        for layer in self._layers:
            out.extend(v for v in layer.trainable_weights if v not in out)
        return out

    @property
    def non_trainable_weights(self) -> list[Variable]:
        out = [v for v in self._variables if not v.trainable]
        for layer in self._layers:
            out.extend(v for v in layer.non_trainable_weights if v not in out)
        return out

    @property
    def trainable_variables(self) -> list[Variable]:
        return self.trainable_weights

    @property
    def non_trainable_variables(self) -> list[Variable]:
        return self.non_trainable_weights

    @property
    def trainable(self) -> bool:
        return self._trainable

    @trainable.setter
    def trainable(self, value: bool) -> None:
        """Freeze (``False``) or unfreeze the layer and every layer inside it."""
        self._trainable = bool(value)
        for v in self._variables:
            v.trainable = bool(value) and getattr(v, "_declared_trainable", True)
        for layer in self._layers:
            layer.trainable = value

    def get_weights(self) -> list[np.ndarray]:
        """Return copies of the weights as NumPy arrays, in ``weights`` order."""
        return [v.value.copy() for v in self.weights]

    def set_weights(self, weights) -> None:
        """Set the weights from a list of arrays (same order and shapes as :meth:`get_weights`)."""
        own = self.weights
        weights = list(weights)
        if len(weights) != len(own):
            raise ValueError(f"Layer {self.name!r} expects {len(own)} weight arrays "
                             f"({', '.join(v.name for v in own) or 'none'}), but received {len(weights)}")
        for var, w in zip(own, weights):
            w = np.asarray(w)
            if w.shape != var.shape:
                raise ValueError(f"Layer {self.name!r}: weight {var.name!r} has shape {var.shape}, "
                                 f"but the provided array has shape {w.shape}")
        for var, w in zip(own, weights):
            var.assign(w)

    def count_params(self) -> int:
        """Total number of scalars in all weights."""
        if not self.built and not self.weights:
            raise ValueError(f"Layer {self.name!r} is not built yet, so it has no weights to count. "
                             "Call it on data or give it an input shape first.")
        return int(sum(math.prod(v.shape) for v in self.weights))

    # --- the contract --------------------------------------------------------------------
    def build(self, input_shape) -> None:
        """Create the weights; called once with the input shape (batch dimension ``None``)."""
        self.built = True

    def call(self, inputs, training: bool = False):
        """Compute the outputs. Built-in layers use :meth:`forward`."""
        if self._fused:
            return self.forward(inputs, training=bool(training))[0]
        raise NotImplementedError(f"Layer {type(self).__name__} does not implement call()")

    def forward(self, inputs, training: bool = False):
        """Built-in layers: return ``(outputs, cache)`` from NumPy inputs."""
        raise NotImplementedError

    def backward(self, grad, cache, need_input_grad=True):
        """Built-in layers: return ``(dL/dinputs, [dL/dw for w in own trainable weights])``."""
        raise NotImplementedError

    def compute_output_shape(self, input_shape):
        """Output shape for an input shape (batch ``None``).

        The default runs the layer once on zeros and restores any state it changed.
        """
        shapes = input_shape if isinstance(input_shape, list) else [input_shape]
        dummy = [np.zeros([1 if d is None else d for d in s], dtype=self.dtype) for s in shapes]
        saved = [v.value.copy() for v in self.weights]
        try:
            out = self(dummy if isinstance(input_shape, list) else dummy[0])
        finally:
            for v, s in zip(self.weights, saved):
                v.value[...] = s
        if isinstance(out, (list, tuple)):
            return [(None,) + np.shape(value_of(o))[1:] for o in out]
        return (None,) + np.shape(value_of(out))[1:]

    def compute_mask(self, inputs, mask=None):
        """The mask of the outputs (bool (N, T)) given the input mask; by default it passes through
        a layer with ``supports_masking`` and stops at any other."""
        return mask if self.supports_masking else None

    def get_config(self) -> dict:
        """The arguments that recreate this layer (weights excluded)."""
        config = {"name": self.name, "trainable": self.trainable, "dtype": self.dtype}
        if self._declared_input_shape is not None:
            config["input_shape"] = list(self._declared_input_shape)
        if self.activity_regularizer is not None:
            from nbnet import regularizers
            config["activity_regularizer"] = regularizers.serialize(self.activity_regularizer)
        return config

    @classmethod
    def from_config(cls, config: dict) -> Layer:
        """Create a layer from :meth:`get_config`'s output."""
        return cls(**config)

    # --- calling ---------------------------------------------------------------------------
    def _maybe_build(self, shapes) -> None:
        if self.built:
            return
        self._build_shape = shapes
        self.build(shapes)
        self.built = True

    def __call__(self, inputs, *args, training=None, mask=None, **kwargs):
        flat = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
        for x in flat:
            if not isinstance(x, (Tensor, np.ndarray)):
                if any(getattr(t, "symbolic_shape", False) for t in flat):  # KerasTensors: functional API
                    return self._symbolic_call(inputs, *args, **kwargs)
                raise TypeError(f"Layer {self.name!r} expects NumPy arrays or Tensors, got {type(x).__name__}")
        if not self.built:
            shapes = [shape_of(x) for x in flat]
            self._maybe_build(shapes if isinstance(inputs, (list, tuple)) else shapes[0])
        signature = [x.shape[1:] for x in flat]
        if signature != self._checked_signature:   # shapes seen before were already checked
            check_input(self, flat)
            object.__setattr__(self, "_checked_signature", signature)
        outer, entry = _CONTEXT["training"], _CONTEXT["entry"]
        training = outer if training is None else bool(training)
        mask = _check_mask(self, mask)
        if entry is None:   # the outermost call: add_loss terms of the previous pass are stale
            self._clear_losses()
            _CONTEXT["entry"] = self
        _CONTEXT["training"] = training   # layers called inside this one inherit the flag
        try:
            if self._fused:
                out = self._fused_call(inputs, flat, training, mask)
            else:
                if self._call_takes_training:
                    kwargs["training"] = training
                if mask is not None and self._call_takes_mask:
                    kwargs["mask"] = mask
                out = self.call(inputs, *args, **kwargs)
            if self.activity_regularizer is not None:
                self._add_activity_loss(out)
        finally:
            _CONTEXT["training"], _CONTEXT["entry"] = outer, entry
        first = out[0] if isinstance(out, (list, tuple)) and out else out
        if isinstance(first, (np.ndarray, Tensor)):
            object.__setattr__(self, "_last_output_shape", (None,) + tuple(first.shape[1:]))
        if is_recording():
            return out
        return _unwrap(out, eager=entry is None)   # the outermost call's arrays also have .numpy()

    def _fused_call(self, inputs, flat, training, mask=None):
        """Run ``forward`` and record the layer as one node whose VJP is ``backward``."""
        multi = isinstance(inputs, (list, tuple))
        values = [value_of(x) for x in flat]
        split = getattr(self, "_split_activation", None) if is_recording() else None
        kw = {"activate": False} if split else {}
        if mask is not None and _accepts(type(self).forward, "mask"):
            kw["mask"] = mask
        y, cache = self.forward(values if multi else values[0], training=training, **kw)
        if not is_recording():
            return y
        weights = self._own_trainable()
        need = [isinstance(x, Tensor) and x.requires_grad for x in flat]

        def vjp(g):
            dx, dws = self.backward(g, cache, need if multi else need[0])
            return (*(dx if multi else [dx]), *dws)
        if isinstance(y, (list, tuple)):
            return _record_several(y, (*flat, *weights), vjp)
        out = record(y, (*flat, *weights), vjp)
        return activations._apply(split, out) if split else out

    def _symbolic_call(self, inputs, *args, **kwargs):
        from nbnet.layers.input_layer import symbolic_call
        return symbolic_call(self, inputs, *args, **kwargs)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"


register_builtin(Layer)


def _record_several(ys, parents, vjp) -> list:
    """Record a layer with several outputs (e.g. an RNN's output and states).

    A hidden *joint* node holds the layer's VJP; one node per output passes that output's
    gradient to it.  ``backward`` then receives a list of gradients (zeros where an output
    was not used).
    """
    grads: list = [None] * len(ys)
    joint = record(np.zeros(()), parents, lambda _: vjp([np.zeros_like(y) if g is None else g
                                                          for y, g in zip(ys, grads)]))

    def collector(i):
        def pass_down(g):
            grads[i] = g if grads[i] is None else grads[i] + g
            return (np.zeros(()),)
        return pass_down
    return [record(y, (joint,), collector(i)) for i, y in enumerate(ys)]


def _unwrap(out, eager: bool = False):
    if isinstance(out, Variable):
        out = out.value.copy()
    elif isinstance(out, Tensor):
        out = out.value
    elif isinstance(out, (list, tuple)):
        return type(out)(_unwrap(o, eager) for o in out)
    if eager and type(out) is np.ndarray:
        return out.view(EagerArray)
    return out
