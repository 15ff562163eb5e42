"""Callbacks that write files: ``ModelCheckpoint``, ``CSVLogger`` and ``BackupAndRestore``."""

from __future__ import annotations

import csv
import json
import math
import os
import shutil

import numpy as np

from nbnet.callbacks.callback import Callback
from nbnet.callbacks.monitoring import _monitored, _sign


def _check_save_freq(owner: str, save_freq) -> None:
    if save_freq != "epoch" and not (isinstance(save_freq, int) and save_freq > 0):
        raise ValueError(f"{owner}: save_freq must be 'epoch' or a positive integer (a number of "
                         f"batches), got {save_freq!r}")


class ModelCheckpoint(Callback):
    """Save the model (or its weights) every epoch or every ``save_freq`` batches, optionally
    only when ``monitor`` improves.

    Parameters
    ----------
    filepath : str or path
        May contain ``{epoch}``, ``{batch}`` and any log name, e.g. ``"ckpt-{epoch:02d}-{val_loss:.2f}.keras"``.
    save_freq : "epoch" or int
        Save at the end of every epoch, or after every ``save_freq`` training batches.
    initial_value_threshold : float, optional
        With ``save_best_only``, a value the monitor must beat before the first save.
    """

    def __init__(self, filepath, monitor="val_loss", verbose=0, save_best_only=False,
                 save_weights_only=False, mode="auto", save_freq="epoch",
                 initial_value_threshold=None):   # Keras 3's argument order
        super().__init__()
        _check_save_freq("ModelCheckpoint", save_freq)
        self.filepath, self.monitor = os.fspath(filepath), monitor
        self.save_best_only, self.save_weights_only, self.verbose = save_best_only, save_weights_only, verbose
        self.save_freq = save_freq
        self.sign = _sign("ModelCheckpoint", monitor, mode)
        self.best = -math.inf if initial_value_threshold is None else self.sign * initial_value_threshold
        self._epoch, self._since_save = 0, 0

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self.save_freq == "epoch":
            return
        self._since_save += 1
        if self._since_save >= self.save_freq:
            self._since_save = 0
            self._save(self._epoch, batch, logs)

    def on_epoch_end(self, epoch, logs=None):
        if self.save_freq == "epoch":
            self._save(epoch, None, logs)

    def _save(self, epoch, batch, logs) -> None:
        if self.save_best_only:
            value = _monitored("ModelCheckpoint", self.monitor, logs)
            if value is None or self.sign * value <= self.best:
                return
            self.best = self.sign * value
        extra = {} if batch is None or "batch" in logs else {"batch": batch + 1}
        path = self.filepath.format(epoch=epoch + 1, **extra, **logs)
        if self.verbose:
            print(f"Epoch {epoch + 1}: saving model to {path}")
        if self.save_weights_only:
            self.model.save_weights(path)
        else:
            self.model.save(path)


class CSVLogger(Callback):
    """Write each epoch's logs as a row of a CSV file: ``epoch`` then the log names, sorted.

    Parameters
    ----------
    filename : str or path
    separator : str
    append : bool
        Add to an existing file (without repeating its header) instead of overwriting it.
    """

    def __init__(self, filename, separator=",", append=False):
        super().__init__()
        self.filename, self.sep, self.append = os.fspath(filename), separator, append
        self.keys, self.writer, self._file = None, None, None

    def on_train_begin(self, logs=None):
        has_header = self.append and os.path.exists(self.filename) and os.path.getsize(self.filename) > 0
        self._file = open(self.filename, "a" if self.append else "w", newline="")  # noqa: SIM115 - kept open
        self._has_header = has_header
        self.keys, self.writer = None, None

    def on_epoch_end(self, epoch, logs=None):
        if self.keys is None:
            self.keys = sorted(logs)
        if self.writer is None:
            self.writer = csv.DictWriter(self._file, fieldnames=["epoch", *self.keys], delimiter=self.sep)
            if not self._has_header:
                self.writer.writeheader()
        row = {"epoch": epoch, **{k: _csv_value(logs.get(k, "NA")) for k in self.keys}}
        self.writer.writerow(row)
        self._file.flush()

    def on_train_end(self, logs=None):
        if self._file is not None:
            self._file.close()
            self._file = None


def _csv_value(v):
    if isinstance(v, np.ndarray) and v.ndim > 0:
        return f'[{", ".join(str(x) for x in v.ravel())}]'
    return v


class BackupAndRestore(Callback):
    """Survive an interrupted ``fit``: back up the weights, the optimizer state and the epoch
    reached into ``backup_dir``; a later ``fit`` with the same callback resumes from there.

    Parameters
    ----------
    backup_dir : str or path
    save_freq : "epoch" or int
        Back up at every epoch end, or every ``save_freq`` batches.
    double_checkpoint : bool
        Keep the previous backup too, and fall back to it if the latest cannot be read.
    delete_checkpoint : bool
        Remove ``backup_dir`` when training finishes normally.
    """

    def __init__(self, backup_dir, save_freq="epoch", double_checkpoint=False, delete_checkpoint=True):
        super().__init__()
        if not backup_dir:
            raise ValueError("BackupAndRestore: backup_dir must not be empty")
        _check_save_freq("BackupAndRestore", save_freq)
        self.backup_dir, self.save_freq = os.fspath(backup_dir), save_freq
        self.double_checkpoint, self.delete_checkpoint = double_checkpoint, delete_checkpoint
        self._state = os.path.join(self.backup_dir, "latest.state")
        self._meta = os.path.join(self.backup_dir, "training_metadata.json")
        self._epoch, self._since_save = 0, 0

    def on_train_begin(self, logs=None):
        if not self.model.built:
            raise ValueError("BackupAndRestore: the model must be built before fit() (call it on a "
                             "batch of data or give it an Input) so a backup can be loaded into it")
        try:
            self._restore(self._state, self._meta)
        except (OSError, ValueError):
            if not (self.double_checkpoint and os.path.exists(self._state + ".bkp")):
                raise
            self._restore(self._state + ".bkp", self._meta + ".bkp")

    def _restore(self, state, meta) -> None:
        from nbnet.saving.saving_lib import load_training_state
        if os.path.exists(state):
            load_training_state(self.model, state)
        if os.path.exists(meta):
            with open(meta) as f:
                self.model._initial_epoch = json.load(f)["epoch"]

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self.save_freq != "epoch":
            self._since_save += 1
            if self._since_save >= self.save_freq:
                self._since_save = 0
                self._backup(self._epoch)   # resumes by redoing this epoch from these weights

    def on_epoch_end(self, epoch, logs=None):
        if self.save_freq == "epoch":
            self._backup(epoch + 1)
        elif self._since_save == 0 and os.path.exists(self._meta):   # saved at the epoch's last batch
            with open(self._meta, "w") as f:
                json.dump({"epoch": epoch + 1}, f)            # so the epoch is done, not to redo

    def _backup(self, next_epoch: int) -> None:
        from nbnet.saving.saving_lib import save_training_state
        os.makedirs(self.backup_dir, exist_ok=True)
        if self.double_checkpoint:
            for path in (self._state, self._meta):
                if os.path.exists(path):
                    shutil.copyfile(path, path + ".bkp")
        save_training_state(self.model, self._state)
        with open(self._meta, "w") as f:
            json.dump({"epoch": next_epoch}, f)

    def on_train_end(self, logs=None):
        if self.delete_checkpoint and os.path.exists(self.backup_dir):
            shutil.rmtree(self.backup_dir)
