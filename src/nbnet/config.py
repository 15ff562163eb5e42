"""Global settings (the ``keras.config`` equivalents)."""

from __future__ import annotations

import numpy as np

_FLOATX = "float32"
_VALID_FLOATX = ("float16", "float32", "float64")


def floatx() -> str:
    """Return the default float type of new weights and inputs, e.g. ``"float32"``."""
    return _FLOATX


def set_floatx(value: str) -> None:
    """Set the default float type: ``"float16"``, ``"float32"`` (default) or ``"float64"``.

    Gradient checks switch to ``"float64"`` so that finite differences are accurate.
    """
    global _FLOATX
    if value not in _VALID_FLOATX:
        raise ValueError(f"set_floatx: unknown float type {value!r}; expected one of {_VALID_FLOATX}")
    _FLOATX = value


def as_float(x) -> np.ndarray:
    """Convert ``x`` to a NumPy array of the default float type (no copy if it already is)."""
    return np.asarray(x, dtype=_FLOATX)
