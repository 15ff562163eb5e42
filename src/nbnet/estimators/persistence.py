"""Saving and loading estimators in nbnet's safe format: a zip of JSON and ``.npy`` arrays, no pickle.

Layout::

    metadata.json   {"format": "nbnet.estimator", "format_version": 1, "nbnet_version": ...}
    config.json     {"class_name", "params", "arrays": [names...], "children": {...}}
    arrays/0.npy, arrays/1.npy, ...       fitted attributes (names ending in "_"), in "arrays" order

A DBN's layers are stored as children (``rbms_/0/...``).  Hyperparameters must be JSON values
(a numpy ``random_state`` Generator is saved as ``null``).
"""

from __future__ import annotations

import json

import numpy as np

from nbnet.saving.saving_lib import _Archive, _atomic_zip, _metadata, _npy_bytes

FORMAT = "nbnet.estimator"


def _jsonable(value):
    if isinstance(value, np.random.Generator):
        return None
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (tuple, list)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def _entries(estimator, prefix: str) -> tuple[dict, dict]:
    arrays = sorted(k for k, v in vars(estimator).items() if k.endswith("_") and isinstance(v, np.ndarray))
    config = {"class_name": type(estimator).__name__,
              "params": {k: _jsonable(v) for k, v in estimator.get_params().items()},
              "arrays": arrays, "scalars": {}, "children": {}}
    entries = {f"{prefix}arrays/{i}.npy": _npy_bytes(getattr(estimator, k)) for i, k in enumerate(arrays)}
    for key, value in vars(estimator).items():
        if key.endswith("_") and isinstance(value, (int, float, np.integer, np.floating)):
            config["scalars"][key] = _jsonable(value)
        elif key.endswith("_") and isinstance(value, list) and value and hasattr(value[0], "get_params"):
            config["children"][key] = []
            for i, child in enumerate(value):
                child_config, child_entries = _entries(child, f"{prefix}{key}/{i}/")
                config["children"][key].append(child_config)
                entries.update(child_entries)
    return config, entries


def save_estimator(estimator, filepath, overwrite: bool = True) -> None:
    """Write ``estimator`` (hyperparameters and fitted arrays) to ``filepath`` atomically."""
    config, entries = _entries(estimator, "")
    entries["metadata.json"] = _metadata(FORMAT)
    entries["config.json"] = json.dumps(config).encode()
    _atomic_zip(filepath, entries, overwrite)


def _classes() -> dict:
    from nbnet import estimators
    return {name: getattr(estimators, name) for name in estimators.__all__
            if isinstance(getattr(estimators, name), type)}


def _rebuild(config: dict, archive, prefix: str):
    cls = _classes().get(config.get("class_name"))
    if cls is None:
        raise ValueError(f"{archive.path}: unknown estimator class {config.get('class_name')!r}")
    params = dict(config["params"])
    for key, value in params.items():
        if isinstance(value, list) and key == "hidden_layer_sizes":
            params[key] = tuple(value)
    estimator = cls(**params)
    for i, name in enumerate(config["arrays"]):
        setattr(estimator, name, archive.array(f"{prefix}arrays/{i}.npy"))
    for name, value in config.get("scalars", {}).items():
        setattr(estimator, name, value)
    for name, children in config.get("children", {}).items():
        setattr(estimator, name, [_rebuild(c, archive, f"{prefix}{name}/{i}/")
                                  for i, c in enumerate(children)])
    if hasattr(estimator, "components_"):                # an RBM's sampler continues from a fresh state
        from nbnet.estimators.base import check_random_state
        estimator.random_state_ = check_random_state(estimator.random_state)
    return estimator


def load_estimator(filepath):
    """Rebuild an estimator written by ``estimator.save(filepath)``.

    Raises
    ------
    ValueError
        For a truncated, corrupt or foreign file, or an unknown estimator class.
    """
    archive = _Archive(filepath, (FORMAT,))
    return _rebuild(archive.json("config.json"), archive, "")
