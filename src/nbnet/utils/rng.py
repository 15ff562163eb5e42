"""The random state shared by initializers, shuffling and dropout."""

from __future__ import annotations

import random

import numpy as np

_GENERATOR = np.random.default_rng()


def generator() -> np.random.Generator:
    """Return nbnet's global random generator (reseeded by :func:`set_random_seed`)."""
    return _GENERATOR


def set_random_seed(seed: int) -> None:
    """Seed every source of randomness nbnet uses: weight initialization, shuffling, dropout.

    Also seeds Python's :mod:`random` and NumPy's legacy global state, as Keras does.

    Parameters
    ----------
    seed : int
        A non-negative integer.
    """
    global _GENERATOR
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"set_random_seed: seed must be a non-negative integer, got {seed!r}")
    random.seed(int(seed))
    np.random.seed(int(seed) % 2**32)
    _GENERATOR = np.random.default_rng(int(seed))
