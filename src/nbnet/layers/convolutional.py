"""Convolution layers ``Conv1D``, ``Conv2D``, ``Conv3D`` (``keras.layers``), channels last.

The maths lives in :class:`~nbnet.layers.conv_base.BaseConv`; these classes fix the number of
spatial axes and Keras's defaults.  Depthwise, separable and transposed convolutions are in
:mod:`nbnet.layers.conv_depthwise` and :mod:`nbnet.layers.conv_transpose`.
"""

from __future__ import annotations

from nbnet.layers.conv_base import BaseConv


class Conv1D(BaseConv):
    """1-D convolution over sequences: ``(N, L, C)`` → ``(N, L_out, filters)``.

    Parameters are those of :class:`~nbnet.layers.conv_base.BaseConv`; ``padding`` may also be
    ``"causal"``: the input is padded on the left only, by ``(k − 1)·d``, so output ``t``
    depends on inputs ``≤ t`` (as in WaveNet).  Kernel shape ``(k, C/groups, filters)``.
    """

    rank = 1
    _paddings = ("valid", "same", "causal")

    def __init__(self, filters: int, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, groups: int = 1, activation=None, use_bias: bool = True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, **kwargs):
        super().__init__(filters, kernel_size, strides, padding, data_format, dilation_rate, groups,
                         activation, use_bias, kernel_initializer, bias_initializer,
                         kernel_regularizer, bias_regularizer, **kwargs)


class Conv2D(BaseConv):
    """2-D convolution over images: ``(N, H, W, C)`` → ``(N, H_out, W_out, filters)``.

    Parameters are those of :class:`~nbnet.layers.conv_base.BaseConv`.  Kernel shape
    ``(kh, kw, C/groups, filters)``, then bias ``(filters,)``.

    Examples
    --------
    >>> import numpy as np, nbnet
    >>> conv = nbnet.layers.Conv2D(32, 3, activation="relu")
    >>> conv(np.zeros((2, 28, 28, 1), "float32")).shape
    (2, 26, 26, 32)
    """

    rank = 2

    def __init__(self, filters: int, kernel_size, strides=(1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1), groups: int = 1, activation=None, use_bias: bool = True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, **kwargs):
        super().__init__(filters, kernel_size, strides, padding, data_format, dilation_rate, groups,
                         activation, use_bias, kernel_initializer, bias_initializer,
                         kernel_regularizer, bias_regularizer, **kwargs)


class Conv3D(BaseConv):
    """3-D convolution over volumes: ``(N, D, H, W, C)`` → ``(N, D_out, H_out, W_out, filters)``.

    Parameters are those of :class:`~nbnet.layers.conv_base.BaseConv`.  Kernel shape
    ``(kd, kh, kw, C/groups, filters)``, then bias ``(filters,)``.
    """

    rank = 3

    def __init__(self, filters: int, kernel_size, strides=(1, 1, 1), padding="valid",
                 data_format=None, dilation_rate=(1, 1, 1), groups: int = 1, activation=None,
                 use_bias: bool = True, kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, **kwargs):
        super().__init__(filters, kernel_size, strides, padding, data_format, dilation_rate, groups,
                         activation, use_bias, kernel_initializer, bias_initializer,
                         kernel_regularizer, bias_regularizer, **kwargs)
