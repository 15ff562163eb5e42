"""``keras.ops`` that attention code uses: tensordot, triu, tril, top_k, logsumexp.

Each computes its result with NumPy and records its vector-Jacobian product: ``g`` is
dL/d(output) and each rule returns dL/d(input).
"""

from __future__ import annotations

import numpy as np

from nbnet.autograd import value_of
from nbnet.ops.core import _result
from nbnet.ops.reductions import _expand_like

__all__ = ["logsumexp", "tensordot", "top_k", "tril", "triu"]


def _tensordot_axes(axes, nd1: int, nd2: int) -> tuple[list, list]:
    if isinstance(axes, (int, np.integer)):
        return list(range(nd1 - int(axes), nd1)), list(range(int(axes)))
    a, b = axes
    a = [a] if isinstance(a, (int, np.integer)) else list(a)
    b = [b] if isinstance(b, (int, np.integer)) else list(b)
    if len(a) != len(b):
        raise ValueError(f"tensordot: axes must pair up, got {len(a)} axes of x1 and {len(b)} of x2")
    return [i % nd1 for i in a], [i % nd2 for i in b]


def tensordot(x1, x2, axes=2):
    """Sum of products over ``axes`` (``keras.ops.tensordot``, as ``numpy.tensordot``).

    Parameters
    ----------
    x1, x2 : arrays
    axes : int or (sequence, sequence)
        ``n``: the last ``n`` axes of ``x1`` with the first ``n`` of ``x2``; or the two axis lists.

    Returns
    -------
    array, shape ``x1``'s free axes + ``x2``'s free axes.
    """
    a, b = value_of(x1), value_of(x2)
    ax_a, ax_b = _tensordot_axes(axes, a.ndim, b.ndim)
    out = np.tensordot(a, b, axes=(ax_a, ax_b))
    free_a = [i for i in range(a.ndim) if i not in ax_a]
    free_b = [i for i in range(b.ndim) if i not in ax_b]

    def vjp(g):
        k = len(free_a)
        # dL/dx1 = g contracted with x2 over x2's free axes; its leftover axes pair with ax_a
        da = np.tensordot(g, b, axes=(list(range(k, g.ndim)), free_b))
        da = np.transpose(da, np.argsort(free_a + [ax_a[ax_b.index(j)] for j in sorted(ax_b)]))
        # dL/dx2 = x1 contracted with g over x1's free axes; its leftover axes pair with ax_b
        db = np.tensordot(a, g, axes=(free_a, list(range(k))))
        db = np.transpose(db, np.argsort([ax_b[ax_a.index(j)] for j in sorted(ax_a)] + free_b))
        return da, db
    return _result(out, (x1, x2), vjp)


def triu(x, k: int = 0):
    """Upper triangle of the last two axes (``keras.ops.triu``): zero below diagonal ``k``."""
    v = value_of(x)
    return _result(np.triu(v, k), (x,), lambda g: (np.triu(g, k),))   # d/dx keeps the kept entries


def tril(x, k: int = 0):
    """Lower triangle of the last two axes (``keras.ops.tril``): zero above diagonal ``k``."""
    v = value_of(x)
    return _result(np.tril(v, k), (x,), lambda g: (np.tril(g, k),))   # d/dx keeps the kept entries


def top_k(x, k: int, sorted: bool = True):  # noqa: A002 - keras.ops name
    """The ``k`` largest entries along the last axis and their indices (``keras.ops.top_k``).

    Returns
    -------
    values : array (..., k), largest first when ``sorted``
    indices : int32 array (..., k)
    """
    v = value_of(x)
    k = int(k)
    if not 0 < k <= v.shape[-1]:
        raise ValueError(f"top_k: k must be in [1, {v.shape[-1]}] for a last axis of size {v.shape[-1]}, got {k}")
    idx = np.argpartition(-v, k - 1, axis=-1)[..., :k]
    if sorted:
        order = np.argsort(-np.take_along_axis(v, idx, axis=-1), axis=-1, kind="stable")
        idx = np.take_along_axis(idx, order, axis=-1)
    values = np.take_along_axis(v, idx, axis=-1)

    def vjp(g):
        full = np.zeros(v.shape, dtype=g.dtype)
        np.put_along_axis(full, idx, g, axis=-1)   # each picked entry gets its gradient, the rest 0
        return (full,)
    return _result(values, (x,), vjp), idx.astype(np.int32)


def logsumexp(x, axis=None, keepdims: bool = False):
    """``log Σ exp(x)`` over ``axis``, computed stably as ``m + log Σ exp(x − m)`` (``keras.ops.logsumexp``)."""
    v = value_of(x)
    m = np.max(v, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0)
    lse = m + np.log(np.sum(np.exp(v - m), axis=axis, keepdims=True))
    out = lse if keepdims else (np.squeeze(lse, axis=axis) if axis is not None else lse.reshape(()))

    def vjp(g):
        # d lse / dx_i = exp(x_i − lse) = softmax(x)_i
        return (_expand_like(g, v.shape, axis, keepdims) * np.exp(v - lse),)
    return _result(out, (x,), vjp)
