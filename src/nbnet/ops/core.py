"""Shared plumbing of nbnet.ops: Tensor-or-array results and conversions."""

from __future__ import annotations

import numpy as np

from nbnet.autograd import Tensor, record, value_of


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
