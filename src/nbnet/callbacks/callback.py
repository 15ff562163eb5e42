"""The callback protocol: ``Callback``, the ``CallbackList`` that calls the hooks, ``History``,
the progress bar, ``LambdaCallback`` and ``TerminateOnNaN``."""

from __future__ import annotations

import numpy as np

from nbnet.utils.progbar import Progbar


class Callback:
    """Base class.  Override any ``on_*`` method; ``self.model`` is the model being trained."""

    def __init__(self):
        self.model = None
        self.params: dict = {}

    def set_model(self, model) -> None:
        self.model = model

    def set_params(self, params: dict) -> None:
        self.params = params

    def on_train_begin(self, logs=None): ...
    def on_train_end(self, logs=None): ...
    def on_epoch_begin(self, epoch, logs=None): ...
    def on_epoch_end(self, epoch, logs=None): ...
    def on_batch_begin(self, batch, logs=None): ...
    def on_batch_end(self, batch, logs=None): ...

    def on_train_batch_begin(self, batch, logs=None):
        self.on_batch_begin(batch, logs)   # Keras: the old batch hooks are the training ones

    def on_train_batch_end(self, batch, logs=None):
        self.on_batch_end(batch, logs)

    def on_test_begin(self, logs=None): ...
    def on_test_end(self, logs=None): ...
    def on_test_batch_begin(self, batch, logs=None): ...
    def on_test_batch_end(self, batch, logs=None): ...
    def on_predict_begin(self, logs=None): ...
    def on_predict_end(self, logs=None): ...
    def on_predict_batch_begin(self, batch, logs=None): ...
    def on_predict_batch_end(self, batch, logs=None): ...


class CallbackList:
    """Calls each callback in turn."""

    def __init__(self, callbacks, model, params):
        self.callbacks = list(callbacks or [])
        for cb in self.callbacks:
            cb.set_model(model)
            cb.set_params(params)

    def __getattr__(self, name):
        if not name.startswith("on_") or not hasattr(Callback, name):
            raise AttributeError(name)
        # Only callbacks that override the hook are called (most batch hooks are no-ops).
        hooks = [getattr(cb, name) for cb in self.callbacks if _overrides(cb, name)]
        n_args = 2 if ("epoch" in name or "batch" in name) else 1   # (index, logs) or (logs)

        def call(*args):
            if len(args) < n_args:   # hooks always receive a logs dict, {} when empty (Keras)
                args = args + ({},)
            elif args[-1] is None:
                args = args[:-1] + ({},)
            for hook in hooks:
                hook(*args)
        self.__dict__[name] = call   # built once per CallbackList
        return call

    def wants(self, name: str) -> bool:
        """Whether any callback overrides the hook ``name``."""
        return any(_overrides(cb, name) for cb in self.callbacks)


def _overrides(cb: Callback, name: str) -> bool:
    """Whether ``cb`` defines hook ``name`` (in its class or, as LambdaCallback does, on itself);
    a train-batch hook also counts when the old ``on_batch_*`` alias is defined."""
    if getattr(type(cb), name, None) is not getattr(Callback, name) or name in vars(cb):
        return True
    alias = {"on_train_batch_begin": "on_batch_begin", "on_train_batch_end": "on_batch_end"}.get(name)
    return alias is not None and _overrides(cb, alias)


class History(Callback):
    """Records every epoch's logs: ``history.history["loss"]`` is a list, one value per epoch."""

    def __init__(self):
        super().__init__()
        self.history: dict[str, list] = {}
        self.epoch: list[int] = []

    def on_train_begin(self, logs=None):
        self.epoch = []

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for k, v in logs.items():
            self.history.setdefault(k, []).append(v)


class ProgbarLogger(Callback):
    """Prints ``Epoch i/n`` and a progress line with the loss and metrics."""

    def __init__(self, verbose: int = 1):
        super().__init__()
        self.verbose = verbose
        self.bar = None

    def on_epoch_begin(self, epoch, logs=None):
        print(f"Epoch {epoch + 1}/{self.params['epochs']}")
        self.bar = Progbar(self.params["steps"], verbose=self.verbose)

    def on_train_batch_end(self, batch, logs=None):
        self.seen = batch + 1
        self.bar.update(batch + 1, logs)

    def on_epoch_end(self, epoch, logs=None):
        self.bar.update(self.params["steps"] or getattr(self, "seen", 0), logs, finalize=True)


class TerminateOnNaN(Callback):
    """Stop training as soon as the loss becomes NaN or infinite."""

    def on_train_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and not np.isfinite(loss):
            print(f"Batch {batch}: Invalid loss, terminating training")
            self.model.stop_training = True


class LambdaCallback(Callback):
    """A callback from plain functions, e.g. ``LambdaCallback(on_epoch_end=lambda e, logs: ...)``."""

    def __init__(self, **hooks):
        super().__init__()
        for name, fn in hooks.items():
            if not name.startswith("on_") or not hasattr(Callback, name):
                raise ValueError(f"LambdaCallback: unknown hook {name!r}")
            setattr(self, name, fn)


