"""Moved to :mod:`nbnet.saving` (below layers and models); these names remain for old imports,
including the file-format helpers other modules (e.g. ``nbnet.estimators``) reuse."""

from nbnet.saving.saving_lib import (  # noqa: F401
    FORMAT,
    FORMAT_VERSION,
    WEIGHTS_FORMAT,
    _Archive,
    _assign_weights,
    _atomic_zip,
    _metadata,
    _npy_bytes,
    _weight_entries,
    load_model,
    load_weights,
    save_model,
    save_weights,
)
from nbnet.saving.serialization_lib import deserialize_layer, serialize_layer  # noqa: F401
