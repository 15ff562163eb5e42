"""Writing your own callbacks (guides/writing_your_own_callbacks.py): every hook with its logs,
printing losses, EarlyStoppingAtMinLoss with best-weight restore, a learning-rate scheduler."""
import keras
import numpy as np

keras.utils.set_random_seed(0)
rng = np.random.default_rng(0)
x_train = rng.normal(size=(256, 8)).astype("float32")
y_train = (x_train @ rng.normal(size=(8, 1))).astype("float32")


def get_model():
    model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.RMSprop(learning_rate=0.1), loss="mean_squared_error",
                  metrics=["mean_absolute_error"])
    return model


calls = []


class CustomCallback(keras.callbacks.Callback):
    def _log(self, hook, logs):
        calls.append((hook, tuple(sorted(logs or {}))))

    def on_train_begin(self, logs=None): self._log("on_train_begin", logs)
    def on_train_end(self, logs=None): self._log("on_train_end", logs)
    def on_epoch_begin(self, epoch, logs=None): self._log("on_epoch_begin", logs)
    def on_epoch_end(self, epoch, logs=None): self._log("on_epoch_end", logs)
    def on_test_begin(self, logs=None): self._log("on_test_begin", logs)
    def on_test_end(self, logs=None): self._log("on_test_end", logs)
    def on_predict_begin(self, logs=None): self._log("on_predict_begin", logs)
    def on_predict_end(self, logs=None): self._log("on_predict_end", logs)
    def on_train_batch_begin(self, batch, logs=None): self._log("on_train_batch_begin", logs)
    def on_train_batch_end(self, batch, logs=None): self._log("on_train_batch_end", logs)
    def on_test_batch_begin(self, batch, logs=None): self._log("on_test_batch_begin", logs)
    def on_test_batch_end(self, batch, logs=None): self._log("on_test_batch_end", logs)
    def on_predict_batch_begin(self, batch, logs=None): self._log("on_predict_batch_begin", logs)
    def on_predict_batch_end(self, batch, logs=None): self._log("on_predict_batch_end", logs)


model = get_model()
model.fit(x_train, y_train, batch_size=128, epochs=1, verbose=0, validation_split=0.5, callbacks=[CustomCallback()])
model.evaluate(x_train, y_train, batch_size=128, verbose=0, callbacks=[CustomCallback()])
model.predict(x_train, batch_size=128, callbacks=[CustomCallback()], verbose=0)


class EarlyStoppingAtMinLoss(keras.callbacks.Callback):
    def __init__(self, patience=0):
        super().__init__()
        self.patience = patience
        self.best_weights = None

    def on_train_begin(self, logs=None):
        self.wait, self.stopped_epoch, self.best = 0, 0, np.inf

    def on_epoch_end(self, epoch, logs=None):
        current = logs.get("loss")
        if np.less(current, self.best):
            self.best, self.wait = current, 0
            self.best_weights = self.model.get_weights()
        else:
            self.wait += 1
            if self.wait >= self.patience:
                self.stopped_epoch = epoch
                self.model.stop_training = True
                self.model.set_weights(self.best_weights)


LR_SCHEDULE = [(3, 0.05), (6, 0.01)]


class CustomLearningRateScheduler(keras.callbacks.Callback):
    def __init__(self, schedule):
        super().__init__()
        self.schedule = schedule

    def on_epoch_begin(self, epoch, logs=None):
        lr = self.model.optimizer.learning_rate
        if hasattr(lr, "numpy") or hasattr(lr, "value"):
            lr = float(keras.ops.convert_to_numpy(lr))
        self.model.optimizer.learning_rate = self.schedule(epoch, lr)


def lr_schedule(epoch, lr):
    for e, value in LR_SCHEDULE:
        if epoch == e:
            return value
    return lr


model = get_model()
history = model.fit(x_train, y_train, batch_size=64, epochs=8, verbose=2,
                    callbacks=[EarlyStoppingAtMinLoss(patience=30), CustomLearningRateScheduler(lr_schedule)])
final_lr = float(keras.ops.convert_to_numpy(model.optimizer.learning_rate))

RESULT = {"calls": calls, "history": sorted(history.history), "epochs": len(history.history["loss"]),
          "final_lr": final_lr}
