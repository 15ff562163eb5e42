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
from nbnet.models.sources import ArrayBatches, DatasetBatches, is_dataset
from nbnet.utils.progbar import Progbar


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

    def _pack_batch(self, xs, ys, sw):
        return pack_x_y_sample_weight(self._pack(xs), self._pack(ys), sw)

    def _source(self, x, y, sample_weight, batch_size, steps, shuffle=False, what="fit"):
        """Arrays → :class:`ArrayBatches`; a PyDataset or generator → :class:`DatasetBatches`."""
        if is_dataset(x):
            if y is not None or sample_weight is not None:
                raise ValueError(f"{what}(): when x is a PyDataset or a generator it yields the targets "
                                 "and sample weights itself; do not pass y or sample_weight")
            return DatasetBatches(self, x, steps, what, shuffle)
        xs, ys, sw = self._prepare(x, y, sample_weight)
        return ArrayBatches(self, xs, ys, sw, _batch_size(batch_size), shuffle)

    # --- fit -------------------------------------------------------------------------------
    def fit(self, x=None, y=None, batch_size=None, epochs: int = 1, verbose="auto", callbacks=None,
            validation_split: float = 0.0, validation_data=None, shuffle: bool = True,
            class_weight=None, sample_weight=None, initial_epoch: int = 0,
            steps_per_epoch=None, validation_steps=None, validation_batch_size=None,
            validation_freq: int = 1) -> History:
        """Train for ``epochs`` passes over the data in mini-batches of ``batch_size`` (default 32).

        ``x`` may be arrays, a :class:`nbnet.utils.PyDataset`, or a generator yielding batches
        (``x``, ``(x, y)`` or ``(x, y, sample_weight)``; then ``steps_per_epoch`` batches make an
        epoch, or the whole generator).  ``y`` may be left out when the model computes its own
        loss (``add_loss``, or a custom ``compute_loss`` / ``train_step``).

        Returns
        -------
        History
            ``history.history`` maps ``"loss"``, each metric (or each key a custom
            ``train_step`` returns) and their ``"val_"`` forms to per-epoch lists.
        """
        self._check_compiled("fit")
        train, val = self._fit_sources(x, y, sample_weight, class_weight, batch_size, shuffle,
                                       steps_per_epoch, validation_split, validation_data, validation_steps,
                                       validation_batch_size)
        verbose = 1 if verbose == "auto" else int(verbose)
        history = History()
        cbs = CallbackList([*(callbacks or []), history] + ([ProgbarLogger(verbose)] if verbose else []),
                           self, {"epochs": epochs, "steps": train.steps, "verbose": verbose})
        self.stop_training = False
        self._initial_epoch = None   # BackupAndRestore sets it in on_train_begin to resume
        cbs.on_train_begin()
        logs = {}
        for epoch in range(self._initial_epoch or initial_epoch, epochs):
            logs = self._fit_epoch(epoch, train, cbs)
            if val is not None and (epoch + 1) % validation_freq == 0 and not self.stop_training:
                val_logs = self._evaluate_batches(val, cbs)
                logs.update({f"val_{k}": v for k, v in val_logs.items()})
            cbs.on_epoch_end(epoch, logs)
            if self.stop_training:
                break
        cbs.on_train_end(logs)
        self.history = history
        return history

    def _fit_sources(self, x, y, sample_weight, class_weight, batch_size, shuffle, steps_per_epoch,
                     validation_split, validation_data, validation_steps, validation_batch_size):
        """The training batches and the validation batches (or ``None``)."""
        if is_dataset(x):
            if validation_split:
                raise ValueError("fit(): validation_split needs arrays; with a PyDataset or a generator "
                                 "give validation_data")
            train = self._source(x, y, sample_weight, batch_size, steps_per_epoch, shuffle)
        else:
            xs, ys, sw = self._prepare(x, y, sample_weight)
            if class_weight is not None:
                if ys is None:
                    raise ValueError("fit(class_weight=...) needs targets y to look the classes up in")
                sw = cu.class_weights(ys[0], class_weight, sw)
            held = None
            if validation_split and validation_data is None:
                (xs, ys, sw), held = batching.split_validation(xs, ys, sw, validation_split)
            train = ArrayBatches(self, xs, ys, sw, _batch_size(batch_size), shuffle)
            if held is not None:
                return train, ArrayBatches(self, *held, _batch_size(validation_batch_size or batch_size))
        val_size = validation_batch_size or batch_size
        if validation_data is None:
            return train, None
        if is_dataset(validation_data):
            return train, self._source(validation_data, None, None, val_size, validation_steps)
        if not isinstance(validation_data, (tuple, list)) or len(validation_data) not in (1, 2, 3):
            raise ValueError("validation_data must be a tuple (x_val, y_val) or (x_val, y_val, "
                             "sample_weight), (x_val,) for a model without targets, or a PyDataset")
        x_val, y_val, sw_val = list(validation_data) + [None] * (3 - len(validation_data))
        return train, self._source(x_val, y_val, sw_val, val_size, None)

    def _fit_epoch(self, epoch, train, cbs) -> dict:
        cbs.on_epoch_begin(epoch)
        self.reset_metrics()
        batch_end = cbs.wants("on_train_batch_end")   # skip converting logs nobody reads
        logs = None
        for step, batch in enumerate(train.epoch()):
            cbs.on_train_batch_begin(step)
            logs = self.train_step(batch)
            if batch_end:
                cbs.on_train_batch_end(step, pythonify(logs))
            if self.stop_training:
                break
        return self._epoch_logs(logs)

    # --- evaluate / predict ----------------------------------------------------------------
    def _evaluate_batches(self, source, cbs=None) -> dict:
        cbs = cbs or CallbackList([], self, {})
        cbs.on_test_begin()
        self.reset_metrics()
        batch_end = cbs.wants("on_test_batch_end")
        logs = None
        stop = self.stop_training
        for step, batch in enumerate(source.epoch()):
            cbs.on_test_batch_begin(step)
            logs = self.test_step(batch)
            if batch_end:
                cbs.on_test_batch_end(step, pythonify(logs))
        self.stop_training = stop    # running out of validation data does not end training
        logs = self._epoch_logs(logs)
        cbs.on_test_end(logs)
        return logs

    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None, steps=None,
                 callbacks=None, return_dict: bool = False):
        """Loss (and metrics) on the given data (arrays, a PyDataset or a generator), in inference mode.

        Returns the loss if there are no metrics, else ``[loss, *metrics]``
        (or a dict with ``return_dict=True``).
        """
        self._check_compiled("evaluate")
        source = self._source(x, y, sample_weight, batch_size, steps, what="evaluate")
        cbs = CallbackList(callbacks, self, {"steps": source.steps, "verbose": verbose})
        logs = self._evaluate_batches(source, cbs)
        if _verbosity(verbose):
            print("evaluate" + "".join(f" - {k}: {v:.4f}" for k, v in sorted(logs.items())))
        return logs if return_dict else self._in_metric_order(logs)

    def _in_metric_order(self, logs: dict):
        """Log values in :attr:`metrics_names` order, then any other keys sorted (as Keras)."""
        names = [n for n in self.metrics_names if n in logs]
        values = [logs[n] for n in names] + [logs[k] for k in sorted(logs) if k not in names]
        return values[0] if len(values) == 1 else values

    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
        """Model outputs for ``x`` (arrays, a PyDataset or a generator), in batches (default 32),
        in inference mode."""
        source = self._source(x, None, None, batch_size, steps, what="predict")
        bar = Progbar(source.steps) if _verbosity(verbose) else None
        cbs = CallbackList(callbacks, self, {"steps": source.steps, "verbose": verbose})
        cbs.on_predict_begin()
        chunks = []
        for i, batch in enumerate(source.epoch()):
            cbs.on_predict_batch_begin(i)
            out = self.predict_step(batch)
            chunks.append(cu.as_list(out))
            cbs.on_predict_batch_end(i, {"outputs": out})
            if bar:
                bar.update(i + 1, finalize=i + 1 == source.steps)
        cbs.on_predict_end()
        if not chunks:
            raise ValueError("predict(): the input held no batches")
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
