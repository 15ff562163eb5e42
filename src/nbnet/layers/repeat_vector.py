"""``RepeatVector``: one vector per sample, repeated ``n`` times into a sequence."""

from __future__ import annotations

import numpy as np

from nbnet.layers.input_spec import InputSpec
from nbnet.layers.layer import Layer


class RepeatVector(Layer):
    """``(N, D)`` → ``(N, n, D)``: the same vector at every step (e.g. a decoder's input).

    Backward: each copy received a gradient, so dL/dx = Σ_t dL/dy_t.
    """

    def __init__(self, n: int, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n <= 0:
            raise ValueError(f"RepeatVector: `n` must be a positive integer, got {n!r}")
        self.n = int(n)
        self.input_spec = InputSpec(ndim=2)

    def forward(self, x, training=False):
        return np.repeat(x[:, None, :], self.n, axis=1), None

    def backward(self, g, cache, need_input_grad=True):
        return g.sum(axis=1), []   # dL/dx = Σ_t dL/dy_t

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.n, input_shape[1])

    def get_config(self):
        return {**super().get_config(), "n": self.n}
