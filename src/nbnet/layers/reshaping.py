"""Spatial reshaping layers: ``UpSampling``, ``ZeroPadding`` and ``Cropping`` in 1, 2 and 3 D.

None has weights.  Their gradients move values back to where they came from:

* up-sampling (nearest) copies each pixel into an ``s_h × s_w`` block, so its gradient sums
  each block: ``dL/dX[i, j] = Σ_block dL/dY``;
* zero padding's gradient crops the padding off, and cropping's gradient pads zeros back.
"""

from __future__ import annotations

import numpy as np

from nbnet.layers.conv_utils import check_data_format, crop_spatial, normalize_tuple, pad_spatial
from nbnet.layers.input_spec import InputSpec
from nbnet.layers.layer import Layer


def _pairs(value, rank: int, arg: str, layer: str) -> tuple[tuple[int, int], ...]:
    """Keras's forms: ``p``; ``(p_axis1, …)`` (symmetric, or ``(left, right)`` in 1-D); ``((l, r), …)``."""
    if rank == 1 and not isinstance(value, (int, np.integer)) and not isinstance(value[0], (tuple, list)):
        value = (tuple(value),)
    if isinstance(value, (int, np.integer)):
        value = (value,) * rank
    value = tuple(value)
    if len(value) != rank:
        raise ValueError(f"{layer}: `{arg}` must be an int, a tuple of {rank} ints or a tuple of {rank} "
                         f"(before, after) pairs, got {value!r}")
    return tuple(normalize_tuple(v, 2, arg, layer, allow_zero=True) for v in value)


class _Spatial(Layer):
    """Shared rank check and config for the layers below."""

    rank = 2

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = check_data_format(data_format, self._who)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    @property
    def _who(self) -> str:
        return f'{type(self).__name__} layer "{self.name}"'

    def _check_rank(self, input_shape) -> None:
        if len(input_shape) != self.rank + 2:
            raise ValueError(f"{self._who} expects inputs of rank {self.rank + 2}, got shape "
                             f"{tuple(input_shape)}")

    def build(self, input_shape) -> None:
        self.compute_output_shape(input_shape)
        self.built = True

    def get_config(self) -> dict:
        return {**super().get_config(), "data_format": self.data_format}


class _UpSampling(_Spatial):
    """Repeat each spatial position ``size`` times along each axis (nearest neighbour).

    Shapes: ``(N, *S, C)`` → ``(N, *(S·size), C)``.
    """

    def __init__(self, size=2, data_format=None, interpolation: str = "nearest", **kwargs):
        super().__init__(data_format, **kwargs)
        self.size = normalize_tuple(size, self.rank, "size", self._who)
        if interpolation != "nearest":
            raise ValueError(f"{self._who}: only interpolation='nearest' is supported, got {interpolation!r}")
        self.interpolation = interpolation

    def compute_output_shape(self, input_shape):
        self._check_rank(input_shape)
        spatial = (None if n is None else n * s for n, s in zip(input_shape[1:-1], self.size))
        return (input_shape[0], *spatial, input_shape[-1])

    def forward(self, x, training=False):
        y = x
        for axis, s in enumerate(self.size, start=1):
            y = np.repeat(y, s, axis=axis)                   # Y[i·s + a] = X[i]
        return y, x.shape

    def backward(self, g, shape, need_input_grad=True):
        blocks = g.reshape(shape[0], *(d for n, s in zip(shape[1:-1], self.size) for d in (n, s)), shape[-1])
        return blocks.sum(axis=tuple(range(2, 2 * self.rank + 1, 2))), []   # dL/dX[i] = Σ_a dL/dY[i·s + a]

    def get_config(self) -> dict:
        out = {**super().get_config(), "size": self.size}
        if self.rank == 2:
            out["interpolation"] = self.interpolation
        return out


class _ZeroPadding(_Spatial):
    """Add zeros around the spatial axes.  Shapes: ``(N, *S, C)`` → ``(N, *(S + before + after), C)``."""

    def __init__(self, padding=1, data_format=None, **kwargs):
        super().__init__(data_format, **kwargs)
        self.padding = _pairs(padding, self.rank, "padding", self._who)

    def compute_output_shape(self, input_shape):
        self._check_rank(input_shape)
        spatial = (None if n is None else n + a + b for n, (a, b) in zip(input_shape[1:-1], self.padding))
        return (input_shape[0], *spatial, input_shape[-1])

    def forward(self, x, training=False):
        return pad_spatial(x, self.padding), None

    def backward(self, g, cache, need_input_grad=True):
        return crop_spatial(g, self.padding), []             # dL/dX = dL/dY without the border

    def get_config(self) -> dict:
        return {**super().get_config(), "padding": self.padding[0] if self.rank == 1 else self.padding}


class _Cropping(_Spatial):
    """Remove rows/columns at the borders.  Shapes: ``(N, *S, C)`` → ``(N, *(S − before − after), C)``."""

    def __init__(self, cropping=1, data_format=None, **kwargs):
        super().__init__(data_format, **kwargs)
        self.cropping = _pairs(cropping, self.rank, "cropping", self._who)

    def compute_output_shape(self, input_shape):
        self._check_rank(input_shape)
        spatial = []
        for n, (a, b) in zip(input_shape[1:-1], self.cropping):
            if n is not None and a + b >= n:
                raise ValueError(f"{self._who}: cropping {self.cropping} removes everything from an input "
                                 f"of spatial shape {tuple(input_shape[1:-1])}")
            spatial.append(None if n is None else n - a - b)
        return (input_shape[0], *spatial, input_shape[-1])

    def forward(self, x, training=False):
        self.compute_output_shape(x.shape)
        return crop_spatial(x, self.cropping), None

    def backward(self, g, cache, need_input_grad=True):
        return pad_spatial(g, self.cropping), []             # dL/dX = dL/dY padded with zeros

    def get_config(self) -> dict:
        return {**super().get_config(), "cropping": self.cropping[0] if self.rank == 1 else self.cropping}


class UpSampling1D(_UpSampling):
    """Repeat each time step ``size`` times: ``(N, L, C)`` → ``(N, L·size, C)``."""

    rank = 1

    def __init__(self, size=2, **kwargs):
        super().__init__(size, **kwargs)


class UpSampling2D(_UpSampling):
    """Nearest-neighbour up-sampling: ``(N, H, W, C)`` → ``(N, H·s_h, W·s_w, C)``."""

    rank = 2

    def __init__(self, size=(2, 2), data_format=None, interpolation: str = "nearest", **kwargs):
        super().__init__(size, data_format, interpolation, **kwargs)


class UpSampling3D(_UpSampling):
    """Nearest-neighbour up-sampling of volumes."""

    rank = 3

    def __init__(self, size=(2, 2, 2), data_format=None, **kwargs):
        super().__init__(size, data_format, **kwargs)


class ZeroPadding1D(_ZeroPadding):
    """Pad sequences with zeros: ``padding`` is ``p`` or ``(left, right)``."""

    rank = 1


class ZeroPadding2D(_ZeroPadding):
    """Pad images with zeros: ``padding`` is ``p``, ``(p_h, p_w)`` or ``((top, bottom), (left, right))``."""

    rank = 2

    def __init__(self, padding=(1, 1), data_format=None, **kwargs):
        super().__init__(padding, data_format, **kwargs)


class ZeroPadding3D(_ZeroPadding):
    """Pad volumes with zeros."""

    rank = 3

    def __init__(self, padding=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(padding, data_format, **kwargs)


class Cropping1D(_Cropping):
    """Crop sequences: ``cropping`` is ``c`` or ``(left, right)``."""

    rank = 1

    def __init__(self, cropping=(1, 1), **kwargs):
        super().__init__(cropping, **kwargs)


class Cropping2D(_Cropping):
    """Crop images: ``cropping`` is ``c``, ``(c_h, c_w)`` or ``((top, bottom), (left, right))``."""

    rank = 2

    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, **kwargs):
        super().__init__(cropping, data_format, **kwargs)


class Cropping3D(_Cropping):
    """Crop volumes."""

    rank = 3

    def __init__(self, cropping=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(cropping, data_format, **kwargs)
