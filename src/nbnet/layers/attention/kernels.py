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


def sdpa_forward(Q, K, V, mask, scale: float, rate: float = 0.0, rng=None, zero_masked: bool = True):
    """Scaled dot-product attention on stacked heads.

    Parameters
    ----------
    Q : ndarray (..., T, dk)
    K : ndarray (..., S, dk)
    V : ndarray (..., S, dv)
    mask : bool ndarray broadcastable to (..., T, S), or None
    scale : float
        Usually ``1/√dk``; multiplies the query first (as Keras does).
    rate : float
        Dropout rate on the attention weights (0: none).
    zero_masked : bool
        Set masked weights to exactly 0, so that a row masked everywhere is all zeros (as
        ``keras.layers.Softmax`` with a mask); ``False`` leaves such a row uniform (as Keras's
        fused ``ops.dot_product_attention`` path).

    Returns
    -------
    O : ndarray (..., T, dv)
    A : ndarray (..., T, S), the weights before dropout
    cache : tuple for :func:`sdpa_backward`
    """
    Qs = Q * np.asarray(scale, Q.dtype)                              # Q̃ = Q / √dk
    A = masked_softmax(Qs @ np.swapaxes(K, -1, -2), mask)            # A = softmax(Q̃ Kᵀ + mask)
    if mask is not None and zero_masked:
        A = np.where(mask, A, 0).astype(A.dtype)   # a query masked everywhere attends to nothing
    keep = dropout_keep(A.shape, rate, A.dtype, rng) if rate > 0 else None
    Ad = A if keep is None else A * keep                             # Ã = dropout(A)
    return Ad @ V, A, (Qs, K, V, A, Ad, keep, scale)                 # O = Ã V


def sdpa_backward(dO, dA_extra, cache):
    """``(dQ, dK, dV)`` from dL/dO (and dL/dA for returned weights, or None)."""
    Qs, K, V, A, Ad, keep, scale = cache
    dV = np.swapaxes(Ad, -1, -2) @ dO                                # dV = Ãᵀ dO
    dA = dO @ np.swapaxes(V, -1, -2)                                 # dÃ = dO Vᵀ
    if keep is not None:
        dA *= keep                                                   # dA = keep ⊙ dÃ
    if dA_extra is not None:
        dA += dA_extra                                               # + the returned weights' gradient
    dS = softmax_backward(A, dA)   # the softmax Jacobian (a zeroed row gives dS = 0, as it should)
    dQ = (dS @ K) * np.asarray(scale, dS.dtype)                      # dQ = dS K / √dk
    dK = np.swapaxes(dS, -1, -2) @ Qs                                # dK = dSᵀ Q̃
    return dQ, dK, dV
