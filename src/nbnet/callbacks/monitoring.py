"""Callbacks that watch a logged value: ``EarlyStopping`` and ``ReduceLROnPlateau``."""

from __future__ import annotations

import warnings

from nbnet.callbacks.callback import Callback


def _sign(owner: str, monitor: str, mode: str) -> float:
    """+1 when larger values of ``monitor`` are better, −1 when smaller are ("auto": by name)."""
    if mode not in ("auto", "min", "max"):
        raise ValueError(f"{owner}: mode must be 'auto', 'min' or 'max', got {mode!r}")
    maximize = mode == "max" or (mode == "auto" and ("acc" in monitor or monitor.endswith("auc")))
    return 1.0 if maximize else -1.0


def _monitored(owner: str, monitor: str, logs: dict):
    """``logs[monitor]``, or ``None`` with a warning that lists what the logs hold."""
    value = logs.get(monitor)
    if value is None:
        warnings.warn(f"{owner}: monitor {monitor!r} is not in the logs "
                      f"(available: {', '.join(sorted(logs))})", stacklevel=3)
    return value


class EarlyStopping(Callback):
    """Stop training when ``monitor`` stops improving.

    Parameters
    ----------
    monitor : str
        Log to watch, default ``"val_loss"``.
    min_delta : float
        Smaller changes do not count as improvement.
    patience : int
        Epochs without improvement before stopping.
    mode : {"auto", "min", "max"}
        ``"auto"`` maximizes names containing "acc", minimizes others.
    baseline : float, optional
        Stop if the monitor does not beat this.
    restore_best_weights : bool
        At the end of training, put back the weights of the best epoch (as Keras 3 does,
        whether or not training stopped early).
    start_from_epoch : int
        Epochs to wait before monitoring.
    """

    def __init__(self, monitor="val_loss", min_delta=0.0, patience=0, verbose=0, mode="auto",
                 baseline=None, restore_best_weights=False, start_from_epoch=0):
        super().__init__()
        self.monitor, self.min_delta, self.patience = monitor, abs(min_delta), patience
        self.verbose, self.baseline = verbose, baseline
        self.restore_best_weights, self.start_from_epoch = restore_best_weights, start_from_epoch
        self.sign = _sign("EarlyStopping", monitor, mode)

    def on_train_begin(self, logs=None):
        self.wait, self.stopped_epoch, self.best_epoch = 0, 0, 0
        self.best, self.best_weights = None, None

    def _improves(self, value, reference) -> bool:
        """``value`` beats ``reference`` by more than ``min_delta`` in the monitored direction."""
        return reference is None or self.sign * (value - reference) > self.min_delta

    def on_epoch_end(self, epoch, logs=None):
        value = _monitored("EarlyStopping", self.monitor, logs)
        if value is None:
            return
        if epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            self.best_weights, self.best_epoch = self.model.get_weights(), epoch
        self.wait += 1
        if self._improves(value, self.best):
            self.best, self.best_epoch = value, epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            if self.baseline is None or self._improves(value, self.baseline):
                self.wait = 0   # only beating both the best and the baseline restarts the count
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.stopped_epoch and self.verbose:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None:   # as Keras 3: also without a stop
            if self.verbose:
                print(f"Restoring model weights from the end of the best epoch: {self.best_epoch + 1}.")
            self.model.set_weights(self.best_weights)


class ReduceLROnPlateau(Callback):
    """Multiply the learning rate by ``factor`` when ``monitor`` has not improved for ``patience``
    epochs (``keras.callbacks.ReduceLROnPlateau``): η ← max(η · factor, min_lr).

    Parameters
    ----------
    monitor : str
        Log to watch, default ``"val_loss"``.
    factor : float
        In (0, 1).
    patience : int
        Epochs without improvement before a reduction.
    mode : {"auto", "min", "max"}
    min_delta : float
        Smaller changes do not count as improvement.
    cooldown : int
        Epochs to wait after a reduction before counting again.
    min_lr : float
        The learning rate never goes below this.

    The current rate is added to the logs as ``"learning_rate"`` (so ``History`` records it).
    """

    def __init__(self, monitor="val_loss", factor=0.1, patience=10, verbose=0, mode="auto",
                 min_delta=1e-4, cooldown=0, min_lr=0.0, **kwargs):
        super().__init__()
        if kwargs:
            raise TypeError(f"ReduceLROnPlateau: unexpected keyword argument(s) {sorted(kwargs)}")
        if not 0 < factor < 1:
            raise ValueError(f"ReduceLROnPlateau: factor must be in (0, 1), got {factor!r}")
        self.monitor, self.factor, self.patience, self.verbose = monitor, float(factor), patience, verbose
        self.min_delta, self.cooldown, self.min_lr = abs(min_delta), cooldown, float(min_lr)
        self.sign = _sign("ReduceLROnPlateau", monitor, mode)

    def on_train_begin(self, logs=None):
        self.wait, self.cooldown_counter, self.best = 0, 0, None

    def on_epoch_end(self, epoch, logs=None):
        optimizer = self.model.optimizer
        logs["learning_rate"] = optimizer.learning_rate
        value = _monitored("ReduceLROnPlateau", self.monitor, logs)
        if value is None:
            return
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.wait = 0
        if self.best is None or self.sign * (value - self.best) > self.min_delta:
            self.best, self.wait = value, 0
        elif self.cooldown_counter == 0:
            self.wait += 1
            if self.wait >= self.patience and optimizer.learning_rate > self.min_lr:
                if callable(optimizer._learning_rate):
                    raise TypeError("ReduceLROnPlateau cannot change a learning rate given as a "
                                    "LearningRateSchedule; give the optimizer a float learning rate")
                new_lr = max(optimizer.learning_rate * self.factor, self.min_lr)
                optimizer.learning_rate = new_lr
                if self.verbose:
                    print(f"Epoch {epoch + 1}: ReduceLROnPlateau reducing learning rate to {new_lr}.")
                self.cooldown_counter, self.wait = self.cooldown, 0
