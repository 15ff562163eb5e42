"""Sequence-to-sequence addition (examples/nlp/addition_rnn.py): "12+345" → "357" character by
character; an LSTM encoder, RepeatVector, an LSTM decoder and a Dense softmax on every step."""
import keras
import numpy as np
from keras import layers


class CharacterTable:
    def __init__(self, chars):
        self.chars = sorted(set(chars))
        self.char_indices = {c: i for i, c in enumerate(self.chars)}
        self.indices_char = {i: c for i, c in enumerate(self.chars)}

    def encode(self, C, num_rows):
        x = np.zeros((num_rows, len(self.chars)))
        for i, c in enumerate(C):
            x[i, self.char_indices[c]] = 1
        return x

    def decode(self, x, calc_argmax=True):
        if calc_argmax:
            x = x.argmax(axis=-1)
        return "".join(self.indices_char[i] for i in x)


TRAINING_SIZE, DIGITS = 1200, 2
MAXLEN = DIGITS + 1 + DIGITS
chars = "0123456789+ "
ctable = CharacterTable(chars)
rng = np.random.default_rng(0)
questions, expected, seen = [], [], set()
while len(questions) < TRAINING_SIZE:
    a, b = (int("".join(rng.choice(list("0123456789"), rng.integers(1, DIGITS + 1)))) for _ in range(2))
    if (a, b) in seen and len(seen) < 9000:
        continue
    seen.add((a, b))
    q = f"{a}+{b}"
    questions.append((q + " " * (MAXLEN - len(q)))[::-1])
    ans = str(a + b)
    expected.append(ans + " " * (DIGITS + 1 - len(ans)))
x = np.stack([ctable.encode(q, MAXLEN) for q in questions]).astype("float32")
y = np.stack([ctable.encode(a, DIGITS + 1) for a in expected]).astype("float32")

keras.utils.set_random_seed(0)
model = keras.Sequential([keras.Input((MAXLEN, len(chars))), layers.LSTM(32), layers.RepeatVector(DIGITS + 1),
                          layers.LSTM(32, return_sequences=True), layers.Dense(len(chars), activation="softmax")])
model.compile(loss="categorical_crossentropy", optimizer=keras.optimizers.Adam(0.01), metrics=["accuracy"])
history = model.fit(x[:1000], y[:1000], batch_size=50, epochs=3, validation_data=(x[1000:], y[1000:]), verbose=2)
guess = ctable.decode(model.predict(x[1000:1001], verbose=0)[0])

TOL = 0.12
RESULT = {"history": sorted(history.history), "x_shape": x.shape, "y_shape": y.shape, "guess_len": len(guess),
          "val_accuracy": float(history.history["val_accuracy"][-1]),
          "learned": history.history["val_accuracy"][-1] > 0.35}
