"""Recurrent cells: one time step of SimpleRNN, LSTM and GRU (``keras.layers.*Cell``).

A cell maps ``(x_t, states_{t−1})`` to ``(output_t, states_t)``.  Its ``call`` is written with
``nbnet.ops`` so it works on Tensors (and is differentiated by autograd) — that is what the generic
``RNN`` loop uses for user-written cells.  When a built-in cell sits inside an ``RNN`` layer, the
layer instead runs the hand-written BPTT of :mod:`nbnet.layers.recurrent.bptt` (``_kernel``).

Weights (Keras's names, shapes and order): ``kernel`` (D, G), ``recurrent_kernel`` (u, G),
``bias`` (G,) — with G = u, 4u (gates i, f, c, o) or 3u (gates z, r, h); GRU with
``reset_after=True`` has ``bias`` (2, 3u): row 0 for the input, row 1 for the recurrent part.
"""

from __future__ import annotations

import numpy as np

from nbnet import activations, initializers, ops, regularizers
from nbnet.autograd import value_of
from nbnet.layers.layer import Layer
from nbnet.layers.recurrent import bptt
from nbnet.utils.rng import generator


class _Cell(Layer):
    """What the three built-in cells share: units, activations, initializers, regularizers."""

    _gates = 1

    def __init__(self, units: int, activation="tanh", use_bias: bool = True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, dropout: float = 0.0, recurrent_dropout: float = 0.0,
                 seed=None, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(units, (int, np.integer)) or isinstance(units, bool) or units <= 0:
            raise ValueError(f"{type(self).__name__}: `units` must be a positive integer, got {units!r}")
        for arg, rate in (("dropout", dropout), ("recurrent_dropout", recurrent_dropout)):
            if not isinstance(rate, (int, float, np.number)) or not 0 <= rate < 1:
                raise ValueError(f"{type(self).__name__}: `{arg}` must be a float in [0, 1), got {rate!r}")
        self.units = int(units)
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.dropout, self.recurrent_dropout, self.seed = float(dropout), float(recurrent_dropout), seed
        self._rng = np.random.default_rng(seed) if seed is not None else None
        self._masks = None

    @property
    def state_size(self):
        return self.units

    @property
    def output_size(self) -> int:
        return self.units

    def build(self, input_shape) -> None:
        d, g = input_shape[-1], self._gates * self.units
        self.kernel = self.add_weight((d, g), self.kernel_initializer,
                                      regularizer=self.kernel_regularizer, name="kernel")
        self.recurrent_kernel = self.add_weight((self.units, g), self.recurrent_initializer,
                                                regularizer=self.recurrent_regularizer,
                                                name="recurrent_kernel")
        self.bias = (self.add_weight(self._bias_shape(), self._bias_init(), name="bias",
                                     regularizer=self.bias_regularizer) if self.use_bias else None)
        self.built = True

    def _bias_shape(self):
        return (self._gates * self.units,)

    def _bias_init(self):
        return self.bias_initializer

    def _act_names(self) -> list:
        return [activations.name_of(self.activation)]

    def fusable(self) -> bool:
        """True when every activation is a built-in one, so the hand-written BPTT applies."""
        return None not in self._act_names()

    def _input_bias(self):
        return None if self.bias is None else self.bias.value

    # --- dropout: one mask per sequence, reused at every time step ------------------------------
    def _keep_mask(self, rate: float, shape: tuple, dtype):
        """Inverted-dropout keep mask: 0 with probability ``rate``, else 1 / (1 − rate)."""
        rng = self._rng or generator()
        return (rng.random(shape, dtype=np.float32) >= rate) / np.asarray(1 - rate, dtype)

    def dropout_masks(self, batch: int, input_dim: int, dtype, training: bool = True) -> tuple:
        """Draw the masks of one sequence: ``m_x`` (N, D) for the inputs, ``m_h`` (N, u) for h_{t−1}.

        Each is ``None`` when its rate is 0 or ``training`` is false.  ``m_x`` is drawn first.
        """
        m_x = m_h = None
        if training and self.dropout > 0:
            m_x = self._keep_mask(self.dropout, (batch, input_dim), dtype)
        if training and self.recurrent_dropout > 0:
            m_h = self._keep_mask(self.recurrent_dropout, (batch, self.units), dtype)
        return m_x, m_h

    def reset_dropout_mask(self) -> None:
        """Forget the cached masks; the generic ``RNN`` loop calls this once per sequence."""
        self._masks = None

    reset_recurrent_dropout_mask = reset_dropout_mask

    def _apply_dropout(self, inputs, h_prev, training):
        """``(x̃_t, h̃_{t−1}) = (m_x ⊙ x_t, m_h ⊙ h_{t−1})`` with the masks cached for the sequence."""
        if not training or not (self.dropout or self.recurrent_dropout):
            return inputs, h_prev
        if self._masks is None:
            n, d = np.shape(value_of(inputs))
            self._masks = self.dropout_masks(n, d, value_of(inputs).dtype, training=True)
        m_x, m_h = self._masks
        return (inputs if m_x is None else inputs * m_x), (h_prev if m_h is None else h_prev * m_h)

    def get_config(self) -> dict:
        return {**super().get_config(), "units": self.units,
                "activation": activations.serialize(self.activation), "use_bias": self.use_bias,
                "kernel_initializer": initializers.serialize(self.kernel_initializer),
                "recurrent_initializer": initializers.serialize(self.recurrent_initializer),
                "bias_initializer": initializers.serialize(self.bias_initializer),
                "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
                "recurrent_regularizer": regularizers.serialize(self.recurrent_regularizer),
                "bias_regularizer": regularizers.serialize(self.bias_regularizer),
                "dropout": self.dropout, "recurrent_dropout": self.recurrent_dropout, "seed": self.seed}


def _prev(states):
    return states[0] if isinstance(states, (list, tuple)) else states


class SimpleRNNCell(_Cell):
    """``h_t = activation(x_t W + h_{t−1} U + b)``; state and output are h_t (size ``units``)."""

    def call(self, inputs, states, training=False):
        x, h_rec = self._apply_dropout(inputs, _prev(states), training)
        z = ops.matmul(x, self.kernel) + ops.matmul(h_rec, self.recurrent_kernel)
        if self.use_bias:
            z = z + self.bias
        h = self.activation(z)
        return h, [h] if isinstance(states, (list, tuple)) else h

    def _kernel(self, m_h=None):
        return bptt.SimpleRNNKernel(self.recurrent_kernel.value, self._act_names()[0], m_h)


class LSTMCell(_Cell):
    """Long short-term memory cell; states ``[h, c]``; gates i, f, c̃, o (Keras order).

    ``unit_forget_bias=True`` starts the forget-gate bias at 1 (Jozefowicz et al., 2015).
    """

    _gates = 4

    def __init__(self, units: int, activation="tanh", recurrent_activation="sigmoid",
                 unit_forget_bias: bool = True, **kwargs):
        super().__init__(units, activation=activation, **kwargs)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.unit_forget_bias = unit_forget_bias

    @property
    def state_size(self):
        return [self.units, self.units]

    def _bias_init(self):
        if not self.unit_forget_bias:
            return self.bias_initializer
        base, u = self.bias_initializer, self.units

        def init(shape, dtype=None):   # [b_i, 1, b_c, b_o]
            return np.concatenate([base((u,), dtype=dtype), np.ones(u, dtype=dtype),
                                   base((2 * u,), dtype=dtype)])
        return init

    def _act_names(self) -> list:
        return [activations.name_of(self.activation), activations.name_of(self.recurrent_activation)]

    def call(self, inputs, states, training=False):
        h_prev, c_prev = states
        u = self.units
        x, h_rec = self._apply_dropout(inputs, h_prev, training)
        z = ops.matmul(x, self.kernel) + ops.matmul(h_rec, self.recurrent_kernel)
        if self.use_bias:
            z = z + self.bias
        i = self.recurrent_activation(z[:, :u])
        f = self.recurrent_activation(z[:, u:2 * u])
        g = self.activation(z[:, 2 * u:3 * u])
        o = self.recurrent_activation(z[:, 3 * u:])
        c = f * c_prev + i * g
        h = o * self.activation(c)
        return h, [h, c]

    def _kernel(self, m_h=None):
        act, rec = self._act_names()
        return bptt.LSTMKernel(self.recurrent_kernel.value, act, rec, m_h)

    def get_config(self) -> dict:
        return {**super().get_config(),
                "recurrent_activation": activations.serialize(self.recurrent_activation),
                "unit_forget_bias": self.unit_forget_bias}


class GRUCell(_Cell):
    """Gated recurrent unit cell; gates z, r, h̃ (Keras order).

    ``reset_after=True`` (default, the cuDNN/PyTorch form) applies the reset gate after the
    recurrent matmul and gives the bias shape (2, 3u).
    """

    _gates = 3

    def __init__(self, units: int, activation="tanh", recurrent_activation="sigmoid",
                 reset_after: bool = True, **kwargs):
        super().__init__(units, activation=activation, **kwargs)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.reset_after = reset_after

    def _bias_shape(self):
        return (2, 3 * self.units) if self.reset_after else (3 * self.units,)

    def _act_names(self) -> list:
        return [activations.name_of(self.activation), activations.name_of(self.recurrent_activation)]

    def _input_bias(self):
        if self.bias is None:
            return None
        return self.bias.value[0] if self.reset_after else self.bias.value

    def call(self, inputs, states, training=False):
        h_prev, u = _prev(states), self.units
        x, h_rec = self._apply_dropout(inputs, h_prev, training)   # h_rec: only where h meets U
        x = ops.matmul(x, self.kernel)
        if self.use_bias:
            x = x + (self.bias[0] if self.reset_after else self.bias)
        if self.reset_after:
            inner = ops.matmul(h_rec, self.recurrent_kernel)
            if self.use_bias:
                inner = inner + self.bias[1]
        else:
            inner = ops.matmul(h_rec, self.recurrent_kernel[:, :2 * u])
        z = self.recurrent_activation(x[:, :u] + inner[:, :u])
        r = self.recurrent_activation(x[:, u:2 * u] + inner[:, u:2 * u])
        if self.reset_after:
            rec_h = r * inner[:, 2 * u:]
        else:
            rec_h = ops.matmul(r * h_rec, self.recurrent_kernel[:, 2 * u:])
        hh = self.activation(x[:, 2 * u:] + rec_h)
        h = z * h_prev + (1 - z) * hh
        return h, [h] if isinstance(states, (list, tuple)) else h

    def _kernel(self, m_h=None):
        act, rec = self._act_names()
        b_rec = self.bias.value[1] if (self.reset_after and self.bias is not None) else None
        return bptt.GRUKernel(self.recurrent_kernel.value, act, rec, self.reset_after, b_rec, m_h)

    def get_config(self) -> dict:
        return {**super().get_config(),
                "recurrent_activation": activations.serialize(self.recurrent_activation),
                "reset_after": self.reset_after}
