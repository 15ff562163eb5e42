"""Metrics (``keras.metrics``): numbers reported during training that are not (necessarily) the loss.

Each metric accumulates state over the batches of an epoch (``update_state`` / ``result`` /
``reset_state``, as in Keras).  ``"accuracy"`` is resolved the way Keras resolves it: binary,
categorical or sparse-categorical, to match the loss and the label shape.
"""

from nbnet.metrics.base import (  # noqa: F401 - _BY_NAME: names for compile() and loading
    _BY_NAME,
    Accuracy,
    BinaryAccuracy,
    CategoricalAccuracy,
    Mean,
    MeanAbsoluteError,
    MeanAbsolutePercentageError,
    MeanMetricWrapper,
    MeanSquaredError,
    Metric,
    SparseCategoricalAccuracy,
    SparseTopKCategoricalAccuracy,
    TopKCategoricalAccuracy,
    accuracy,
    binary_accuracy,
    categorical_accuracy,
    get,
    mean_absolute_percentage_error,
    sparse_categorical_accuracy,
    sparse_top_k_categorical_accuracy,
    top_k_categorical_accuracy,
)
from nbnet.metrics.confusion import AUC, Precision, Recall

_BY_NAME.update({"precision": Precision, "recall": Recall, "auc": AUC})

__all__ = ["AUC", "Accuracy", "BinaryAccuracy", "CategoricalAccuracy", "Mean", "MeanAbsoluteError",
           "MeanAbsolutePercentageError", "MeanMetricWrapper", "MeanSquaredError", "Metric", "Precision",
           "Recall", "SparseCategoricalAccuracy", "SparseTopKCategoricalAccuracy", "TopKCategoricalAccuracy",
           "accuracy", "binary_accuracy", "categorical_accuracy", "get", "mean_absolute_percentage_error",
           "sparse_categorical_accuracy", "sparse_top_k_categorical_accuracy", "top_k_categorical_accuracy"]
