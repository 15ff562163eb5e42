"""How a batch travels to ``train_step`` / ``test_step``: ``x``, ``(x,)``, ``(x, y)`` or ``(x, y, sw)``.

The same conventions as ``keras.utils.pack_x_y_sample_weight`` / ``unpack_x_y_sample_weight``.
"""

from __future__ import annotations


def pack_x_y_sample_weight(x, y=None, sample_weight=None):
    """Pack a batch the way Keras hands it to a step.

    Returns ``x`` alone when there are no targets (``(x,)`` if ``x`` is a list or tuple of
    inputs, so it cannot be mistaken for ``(x, y)``), else ``(x, y)`` or ``(x, y, sample_weight)``.
    """
    if y is None and sample_weight is None:
        return (x,) if isinstance(x, (list, tuple)) else x
    if sample_weight is None:
        return (x, y)
    return (x, y, sample_weight)


def unpack_x_y_sample_weight(data) -> tuple:
    """Return ``(x, y, sample_weight)`` from a batch packed by :func:`pack_x_y_sample_weight`.

    Parameters
    ----------
    data : array, or tuple/list of 1–3 entries
        ``y`` and ``sample_weight`` are ``None`` where absent.
    """
    if isinstance(data, list):
        data = tuple(data)
    if not isinstance(data, tuple):
        return data, None, None
    if len(data) == 1:
        return data[0], None, None
    if len(data) == 2:
        return data[0], data[1], None
    if len(data) == 3:
        return data
    raise ValueError("A batch must be x, (x,), (x, y) or (x, y, sample_weight); got a tuple of "
                     f"{len(data)} entries")
