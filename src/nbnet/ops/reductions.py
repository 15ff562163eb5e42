"""Reductions (sum, mean, max, min), each with its vector-Jacobian product."""

from __future__ import annotations

import numpy as np

from nbnet.autograd import value_of
from nbnet.ops.core import _result


# --- reductions -----------------------------------------------------------------------------
def _expand_like(g, shape, axis, keepdims):
    if axis is None or keepdims:
        return np.broadcast_to(g if axis is not None else np.reshape(g, (1,) * len(shape)), shape)
    axes = (axis,) if np.isscalar(axis) else tuple(axis)
    axes = tuple(a % len(shape) for a in axes)
    return np.broadcast_to(np.expand_dims(g, axes), shape)


def sum(x, axis=None, keepdims=False):  # noqa: A001 - keras.ops name
    v = value_of(x)
    out = np.sum(v, axis=axis, keepdims=keepdims)
    # d Σx / dx = 1 for every summed element
    return _result(out, (x,), lambda g: (np.array(_expand_like(g, v.shape, axis, keepdims)),))


def mean(x, axis=None, keepdims=False):
    v = value_of(x)
    out = np.mean(v, axis=axis, keepdims=keepdims)
    count = v.size / (np.size(out) or 1)   # (the builtin max is shadowed by ops.max here)
    # d mean / dx = 1/n
    return _result(out, (x,), lambda g: (np.array(_expand_like(g, v.shape, axis, keepdims)) / count,))


def _extremum(x, axis, keepdims, fn):
    v = value_of(x)
    out = fn(v, axis=axis, keepdims=keepdims)
    winners = v == fn(v, axis=axis, keepdims=True)

    def vjp(g):
        # the gradient goes to the extreme element(s), shared equally on ties
        share = winners / winners.sum(axis=axis, keepdims=True)
        return (share * _expand_like(g, v.shape, axis, keepdims),)
    return _result(out, (x,), vjp)


def max(x, axis=None, keepdims=False):  # noqa: A001 - keras.ops name
    return _extremum(x, axis, keepdims, np.max)


def min(x, axis=None, keepdims=False):  # noqa: A001 - keras.ops name
    return _extremum(x, axis, keepdims, np.min)
