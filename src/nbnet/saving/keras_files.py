"""Saving to and loading from Keras 3's files: ``model.save("m.keras")`` writes a file
``keras.saving.load_model`` reads, and ``nbnet.saving.load_model`` reads the ones Keras writes;
``.weights.h5`` the same for weights alone.

Optimizer state travels for Adam, AdamW, SGD with momentum and RMSprop (plain): the
optimizers whose state is one or two arrays per weight in both libraries.  Other optimizers'
state is not carried (the model loads compiled, with a fresh optimizer).
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import numpy as np

from nbnet.saving import keras_h5
from nbnet.saving.keras_format import from_keras, metadata, to_keras
from nbnet.saving.serialization_lib import deserialize_layer, serialize_layer

HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"


def is_keras_archive(path) -> bool:
    """Whether ``path`` is a zip as Keras 3 writes it (``config.json`` + ``model.weights.h5``)."""
    try:
        with zipfile.ZipFile(path) as z:
            return "model.weights.h5" in z.namelist()
    except (zipfile.BadZipFile, OSError):
        return False


def is_hdf5(path) -> bool:
    try:
        with open(path, "rb") as f:
            return f.read(8) == HDF5_SIGNATURE
    except OSError:
        return False


# --- writing ---------------------------------------------------------------------------------
def _h5_bytes(model, with_optimizer: bool) -> bytes:
    h5py = keras_h5.require_h5py()
    buf = io.BytesIO()
    with h5py.File(buf, "w") as f:
        keras_h5.write_slots(f, keras_h5.model_slots(model))
        optimizer = getattr(model, "optimizer", None)
        if with_optimizer and optimizer is not None and optimizer.iterations:
            arrays = keras_h5.optimizer_arrays_to_keras(optimizer, model.trainable_weights)
            if arrays is not None:
                keras_h5.write_slots(f, [("optimizer/vars", arrays)])
    return buf.getvalue()


def save_keras(model, filepath, overwrite: bool = True) -> None:
    """Write ``model`` as a Keras 3 ``.keras`` file."""
    from nbnet.saving.saving_lib import _atomic_zip, _jsonable_shape
    if not model.built:
        raise ValueError(f"Model {model.name!r} is not built yet: call it on data, fit it, or give it "
                         "an input shape before saving")
    config = to_keras(serialize_layer(model))
    config["build_config"] = {"input_shape": _jsonable_shape(model._build_shape)}
    compile_config = model.get_compile_config()
    if compile_config:
        config["compile_config"] = to_keras(compile_config)
    entries = {"metadata.json": metadata(), "config.json": json.dumps(config).encode(),
               "model.weights.h5": _h5_bytes(model, with_optimizer=True)}
    _atomic_zip(filepath, entries, overwrite)


def save_weights_h5(model, filepath, overwrite: bool = True) -> None:
    """Write ``model``'s weights as Keras 3's ``.weights.h5``."""
    path = Path(filepath)
    if path.exists() and not overwrite:
        raise FileExistsError(f"{path} exists and overwrite=False")
    data = _h5_bytes(model, with_optimizer=False)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    tmp.replace(path)


# --- reading ---------------------------------------------------------------------------------
def _open_h5(data_or_path, source):
    h5py = keras_h5.require_h5py()
    try:
        return h5py.File(io.BytesIO(data_or_path) if isinstance(data_or_path, bytes) else data_or_path, "r")
    except OSError as err:
        raise ValueError(f"{source} is not a readable HDF5 weights file: {err}") from None


def _assign_from_h5(model, f, source) -> None:
    held = keras_h5.count_arrays(f)
    if held != len(model.weights):
        raise ValueError(f"{source} holds {held} weight arrays, but model {model.name!r} has "
                         f"{len(model.weights)}; the architectures differ")
    for variable, array in keras_h5.read_slots(f, keras_h5.model_slots(model, "", f), source):
        variable.assign(array.astype(variable.dtype, copy=False))


def load_keras(filepath, custom_objects=None, compile: bool = True):  # noqa: A002
    """Rebuild a model from a Keras 3 ``.keras`` file (safe: no code, no pickle)."""
    from nbnet.saving.saving_lib import _compile_from_config
    path = Path(filepath)
    with zipfile.ZipFile(path) as z:
        try:
            config = json.loads(z.read("config.json"))
            weights = z.read("model.weights.h5")
        except KeyError as err:
            raise ValueError(f"{path} is not a complete .keras file: {err.args[0]}") from None
        except (json.JSONDecodeError, UnicodeDecodeError) as err:
            raise ValueError(f"{path} is corrupt: config.json is not valid JSON ({err})") from None
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"{path}: config.json does not describe a model")
    model = deserialize_layer(from_keras(config, custom_objects, where=path.name), custom_objects)
    shape = (config.get("build_config") or {}).get("input_shape")
    if not model.built and shape is not None:
        model.build([tuple(s) for s in shape] if shape and isinstance(shape[0], list) else tuple(shape))
    with _open_h5(weights, path) as f:
        _assign_from_h5(model, f, path)
        compile_config = config.get("compile_config")
        if compile and compile_config:
            _compile_from_config(model, from_keras(compile_config, custom_objects, "compile_config"),
                                 custom_objects)
            _load_optimizer(model, f)
    return model


def _load_optimizer(model, f) -> None:
    if "optimizer/vars" not in f or not len(f["optimizer/vars"]):
        return
    group = f["optimizer/vars"]
    arrays = [np.asarray(group[str(i)][()]) for i in range(len(group))]
    model.optimizer.build(model.trainable_weights)
    state = keras_h5.optimizer_arrays_from_keras(model.optimizer, model.trainable_weights, arrays)
    if state is not None:
        model.optimizer.load_own_variables(state)


def load_weights_keras(model, filepath) -> None:
    """Load weights from a ``.weights.h5`` file or a Keras ``.keras`` archive into a built model."""
    path = Path(filepath)
    if not model.built:
        raise ValueError(f"Model {model.name!r} must be built before load_weights(): call it on data "
                         "or give it an input shape")
    if is_keras_archive(path):
        with zipfile.ZipFile(path) as z:
            data = z.read("model.weights.h5")
    else:
        data = str(path)
    with _open_h5(data, path) as f:
        _assign_from_h5(model, f, path)
