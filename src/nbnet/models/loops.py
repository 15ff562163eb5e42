"""The loops of ``fit`` / ``evaluate`` / ``predict``: batches in, steps called, logs out.

Each batch is packed as Keras packs it (``x``, ``(x,)``, ``(x, y)`` or ``(x, y, sample_weight)``)
and handed to the model's ``train_step`` / ``test_step`` / ``predict_step``, which may be
overridden; what a step returns is what callbacks and ``History`` see.
"""

from __future__ import annotations

import sys

import numpy as np

from nbnet.autograd import value_of
from nbnet.callbacks import CallbackList, History, ProgbarLogger
from nbnet.models import compile_utils as cu
from nbnet.models import data as batching
from nbnet.models.data import pack_x_y_sample_weight
from nbnet.utils.progbar import Progbar
from nbnet.utils.rng import generator


class Loops:
    """Mixin of :class:`~nbnet.models.training.Trainer`: the data loops around the steps."""

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

    def _batch(self, xs, ys, sw, idx):
        """The batch ``idx`` packed as Keras gives it to a step: x, (x,), (x, y) or (x, y, sw)."""
        return pack_x_y_sample_weight(self._pack(batching.take(xs, idx)), self._pack(batching.take(ys, idx)),
                                      None if sw is None else sw[idx])

    # --- fit -------------------------------------------------------------------------------
    def fit(self, x=None, y=None, batch_size=None, epochs: int = 1, verbose="auto", callbacks=None,
            validation_split: float = 0.0, validation_data=None, shuffle: bool = True,
            class_weight=None, sample_weight=None, initial_epoch: int = 0,
            steps_per_epoch=None, validation_batch_size=None, validation_freq: int = 1) -> History:
        """Train for ``epochs`` passes over the data in mini-batches of ``batch_size`` (default 32).

        ``y`` may be left out when the model computes its own loss (``add_loss``, or a custom
        ``compute_loss`` / ``train_step``): each step then receives the batch of ``x`` alone.

        Returns
        -------
        History
            ``history.history`` maps ``"loss"``, each metric (or each key a custom
            ``train_step`` returns) and their ``"val_"`` forms to per-epoch lists.
        """
        self._check_compiled("fit")
        xs, ys, sw = self._prepare(x, y, sample_weight)
        if class_weight is not None:
            if ys is None:
                raise ValueError("fit(class_weight=...) needs targets y to look the classes up in")
            sw = cu.class_weights(ys[0], class_weight, sw)
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
        self._initial_epoch = None   # BackupAndRestore sets it in on_train_begin to resume
        cbs.on_train_begin()
        logs = {}
        for epoch in range(self._initial_epoch or initial_epoch, epochs):
            logs = self._fit_epoch(epoch, xs, ys, sw, batch_size, shuffle, cbs)
            if val is not None and (epoch + 1) % validation_freq == 0:
                val_logs = self._evaluate_arrays(*val, validation_batch_size or batch_size, cbs)
                logs.update({f"val_{k}": v for k, v in val_logs.items()})
            cbs.on_epoch_end(epoch, logs)
            if self.stop_training:
                break
        cbs.on_train_end(logs)
        self.history = history
        return history

    def _fit_epoch(self, epoch, xs, ys, sw, batch_size, shuffle, cbs) -> dict:
        cbs.on_epoch_begin(epoch)
        self.reset_metrics()
        batch_end = cbs.wants("on_train_batch_end")   # skip converting logs nobody reads
        logs = None
        for step, idx in enumerate(batching.batch_indices(len(xs[0]), batch_size, shuffle, generator())):
            cbs.on_train_batch_begin(step)
            logs = self.train_step(self._batch(xs, ys, sw, idx))
            if batch_end:
                cbs.on_train_batch_end(step, pythonify(logs))
            if self.stop_training:
                break
        return self._epoch_logs(logs)

    def _validation(self, validation_data, validation_split, train):
        if validation_data is not None:
            if not isinstance(validation_data, (tuple, list)) or len(validation_data) not in (1, 2, 3):
                raise ValueError("validation_data must be a tuple (x_val, y_val) or (x_val, y_val, "
                                 "sample_weight), or (x_val,) for a model without targets")
            return self._prepare(*validation_data)
        if validation_split:
            return batching.split_validation(*train, validation_split)
        return None

    # --- evaluate / predict ----------------------------------------------------------------
    def _evaluate_arrays(self, xs, ys, sw, batch_size, cbs=None) -> dict:
        cbs = cbs or CallbackList([], self, {})
        cbs.on_test_begin()
        self.reset_metrics()
        batch_end = cbs.wants("on_test_batch_end")
        logs = None
        for step, idx in enumerate(batching.batch_indices(len(xs[0]), batch_size, False, None)):
            cbs.on_test_batch_begin(step)
            logs = self.test_step(self._batch(xs, ys, sw, idx))
            if batch_end:
                cbs.on_test_batch_end(step, pythonify(logs))
        logs = self._epoch_logs(logs)
        cbs.on_test_end(logs)
        return logs

    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None,
                 return_dict: bool = False, callbacks=None):
        """Loss (and metrics) on the given data, in inference mode.

        Returns the loss if there are no metrics, else ``[loss, *metrics]``
        (or a dict with ``return_dict=True``).
        """
        self._check_compiled("evaluate")
        xs, ys, sw = self._prepare(x, y, sample_weight)
        batch_size = _batch_size(batch_size)
        cbs = CallbackList(callbacks, self, {"steps": -(-len(xs[0]) // batch_size), "verbose": verbose})
        logs = self._evaluate_arrays(xs, ys, sw, batch_size, cbs)
        if _verbosity(verbose):
            print(f"{len(xs[0])} samples" + "".join(f" - {k}: {v:.4f}" for k, v in sorted(logs.items())))
        return logs if return_dict else self._in_metric_order(logs)

    def _in_metric_order(self, logs: dict):
        """Log values in :attr:`metrics_names` order, then any other keys sorted (as Keras)."""
        names = [n for n in self.metrics_names if n in logs]
        values = [logs[n] for n in names] + [logs[k] for k in sorted(logs) if k not in names]
        return values[0] if len(values) == 1 else values

    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
        """Model outputs for ``x``, computed in batches (default 32) in inference mode."""
        xs, _, _ = self._prepare(x)
        batch_size = _batch_size(batch_size)
        index = batching.batch_indices(len(xs[0]), batch_size, False, None)
        bar = Progbar(len(index)) if _verbosity(verbose) else None
        cbs = CallbackList(callbacks, self, {"steps": len(index), "verbose": verbose})
        cbs.on_predict_begin()
        chunks = []
        for i, idx in enumerate(index):
            cbs.on_predict_batch_begin(i)
            out = self.predict_step(self._batch(xs, None, None, idx))
            chunks.append(cu.as_list(out))
            cbs.on_predict_batch_end(i, {"outputs": out})
            if bar:
                bar.update(i + 1, finalize=i + 1 == len(index))
        cbs.on_predict_end()
        outs = [np.concatenate([np.asarray(value_of(c[j])) for c in chunks]) for j in range(len(chunks[0]))]
        return outs[0] if len(outs) == 1 else outs

    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None, return_dict=False):
        """One gradient step on exactly this batch; returns the loss (and metrics)."""
        self._check_compiled("train_on_batch")
        xs, ys, sw = self._prepare(x, y, sample_weight)
        if class_weight is not None:
            sw = cu.class_weights(ys[0], class_weight, sw)
        self.reset_metrics()
        logs = pythonify(self.train_step(pack_x_y_sample_weight(self._pack(xs), self._pack(ys), sw)))
        return logs if return_dict else self._in_metric_order(logs)

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        self._check_compiled("test_on_batch")
        xs, ys, sw = self._prepare(x, y, sample_weight)
        self.reset_metrics()
        logs = pythonify(self.test_step(pack_x_y_sample_weight(self._pack(xs), self._pack(ys), sw)))
        return logs if return_dict else self._in_metric_order(logs)

    def predict_on_batch(self, x):
        xs, _, _ = self._prepare(x)
        out = self(self._pack(xs), training=False)
        return [np.asarray(value_of(o)) for o in out] if isinstance(out, (list, tuple)) else np.asarray(out)



def pythonify(logs) -> dict:
    """Step logs as plain Python numbers (a step may return Tensors or NumPy scalars)."""
    if not isinstance(logs, dict):
        raise TypeError(f"train_step/test_step must return a dict of metric values, got {type(logs).__name__}")
    out = {}
    for k, v in logs.items():
        v = value_of(v)
        out[k] = float(v) if np.ndim(v) == 0 else np.asarray(v)
    return out


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
