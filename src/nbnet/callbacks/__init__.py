"""Callbacks: code that runs at points of the training loop (``keras.callbacks``)."""

from nbnet.callbacks.callback import (
    Callback,
    CallbackList,
    History,
    LambdaCallback,
    ProgbarLogger,
    TerminateOnNaN,
)
from nbnet.callbacks.files import BackupAndRestore, CSVLogger, ModelCheckpoint
from nbnet.callbacks.monitoring import EarlyStopping, ReduceLROnPlateau
from nbnet.callbacks.tensorboard import TensorBoard

__all__ = ["BackupAndRestore", "CSVLogger", "Callback", "CallbackList", "EarlyStopping", "History",
           "LambdaCallback", "ModelCheckpoint", "ProgbarLogger", "ReduceLROnPlateau", "TensorBoard",
           "TerminateOnNaN"]
