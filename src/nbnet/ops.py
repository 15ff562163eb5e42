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
