"""Customizing what happens in fit() with PyTorch (guides/custom_train_step_in_torch.py): a Model
subclass whose train_step runs torch autograd (zero_grad, backward, v.value.grad), with tracked
metrics and a custom test_step."""
import keras
import numpy as np
import torch
from keras import layers

NBNET_DIFFERS = ("the guide's train_step calls torch autograd on the model's variables (loss.backward(), "
                 "v.value.grad); nbnet's variables are NumPy arrays, and a custom train_step takes its "
                 "gradients from nbnet.GradientTape instead")


class CustomModel(keras.Model):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.mae_metric = keras.metrics.MeanAbsoluteError(name="mae")
        self.loss_fn = keras.losses.MeanSquaredError()

    def train_step(self, data):
        x, y = data
        self.zero_grad()
        y_pred = self(x, training=True)
        loss = self.loss_fn(y, y_pred)
        loss.backward()
        trainable_weights = [v for v in self.trainable_weights]
        gradients = [v.value.grad for v in trainable_weights]
        with torch.no_grad():
            self.optimizer.apply(gradients, trainable_weights)
        self.loss_tracker.update_state(loss)
        self.mae_metric.update_state(y, y_pred)
        return {"loss": self.loss_tracker.result(), "mae": self.mae_metric.result()}

    @property
    def metrics(self):
        return [self.loss_tracker, self.mae_metric]


keras.utils.set_random_seed(0)
inputs = keras.Input(shape=(32,))
outputs = layers.Dense(1)(inputs)
model = CustomModel(inputs, outputs)
model.compile(optimizer="adam")
x = np.random.default_rng(0).random((256, 32)).astype("float32")
y = np.random.default_rng(1).random((256, 1)).astype("float32")
history = model.fit(x, y, epochs=2, verbose=2)

RESULT = {"history": sorted(history.history)}
