"""Masking & padding (guides/understanding_masking_and_padding.py): pad_sequences, Embedding with
mask_zero, Masking, the mask an LSTM receives, a layer that supports masking."""
import keras
import numpy as np
from keras import layers

raw_inputs = [[711, 632, 71], [73, 8, 3215, 55, 927], [83, 91, 1, 645, 1253, 927]]
padded_inputs = keras.utils.pad_sequences(raw_inputs, padding="post")
embedding = layers.Embedding(input_dim=5000, output_dim=16, mask_zero=True)
masked_output = embedding(padded_inputs)
mask = embedding.compute_mask(padded_inputs)

masking_layer = layers.Masking()
unmasked_embedding = np.random.default_rng(0).random((3, 6, 16)).astype("float32")
unmasked_embedding[padded_inputs == 0] = 0.0
masked_embedding = masking_layer(unmasked_embedding)

keras.utils.set_random_seed(0)
inputs = keras.Input(shape=(None,), dtype="int32")
x = layers.Embedding(input_dim=5000, output_dim=16, mask_zero=True)(inputs)
outputs = layers.LSTM(32)(x)
model = keras.Model(inputs, outputs)
out_short = keras.ops.convert_to_numpy(model(np.array([[5, 6, 0, 0]])))
out_cut = keras.ops.convert_to_numpy(model(np.array([[5, 6]])))


class MyActivation(layers.Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, inputs):
        return keras.ops.relu(inputs)


inputs = keras.Input(shape=(None,), dtype="int32")
x = layers.Embedding(input_dim=5000, output_dim=16, mask_zero=True)(inputs)
x = MyActivation()(x)
outputs = layers.LSTM(32)(x)
model2 = keras.Model(inputs, outputs)
y = model2(padded_inputs)

RESULT = {"padded": padded_inputs, "mask": keras.ops.convert_to_numpy(mask),
          "masked_shape": tuple(masked_output.shape), "padding_ignored": float(np.abs(out_short - out_cut).max()),
          "y_shape": tuple(y.shape), "masking_mask": keras.ops.convert_to_numpy(
              masking_layer.compute_mask(unmasked_embedding))}
