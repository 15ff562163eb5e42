"""Introduction to Keras for engineers (guides/intro_to_keras_for_engineers.py), on the bundled 8x8 digits:
a convnet saved every epoch by ModelCheckpoint("..._{epoch}.keras") and reloaded with keras.saving.load_model,
then a subclassed Model holding a Sequential conv base with no Input, a custom Dense (GlorotNormal object) and
a custom Dropout drawing from keras.random with a SeedGenerator."""
import os
import tempfile

import keras
import numpy as np
from sklearn.datasets import load_digits

keras.utils.set_random_seed(0)
digits = load_digits()
x = (digits.images / 16.0).astype("float32")[..., None]
y = digits.target
x_train, y_train, x_test, y_test = x[:1400], y[:1400], x[1400:], y[1400:]

model = keras.Sequential([keras.layers.Input(shape=(8, 8, 1)),
                          keras.layers.Conv2D(16, kernel_size=(3, 3), activation="relu"),
                          keras.layers.MaxPooling2D(pool_size=(2, 2)),
                          keras.layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
                          keras.layers.GlobalAveragePooling2D(), keras.layers.Dropout(0.5),
                          keras.layers.Dense(10, activation="softmax")])
model.compile(loss=keras.losses.SparseCategoricalCrossentropy(), optimizer=keras.optimizers.Adam(learning_rate=1e-2),
              metrics=[keras.metrics.SparseCategoricalAccuracy(name="acc")])
tmp = tempfile.mkdtemp()
callbacks = [keras.callbacks.ModelCheckpoint(filepath=os.path.join(tmp, "model_at_epoch_{epoch}.keras")),
             keras.callbacks.EarlyStopping(monitor="val_loss", patience=2)]
history = model.fit(x_train, y_train, batch_size=64, epochs=4, validation_split=0.15, callbacks=callbacks, verbose=2)
score = model.evaluate(x_test, y_test, verbose=0)
model.save(os.path.join(tmp, "final_model.keras"))
reloaded = keras.saving.load_model(os.path.join(tmp, "final_model.keras"))
reload_gap = float(np.abs(reloaded.predict(x_test, verbose=0) - model.predict(x_test, verbose=0)).max())


class MyDense(keras.layers.Layer):
    def __init__(self, units, activation=None, name=None):
        super().__init__(name=name)
        self.units = units
        self.activation = keras.activations.get(activation)

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], self.units), initializer=keras.initializers.GlorotNormal(),
                                 name="kernel", trainable=True)
        self.b = self.add_weight(shape=(self.units,), initializer=keras.initializers.Zeros(), name="bias",
                                 trainable=True)

    def call(self, inputs):
        return self.activation(keras.ops.matmul(inputs, self.w) + self.b)


class MyDropout(keras.layers.Layer):
    def __init__(self, rate, name=None):
        super().__init__(name=name)
        self.rate = rate
        self.seed_generator = keras.random.SeedGenerator(1337)

    def call(self, inputs):
        return keras.random.dropout(inputs, self.rate, seed=self.seed_generator)


class MyModel(keras.Model):
    def __init__(self, num_classes):
        super().__init__()
        self.conv_base = keras.Sequential([keras.layers.Conv2D(16, kernel_size=(3, 3), activation="relu"),
                                           keras.layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
                                           keras.layers.GlobalAveragePooling2D()])
        self.dp = MyDropout(0.3)
        self.dense = MyDense(num_classes, activation="softmax")

    def call(self, x):
        return self.dense(self.dp(self.conv_base(x)))


custom = MyModel(num_classes=10)
custom.compile(loss=keras.losses.SparseCategoricalCrossentropy(), optimizer=keras.optimizers.Adam(learning_rate=1e-2),
               metrics=[keras.metrics.SparseCategoricalAccuracy(name="acc")])
custom_history = custom.fit(x_train, y_train, batch_size=64, epochs=3, validation_split=0.15, verbose=2)
custom_score = custom.evaluate(x_test, y_test, verbose=0)

TOL = 0.12
RESULT = {"history": sorted(history.history), "checkpoints": sorted(f for f in os.listdir(tmp) if "epoch" in f),
          "params": model.count_params(), "reload_identical": reload_gap < 1e-5, "test_accuracy": float(score[1]),
          "custom_history": sorted(custom_history.history), "custom_params": custom.count_params(),
          "custom_learned": custom_score[1] > 0.6, "learned": score[1] > 0.6}
