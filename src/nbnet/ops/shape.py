"""Shape manipulation (reshape, transpose, concatenate, ...), each with its vector-Jacobian product."""

from __future__ import annotations

import numpy as np

from nbnet.autograd import Tensor, unbroadcast, value_of
from nbnet.ops.core import _result


# --- shape manipulation ---------------------------------------------------------------------
def reshape(x, newshape):
    v = value_of(x)
    return _result(v.reshape(newshape), (x,), lambda g: (g.reshape(v.shape),))


def transpose(x, axes=None):
    v = value_of(x)
    inverse = None if axes is None else np.argsort(axes)
    return _result(np.transpose(v, axes), (x,), lambda g: (np.transpose(g, inverse),))


def expand_dims(x, axis):
    v = value_of(x)
    return _result(np.expand_dims(v, axis), (x,), lambda g: (g.reshape(v.shape),))


def squeeze(x, axis=None):
    v = value_of(x)
    return _result(np.squeeze(v, axis), (x,), lambda g: (g.reshape(v.shape),))


def take_slice(x, index):
    """``x[index]`` — basic or advanced indexing."""
    v = value_of(x)

    def vjp(g):
        full = np.zeros_like(v)
        np.add.at(full, index, g)  # scatter the gradient back to the picked elements
        return (full,)
    return _result(v[index], (x,), vjp)


def concatenate(xs, axis=-1):
    values = [value_of(x) for x in xs]
    cuts = np.cumsum([v.shape[axis] for v in values])[:-1]
    # the gradient splits back into the pieces
    return _result(np.concatenate(values, axis=axis), tuple(xs),
                   lambda g: tuple(np.split(g, cuts, axis=axis)))


def stack(xs, axis=0):
    values = [value_of(x) for x in xs]
    return _result(np.stack(values, axis=axis), tuple(xs),
                   lambda g: tuple(np.moveaxis(g, axis, 0)))


def where(condition, x1, x2):
    c = np.asarray(value_of(condition), dtype=bool)
    v1, v2 = value_of(x1), value_of(x2)
    return _result(np.where(c, v1, v2), (x1, x2),
                   lambda g: (unbroadcast(g * c, np.shape(v1)), unbroadcast(g * ~c, np.shape(v2))))


def cast(x, dtype):
    v = value_of(x)
    return _result(v.astype(dtype), (x,), lambda g: (g.astype(v.dtype),))


def stop_gradient(x):
    """Return ``x`` as a constant: no gradient flows back through it."""
    return Tensor(value_of(x)) if isinstance(x, Tensor) else x


def shape(x) -> tuple:
    return np.shape(value_of(x))


def zeros(shape, dtype="float32"):
    return np.zeros(shape, dtype=dtype)


def ones(shape, dtype="float32"):
    return np.ones(shape, dtype=dtype)


def zeros_like(x, dtype=None):
    return np.zeros_like(value_of(x), dtype=dtype)


def ones_like(x, dtype=None):
    return np.ones_like(value_of(x), dtype=dtype)


def argmax(x, axis=-1):
    return np.argmax(value_of(x), axis=axis)


def argmin(x, axis=-1):
    return np.argmin(value_of(x), axis=axis)


def equal(a, b):
    return np.equal(value_of(a), value_of(b))
