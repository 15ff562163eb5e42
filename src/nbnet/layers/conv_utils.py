"""Geometry shared by convolution and pooling layers: argument checks, padding, im2col, col2im.

Notation: an input batch ``X`` has shape ``(N, *S, C)`` (channels last), a kernel has spatial
size ``K = (k_1, ..., k_r)``, strides ``s`` and dilation ``d``.  The *effective* kernel size is
``(k − 1)·d + 1``.  With ``"same"`` padding (TensorFlow's rule, which Keras follows) the output
has ``ceil(n / s)`` positions and the total padding is
``max((ceil(n/s) − 1)·s + (k − 1)·d + 1 − n, 0)``, of which ``total // 2`` goes on the left.

im2col turns convolution into one matrix product: each output position ``o`` gets a row holding
the ``prod(K)·C`` input values its kernel window covers, so ``Z = cols @ W``.  col2im is its
adjoint: it scatter-adds the rows back onto the input positions they came from (one strided
slice per kernel offset).
"""

from __future__ import annotations

import itertools
import math

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def normalize_tuple(value, n: int, arg: str, layer: str, allow_zero: bool = False) -> tuple[int, ...]:
    """Turn an int or a sequence into an ``n``-tuple of ints, with a clear error otherwise."""
    values = (value,) * n if isinstance(value, (int, np.integer)) else tuple(value)
    low = 0 if allow_zero else 1
    if len(values) != n or not all(isinstance(v, (int, np.integer)) and v >= low for v in values):
        raise ValueError(f"{layer}: `{arg}` must be an integer or a tuple of {n} integers >= {low}, "
                         f"got {value!r}")
    return tuple(int(v) for v in values)


def normalize_padding(padding, allowed: tuple[str, ...], layer: str) -> str:
    """Check a padding mode (case-insensitive) against the modes a layer allows."""
    mode = padding.lower() if isinstance(padding, str) else padding
    if mode not in allowed:
        raise ValueError(f"{layer}: `padding` must be one of {allowed}, got {padding!r}")
    return mode


def check_data_format(data_format, layer: str) -> str:
    """nbnet is channels-last only; accept ``None`` or ``"channels_last"``."""
    if data_format not in (None, "channels_last"):
        raise ValueError(f"{layer}: only data_format='channels_last' is supported, got {data_format!r}")
    return "channels_last"


def effective_size(k: int, d: int) -> int:
    """Span of a kernel of size ``k`` with dilation ``d``: ``(k − 1)·d + 1``."""
    return (k - 1) * d + 1


def padding_pairs(spatial, kernel, strides, dilation, padding: str) -> list[tuple[int, int]]:
    """(left, right) zero padding for each spatial axis."""
    pairs = []
    for n, k, s, d in zip(spatial, kernel, strides, dilation):
        span = effective_size(k, d)
        if padding == "same":
            total = max((math.ceil(n / s) - 1) * s + span - n, 0)
            pairs.append((total // 2, total - total // 2))
        elif padding == "causal":
            pairs.append((span - 1, 0))
        else:
            pairs.append((0, 0))
    return pairs


def output_spatial(spatial, kernel, strides, dilation, padding: str, layer: str) -> tuple:
    """Output spatial shape (``None`` stays ``None``); raise if a "valid" kernel does not fit."""
    out = []
    for n, k, s, d in zip(spatial, kernel, strides, dilation):
        span = effective_size(k, d)
        if n is None:
            out.append(None)
        elif padding in ("same", "causal"):
            out.append(math.ceil(n / s))
        elif n < span:
            raise ValueError(f"{layer}: with padding='valid' the kernel (size {tuple(kernel)}, dilated span "
                             f"{span}) is larger than the input spatial shape {tuple(spatial)}. Use a smaller "
                             "kernel, padding='same', or a larger input.")
        else:
            out.append((n - span) // s + 1)
    return tuple(out)


def pad_spatial(x: np.ndarray, pairs, value=0.0) -> np.ndarray:
    """Pad the spatial axes (1 … r) of a channels-last array; no copy when nothing to pad."""
    if not any(left or right for left, right in pairs):
        return x
    return np.pad(x, [(0, 0), *pairs, (0, 0)], constant_values=value)


def offset_slices(kernel, strides, dilation, out_shape):
    """Yield, for each kernel offset (row-major), the index tuple of the input values it meets.

    For offset ``i`` along an axis, output ``o`` reads input ``o·s + i·d``: a strided slice.
    """
    for offset in itertools.product(*(range(k) for k in kernel)):
        yield (slice(None),) + tuple(
            slice(i * d, i * d + (o - 1) * s + 1, s)
            for i, d, s, o in zip(offset, dilation, strides, out_shape)) + (Ellipsis,)


def im2col(xp: np.ndarray, kernel, strides, dilation, out_shape) -> np.ndarray:
    """Kernel windows of a padded input, as a contiguous array ``(N, *O, prod(K), C)``."""
    r = len(kernel)
    span = tuple(effective_size(k, d) for k, d in zip(kernel, dilation))
    view = sliding_window_view(xp, span, axis=tuple(range(1, r + 1)))   # (N, *O_full, C, *span)
    view = view[(slice(None), *(slice(None, (o - 1) * s + 1, s) for o, s in zip(out_shape, strides)),
                 slice(None), *(slice(None, None, d) for d in dilation))]   # (N, *O, C, *K)
    order = (0, *range(1, r + 1), *range(r + 2, 2 * r + 2), r + 1)       # → (N, *O, *K, C)
    cols = np.ascontiguousarray(view.transpose(order))
    return cols.reshape(*cols.shape[:r + 1], math.prod(kernel), xp.shape[-1])


def col2im(dcols: np.ndarray, padded_shape, kernel, strides, dilation) -> np.ndarray:
    """Adjoint of :func:`im2col`: scatter-add ``(N, *O, prod(K), C)`` rows onto the padded input."""
    out_shape = dcols.shape[1:-2]
    dxp = np.zeros(padded_shape, dtype=dcols.dtype)
    for p, idx in enumerate(offset_slices(kernel, strides, dilation, out_shape)):
        dxp[idx] += dcols[..., p, :]          # dL/dx[o·s + i·d] += dL/dcols[o, i]
    return dxp


# OpenBLAS runs a product with M·K·F ≤ 2¹⁸ on one thread.  A tall, thin product (many rows, a
# small K·F, as in a first conv layer) is fastest as a stack of such blocks: multithreading it
# whole gains nothing and is very slow on a busy machine.
_BLOCK_WORK = 1 << 18


def _block_rows(m: int, k: int, f: int) -> int:
    """Rows per block for a tall (m, k) @ (k, f) product, or 0 to use one plain product."""
    rows = _BLOCK_WORK // max(k * f, 1)
    return rows if 64 <= rows < m else 0


def matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a @ b`` for a tall ``a`` (M, K) and a small ``b`` (K, F)."""
    rows = _block_rows(*a.shape, b.shape[1])
    if not rows:
        return a @ b
    n = a.shape[0] // rows * rows
    out = np.empty((a.shape[0], b.shape[1]), dtype=np.result_type(a, b))
    np.matmul(a[:n].reshape(-1, rows, a.shape[1]), b, out=out[:n].reshape(-1, rows, b.shape[1]))
    out[n:] = a[n:] @ b
    return out


def matmul_tn(a: np.ndarray, g: np.ndarray) -> np.ndarray:
    """``aᵀ @ g`` for tall ``a`` (M, K) and ``g`` (M, F): a sum over the M rows."""
    rows = _block_rows(*a.shape, g.shape[1])
    if not rows:
        return a.T @ g
    n = a.shape[0] // rows * rows
    blocks = np.matmul(a[:n].reshape(-1, rows, a.shape[1]).transpose(0, 2, 1),
                       g[:n].reshape(-1, rows, g.shape[1]))
    return blocks.sum(axis=0) + a[n:].T @ g[n:]


def crop_spatial(xp: np.ndarray, pairs) -> np.ndarray:
    """Remove the padding added by :func:`pad_spatial`."""
    return xp[(slice(None), *(slice(left, xp.shape[a + 1] - right) for a, (left, right) in enumerate(pairs)),
               Ellipsis)]
