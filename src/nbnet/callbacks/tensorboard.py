"""``TensorBoard``: write training curves, weight histograms and the model's graph as event files.

The files are TensorBoard's own format, written by tensorboardX (a maintained writer that needs
neither TensorFlow nor PyTorch); view them with ``tensorboard --logdir logs``. Both come with the
optional extra ``pip install 'nbnet[tensorboard]'``; nbnet's core stays NumPy-only.
"""

from __future__ import annotations

import os
import time

import numpy as np

from nbnet.callbacks.callback import Callback

_EXTRA = ("nbnet.callbacks.TensorBoard writes event files with tensorboardX, which is not installed. "
          "Install nbnet's optional extra: pip install 'nbnet[tensorboard]' (tensorboardX to write, "
          "tensorboard to view).")


def _summary_writer():
    """tensorboardX's ``SummaryWriter`` class, or an ImportError that names the extra."""
    try:
        from tensorboardX import SummaryWriter
    except ImportError as err:
        raise ImportError(_EXTRA) from err
    return SummaryWriter


class TensorBoard(Callback):
    """Log what ``fit`` sees for TensorBoard, as Keras 3 lays it out.

    Under ``log_dir``, ``train/`` receives ``epoch_<metric>`` for every training log (plus
    ``epoch_learning_rate``), weight histograms and the model's graph; ``validation/`` receives
    ``epoch_<metric>`` for each ``val_<metric>`` (prefix dropped) and ``evaluation_<metric>_vs_iterations``
    after every evaluation. Steps are epochs (0-based) for ``epoch_*`` tags, batches for ``batch_*``
    and optimizer iterations for ``evaluation_*``.

    Parameters
    ----------
    log_dir : str or path
        Folder for the event files (created if needed).
    histogram_freq : int
        Every ``histogram_freq`` epochs, a histogram of each weight (tag ``"<layer>/<weight>/histogram"``);
        0 writes none.
    write_graph : bool
        Write the model's JSON configuration (tag ``"keras"``), which TensorBoard's Graphs tab draws as
        a conceptual graph (Sequential and functional models, as in Keras).
    write_steps_per_second : bool
        Also log ``epoch_steps_per_second`` (and ``batch_steps_per_second`` with batch-level logging).
    update_freq : "epoch", "batch" or int
        With an integer N (``"batch"`` means 1), also log ``batch_<metric>`` every N training batches.
    write_images, profile_batch, embeddings_freq, embeddings_metadata
        Keras's arguments for weight images, the profiler and the embedding projector; nbnet has none
        of these, and a value other than the default is refused.

    Raises
    ------
    ImportError
        If tensorboardX is missing; the message names the extra to install.
    """

    def __init__(self, log_dir="logs", histogram_freq: int = 0, write_graph: bool = True,
                 write_images: bool = False, write_steps_per_second: bool = False, update_freq="epoch",
                 profile_batch=0, embeddings_freq: int = 0, embeddings_metadata=None):
        super().__init__()
        self._writer_class = _summary_writer()
        _refuse_unsupported(write_images=write_images, profile_batch=profile_batch,
                            embeddings_freq=embeddings_freq, embeddings_metadata=embeddings_metadata)
        if not (isinstance(histogram_freq, int) and histogram_freq >= 0):
            raise ValueError(f"TensorBoard: histogram_freq must be a non-negative integer, got {histogram_freq!r}")
        update_freq = 1 if update_freq == "batch" else update_freq
        if update_freq != "epoch" and not (isinstance(update_freq, int) and update_freq > 0):
            raise ValueError(f"TensorBoard: update_freq must be 'epoch', 'batch' or a positive integer, "
                             f"got {update_freq!r}")
        self.log_dir = os.fspath(log_dir)
        self.histogram_freq, self.write_graph, self.update_freq = histogram_freq, write_graph, update_freq
        self.write_images, self.write_steps_per_second = write_images, write_steps_per_second
        self._writers: dict = {}
        self._global_train_batch, self._training = 0, False
        self._epoch_start = (0.0, 0)
        self._batch_start = 0.0

    # --- writers: created on first use, one folder each, as in Keras ----------------------------
    def _writer(self, which: str):
        if which not in self._writers:
            self._writers[which] = self._writer_class(os.path.join(self.log_dir, which))
        return self._writers[which]

    def _close_writers(self) -> None:
        for writer in self._writers.values():
            writer.close()
        self._writers = {}

    # --- hooks -----------------------------------------------------------------------------------
    def set_model(self, model) -> None:
        super().set_model(model)
        self._close_writers()
        if self.write_graph and type(model).__name__ in ("Functional", "Sequential"):
            _write_model_config(self._writer("train"), model)

    def on_train_begin(self, logs=None):
        self._global_train_batch, self._training = 0, True

    def on_train_end(self, logs=None):
        self._training = False
        self._close_writers()   # tensorboardX's flush() leaves queued events; close() writes them

    def on_train_batch_begin(self, batch, logs=None):
        self._global_train_batch += 1
        self._batch_start = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        step = self._global_train_batch
        if self.update_freq == "epoch" or step % self.update_freq:
            return
        values = dict(logs or {})
        if self.write_steps_per_second:
            values["steps_per_second"] = 1.0 / max(time.perf_counter() - self._batch_start, 1e-12)
        self._scalars("train", "batch_", values, step)

    def on_test_end(self, logs=None):
        optimizer = getattr(self.model, "optimizer", None)
        if optimizer is None or not logs:
            return
        step = int(optimizer.iterations)
        for name, value in logs.items():
            self._writer("validation").add_scalar(f"evaluation_{name}_vs_iterations", float(value), step)
        if not self._training:   # evaluate() on its own: no on_train_end will come to close the files
            self._close_writers()

    def on_epoch_begin(self, epoch, logs=None):
        optimizer = getattr(self.model, "optimizer", None)
        self._epoch_start = (time.perf_counter(), int(optimizer.iterations) if optimizer is not None else 0)

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        train = {k: v for k, v in logs.items() if not k.startswith("val_")}
        optimizer = getattr(self.model, "optimizer", None)
        if optimizer is not None:
            train["learning_rate"] = float(optimizer.learning_rate)
            if self.write_steps_per_second:
                seconds = max(time.perf_counter() - self._epoch_start[0], 1e-12)
                train["steps_per_second"] = (int(optimizer.iterations) - self._epoch_start[1]) / seconds
        self._scalars("train", "epoch_", train, epoch)
        self._scalars("validation", "epoch_", {k[4:]: v for k, v in logs.items() if k.startswith("val_")}, epoch)
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            self._histograms(epoch)

    # --- writing ---------------------------------------------------------------------------------
    def _scalars(self, which: str, prefix: str, values: dict, step: int) -> None:
        if not values:
            return
        writer = self._writer(which)
        for name, value in values.items():
            writer.add_scalar(f"{prefix}{name}", float(value), step)
        writer.flush()

    def _histograms(self, epoch: int) -> None:
        writer = self._writer("train")
        for layer in self.model.layers:
            for weight in layer.weights:
                values = np.asarray(weight.value, dtype=np.float64)
                writer.add_histogram(f"{weight.path.replace(':', '_')}/histogram", values, epoch)
        writer.flush()   # to the writer's queue; on_train_end's close() writes it to disk


def _refuse_unsupported(**given) -> None:
    defaults = {"write_images": False, "profile_batch": 0, "embeddings_freq": 0, "embeddings_metadata": None}
    for name, value in given.items():
        if value != defaults[name]:
            raise ValueError(f"TensorBoard: {name}={value!r} is not supported by nbnet (no weight images, "
                             f"profiler or embedding projector); leave it at {defaults[name]!r}")


def _write_model_config(writer, model) -> None:
    """The model's JSON as a string tensor under tag "keras", plugin "graph_keras_model" (Keras's layout)."""
    from tensorboardX.proto.summary_pb2 import Summary, SummaryMetadata
    from tensorboardX.proto.tensor_pb2 import TensorProto
    from tensorboardX.proto.tensor_shape_pb2 import TensorShapeProto
    try:
        config = model.to_json()
    except Exception as err:   # noqa: BLE001 - as Keras: a model that cannot be described is not an error
        import warnings
        warnings.warn(f"TensorBoard: the model's graph is not written: {err}", stacklevel=3)
        return
    metadata = SummaryMetadata(plugin_data=SummaryMetadata.PluginData(plugin_name="graph_keras_model",
                                                                      content=b"1"))
    tensor = TensorProto(dtype="DT_STRING", string_val=[config.encode("utf-8")], tensor_shape=TensorShapeProto())
    summary = Summary(value=[Summary.Value(tag="keras", tensor=tensor, metadata=metadata)])
    # SummaryWriter has no public call for a raw Summary; its own add_* methods go through this one.
    writer._get_file_writer().add_summary(summary, global_step=0)
    writer.flush()
