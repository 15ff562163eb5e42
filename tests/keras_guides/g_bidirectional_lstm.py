"""Bidirectional LSTM on IMDB (examples/nlp/bidirectional_lstm_imdb.py), with synthetic reviews:
integer sequences where class 1 uses more words from a "positive" range; padded with pad_sequences."""
import keras
import numpy as np
from keras import layers

keras.utils.set_random_seed(0)
rng = np.random.default_rng(0)
max_features, maxlen = 200, 40
y = rng.integers(0, 2, 400)
lengths = rng.integers(10, maxlen + 10, 400)
reviews = [list(rng.integers(3, max_features // 2, n) + (max_features // 2) * (rng.random(n) < 0.2 + 0.4 * c))
           for n, c in zip(lengths, y)]
x = keras.utils.pad_sequences(reviews, maxlen=maxlen)

inputs = keras.Input(shape=(None,), dtype="int32")
h = layers.Embedding(max_features, 16)(inputs)
h = layers.Bidirectional(layers.LSTM(16, return_sequences=True))(h)
h = layers.Bidirectional(layers.LSTM(16))(h)
outputs = layers.Dense(1, activation="sigmoid")(h)
model = keras.Model(inputs, outputs)
model.compile(optimizer=keras.optimizers.Adam(0.01), loss="binary_crossentropy", metrics=["accuracy"])
history = model.fit(x[:320], y[:320], batch_size=32, epochs=2, validation_data=(x[320:], y[320:]), verbose=2)

TOL = 0.12
RESULT = {"history": sorted(history.history), "padded_shape": x.shape, "params": model.count_params(),
          "val_accuracy": float(history.history["val_accuracy"][-1]),
          "learned": history.history["val_accuracy"][-1] > 0.75}
