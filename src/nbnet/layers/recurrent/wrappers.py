"""Wrappers: ``Bidirectional`` (an RNN read both ways) and ``TimeDistributed`` (a layer per step)."""

from __future__ import annotations

import numpy as np

from nbnet import ops
from nbnet.autograd import value_of
from nbnet.layers.layer import Layer, _accepts
from nbnet.layers.recurrent.rnn import FoldStatesMixin, _first_mask

_MERGE_MODES = ("concat", "sum", "mul", "ave", None)


class Bidirectional(FoldStatesMixin, Layer):
    """Run an RNN forwards and a copy of it backwards, and merge the two outputs.

    Parameters
    ----------
    layer : RNN
        The forward layer's template (copied from its config; ``go_backwards`` is flipped for the
        backward copy).
    merge_mode : {"concat", "sum", "mul", "ave", None}
        How to combine the outputs; ``None`` returns both, as a list.
    backward_layer : RNN, optional
        Use this layer (with ``go_backwards=True``) for the backward direction.

    Weights: the forward layer's, then the backward layer's (Keras's order).  With
    ``return_sequences`` the backward outputs are re-reversed to line up with the forward ones.
    """

    supports_masking = True

    def __init__(self, layer, merge_mode="concat", weights=None, backward_layer=None, **kwargs):
        super().__init__(**kwargs)
        if merge_mode not in _MERGE_MODES:
            raise ValueError(f"Bidirectional: invalid merge_mode {merge_mode!r}; "
                             f"expected one of {_MERGE_MODES}")
        if not hasattr(layer, "return_sequences") or not hasattr(layer, "go_backwards"):
            raise ValueError(f"Bidirectional: `layer` must be an RNN layer, got {layer!r}")
        from nbnet.saving import deserialize_layer, serialize_layer
        self._layer_config = serialize_layer(layer)
        fwd = dict(self._layer_config, config={**self._layer_config["config"],
                                               "name": f"forward_{layer.name}"})
        self.forward_layer = deserialize_layer(fwd)
        if backward_layer is None:
            bwd = dict(fwd, config={**fwd["config"], "name": f"backward_{layer.name}",
                                    "go_backwards": not layer.go_backwards})
            backward_layer = deserialize_layer(bwd)
        elif backward_layer.go_backwards == layer.go_backwards:
            raise ValueError("Bidirectional: `backward_layer.go_backwards` must be the opposite of "
                             f"`layer.go_backwards` ({layer.go_backwards})")
        self._backward_config = serialize_layer(backward_layer) if backward_layer is not None else None
        self.backward_layer = backward_layer
        self.merge_mode = merge_mode
        self.return_sequences = layer.return_sequences
        self.return_state = layer.return_state
        for sub in (self.forward_layer, self.backward_layer):   # as Keras: masked steps output zeros
            sub.zero_output_for_mask = self.return_sequences
        if weights is not None:
            raise NotImplementedError("Bidirectional: pass weights with set_weights() after building")

    def build(self, input_shape) -> None:
        seq = input_shape[0] if isinstance(input_shape, list) else input_shape
        self.forward_layer._maybe_build(seq)
        self.backward_layer._maybe_build(seq)
        self.built = True

    def compute_output_shape(self, input_shape):
        seq = input_shape[0] if isinstance(input_shape, list) else input_shape
        f = self.forward_layer.compute_output_shape(seq)
        b = self.backward_layer.compute_output_shape(seq)
        out_f, out_b = (f[0], b[0]) if self.return_state else (f, b)
        if self.merge_mode == "concat":
            outs = [tuple(out_f[:-1]) + (out_f[-1] + out_b[-1],)]
        elif self.merge_mode is None:
            outs = [out_f, out_b]
        else:
            outs = [out_f]
        if self.return_state:
            return outs + list(f[1:]) + list(b[1:])
        return outs if self.merge_mode is None else outs[0]

    def compute_mask(self, inputs, mask=None):
        mask = _first_mask(mask)
        out = mask if self.return_sequences else None
        outs = [out, out] if self.merge_mode is None else [out]
        if self.return_state:
            n = len(self.forward_layer.state_sizes) + len(self.backward_layer.state_sizes)
            return outs + [None] * n
        return outs if self.merge_mode is None else outs[0]

    def call(self, inputs, training=False, mask=None):
        x, states, _ = self._split_inputs(inputs)
        half = len(states) // 2
        f_init, b_init = (states[:half], states[half:]) if states else (None, None)
        y_f = self.forward_layer(x, initial_state=f_init, training=training, mask=mask)
        y_b = self.backward_layer(x, initial_state=b_init, training=training, mask=mask)
        s_f, s_b = [], []
        if self.return_state:
            (y_f, *s_f), (y_b, *s_b) = y_f, y_b
        if self.return_sequences:
            y_b = ops.take_slice(y_b, (slice(None), slice(None, None, -1)))   # back to forward time order
        if self.merge_mode == "concat":
            out = [ops.concatenate([y_f, y_b], axis=-1)]
        elif self.merge_mode == "sum":
            out = [y_f + y_b]
        elif self.merge_mode == "mul":
            out = [y_f * y_b]
        elif self.merge_mode == "ave":
            out = [(y_f + y_b) * 0.5]
        else:
            out = [y_f, y_b]
        if self.return_state:
            return out + s_f + s_b
        return out if self.merge_mode is None else out[0]

    def reset_states(self, states=None) -> None:
        self.forward_layer.reset_states(None if states is None else states[:len(states) // 2])
        self.backward_layer.reset_states(None if states is None else states[len(states) // 2:])

    def get_config(self) -> dict:
        config = {**super().get_config(), "layer": self._layer_config, "merge_mode": self.merge_mode}
        if self._backward_config is not None:
            config["backward_layer"] = self._backward_config
        return config

    @classmethod
    def from_config(cls, config: dict, custom_objects=None) -> Bidirectional:
        from nbnet.saving import deserialize_layer
        config = dict(config)
        layer = deserialize_layer(config.pop("layer"), custom_objects)
        back = config.pop("backward_layer", None)
        back = deserialize_layer(back, custom_objects) if back is not None else None
        return cls(layer, backward_layer=back, **config)


class TimeDistributed(Layer):
    """Apply ``layer`` to every time step: (N, T, ...) → (N·T, ...) → layer → (N, T, ...).

    Parameters
    ----------
    layer : Layer
        Shared across steps (one set of weights).
    """

    supports_masking = True

    def __init__(self, layer, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(layer, Layer):
            raise ValueError(f"TimeDistributed: `layer` must be a Layer instance, got {layer!r}")
        self.layer = layer

    def build(self, input_shape) -> None:
        if len(input_shape) < 3:
            raise ValueError(f'Layer "{self.name}": TimeDistributed needs inputs of rank >= 3 '
                             f"(batch, time, ...), got shape {tuple(input_shape)}")
        self.layer._maybe_build((None,) + tuple(input_shape[2:]))
        self.built = True

    def compute_output_shape(self, input_shape):
        inner = self.layer.compute_output_shape((None,) + tuple(input_shape[2:]))
        return (input_shape[0], input_shape[1]) + tuple(inner[1:])

    def call(self, inputs, training=False, mask=None):
        shape = np.shape(value_of(inputs))
        N, T = shape[:2]
        x = ops.reshape(inputs, (N * T,) + tuple(shape[2:]))              # (N, T, …) → (N·T, …)
        kwargs = {"training": training}
        if mask is not None and (_accepts(type(self.layer).call, "mask")
                                 or _accepts(type(self.layer).forward, "mask")):
            kwargs["mask"] = np.reshape(mask, (N * T,) + np.shape(mask)[2:])
        y = self.layer(x, **kwargs)
        return ops.reshape(y, (N, T) + tuple(np.shape(value_of(y))[1:]))   # back to (N, T, …)

    def get_config(self) -> dict:
        from nbnet.saving import serialize_layer
        return {**super().get_config(), "layer": serialize_layer(self.layer)}

    @classmethod
    def from_config(cls, config: dict, custom_objects=None) -> TimeDistributed:
        from nbnet.saving import deserialize_layer
        config = dict(config)
        return cls(deserialize_layer(config.pop("layer"), custom_objects), **config)
