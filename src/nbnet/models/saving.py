"""Moved to :mod:`nbnet.saving` (below layers and models); these names remain for old imports."""

from nbnet.saving import (  # noqa: F401
    deserialize_layer,
    load_model,
    load_weights,
    save_model,
    save_weights,
    serialize_layer,
)
