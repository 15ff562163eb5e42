"""Simple MNIST convnet (examples/vision/mnist_convnet.py), on scikit-learn's bundled 8×8 digits
(no download) with the same architecture cut to size: Conv-Pool-Conv-Pool-Flatten-Dropout-Dense."""
import keras
from keras import layers
from sklearn.datasets import load_digits

keras.utils.set_random_seed(0)
digits = load_digits()
x = (digits.images / 16.0).astype("float32")[..., None]
y = keras.utils.to_categorical(digits.target, 10)
x_train, y_train, x_test, y_test = x[:1400], y[:1400], x[1400:], y[1400:]
model = keras.Sequential([keras.Input(shape=(8, 8, 1)),
                          layers.Conv2D(16, kernel_size=(3, 3), activation="relu", padding="same"),
                          layers.MaxPooling2D(pool_size=(2, 2)),
                          layers.Conv2D(32, kernel_size=(3, 3), activation="relu", padding="same"),
                          layers.MaxPooling2D(pool_size=(2, 2)), layers.Flatten(), layers.Dropout(0.5),
                          layers.Dense(10, activation="softmax")])
model.compile(loss="categorical_crossentropy", optimizer=keras.optimizers.Adam(0.01), metrics=["accuracy"])
history = model.fit(x_train, y_train, batch_size=64, epochs=6, validation_split=0.1, verbose=2)
score = model.evaluate(x_test, y_test, verbose=0)

TOL = 0.1
RESULT = {"history": sorted(history.history), "params": model.count_params(), "test_accuracy": float(score[1]),
          "learned": score[1] > 0.7}
