"""Input specifications: what a layer accepts, and the error it gives when it gets otherwise."""

from __future__ import annotations

import numpy as np

from nbnet.autograd import value_of


class InputSpec:
    """Constraints on one input of a layer (``keras.InputSpec``).

    Parameters
    ----------
    ndim, min_ndim, max_ndim : int, optional
        Exact, minimum or maximum rank (batch axis included).
    axes : dict, optional
        ``{axis: size}`` for axes whose size is fixed, e.g. ``{-1: 784}``.
    """

    def __init__(self, ndim=None, min_ndim=None, max_ndim=None, axes=None, shape=None):
        self.ndim, self.min_ndim, self.max_ndim = ndim, min_ndim, max_ndim
        self.axes = dict(axes or {})
        self.shape = shape

    def __repr__(self) -> str:
        parts = [f"{k}={v}" for k, v in vars(self).items() if v]
        return f"InputSpec({', '.join(parts)})"


def shape_of(x) -> tuple:
    """Shape of an array, a Tensor or a symbolic KerasTensor, with the batch axis as ``None``."""
    return (None,) + tuple(np.shape(value_of(x)) if not hasattr(x, "symbolic_shape") else x.shape)[1:]


def _full_shape(x) -> tuple:
    return tuple(x.shape) if hasattr(x, "symbolic_shape") else np.shape(value_of(x))


def check_input(layer, inputs: list) -> None:
    """Raise a ValueError naming ``layer`` if ``inputs`` break its ``input_spec``."""
    specs = layer.input_spec
    if specs is None:
        return
    specs = specs if isinstance(specs, (list, tuple)) else [specs]
    if len(specs) != len(inputs):
        raise ValueError(f'Layer "{layer.name}" expects {len(specs)} input(s), but it received '
                         f"{len(inputs)} input tensors.")
    for i, (spec, x) in enumerate(zip(specs, inputs)):
        if spec is None:
            continue
        shape = _full_shape(x)
        head = f'Input {i} of layer "{layer.name}" is incompatible with the layer: '
        if spec.shape is not None and (len(shape) != len(spec.shape) or any(
                a is not None and b is not None and a != b for a, b in zip(spec.shape, shape))):
            raise ValueError(f"{head}expected shape={tuple(spec.shape)}, found shape={tuple(shape)}")
        if spec.ndim is not None and len(shape) != spec.ndim:
            raise ValueError(f"{head}expected ndim={spec.ndim}, found ndim={len(shape)}. "
                             f"Full shape received: {shape}")
        if spec.min_ndim is not None and len(shape) < spec.min_ndim:
            raise ValueError(f"{head}expected min_ndim={spec.min_ndim}, found ndim={len(shape)}. "
                             f"Full shape received: {shape}")
        if spec.max_ndim is not None and len(shape) > spec.max_ndim:
            raise ValueError(f"{head}expected max_ndim={spec.max_ndim}, found ndim={len(shape)}. "
                             f"Full shape received: {shape}")
        for axis, size in spec.axes.items():
            if size is not None and -len(shape) <= axis < len(shape) and shape[axis] not in (size, None):
                raise ValueError(f"{head}expected axis {axis} of input shape to have value {size}, "
                                 f"but received input with shape {shape}")
