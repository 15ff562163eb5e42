"""EinsumDense: Keras 3's shape analysis, weights and outputs; gradients; config; errors."""

import keras
import numpy as np
import pytest

from nbnet import layers
from nbnet.testing import check_gradients

CASES = [("ab,bc->ac", 4, "c", (3, 5)),
         ("abc,cd->abd", (None, 4), "d", (3, 2, 5)),
         ("abc,cde->abde", (None, 2, 4), "de", (3, 2, 5)),
         ("abcd,cde->abe", (None, 6), "e", (3, 2, 2, 4)),
         ("...b,bc->...c", 4, "c", (3, 2, 2, 5)),
         ("...b,bc->...c", 4, None, (3, 5)),
         ("ab...,bc->ac...", (4, None), "c", (3, 5, 2)),
         ("abc,cd->abd", (2, 4), "bd", (3, 2, 5)),
         ("abc,cd->abd", (2, 4), "b", (3, 2, 5))]


@pytest.mark.parametrize("equation,output_shape,bias_axes,shape", CASES)
@pytest.mark.parametrize("activation", [None, "tanh"])
def test_equals_keras_on_the_same_weights(equation, output_shape, bias_axes, shape, activation):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape).astype("float32")
    ours = layers.EinsumDense(equation, output_shape=output_shape, bias_axes=bias_axes, activation=activation)
    theirs = keras.layers.EinsumDense(equation, output_shape=output_shape, bias_axes=bias_axes,
                                      activation=activation)
    ours(x)
    theirs(x)
    ws = [rng.standard_normal(w.shape).astype("float32") for w in theirs.get_weights()]
    assert [w.shape for w in ours.get_weights()] == [w.shape for w in ws]
    assert [w.name for w in ours.weights] == [w.name for w in theirs.weights]
    ours.set_weights(ws)
    theirs.set_weights(ws)
    np.testing.assert_allclose(ours(x), keras.ops.convert_to_numpy(theirs(x)), atol=1e-5)
    batchless = (None,) + shape[1:]
    assert ours.compute_output_shape(batchless) == tuple(theirs.compute_output_shape(batchless))


@pytest.mark.parametrize("equation,output_shape,bias_axes,shape", CASES)
def test_gradients(equation, output_shape, bias_axes, shape):
    x = np.random.default_rng(1).standard_normal(shape)
    layer = layers.EinsumDense(equation, output_shape=output_shape, bias_axes=bias_axes, activation="sigmoid")
    check_gradients(layer, x).assert_ok()


def test_kernel_initializer_fans_are_keras_input_and_output_axes():
    ours = layers.EinsumDense("abc,cde->abde", output_shape=(None, 4, 32), bias_axes="de")
    ours.build((None, 10, 128))
    limit = np.sqrt(6 / (128 + 4 * 32))   # glorot: fan_in 128, fan_out 4·32
    w = ours.kernel.value
    assert w.shape == (128, 4, 32) and np.abs(w).max() <= limit and np.abs(w).max() > 0.9 * limit


def test_config_round_trip_and_training():
    import nbnet
    layer = layers.EinsumDense("abc,cd->abd", output_shape=(None, 3), bias_axes="d", activation="relu",
                               kernel_initializer="he_normal")
    model = nbnet.Sequential([nbnet.Input((4, 5)), layer])
    again = layers.EinsumDense.from_config(layer.get_config())
    assert again.get_config() == layer.get_config()
    model.compile("adam", "mse")
    x = np.random.default_rng(2).standard_normal((16, 4, 5)).astype("float32")
    history = model.fit(x, np.ones((16, 4, 3), "float32"), epochs=5, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_bad_equations_have_keras_messages():
    with pytest.raises(ValueError, match="Invalid einsum equation"):
        layers.EinsumDense("ab->b", output_shape=2)
    with pytest.raises(ValueError, match="did not have a match"):
        layers.EinsumDense("ab,bz->ab", output_shape=3)(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="Bias dimension 'q'"):
        layers.EinsumDense("ab,bc->ac", output_shape=3, bias_axes="q")(np.zeros((2, 3)))
    with pytest.raises(NotImplementedError, match="lora_rank"):
        layers.EinsumDense("ab,bc->ac", output_shape=3, lora_rank=2)
