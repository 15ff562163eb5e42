"""Training & evaluation with the built-in methods (guides/training_with_built_in_methods.py), the endpoint
layer: a layer called on two tensors (targets, logits) in a functional model adds its loss with add_loss;
the model compiles without a loss and fits on a dict with no y."""
import keras
import numpy as np
from keras import ops


class LogisticEndpoint(keras.layers.Layer):
    def __init__(self, name=None):
        super().__init__(name=name)
        self.loss_fn = keras.losses.BinaryCrossentropy(from_logits=True)

    def call(self, targets, logits, sample_weights=None):
        self.add_loss(self.loss_fn(targets, logits, sample_weights))
        return ops.softmax(logits)


keras.utils.set_random_seed(0)
inputs = keras.Input(shape=(3,), name="inputs")
targets = keras.Input(shape=(10,), name="targets")
logits = keras.layers.Dense(10)(inputs)
predictions = LogisticEndpoint(name="predictions")(targets, logits)
model = keras.Model(inputs=[inputs, targets], outputs=predictions)
model.compile(optimizer="adam")
rng = np.random.default_rng(0)
data = {"inputs": rng.random((3, 3)), "targets": rng.random((3, 10))}
history = model.fit(data, verbose=2)

NBNET_DIFFERS = ("a layer whose call takes two positional tensors (call(self, targets, logits)) cannot be called "
                 "as Layer()(a, b) while a functional model is built: the shape trace passes only the first")
RESULT = {"history": sorted(history.history), "params": model.count_params()}
