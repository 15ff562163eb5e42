"""Separable convolutions (``keras.layers.SeparableConv1D``, ``SeparableConv2D``).

A depthwise convolution ``Y = depthwise(X, D)`` (each channel filtered alone, see
:mod:`nbnet.layers.conv_depthwise`) followed by a pointwise 1×1 convolution that mixes channels:

    Z = Y P + b,   A = f(Z)        with P of shape (C·m, F)

Backward: ``dL/dP = Yᵀ dL/dZ``, ``dL/db = Σ dL/dZ``, ``dL/dY = dL/dZ Pᵀ``, then the depthwise
backward gives ``dL/dD`` and ``dL/dX``.
"""

from __future__ import annotations

from nbnet import initializers, regularizers
from nbnet.layers.conv_base import SpatialLayer, _positive_int
from nbnet.layers.conv_depthwise import depthwise_backward, depthwise_forward
from nbnet.layers.conv_utils import crop_spatial, pad_spatial
from nbnet.layers.input_spec import InputSpec


class BaseSeparableConv(SpatialLayer):
    """Depthwise then pointwise convolution.

    Parameters
    ----------
    filters : int
        Output channels F of the pointwise step.
    kernel_size, strides, padding, data_format, dilation_rate, activation, use_bias
        As in :class:`~nbnet.layers.Conv2D` (they apply to the depthwise step).
    depth_multiplier : int
        Depthwise output channels per input channel, m (default 1).
    depthwise_initializer, pointwise_initializer, bias_initializer
    depthwise_regularizer, pointwise_regularizer, bias_regularizer

    Shapes
    ------
    Input ``(N, *S, C)`` → output ``(N, *O, F)``.  Weights: ``depthwise_kernel (*K, C, m)``,
    ``pointwise_kernel (*1, C·m, F)``, then ``bias (F,)``.
    """

    def __init__(self, filters: int, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, depth_multiplier: int = 1, activation=None, use_bias: bool = True,
                 depthwise_initializer="glorot_uniform", pointwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None, pointwise_regularizer=None,
                 bias_regularizer=None, **kwargs):
        super().__init__(kernel_size, strides, padding, data_format, dilation_rate, activation,
                         use_bias, bias_initializer, bias_regularizer, **kwargs)
        self.filters = _positive_int(filters, "filters", self._who)
        self.depth_multiplier = _positive_int(depth_multiplier, "depth_multiplier", self._who)
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.pointwise_initializer = initializers.get(pointwise_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.pointwise_regularizer = regularizers.get(pointwise_regularizer)

    def _out_channels(self, in_channels):
        return self.filters

    def build(self, input_shape) -> None:
        c = self._in_channels(input_shape)
        m = self.depth_multiplier
        self._output_spatial(tuple(input_shape[1:-1]))
        self.depthwise_kernel = self.add_weight((*self.kernel_size, c, m), self.depthwise_initializer,
                                                regularizer=self.depthwise_regularizer,
                                                name="depthwise_kernel")
        self.pointwise_kernel = self.add_weight((1,) * self.rank + (c * m, self.filters),
                                                self.pointwise_initializer,
                                                regularizer=self.pointwise_regularizer,
                                                name="pointwise_kernel")
        self._add_bias(self.filters)
        self.input_spec = InputSpec(ndim=self.rank + 2, axes={-1: c})
        self.built = True

    def forward(self, x, training=False, activate=True):
        out, pairs = self._geometry(x)
        xp = pad_spatial(x, pairs)
        y = depthwise_forward(xp, self.depthwise_kernel.value, self.strides, self.dilation_rate, out)
        p = self.pointwise_kernel.value.reshape(-1, self.filters)
        z = y @ p                                                      # Z = Y P
        if self.use_bias:
            z += self.bias.value                                       #   + b
        a = self._activate(z, activate)
        return a, (xp, pairs, y, z, a, activate)

    def backward(self, grad, cache, need_input_grad=True):
        xp, pairs, y, z, a, activate = cache
        dz = self._activation_grad(grad, z, a, activate)
        p = self.pointwise_kernel.value.reshape(-1, self.filters)
        dz2 = dz.reshape(-1, self.filters)
        dp = y.reshape(-1, p.shape[0]).T @ dz2                         # dL/dP = Yᵀ dL/dZ
        dy = dz @ p.T                                                  # dL/dY = dL/dZ Pᵀ
        dxp, dd = depthwise_backward(dy, xp, self.depthwise_kernel.value, self.strides,
                                     self.dilation_rate, need_input_grad)
        grads = [dd, dp.reshape(self.pointwise_kernel.shape)]
        if self.use_bias:
            grads.append(dz2.sum(axis=0))                              # dL/db = Σ dL/dZ
        return (crop_spatial(dxp, pairs) if need_input_grad else None), grads

    def get_config(self) -> dict:
        return {**super().get_config(), "filters": self.filters,
                "depth_multiplier": self.depth_multiplier,
                "depthwise_initializer": initializers.serialize(self.depthwise_initializer),
                "pointwise_initializer": initializers.serialize(self.pointwise_initializer),
                "depthwise_regularizer": regularizers.serialize(self.depthwise_regularizer),
                "pointwise_regularizer": regularizers.serialize(self.pointwise_regularizer)}


class SeparableConv1D(BaseSeparableConv):
    """Separable 1-D convolution: ``(N, L, C)`` → ``(N, L_out, filters)``."""

    rank = 1


class SeparableConv2D(BaseSeparableConv):
    """Separable 2-D convolution: ``(N, H, W, C)`` → ``(N, H_out, W_out, filters)``.

    Weights: ``depthwise_kernel (kh, kw, C, m)``, ``pointwise_kernel (1, 1, C·m, F)``, ``bias (F,)``.
    """

    rank = 2
