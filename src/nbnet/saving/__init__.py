"""Saving and loading (``keras.saving``): the registry of names, configs, and the file format.

This package sits below ``layers`` and ``models``: it imports neither.  Layers and models
register their classes here when they are defined, and call down into it to save themselves.
"""

from nbnet.saving.object_registration import (
    custom_object_scope,
    get_custom_objects,
    get_registered_name,
    get_registered_object,
    register_keras_serializable,
)
from nbnet.saving.saving_lib import load_model, load_weights, save_model, save_weights
from nbnet.saving.serialization_lib import (
    deserialize_keras_object,
    deserialize_layer,
    serialize_keras_object,
    serialize_layer,
)

CustomObjectScope = custom_object_scope

__all__ = ["CustomObjectScope", "custom_object_scope", "deserialize_keras_object", "deserialize_layer",
           "get_custom_objects", "get_registered_name", "get_registered_object", "load_model",
           "load_weights", "register_keras_serializable", "save_model", "save_weights",
           "serialize_keras_object", "serialize_layer"]
