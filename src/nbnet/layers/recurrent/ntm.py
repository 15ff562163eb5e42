"""Neural Turing machine (Graves, Wayne & Danihelka, 2014) as a recurrent cell for ``layers.RNN``.

A controller (here a dense layer: the network-zoo chart's "feed-forward network with its memory
taken out") reads the input and the previous read vector, and emits the parameters of two heads,
one that reads and one that writes an external memory ``M`` of ``memory_size`` rows of
``memory_width`` numbers.  Each head addresses the memory with a weighting ``w`` over its rows,
computed in four steps (the paper's equations 5–9, ``K`` the cosine similarity):

* content: ``w^c_i = softmax_i(β K(k, M_i))`` — rows that look like the key ``k``;
* interpolation: ``w^g = g w^c + (1 − g) w_{t−1}`` — the gate ``g`` chooses content or location;
* convolutional shift: ``w̃_i = Σ_j w^g_j s_{i−j}`` (indices modulo ``memory_size``) — move by
  −R … +R rows with the probabilities ``s``;
* sharpening: ``w_i = w̃_i^γ / Σ_j w̃_j^γ`` with ``γ ≥ 1`` — undo the blur of the shift.

Reading is ``r = Σ_i w_i M_i``; writing erases, then adds: ``M_i ← M_i ⊙ (1 − w_i e) + w_i a``.

The cell is written only with ``nbnet.ops``, so ``RNN`` loops it in Python and nbnet's tape
autograd differentiates it.  Its states are ``[r, w_read, w_write, M]`` (``M`` flattened), stored
as offsets from the start state — ``M_0 = 10⁻⁶`` everywhere and both heads on row 0 — so that the
zero initial state ``RNN`` supplies is the usual NTM start.
"""

from __future__ import annotations

import numpy as np

from nbnet import ops
from nbnet.autograd import value_of
from nbnet.layers.core import Dense
from nbnet.layers.layer import Layer

_EPS = 1e-8
MEMORY_INIT = 1e-6          # M_0: a small constant (Collier & Beel, 2018 found it trains best)


def content_weights(memory, key, beta):
    """``softmax_i(β · cos(k, M_i))``: memory (N, R, W), key (N, W), beta (N, 1) → (N, R)."""
    dot = ops.einsum("nrw,nw->nr", memory, key)
    norms = ops.sqrt(ops.sum(ops.square(memory), axis=-1) + _EPS) * ops.sqrt(
        ops.sum(ops.square(key), axis=-1, keepdims=True) + _EPS)
    return ops.softmax(beta * dot / norms, axis=-1)


def shift_weights(w, shift, shift_range: int):
    """Circular convolution ``w̃_i = Σ_k s_k w_{i−k}``, k = −R … R: w (N, R_mem), shift (N, 2R+1)."""
    rows = value_of(w).shape[-1]
    out = 0.0
    for j, k in enumerate(range(-shift_range, shift_range + 1)):
        rolled = w[:, (np.arange(rows) - k) % rows]          # rolled_i = w_{i−k}
        out = out + shift[:, j:j + 1] * rolled
    return out


def sharpen(w, gamma):
    """``w^γ / Σ w^γ`` (γ ≥ 1), computed as exp(γ log w) for a differentiable exponent."""
    powered = ops.exp(gamma * ops.log(w + _EPS))
    return powered / ops.sum(powered, axis=-1, keepdims=True)


def address(memory, w_prev, params: dict, shift_range: int):
    """One head's weighting from its parameters (``key, beta, gate, shift, gamma``): (N, R_mem)."""
    w_c = content_weights(memory, params["key"], params["beta"])
    w_g = params["gate"] * w_c + (1.0 - params["gate"]) * w_prev
    return sharpen(shift_weights(w_g, params["shift"], shift_range), params["gamma"])


class NTMCell(Layer):
    """One step of a neural Turing machine with a dense controller, one read and one write head.

    Parameters
    ----------
    output_dim : int
        Width of the cell's output (logits; add a sigmoid or softmax in the loss).
    controller_units : int
        Width of the dense controller.
    memory_size : int
        Number of memory rows ``R``.
    memory_width : int
        Width ``W`` of a memory row.
    shift_range : int
        The heads can move by −``shift_range`` … +``shift_range`` rows per step.
    controller_activation : str
        Activation of the controller.

    Call: ``cell(x_t, [r, w_read, w_write, M])`` with x_t (N, D) returns
    ``(y_t (N, output_dim), new_states)``; state sizes ``[W, R, R, R·W]``.
    """

    def __init__(self, output_dim: int, controller_units: int = 100, memory_size: int = 128,
                 memory_width: int = 20, shift_range: int = 1, controller_activation: str = "tanh",
                 **kwargs):
        super().__init__(**kwargs)
        for name, value in (("output_dim", output_dim), ("controller_units", controller_units),
                            ("memory_size", memory_size), ("memory_width", memory_width)):
            if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
                raise ValueError(f"NTMCell: `{name}` must be a positive integer, got {value!r}")
        if not isinstance(shift_range, (int, np.integer)) or not 0 <= 2 * shift_range < memory_size:
            raise ValueError(f"NTMCell: `shift_range` must be an integer in [0, memory_size / 2), "
                             f"got {shift_range!r} with memory_size={memory_size}")
        self.output_dim, self.controller_units = int(output_dim), int(controller_units)
        self.memory_size, self.memory_width = int(memory_size), int(memory_width)
        self.shift_range, self.controller_activation = int(shift_range), controller_activation
        width, shifts = self.memory_width, 2 * self.shift_range + 1
        # per head: key W, β 1, g 1, s 2R+1, γ 1; the write head adds erase W and add W
        self._head_sizes = {"read": width + 3 + shifts, "write": 3 * width + 3 + shifts}
        self.controller = Dense(self.controller_units, activation=controller_activation, name="controller")
        self.heads = Dense(sum(self._head_sizes.values()), name="heads")
        self.readout = Dense(self.output_dim, name="readout")

    @property
    def state_size(self) -> list:
        return [self.memory_width, self.memory_size, self.memory_size,
                self.memory_size * self.memory_width]

    @property
    def output_size(self) -> int:
        return self.output_dim

    def build(self, input_shape) -> None:
        n, d = input_shape[0], input_shape[-1]
        self.controller.build((n, d + self.memory_width))
        self.heads.build((n, self.controller_units))
        self.readout.build((n, self.controller_units + self.memory_width))
        self.built = True

    def _head_params(self, h) -> tuple[dict, dict]:
        """Split the controller's head layer into the read and the write head's parameters."""
        raw = self.heads(h)
        W, S = self.memory_width, 2 * self.shift_range + 1
        out, start = [], 0
        for name in ("read", "write"):
            p = raw[:, start:start + self._head_sizes[name]]
            start += self._head_sizes[name]
            head = {"key": ops.tanh(p[:, :W]), "beta": ops.softplus(p[:, W:W + 1]),
                    "gate": ops.sigmoid(p[:, W + 1:W + 2]),
                    "shift": ops.softmax(p[:, W + 2:W + 2 + S], axis=-1),
                    "gamma": 1.0 + ops.softplus(p[:, W + 2 + S:W + 3 + S])}
            if name == "write":
                head["erase"] = ops.sigmoid(p[:, W + 3 + S:2 * W + 3 + S])
                head["add"] = ops.tanh(p[:, 2 * W + 3 + S:])
            out.append(head)
        return out[0], out[1]

    def _start(self, n: int, dtype) -> tuple[np.ndarray, np.ndarray]:
        """The start state the zero state stands for: M_0 = 10⁻⁶, weightings one-hot on row 0."""
        w0 = np.zeros((n, self.memory_size), dtype)
        w0[:, 0] = 1.0
        return np.full((n, self.memory_size * self.memory_width), MEMORY_INIT, dtype), w0

    def call(self, inputs, states):
        r_prev, dw_read, dw_write, dmem = states
        n = np.shape(value_of(inputs))[0]
        m0, w0 = self._start(n, value_of(inputs).dtype)
        memory = ops.reshape(dmem + m0, (n, self.memory_size, self.memory_width))
        h = self.controller(ops.concatenate([inputs, r_prev], axis=-1))
        read_p, write_p = self._head_params(h)
        w_read = address(memory, dw_read + w0, read_p, self.shift_range)
        w_write = address(memory, dw_write + w0, write_p, self.shift_range)
        r = ops.einsum("nr,nrw->nw", w_read, memory)                       # r = Σ_i w_i M_i
        # M_i ← M_i ⊙ (1 − w_i e) + w_i a
        erase = ops.einsum("nr,nw->nrw", w_write, write_p["erase"])
        added = ops.einsum("nr,nw->nrw", w_write, write_p["add"])
        memory = memory * (1.0 - erase) + added
        y = self.readout(ops.concatenate([h, r], axis=-1))
        flat = ops.reshape(memory, (n, self.memory_size * self.memory_width))
        return y, [r, w_read - w0, w_write - w0, flat - m0]

    def get_config(self) -> dict:
        return {**super().get_config(), "output_dim": self.output_dim,
                "controller_units": self.controller_units, "memory_size": self.memory_size,
                "memory_width": self.memory_width, "shift_range": self.shift_range,
                "controller_activation": self.controller_activation}


def trace(cell: NTMCell, x: np.ndarray) -> dict:
    """Run ``cell`` over sequences ``x`` (N, T, D) from the start state, keeping every step.

    Returns
    -------
    dict
        ``"outputs"`` (N, T, output_dim), ``"read"`` and ``"write"`` weightings (N, T, R) and
        ``"memory"`` (N, T, R, W) after each step — what a figure of the attention needs.
    """
    x = np.asarray(x)
    n, steps = x.shape[:2]
    states = [np.zeros((n, s), x.dtype) for s in cell.state_size]
    keep = {"outputs": [], "read": [], "write": [], "memory": []}
    m0, w0 = cell._start(n, x.dtype)
    for t in range(steps):
        y, states = cell(x[:, t], states)
        states = [np.asarray(value_of(s)) for s in states]
        keep["outputs"].append(np.asarray(value_of(y)))
        keep["read"].append(states[1] + w0)
        keep["write"].append(states[2] + w0)
        keep["memory"].append((states[3] + m0).reshape(n, cell.memory_size, cell.memory_width))
    return {k: np.stack(v, axis=1) for k, v in keep.items()}
