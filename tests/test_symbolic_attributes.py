"""Layer.input / .output and Sequential.inputs / .outputs / .input / .output, as Keras 3 has them."""

import keras
import numpy as np
import pytest

import nbnet
from nbnet import layers


def stack(K):
    return K.Sequential([K.Input((6,)), K.layers.Dense(5, activation="relu", name="a"),
                         K.layers.Dense(4, name="b"), K.layers.Dense(3, activation="softmax", name="c")])


def test_feature_extractor_from_a_sequential_as_in_keras_guide():
    nbnet.utils.set_random_seed(0)
    model = stack(nbnet)
    extractor = nbnet.Model(inputs=model.inputs, outputs=[layer.output for layer in model.layers])
    x = np.random.default_rng(0).normal(size=(7, 6)).astype("float32")
    features = extractor.predict(x, verbose=0)
    h = x
    for layer, f in zip(model.layers, features):
        h = layer(h)
        np.testing.assert_allclose(f, h, rtol=1e-6)
    assert len(extractor.layers) == 4, "one call per layer: the Input and three Dense"


def test_shapes_match_keras():
    ours, theirs = stack(nbnet), stack(keras)
    assert tuple(ours.inputs[0].shape) == tuple(theirs.inputs[0].shape) == (None, 6)
    assert tuple(ours.outputs[0].shape) == tuple(theirs.outputs[0].shape) == (None, 3)
    assert ours.input is ours.inputs[0] and ours.output is ours.outputs[0]
    assert [tuple(lay.output.shape) for lay in ours.layers] == [tuple(lay.output.shape) for lay in theirs.layers]
    assert [tuple(lay.input.shape) for lay in ours.layers] == [tuple(lay.input.shape) for lay in theirs.layers]
    assert len(ours.inputs) == len(ours.outputs) == 1


def test_functional_input_and_output_keep_their_structure():
    a, b = nbnet.Input((2,), name="a"), nbnet.Input((3,), name="b")
    out = layers.Dense(1)(layers.concatenate([a, b]))
    model = nbnet.Model({"a": a, "b": b}, [out])
    assert model.input == {"a": a, "b": b} and model.output == [out]
    assert model.layers[0].input is model.layers[0].output is a


def test_pop_and_add_keep_outputs_in_step():
    model = stack(nbnet)
    model.pop()
    assert model.output.shape == (None, 4)
    model.add(layers.Dense(2))
    assert model.output.shape == (None, 2)


def test_a_layer_never_called_symbolically_has_no_output():
    with pytest.raises(AttributeError, match="'lonely' has never been called on symbolic inputs"):
        layers.Dense(2, name="lonely").output
    deferred = nbnet.Sequential([layers.Dense(2)])
    with pytest.raises(AttributeError, match="has no defined inputs: start it with nbnet.Input"):
        deferred.inputs
