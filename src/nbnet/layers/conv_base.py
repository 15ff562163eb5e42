"""Base classes of the convolution layers (``keras.layers.Conv1D/2D/3D`` and friends).

A convolution slides a kernel ``W`` of shape ``(*K, C/groups, F)`` over an input ``X`` of shape
``(N, *S, C)``.  With im2col (see :mod:`nbnet.layers.conv_utils`) it is one matrix product:

    cols = im2col(X)                 (N·prod(O), prod(K)·C)
    Z    = cols W + b                (N·prod(O), F)
    A    = f(Z)

and the backward pass is the same three lines read in reverse: ``dL/dW = colsᵀ dL/dZ``,
``dL/db = Σ dL/dZ``, ``dL/dcols = dL/dZ Wᵀ`` and ``dL/dX = col2im(dL/dcols)``.  The last two run
one kernel offset q at a time, ``dL/dX[o·s + q·d] += dL/dZ[o] W_qᵀ``, so the big ``dL/dcols``
matrix is never stored.
With ``groups = g`` the channels split into g independent blocks, each its own matrix product.
"""

from __future__ import annotations

import math

import numpy as np

from nbnet import activations, initializers, regularizers
from nbnet.layers.conv_utils import (
    check_data_format,
    crop_spatial,
    im2col,
    matmul,
    matmul_tn,
    normalize_padding,
    normalize_tuple,
    offset_slices,
    output_spatial,
    pad_spatial,
    padding_pairs,
)
from nbnet.layers.core import _custom_activation_grad
from nbnet.layers.input_spec import InputSpec
from nbnet.layers.layer import Layer


def _positive_int(value, arg: str, layer: str) -> int:
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value <= 0:
        raise ValueError(f"{layer}: `{arg}` must be a positive integer, got {value!r}")
    return int(value)


def _concat(parts: list, axis: int) -> np.ndarray:
    return parts[0] if len(parts) == 1 else np.concatenate(parts, axis=axis)


def _stack(parts: list) -> np.ndarray:
    return parts[0][None] if len(parts) == 1 else np.stack(parts)


class SpatialLayer(Layer):
    """Shared machinery of convolution layers: geometry, fused activation, bias, config.

    Subclasses set ``rank`` (number of spatial axes) and implement ``build``, ``forward``,
    ``backward`` and ``_out_channels``.
    """

    rank = 2
    _paddings: tuple[str, ...] = ("valid", "same")

    def __init__(self, kernel_size, strides=1, padding="valid", data_format=None, dilation_rate=1,
                 activation=None, use_bias: bool = True, bias_initializer="zeros",
                 bias_regularizer=None, **kwargs):
        super().__init__(**kwargs)
        who, r = self._who, self.rank
        self.kernel_size = normalize_tuple(kernel_size, r, "kernel_size", who)
        self.strides = normalize_tuple(strides, r, "strides", who)
        self.padding = normalize_padding(padding, self._paddings, who)
        self.data_format = check_data_format(data_format, who)
        self.dilation_rate = normalize_tuple(dilation_rate, r, "dilation_rate", who)
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(f"{who}: strides > 1 is not supported together with dilation_rate > 1 "
                             f"(got strides={self.strides}, dilation_rate={self.dilation_rate})")
        self.activation = activations.get(activation)
        self._act = activations.name_of(self.activation)
        self._split_activation = self._act if self._act in ("softmax", "sigmoid") else None
        self.use_bias = bool(use_bias)
        self.bias_initializer = initializers.get(bias_initializer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.input_spec = InputSpec(ndim=r + 2)

    @property
    def _who(self) -> str:
        return f'{type(self).__name__} layer "{self.name}"'

    # --- geometry ---------------------------------------------------------------------------
    def _check_rank(self, input_shape) -> None:
        if len(input_shape) != self.rank + 2:
            raise ValueError(f"{self._who} expects inputs of rank {self.rank + 2} "
                             f"(batch, {self.rank} spatial axes, channels), got shape {tuple(input_shape)}")

    def _in_channels(self, input_shape) -> int:
        self._check_rank(input_shape)
        if input_shape[-1] is None:
            raise ValueError(f"{self._who}: the channel axis (last) of the input must be known, "
                             f"got shape {tuple(input_shape)}")
        return int(input_shape[-1])

    def _output_spatial(self, spatial) -> tuple:
        return output_spatial(spatial, self.kernel_size, self.strides, self.dilation_rate,
                              self.padding, self._who)

    def _geometry(self, x: np.ndarray):
        """Output spatial shape and (left, right) padding pairs for a concrete input."""
        spatial = x.shape[1:-1]
        out = self._output_spatial(spatial)
        pairs = padding_pairs(spatial, self.kernel_size, self.strides, self.dilation_rate, self.padding)
        return out, pairs

    def _out_channels(self, in_channels: int) -> int:
        raise NotImplementedError

    def compute_output_shape(self, input_shape):
        self._check_rank(input_shape)
        out_c = self._out_channels(input_shape[-1])
        return (input_shape[0], *self._output_spatial(tuple(input_shape[1:-1])), out_c)

    # --- bias and fused activation -----------------------------------------------------------
    def _add_bias(self, n: int) -> None:
        self.bias = (self.add_weight((n,), self.bias_initializer, regularizer=self.bias_regularizer,
                                     name="bias") if self.use_bias else None)

    def _activate(self, z: np.ndarray, activate: bool) -> np.ndarray:
        if not activate or self._act == "linear":
            return z
        if self._act is None:                              # a custom activation function
            return np.asarray(self.activation(z))
        if self._act == "relu":    # A = max(Z, 0) in place: [A > 0] = [Z > 0] is all backward needs
            return np.maximum(z, 0, out=z)
        return activations.forward(self._act, z)          # A = f(Z)

    def _activation_grad(self, g: np.ndarray, z, a, activate: bool) -> np.ndarray:
        if not activate or self._act == "linear":
            return g
        if self._act is None:                              # dL/dZ by autograd through nbnet.ops
            return _custom_activation_grad(self.activation, z, g, self.name)
        if self._act == "relu":
            return g * (z > 0)                             # dL/dZ = [Z > 0] ⊙ dL/dA
        return activations.backward(self._act, z, a, g)   # dL/dZ = f'(Z) ⊙ dL/dA

    def get_config(self) -> dict:
        return {**super().get_config(), "kernel_size": self.kernel_size, "strides": self.strides,
                "padding": self.padding, "data_format": self.data_format,
                "dilation_rate": self.dilation_rate,
                "activation": activations.serialize(self.activation), "use_bias": self.use_bias,
                "bias_initializer": initializers.serialize(self.bias_initializer),
                "bias_regularizer": regularizers.serialize(self.bias_regularizer)}


class BaseConv(SpatialLayer):
    """N-D convolution ``A = f(X ⋆ W + b)``; the parent of Conv1D, Conv2D and Conv3D.

    Parameters
    ----------
    filters : int
        Number of output channels F.
    kernel_size : int or tuple of int
        Spatial size K of the kernel.
    strides : int or tuple of int
        Step between windows (default 1).
    padding : {"valid", "same"} ("causal" too for Conv1D)
    data_format : None or "channels_last"
    dilation_rate : int or tuple of int
        Spacing between kernel taps (default 1).
    groups : int
        Split input and output channels into this many independent blocks (default 1).
    activation : str or callable, optional
    use_bias : bool
    kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer
        As in :class:`~nbnet.layers.Dense`.

    Shapes
    ------
    Input ``(N, *S, C)`` → output ``(N, *O, F)``.  Weights: ``kernel (*K, C/groups, F)``, then
    ``bias (F,)``.
    """

    def __init__(self, filters: int, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, groups: int = 1, activation=None, use_bias: bool = True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, **kwargs):
        super().__init__(kernel_size, strides, padding, data_format, dilation_rate, activation,
                         use_bias, bias_initializer, bias_regularizer, **kwargs)
        self.filters = _positive_int(filters, "filters", self._who)
        self.groups = _positive_int(groups, "groups", self._who)
        if self.filters % self.groups:
            raise ValueError(f"{self._who}: `filters` ({filters}) must be divisible by `groups` ({groups})")
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)

    def _out_channels(self, in_channels):
        return self.filters

    def build(self, input_shape) -> None:
        c = self._in_channels(input_shape)
        if c % self.groups:
            raise ValueError(f"{self._who}: the number of input channels ({c}) must be divisible by "
                             f"`groups` ({self.groups}); input shape {tuple(input_shape)}")
        self._output_spatial(tuple(input_shape[1:-1]))     # a "valid" kernel must fit
        self.kernel = self.add_weight((*self.kernel_size, c // self.groups, self.filters),
                                      self.kernel_initializer, regularizer=self.kernel_regularizer,
                                      name="kernel")
        self._add_bias(self.filters)
        self.input_spec = InputSpec(ndim=self.rank + 2, axes={-1: c})
        self.built = True

    def _grouped_kernel(self) -> np.ndarray:
        """Kernel as g blocks ``(g, prod(K)·C/g, F/g)``."""
        g, w = self.groups, self.kernel.value
        return w.reshape(-1, w.shape[-2], g, self.filters // g).transpose(2, 0, 1, 3).reshape(
            g, -1, self.filters // g)

    def forward(self, x, training=False, activate=True):
        out, pairs = self._geometry(x)
        xp = pad_spatial(x, pairs)
        cols = im2col(xp, self.kernel_size, self.strides, self.dilation_rate, out)   # (N, *O, P, C)
        n, g, p, c = x.shape[0], self.groups, cols.shape[-2], x.shape[-1]
        m = n * math.prod(out)
        cols = cols.reshape(m, p, g, c // g).transpose(2, 0, 1, 3).reshape(g, m, p * c // g)
        w = self._grouped_kernel()
        z = _concat([matmul(cols[j], w[j]) for j in range(g)], axis=1)   # Z = cols W  (per group)
        z = z.reshape(n, *out, self.filters)
        if self.use_bias:
            z += self.bias.value                                     #   + b
        a = self._activate(z, activate)
        return a, (cols, xp.shape, pairs, z, a, activate)

    def backward(self, grad, cache, need_input_grad=True):
        cols, padded_shape, pairs, z, a, activate = cache
        g, f, k = self.groups, self.filters, self.kernel.shape
        dz = self._activation_grad(grad, z, a, activate).reshape(-1, f)
        dz_g = [dz[:, j * f // g:(j + 1) * f // g] for j in range(g)]
        dw = _stack([matmul_tn(cols[j], dz_g[j]) for j in range(g)])   # dL/dW = colsᵀ dL/dZ
        grads = [dw.reshape(g, -1, k[-2], f // g).transpose(1, 2, 0, 3).reshape(k)]
        if self.use_bias:
            grads.append(dz.sum(axis=0))                             # dL/db = Σ dL/dZ
        if not need_input_grad:
            return None, grads
        p = math.prod(self.kernel_size)
        w = self._grouped_kernel().reshape(g, p, k[-2], f // g)             # (g, P, C/g, F/g)
        dxp = np.zeros(padded_shape, dtype=dz.dtype)
        for q, idx in enumerate(offset_slices(self.kernel_size, self.strides, self.dilation_rate,
                                              z.shape[1:-1])):
            dcols_q = _concat([matmul(dz_g[j], w[j, q].T) for j in range(g)], axis=1)   # dL/dcols_q = dL/dZ W_qᵀ
            dxp[idx] += dcols_q.reshape(*z.shape[:-1], -1)                     # col2im: scatter-add
        return crop_spatial(dxp, pairs), grads

    def get_config(self) -> dict:
        return {**super().get_config(), "filters": self.filters, "groups": self.groups,
                "kernel_initializer": initializers.serialize(self.kernel_initializer),
                "kernel_regularizer": regularizers.serialize(self.kernel_regularizer)}
