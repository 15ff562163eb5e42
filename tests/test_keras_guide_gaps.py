"""Small gaps the Keras-guide suite (tests/keras_guides) found, each checked against Keras 3."""

import keras
import numpy as np

import nbnet


def test_sequential_starting_with_a_model_is_built_at_once_as_in_keras():
    def head(K):
        base = K.Sequential([K.Input(shape=(6,)), K.layers.Dense(4), K.layers.Dense(4), K.layers.Dense(4)])
        for layer in base.layers[:-1]:
            layer.trainable = False
        return K.Sequential([base, K.layers.Dense(2)])
    ours, theirs = head(nbnet), head(keras)
    assert ours.built and theirs.built
    assert len(ours.trainable_weights) == len(theirs.trainable_weights) == 4
    assert len(ours.non_trainable_weights) == len(theirs.non_trainable_weights) == 4


def test_activation_given_by_registered_name():
    @nbnet.saving.register_keras_serializable(package="gaps")
    def cube(x):
        return x**3
    dense = nbnet.layers.Dense(2, activation="gaps>cube", kernel_initializer="ones")
    np.testing.assert_allclose(dense(np.ones((1, 3), "float32")), [[27.0, 27.0]])
    again = nbnet.layers.Dense.from_config(dense.get_config())
    assert again.activation is cube
    assert nbnet.activations.get({"class_name": "function", "config": "gaps>cube"}) is cube
