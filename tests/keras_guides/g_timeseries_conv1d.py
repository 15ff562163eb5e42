"""Timeseries classification from scratch (examples/timeseries/timeseries_classification_from_scratch.py):
a fully convolutional Conv1D-BatchNorm-ReLU network with global pooling, ModelCheckpoint,
ReduceLROnPlateau and EarlyStopping; synthetic FordA-like series (noisy sines of two frequencies)."""
import os
import tempfile

import keras
import numpy as np

keras.utils.set_random_seed(0)
rng = np.random.default_rng(0)
n, length = 400, 64
y = rng.integers(0, 2, n)
t = np.arange(length)
x = (np.sin(2 * np.pi * (2 + 2 * y)[:, None] * t / length + rng.uniform(0, 6.3, (n, 1)))
     + 0.5 * rng.normal(size=(n, length))).astype("float32")[..., None]
num_classes = len(np.unique(y))


def make_model(input_shape):
    input_layer = keras.layers.Input(input_shape)
    x = input_layer
    for _ in range(3):
        x = keras.layers.Conv1D(filters=16, kernel_size=3, padding="same")(x)
        x = keras.layers.BatchNormalization()(x)
        x = keras.layers.ReLU()(x)
    gap = keras.layers.GlobalAveragePooling1D()(x)
    output_layer = keras.layers.Dense(num_classes, activation="softmax")(gap)
    return keras.models.Model(inputs=input_layer, outputs=output_layer)


model = make_model(input_shape=x.shape[1:])
path = os.path.join(tempfile.mkdtemp(), "best_model.keras")
callbacks = [keras.callbacks.ModelCheckpoint(path, save_best_only=True, monitor="val_loss"),
             keras.callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=20, min_lr=0.0001),
             keras.callbacks.EarlyStopping(monitor="val_loss", patience=50, verbose=0)]
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["sparse_categorical_accuracy"])
history = model.fit(x[:320], y[:320], batch_size=32, epochs=6, callbacks=callbacks, validation_split=0.2, verbose=2)
best = keras.models.load_model(path)
test_loss, test_acc = best.evaluate(x[320:], y[320:], verbose=0)

TOL = 0.15
RESULT = {"history": sorted(history.history), "params": model.count_params(), "test_accuracy": float(test_acc),
          "learned": test_acc > 0.75}
