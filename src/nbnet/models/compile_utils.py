"""What ``compile()`` was given, matched to the model's outputs once their number is known.

``compile(loss=..., loss_weights=..., metrics=...)`` may name one loss for all outputs, a list
(one per output) or a dict (by output name).  :class:`CompiledOutputs` resolves that once, on
the first batch, and then computes the weighted loss

    L = Σ_o w_o · loss_o(y_o, ŷ_o)

and updates the per-output metrics, as Keras's ``CompileLoss`` / ``CompileMetrics`` do.
"""

from __future__ import annotations

import numpy as np

from nbnet import losses as losses_mod
from nbnet import metrics as metrics_mod
from nbnet import ops
from nbnet.autograd import value_of


def as_list(x) -> list:
    return list(x) if isinstance(x, (list, tuple)) else [x]


def batch_length(struct) -> int:
    """Number of samples in the first array of a (nested) batch structure."""
    first = struct
    while isinstance(first, (list, tuple, dict)):
        first = next(iter(first.values())) if isinstance(first, dict) else first[0]
    return len(value_of(first))


class CompiledOutputs:
    """The compiled losses, loss weights and metrics of one model, per output.

    Parameters
    ----------
    loss, loss_weights, metrics
        As given to ``compile()``.
    output_names : list of str
        The model's output names (``["output"]`` when it has no names).
    """

    def __init__(self, loss, loss_weights, metrics, output_names: list[str]):
        self.loss_spec, self.weight_spec, self.metric_spec = loss, loss_weights, metrics
        self.output_names = output_names
        self.resolved = False
        self.losses: list = []
        self.weights: list = []
        self.metrics: list[list] = []
        self.loss_trackers: list = []

    @property
    def has_loss(self) -> bool:
        return self.loss_spec is not None

    def resolve(self, y: list | None, y_pred: list) -> None:
        """Match losses, loss weights and metrics to the ``len(y_pred)`` outputs."""
        names = self.output_names if len(self.output_names) == len(y_pred) else (
            ["output"] if len(y_pred) == 1 else [f"output_{i}" for i in range(len(y_pred))])
        self.losses = [None if s is None else losses_mod.get(s) for s in self._per_output(names, y_pred)]
        w = self.weight_spec
        self.weights = [w.get(n, 1.0) for n in names] if isinstance(w, dict) else (
            list(w) if w else [1.0] * len(y_pred))
        self.metrics = self._resolve_metrics(names, y, y_pred)
        multi = len(y_pred) > 1 and self.has_loss
        self.loss_trackers = [metrics_mod.Mean(f"{n}_loss") for n in names] if multi else []
        self.resolved = True

    def _per_output(self, names, y_pred) -> list:
        spec = self.loss_spec
        if isinstance(spec, dict):
            unknown = sorted(set(spec) - set(names))
            if unknown:
                raise ValueError(f"compile(loss=...) names output(s) {unknown}, but the model's outputs "
                                 f"are {names}")
            spec = [spec.get(n) for n in names]
        spec = as_list(spec) if isinstance(spec, (list, tuple)) else [spec] * len(y_pred)
        if len(spec) != len(y_pred):
            raise ValueError(f"compile() got {len(spec)} losses for a model with {len(y_pred)} outputs")
        return spec

    def _resolve_metrics(self, names, y, y_pred) -> list:
        spec = self.metric_spec or []
        if isinstance(spec, dict):
            per = [as_list(spec.get(n, [])) for n in names]
        elif spec and isinstance(spec[0], (list, tuple)):
            per = [list(s) for s in spec]
        else:
            per = [list(spec)] * len(names)
        out = []
        for i, (name, ms) in enumerate(zip(names, per)):
            resolved = [metrics_mod.get(m, self.losses[i], y[i] if y else None,
                                        np.shape(value_of(y_pred[i]))) for m in ms]
            if len(names) > 1:
                for m in resolved:
                    m.name = f"{name}_{m.name}"
            out.append(resolved)
        return out

    def loss(self, y, y_pred, sample_weight=None):
        """Σ_o w_o · loss_o(y_o, ŷ_o), or ``None`` when no output has a loss."""
        y_list, p_list = as_list(y), as_list(y_pred)
        if not self.resolved:
            self.resolve(y_list, p_list)
        if len(y_list) != len(p_list):
            raise ValueError(f"The model has {len(p_list)} output(s) but {len(y_list)} target array(s) "
                             "were given")
        total, n = None, batch_length(p_list)
        for i, (loss, w, yt, yp) in enumerate(zip(self.losses, self.weights, y_list, p_list)):
            if loss is None:
                continue
            term = loss(yt, yp, sample_weight)
            if self.loss_trackers:
                self.loss_trackers[i].add(float(value_of(term)), n)
            term = ops.multiply(term, w) if w != 1.0 else term
            total = term if total is None else ops.add(total, term)
        return total

    def update_metrics(self, y, y_pred, sample_weight=None) -> None:
        """Update each output's metrics with this batch."""
        y_list, p_list = as_list(y), as_list(y_pred)
        if not self.resolved:
            self.resolve(y_list, p_list)
        for ms, yt, yp in zip(self.metrics, y_list, p_list):
            for m in ms:
                m.update_state(yt, value_of(yp), sample_weight)

    def all_metrics(self) -> list:
        """Per-output loss trackers, then the compiled metrics (nbnet's order)."""
        return [*self.loss_trackers, *[m for ms in self.metrics for m in ms]]


def class_weights(y, class_weight: dict, sw):
    """Per-sample weights ``class_weight[label]`` (times ``sw`` if given)."""
    labels = np.argmax(y, -1) if y.ndim > 1 and y.shape[-1] > 1 else y.reshape(len(y)).astype(np.int64)
    w = np.array([class_weight.get(int(c), 1.0) for c in labels], dtype=np.float32)
    return w if sw is None else w * sw


def check_names(spec, get) -> None:
    """Resolve every string in a (nested list/dict) compile argument once, so typos raise early."""
    if isinstance(spec, str):
        get(spec)
    elif isinstance(spec, dict):
        for v in spec.values():
            check_names(v, get)
    elif isinstance(spec, (list, tuple)):
        for v in spec:
            check_names(v, get)


def loss_config(loss):
    if loss is None or isinstance(loss, str):
        return loss
    if isinstance(loss, dict):
        return {k: loss_config(v) for k, v in loss.items()}
    if isinstance(loss, (list, tuple)):
        return [loss_config(v) for v in loss]
    return losses_mod.serialize(losses_mod.get(loss))


def metric_config(metrics):
    if metrics is None or isinstance(metrics, str):
        return metrics
    if isinstance(metrics, dict):
        return {k: metric_config(v) for k, v in metrics.items()}
    if isinstance(metrics, (list, tuple)):
        return [metric_config(m) for m in metrics]
    if isinstance(metrics, metrics_mod.Metric):
        return {"class_name": type(metrics).__name__, "config": metrics.get_config()}
    return getattr(metrics, "__name__", str(metrics))
