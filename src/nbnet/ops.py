"""Differentiable array operations (the ``keras.ops`` functions custom layers use).

Each function computes its result with NumPy and, when an input takes part in a gradient
computation, records its vector-Jacobian product next to it: ``g`` is ``dL/d(output)`` and each
line returns ``dL/d(input)``.  Plain NumPy arrays in give plain NumPy arrays out.
"""

from __future__ import annotations

import numpy as np

from nbnet.autograd import Tensor, record, unbroadcast, value_of


def _result(value, parents, vjp):
    """Return a Tensor if any input was a Tensor, else the bare array."""
    if any(isinstance(p, Tensor) for p in parents):
        return record(value, parents, vjp)
    return value


def convert_to_tensor(x, dtype=None) -> Tensor:
    """Wrap ``x`` as a constant Tensor."""
    if isinstance(x, Tensor):
        return x
    return Tensor(np.asarray(x, dtype=dtype))


def convert_to_numpy(x) -> np.ndarray:
    """Return ``x`` as a NumPy array."""
    return np.asarray(value_of(x))


# --- elementwise binary ---------------------------------------------------------------------
def add(a, b):
    va, vb = value_of(a), value_of(b)
    out = np.add(va, vb)
    # d(a+b)/da = 1, d(a+b)/db = 1
    return _result(out, (a, b), lambda g: (unbroadcast(g, np.shape(va)), unbroadcast(g, np.shape(vb))))


def subtract(a, b):
    va, vb = value_of(a), value_of(b)
    out = np.subtract(va, vb)
    # d(a-b)/da = 1, d(a-b)/db = -1
    return _result(out, (a, b), lambda g: (unbroadcast(g, np.shape(va)), unbroadcast(-g, np.shape(vb))))


def multiply(a, b):
    va, vb = value_of(a), value_of(b)
    out = np.multiply(va, vb)
    # d(ab)/da = b, d(ab)/db = a
    return _result(out, (a, b), lambda g: (unbroadcast(g * vb, np.shape(va)),
                                           unbroadcast(g * va, np.shape(vb))))


def divide(a, b):
    va, vb = value_of(a), value_of(b)
    out = np.divide(va, vb)
    # d(a/b)/da = 1/b, d(a/b)/db = -a/b²
    return _result(out, (a, b), lambda g: (unbroadcast(g / vb, np.shape(va)),
                                           unbroadcast(-g * va / (vb * vb), np.shape(vb))))


def power(a, b):
    va, vb = value_of(a), value_of(b)
    out = np.power(va, vb)

    def vjp(g):
        # d(a^b)/da = b·a^(b-1), d(a^b)/db = a^b·ln a
        ga = unbroadcast(g * vb * np.power(va, vb - 1), np.shape(va))
        gb = None
        if isinstance(b, Tensor) and b.requires_grad:
            gb = unbroadcast(g * out * np.log(np.where(va > 0, va, 1)), np.shape(vb))
        return ga, gb
    return _result(out, (a, b), vjp)


def maximum(a, b):
    va, vb = value_of(a), value_of(b)
    out = np.maximum(va, vb)
    mask = va >= vb
    # the gradient goes to whichever input was larger (to ``a`` on ties)
    return _result(out, (a, b), lambda g: (unbroadcast(g * mask, np.shape(va)),
                                           unbroadcast(g * ~mask, np.shape(vb))))


def minimum(a, b):
    va, vb = value_of(a), value_of(b)
    out = np.minimum(va, vb)
    mask = va <= vb
    return _result(out, (a, b), lambda g: (unbroadcast(g * mask, np.shape(va)),
                                           unbroadcast(g * ~mask, np.shape(vb))))


def matmul(a, b):
    va, vb = value_of(a), value_of(b)
    out = np.matmul(va, vb)

    def vjp(g):
        # Y = A B  ⇒  dL/dA = G Bᵀ,  dL/dB = Aᵀ G   (vectors promoted to matrices)
        a2 = va[None, :] if va.ndim == 1 else va
        b2 = vb[:, None] if vb.ndim == 1 else vb
        g2 = g
        if va.ndim == 1:
            g2 = np.expand_dims(g2, -2)
        if vb.ndim == 1:
            g2 = np.expand_dims(g2, -1)
        ga = unbroadcast(g2 @ np.swapaxes(b2, -1, -2), a2.shape).reshape(va.shape)
        gb = unbroadcast(np.swapaxes(a2, -1, -2) @ g2, b2.shape).reshape(vb.shape)
        return ga, gb
    return _result(out, (a, b), vjp)


dot = matmul


# --- elementwise unary ----------------------------------------------------------------------
def _unary(x, out, local_grad):
    """Record y = f(x) with dL/dx = g · f'(x), where ``local_grad()`` returns f'(x)."""
    return _result(out, (x,), lambda g: (g * local_grad(),))


def negative(x):
    return _unary(x, -value_of(x), lambda: -1.0)


def exp(x):
    out = np.exp(value_of(x))
    return _unary(x, out, lambda: out)  # d e^x/dx = e^x


def log(x):
    v = value_of(x)
    return _unary(x, np.log(v), lambda: 1.0 / v)  # d ln x/dx = 1/x


def sqrt(x):
    out = np.sqrt(value_of(x))
    return _unary(x, out, lambda: 0.5 / out)  # d √x/dx = 1/(2√x)


def square(x):
    v = value_of(x)
    return _unary(x, v * v, lambda: 2 * v)  # d x²/dx = 2x


def abs(x):  # noqa: A001 - keras.ops name
    v = value_of(x)
    return _unary(x, np.abs(v), lambda: np.sign(v))  # d|x|/dx = sign(x)


def tanh(x):
    out = np.tanh(value_of(x))
    return _unary(x, out, lambda: 1 - out * out)  # d tanh/dx = 1 − tanh²


def sigmoid(x):
    from nbnet.activations import _sigmoid
    out = _sigmoid(value_of(x))
    return _unary(x, out, lambda: out * (1 - out))  # dσ/dx = σ(1 − σ)


def relu(x):
    v = value_of(x)
    return _unary(x, np.maximum(v, 0), lambda: (v > 0).astype(v.dtype))  # d relu/dx = [x > 0]


def softplus(x):
    from nbnet.activations import _sigmoid
    v = value_of(x)
    return _unary(x, np.logaddexp(0, v), lambda: _sigmoid(v))  # d softplus/dx = σ(x)


def clip(x, x_min, x_max):
    v = value_of(x)
    inside = (v >= x_min) & (v <= x_max)
    return _unary(x, np.clip(v, x_min, x_max), lambda: inside)  # 1 inside the range, else 0


def softmax(x, axis=-1):
    v = value_of(x)
    e = np.exp(v - v.max(axis=axis, keepdims=True))
    p = e / e.sum(axis=axis, keepdims=True)
    # dL/dx = p ⊙ (g − Σ g p)   (the softmax Jacobian diag(p) − p pᵀ applied to g)
    return _result(p, (x,), lambda g: (p * (g - (g * p).sum(axis=axis, keepdims=True)),))


def log_softmax(x, axis=-1):
    v = value_of(x)
    shifted = v - v.max(axis=axis, keepdims=True)
    out = shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))
    # dL/dx = g − softmax(x) Σ g
    return _result(out, (x,), lambda g: (g - np.exp(out) * g.sum(axis=axis, keepdims=True),))


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
    count = v.size / max(np.size(out), 1)
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
