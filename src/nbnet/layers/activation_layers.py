"""Activation layers with their own arguments: ReLU, LeakyReLU, ELU, Softmax (``keras.layers``).

Each applies ``A = f(Z)`` elementwise (Softmax: along ``axis``); backward receives ``G = dL/dA``
and returns ``dL/dZ = f'(Z) ⊙ G``.  Output shape = input shape; no weights.
"""

from __future__ import annotations

import numpy as np

from nbnet.layers.layer import Layer


class _Elementwise(Layer):
    def compute_output_shape(self, input_shape):
        return input_shape

    def forward(self, z, training=False):
        a, slope = self._f(z)
        return a, slope

    def backward(self, g, slope, need_input_grad=True):
        return g * slope, []                       # dL/dZ = f'(Z) ⊙ dL/dA


def _nonnegative(layer: str, name: str, value) -> float:
    if value is None or value < 0:
        raise ValueError(f"{layer}: `{name}` must be a float >= 0, got {value!r}")
    return float(value)


class ReLU(_Elementwise):
    """Rectified linear unit with optional cap, leak and threshold.

    ``f(z) = min(z, max_value)`` for ``z > threshold``, ``negative_slope · (z − threshold)`` below.

    Parameters
    ----------
    max_value : float, optional
        Upper cap (``None``: no cap).
    negative_slope : float
        Slope below the threshold (default 0).
    threshold : float
        Default 0.
    """

    def __init__(self, max_value=None, negative_slope: float = 0.0, threshold: float = 0.0, **kwargs):
        super().__init__(**kwargs)
        self.max_value = None if max_value is None else _nonnegative("ReLU", "max_value", max_value)
        self.negative_slope = _nonnegative("ReLU", "negative_slope", negative_slope)
        self.threshold = _nonnegative("ReLU", "threshold", threshold)

    def _f(self, z):
        t, s = np.asarray(self.threshold, z.dtype), np.asarray(self.negative_slope, z.dtype)
        above = z > t
        pos = np.where(above, z, 0).astype(z.dtype)
        slope = above.astype(z.dtype)                          # d/dz = 1 above the threshold
        if self.max_value is not None:
            slope *= pos < self.max_value                      #        0 where capped
            pos = np.minimum(pos, np.asarray(self.max_value, z.dtype))
        below = z < t
        a = pos - s * np.where(below, t - z, 0)                # f(z) = s (z − t) below t
        return a.astype(z.dtype), slope + s * below            # d/dz = s below t

    def get_config(self):
        return {**super().get_config(), "max_value": self.max_value,
                "negative_slope": self.negative_slope, "threshold": self.threshold}


class LeakyReLU(_Elementwise):
    """``f(z) = z`` for ``z > 0``, ``negative_slope · z`` otherwise.

    Parameters
    ----------
    negative_slope : float
        Default 0.3 (Keras 3's LeakyReLU *layer*; the function ``leaky_relu`` defaults to 0.2).
    """

    def __init__(self, negative_slope: float = 0.3, **kwargs):
        if "alpha" in kwargs:                     # Keras 2's name
            negative_slope = kwargs.pop("alpha")
        super().__init__(**kwargs)
        self.negative_slope = _nonnegative("LeakyReLU", "negative_slope", negative_slope)

    def _f(self, z):
        slope = np.where(z > 0, 1, self.negative_slope).astype(z.dtype)   # d/dz = 1 or α
        return z * slope, slope

    def get_config(self):
        return {**super().get_config(), "negative_slope": self.negative_slope}


class ELU(_Elementwise):
    """``f(z) = z`` for ``z > 0``, ``alpha · (eᶻ − 1)`` otherwise.

    Parameters
    ----------
    alpha : float
        Default 1.0.
    """

    def __init__(self, alpha: float = 1.0, **kwargs):
        super().__init__(**kwargs)
        self.alpha = float(alpha)

    def _f(self, z):
        e = self.alpha * np.expm1(np.minimum(z, 0))
        pos = z > 0
        slope = np.where(pos, 1, e + self.alpha).astype(z.dtype)   # d/dz = 1 for z > 0, α eᶻ = f + α
        return np.where(pos, z, e).astype(z.dtype), slope

    def get_config(self):
        return {**super().get_config(), "alpha": self.alpha}


class Softmax(Layer):
    """``softmax(z)ᵢ = e^{zᵢ} / Σⱼ e^{zⱼ}`` along ``axis`` (an int or a list of ints).

    Parameters
    ----------
    axis : int or list of int
        Default ``-1``.
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = list(axis) if isinstance(axis, (list, tuple)) else int(axis)

    def _axes(self):
        return tuple(self.axis) if isinstance(self.axis, list) else self.axis

    def compute_output_shape(self, input_shape):
        return input_shape

    def forward(self, z, training=False):
        ax = self._axes()
        e = np.exp(z - z.max(axis=ax, keepdims=True))
        p = e / e.sum(axis=ax, keepdims=True)
        return p, p

    def backward(self, g, p, need_input_grad=True):
        # dL/dz = p ⊙ (G − Σ G p): the softmax Jacobian diag(p) − p pᵀ applied to G
        return p * (g - (g * p).sum(axis=self._axes(), keepdims=True)), []

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}
