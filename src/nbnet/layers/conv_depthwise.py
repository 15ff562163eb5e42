"""Depthwise and separable convolutions (``keras.layers.DepthwiseConv2D``, ``SeparableConv2D``).

A *depthwise* convolution filters each input channel on its own: with a kernel ``D`` of shape
``(*K, C, m)`` (m = ``depth_multiplier``), output channel ``c·m + j`` is

    Z[o, c·m + j] = Σ_p X[o·s + p·d, c] · D[p, c, j]     (p runs over the kernel offsets)

so there is no sum over channels and no big matrix product; we loop over the ``prod(K)`` kernel
offsets, each step a vectorized multiply over the whole batch.  A *separable* convolution follows
it with a pointwise (1×1) convolution ``P`` of shape ``(*1, C·m, F)`` that mixes the channels:
far fewer weights than a full ``(*K, C, F)`` kernel.
"""

from __future__ import annotations

import numpy as np

from nbnet import initializers, regularizers
from nbnet.layers.conv_base import SpatialLayer, _positive_int
from nbnet.layers.conv_utils import crop_spatial, offset_slices, pad_spatial
from nbnet.layers.input_spec import InputSpec


def depthwise_forward(xp: np.ndarray, d: np.ndarray, strides, dilation, out) -> np.ndarray:
    """``(N, *S_padded, C)`` and kernel ``(*K, C, m)`` → ``(N, *O, C·m)``."""
    kernel, (c, m) = d.shape[:-2], d.shape[-2:]
    d2 = d.reshape(-1, c, m)
    z = np.zeros((xp.shape[0], *out, c, m), dtype=np.result_type(xp, d))
    for p, idx in enumerate(offset_slices(kernel, strides, dilation, out)):
        z += xp[idx][..., None] * d2[p]                    # Z[o, c, j] += X[o·s + p·d, c] D[p, c, j]
    return z.reshape(*z.shape[:-2], c * m)


def depthwise_backward(dz: np.ndarray, xp: np.ndarray, d: np.ndarray, strides, dilation,
                       need_input_grad: bool):
    """Return ``(dL/dX_padded or None, dL/dD)`` for :func:`depthwise_forward`."""
    kernel, (c, m) = d.shape[:-2], d.shape[-2:]
    d2 = d.reshape(-1, c, m)
    out = dz.shape[1:-1]
    dz = dz.reshape(*dz.shape[:-1], c, m)
    lead = tuple(range(dz.ndim - 2))
    dd = np.empty_like(d2)
    dxp = np.zeros_like(xp) if need_input_grad else None
    for p, idx in enumerate(offset_slices(kernel, strides, dilation, out)):
        dd[p] = (xp[idx][..., None] * dz).sum(axis=lead)   # dL/dD[p] = Σ_o X[o·s + p·d] dL/dZ[o]
        if need_input_grad:
            dxp[idx] += (dz * d2[p]).sum(axis=-1)           # dL/dX[o·s + p·d, c] += Σ_j dL/dZ D[p, c, j]
    return dxp, dd.reshape(d.shape)


class BaseDepthwiseConv(SpatialLayer):
    """Depthwise convolution ``A = f(depthwise(X, D) + b)``.

    Parameters
    ----------
    kernel_size, strides, padding, data_format, dilation_rate, activation, use_bias
        As in :class:`~nbnet.layers.Conv2D`.
    depth_multiplier : int
        Output channels per input channel, m (default 1).
    depthwise_initializer, bias_initializer, depthwise_regularizer, bias_regularizer

    Shapes
    ------
    Input ``(N, *S, C)`` → output ``(N, *O, C·m)``.  Weights: ``kernel (*K, C, m)`` (Keras 3's
    name; Keras 2 called it ``depthwise_kernel``), then ``bias (C·m,)``.
    """

    def __init__(self, kernel_size, strides=1, padding="valid", depth_multiplier: int = 1,
                 data_format=None, dilation_rate=1, activation=None, use_bias: bool = True,
                 depthwise_initializer="glorot_uniform", bias_initializer="zeros",
                 depthwise_regularizer=None, bias_regularizer=None, **kwargs):
        super().__init__(kernel_size, strides, padding, data_format, dilation_rate, activation,
                         use_bias, bias_initializer, bias_regularizer, **kwargs)
        self.depth_multiplier = _positive_int(depth_multiplier, "depth_multiplier", self._who)
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)

    def _out_channels(self, in_channels):
        return None if in_channels is None else in_channels * self.depth_multiplier

    def build(self, input_shape) -> None:
        c = self._in_channels(input_shape)
        self._output_spatial(tuple(input_shape[1:-1]))
        # Keras 3 names this weight "kernel" (Keras 2 called it "depthwise_kernel").
        self.kernel = self.add_weight((*self.kernel_size, c, self.depth_multiplier),
                                      self.depthwise_initializer, regularizer=self.depthwise_regularizer,
                                      name="kernel")
        self._add_bias(c * self.depth_multiplier)
        self.input_spec = InputSpec(ndim=self.rank + 2, axes={-1: c})
        self.built = True

    @property
    def depthwise_kernel(self):
        """The ``(*K, C, m)`` kernel (the Keras 2 name of :attr:`kernel`)."""
        return self.kernel

    def forward(self, x, training=False, activate=True):
        out, pairs = self._geometry(x)
        xp = pad_spatial(x, pairs)
        z = depthwise_forward(xp, self.kernel.value, self.strides, self.dilation_rate, out)
        if self.use_bias:
            z += self.bias.value                                       #   + b
        a = self._activate(z, activate)
        return a, (xp, pairs, z, a, activate)

    def backward(self, grad, cache, need_input_grad=True):
        xp, pairs, z, a, activate = cache
        dz = self._activation_grad(grad, z, a, activate)
        dxp, dd = depthwise_backward(dz, xp, self.kernel.value, self.strides,
                                     self.dilation_rate, need_input_grad)
        grads = [dd] + ([dz.reshape(-1, dz.shape[-1]).sum(axis=0)] if self.use_bias else [])  # dL/db
        return (crop_spatial(dxp, pairs) if need_input_grad else None), grads

    def get_config(self) -> dict:
        return {**super().get_config(), "depth_multiplier": self.depth_multiplier,
                "depthwise_initializer": initializers.serialize(self.depthwise_initializer),
                "depthwise_regularizer": regularizers.serialize(self.depthwise_regularizer)}


class DepthwiseConv1D(BaseDepthwiseConv):
    """Depthwise 1-D convolution: ``(N, L, C)`` → ``(N, L_out, C·depth_multiplier)``."""

    rank = 1


class DepthwiseConv2D(BaseDepthwiseConv):
    """Depthwise 2-D convolution: ``(N, H, W, C)`` → ``(N, H_out, W_out, C·depth_multiplier)``.

    Weights: ``kernel (kh, kw, C, depth_multiplier)``, then ``bias``.
    """

    rank = 2
