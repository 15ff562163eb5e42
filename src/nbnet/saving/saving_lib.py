"""Saving and loading models: one zip file of JSON and ``.npy`` arrays — no pickle, no code.

Layout of a model file::

    metadata.json   {"format": "nbnet.model", "format_version": 1, "nbnet_version": ...}
    config.json     {"class_name", "config", "compile_config", "build_input_shape"}
    weights.json    [{"path", "shape", "dtype"}, ...]      in ``model.weights`` order
    weights/0.npy, weights/1.npy, ...
    optimizer/0.npy, ...                                 (when compiled and trained)

The file is written to a temporary file beside the target and moved into place only when
complete, so a failed save never leaves a half-written file and never destroys an older one.
Arrays are read with ``allow_pickle=False``; classes are looked up by name among nbnet's own
and those registered with ``register_keras_serializable`` or passed in ``custom_objects``.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
import zipfile
from pathlib import Path

import numpy as np

from nbnet.saving.serialization_lib import deserialize_layer, serialize_layer

FORMAT = "nbnet.model"
WEIGHTS_FORMAT = "nbnet.weights"
FORMAT_VERSION = 1


# --- writing ---------------------------------------------------------------------------------
def _npy_bytes(array: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.lib.format.write_array(buf, np.asarray(array, order="C"), allow_pickle=False)  # keeps 0-d arrays 0-d
    return buf.getvalue()


def _atomic_zip(path, entries: dict, overwrite: bool) -> None:
    """Write ``entries`` (name → bytes) to a zip at ``path`` atomically."""
    path = Path(path)
    if path.exists() and not overwrite:
        raise FileExistsError(f"{path} exists and overwrite=False")
    if not path.parent.exists():
        raise FileNotFoundError(f"Cannot save to {path}: the folder {path.parent} does not exist")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            with zipfile.ZipFile(f, "w", compression=zipfile.ZIP_STORED) as z:
                for name, data in entries.items():
                    z.writestr(name, data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _weight_entries(weights, prefix="weights") -> dict:
    entries = {f"{prefix}.json": json.dumps([{"path": w.path, "shape": list(w.shape),
                                               "dtype": str(w.dtype)} for w in weights]).encode()}
    for i, w in enumerate(weights):
        entries[f"{prefix}/{i}.npy"] = _npy_bytes(w.value)
    return entries


def _metadata(fmt) -> bytes:
    from nbnet import __version__
    return json.dumps({"format": fmt, "format_version": FORMAT_VERSION, "nbnet_version": __version__}).encode()


def save_model(model, filepath, overwrite: bool = True, **kwargs) -> None:
    """Write ``model`` (architecture, weights, compile settings, optimizer state) to ``filepath``.

    A custom class or function the model uses (a loss given as a plain function, a Lambda's
    function) must be registered with ``register_keras_serializable`` to be saved: it is saved by
    name, never as code.  The error says so here, at save time — not at ``compile``.
    """
    if str(filepath).endswith(".keras"):
        from nbnet.saving.keras_files import save_keras
        return save_keras(model, filepath, overwrite)
    if not model.built:
        raise ValueError(f"Model {model.name!r} is not built yet: call it on data, fit it, or give it "
                         "an input shape before saving")
    config = {**serialize_layer(model), "compile_config": model.get_compile_config(),
              "build_input_shape": _jsonable_shape(model._build_shape)}
    entries = {"metadata.json": _metadata(FORMAT), "config.json": json.dumps(config).encode()}
    entries.update(_weight_entries(model.weights))
    entries.update(_optimizer_entries(model))
    _atomic_zip(filepath, entries, overwrite)


def save_weights(model, filepath, overwrite: bool = True) -> None:
    """Save the weights: Keras 3's HDF5 layout for a ``.weights.h5`` name, nbnet's zip otherwise."""
    if str(filepath).endswith(".weights.h5"):
        from nbnet.saving.keras_files import save_weights_h5
        return save_weights_h5(model, filepath, overwrite)
    entries = {"metadata.json": _metadata(WEIGHTS_FORMAT)}
    entries.update(_weight_entries(model.weights))
    _atomic_zip(filepath, entries, overwrite)


def save_training_state(model, filepath) -> None:
    """Weights and optimizer state (what resuming training needs), no architecture."""
    entries = {"metadata.json": _metadata(WEIGHTS_FORMAT)}
    entries.update(_weight_entries(model.weights))
    entries.update(_optimizer_entries(model))
    _atomic_zip(filepath, entries, overwrite=True)


def _optimizer_entries(model) -> dict:
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None or not optimizer.iterations:
        return {}
    return {f"optimizer/{i}.npy": _npy_bytes(a) for i, a in enumerate(optimizer.variables)}


def load_training_state(model, filepath) -> None:
    """Put back what :func:`save_training_state` wrote into the (built, compiled) ``model``."""
    archive = _Archive(filepath, (WEIGHTS_FORMAT,))
    _assign_weights(model, archive.weights(), archive.path)
    arrays = archive.optimizer_arrays()
    if arrays and getattr(model, "optimizer", None) is not None:
        model.optimizer.build(model.trainable_weights)
        model.optimizer.load_own_variables(arrays)


def _jsonable_shape(shape):
    if shape is None:
        return None
    if isinstance(shape, list):
        return [_jsonable_shape(s) for s in shape]
    return list(shape)


# --- reading ---------------------------------------------------------------------------------
class _Archive:
    """A checked, read-only view of a saved file."""

    def __init__(self, filepath, expected):
        self.path = Path(filepath)
        if not self.path.is_file():
            raise FileNotFoundError(f"No such file: {self.path}")
        try:
            self.zip = zipfile.ZipFile(self.path)
            names = set(self.zip.namelist())
        except (zipfile.BadZipFile, OSError) as err:
            raise ValueError(f"{self.path} is not an nbnet model file (not a valid archive: it may be "
                             f"truncated or of another format): {err}") from None
        if "metadata.json" not in names:
            raise ValueError(f"{self.path} is not an nbnet model file (no metadata.json)")
        meta = self.json("metadata.json")
        if meta.get("format") not in expected:
            raise ValueError(f"{self.path} has format {meta.get('format')!r}; expected one of {expected}")
        if meta.get("format_version", 0) > FORMAT_VERSION:
            raise ValueError(f"{self.path} was written by a newer nbnet (format version "
                             f"{meta['format_version']} > {FORMAT_VERSION})")

    def read(self, name) -> bytes:
        try:
            return self.zip.read(name)
        except KeyError:
            raise ValueError(f"{self.path} is incomplete: {name} is missing") from None
        except (zipfile.BadZipFile, OSError, EOFError) as err:
            raise ValueError(f"{self.path} is corrupt: cannot read {name} ({err})") from None

    def json(self, name):
        try:
            return json.loads(self.read(name))
        except (json.JSONDecodeError, UnicodeDecodeError) as err:
            raise ValueError(f"{self.path} is corrupt: {name} is not valid JSON ({err})") from None

    def array(self, name) -> np.ndarray:
        data = self.read(name)   # its own errors (missing, bad CRC) are already clear
        try:
            return np.lib.format.read_array(io.BytesIO(data), allow_pickle=False)
        except ValueError as err:
            raise ValueError(f"{self.path}: {name} is not a plain numeric array ({err})") from None

    def weights(self) -> list[np.ndarray]:
        specs = self.json("weights.json")
        arrays = [self.array(f"weights/{i}.npy") for i in range(len(specs))]
        for spec, a in zip(specs, arrays):
            if list(a.shape) != spec["shape"]:
                raise ValueError(f"{self.path} is corrupt: {spec['path']} has shape {a.shape}, "
                                 f"the index says {tuple(spec['shape'])}")
        return arrays

    def optimizer_arrays(self) -> list[np.ndarray]:
        names = sorted((n for n in self.zip.namelist() if n.startswith("optimizer/")),
                       key=lambda n: int(n.split("/")[1].split(".")[0]))
        return [self.array(n) for n in names]


def _assign_weights(model, arrays, source) -> None:
    if len(arrays) != len(model.weights):
        raise ValueError(f"{source} holds {len(arrays)} weight arrays, but model {model.name!r} has "
                         f"{len(model.weights)}; the architectures differ")
    for w, a in zip(model.weights, arrays):
        if w.shape != a.shape:
            raise ValueError(f"{source}: weight {w.path!r} has shape {w.shape} in the model but "
                             f"{a.shape} in the file; the architectures differ")
    for w, a in zip(model.weights, arrays):
        w.assign(a)


def load_model(filepath, custom_objects: dict | None = None, compile: bool = True,  # noqa: A002
               safe_mode: bool = True):
    """Rebuild a model saved by ``model.save``: same architecture, weights and predictions.

    Raises
    ------
    ValueError
        For a truncated, corrupt or foreign file, or an unknown layer class.
    """
    from nbnet.saving.keras_files import is_hdf5, is_keras_archive, load_keras
    if is_keras_archive(filepath):
        return load_keras(filepath, custom_objects, compile)
    if is_hdf5(filepath):
        raise ValueError(f"{filepath} is a weights file (HDF5), not a model: build the model and call "
                         "model.load_weights() on it")
    archive = _Archive(filepath, (FORMAT,))
    config = archive.json("config.json")
    model = deserialize_layer(config, custom_objects)
    if not model.built and config.get("build_input_shape") is not None:
        shape = config["build_input_shape"]
        model.build([tuple(s) for s in shape] if shape and isinstance(shape[0], list) else tuple(shape))
    _assign_weights(model, archive.weights(), archive.path)
    compile_config = config.get("compile_config")
    if compile and compile_config:
        _compile_from_config(model, compile_config, custom_objects)
        arrays = archive.optimizer_arrays()
        if arrays:
            model.optimizer.build(model.trainable_weights)
            model.optimizer.load_own_variables(arrays)
    return model


def _compile_from_config(model, cfg, custom_objects) -> None:
    from nbnet import losses, optimizers

    def loss_of(spec):
        if isinstance(spec, dict) and "class_name" in spec:
            return losses.deserialize(spec, custom_objects)
        if isinstance(spec, dict):
            return {k: loss_of(v) for k, v in spec.items()}
        if isinstance(spec, list):
            return [loss_of(v) for v in spec]
        return spec
    model.compile(optimizer=optimizers.deserialize(cfg["optimizer"]), loss=loss_of(cfg["loss"]),
                  loss_weights=cfg.get("loss_weights"), metrics=_metrics_of(cfg.get("metrics")))


def _metrics_of(spec):
    from nbnet import metrics
    if isinstance(spec, dict) and "class_name" in spec:
        cls = getattr(metrics, spec["class_name"], None)
        cls = cls if isinstance(cls, type) else metrics._BY_NAME.get(spec["config"].get("name"), metrics.Mean)
        return cls.from_config(spec["config"])
    if isinstance(spec, dict):
        return {k: _metrics_of(v) for k, v in spec.items()}
    if isinstance(spec, list):
        return [_metrics_of(v) for v in spec]
    return spec


def load_weights(model, filepath) -> None:
    """Load weights from nbnet's files, Keras 3's ``.weights.h5`` or a Keras 3 ``.keras`` file."""
    from nbnet.saving.keras_files import is_hdf5, is_keras_archive, load_weights_keras
    if is_hdf5(filepath) or is_keras_archive(filepath):
        return load_weights_keras(model, filepath)
    archive = _Archive(filepath, (FORMAT, WEIGHTS_FORMAT))
    if not model.built:
        raise ValueError(f"Model {model.name!r} must be built before load_weights(): call it on data "
                         "or give it an input shape")
    _assign_weights(model, archive.weights(), archive.path)
