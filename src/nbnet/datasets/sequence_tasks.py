"""Generated sequence tasks that need memory: the adding problem and the NTM's copy task.

**Adding problem** (Hochreiter & Schmidhuber, 1997): ``T`` pairs (a number in [0, 1), a marker that
is 1 at one step of each half); the target is the sum of the two marked numbers.

**Copy task** (Graves, Wayne & Danihelka, 2014): a sequence of ``length`` random binary vectors of
``bits`` bits is shown, then a delimiter (an extra input channel set to 1 for one step); during the
next ``length`` steps the input is blank and the target is the sequence again.  Inputs have
``bits + 1`` channels, targets ``bits``.
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


def make_adding_problem(n_sequences: int, length: int, *, random_state=None,
                        dtype="float32") -> tuple[np.ndarray, np.ndarray]:
    """Adding-problem sequences (the draws of chapter 9: values, first marks, second marks).

    Returns
    -------
    x : ndarray of shape (N, T, 2)
        Channel 0: the numbers; channel 1: the two markers.
    y : ndarray of shape (N, 1)
        The sum of the two marked numbers; always answering 1 scores a mean squared error of 1/6.

    Examples
    --------
    >>> x, y = make_adding_problem(3, 10, random_state=0)
    >>> x.shape, y.shape, x[..., 1].sum(axis=1).tolist()
    ((3, 10, 2), (3, 1), [2.0, 2.0, 2.0])
    """
    for name, value in (("n_sequences", n_sequences), ("length", length)):
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 2:
            raise ValueError(f"make_adding_problem: `{name}` must be an integer >= 2, got {value!r}")
    from nbnet.estimators.base import check_random_state
    rng = check_random_state(random_state)
    values = rng.random((n_sequences, length))
    marks = np.zeros((n_sequences, length))
    rows = np.arange(n_sequences)
    marks[rows, rng.integers(0, length // 2, n_sequences)] = 1
    marks[rows, rng.integers(length // 2, length, n_sequences)] = 1
    x = np.stack([values, marks], axis=-1).astype(dtype)
    return x, (values * marks).sum(axis=1, keepdims=True).astype(dtype)
