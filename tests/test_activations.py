"""Activation functions: values against PyTorch, derivatives by central differences, stability."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch_reference import TORCH_ACTIVATIONS

import nbnet
from nbnet import activations, layers
from nbnet.testing import check_gradients

TORCH = TORCH_ACTIVATIONS
NAMES = sorted(TORCH)


def gelu_tanh(z):
    return activations.gelu(z, approximate=True)


def _z(shape=(5, 7), seed=0, scale=3.0):
    z = scale * np.random.default_rng(seed).standard_normal(shape)
    z[np.abs(z) < 1e-3] = 0.5   # keep finite differences away from the kinks of relu-like functions
    return z


@pytest.mark.parametrize("name", NAMES)
def test_values_match_torch_by_name_and_as_function(name):
    z = _z()
    expected = TORCH[name](torch.tensor(z)).numpy()
    fn = activations.get(name)
    assert fn is getattr(activations, name)
    np.testing.assert_allclose(fn(z), expected, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(activations.forward(name, z), expected, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(layers.Activation(name)(z), expected, rtol=1e-12, atol=1e-14)


def test_gelu_approximate_matches_torch():
    z = _z()
    np.testing.assert_allclose(gelu_tanh(z), F.gelu(torch.tensor(z), approximate="tanh").numpy(),
                               rtol=1e-12, atol=1e-14)


def test_relu_options_match_keras():
    import keras
    z = _z().astype("float32")
    for kw in ({"negative_slope": 0.1}, {"max_value": 2.0}, {"threshold": 0.5},
               {"negative_slope": 0.3, "max_value": 1.5, "threshold": -0.5}):
        expected = keras.ops.convert_to_numpy(keras.activations.relu(z, **kw))
        np.testing.assert_allclose(activations.relu(z, **kw), expected, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("name", NAMES)
def test_derivative_through_activation_layer(name):
    check_gradients(layers.Activation(name), _z()).assert_ok()


@pytest.mark.parametrize("activation", NAMES + [gelu_tanh, activations.relu])
def test_derivative_through_dense(activation):
    check_gradients(layers.Dense(4, activation=activation), _z((6, 3), scale=1.0)).assert_ok()


def test_gelu_approximate_derivative_as_custom_activation_layer():
    layer = layers.Activation(gelu_tanh)   # not a built-in name: differentiated by autograd
    check_gradients(layer, _z()).assert_ok()


@pytest.mark.parametrize("name", NAMES)
def test_derivative_matches_torch_autograd(name):
    z = _z()
    g = np.random.default_rng(1).standard_normal(z.shape)
    a = activations.forward(name, z)
    zt = torch.tensor(z, requires_grad=True)
    TORCH[name](zt).backward(torch.tensor(g))
    np.testing.assert_allclose(activations.backward(name, z, a, g), zt.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_name_and_function_give_the_same_dense():
    x = _z((4, 3))
    for name in NAMES:
        by_name = layers.Dense(5, activation=name)
        by_fn = layers.Dense(5, activation=getattr(activations, name))
        by_name(x)
        by_fn(x)
        by_fn.set_weights(by_name.get_weights())
        np.testing.assert_array_equal(by_name(x), by_fn(x))
        assert by_fn.get_config()["activation"] == name


@pytest.mark.parametrize("name", NAMES + ["gelu_tanh"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_stable_at_extreme_inputs(name, dtype):
    z = np.array([[-1000.0, -30.0, 0.0, 30.0, 1000.0]], dtype=dtype)
    g = np.ones_like(z)
    with np.errstate(over="raise", invalid="raise", divide="raise"):   # underflow to 0 is fine
        a = activations.forward(name, z)
        dz = activations.backward(name, z, a, g)
    assert a.dtype == z.dtype
    assert np.all(np.isfinite(a)) and np.all(np.isfinite(dz))
    limits = {"sigmoid": [0, 0], "tanh": [0, 0], "linear": [1, 1], "leaky_relu": [0.2, 1]}
    if name != "softmax":   # f'(−1000), f'(1000): saturated, or the slopes of the linear pieces
        np.testing.assert_allclose(dz[0, [0, -1]], limits.get(name, [0, 1]), atol=1e-6)
    if name == "softmax":
        np.testing.assert_allclose(a.sum(), 1.0, rtol=1e-6)


def test_sigmoid_values_at_extremes_are_exact_limits():
    z = np.array([-1000.0, 1000.0])
    with np.errstate(over="raise"):
        np.testing.assert_array_equal(activations.sigmoid(z), [0.0, 1.0])
        np.testing.assert_allclose(activations.softplus(z), [0.0, 1000.0])


def test_activations_record_gradients_on_tensors():
    z = _z((3, 4))
    for name in NAMES:
        with nbnet.GradientTape() as tape:
            zt = nbnet.Tensor(z, requires_grad=True)
            out = nbnet.ops.sum(getattr(activations, name)(zt))
        (dz,) = tape.gradient(out, [zt])
        zt_torch = torch.tensor(z, requires_grad=True)
        TORCH[name](zt_torch).sum().backward()
        np.testing.assert_allclose(dz, zt_torch.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_unknown_name_lists_valid_names():
    with pytest.raises(ValueError, match="Unknown activation 'relux'.*Valid names:.*gelu.*relu.*tanh"):
        activations.get("relux")
    with pytest.raises(ValueError, match="Valid names"):
        layers.Dense(3, activation="swishy")


def test_serialize_round_trip():
    for name in NAMES:
        assert activations.serialize(activations.get(name)) == name
    assert activations.get(None) is activations.linear
