"""``compile`` / ``fit`` / ``evaluate`` / ``predict``: the training loop shared by all models.

One training step is the whole algorithm of the book:

1. forward: ŷ = f(x; W)                       (recorded on a GradientTape)
2. loss:    L = Σ_outputs w_o · loss_o(y_o, ŷ_o) + regularization
3. backward: ∇_W L by reverse-mode autodiff   (tape.gradient)
4. update:  W ← optimizer(W, ∇_W L)
"""

from __future__ import annotations

import sys

import numpy as np

from nbnet import losses as losses_mod
from nbnet import metrics as metrics_mod
from nbnet import ops
from nbnet import optimizers as optimizers_mod
from nbnet.autograd import GradientTape, Tensor, value_of
from nbnet.callbacks import CallbackList, History, ProgbarLogger
from nbnet.models import data as batching
from nbnet.utils.progbar import Progbar
from nbnet.utils.rng import generator


def _as_list(x):
    return list(x) if isinstance(x, (list, tuple)) else [x]


class Trainer:
    """Mixin giving a model ``compile``, ``fit``, ``evaluate``, ``predict`` and friends."""

    compiled = False
    stop_training = False

    # --- compile ---------------------------------------------------------------------------
    def compile(self, optimizer="rmsprop", loss=None, loss_weights=None, metrics=None,
                weighted_metrics=None, **kwargs) -> None:
        """Choose the optimizer, the loss and the metrics.

        Parameters
        ----------
        optimizer : str or Optimizer
            e.g. ``"adam"`` or ``nbnet.optimizers.Adam(1e-3)``.  Keras's default is ``"rmsprop"``.
        loss : str, Loss, callable, or a list/dict of them (one per output)
        loss_weights : list or dict of float, optional
            Multipliers of each output's loss in the total.
        metrics : list (or dict/list of lists per output) of str, Metric or callable
        """
        self.optimizer = optimizers_mod.get(optimizer)
        _check_names(loss, losses_mod.get)       # unknown names fail here, listing the valid ones
        _check_names(metrics, metrics_mod.get)
        self._loss_spec, self._loss_weight_spec = loss, loss_weights
        self._metric_spec = metrics
        self._compile_config = {"optimizer": optimizers_mod.serialize(self.optimizer),
                                "loss": _loss_config(loss), "loss_weights": loss_weights,
                                "metrics": _metric_config(metrics)}
        self._losses_resolved = None
        self.compiled = True

    def _output_names(self) -> list[str]:
        return getattr(self, "output_names", None) or ["output"]

    def _resolve_losses(self, y: list, y_pred: list) -> None:
        """Match losses, loss weights and metrics to outputs once their number is known."""
        names = self._output_names() if len(self._output_names()) == len(y_pred) else ["output"]
        spec = self._loss_spec
        if isinstance(spec, dict):
            unknown = sorted(set(spec) - set(names))
            if unknown:
                raise ValueError(f"compile(loss=...) names output(s) {unknown}, but the model's outputs "
                                 f"are {names}")
            spec = [spec.get(n) for n in names]
        spec = _as_list(spec) if isinstance(spec, (list, tuple)) else [spec] * len(y_pred)
        if len(spec) != len(y_pred):
            raise ValueError(f"compile() got {len(spec)} losses for a model with {len(y_pred)} outputs")
        self._out_losses = [None if s is None else losses_mod.get(s) for s in spec]
        w = self._loss_weight_spec
        w = [w.get(n, 1.0) for n in names] if isinstance(w, dict) else (list(w) if w else [1.0] * len(y_pred))
        self._loss_weights = w
        self._out_metrics = self._resolve_metrics(names, y, y_pred)
        multi = len(y_pred) > 1
        self._loss_trackers = [metrics_mod.Mean(f"{n}_loss") for n in names] if multi else []
        self._losses_resolved = True

    def _resolve_metrics(self, names, y, y_pred):
        spec = self._metric_spec or []
        if isinstance(spec, dict):
            per = [_as_list(spec.get(n, [])) for n in names]
        elif spec and isinstance(spec[0], (list, tuple)):
            per = [list(s) for s in spec]
        else:
            per = [list(spec)] * len(names)
        out = []
        for i, (name, ms) in enumerate(zip(names, per)):
            resolved = [metrics_mod.get(m, self._out_losses[i], y[i] if y else None,
                                        np.shape(value_of(y_pred[i]))) for m in ms]
            if len(names) > 1:
                for m in resolved:
                    m.name = f"{name}_{m.name}"
            out.append(resolved)
        return out

    @property
    def metrics(self) -> list:
        """The metric objects (loss tracker first), once training has started."""
        return [self._loss_tracker, *getattr(self, "_loss_trackers", []),
                *[m for ms in getattr(self, "_out_metrics", []) for m in ms]]

    @property
    def metrics_names(self) -> list[str]:
        return [m.name for m in self.metrics]

    # --- the step --------------------------------------------------------------------------
    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """Total loss: Σ_outputs w_o · loss_o(y_o, ŷ_o) + Σ regularization penalties."""
        y_list, p_list = _as_list(y), _as_list(y_pred)
        if not self._losses_resolved:
            self._resolve_losses(y_list, p_list)
        total, parts = 0.0, []
        for loss, w, yt, yp in zip(self._out_losses, self._loss_weights, y_list, p_list):
            if loss is None:
                continue
            term = loss(yt, yp, sample_weight)
            parts.append(float(value_of(term)))
            total = ops.add(total, ops.multiply(term, w)) if w != 1.0 else ops.add(total, term)
        for penalty in self.losses:
            total = ops.add(total, penalty)
        self._last_loss_parts = parts
        return total

    def _check_compiled(self, what):
        if not self.compiled:
            raise RuntimeError(f"You must call compile() before {what}().")

    def train_step(self, x, y, sample_weight=None) -> None:
        """One gradient step on a batch: forward, loss, backward, update; then update metrics."""
        with GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self.compute_loss(x, y, y_pred, sample_weight)
        weights = self.trainable_weights  # after the forward pass: a subclassed model builds in it
        if isinstance(loss, Tensor) and weights:   # else nothing here can learn: no update
            self.optimizer.apply(tape.gradient(loss, weights), weights)
        self._update_metrics(loss, y, y_pred, sample_weight)

    def _update_metrics(self, loss, y, y_pred, sample_weight, n=None):
        n = len(value_of(_as_list(y_pred)[0])) if n is None else n
        self._loss_tracker.add(float(value_of(loss)), n)
        for tracker, part in zip(self._loss_trackers, self._last_loss_parts):
            tracker.add(part, n)
        for ms, yt, yp in zip(self._out_metrics, _as_list(y), _as_list(y_pred)):
            for m in ms:
                m.update_state(yt, value_of(yp), sample_weight)

    def test_step(self, x, y, sample_weight=None) -> None:
        y_pred = self(x, training=False)
        loss = self.compute_loss(x, y, y_pred, sample_weight, training=False)
        self._update_metrics(loss, y, y_pred, sample_weight)

    def _reset_metrics(self):
        if not hasattr(self, "_loss_tracker"):
            self._loss_tracker = metrics_mod.Mean("loss")
        for m in self.metrics:
            m.reset_state()

    def _logs(self) -> dict:
        if not self._losses_resolved:
            return {}
        return {m.name: m.result() for m in self.metrics}

    # --- data ------------------------------------------------------------------------------
    def _input_names(self):
        names = getattr(self, "input_names", None)
        return names if names else None

    def _prepare(self, x, y=None, sample_weight=None, what="fit"):
        xs = batching.cast_inputs(batching.flatten_data(x, self._input_names(), "x"))
        ys = None if y is None else batching.cast_targets(batching.flatten_data(
            y, self._output_names() if len(self._output_names()) > 1 else None, "y"))
        sw = None if sample_weight is None else np.asarray(sample_weight)
        batching.check_data(xs, ys, sw)
        return xs, ys, sw

    def _pack(self, arrays):
        if arrays is None:
            return None
        return arrays[0] if len(arrays) == 1 else arrays

    # --- fit -------------------------------------------------------------------------------
    def fit(self, x=None, y=None, batch_size=None, epochs: int = 1, verbose="auto", callbacks=None,
            validation_split: float = 0.0, validation_data=None, shuffle: bool = True,
            class_weight=None, sample_weight=None, initial_epoch: int = 0,
            steps_per_epoch=None, validation_batch_size=None, validation_freq: int = 1) -> History:
        """Train for ``epochs`` passes over the data in mini-batches of ``batch_size`` (default 32).

        Returns
        -------
        History
            ``history.history`` maps ``"loss"``, each metric and their ``"val_"`` forms to
            per-epoch lists.
        """
        self._check_compiled("fit")
        if y is None:
            raise ValueError("fit() needs targets y (nbnet models train on (x, y) pairs)")
        xs, ys, sw = self._prepare(x, y, sample_weight)
        if class_weight is not None:
            sw = _class_weights(ys[0], class_weight, sw)
        val = self._validation(validation_data, validation_split, (xs, ys, sw))
        if validation_split and validation_data is None:
            (xs, ys, sw), val = val
        batch_size = _batch_size(batch_size)
        steps = -(-len(xs[0]) // batch_size)
        verbose = 1 if verbose == "auto" else int(verbose)
        history = History()
        cbs = CallbackList([*(callbacks or []), history] + ([ProgbarLogger(verbose)] if verbose else []),
                           self, {"epochs": epochs, "steps": steps, "verbose": verbose})
        self.stop_training = False
        cbs.on_train_begin()
        for epoch in range(initial_epoch, epochs):
            logs = self._fit_epoch(epoch, xs, ys, sw, batch_size, shuffle, cbs)
            if val is not None and (epoch + 1) % validation_freq == 0:
                cbs.on_test_begin()
                val_logs = self._evaluate_arrays(*val, validation_batch_size or batch_size)
                cbs.on_test_end(val_logs)
                logs.update({f"val_{k}": v for k, v in val_logs.items()})
            cbs.on_epoch_end(epoch, logs)
            if self.stop_training:
                break
        cbs.on_train_end(logs if epochs > initial_epoch else {})
        self.history = history
        return history

    def _fit_epoch(self, epoch, xs, ys, sw, batch_size, shuffle, cbs) -> dict:
        cbs.on_epoch_begin(epoch)
        self._reset_metrics()
        batch_end = cbs.wants("on_train_batch_end")   # skip computing logs nobody reads
        for step, idx in enumerate(batching.batch_indices(len(xs[0]), batch_size, shuffle, generator())):
            cbs.on_train_batch_begin(step)
            self.train_step(self._pack(batching.take(xs, idx)), self._pack(batching.take(ys, idx)),
                            None if sw is None else sw[idx])
            if batch_end:
                cbs.on_train_batch_end(step, self._logs())
            if self.stop_training:
                break
        return self._logs()

    def _validation(self, validation_data, validation_split, train):
        if validation_data is not None:
            if not isinstance(validation_data, (tuple, list)) or len(validation_data) not in (2, 3):
                raise ValueError("validation_data must be a tuple (x_val, y_val) or (x_val, y_val, sample_weight)")
            return self._prepare(*validation_data)
        if validation_split:
            return batching.split_validation(*train, validation_split)
        return None

    # --- evaluate / predict ----------------------------------------------------------------
    def _evaluate_arrays(self, xs, ys, sw, batch_size) -> dict:
        self._reset_metrics()
        for idx in batching.batch_indices(len(xs[0]), batch_size, False, None):
            self.test_step(self._pack(batching.take(xs, idx)), self._pack(batching.take(ys, idx)),
                           None if sw is None else sw[idx])
        return self._logs()

    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None,
                 return_dict: bool = False, callbacks=None):
        """Loss (and metrics) on the given data, in inference mode.

        Returns the loss if there are no metrics, else ``[loss, *metrics]``
        (or a dict with ``return_dict=True``).
        """
        self._check_compiled("evaluate")
        xs, ys, sw = self._prepare(x, y, sample_weight)
        logs = self._evaluate_arrays(xs, ys, sw, _batch_size(batch_size))
        if _verbosity(verbose):
            print(f"{len(xs[0])} samples" + "".join(f" - {k}: {v:.4f}" for k, v in sorted(logs.items())))
        if return_dict:
            return logs
        values = [logs[m.name] for m in self.metrics]
        return values[0] if len(values) == 1 else values

    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
        """Model outputs for ``x``, computed in batches (default 32) in inference mode."""
        xs, _, _ = self._prepare(x)
        batch_size = _batch_size(batch_size)
        index = batching.batch_indices(len(xs[0]), batch_size, False, None)
        bar = Progbar(len(index)) if _verbosity(verbose) else None
        chunks = []
        for i, idx in enumerate(index):
            chunks.append(_as_list(self(self._pack(batching.take(xs, idx)), training=False)))
            if bar:
                bar.update(i + 1, finalize=i + 1 == len(index))
        outs = [np.concatenate([np.asarray(value_of(c[j])) for c in chunks]) for j in range(len(chunks[0]))]
        return outs[0] if len(outs) == 1 else outs

    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None, return_dict=False):
        """One gradient step on exactly this batch; returns the loss (and metrics)."""
        self._check_compiled("train_on_batch")
        xs, ys, sw = self._prepare(x, y, sample_weight)
        if class_weight is not None:
            sw = _class_weights(ys[0], class_weight, sw)
        self._reset_metrics()
        self.train_step(self._pack(xs), self._pack(ys), sw)
        return self._result(return_dict)

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        self._check_compiled("test_on_batch")
        xs, ys, sw = self._prepare(x, y, sample_weight)
        self._reset_metrics()
        self.test_step(self._pack(xs), self._pack(ys), sw)
        return self._result(return_dict)

    def predict_on_batch(self, x):
        xs, _, _ = self._prepare(x)
        out = self(self._pack(xs), training=False)
        return [np.asarray(value_of(o)) for o in out] if isinstance(out, (list, tuple)) else np.asarray(out)

    def _result(self, return_dict):
        logs = self._logs()
        if return_dict:
            return logs
        values = [logs[m.name] for m in self.metrics]
        return values[0] if len(values) == 1 else values

    # --- gradients for the book and the tests ------------------------------------------------
    def gradients(self, x, y, sample_weight=None, training: bool = False):
        """Loss and its gradient with respect to every trainable weight.

        Returns
        -------
        loss : float
        grads : list of numpy.ndarray
            Aligned with ``model.trainable_weights``.
        """
        self._check_compiled("gradients")
        xs, ys, sw = self._prepare(x, y, sample_weight)
        with GradientTape() as tape:
            y_pred = self(self._pack(xs), training=training)
            loss = self.compute_loss(self._pack(xs), self._pack(ys), y_pred, sw, training=training)
        weights = self.trainable_weights  # after the forward pass: a subclassed model builds in it
        grads = tape.gradient(loss, weights) if isinstance(loss, Tensor) else [None] * len(weights)
        grads = [np.zeros_like(w.value) if g is None else np.asarray(g) for g, w in zip(grads, weights)]
        return float(value_of(loss)), grads


def _batch_size(batch_size) -> int:
    if batch_size is None:
        return 32
    if not isinstance(batch_size, (int, np.integer)) or batch_size <= 0:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
    return int(batch_size)


def _verbosity(verbose) -> bool:
    if verbose == "auto":
        return sys.stdout.isatty()
    return bool(verbose)


def _class_weights(y, class_weight: dict, sw):
    labels = np.argmax(y, -1) if y.ndim > 1 and y.shape[-1] > 1 else y.reshape(len(y)).astype(np.int64)
    w = np.array([class_weight.get(int(c), 1.0) for c in labels], dtype=np.float32)
    return w if sw is None else w * sw


def _check_names(spec, get) -> None:
    """Resolve every string in a (nested list/dict) compile argument once, so typos raise early."""
    if isinstance(spec, str):
        get(spec)
    elif isinstance(spec, dict):
        for v in spec.values():
            _check_names(v, get)
    elif isinstance(spec, (list, tuple)):
        for v in spec:
            _check_names(v, get)


def _loss_config(loss):
    if loss is None or isinstance(loss, str):
        return loss
    if isinstance(loss, dict):
        return {k: _loss_config(v) for k, v in loss.items()}
    if isinstance(loss, (list, tuple)):
        return [_loss_config(v) for v in loss]
    return losses_mod.serialize(losses_mod.get(loss))


def _metric_config(metrics):
    if metrics is None or isinstance(metrics, str):
        return metrics
    if isinstance(metrics, dict):
        return {k: _metric_config(v) for k, v in metrics.items()}
    if isinstance(metrics, (list, tuple)):
        return [_metric_config(m) for m in metrics]
    if isinstance(metrics, metrics_mod.Metric):
        return {"class_name": type(metrics).__name__, "config": metrics.get_config()}
    return getattr(metrics, "__name__", str(metrics))
