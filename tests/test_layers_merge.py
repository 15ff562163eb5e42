"""Merge layers: shapes, Keras broadcasting, gradients, parity with Keras 3, errors."""

import keras
import numpy as np
import pytest

import nbnet
from nbnet import layers
from nbnet.testing import check_gradients, run_layer_test

ELEMENTWISE = ["Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum"]


def _data(*shapes, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(s).astype("float32") for s in shapes]


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_elementwise_contract(name):
    run_layer_test(getattr(layers, name), {}, [(4, 3), (4, 3)], expected_output_shape=(4, 3),
                   expected_num_trainable_weights=0, expected_num_params=0)


@pytest.mark.parametrize("name", ["Add", "Multiply", "Average", "Maximum", "Minimum"])
def test_elementwise_three_inputs_and_broadcasting(name):
    run_layer_test(getattr(layers, name), {}, [(4, 2, 3), (4, 1, 3), (4, 2, 1)],
                   expected_output_shape=(4, 2, 3))
    # a lower-rank input gets new axes right after the batch axis (Keras's rule)
    run_layer_test(getattr(layers, name), {}, [(4, 2, 3), (4, 3)], expected_output_shape=(4, 2, 3),
                   run_save_check=False, run_training_check=False)


@pytest.mark.parametrize("kwargs,shapes,out", [
    ({"axis": -1}, [(4, 2, 3), (4, 2, 5)], (4, 2, 8)),
    ({"axis": 1}, [(4, 2, 3), (4, 1, 3), (4, 3, 3)], (4, 6, 3)),
    ({}, [(4, 3), (4, 1)], (4, 4)),
])
def test_concatenate_contract(kwargs, shapes, out):
    run_layer_test(layers.Concatenate, kwargs, shapes, expected_output_shape=out)


@pytest.mark.parametrize("kwargs,shapes,out", [
    ({"axes": 1}, [(4, 3), (4, 3)], (4, 1)),
    ({"axes": -1, "normalize": True}, [(4, 5), (4, 5)], (4, 1)),
    ({"axes": (2, 2)}, [(4, 2, 3), (4, 5, 3)], (4, 2, 5)),
    ({"axes": [1, 2]}, [(4, 3, 2), (4, 5, 3)], (4, 2, 5)),
    ({"axes": (2, 1), "normalize": True}, [(4, 2, 3), (4, 3)], (4, 2)),
])
def test_dot_contract(kwargs, shapes, out):
    run_layer_test(layers.Dot, kwargs, shapes, expected_output_shape=out)


def test_values_by_hand():
    a, b, c = (np.array([[1.0, -2.0, 3.0]], "float32") * k for k in (1, 2, -1))
    assert np.allclose(layers.Add()([a, b, c]), a + b + c)
    assert np.allclose(layers.Subtract()([a, b]), a - b)
    assert np.allclose(layers.Multiply()([a, b, c]), a * b * c)
    assert np.allclose(layers.Average()([a, b]), (a + b) / 2)
    assert np.allclose(layers.Maximum()([a, c]), [[1, 2, 3]])
    assert np.allclose(layers.Minimum()([a, c]), [[-1, -2, -3]])
    assert np.allclose(layers.Dot(axes=1)([a, b]), [[2 * (1 + 4 + 9)]])
    assert np.allclose(layers.Dot(axes=1, normalize=True)([a, b]), [[1.0]])


def test_functional_helpers_symbolic_and_eager():
    x1, x2 = nbnet.Input((3,)), nbnet.Input((3,))
    outs = [layers.add([x1, x2]), layers.subtract([x1, x2]), layers.multiply([x1, x2]),
            layers.average([x1, x2]), layers.maximum([x1, x2]), layers.minimum([x1, x2]),
            layers.concatenate([x1, x2]), layers.dot([x1, x2], axes=1)]
    assert [o.shape for o in outs] == [(None, 3)] * 6 + [(None, 6), (None, 1)]
    model = nbnet.Model([x1, x2], layers.concatenate(outs, axis=-1))
    a, b = _data((5, 3), (5, 3))
    y = model.predict([a, b], verbose=0)
    assert y.shape == (5, 6 * 3 + 6 + 1)
    assert np.allclose(y[:, :3], a + b) and np.allclose(y[:, 18:24], np.concatenate([a, b], -1))
    assert np.allclose(layers.add([a, b]), a + b)


def test_gradient_goes_to_first_extreme_on_ties():
    a = np.array([[1.0, 2.0]])
    report = check_gradients(layers.Maximum(), [a + 0.0, np.array([[0.0, 3.0]])])
    report.assert_ok()


def test_multi_input_backward_in_a_model_trains():
    nbnet.utils.set_random_seed(1)
    x1, x2 = nbnet.Input((4,)), nbnet.Input((4,))
    h1, h2 = layers.Dense(8, activation="tanh")(x1), layers.Dense(8, activation="tanh")(x2)
    merged = layers.concatenate([layers.add([h1, h2]), layers.multiply([h1, h2]),
                                 layers.Dot(axes=1)([h1, h2])])
    model = nbnet.Model([x1, x2], layers.Dense(1)(merged))
    model.compile(optimizer=nbnet.optimizers.Adam(0.02), loss="mse")
    a, b = _data((64, 4), (64, 4), seed=2)
    y = (a * b).sum(1, keepdims=True)
    hist = model.fit([a, b], y, epochs=30, batch_size=16, verbose=0)
    assert hist.history["loss"][-1] < 0.5 * hist.history["loss"][0]


def _keras_twin(name, kwargs):
    return getattr(keras.layers, name)(**kwargs)


@pytest.mark.parametrize("name,kwargs,shapes", [
    *[(n, {}, [(3, 4), (3, 4)]) for n in ELEMENTWISE],
    *[(n, {}, [(3, 2, 4), (3, 1, 4), (3, 2, 1)]) for n in ["Add", "Multiply", "Average", "Maximum"]],
    ("Add", {}, [(3, 2, 4), (3, 4)]),
    ("Concatenate", {"axis": 1}, [(3, 2, 4), (3, 5, 4)]),
    ("Concatenate", {}, [(3, 4), (3, 2), (3, 1)]),
    ("Dot", {"axes": 1}, [(3, 4), (3, 4)]),
    ("Dot", {"axes": 1, "normalize": True}, [(3, 4), (3, 4)]),
    ("Dot", {"axes": (2, 2)}, [(3, 2, 4), (3, 5, 4)]),
    ("Dot", {"axes": [1, 2]}, [(3, 4, 2), (3, 5, 4)]),
    ("Dot", {"axes": (2, 1)}, [(3, 2, 4), (3, 4)]),
])
def test_parity_with_keras(name, kwargs, shapes):
    xs = _data(*shapes, seed=5)
    ours = getattr(layers, name)(**kwargs)(xs)
    theirs = keras.ops.convert_to_numpy(_keras_twin(name, kwargs)(xs))
    assert ours.shape == theirs.shape
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-5)
    sym = getattr(layers, name)(**kwargs).compute_output_shape([(None, *s[1:]) for s in shapes])
    assert sym == (None, *theirs.shape[1:])


@pytest.mark.parametrize("layer,shapes,match", [
    (layers.Add(name="adder"), [(2, 3), (2, 4)], r'"adder".*incompatible shapes.*\(None, 3\).*\(None, 4\)'),
    (layers.Add(), [(2, 3), (5, 3)], "different batch sizes"),
    (layers.Subtract(), [(2, 3), (2, 3), (2, 3)], "exactly 2 inputs"),
    (layers.Concatenate(name="cat"), [(2, 3, 1), (2, 4, 2)], r'"cat".*matching shapes.*axis -1'),
    (layers.Concatenate(), [(2, 3), (2, 3, 1)], "matching shapes"),
    (layers.Dot(axes=1, name="d"), [(2, 3), (2, 4)], r'"d".*axis values 3 \(at axis 1\) != 4'),
    (layers.Dot(axes=0), [(2, 3), (2, 3)], "batch axis"),
    (layers.Dot(axes=2), [(2, 3, 4), (2, 4)], "out of range"),
])
def test_bad_shapes_raise_clear_errors(layer, shapes, match):
    with pytest.raises(ValueError, match=match):
        layer([np.zeros(s, "float32") for s in shapes])


def test_bad_shapes_raise_in_functional_api_and_non_list():
    with pytest.raises(ValueError, match="incompatible shapes"):
        layers.add([nbnet.Input((3,)), nbnet.Input((4,))])
    with pytest.raises(ValueError, match="list of inputs"):
        layers.Add()(np.zeros((2, 3), "float32"))
    with pytest.raises(ValueError, match="two ints"):
        layers.Dot(axes=(1, 2, 3))


def test_config_round_trip_keeps_arguments():
    d = layers.Dot.from_config(layers.Dot(axes=[1, 2], normalize=True).get_config())
    assert d.axes == [1, 2] and d.normalize
    assert layers.Concatenate.from_config(layers.Concatenate(axis=1).get_config()).axis == 1
