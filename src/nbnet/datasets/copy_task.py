"""The copy task of the neural Turing machine paper (Graves et al., 2014), generated on demand.

A sequence of ``length`` random binary vectors of ``bits`` bits is shown, then a delimiter (an
extra input channel set to 1 for one step); during the next ``length`` steps the input is blank and
the target is the sequence again.  Inputs have ``bits + 1`` channels, targets ``bits``.
"""

from __future__ import annotations

import numpy as np


def make_copy_task(n_sequences: int, length: int, bits: int = 8, *, random_state=None,
                   dtype="float32") -> tuple[np.ndarray, np.ndarray]:
    """Random copy-task sequences.

    Parameters
    ----------
    n_sequences : int
        Batch size ``N``.
    length : int
        Number of vectors to copy ``L``; every sequence has ``T = 2L + 1`` steps.
    bits : int
        Width of a vector.
    random_state : None, int or numpy Generator
        ``None`` uses nbnet's global generator (``nbnet.utils.set_random_seed``).

    Returns
    -------
    x : ndarray of shape (N, 2L + 1, bits + 1)
        The vectors, the delimiter (last channel) at step ``L``, then blanks.
    y : ndarray of shape (N, 2L + 1, bits)
        Zeros, then the vectors again in steps ``L + 1 … 2L`` (score only those: ``y[:, L + 1:]``).

    Examples
    --------
    >>> x, y = make_copy_task(2, 3, bits=4, random_state=0)
    >>> x.shape, y.shape
    ((2, 7, 5), (2, 7, 4))
    >>> bool((y[:, 4:] == x[:, :3, :4]).all())
    True
    """
    for name, value in (("n_sequences", n_sequences), ("length", length), ("bits", bits)):
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
            raise ValueError(f"make_copy_task: `{name}` must be a positive integer, got {value!r}")
    from nbnet.estimators.base import check_random_state
    rng = check_random_state(random_state)
    data = (rng.random((n_sequences, length, bits)) < 0.5).astype(dtype)
    x = np.zeros((n_sequences, 2 * length + 1, bits + 1), dtype)
    y = np.zeros((n_sequences, 2 * length + 1, bits), dtype)
    x[:, :length, :bits] = data
    x[:, length, bits] = 1.0
    y[:, length + 1:] = data
    return x, y
