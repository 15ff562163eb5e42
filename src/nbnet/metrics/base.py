"""Metric base classes, the mean-of-a-function metrics and `get` (resolving names).

Each metric is a running average over the batches of an epoch (``update_state`` /
``result`` / ``reset_state``, as in Keras).  ``"accuracy"`` is resolved the way Keras resolves
it: binary, categorical or sparse-categorical, to match the loss and the label shape.
"""

from __future__ import annotations

import numpy as np

from nbnet.autograd import value_of
from nbnet.config import floatx
from nbnet.variables import Variable


def binary_accuracy(y_true, y_pred, threshold: float = 0.5) -> np.ndarray:
    """Per-sample mean of ``(y_pred > threshold) == y_true`` over the last axis."""
    y, p = np.asarray(value_of(y_true)), np.asarray(value_of(y_pred))
    y = y.reshape(p.shape) if y.size == p.size else y
    return ((p > threshold) == (y > 0.5)).astype(np.float32).mean(axis=-1)


def categorical_accuracy(y_true, y_pred) -> np.ndarray:
    """1 where ``argmax(y_pred) == argmax(y_true)`` (one-hot labels), else 0."""
    y, p = np.asarray(value_of(y_true)), np.asarray(value_of(y_pred))
    return (np.argmax(p, -1) == np.argmax(y, -1)).astype(np.float32)


def sparse_categorical_accuracy(y_true, y_pred) -> np.ndarray:
    """1 where ``argmax(y_pred) == y_true`` (integer labels), else 0."""
    y, p = np.asarray(value_of(y_true)), np.asarray(value_of(y_pred))
    if y.ndim == p.ndim and y.shape[-1] == 1:
        y = y[..., 0]
    return (np.argmax(p, -1) == y.astype(np.int64)).astype(np.float32)


def accuracy(y_true, y_pred) -> np.ndarray:
    """1 where the prediction equals the label exactly."""
    y, p = np.asarray(value_of(y_true)), np.asarray(value_of(y_pred))
    return (y.reshape(p.shape) == p).astype(np.float32) if y.size == p.size else (y == p).astype(np.float32)


def _mse(y_true, y_pred):
    d = np.asarray(value_of(y_pred)) - np.asarray(value_of(y_true)).reshape(np.shape(value_of(y_pred)))
    return (d * d).mean(axis=-1)


def _mae(y_true, y_pred):
    d = np.asarray(value_of(y_pred)) - np.asarray(value_of(y_true)).reshape(np.shape(value_of(y_pred)))
    return np.abs(d).mean(axis=-1)


def mean_absolute_percentage_error(y_true, y_pred) -> np.ndarray:
    """Per-sample 100 · mean_k |y_k − ŷ_k| / max(|y_k|, ε)."""
    y, p = np.asarray(value_of(y_true), np.float64), np.asarray(value_of(y_pred), np.float64)
    y = y.reshape(p.shape) if y.size == p.size else y
    return (100.0 * np.abs(y - p) / np.maximum(np.abs(y), 1e-7)).mean(axis=-1)


def _in_top_k(target, p, k) -> np.ndarray:
    """1 where the target class's score is among the k largest (fewer than k scores beat it)."""
    score = np.take_along_axis(p, target[..., None], axis=-1)
    return ((p > score).sum(axis=-1) < k).astype(np.float32)


def top_k_categorical_accuracy(y_true, y_pred, k: int = 5) -> np.ndarray:
    """1 where argmax(y_true) is among the top ``k`` predictions (one-hot labels)."""
    p = np.asarray(value_of(y_pred))
    return _in_top_k(np.argmax(np.asarray(value_of(y_true)), -1), p, k)


def sparse_top_k_categorical_accuracy(y_true, y_pred, k: int = 5) -> np.ndarray:
    """1 where the integer label is among the top ``k`` predictions."""
    p = np.asarray(value_of(y_pred))
    y = np.asarray(value_of(y_true))
    y = y[..., 0] if y.ndim == p.ndim else y
    return _in_top_k(y.astype(np.int64), p, k)


class Metric:
    """Base class of stateful metrics (``keras.metrics.Metric``).

    Subclass it as in Keras: create state in ``__init__`` with :meth:`add_variable` (or
    :meth:`add_weight`), change it in ``update_state``, read it in ``result``.
    ``reset_state`` sets every variable back to zero.

    Examples
    --------
    >>> class Count(Metric):
    ...     def __init__(self, name="count", **kwargs):
    ...         super().__init__(name=name, **kwargs)
    ...         self.n = self.add_variable(shape=(), initializer="zeros", name="n")
    ...     def update_state(self, y_true, y_pred, sample_weight=None):
    ...         self.n.assign(self.n + len(y_true))
    ...     def result(self):
    ...         return self.n
    """

    def __init__(self, name: str | None = None, dtype=None):
        from nbnet.utils.naming import to_snake_case
        self.name = name or to_snake_case(type(self).__name__)
        self.dtype = dtype or floatx()
        self._variables: list[Variable] = []

    def add_variable(self, shape=(), initializer="zeros", dtype=None, aggregation="sum",
                     name: str | None = None) -> Variable:
        """Create a (non-trainable) state variable of this metric."""
        from nbnet import initializers
        shape = tuple(shape) if isinstance(shape, (tuple, list)) else (int(shape),)
        value = initializers.get(initializer)(shape, dtype=dtype or self.dtype)
        var = Variable(value, name=name or f"variable_{len(self._variables)}", trainable=False,
                       dtype=dtype or self.dtype)
        var.path = f"{self.name}/{var.name}"
        self._variables.append(var)
        return var

    def add_weight(self, shape=(), initializer=None, dtype=None, name: str | None = None) -> Variable:
        """Keras's other name for :meth:`add_variable` (default initializer ``"zeros"``)."""
        return self.add_variable(shape, initializer or "zeros", dtype, name=name)

    @property
    def variables(self) -> list[Variable]:
        return list(self._variables)

    def reset_state(self) -> None:
        """Set every state variable to zero (as Keras does, whatever its initializer)."""
        for v in self._variables:
            v.assign(np.zeros(v.shape, v.dtype))

    def update_state(self, *args, **kwargs) -> None:
        raise NotImplementedError(f"{type(self).__name__} must implement update_state()")

    def result(self):
        raise NotImplementedError(f"{type(self).__name__} must implement result()")

    def __call__(self, *args, **kwargs):
        """Update with this batch, then return the result."""
        self.update_state(*args, **kwargs)
        return self.result()

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config: dict) -> Metric:
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}>"


class Mean(Metric):
    """Weighted running mean of the values given to ``update_state`` (``keras.metrics.Mean``)."""

    def __init__(self, name: str = "mean", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.reset_state()

    def reset_state(self) -> None:
        self.total, self.count = 0.0, 0.0   # plain floats: the loss tracker updates every batch

    def result(self) -> float:
        return float(self.total / self.count) if self.count else 0.0

    def update_state(self, values, sample_weight=None) -> None:
        """Add ``values`` (a scalar such as a loss, or an array), each weighted by ``sample_weight``.

        A scalar weight with a scalar value counts it that many times (how Keras's trainers
        weight a batch loss by the batch size).
        """
        values = value_of(values)
        if isinstance(sample_weight, (int, float)) and np.ndim(values) == 0:   # a batch loss × batch size
            self.total += float(values) * sample_weight
            self.count += sample_weight
            return
        values = np.asarray(values, dtype=np.float64)
        if sample_weight is None:
            self.total += float(values.sum())
            self.count += float(values.size)
            return
        sw = np.asarray(value_of(sample_weight), dtype=np.float64)
        if 0 < sw.ndim < values.ndim:
            sw = sw.reshape(sw.shape + (1,) * (values.ndim - sw.ndim))   # one weight per sample
        w = np.broadcast_to(sw, values.shape) if values.ndim else sw
        self.total += float((values * w).sum())
        self.count += float(w.sum())

    def add(self, value: float, count: float = 1.0) -> None:
        """Add ``count`` samples that all have ``value`` (fast path for batch losses)."""
        self.total += value * count
        self.count += count


class MeanMetricWrapper(Mean):
    """Average of a per-sample metric function over all samples seen."""

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        self.fn, self.kwargs = fn, kwargs
        super().__init__(name=name or fn.__name__, dtype=dtype)

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        values = self.fn(y_true, y_pred, **self.kwargs)
        if sample_weight is None:   # the common case, without building a weight array
            self.total += float(values.sum())
            self.count += values.size
        else:
            super().update_state(values, sample_weight)


def _wrapper(fn, default_name):
    def __init__(self, name=default_name, dtype=None, **kwargs):
        MeanMetricWrapper.__init__(self, fn, name=name, dtype=dtype, **kwargs)
    return __init__


class Accuracy(MeanMetricWrapper):
    __init__ = _wrapper(accuracy, "accuracy")


class BinaryAccuracy(MeanMetricWrapper):
    __init__ = _wrapper(binary_accuracy, "binary_accuracy")


class CategoricalAccuracy(MeanMetricWrapper):
    __init__ = _wrapper(categorical_accuracy, "categorical_accuracy")


class SparseCategoricalAccuracy(MeanMetricWrapper):
    __init__ = _wrapper(sparse_categorical_accuracy, "sparse_categorical_accuracy")


class MeanSquaredError(MeanMetricWrapper):
    __init__ = _wrapper(_mse, "mean_squared_error")


class MeanAbsoluteError(MeanMetricWrapper):
    __init__ = _wrapper(_mae, "mean_absolute_error")


class MeanAbsolutePercentageError(MeanMetricWrapper):
    __init__ = _wrapper(mean_absolute_percentage_error, "mean_absolute_percentage_error")


class TopKCategoricalAccuracy(MeanMetricWrapper):
    """Share of samples whose true class (one-hot) is among the ``k`` highest predictions."""

    def __init__(self, k: int = 5, name="top_k_categorical_accuracy", dtype=None):
        MeanMetricWrapper.__init__(self, top_k_categorical_accuracy, name=name, dtype=dtype, k=k)
        self.k = k

    def get_config(self):
        return {**super().get_config(), "k": self.k}


class SparseTopKCategoricalAccuracy(TopKCategoricalAccuracy):
    """As :class:`TopKCategoricalAccuracy`, for integer labels."""

    def __init__(self, k: int = 5, name="sparse_top_k_categorical_accuracy", dtype=None):
        MeanMetricWrapper.__init__(self, sparse_top_k_categorical_accuracy, name=name, dtype=dtype, k=k)
        self.k = k


_BY_NAME = {"binary_accuracy": BinaryAccuracy, "categorical_accuracy": CategoricalAccuracy,
            "sparse_categorical_accuracy": SparseCategoricalAccuracy,
            "mean_squared_error": MeanSquaredError, "mse": MeanSquaredError,
            "mean_absolute_error": MeanAbsoluteError, "mae": MeanAbsoluteError,
            "mean_absolute_percentage_error": MeanAbsolutePercentageError, "mape": MeanAbsolutePercentageError,
            "top_k_categorical_accuracy": TopKCategoricalAccuracy,
            "sparse_top_k_categorical_accuracy": SparseTopKCategoricalAccuracy}
_FUNCTIONS = {binary_accuracy: BinaryAccuracy, categorical_accuracy: CategoricalAccuracy,
              sparse_categorical_accuracy: SparseCategoricalAccuracy, accuracy: Accuracy}


def get(identifier, loss=None, y_true=None, y_pred_shape=None) -> Metric:
    """Resolve a metric; ``"accuracy"``/``"acc"`` picks the variant that fits ``loss`` and shapes."""
    if isinstance(identifier, Metric):
        return identifier
    if identifier in ("accuracy", "acc"):
        return _resolve_accuracy(identifier, loss, y_true, y_pred_shape)
    if isinstance(identifier, str) and identifier in _BY_NAME:
        return _BY_NAME[identifier](name=identifier)   # named as given ("mae"), as Keras 3 does
    if callable(identifier) and identifier in _FUNCTIONS:
        return _FUNCTIONS[identifier]()
    if isinstance(identifier, type) and issubclass(identifier, Metric):
        return identifier()
    if callable(identifier):
        return MeanMetricWrapper(identifier)
    raise ValueError(f"Unknown metric {identifier!r}. Valid names: accuracy, acc, {', '.join(sorted(_BY_NAME))}")


def _resolve_accuracy(name, loss, y_true, y_pred_shape):
    loss_name = type(loss).__name__ if loss is not None else ""
    if loss_name == "BinaryCrossentropy" or (y_pred_shape is not None and y_pred_shape[-1] == 1):
        metric = BinaryAccuracy(name=name)
    elif loss_name == "SparseCategoricalCrossentropy":
        metric = SparseCategoricalAccuracy(name=name)
    elif loss_name == "CategoricalCrossentropy":
        metric = CategoricalAccuracy(name=name)
    elif y_true is not None and y_pred_shape is not None and (
            np.ndim(y_true) < len(y_pred_shape) or np.shape(y_true)[-1] == 1):
        metric = SparseCategoricalAccuracy(name=name)
    else:
        metric = CategoricalAccuracy(name=name)
    return metric
