"""Training & evaluation with the built-in methods (guides/training_with_built_in_methods.py): the custom-loss
section one-hot encodes labels that the guide converted to float32 (y_train.astype("float32"))."""
import keras
import numpy as np
from keras import ops

y_train = np.array([0, 3, 9, 1], dtype="int64").astype("float32")
y_train_one_hot = ops.one_hot(y_train, num_classes=10)

NBNET_DIFFERS = "ops.one_hot refuses float labels (Keras casts whole-number floats to integers)"
RESULT = {"encoded": keras.ops.convert_to_numpy(y_train_one_hot).argmax(-1).tolist()}
