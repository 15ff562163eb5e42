"""Global pooling (``keras.layers.GlobalMaxPooling2D``, ``GlobalAveragePooling2D`` …).

One number per channel: the maximum or the mean over every spatial position.  A common bridge
from convolution feature maps to a classifier, instead of ``Flatten``:

    max:  M[c] = max_s X[s, c]        dL/dX[s, c] = dL/dM[c] · [s is the first argmax]
    avg:  M[c] = Σ_s X[s, c] / |S|    dL/dX[s, c] = dL/dM[c] / |S|
"""

from __future__ import annotations

import math

import numpy as np

from nbnet.layers.conv_utils import check_data_format
from nbnet.layers.input_spec import InputSpec
from nbnet.layers.layer import Layer


class BaseGlobalPooling(Layer):
    """Pool over all ``rank`` spatial axes of a channels-last input.

    Parameters
    ----------
    data_format : None or "channels_last"
    keepdims : bool
        Keep the spatial axes with size 1 (default ``False``).

    Shapes
    ------
    Input ``(N, *S, C)`` → output ``(N, C)``, or ``(N, 1, …, 1, C)`` with ``keepdims=True``.
    """

    rank = 2
    mode = "max"

    def __init__(self, data_format=None, keepdims: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.data_format = check_data_format(data_format, f'{type(self).__name__} layer "{self.name}"')
        self.keepdims = bool(keepdims)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def compute_output_shape(self, input_shape):
        if len(input_shape) != self.rank + 2:
            raise ValueError(f'{type(self).__name__} layer "{self.name}" expects inputs of rank '
                             f"{self.rank + 2}, got shape {tuple(input_shape)}")
        if self.keepdims:
            return (input_shape[0], *(1,) * self.rank, input_shape[-1])
        return (input_shape[0], input_shape[-1])

    def build(self, input_shape) -> None:
        self.compute_output_shape(input_shape)
        self.built = True

    def forward(self, x, training=False):
        flat = x.reshape(x.shape[0], -1, x.shape[-1])                  # (N, |S|, C)
        if self.mode == "max":
            arg = flat.argmax(axis=1)[:, None, :]
            m = np.take_along_axis(flat, arg, axis=1)                  # M[c] = max_s X[s, c]
        else:
            arg, m = None, flat.mean(axis=1, keepdims=True)            # M[c] = Σ_s X[s, c] / |S|
        shape = (x.shape[0], *(1,) * self.rank, x.shape[-1]) if self.keepdims else (x.shape[0], x.shape[-1])
        return m.reshape(shape), (x.shape, arg)

    def backward(self, g, cache, need_input_grad=True):
        shape, arg = cache
        if self.mode == "avg":
            g = g.reshape(shape[0], *(1,) * self.rank, shape[-1])
            return np.broadcast_to(g / math.prod(shape[1:-1]), shape).copy(), []   # dL/dX = dL/dM / |S|
        g = g.reshape(shape[0], 1, shape[-1])
        dx = np.zeros((shape[0], math.prod(shape[1:-1]), shape[-1]), dtype=g.dtype)
        np.put_along_axis(dx, arg, g, axis=1)                          # dL/dX[argmax] = dL/dM
        return dx.reshape(shape), []

    def get_config(self) -> dict:
        return {**super().get_config(), "data_format": self.data_format, "keepdims": self.keepdims}


class GlobalMaxPooling1D(BaseGlobalPooling):
    """Maximum over time: ``(N, L, C)`` → ``(N, C)``."""

    rank, mode = 1, "max"


class GlobalMaxPooling2D(BaseGlobalPooling):
    """Maximum over the image: ``(N, H, W, C)`` → ``(N, C)``."""

    rank, mode = 2, "max"


class GlobalMaxPooling3D(BaseGlobalPooling):
    """Maximum over the volume: ``(N, D, H, W, C)`` → ``(N, C)``."""

    rank, mode = 3, "max"


class GlobalAveragePooling1D(BaseGlobalPooling):
    """Mean over time: ``(N, L, C)`` → ``(N, C)``."""

    rank, mode = 1, "avg"


class GlobalAveragePooling2D(BaseGlobalPooling):
    """Mean over the image: ``(N, H, W, C)`` → ``(N, C)``."""

    rank, mode = 2, "avg"


class GlobalAveragePooling3D(BaseGlobalPooling):
    """Mean over the volume: ``(N, D, H, W, C)`` → ``(N, C)``."""

    rank, mode = 3, "avg"
