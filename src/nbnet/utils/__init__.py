"""Utilities (``keras.utils``): seeding, one-hot labels, serialization registry, model plots."""

from __future__ import annotations

import numpy as np

from nbnet.utils.naming import clear_session
from nbnet.utils.plot import plot_model
from nbnet.utils.rng import set_random_seed
from nbnet.utils.serialization import custom_object_scope, get_registered_object, register_keras_serializable


def to_categorical(y, num_classes: int | None = None, dtype="float32") -> np.ndarray:
    """One-hot encode integer labels: ``(N,)`` → ``(N, num_classes)``.

    Parameters
    ----------
    y : array_like of int
        Class indices in ``[0, num_classes)``.
    num_classes : int, optional
        Defaults to ``max(y) + 1``.
    """
    y = np.asarray(y)
    if y.ndim > 1 and y.shape[-1] == 1:
        y = y[..., 0]
    if y.size and (y.dtype.kind not in "iu" and not np.all(y == np.round(y))):
        raise ValueError(f"to_categorical: labels must be integers, got dtype {y.dtype}")
    y = y.astype(np.int64)
    num_classes = int(y.max()) + 1 if num_classes is None else int(num_classes)
    if y.size and (y.min() < 0 or y.max() >= num_classes):
        raise ValueError(f"to_categorical: labels must be in [0, {num_classes}), got range "
                         f"[{y.min()}, {y.max()}]")
    out = np.zeros(y.shape + (num_classes,), dtype=dtype)
    np.put_along_axis(out, y[..., None], 1, axis=-1)
    return out


__all__ = ["clear_session", "custom_object_scope", "get_registered_object", "plot_model",
           "register_keras_serializable", "set_random_seed", "to_categorical"]

from nbnet.utils.packing import pack_x_y_sample_weight, unpack_x_y_sample_weight  # noqa: E402
from nbnet.utils.py_dataset import PyDataset  # noqa: E402
from nbnet.utils.sequence_utils import pad_sequences  # noqa: E402

Sequence = PyDataset   # Keras 2's name
__all__ += ["PyDataset", "Sequence", "pack_x_y_sample_weight", "pad_sequences", "unpack_x_y_sample_weight"]
