"""Pooling layers (``keras.layers.MaxPooling2D``, ``AveragePooling2D``, ``GlobalAveragePooling2D`` …).

Pooling summarises each ``pool_size`` window of every channel by one number: its maximum or its
mean.  It has no weights.  We loop over the ``prod(pool_size)`` offsets inside a window, each step
a vectorized operation over the whole batch (for offset ``p``, output ``o`` reads input
``o·s + p``):

    max:  M[o] = max_p X[o·s + p]        dL/dX[o·s + p] += dL/dM[o] · [p is the first argmax]
    avg:  M[o] = Σ_p X[o·s + p] / n[o]   dL/dX[o·s + p] += dL/dM[o] / n[o]

where ``n[o]`` counts the window's valid (non-padding) inputs, as Keras does with ``"same"``.
"""

from __future__ import annotations

import math

import numpy as np

from nbnet.layers.conv_utils import (
    check_data_format,
    crop_spatial,
    normalize_padding,
    normalize_tuple,
    offset_slices,
    output_spatial,
    pad_spatial,
    padding_pairs,
)
from nbnet.layers.input_spec import InputSpec
from nbnet.layers.layer import Layer


class BasePooling(Layer):
    """Max or average pooling over ``rank`` spatial axes (channels last).

    Parameters
    ----------
    pool_size : int or tuple of int
        Window size.
    strides : int or tuple of int, optional
        Step between windows; default ``pool_size`` (non-overlapping windows).
    padding : {"valid", "same"}
    data_format : None or "channels_last"

    Shapes
    ------
    Input ``(N, *S, C)`` → output ``(N, *O, C)``: ``"valid"``: ``O = (S − pool)//s + 1``;
    ``"same"``: ``O = ceil(S / s)``.
    """

    rank = 2
    mode = "max"

    def __init__(self, pool_size, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(**kwargs)
        who = self._who
        self.pool_size = normalize_tuple(pool_size, self.rank, "pool_size", who)
        self.strides = self.pool_size if strides is None else normalize_tuple(strides, self.rank,
                                                                              "strides", who)
        self.padding = normalize_padding(padding, ("valid", "same"), who)
        self.data_format = check_data_format(data_format, who)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    @property
    def _who(self) -> str:
        return f'{type(self).__name__} layer "{self.name}"'

    def _output_spatial(self, spatial) -> tuple:
        return output_spatial(spatial, self.pool_size, self.strides, (1,) * self.rank, self.padding,
                              self._who)

    def compute_output_shape(self, input_shape):
        if len(input_shape) != self.rank + 2:
            raise ValueError(f"{self._who} expects inputs of rank {self.rank + 2}, got shape "
                             f"{tuple(input_shape)}")
        return (input_shape[0], *self._output_spatial(tuple(input_shape[1:-1])), input_shape[-1])

    def build(self, input_shape) -> None:
        self.compute_output_shape(input_shape)            # rank and window size checks
        self.built = True

    def _windows(self, out):
        return list(offset_slices(self.pool_size, self.strides, (1,) * self.rank, out))

    def forward(self, x, training=False):
        spatial = x.shape[1:-1]
        out = self._output_spatial(spatial)
        pairs = padding_pairs(spatial, self.pool_size, self.strides, (1,) * self.rank, self.padding)
        if self.mode == "max":
            xp = pad_spatial(x, pairs, -np.inf)
            windows = self._windows(out)
            m = np.maximum(xp[windows[0]], xp[windows[1]]) if len(windows) > 1 else xp[windows[0]].copy()
            for idx in windows[2:]:
                np.maximum(m, xp[idx], out=m)                     # M[o] = max_p X[o·s + p]
            return m, (xp, pairs, m, None)
        xp = pad_spatial(x, pairs)
        total = sum(xp[idx] for idx in self._windows(out))
        count = self._counts(spatial, pairs, out, x.dtype)
        return total / count, (xp, pairs, None, count)            # M[o] = Σ_p X[o·s + p] / n[o]

    def _counts(self, spatial, pairs, out, dtype):
        """Number of valid (non-padding) inputs in each window, shaped to broadcast."""
        if not any(left or right for left, right in pairs):
            return np.asarray(math.prod(self.pool_size), dtype=dtype)
        ones = pad_spatial(np.ones((1, *spatial, 1), dtype=dtype), pairs)
        return sum(ones[idx] for idx in self._windows(out))

    def backward(self, g, cache, need_input_grad=True):
        xp, pairs, m, count = cache
        if self.mode == "avg":
            dxp = np.zeros_like(xp)
            gd = g / count
            for idx in self._windows(g.shape[1:-1]):
                dxp[idx] += gd                                     # dL/dX[o·s + p] += dL/dM[o] / n[o]
            return crop_spatial(dxp, pairs), []
        if self.strides == self.pool_size and not any(a or b for a, b in pairs):
            return self._max_backward_tiled(xp, m, g), []
        dxp = np.zeros_like(xp)
        taken = np.zeros(m.shape, dtype=bool)
        for idx in self._windows(g.shape[1:-1]):
            first = (xp[idx] == m) & ~taken                        # first argmax only, as TF/torch
            taken |= first
            dxp[idx] += g * first                                  # dL/dX[argmax] += dL/dM
        return crop_spatial(dxp, pairs), []

    def _max_backward_tiled(self, x, m, g):
        """Non-overlapping windows: view X as ``(N, O1, p1, O2, p2, …, C)`` and mask in one go."""
        out, p = m.shape[1:-1], self.pool_size
        used = x[(slice(None), *(slice(0, o * k) for o, k in zip(out, p)), Ellipsis)]
        tiles = used.reshape(x.shape[0], *(d for pair in zip(out, p) for d in pair), x.shape[-1])
        expand = (slice(None), *(e for _ in out for e in (slice(None), None)), Ellipsis)
        mask = tiles == m[expand]
        taken = None
        for offset in np.ndindex(*p):                              # keep the first argmax only
            v = mask[(slice(None), *(e for i in offset for e in (slice(None), i)), Ellipsis)]
            if taken is None:
                taken = v.copy()
            else:
                v &= ~taken
                taken |= v
        dtiles = mask * g[expand]                                  # dL/dX[argmax] = dL/dM
        if used.shape == x.shape:
            return dtiles.reshape(x.shape)
        dx = np.zeros_like(x)
        dx[(slice(None), *(slice(0, o * k) for o, k in zip(out, p)), Ellipsis)] = dtiles.reshape(used.shape)
        return dx

    def get_config(self) -> dict:
        return {**super().get_config(), "pool_size": self.pool_size, "strides": self.strides,
                "padding": self.padding, "data_format": self.data_format}


class MaxPooling1D(BasePooling):
    """Max pooling over sequences: ``(N, L, C)`` → ``(N, L_out, C)``."""

    rank, mode = 1, "max"

    def __init__(self, pool_size=2, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class MaxPooling2D(BasePooling):
    """Max pooling over images: ``(N, H, W, C)`` → ``(N, H_out, W_out, C)``."""

    rank, mode = 2, "max"

    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class MaxPooling3D(BasePooling):
    """Max pooling over volumes: ``(N, D, H, W, C)`` → ``(N, D_out, H_out, W_out, C)``."""

    rank, mode = 3, "max"

    def __init__(self, pool_size=(2, 2, 2), strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class AveragePooling1D(BasePooling):
    """Average pooling over sequences: ``(N, L, C)`` → ``(N, L_out, C)``."""

    rank, mode = 1, "avg"

    def __init__(self, pool_size, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class AveragePooling2D(BasePooling):
    """Average pooling over images: ``(N, H, W, C)`` → ``(N, H_out, W_out, C)``."""

    rank, mode = 2, "avg"

    def __init__(self, pool_size, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class AveragePooling3D(BasePooling):
    """Average pooling over volumes: ``(N, D, H, W, C)`` → ``(N, D_out, H_out, W_out, C)``."""

    rank, mode = 3, "avg"

    def __init__(self, pool_size, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)
