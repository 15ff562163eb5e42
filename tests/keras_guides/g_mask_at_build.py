"""Understanding masking & padding (guides/understanding_masking_and_padding.py): a mask consumer
(TemporalSoftmax) asserts that it receives the mask, which Keras passes already while the functional
model is being built."""
import keras
import numpy as np
from keras import layers, ops


class TemporalSoftmax(keras.layers.Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        assert mask is not None
        broadcast_float_mask = ops.expand_dims(ops.cast(mask, "float32"), -1)
        inputs_exp = ops.exp(inputs) * broadcast_float_mask
        inputs_sum = ops.sum(inputs_exp * broadcast_float_mask, axis=-1, keepdims=True)
        return inputs_exp / inputs_sum


inputs = keras.Input(shape=(None,), dtype="int32")
x = layers.Embedding(input_dim=10, output_dim=8, mask_zero=True)(inputs)
x = layers.Dense(1)(x)
outputs = TemporalSoftmax()(x)
model = keras.Model(inputs, outputs)
y = model(np.random.default_rng(0).integers(0, 10, size=(4, 12)))

NBNET_DIFFERS = ("masks reach a custom call(..., mask=None) when the model runs, not yet while the functional "
                 "model is built (the layer is traced with mask=None)")
RESULT = {"shape": tuple(y.shape)}
