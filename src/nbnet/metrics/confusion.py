"""Metrics from confusion-matrix counts at thresholds: ``Precision``, ``Recall`` and ``AUC``.

At each threshold τ a prediction counts as positive when ŷ > τ (strictly, as Keras); the state
is the (weighted) numbers of true/false positives/negatives, summed over all batches.

    precision = TP / (TP + FP)        recall = TP / (TP + FN)        (0 when the sum is 0)
"""

from __future__ import annotations

import numpy as np

from nbnet.autograd import value_of
from nbnet.metrics.base import Metric

EPSILON = 1e-7


def _divide_no_nan(a, b):
    return np.divide(a, b, out=np.zeros_like(a, dtype=np.float64), where=b != 0)


class _ConfusionMetric(Metric):
    """Shared state and update: counts of ``kinds`` (tp, fp, tn, fn) at each threshold."""

    _KINDS: tuple = ()

    def __init__(self, thresholds, top_k=None, class_id=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.init_thresholds, self.top_k, self.class_id = thresholds, top_k, class_id
        default = 0.5 if top_k is None else -1e10   # with top_k: the top k are positive, whatever their value
        self.thresholds = np.atleast_1d(np.asarray(default if thresholds is None else thresholds, np.float64))
        for kind in self._KINDS:
            setattr(self, kind, self.add_variable((len(self.thresholds),), "zeros", name=kind))

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        y = np.asarray(value_of(y_true), np.float64)
        p = np.asarray(value_of(y_pred), np.float64)
        y = y.reshape(p.shape) if y.size == p.size else y
        if self.top_k is not None:   # only the top-k predictions of a sample may count as positive
            top = np.argsort(-p, axis=-1, kind="stable")[..., :self.top_k]   # ties: the first index
            keep = np.zeros(p.shape, bool)
            np.put_along_axis(keep, top, True, axis=-1)
            p = np.where(keep, p, -np.inf)
        if self.class_id is not None:
            y, p = y[..., self.class_id], p[..., self.class_id]
        w = np.ones_like(p) if sample_weight is None else np.broadcast_to(
            np.asarray(sample_weight, np.float64).reshape(
                np.shape(sample_weight) + (1,) * (p.ndim - np.ndim(sample_weight))), p.shape)
        pos, y, w = p.ravel()[None, :] > self.thresholds[:, None], y.ravel() > 0.5, w.ravel()
        counts = {"true_positives": (pos & y) @ w, "false_positives": (pos & ~y) @ w,
                  "true_negatives": (~pos & ~y) @ w, "false_negatives": (~pos & y) @ w}
        for kind in self._KINDS:
            getattr(self, kind).assign_add(counts[kind].astype(self.dtype))

    def _scalar(self, values):
        return float(values[0]) if len(values) == 1 else values

    def get_config(self):
        return {**super().get_config(), "thresholds": self.init_thresholds, "top_k": self.top_k,
                "class_id": self.class_id}


class Precision(_ConfusionMetric):
    """TP / (TP + FP) at ``thresholds`` (default 0.5): how many predicted positives are right.

    Parameters
    ----------
    thresholds : float or list of float, optional
        One result per threshold (a float when there is one).
    top_k : int, optional
        Only a sample's ``top_k`` highest predictions count as positive.
    class_id : int, optional
        Score only this class (column) of multi-class outputs.
    """

    _KINDS = ("true_positives", "false_positives")

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        super().__init__(thresholds, top_k, class_id, name, dtype)

    def result(self):
        tp, fp = self.true_positives.value, self.false_positives.value
        return self._scalar(_divide_no_nan(tp, tp + fp))


class Recall(_ConfusionMetric):
    """TP / (TP + FN) at ``thresholds`` (default 0.5): how many actual positives are found.

    Parameters are those of :class:`Precision`.
    """

    _KINDS = ("true_positives", "false_negatives")

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        super().__init__(thresholds, top_k, class_id, name, dtype)

    def result(self):
        tp, fn = self.true_positives.value, self.false_negatives.value
        return self._scalar(_divide_no_nan(tp, tp + fn))


class AUC(_ConfusionMetric):
    """Area under the ROC (or precision–recall) curve, from counts at ``num_thresholds`` points.

    The thresholds are evenly spaced in [0, 1] with −ε and 1 + ε at the ends (Keras's); the area
    is a Riemann sum of the curve through those points: trapezoids (``"interpolation"``) or the
    lower/upper step (``"minoring"`` / ``"majoring"``).  The PR curve with interpolation uses
    Davis & Goadrich's interpolation of precision between points, as Keras does.

    Parameters
    ----------
    num_thresholds : int
    curve : {"ROC", "PR"}
    summation_method : {"interpolation", "minoring", "majoring"}
    from_logits : bool
        Pass predictions through a sigmoid first.
    """

    _KINDS = ("true_positives", "false_positives", "true_negatives", "false_negatives")

    def __init__(self, num_thresholds=200, curve="ROC", summation_method="interpolation", name=None,
                 dtype=None, thresholds=None, multi_label=False, num_labels=None, label_weights=None,
                 from_logits=False):
        if multi_label or label_weights is not None:
            raise ValueError("AUC: multi_label and label_weights are not supported by nbnet yet")
        if curve not in ("ROC", "PR") or summation_method not in ("interpolation", "minoring", "majoring"):
            raise ValueError(f"AUC: curve must be 'ROC' or 'PR' and summation_method one of 'interpolation', "
                             f"'minoring', 'majoring'; got {curve!r}, {summation_method!r}")
        if thresholds is None:
            inner = [(i + 1) / (num_thresholds - 1) for i in range(num_thresholds - 2)]
            points = [0.0 - EPSILON, *inner, 1.0 + EPSILON]
        else:
            points = [0.0 - EPSILON, *sorted(thresholds), 1.0 + EPSILON]
        self.num_thresholds, self.curve, self.summation_method = len(points), curve, summation_method
        self.from_logits, self._given_thresholds = from_logits, thresholds
        super().__init__(points, None, None, name, dtype)

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        p = np.asarray(value_of(y_pred), np.float64)
        super().update_state(y_true, 1.0 / (1.0 + np.exp(-p)) if self.from_logits else p, sample_weight)

    def result(self) -> float:
        tp, fp, tn, fn = (getattr(self, k).value.astype(np.float64) for k in self._KINDS)
        if self.curve == "PR" and self.summation_method == "interpolation":
            return self._interpolated_pr_auc(tp, fp, fn)
        recall = _divide_no_nan(tp, tp + fn)
        x, y = (_divide_no_nan(fp, fp + tn), recall) if self.curve == "ROC" else (recall, _divide_no_nan(tp, tp + fp))
        pair = {"interpolation": (y[:-1] + y[1:]) / 2, "minoring": np.minimum(y[:-1], y[1:]),
                "majoring": np.maximum(y[:-1], y[1:])}[self.summation_method]
        return float(((x[:-1] - x[1:]) * pair).sum())

    @staticmethod
    def _interpolated_pr_auc(tp, fp, fn) -> float:
        """Σ over intervals of ∫ precision d(recall), precision interpolated as in Davis & Goadrich."""
        dtp = tp[:-1] - tp[1:]
        p = tp + fp
        dp = p[:-1] - p[1:]
        slope = _divide_no_nan(dtp, np.maximum(dp, 0))
        intercept = tp[1:] - slope * p[1:]
        ratio = np.where((p[:-1] > 0) & (p[1:] > 0), _divide_no_nan(p[:-1], np.maximum(p[1:], 0)), 1.0)
        increments = _divide_no_nan(slope * (dtp + intercept * np.log(ratio)), np.maximum(tp[1:] + fn[1:], 0))
        return float(increments.sum())

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "num_thresholds": self.num_thresholds,
                "curve": self.curve, "summation_method": self.summation_method,
                "thresholds": self._given_thresholds, "from_logits": self.from_logits}
