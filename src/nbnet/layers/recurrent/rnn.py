"""``RNN(cell)``: run a cell over the time axis (``keras.layers.RNN``).

Two paths, one layer:

* a built-in cell (SimpleRNNCell, LSTMCell, GRUCell with built-in activations) runs the
  hand-written BPTT of :mod:`~nbnet.layers.recurrent.bptt` as one fused autograd node;
* any other cell — a ``Layer`` with ``state_size`` and ``call(inputs, states) -> (output, new_states)``
  — is looped over time in Python and differentiated through the ``nbnet.ops`` it uses.

``initial_state=`` and ``constants=`` are call arguments; :meth:`RNN.__call__` appends them to the
inputs list (``[sequences, *initial_state, *constants]``) so they are graph inputs that receive
gradients, in eager calls and in functional models alike.
"""

from __future__ import annotations

import numpy as np

from nbnet.autograd import Tensor, value_of
from nbnet.layers.input_spec import InputSpec
from nbnet.layers.layer import Layer, _accepts, _record_several
from nbnet.layers.recurrent import bptt
from nbnet.layers.recurrent.cells import GRUCell, LSTMCell, SimpleRNNCell
from nbnet.variables import Variable

_BUILTIN_CELLS = (SimpleRNNCell, LSTMCell, GRUCell)


def _as_list(x) -> list:
    if x is None:
        return []
    return list(x) if isinstance(x, (list, tuple)) else [x]


def _sizes(state_size) -> list:
    return [int(s) for s in _as_list(state_size)]


def _first_mask(mask):
    return mask[0] if isinstance(mask, (list, tuple)) else mask


class FoldStatesMixin:
    """Turn the call arguments ``initial_state`` / ``constants`` into extra inputs."""

    _num_constants = 0

    def __call__(self, inputs, initial_state=None, constants=None, mask=None, training=None, **kwargs):
        if initial_state is None and constants is None:
            full = _as_list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
        else:
            if isinstance(inputs, (list, tuple)):
                raise ValueError(f"Layer {self.name!r}: pass the sequences as one tensor when giving "
                                 "`initial_state=` or `constants=`")
            self._num_constants = len(_as_list(constants))
            full = [inputs, *_as_list(initial_state), *_as_list(constants)]
        self.input_spec = [InputSpec(ndim=3)] + [None] * (len(full) - 1)
        return super().__call__(full if len(full) > 1 else full[0], mask=_first_mask(mask),
                                training=training, **kwargs)

    def _split_inputs(self, inputs):
        """``(sequences, initial_states, constants)`` from the (possibly folded) inputs."""
        if not isinstance(inputs, (list, tuple)):
            return inputs, [], []
        n_c = self._num_constants
        rest = list(inputs[1:])
        return inputs[0], rest[:len(rest) - n_c], rest[len(rest) - n_c:]


class RNN(FoldStatesMixin, Layer):
    """Base class for recurrent layers: apply ``cell`` to every time step.

    Parameters
    ----------
    cell : Layer
        Has ``state_size`` (int or list of int) and ``call(inputs, states) -> (output, new_states)``.
    return_sequences : bool
        Return the output of every step ``(N, T, u)`` instead of the last ``(N, u)``.
    return_state : bool
        Return ``[output, *final_states]``.
    go_backwards : bool
        Process the sequence in reverse (outputs come in the processing order, as Keras).
    stateful : bool
        Carry the final states of one batch into the next (fixed batch size; see :meth:`reset_states`).
    unroll : bool
        Accepted for Keras compatibility; the loop is always a Python loop.
    zero_output_for_mask : bool
        Output zeros (instead of the carried output) at masked steps.

    Call arguments: ``inputs`` (N, T, D), ``initial_state`` (list of (N, s) arrays), ``constants``
    (generic path only), ``mask`` (N, T) bool, ``training``.
    """

    supports_masking = True

    def __init__(self, cell, return_sequences: bool = False, return_state: bool = False,
                 go_backwards: bool = False, stateful: bool = False, unroll: bool = False,
                 zero_output_for_mask: bool = False, **kwargs):
        super().__init__(**kwargs)
        if isinstance(cell, (list, tuple)):
            raise NotImplementedError(f"RNN {self.name!r}: stacked cells (a list) are not supported; "
                                      "stack RNN layers with return_sequences=True instead")
        if not hasattr(cell, "call") or not hasattr(cell, "state_size"):
            raise ValueError(f"RNN {self.name!r}: argument `cell` should have a `call` method and a "
                             f"`state_size` attribute, got {cell!r}")
        self.cell = cell
        self.return_sequences, self.return_state = return_sequences, return_state
        self.go_backwards, self.stateful, self.unroll = go_backwards, stateful, unroll
        self.zero_output_for_mask = zero_output_for_mask
        self.states = None
        self._fused = type(cell) in _BUILTIN_CELLS and cell.fusable()
        self.input_spec = InputSpec(ndim=3)

    # --- weights are the cell's -------------------------------------------------------------
    def _own_trainable(self):
        return self.cell._own_trainable()

    @property
    def state_sizes(self) -> list:
        return _sizes(self.cell.state_size)

    def build(self, input_shape) -> None:
        seq = input_shape[0] if isinstance(input_shape, list) else input_shape
        if len(seq) != 3:
            raise ValueError(f'Input 0 of layer "{self.name}" is incompatible with the layer: expected '
                             f"ndim=3 (batch, timesteps, features), found ndim={len(seq)}. "
                             f"Full shape received: {tuple(seq)}")
        if not self.cell.built:
            self.cell._maybe_build((seq[0], seq[-1]))
        self.built = True

    def compute_output_shape(self, input_shape):
        seq = input_shape[0] if isinstance(input_shape, list) else input_shape
        size = getattr(self.cell, "output_size", None) or self.state_sizes[0]
        out = (seq[0], seq[1], size) if self.return_sequences else (seq[0], size)
        if self.return_state:
            return [out] + [(seq[0], s) for s in self.state_sizes]
        return out

    def compute_mask(self, inputs, mask=None):
        mask = _first_mask(mask)
        out = mask if self.return_sequences else None
        return [out] + [None] * len(self.state_sizes) if self.return_state else out

    # --- states -----------------------------------------------------------------------------
    def get_initial_state(self, batch_size: int) -> list:
        return [np.zeros((batch_size, s), dtype=self.dtype) for s in self.state_sizes]

    def _initial_states(self, given: list, batch: int, dtype) -> list:
        """The states at t = 0: given, carried (stateful) or zeros — validated against state_size."""
        sizes = self.state_sizes
        if given:
            if len(given) != len(sizes):
                raise ValueError(f"RNN layer {self.name!r} expects {len(sizes)} initial state(s) (the cell's "
                                 f"state_size is {self.cell.state_size}), but received {len(given)}")
            for i, (s, size) in enumerate(zip(given, sizes)):
                if tuple(np.shape(value_of(s))) != (batch, size):
                    raise ValueError(f"RNN layer {self.name!r}: initial state {i} should have shape "
                                     f"({batch}, {size}) (batch, state_size), got {np.shape(value_of(s))}")
            return list(given)
        if not self.stateful:
            return [np.zeros((batch, s), dtype=dtype) for s in sizes]
        if self.states is None:
            self.states = [Variable(np.zeros((batch, s), dtype=dtype), name="rnn_state", trainable=False)
                           for s in sizes]
        if self.states[0].shape[0] != batch:
            raise ValueError(f"RNN layer {self.name!r} is stateful, so the batch size must stay the same: "
                             f"expected batch size {self.states[0].shape[0]}, received {batch}")
        return [v.value.copy() for v in self.states]

    def reset_states(self, states=None) -> None:
        """Set the carried states of a stateful RNN to zeros, or to ``states`` (list of arrays)."""
        if not self.stateful:
            raise AttributeError(f"Layer {self.name!r} is not stateful (stateful=False): no states to reset")
        if self.states is None:
            if states is None:
                return
            self._initial_states([], len(_as_list(states)[0]), self.dtype)
        values = _as_list(states) if states is not None else [np.zeros(v.shape) for v in self.states]
        if len(values) != len(self.states):
            raise ValueError(f"RNN layer {self.name!r} expects {len(self.states)} state array(s), "
                             f"received {len(values)}")
        for var, val in zip(self.states, values):
            var.assign(np.asarray(value_of(val), dtype=var.dtype))

    reset_state = reset_states

    def _keep_states(self, final: list) -> None:
        if self.stateful:
            if self.states is None:
                self.states = [Variable(np.zeros(np.shape(value_of(s)), dtype=value_of(s).dtype),
                                        name="rnn_state", trainable=False) for s in final]
            for var, s in zip(self.states, final):
                var.assign(value_of(s))

    # --- fused path: built-in cells, hand-written BPTT ---------------------------------------
    def forward(self, inputs, training: bool = False, mask=None):
        x, given, constants = self._split_inputs(inputs)
        if constants:
            raise ValueError(f"RNN {self.name!r}: the built-in {type(self.cell).__name__} does not take "
                             "`constants`; write a custom cell whose call accepts `constants`")
        N, T, D = x.shape
        states = [np.asarray(s, dtype=x.dtype) for s in self._initial_states(given, N, x.dtype)]
        cell = self.cell
        X = np.ascontiguousarray(x.transpose(1, 0, 2))                 # time-major (T, N, D)
        m = None if mask is None else np.asarray(mask, dtype=x.dtype).T[..., None]   # (T, N, 1)
        if self.go_backwards:
            X, m = X[::-1], (None if m is None else m[::-1])
        m_x, m_h = cell.dropout_masks(N, D, x.dtype, training)            # one mask per sequence
        if m_x is not None:
            X = X * m_x                                                  # X̃ = m_x ⊙ X at every step
        XW = (X.reshape(T * N, D) @ cell.kernel.value).reshape(T, N, -1)   # X̃ W for all steps at once
        if cell.use_bias:
            XW += cell._input_bias()                                     # + b
        kernel = cell._kernel(m_h)
        outs, final, caches = bptt.run_forward(kernel, XW, states, m)
        if self.zero_output_for_mask and m is not None:
            outs = outs * m
        self._keep_states(final)
        y = outs.transpose(1, 0, 2) if self.return_sequences else outs[-1]
        cache = (X, m, kernel, caches, len(given), x.shape, m_x)
        return ([y, *final] if self.return_state else y), cache

    def backward(self, grad, cache, need_input_grad=True):
        X, m, kernel, caches, n_given, shape, m_x = cache
        N, T, D = shape
        g, d_states = (grad[0], list(grad[1:])) if self.return_state else (grad, None)
        d_states = d_states or [np.zeros((N, s), dtype=X.dtype) for s in self.state_sizes]
        if self.zero_output_for_mask and m is not None:
            g = g * (m.transpose(1, 0, 2) if self.return_sequences else m[-1])   # zeroed outputs pass none
        d_outs = np.ascontiguousarray(g.transpose(1, 0, 2)) if self.return_sequences else None
        dZx, dZh, d_init = bptt.run_backward(kernel, d_outs, None if self.return_sequences else g,
                                             d_states, caches, m)
        dW, dU, db = kernel.weight_grads(X.reshape(T * N, D), dZx, dZh, caches)
        cell = self.cell
        weights = [cell.kernel, cell.recurrent_kernel] + ([cell.bias] if cell.use_bias else [])
        grads = [gw for w, gw in zip(weights, [dW, dU, db]) if w.trainable]
        need = need_input_grad if isinstance(need_input_grad, list) else [need_input_grad]
        dx = None
        if need[0]:
            dX = (dZx @ cell.kernel.value.T).reshape(T, N, D)              # dL/dX̃ = dZx Wᵀ
            if m_x is not None:
                dX *= m_x                                                  # dL/dX = m_x ⊙ dL/dX̃
            dx = (dX[::-1] if self.go_backwards else dX).transpose(1, 0, 2)
        if n_given == 0:
            return dx, grads
        return [dx, *[d if n else None for d, n in zip(d_init, need[1:])]], grads

    # --- generic path: any cell, differentiated through nbnet.ops -----------------------------
    def call(self, inputs, training=False, mask=None):
        if self._fused:
            return self.forward(inputs, training=bool(training), mask=mask)[0]
        x, given, constants = self._split_inputs(inputs)
        N, T = np.shape(value_of(x))[:2]
        states = self._initial_states(given, N, value_of(x).dtype)
        kwargs = self._cell_kwargs(training, constants)
        steps = _unstack_time(x)
        mask = None if mask is None else np.asarray(mask, dtype=bool)
        order = range(T - 1, -1, -1) if self.go_backwards else range(T)
        _reset_dropout_masks(self.cell)                           # fresh masks for this sequence
        outs, y = [], None
        for t in order:
            out, new = self.cell(steps[t], states, **kwargs)
            new = _as_list(new)
            if mask is not None:                                  # masked step: keep output and states
                m = mask[:, t:t + 1]
                y = np.zeros_like(value_of(out)) if y is None else y
                out = _where(m, out, y)
                new = [_where(m, s_new, s) for s_new, s in zip(new, states)]
            outs.append(out)
            states, y = new, out
        _reset_dropout_masks(self.cell)
        return self._finish(outs, states, mask)

    def _cell_kwargs(self, training, constants) -> dict:
        kwargs = {"training": training} if _accepts(type(self.cell).call, "training") else {}
        if constants:
            if not _accepts(type(self.cell).call, "constants"):
                raise ValueError(f"RNN {self.name!r}: `constants` were given but the cell's call() does "
                                 "not accept a `constants` argument")
            kwargs["constants"] = constants
        return kwargs

    def _finish(self, outs, states, mask):
        from nbnet import ops
        if self.zero_output_for_mask and mask is not None:
            seq_mask = mask[:, ::-1] if self.go_backwards else mask
            outs = [_where(seq_mask[:, t:t + 1], o, 0.0) for t, o in enumerate(outs)]
        y = ops.stack(outs, axis=1) if self.return_sequences else outs[-1]
        self._keep_states(states)
        return [y, *states] if self.return_state else y

    # --- config -------------------------------------------------------------------------------
    def get_config(self) -> dict:
        from nbnet.saving import serialize_layer
        return {**super().get_config(), "cell": serialize_layer(self.cell),
                "return_sequences": self.return_sequences, "return_state": self.return_state,
                "go_backwards": self.go_backwards, "stateful": self.stateful, "unroll": self.unroll,
                "zero_output_for_mask": self.zero_output_for_mask}

    @classmethod
    def from_config(cls, config: dict, custom_objects=None) -> RNN:
        from nbnet.saving import deserialize_layer
        config = dict(config)
        cell = deserialize_layer(config.pop("cell"), custom_objects)
        return cls(cell, **config)


def _reset_dropout_masks(cell) -> None:
    for name in ("reset_dropout_mask", "reset_recurrent_dropout_mask"):
        if callable(getattr(cell, name, None)):
            getattr(cell, name)()


def _where(m, a, b):
    from nbnet import ops
    if isinstance(a, Tensor) or isinstance(b, Tensor):
        return ops.where(m, a, b)
    return np.where(m, a, b)


def _unstack_time(x) -> list:
    """Split (N, T, ...) into T arrays (N, ...); the gradient is stacked back in one step."""
    v = value_of(x)
    steps = [v[:, t] for t in range(v.shape[1])]
    if not isinstance(x, Tensor):
        return steps
    return _record_several(steps, (x,), lambda gs: (np.stack(gs, axis=1),))
