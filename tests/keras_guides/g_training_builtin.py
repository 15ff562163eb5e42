"""Training & evaluation with the built-in methods (guides/training_with_built_in_methods.py):
compile/fit/evaluate/predict, validation data and split, a custom loss function and a custom
Metric subclass, class and sample weights, EarlyStopping."""
import keras
import numpy as np
from keras import layers, ops

keras.utils.set_random_seed(0)
rng = np.random.default_rng(0)
centers = rng.normal(size=(10, 20)) * 3
y_all = rng.integers(0, 10, 600)
x_all = (centers[y_all] + rng.normal(size=(600, 20))).astype("float32")
x_train, y_train, x_test, y_test = x_all[:500], y_all[:500], x_all[500:], y_all[500:]


def get_model():
    inputs = keras.Input(shape=(20,), name="digits")
    x = layers.Dense(64, activation="relu", name="dense_1")(inputs)
    x = layers.Dense(64, activation="relu", name="dense_2")(x)
    outputs = layers.Dense(10, activation="softmax", name="predictions")(x)
    return keras.Model(inputs=inputs, outputs=outputs)


class CategoricalTruePositives(keras.metrics.Metric):
    def __init__(self, name="categorical_true_positives", **kwargs):
        super().__init__(name=name, **kwargs)
        self.true_positives = self.add_variable(shape=(), name="ctp", initializer="zeros")

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = ops.reshape(ops.argmax(y_pred, axis=1), (-1, 1))
        values = ops.cast(y_true, "int32") == ops.cast(y_pred, "int32")
        values = ops.cast(values, "float32")
        if sample_weight is not None:
            values = ops.multiply(values, ops.cast(sample_weight, "float32"))
        self.true_positives.assign_add(ops.sum(values))

    def result(self):
        return self.true_positives

    def reset_state(self):
        self.true_positives.assign(0.0)


def custom_mean_squared_error(y_true, y_pred):
    return ops.mean(ops.square(y_true - y_pred), axis=-1)


model = get_model()
model.compile(optimizer=keras.optimizers.RMSprop(learning_rate=1e-3),
              loss=keras.losses.SparseCategoricalCrossentropy(),
              metrics=[keras.metrics.SparseCategoricalAccuracy(), CategoricalTruePositives()])
history = model.fit(x_train, y_train.reshape(-1, 1), batch_size=64, epochs=3,
                    validation_data=(x_test, y_test.reshape(-1, 1)), verbose=2)
results = model.evaluate(x_test, y_test.reshape(-1, 1), batch_size=128, verbose=0)
predictions = model.predict(x_test[:3], verbose=0)

second = get_model()
second.compile(optimizer="adam", loss=custom_mean_squared_error)
h2 = second.fit(x_train, np.eye(10, dtype="float32")[y_train], batch_size=64, epochs=1, validation_split=0.2, verbose=2)

class_weight = {i: 1.0 for i in range(10)}
class_weight[5] = 2.0
third = get_model()
third.compile("rmsprop", "sparse_categorical_crossentropy", metrics=["sparse_categorical_accuracy"])
h3 = third.fit(x_train, y_train, class_weight=class_weight, batch_size=64, epochs=1, verbose=0)
sample_weight = np.ones(shape=(len(y_train),))
sample_weight[y_train == 5] = 2.0
h4 = third.fit(x_train, y_train, sample_weight=sample_weight, batch_size=64, epochs=1, verbose=0)

stopper = keras.callbacks.EarlyStopping(monitor="val_loss", min_delta=10.0, patience=1, verbose=0)
h5 = third.fit(x_train, y_train, epochs=20, batch_size=64, validation_split=0.2, callbacks=[stopper], verbose=0)

TOL = 0.08   # different initial weights: the accuracies agree within this
RESULT = {"history": sorted(history.history), "n_results": len(results), "pred_shape": predictions.shape,
          "final_accuracy": float(history.history["val_sparse_categorical_accuracy"][-1]),
          "h2": sorted(h2.history), "h3": sorted(h3.history), "h4": sorted(h4.history),
          "early_stopped_after": len(h5.history["loss"])}
