"""Serialization & saving (guides/serialization_and_saving.py), exactly as the guide writes its custom layer:
get_config returns only {"factor": ...}, without the base layer's config (name, dtype, trainable)."""
import os
import tempfile

import keras
import numpy as np


@keras.saving.register_keras_serializable(package="MyLayersNoBase")
class CustomLayer(keras.layers.Layer):
    def __init__(self, factor):
        super().__init__()
        self.factor = factor

    def call(self, x):
        return x * self.factor

    def get_config(self):
        return {"factor": self.factor}


inputs = keras.Input(shape=(4,))
outputs = keras.layers.Dense(1)(CustomLayer(0.5)(inputs))
model = keras.Model(inputs, outputs)
path = os.path.join(tempfile.mkdtemp(), "custom_model.keras")
model.save(path)
reconstructed = keras.models.load_model(path)
data = np.ones((2, 4), "float32")
gap = float(np.abs(model.predict(data, verbose=0) - reconstructed.predict(data, verbose=0)).max())

NBNET_DIFFERS = ("a custom layer whose get_config leaves out the base config (the guide's CustomLayer) cannot be "
                 "saved to .keras: nbnet's functional config needs each layer's name from that config")
RESULT = {"same_after_load": gap < 1e-6}
