"""Convolution layers: the layer contract, float64 gradient checks, parity with Keras 3 and
PyTorch, and the errors bad inputs get."""

import keras
import numpy as np
import pytest
import torch
import torch.nn.functional as F

import nbnet
from nbnet import layers
from nbnet.autograd import GradientTape, Tensor
from nbnet.testing import check_gradients, run_layer_test


def _x(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype("float32")


# --- the contract (shapes, counts, config, save/load, one fit step, float64 gradients) ---------
CONTRACT = [
    (layers.Conv1D, dict(filters=4, kernel_size=3), (2, 9, 3), (2, 7, 4), 4 * 9 + 4),
    (layers.Conv1D, dict(filters=4, kernel_size=3, strides=2, padding="same"), (2, 9, 3), (2, 5, 4), 40),
    (layers.Conv1D, dict(filters=4, kernel_size=2, dilation_rate=3, padding="causal"), (2, 8, 2),
     (2, 8, 4), 4 * 4 + 4),
    (layers.Conv1D, dict(filters=6, kernel_size=3, groups=3, use_bias=False), (2, 7, 3), (2, 5, 6), 18),
    (layers.Conv2D, dict(filters=3, kernel_size=3, activation="relu"), (2, 6, 5, 2), (2, 4, 3, 3), 57),
    (layers.Conv2D, dict(filters=4, kernel_size=(3, 2), strides=(2, 1), padding="same"), (2, 7, 6, 2),
     (2, 4, 6, 4), 52),
    (layers.Conv2D, dict(filters=4, kernel_size=3, dilation_rate=2, padding="same", activation="tanh"),
     (2, 6, 6, 2), (2, 6, 6, 4), 76),
    (layers.Conv2D, dict(filters=4, kernel_size=2, groups=2, strides=2, activation="sigmoid"),
     (2, 5, 5, 4), (2, 2, 2, 4), 4 * 2 * 4 + 4),
    (layers.Conv3D, dict(filters=2, kernel_size=2, strides=(1, 2, 2), padding="same"), (2, 3, 4, 5, 2),
     (2, 3, 2, 3, 2), 8 * 2 * 2 + 2),
    (layers.DepthwiseConv2D, dict(kernel_size=3), (2, 5, 5, 3), (2, 3, 3, 3), 27 + 3),
    (layers.DepthwiseConv2D, dict(kernel_size=(2, 3), strides=2, padding="same", depth_multiplier=2),
     (2, 5, 6, 3), (2, 3, 3, 6), 6 * 6 + 6),
    (layers.DepthwiseConv2D, dict(kernel_size=3, dilation_rate=2, padding="same", use_bias=False),
     (2, 6, 5, 2), (2, 6, 5, 2), 18),
    (layers.SeparableConv1D, dict(filters=4, kernel_size=3, depth_multiplier=2), (2, 7, 3),
     (2, 5, 4), 18 + 24 + 4),
    (layers.SeparableConv2D, dict(filters=4, kernel_size=3, padding="same", strides=2), (2, 5, 6, 3),
     (2, 3, 3, 4), 27 + 12 + 4),
    (layers.SeparableConv2D, dict(filters=3, kernel_size=2, dilation_rate=2, depth_multiplier=2,
                                  activation="relu"), (2, 6, 6, 2), (2, 4, 4, 3), 16 + 12 + 3),
    (layers.Conv2DTranspose, dict(filters=3, kernel_size=3), (2, 4, 3, 2), (2, 6, 5, 3), 54 + 3),
    (layers.Conv2DTranspose, dict(filters=3, kernel_size=3, strides=2, padding="same"), (2, 3, 4, 2),
     (2, 6, 8, 3), 57),
    (layers.Conv2DTranspose, dict(filters=2, kernel_size=(2, 3), strides=(2, 3), output_padding=1),
     (2, 3, 3, 2), (2, 7, 10, 2), 24 + 2),
    (layers.Conv2DTranspose, dict(filters=2, kernel_size=3, dilation_rate=2, padding="same", activation="relu"),
     (2, 4, 3, 2), (2, 4, 3, 2), 36 + 2),
]


@pytest.mark.parametrize("cls,kwargs,shape,out_shape,n_params", CONTRACT,
                         ids=[f"{c[0].__name__}-{i}" for i, c in enumerate(CONTRACT)])
def test_layer_contract(cls, kwargs, shape, out_shape, n_params):
    run_layer_test(cls, kwargs, shape, expected_output_shape=out_shape, expected_num_params=n_params,
                   expected_num_non_trainable_weights=0)


def test_custom_activation_is_differentiated():
    layer = layers.Conv2D(2, 3, activation=lambda z: nbnet.ops.tanh(z) * 2.0)
    check_gradients(layer, _x((2, 5, 5, 2))).assert_ok()


def test_first_layer_skips_the_input_gradient():
    layer = layers.Conv2D(3, 3, activation="relu")
    x = _x((2, 6, 6, 2))
    layer(x)
    y, cache = layer.forward(x)
    g = _x(y.shape, seed=2)
    dx_none, grads_a = layer.backward(g, cache, need_input_grad=False)
    dx, grads_b = layer.backward(g, cache, need_input_grad=True)
    assert dx_none is None and dx.shape == x.shape
    for a, b in zip(grads_a, grads_b):
        np.testing.assert_array_equal(a, b)


# --- parity with Keras 3 (same weights through set_weights) -----------------------------------
PARITY = [
    ("Conv1D", dict(filters=4, kernel_size=3, strides=2, padding="same"), (2, 10, 3)),
    ("Conv1D", dict(filters=4, kernel_size=3, dilation_rate=2, padding="causal", activation="relu"),
     (2, 9, 3)),
    ("Conv1D", dict(filters=4, kernel_size=2, groups=2), (2, 9, 4)),
    ("Conv2D", dict(filters=5, kernel_size=3, strides=2, padding="same"), (2, 9, 8, 3)),
    ("Conv2D", dict(filters=5, kernel_size=(2, 4), strides=(1, 3), padding="same"), (2, 7, 10, 3)),
    ("Conv2D", dict(filters=6, kernel_size=3, dilation_rate=(2, 1), groups=3, activation="relu"),
     (2, 9, 8, 3)),
    ("Conv3D", dict(filters=3, kernel_size=(2, 3, 2), strides=(2, 1, 2), padding="same"), (2, 5, 6, 7, 2)),
    ("DepthwiseConv2D", dict(kernel_size=3, strides=2, padding="same", depth_multiplier=2), (2, 9, 8, 3)),
    ("DepthwiseConv2D", dict(kernel_size=(3, 2), dilation_rate=2), (2, 9, 8, 3)),
    ("SeparableConv1D", dict(filters=4, kernel_size=3, padding="same", depth_multiplier=3), (2, 9, 3)),
    ("SeparableConv2D", dict(filters=5, kernel_size=3, strides=2, depth_multiplier=2, activation="relu"),
     (2, 9, 8, 3)),
    ("Conv2DTranspose", dict(filters=4, kernel_size=3, strides=2, padding="same"), (2, 5, 4, 3)),
    ("Conv2DTranspose", dict(filters=4, kernel_size=4, strides=2, padding="same"), (2, 5, 4, 3)),
    ("Conv2DTranspose", dict(filters=4, kernel_size=2, strides=3), (2, 5, 4, 3)),
    ("Conv2DTranspose", dict(filters=4, kernel_size=3, strides=2, output_padding=1), (2, 5, 4, 3)),
    ("Conv2DTranspose", dict(filters=4, kernel_size=3, dilation_rate=2, padding="same"), (2, 5, 4, 3)),
]


@pytest.mark.parametrize("name,kwargs,shape", PARITY, ids=[f"{p[0]}-{i}" for i, p in enumerate(PARITY)])
def test_inference_matches_keras(name, kwargs, shape):
    x = _x(shape, seed=1)
    ref = getattr(keras.layers, name)(**kwargs)
    ref(x)
    rng = np.random.default_rng(2)
    weights = [rng.standard_normal(v.shape).astype("float32") * 0.5 for v in ref.weights]
    ref.set_weights(weights)
    ours = getattr(layers, name)(**kwargs)
    ours(x)
    assert [v.name for v in ours.weights] == [v.name for v in ref.weights]
    ours.set_weights(weights)
    expected = keras.ops.convert_to_numpy(ref(x))
    assert ours.compute_output_shape((None, *shape[1:])) == (None, *expected.shape[1:])
    np.testing.assert_allclose(ours(x), expected, atol=1e-5, rtol=1e-5)


# --- training gradients against PyTorch, float64 ---------------------------------------------
def _same_pads(n, k, s, d):
    total = max((-(-n // s) - 1) * s + (k - 1) * d + 1 - n, 0)
    return total // 2, total - total // 2


def _nbnet_grads(layer, x, r):
    """dL/dx and dL/dweights of L = Σ layer(x) ⊙ r in training mode."""
    xt = Tensor(x, requires_grad=True)
    with GradientTape() as tape:
        loss = nbnet.ops.sum(layer(xt, training=True) * r)
    return tape.gradient(loss, [xt, *layer.trainable_weights])


def _torch_conv(x, kernel, bias, kw, rank):
    """Keras-style (channels-last, TF 'same') convolution written with torch.nn.functional."""
    k, s, d = kernel.shape[:rank], kw.get("strides", 1), kw.get("dilation_rate", 1)
    s, d = ((s,) * rank if isinstance(s, int) else s), ((d,) * rank if isinstance(d, int) else d)
    xc = x.permute(0, rank + 1, *range(1, rank + 1))
    pads = [(0, 0)] * rank
    if kw.get("padding") == "same":
        pads = [_same_pads(n, *a) for n, a in zip(x.shape[1:-1], zip(k, s, d))]
    elif kw.get("padding") == "causal":
        pads = [((k[0] - 1) * d[0], 0)]
    xc = F.pad(xc, [p for pair in reversed(pads) for p in pair])
    w = kernel.permute(rank + 1, rank, *range(rank))           # (*K, C/g, F) → (F, C/g, *K)
    conv = F.conv1d if rank == 1 else F.conv2d
    y = conv(xc, w, bias, stride=s, dilation=d, groups=kw.get("groups", 1))
    return y.permute(0, *range(2, rank + 2), 1)


@pytest.mark.parametrize("cls,kwargs,shape", [
    (layers.Conv1D, dict(filters=4, kernel_size=3, strides=2, padding="same", activation="relu"), (3, 10, 2)),
    (layers.Conv1D, dict(filters=4, kernel_size=3, dilation_rate=2, padding="causal", groups=2), (3, 9, 4)),
    (layers.Conv2D, dict(filters=4, kernel_size=3, activation="tanh"), (3, 7, 6, 2)),
    (layers.Conv2D, dict(filters=6, kernel_size=(2, 3), strides=2, padding="same", groups=3), (3, 7, 8, 3)),
    (layers.Conv2D, dict(filters=4, kernel_size=3, dilation_rate=2, padding="same"), (3, 8, 7, 2)),
])
def test_conv_gradients_match_torch(cls, kwargs, shape):
    nbnet.config.set_floatx("float64")
    layer = cls(**kwargs, bias_initializer="glorot_uniform")
    x = np.random.default_rng(0).standard_normal(shape)
    r = np.random.default_rng(1).standard_normal(layer.compute_output_shape((None, *shape[1:]))[1:])
    dx, dw, db = _nbnet_grads(layer, x, r)
    xt, wt, bt = (torch.tensor(a, requires_grad=True) for a in (x, layer.kernel.value, layer.bias.value))
    y = _torch_conv(xt, wt, bt, kwargs, cls.rank)
    act = {"relu": torch.relu, "tanh": torch.tanh}.get(kwargs.get("activation"), lambda t: t)
    (act(y) * torch.tensor(r)).sum().backward()
    for ours, ref in [(dx, xt.grad), (dw, wt.grad), (db, bt.grad)]:
        np.testing.assert_allclose(ours, ref.numpy(), atol=1e-5, rtol=1e-5)


def test_blocked_products_match_torch():
    """A batch large enough that the forward, kernel-gradient and input-gradient products run as
    single-thread row blocks (conv_utils.matmul), with a remainder block, in two groups."""
    from nbnet.layers.conv_utils import _block_rows
    shape, kwargs = (64, 12, 12, 16), dict(filters=16, kernel_size=3, groups=2, activation="relu")
    m = 64 * 10 * 10
    assert 0 < _block_rows(m, 8, 8) < m and m % _block_rows(m, 8, 8)    # dL/dZ_g W_qᵀ is blocked
    assert 0 < _block_rows(m, 9 * 8, 8) < m                              # cols_g W_g is blocked
    nbnet.config.set_floatx("float64")
    layer = layers.Conv2D(**kwargs, bias_initializer="glorot_uniform")
    x = np.random.default_rng(0).standard_normal(shape)
    r = np.random.default_rng(1).standard_normal((10, 10, 16))
    dx, dw, db = _nbnet_grads(layer, x, r)
    xt, wt, bt = (torch.tensor(a, requires_grad=True) for a in (x, layer.kernel.value, layer.bias.value))
    (torch.relu(_torch_conv(xt, wt, bt, kwargs, 2)) * torch.tensor(r)).sum().backward()
    for ours, ref in [(dx, xt.grad), (dw, wt.grad), (db, bt.grad)]:
        np.testing.assert_allclose(ours, ref.numpy(), atol=1e-8, rtol=1e-8)


@pytest.mark.parametrize("kwargs", [
    dict(kernel_size=3, strides=1, padding="valid"), dict(kernel_size=3, strides=2, padding="valid"),
    dict(kernel_size=3, strides=2, padding="same"), dict(kernel_size=4, strides=2, padding="same"),
    dict(kernel_size=(3, 2), strides=(2, 3), padding="valid", output_padding=(1, 2)),
])
def test_conv_transpose_gradients_match_torch(kwargs):
    nbnet.config.set_floatx("float64")
    layer = layers.Conv2DTranspose(3, **kwargs, bias_initializer="glorot_uniform")
    x = np.random.default_rng(0).standard_normal((2, 4, 5, 2))
    out = layer.compute_output_shape((None, 4, 5, 2))
    r = np.random.default_rng(1).standard_normal(out[1:])
    dx, dw, db = _nbnet_grads(layer, x, r)
    xt, wt, bt = (torch.tensor(a, requires_grad=True) for a in (x, layer.kernel.value, layer.bias.value))
    s = layer.strides
    full = F.conv_transpose2d(xt.permute(0, 3, 1, 2), wt.permute(3, 2, 0, 1), stride=s)
    # TF's definition: the transposed conv is the gradient of a conv whose input has the output
    # size L; that conv pads max((n − 1)·s + k − L, 0) in total, half (rounded down) on the left.
    lefts = [max((n - 1) * st + k - size, 0) // 2 if kwargs["padding"] == "same" else 0
             for n, st, k, size in zip((4, 5), s, layer.kernel_size, out[1:3])]
    full = F.pad(full, (0, max(0, lefts[1] + out[2] - full.shape[3]), 0, max(0, lefts[0] + out[1] - full.shape[2])))
    y = full[:, :, lefts[0]:lefts[0] + out[1], lefts[1]:lefts[1] + out[2]].permute(0, 2, 3, 1) + bt
    (y * torch.tensor(r)).sum().backward()
    for ours, ref in [(dx, xt.grad), (dw, wt.grad), (db, bt.grad)]:
        np.testing.assert_allclose(ours, ref.numpy(), atol=1e-5, rtol=1e-5)


# --- a small convnet trains --------------------------------------------------------------------
def test_small_convnet_learns_digits():
    (x, y), (xt, yt) = nbnet.datasets.mnist.load_data()

    def small(images):       # 14×14 images keep the test fast
        return (images.reshape(-1, 14, 2, 14, 2).mean(axis=(2, 4))[..., None] / 255).astype("float32")
    nbnet.utils.set_random_seed(0)
    model = nbnet.Sequential([nbnet.Input((14, 14, 1)), layers.Conv2D(8, 3, activation="relu", padding="same"),
                              layers.MaxPooling2D(), layers.Conv2D(16, 3, activation="relu"),
                              layers.MaxPooling2D(), layers.Flatten(), layers.Dense(10, activation="softmax")])
    model.compile(optimizer=nbnet.optimizers.Adam(3e-3), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    model.fit(small(x[:8000]), y[:8000], batch_size=32, epochs=3, verbose=0)
    _, acc = model.evaluate(small(xt[:1000]), yt[:1000], verbose=0)
    assert acc > 0.9     # 0.921 here


# --- errors ------------------------------------------------------------------------------------
def test_kernel_larger_than_input_is_a_clear_error():
    layer = layers.Conv2D(4, (5, 3), name="too_big")
    with pytest.raises(ValueError, match=r"too_big.*kernel.*\(5, 3\).*input spatial shape \(4, 6\)"):
        layer(_x((1, 4, 6, 2)))
    with pytest.raises(ValueError, match="too_big"):
        layers.Conv2D(4, 5, name="too_big").compute_output_shape((None, 4, 6, 2))
    with pytest.raises(ValueError, match="dilated span 5"):
        layers.Conv1D(2, 3, dilation_rate=2)(_x((1, 4, 2)))
    with pytest.raises(ValueError, match="SeparableConv2D"):
        layers.SeparableConv2D(2, 3)(_x((1, 2, 6, 2)))


def test_wrong_rank_and_wrong_channels():
    conv = layers.Conv2D(4, 3, name="c2")
    with pytest.raises(ValueError, match=r'Conv2D layer "c2" expects inputs of rank 4.*\(None, 6, 3\)'):
        conv(_x((2, 6, 3)))
    conv(_x((2, 6, 6, 3)))
    with pytest.raises(ValueError, match=r'"c2".*axis -1 .* value 3'):
        conv(_x((2, 6, 6, 5)))
    with pytest.raises(ValueError, match="rank 3"):
        layers.Conv1D(2, 3).compute_output_shape((None, 5, 5, 2))
    with pytest.raises(ValueError, match="divisible by `groups`"):
        layers.Conv2D(4, 3, groups=2)(_x((1, 5, 5, 3)))


@pytest.mark.parametrize("build", [
    lambda: layers.Conv2D(0, 3), lambda: layers.Conv2D(4, 3, padding="causal"),
    lambda: layers.Conv2D(4, 3, padding="full"), lambda: layers.Conv2D(4, (3, 3, 3)),
    lambda: layers.Conv2D(4, 3, data_format="channels_first"),
    lambda: layers.Conv2D(4, 3, strides=2, dilation_rate=2), lambda: layers.Conv2D(5, 3, groups=2),
    lambda: layers.Conv2DTranspose(4, 3, strides=2, output_padding=2),
    lambda: layers.DepthwiseConv2D(3, depth_multiplier=0),
])
def test_bad_arguments(build):
    with pytest.raises(ValueError):
        build()
