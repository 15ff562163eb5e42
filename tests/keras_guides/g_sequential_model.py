"""The Sequential model (guides/sequential_model.py): building, add/pop, shapes, feature extraction,
freezing layers for transfer learning."""
import keras
import numpy as np
from keras import layers

keras.utils.set_random_seed(0)
model = keras.Sequential([layers.Dense(2, activation="relu", name="layer1"),
                          layers.Dense(3, activation="relu", name="layer2"), layers.Dense(4, name="layer3")])
y = model(np.ones((3, 3), dtype="float32"))
n_layers = len(model.layers)
model.pop()
after_pop = len(model.layers)

grow = keras.Sequential()
grow.add(keras.Input(shape=(250, 250, 3)))
grow.add(layers.Conv2D(32, 5, strides=2, activation="relu"))
grow.add(layers.Conv2D(32, 3, activation="relu"))
grow.add(layers.MaxPooling2D(3))
shape_mid = tuple(grow.layers[-1].output.shape)
grow.add(layers.GlobalMaxPooling2D())
grow.add(layers.Dense(10))

extractor = keras.Model(inputs=grow.inputs, outputs=[layer.output for layer in grow.layers])
features = extractor(np.ones((1, 250, 250, 3), dtype="float32"))

base = keras.Sequential([keras.Input(shape=(784,)), layers.Dense(32, activation="relu"),
                         layers.Dense(32, activation="relu"), layers.Dense(32, activation="relu")])
for layer in base.layers[:-1]:
    layer.trainable = False
head = keras.Sequential([base, layers.Dense(10)])
head.compile(optimizer="adam", loss="mse")

RESULT = {"y_shape": tuple(y.shape), "n_layers": n_layers, "after_pop": after_pop,
          "weights": len(model.weights), "shape_mid": shape_mid,
          "feature_shapes": [tuple(f.shape) for f in features],
          "trainable": len(head.trainable_weights), "non_trainable": len(head.non_trainable_weights),
          "params": grow.count_params()}
