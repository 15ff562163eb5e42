"""The arithmetic every attention layer shares: masked softmax, its Jacobian, masks, dropout.

Symbols (the book's): scores ``S`` (…, Tq, Tv), attention weights ``A = softmax(S)`` over the
last axis, values ``V`` (…, Tv, dv), output ``O = A V`` (…, Tq, dv).

A masked position gets ``-1e9`` added to its score before the softmax (Keras's constant), so its
weight is ``exp(-1e9) = 0``; a row masked everywhere becomes uniform, as in Keras.
"""

from __future__ import annotations

import numpy as np

from nbnet.utils.rng import generator

LARGE_NEGATIVE = -1e9   # keras.layers.Softmax's fill value for masked scores


def masked_softmax(S: np.ndarray, mask: np.ndarray | None) -> np.ndarray:
    """``A = softmax(S + (1 − mask)·(−1e9))`` over the last axis.

    Parameters
    ----------
    S : ndarray, shape (..., Tq, Tv)
    mask : bool ndarray broadcastable to ``S``, or None
        ``True`` where a query may attend to a key.

    Returns
    -------
    ndarray, shape (..., Tq, Tv)
    """
    if mask is not None:
        S = S + np.where(mask, 0.0, LARGE_NEGATIVE).astype(S.dtype)
    S = S - S.max(axis=-1, keepdims=True)   # shift: softmax is unchanged, exp cannot overflow
    E = np.exp(S)
    return E / E.sum(axis=-1, keepdims=True)


def softmax_backward(A: np.ndarray, dA: np.ndarray) -> np.ndarray:
    """dL/dS from dL/dA through ``A = softmax(S)`` (rows on the last axis).

    The Jacobian is ``∂A_j/∂S_k = A_j (δ_jk − A_k)``, so
    ``dS_k = Σ_j dA_j A_j (δ_jk − A_k) = A_k (dA_k − Σ_j dA_j A_j)``.
    The additive mask is a constant, so the same line holds for masked scores.
    """
    return A * (dA - (dA * A).sum(axis=-1, keepdims=True))


def causal_mask(Tq: int, Tv: int) -> np.ndarray:
    """Lower-triangular ``(1, Tq, Tv)`` bool mask: query ``i`` sees keys ``j ≤ i`` (Keras's rule)."""
    return np.tril(np.ones((Tq, Tv), dtype=bool))[None]


def combine_masks(*masks) -> np.ndarray | None:
    """Logical AND of the masks that are not ``None`` (broadcast), or ``None`` if there are none."""
    out = None
    for m in masks:
        if m is not None:
            m = np.asarray(m).astype(bool)
            out = m if out is None else (out & m)
    return out


def dropout_keep(shape: tuple, rate: float, dtype, rng=None) -> np.ndarray:
    """Inverted-dropout multiplier: ``1/(1−rate)`` where kept, 0 where dropped."""
    rng = rng or generator()
    keep = rng.random(shape, dtype=np.float32) >= rate
    return keep.astype(dtype) / np.asarray(1 - rate, dtype)
