"""Elementwise arithmetic and activation-like functions, each with its vector-Jacobian product."""

from __future__ import annotations

import numpy as np

from nbnet.autograd import Tensor, unbroadcast, value_of
from nbnet.ops.core import _result


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
