"""Transposed convolution (``keras.layers.Conv2DTranspose``), sometimes called "deconvolution".

It is the adjoint of a convolution: where a strided convolution maps a large image to a small one,
the transposed convolution maps small to large (GAN generators, U-Net decoders).  Each input
pixel ``x[i]`` (a vector of C channels) paints a ``K``-sized patch of the output:

    cols = X W2ᵀ                  (N·H·W, prod(K)·F),  W2 = kernel as (prod(K)·F, C)
    Z    = crop(col2im(cols)) + b   output position i·s + p·d gets cols[i, p]

Backward is a convolution: ``dL/dcols = im2col(pad(dL/dZ))``, ``dL/dW2 = dL/dcolsᵀ X``,
``dL/dX = dL/dcols W2``.  The output size follows Keras:
``(n − 1)·s + k`` cropped (``"same"``: to ``n·s``) or extended by ``output_padding``.
"""

from __future__ import annotations

import math

import numpy as np

from nbnet import initializers, regularizers
from nbnet.layers.conv_base import SpatialLayer, _positive_int
from nbnet.layers.conv_utils import col2im, effective_size, im2col, normalize_tuple
from nbnet.layers.input_spec import InputSpec


def transpose_crops(n, k, s, d, padding: str, output_padding) -> tuple[int, int]:
    """(left crop, right crop) of the natural output ``(n − 1)·s + k_eff`` (Keras's JAX rule).

    A negative right crop means extending with zeros.
    """
    span = effective_size(k, d)
    if padding == "valid":
        op = max(span, s) - span if output_padding is None else output_padding
        left, right = span - 1, span - 1 + op
    else:
        pad_len = s + span - 2 if output_padding is None else span + span % 2 - 2 + output_padding
        left = min(pad_len // 2 + pad_len % 2, span - 1)
        right = pad_len - left
    return span - 1 - left, span - 1 - right


class Conv2DTranspose(SpatialLayer):
    """Transposed 2-D convolution: ``(N, H, W, C)`` → ``(N, H_out, W_out, filters)``.

    Parameters
    ----------
    filters : int
        Output channels F.
    kernel_size, strides, padding, data_format, dilation_rate, activation, use_bias
        As in :class:`~nbnet.layers.Conv2D`.
    output_padding : int or tuple of int, optional
        Extra rows/columns added at the end of each spatial axis (each < stride).
    kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer

    Shapes
    ------
    ``"valid"``: ``H_out = (H − 1)·s + max(k, s)``; ``"same"``: ``H_out = H·s``.
    Weights: ``kernel (kh, kw, filters, C)`` (note: out before in), then ``bias (filters,)``.
    """

    rank = 2

    def __init__(self, filters: int, kernel_size, strides=(1, 1), padding="valid", output_padding=None,
                 data_format=None, dilation_rate=(1, 1), activation=None, use_bias: bool = True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, **kwargs):
        super().__init__(kernel_size, strides, padding, data_format, dilation_rate, activation,
                         use_bias, bias_initializer, bias_regularizer, **kwargs)
        self.filters = _positive_int(filters, "filters", self._who)
        self.output_padding = (None if output_padding is None else normalize_tuple(
            output_padding, self.rank, "output_padding", self._who, allow_zero=True))
        if self.output_padding is not None and any(
                op >= s for op, s in zip(self.output_padding, self.strides)):
            raise ValueError(f"{self._who}: each `output_padding` must be smaller than the stride, got "
                             f"output_padding={self.output_padding}, strides={self.strides}")
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)

    def _out_channels(self, in_channels):
        return self.filters

    def _crops(self, spatial) -> list[tuple[int, int]]:
        ops = self.output_padding or (None,) * self.rank
        return [transpose_crops(n, k, s, d, self.padding, op) for n, k, s, d, op in
                zip(spatial, self.kernel_size, self.strides, self.dilation_rate, ops)]

    def _output_spatial(self, spatial) -> tuple:
        out = []
        for n, k, s, d, (left, right) in zip(spatial, self.kernel_size, self.strides,
                                             self.dilation_rate, self._crops(spatial)):
            out.append(None if n is None else (n - 1) * s + effective_size(k, d) - left - right)
        return tuple(out)

    def build(self, input_shape) -> None:
        c = self._in_channels(input_shape)
        self.kernel = self.add_weight((*self.kernel_size, self.filters, c), self.kernel_initializer,
                                      regularizer=self.kernel_regularizer, name="kernel")
        self._add_bias(self.filters)
        self.input_spec = InputSpec(ndim=self.rank + 2, axes={-1: c})
        self.built = True

    def _buffer_shape(self, x_shape):
        """Shape of the uncropped output (natural size, extended where Keras extends)."""
        crops = self._crops(x_shape[1:-1])
        full = [(n - 1) * s + effective_size(k, d) + max(-right, 0) for n, k, s, d, (_, right) in
                zip(x_shape[1:-1], self.kernel_size, self.strides, self.dilation_rate, crops)]
        return (x_shape[0], *full, self.filters), crops

    def forward(self, x, training=False, activate=True):
        p = math.prod(self.kernel_size)
        w2 = self.kernel.value.reshape(p * self.filters, -1)          # (P·F, C)
        cols = x.reshape(-1, x.shape[-1]) @ w2.T                       # cols = X W2ᵀ
        cols = cols.reshape(*x.shape[:-1], p, self.filters)
        buf_shape, crops = self._buffer_shape(x.shape)
        zbuf = col2im(cols, buf_shape, self.kernel_size, self.strides, self.dilation_rate)
        out = self._output_spatial(x.shape[1:-1])
        z = np.ascontiguousarray(zbuf[(slice(None), *(slice(left, left + o) for (left, _), o in
                                                        zip(crops, out)), Ellipsis)])
        if self.use_bias:
            z += self.bias.value                                       #   + b
        a = self._activate(z, activate)
        return a, (x, z, a, activate)

    def backward(self, grad, cache, need_input_grad=True):
        x, z, a, activate = cache
        dz = self._activation_grad(grad, z, a, activate)
        buf_shape, crops = self._buffer_shape(x.shape)
        dbuf = np.zeros(buf_shape, dtype=dz.dtype)
        dbuf[(slice(None), *(slice(left, left + o) for (left, _), o in zip(crops, dz.shape[1:-1])),
              Ellipsis)] = dz
        dcols = im2col(dbuf, self.kernel_size, self.strides, self.dilation_rate, x.shape[1:-1])
        dcols = dcols.reshape(-1, dcols.shape[-2] * self.filters)    # dL/dcols = im2col(dL/dZ)
        x2 = x.reshape(-1, x.shape[-1])
        grads = [(dcols.T @ x2).reshape(self.kernel.shape)]            # dL/dW2 = dL/dcolsᵀ X
        if self.use_bias:
            grads.append(dz.reshape(-1, self.filters).sum(axis=0))     # dL/db = Σ dL/dZ
        if not need_input_grad:
            return None, grads
        w2 = self.kernel.value.reshape(dcols.shape[-1], -1)
        return (dcols @ w2).reshape(x.shape), grads                    # dL/dX = dL/dcols W2

    def get_config(self) -> dict:
        return {**super().get_config(), "filters": self.filters, "output_padding": self.output_padding,
                "kernel_initializer": initializers.serialize(self.kernel_initializer),
                "kernel_regularizer": regularizers.serialize(self.kernel_regularizer)}
