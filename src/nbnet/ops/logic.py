"""Comparisons and logic (``keras.ops``): boolean results, so no gradient flows through them.

They accept Tensors, Variables, arrays and numbers, broadcast as NumPy does, and return NumPy
boolean arrays (use ``ops.where`` or ``ops.cast`` to bring them back into a computation).
``one_hot`` lives here too: integer labels in, a constant float array out.
"""

from __future__ import annotations

import numpy as np

from nbnet.autograd import value_of
from nbnet.config import floatx


def _v(x):
    return np.asarray(value_of(x))


def not_equal(x1, x2) -> np.ndarray:
    return np.not_equal(_v(x1), _v(x2))


def greater(x1, x2) -> np.ndarray:
    return np.greater(_v(x1), _v(x2))


def greater_equal(x1, x2) -> np.ndarray:
    return np.greater_equal(_v(x1), _v(x2))


def less(x1, x2) -> np.ndarray:
    return np.less(_v(x1), _v(x2))


def less_equal(x1, x2) -> np.ndarray:
    return np.less_equal(_v(x1), _v(x2))


def logical_and(x1, x2) -> np.ndarray:
    return np.logical_and(_v(x1), _v(x2))


def logical_or(x1, x2) -> np.ndarray:
    return np.logical_or(_v(x1), _v(x2))


def logical_xor(x1, x2) -> np.ndarray:
    return np.logical_xor(_v(x1), _v(x2))


def logical_not(x) -> np.ndarray:
    return np.logical_not(_v(x))


def isnan(x) -> np.ndarray:
    return np.isnan(_v(x))


def isinf(x) -> np.ndarray:
    return np.isinf(_v(x))


def isfinite(x) -> np.ndarray:
    return np.isfinite(_v(x))


def isclose(x1, x2, rtol=1e-5, atol=1e-8, equal_nan=False) -> np.ndarray:
    return np.isclose(_v(x1), _v(x2), rtol=rtol, atol=atol, equal_nan=equal_nan)


def all(x, axis=None, keepdims=False):  # noqa: A001 - Keras's name
    return np.all(_v(x), axis=_axis(axis), keepdims=keepdims)


def any(x, axis=None, keepdims=False):  # noqa: A001 - Keras's name
    return np.any(_v(x), axis=_axis(axis), keepdims=keepdims)


def count_nonzero(x, axis=None):
    return np.count_nonzero(_v(x), axis=_axis(axis))


def _axis(axis):
    return tuple(axis) if isinstance(axis, list) else axis


def one_hot(x, num_classes: int, axis: int = -1, dtype=None, sparse: bool = False) -> np.ndarray:
    """One-hot encode integer labels: shape ``x.shape`` → ``x.shape + (num_classes,)`` (at ``axis``).

    Labels outside ``[0, num_classes)`` (e.g. −1) give an all-zero row, as in Keras.
    """
    if sparse:
        raise ValueError("one_hot: sparse=True is not supported (nbnet has no sparse tensors)")
    labels = _v(x)
    if labels.dtype.kind not in "iub":
        raise TypeError(f"one_hot: x must hold integer labels, got dtype {labels.dtype}")
    out = (labels[..., None] == np.arange(int(num_classes))).astype(dtype or floatx())
    return out if axis == -1 else np.moveaxis(out, -1, axis)


__all__ = ["all", "any", "count_nonzero", "greater", "greater_equal", "isclose", "isfinite", "isinf",
           "isnan", "less", "less_equal", "logical_and", "logical_not", "logical_or", "logical_xor",
           "not_equal", "one_hot"]
