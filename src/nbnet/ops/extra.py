"""More keras.ops functions custom layers use, each with its vector-Jacobian product."""

from __future__ import annotations

import numpy as np

from nbnet.autograd import unbroadcast, value_of
from nbnet.ops.core import _result
from nbnet.ops.elementwise import (
    _unary,
    abs,  # noqa: A004 - the differentiable keras.ops versions
    divide,
    maximum,
    multiply,
    sqrt,
    subtract,
)
from nbnet.ops.reductions import _expand_like, max, mean, sum  # noqa: A004
from nbnet.ops.shape import take_slice


# --- more keras.ops functions custom layers use (each with its vector-Jacobian product) -----
def log1p(x):
    v = value_of(x)
    return _unary(x, np.log1p(v), lambda: 1.0 / (1.0 + v))  # d ln(1+x)/dx = 1/(1+x)


def sign(x):
    v = value_of(x)
    return _unary(x, np.sign(v), lambda: np.zeros_like(v))  # d sign/dx = 0 (almost everywhere)


def erf(x):
    import math
    v = value_of(x)
    out = np.vectorize(math.erf, otypes=[v.dtype])(v) if v.ndim else np.asarray(math.erf(v), v.dtype)
    return _unary(x, out, lambda: 2.0 / np.sqrt(np.pi) * np.exp(-v * v))  # d erf/dx = 2/√π e^(−x²)


def leaky_relu(x, negative_slope=0.2):
    v = value_of(x)
    slope = np.where(v > 0, 1.0, negative_slope).astype(v.dtype)
    return _unary(x, v * slope, lambda: slope)  # d/dx = 1 for x > 0, else α


def elu(x, alpha=1.0):
    v = value_of(x)
    e = alpha * np.expm1(np.minimum(v, 0))
    out = np.where(v > 0, v, e)
    return _unary(x, out, lambda: np.where(v > 0, 1.0, e + alpha))  # d/dx = 1, or α e^x = elu + α


def prod(x, axis=None, keepdims=False):
    v = value_of(x)
    out = np.prod(v, axis=axis, keepdims=keepdims)

    def vjp(g):
        # dΠ/dx_i = Π_{j≠i} x_j, from left and right running products (no division, so zeros work)
        axes = tuple(range(v.ndim)) if axis is None else ((axis,) if np.isscalar(axis) else tuple(axis))
        axes = tuple(a % v.ndim for a in axes)
        rest = [a for a in range(v.ndim) if a not in axes]
        flat = np.transpose(v, rest + list(axes)).reshape([v.shape[a] for a in rest] + [-1])
        ones = np.ones_like(flat[..., :1])
        left = np.cumprod(np.concatenate([ones, flat[..., :-1]], -1), -1)
        right = np.flip(np.cumprod(np.concatenate([ones, np.flip(flat, -1)[..., :-1]], -1), -1), -1)
        others = (left * right).reshape([v.shape[a] for a in rest + list(axes)])
        others = np.transpose(others, np.argsort(rest + list(axes)))
        return (others * _expand_like(g, v.shape, axis, keepdims),)
    return _result(out, (x,), vjp)


def var(x, axis=None, keepdims=False):
    """Population variance (divides by n, as ``keras.ops.var``)."""
    d = subtract(x, mean(x, axis=axis, keepdims=True))
    return mean(multiply(d, d), axis=axis, keepdims=keepdims)  # composed: autograd chains the VJPs


def std(x, axis=None, keepdims=False):
    return sqrt(var(x, axis=axis, keepdims=keepdims))


def moments(x, axes, keepdims=False):
    """Return ``(mean, variance)`` over ``axes`` (``keras.ops.moments``)."""
    return mean(x, axis=tuple(axes), keepdims=keepdims), var(x, axis=tuple(axes), keepdims=keepdims)


def norm(x, ord=None, axis=None, keepdims=False):  # noqa: A002 - keras.ops name
    """Euclidean (L2) norm, or ``ord=1`` / ``ord=inf`` vector norms."""
    if ord in (None, 2, "fro", "euclidean"):
        return sqrt(sum(multiply(x, x), axis=axis, keepdims=keepdims))  # ‖x‖ = √Σx²
    if ord == 1:
        return sum(abs(x), axis=axis, keepdims=keepdims)
    if ord in (np.inf, "inf"):
        return max(abs(x), axis=axis, keepdims=keepdims)
    raise ValueError(f"ops.norm: ord must be None, 1, 2, 'fro' or inf; got {ord!r}")


def normalize(x, axis=-1, order=2, epsilon=None):
    """``x / max(‖x‖, ε)`` along ``axis`` (``keras.ops.normalize``, ε = 1e-7)."""
    eps = 1e-7 if epsilon is None else epsilon
    n = norm(x, ord=order, axis=axis, keepdims=True)
    return divide(x, maximum(n, np.asarray(eps, dtype=np.result_type(value_of(n)))))


def cumsum(x, axis=None):
    v = value_of(x)
    out = np.cumsum(v, axis=axis)

    def vjp(g):
        # y_i = Σ_{j≤i} x_j  ⇒  dL/dx_j = Σ_{i≥j} g_i  (a reversed cumulative sum)
        if axis is None:
            return (np.flip(np.cumsum(np.flip(g))).reshape(v.shape),)
        return (np.flip(np.cumsum(np.flip(g, axis), axis=axis), axis),)
    return _result(out, (x,), vjp)


def take(x, indices, axis=None):
    v = value_of(x)
    idx = np.asarray(value_of(indices)).astype(np.int64)
    out = np.take(v, idx, axis=axis)

    def vjp(g):
        full = np.zeros(v.size if axis is None else v.shape, dtype=g.dtype)
        if axis is None:
            np.add.at(full, idx, g)  # scatter-add: a picked element gets every gradient it fed
            return (full.reshape(v.shape),)
        moved = np.moveaxis(full, axis, 0)
        np.add.at(moved, idx, np.moveaxis(g, list(range(axis, axis + idx.ndim)), list(range(idx.ndim))))
        return (full,)
    return _result(out, (x,), vjp)


def split(x, indices_or_sections, axis=0):
    """Split into pieces; each piece is its own differentiable slice."""
    v = value_of(x)
    pieces = np.split(np.arange(v.shape[axis]), indices_or_sections)
    out = []
    for p in pieces:
        index = [slice(None)] * v.ndim
        index[axis] = slice(int(p[0]), int(p[-1]) + 1) if len(p) else slice(0, 0)
        out.append(take_slice(x, tuple(index)))
    return out


def tile(x, repeats):
    v = value_of(x)
    reps = (repeats,) if np.isscalar(repeats) else tuple(repeats)
    out = np.tile(v, reps)
    nd = out.ndim
    base = (1,) * (nd - v.ndim) + v.shape
    reps = (1,) * (nd - len(reps)) + reps

    def vjp(g):
        # each copy passes its gradient back to the same source: sum over the copies
        folded = g.reshape(tuple(d for pair in zip(reps, base) for d in pair))
        return (folded.sum(axis=tuple(range(0, 2 * nd, 2))).reshape(v.shape),)
    return _result(out, (x,), vjp)


def repeat(x, repeats, axis=None):
    v = value_of(x)
    out = np.repeat(v, repeats, axis=axis)
    src = np.repeat(np.arange(v.size if axis is None else v.shape[axis]), repeats)

    def vjp(g):
        if axis is None:
            full = np.zeros(v.size, dtype=g.dtype)
            np.add.at(full, src, g)  # sum the gradients of the copies of each element
            return (full.reshape(v.shape),)
        full = np.zeros(v.shape, dtype=g.dtype)
        np.add.at(np.moveaxis(full, axis, 0), src, np.moveaxis(g, axis, 0))
        return (full,)
    return _result(out, (x,), vjp)


def broadcast_to(x, shape):
    v = value_of(x)
    return _result(np.broadcast_to(v, shape).copy(), (x,), lambda g: (unbroadcast(g, v.shape),))


def eye(N, M=None, k=0, dtype="float32"):  # noqa: N803 - keras.ops names
    return np.eye(N, M, k, dtype=dtype)


def einsum(subscripts: str, *operands):
    """Einstein summation; differentiable for one or two operands with explicit indices."""
    values = [value_of(o) for o in operands]
    out = np.einsum(subscripts, *values)
    spec = subscripts.replace(" ", "")
    if "->" not in spec:
        letters = spec.replace(",", "")
        spec += "->" + "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
    ins, target = spec.split("->")
    ins = ins.split(",")

    def vjp(g):
        if "." in spec or len(ins) > 2:
            raise NotImplementedError(f"ops.einsum: gradients need explicit indices (no '...') and at "
                                      f"most 2 operands; got {subscripts!r}")
        grads = []
        for i, sub in enumerate(ins):
            others = [(s, v) for j, (s, v) in enumerate(zip(ins, values)) if j != i]
            grads.append(_einsum_grad(g, target, sub, others, values[i].shape))
        return tuple(grads)
    return _result(out, tuple(operands), vjp)


def _einsum_grad(g, target, sub, others, shape):
    """dL/dA for ``A`` with indices ``sub``: contract G with the other operand back onto ``sub``."""
    if len(set(sub)) != len(sub):
        raise NotImplementedError(f"ops.einsum: gradient of a repeated index in {sub!r} is not supported")
    available = set(target).union(*[set(s) for s, _ in others])
    kept = "".join(c for c in sub if c in available)
    terms = ",".join([target] + [s for s, _ in others])
    reduced = np.einsum(f"{terms}->{kept}", g, *[v for _, v in others])
    # indices of A found nowhere else were summed away: the gradient is constant along them
    sizes = dict(zip(sub, shape))
    order = kept + "".join(c for c in sub if c not in kept)
    expanded = np.broadcast_to(reduced.reshape(reduced.shape + (1,) * (len(sub) - len(kept))),
                               tuple(sizes[c] for c in order))
    return np.transpose(expanded, [order.index(c) for c in sub]).copy()
