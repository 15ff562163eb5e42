"""A character-level English corpus every Python ships: the prose of ``pydoc_data.topics``.

``pydoc_data.topics.topics`` maps each help topic of the language reference ("assignment",
"for", "exceptions", ...) to its text.  Joined in sorted key order it is a few hundred kilobytes of
English technical prose with code examples — enough to train a small character-level language
model, with no download.  The text differs between Python versions (3.11: about 465,000
characters); anything that depends on exact values must allow for that.

Examples
--------
>>> from nbnet.datasets import text
>>> train, val, test = text.load_data()
>>> len(train) > 10 * len(test) / 2
True
>>> vocab = text.vocabulary(train + val + test)
>>> text.decode(text.encode("def f(x):", vocab), vocab)
'def f(x):'
"""

from __future__ import annotations

import numpy as np

__all__ = ["decode", "encode", "load_data", "load_text", "vocabulary"]


def load_text() -> str:
    """The whole corpus: every ``pydoc_data.topics`` entry, joined in sorted key order."""
    from pydoc_data import topics
    return "".join(topics.topics[key] for key in sorted(topics.topics))


def load_data(val_fraction: float = 0.05, test_fraction: float = 0.10) -> tuple[str, str, str]:
    """Split the corpus into contiguous train, validation and test texts (in that order).

    Parameters
    ----------
    val_fraction, test_fraction : float
        Shares of the characters for validation and test; the test text is the end of the corpus,
        the validation text comes just before it, the rest is for training.

    Returns
    -------
    train, val, test : str
    """
    for name, value in (("val_fraction", val_fraction), ("test_fraction", test_fraction)):
        if not 0.0 < value < 1.0:
            raise ValueError(f"load_data: {name} must be in (0, 1), got {value!r}")
    if val_fraction + test_fraction >= 1.0:
        raise ValueError("load_data: val_fraction + test_fraction must leave text for training, got "
                         f"{val_fraction} + {test_fraction} >= 1")
    corpus = load_text()
    n = len(corpus)
    a, b = int(n * (1.0 - val_fraction - test_fraction)), int(n * (1.0 - test_fraction))
    return corpus[:a], corpus[a:b], corpus[b:]


def vocabulary(corpus: str) -> list[str]:
    """The sorted list of distinct characters of ``corpus``; index ``i`` is character id ``i``."""
    return sorted(set(corpus))


def encode(s: str, vocab: list[str]) -> np.ndarray:
    """Characters → ids, shape ``(len(s),)`` int64.  Raises if a character is not in ``vocab``."""
    index = {c: i for i, c in enumerate(vocab)}
    missing = sorted(set(s) - index.keys())
    if missing:
        raise ValueError(f"encode: characters {missing[:10]!r} are not in the vocabulary "
                         f"({len(vocab)} characters); build it from the whole corpus")
    return np.fromiter((index[c] for c in s), dtype=np.int64, count=len(s))


def decode(ids, vocab: list[str]) -> str:
    """Ids (any integer array) → the string they spell."""
    return "".join(vocab[int(i)] for i in np.ravel(ids))
