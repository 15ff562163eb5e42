"""Pooling, global pooling and spatial reshaping layers: contract, gradients, Keras/torch parity,
errors."""

import keras
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from nbnet import layers
from nbnet.autograd import GradientTape, Tensor
from nbnet.ops import multiply
from nbnet.ops import sum as ops_sum
from nbnet.testing import run_layer_test


def _x(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype("float32")


CONTRACT = [
    (layers.MaxPooling1D, {}, (2, 7, 3), (2, 3, 3)),
    (layers.MaxPooling1D, dict(pool_size=3, strides=1, padding="same"), (2, 6, 2), (2, 6, 2)),
    (layers.MaxPooling2D, {}, (2, 6, 5, 3), (2, 3, 2, 3)),
    (layers.MaxPooling2D, dict(pool_size=3, strides=2, padding="same"), (2, 6, 5, 2), (2, 3, 3, 2)),
    (layers.MaxPooling2D, dict(pool_size=(2, 3), strides=(1, 2)), (2, 5, 7, 2), (2, 4, 3, 2)),
    (layers.MaxPooling3D, dict(pool_size=2, padding="same"), (2, 3, 4, 5, 2), (2, 2, 2, 3, 2)),
    (layers.AveragePooling1D, dict(pool_size=3, strides=2, padding="same"), (2, 8, 2), (2, 4, 2)),
    (layers.AveragePooling2D, dict(pool_size=2), (2, 6, 5, 3), (2, 3, 2, 3)),
    (layers.AveragePooling2D, dict(pool_size=3, strides=2, padding="same"), (2, 6, 5, 2), (2, 3, 3, 2)),
    (layers.AveragePooling3D, dict(pool_size=(1, 2, 2), strides=1), (2, 3, 4, 4, 2), (2, 3, 3, 3, 2)),
    (layers.GlobalMaxPooling1D, {}, (2, 5, 3), (2, 3)),
    (layers.GlobalMaxPooling2D, dict(keepdims=True), (2, 4, 5, 3), (2, 1, 1, 3)),
    (layers.GlobalMaxPooling3D, {}, (2, 2, 3, 4, 3), (2, 3)),
    (layers.GlobalAveragePooling1D, dict(keepdims=True), (2, 5, 3), (2, 1, 3)),
    (layers.GlobalAveragePooling2D, {}, (2, 4, 5, 3), (2, 3)),
    (layers.GlobalAveragePooling3D, {}, (2, 2, 3, 4, 3), (2, 3)),
    (layers.UpSampling1D, dict(size=3), (2, 4, 2), (2, 12, 2)),
    (layers.UpSampling2D, {}, (2, 3, 2, 2), (2, 6, 4, 2)),
    (layers.UpSampling2D, dict(size=(3, 1)), (2, 3, 2, 2), (2, 9, 2, 2)),
    (layers.UpSampling3D, dict(size=(1, 2, 3)), (2, 2, 2, 2, 1), (2, 2, 4, 6, 1)),
    (layers.ZeroPadding1D, dict(padding=(1, 2)), (2, 4, 2), (2, 7, 2)),
    (layers.ZeroPadding2D, {}, (2, 3, 4, 2), (2, 5, 6, 2)),
    (layers.ZeroPadding2D, dict(padding=(2, 0)), (2, 3, 4, 2), (2, 7, 4, 2)),
    (layers.ZeroPadding2D, dict(padding=((1, 2), (0, 3))), (2, 3, 4, 2), (2, 6, 7, 2)),
    (layers.ZeroPadding3D, dict(padding=1), (2, 2, 2, 2, 1), (2, 4, 4, 4, 1)),
    (layers.Cropping1D, {}, (2, 5, 2), (2, 3, 2)),
    (layers.Cropping2D, dict(cropping=1), (2, 5, 4, 2), (2, 3, 2, 2)),
    (layers.Cropping2D, dict(cropping=((1, 0), (2, 1))), (2, 5, 6, 2), (2, 4, 3, 2)),
    (layers.Cropping3D, {}, (2, 3, 4, 5, 1), (2, 1, 2, 3, 1)),
]


@pytest.mark.parametrize("cls,kwargs,shape,out_shape", CONTRACT,
                         ids=[f"{c[0].__name__}-{i}" for i, c in enumerate(CONTRACT)])
def test_layer_contract(cls, kwargs, shape, out_shape):
    run_layer_test(cls, kwargs, shape, expected_output_shape=out_shape, expected_num_params=0)


PARITY = [
    ("MaxPooling1D", dict(pool_size=3, strides=2, padding="same"), (2, 9, 3)),
    ("MaxPooling2D", {}, (2, 7, 9, 3)),
    ("MaxPooling2D", dict(pool_size=(3, 2), strides=(2, 1), padding="same"), (2, 8, 7, 3)),
    ("MaxPooling2D", dict(pool_size=2, strides=2, padding="same"), (2, 7, 9, 3)),
    ("MaxPooling3D", dict(pool_size=2, strides=(1, 2, 2)), (2, 4, 5, 6, 2)),
    ("AveragePooling1D", dict(pool_size=3, strides=1, padding="same"), (2, 9, 3)),
    ("AveragePooling2D", dict(pool_size=(2, 3)), (2, 7, 9, 3)),
    ("AveragePooling2D", dict(pool_size=3, strides=1, padding="same"), (2, 6, 7, 3)),
    ("AveragePooling3D", dict(pool_size=(2, 3, 2), strides=(2, 1, 2)), (2, 4, 5, 6, 2)),
    ("GlobalMaxPooling1D", {}, (2, 5, 3)),
    ("GlobalMaxPooling2D", dict(keepdims=True), (2, 4, 5, 3)),
    ("GlobalAveragePooling1D", {}, (2, 5, 3)),
    ("GlobalAveragePooling2D", dict(keepdims=True), (2, 4, 5, 3)),
    ("UpSampling2D", dict(size=(2, 3)), (2, 3, 4, 2)),
    ("ZeroPadding2D", dict(padding=((1, 2), (3, 0))), (2, 3, 4, 2)),
    ("ZeroPadding2D", dict(padding=(2, 1)), (2, 3, 4, 2)),
    ("Cropping2D", dict(cropping=((1, 2), (0, 1))), (2, 5, 4, 2)),
]


@pytest.mark.parametrize("name,kwargs,shape", PARITY, ids=[f"{p[0]}-{i}" for i, p in enumerate(PARITY)])
def test_inference_matches_keras(name, kwargs, shape):
    x = _x(shape, seed=1)
    ref = getattr(keras.layers, name)(**kwargs)
    expected = keras.ops.convert_to_numpy(ref(x))
    ours = getattr(layers, name)(**kwargs)
    np.testing.assert_allclose(ours(x), expected, atol=1e-6, rtol=1e-6)
    assert ours.compute_output_shape((None, *shape[1:])) == (None, *expected.shape[1:])


def test_average_pooling_same_divides_by_the_valid_count():
    # 5 inputs, pool 2, stride 2, "same": windows [0,1] [2,3] [4, pad] → the last divides by 1.
    x = np.arange(1.0, 6.0, dtype="float32").reshape(1, 5, 1)
    y = layers.AveragePooling1D(2, padding="same")(x)
    np.testing.assert_allclose(y.ravel(), [1.5, 3.5, 5.0])
    # 2-D, asymmetric padding (total 1: 0 before, 1 after) with stride 2
    x2 = _x((1, 5, 5, 1))
    y2 = layers.AveragePooling2D(2, padding="same")(x2)[0, :, :, 0]
    assert y2[2, 2] == x2[0, 4, 4, 0] and np.isclose(y2[0, 2], x2[0, 0:2, 4, 0].mean())


def _grad(layer, x, g):
    xt = Tensor(x, requires_grad=True)
    with GradientTape() as tape:
        loss = ops_sum(multiply(layer(xt, training=True), g))
    return tape.gradient(loss, [xt])[0]


@pytest.mark.parametrize("kwargs", [dict(pool_size=2), dict(pool_size=3, strides=1),
                                    dict(pool_size=2, strides=2), dict(pool_size=(2, 3), strides=(2, 1))])
def test_max_pool_gradient_goes_to_the_first_max_like_torch(kwargs):
    # values from {0, 1, 2}: many ties inside each window (as after a ReLU)
    x = np.random.default_rng(0).integers(0, 3, (2, 7, 8, 3)).astype("float64")
    layer = layers.MaxPooling2D(**kwargs)
    y = layer(x)
    g = np.random.default_rng(1).standard_normal(y.shape)
    ours = _grad(layer, x, g)
    xt = torch.tensor(x.transpose(0, 3, 1, 2), requires_grad=True)
    yt = F.max_pool2d(xt, layer.pool_size, layer.strides)
    yt.backward(torch.tensor(g.transpose(0, 3, 1, 2)))
    np.testing.assert_allclose(ours, xt.grad.numpy().transpose(0, 2, 3, 1))


def test_avg_pool_gradient_matches_torch():
    x = np.random.default_rng(0).standard_normal((2, 6, 7, 3))
    layer = layers.AveragePooling2D(3, strides=1, padding="same")
    g = np.random.default_rng(1).standard_normal((2, 6, 7, 3))
    xt = torch.tensor(x.transpose(0, 3, 1, 2), requires_grad=True)
    F.avg_pool2d(xt, 3, 1, padding=1, count_include_pad=False).backward(torch.tensor(g.transpose(0, 3, 1, 2)))
    np.testing.assert_allclose(_grad(layer, x, g), xt.grad.numpy().transpose(0, 2, 3, 1), atol=1e-12)


# --- errors ------------------------------------------------------------------------------------
def test_pool_larger_than_input():
    with pytest.raises(ValueError, match=r'MaxPooling2D layer "mp".*\(3, 3\).*input spatial shape \(2, 5\)'):
        layers.MaxPooling2D(3, name="mp")(_x((1, 2, 5, 1)))
    with pytest.raises(ValueError, match="AveragePooling1D"):
        layers.AveragePooling1D(4).compute_output_shape((None, 3, 2))


def test_wrong_rank():
    with pytest.raises(ValueError, match=r'"gp".*rank 4'):
        layers.GlobalMaxPooling2D(name="gp")(_x((2, 5, 3)))
    with pytest.raises(ValueError, match="rank 3"):
        layers.MaxPooling1D()(_x((2, 5, 5, 3)))
    with pytest.raises(ValueError, match="UpSampling2D"):
        layers.UpSampling2D()(_x((2, 5, 3)))


@pytest.mark.parametrize("build", [
    lambda: layers.MaxPooling2D(0), lambda: layers.MaxPooling2D(2, padding="causal"),
    lambda: layers.AveragePooling2D((2, 2, 2)), lambda: layers.MaxPooling2D(data_format="channels_first"),
    lambda: layers.UpSampling2D(interpolation="bicubic"), lambda: layers.ZeroPadding2D(((1, 2, 3), (0, 0))),
    lambda: layers.Cropping2D(-1),
])
def test_bad_arguments(build):
    with pytest.raises(ValueError):
        build()


def test_cropping_everything_is_an_error():
    with pytest.raises(ValueError, match=r'Cropping2D layer "crop".*removes everything'):
        layers.Cropping2D(((2, 2), (0, 0)), name="crop")(_x((1, 4, 4, 1)))
