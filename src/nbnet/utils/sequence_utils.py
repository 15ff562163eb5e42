"""``pad_sequences``: lists of different lengths → one rectangular array (``keras.utils``)."""

from __future__ import annotations

import numpy as np


def pad_sequences(sequences, maxlen: int | None = None, dtype="int32", padding: str = "pre",
                  truncating: str = "pre", value=0.0) -> np.ndarray:
    """Pad (or cut) each sequence to ``maxlen`` steps.

    Parameters
    ----------
    sequences : list of sequences
        Each a list or array of steps (a step may itself be a vector).
    maxlen : int, optional
        Defaults to the longest sequence.
    padding, truncating : {"pre", "post"}
        Pad or cut at the start (``"pre"``, Keras's default) or at the end.
    value : number
        The padding value.

    Returns
    -------
    numpy.ndarray
        Shape ``(len(sequences), maxlen, *step_shape)``.
    """
    for name, v in (("padding", padding), ("truncating", truncating)):
        if v not in ("pre", "post"):
            raise ValueError(f'pad_sequences: {name} must be "pre" or "post", got {v!r}')
    seqs = [np.asarray(s) for s in sequences]
    lengths = [len(s) for s in seqs]
    maxlen = max(lengths, default=0) if maxlen is None else int(maxlen)
    step = next((s.shape[1:] for s in seqs if len(s)), ())
    out = np.full((len(seqs), maxlen) + step, value, dtype=dtype)
    for i, s in enumerate(seqs):
        if not len(s) or not maxlen:
            continue
        s = s[-maxlen:] if truncating == "pre" else s[:maxlen]
        if s.shape[1:] != step:
            raise ValueError(f"pad_sequences: sequence {i} has steps of shape {s.shape[1:]}, "
                             f"the others {step}")
        if padding == "post":
            out[i, :len(s)] = s
        else:
            out[i, maxlen - len(s):] = s
    return out
