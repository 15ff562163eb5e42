"""Serialization & saving (guides/serialization_and_saving.py): .keras files, a registered custom
layer and custom function, get_config/from_config, weights transfer, .weights.h5."""
import os
import tempfile

import keras
import numpy as np


@keras.saving.register_keras_serializable(package="my_package", name="custom_fn")
def custom_fn(x):
    return x**2


@keras.saving.register_keras_serializable(package="MyLayers")
class CustomLayer(keras.layers.Layer):
    def __init__(self, factor, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def call(self, x):
        return x * self.factor

    def get_config(self):
        return {"factor": self.factor, **super().get_config()}


keras.utils.set_random_seed(0)
inputs = keras.Input(shape=(4,))
x = CustomLayer(0.5)(inputs)
outputs = keras.layers.Dense(3, activation=custom_fn)(x)
model = keras.Model(inputs, outputs)
model.compile(optimizer="rmsprop", loss="mean_squared_error")
data = np.random.default_rng(0).normal(size=(8, 4)).astype("float32")
model.fit(data, np.ones((8, 3), "float32"), verbose=0)

tmp = tempfile.mkdtemp()
model.save(os.path.join(tmp, "custom_model.keras"))
reconstructed = keras.models.load_model(os.path.join(tmp, "custom_model.keras"))
same_after_load = float(np.abs(model.predict(data, verbose=0) - reconstructed.predict(data, verbose=0)).max())

config = model.get_config()
new_model = keras.Model.from_config(config)
dense = keras.layers.Dense(3)
dense_clone = keras.layers.Dense.from_config(dense.get_config())

copy = keras.models.clone_model(model)
copy.set_weights(model.get_weights())
same_after_set = float(np.abs(model.predict(data, verbose=0) - copy.predict(data, verbose=0)).max())
model.save_weights(os.path.join(tmp, "model.weights.h5"))
fresh = keras.models.clone_model(model)
fresh.load_weights(os.path.join(tmp, "model.weights.h5"))
same_after_h5 = float(np.abs(model.predict(data, verbose=0) - fresh.predict(data, verbose=0)).max())

RESULT = {"same_after_load": same_after_load, "same_after_set": same_after_set, "same_after_h5": same_after_h5,
          "layer_types": [type(lay).__name__ for lay in reconstructed.layers],
          "clone_units": dense_clone.units, "new_layers": len(new_model.layers),
          "compiled_loss": reconstructed.loss}
