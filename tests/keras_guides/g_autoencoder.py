"""Convolutional autoencoder for image denoising (examples/vision/autoencoder.py), on the bundled
8×8 digits: Conv2D/MaxPooling2D encoder, Conv2DTranspose decoder, trained on noisy → clean."""
import keras
import numpy as np
from keras import layers
from sklearn.datasets import load_digits

keras.utils.set_random_seed(0)
data = (load_digits().images / 16.0).astype("float32")[..., None]
noisy = np.clip(data + 0.3 * np.random.default_rng(0).normal(size=data.shape), 0.0, 1.0).astype("float32")
inp = layers.Input(shape=(8, 8, 1))
x = layers.Conv2D(16, (3, 3), activation="relu", padding="same")(inp)
x = layers.MaxPooling2D((2, 2), padding="same")(x)
x = layers.Conv2D(16, (3, 3), activation="relu", padding="same")(x)
x = layers.MaxPooling2D((2, 2), padding="same")(x)
x = layers.Conv2DTranspose(16, (3, 3), strides=2, activation="relu", padding="same")(x)
x = layers.Conv2DTranspose(16, (3, 3), strides=2, activation="relu", padding="same")(x)
x = layers.Conv2D(1, (3, 3), activation="sigmoid", padding="same")(x)
autoencoder = keras.Model(inp, x)
autoencoder.compile(optimizer="adam", loss="binary_crossentropy")
history = autoencoder.fit(noisy[:1500], data[:1500], epochs=3, batch_size=128, shuffle=True,
                          validation_data=(noisy[1500:], data[1500:]), verbose=2)
denoised = autoencoder.predict(noisy[1500:], verbose=0)

TOL = 0.1   # different initial weights, three short epochs
RESULT = {"history": sorted(history.history), "shape": denoised.shape, "params": autoencoder.count_params(),
          "val_loss": float(history.history["val_loss"][-1]),
          "improved": history.history["val_loss"][-1] < history.history["val_loss"][0]}
