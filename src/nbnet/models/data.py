"""Turning user data (arrays, lists of arrays, dicts) into checked, batched arrays."""

from __future__ import annotations

import numpy as np

from nbnet.config import floatx
from nbnet.utils.packing import pack_x_y_sample_weight, unpack_x_y_sample_weight  # noqa: F401


def flatten_data(data, names: list[str] | None = None, what: str = "x") -> list | None:
    """Return ``data`` as a list of arrays, one per model input (or output), or ``None``.

    ``names`` are the model's input (or output) names when known: a dict is looked up by them,
    and a list counts as several inputs only when the model has several.  Without names, a list
    or tuple of NumPy arrays is several inputs and anything else (e.g. nested lists) is one.
    """
    if data is None:
        return None
    if isinstance(data, dict):
        if names is None:
            return [np.asarray(v) for v in data.values()]
        missing = [n for n in names if n not in data]
        if missing:
            raise ValueError(f"{what}: the dict is missing key(s) {missing}; expected keys {names}, "
                             f"got {sorted(data)}")
        return [np.asarray(data[n]) for n in names]
    several = isinstance(data, (list, tuple)) and (
        len(names) > 1 if names else bool(data) and all(isinstance(d, np.ndarray) for d in data))
    if several:
        if names and len(data) != len(names):
            raise ValueError(f"{what}: the model has {len(names)} {'inputs' if what == 'x' else 'outputs'} "
                             f"({names}), but {len(data)} arrays were given")
        return [np.asarray(d) for d in data]
    return [np.asarray(data)]


def cast_inputs(arrays: list) -> list:
    """Cast inputs to the default float type (integers too, as Keras does for float inputs)."""
    out = []
    for a in arrays:
        if a.dtype.kind in "biuf" and a.dtype != floatx():
            a = a.astype(floatx())
        elif a.dtype.kind not in "biuf":
            raise TypeError(f"Model inputs must be numeric arrays, got dtype {a.dtype}")
        out.append(a)
    return out


def cast_targets(arrays: list) -> list:
    """Cast float/bool targets to the default float type; keep integer labels as they are."""
    return [a.astype(floatx()) if a.dtype.kind in "fb" and a.dtype != floatx() else a for a in arrays]


def check_data(x: list, y: list | None, sample_weight=None) -> int:
    """Check lengths agree and values are finite; return the number of samples."""
    n = len(x[0])
    for i, a in enumerate(x):
        if len(a) != n:
            raise ValueError(f"All inputs must have the same number of samples, but input 0 has {n} "
                             f"and input {i} has {len(a)}")
        if a.dtype.kind == "f" and not np.isfinite(a).all():
            bad = int((~np.isfinite(a)).sum())
            raise ValueError(f"Input {i} contains {bad} NaN or infinite value(s); clean or impute "
                             "them before training (nbnet does not skip them)")
    for i, a in enumerate(y or []):
        if len(a) != n:
            raise ValueError(f"x and y must have the same number of samples, but x has {n} samples "
                             f"and y{'' if len(y) == 1 else f'[{i}]'} has {len(a)}")
        if a.dtype.kind == "f" and not np.isfinite(a).all():
            raise ValueError(f"Target y{'' if len(y) == 1 else f'[{i}]'} contains NaN or infinite values")
    if sample_weight is not None and len(sample_weight) != n:
        raise ValueError(f"sample_weight has {len(sample_weight)} entries but x has {n} samples")
    return n


def batch_indices(n: int, batch_size: int, shuffle: bool, rng) -> list:
    """Index arrays (or slices) of each batch."""
    if shuffle:
        order = rng.permutation(n)
        return [order[i:i + batch_size] for i in range(0, n, batch_size)]
    return [slice(i, min(i + batch_size, n)) for i in range(0, n, batch_size)]


def take(arrays: list | None, idx):
    if arrays is None:
        return None
    return [a[idx] for a in arrays]


def split_validation(x: list, y: list, sample_weight, fraction: float):
    """Keep the last ``fraction`` of samples for validation (before any shuffling), as Keras does."""
    if not 0 < fraction < 1:
        raise ValueError(f"validation_split must be in (0, 1), got {fraction}")
    n = len(x[0])
    cut = int(n * (1 - fraction))
    if cut == 0 or cut == n:
        raise ValueError(f"validation_split={fraction} leaves no training or no validation samples "
                         f"out of {n}")
    head, tail = slice(None, cut), slice(cut, None)
    return take_all(x, y, sample_weight, head), take_all(x, y, sample_weight, tail)


def take_all(x: list, y: list | None, sample_weight, idx) -> tuple:
    """``(x[idx], y[idx], sample_weight[idx])``, keeping ``None`` where there is none."""
    return take(x, idx), take(y, idx), None if sample_weight is None else sample_weight[idx]
