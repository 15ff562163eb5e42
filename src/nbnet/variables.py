"""Variables: the weights a layer learns (``keras.Variable``)."""

from __future__ import annotations

import numpy as np

from nbnet.autograd import Tensor, value_of


class Variable(Tensor):
    """A named, mutable array that training updates in place.

    A ``Variable`` is a leaf of the autograd graph: operations on it record gradients when it
    is ``trainable``.  Use :meth:`assign` / :meth:`assign_add` to change it, :meth:`numpy` to read it.

    Parameters
    ----------
    value : array_like
        Initial value.
    name : str
        Name, e.g. ``"kernel"``.
    trainable : bool
        Whether optimizers update it (and gradients are computed for it).
    dtype : str, optional
        Defaults to the dtype of ``value``.
    """

    __slots__ = ("name", "path", "_trainable", "_declared_trainable")

    def __init__(self, value, name: str = "variable", trainable: bool = True, dtype=None):
        super().__init__(np.array(value_of(value), dtype=dtype), requires_grad=trainable)
        self.name = name
        self.path = name
        self._trainable = trainable
        self._declared_trainable = trainable

    @property
    def trainable(self) -> bool:
        return self._trainable

    @trainable.setter
    def trainable(self, value: bool) -> None:
        self._trainable = bool(value)
        self.requires_grad = bool(value)

    def assign(self, value) -> Variable:
        """Set the value (shape must match)."""
        value = np.asarray(value_of(value))
        if value.shape != self.value.shape:
            raise ValueError(f"Variable {self.path!r}: cannot assign a value of shape {value.shape};"
                             f" expected shape {self.value.shape}")
        self.value[...] = value
        return self

    def assign_add(self, delta) -> Variable:
        """Add ``delta`` in place."""
        self.value += value_of(delta)
        return self

    def assign_sub(self, delta) -> Variable:
        """Subtract ``delta`` in place."""
        self.value -= value_of(delta)
        return self

    def __repr__(self) -> str:
        return f"<Variable path={self.path} shape={self.shape} dtype={self.dtype}>"
