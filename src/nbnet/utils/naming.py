"""Automatic layer names ("dense", "dense_1", ...) as Keras gives them."""

from __future__ import annotations

import re
from collections import defaultdict

_COUNTS: defaultdict[str, int] = defaultdict(int)


def to_snake_case(name: str) -> str:
    """``"SimpleRNN"`` → ``"simple_rnn"``, ``"Conv2D"`` → ``"conv2d"``."""
    s = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", s).lower()


def unique_name(base: str) -> str:
    """Return ``base`` the first time, then ``base_1``, ``base_2``, ..."""
    n = _COUNTS[base]
    _COUNTS[base] += 1
    return base if n == 0 else f"{base}_{n}"


def clear_session() -> None:
    """Reset automatic names, as ``keras.utils.clear_session()`` does."""
    _COUNTS.clear()
