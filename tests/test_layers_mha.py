"""MultiHeadAttention: Keras 3 weights and parity (masks, causal, scores), PyTorch parity, gradients, config."""

import keras
import numpy as np
import pytest
import torch

import nbnet
from nbnet import layers
from nbnet.layers.attention import kernels
from nbnet.testing import check_gradients

RNG = np.random.default_rng(0)
Q, V, K = (RNG.standard_normal(s).astype("float32") for s in [(2, 4, 6), (2, 5, 3), (2, 5, 7)])
V_MASK = np.array([[1, 1, 1, 1, 0], [1, 1, 1, 0, 0]], bool)
ATT_MASK = RNG.random((2, 4, 5)) > 0.3
CONFIGS = [dict(num_heads=2, key_dim=3), dict(num_heads=3, key_dim=2, value_dim=4, output_shape=(2, 5)),
           dict(num_heads=2, key_dim=3, use_bias=False)]


def _np(t):
    return keras.ops.convert_to_numpy(t)


def _twins(kwargs, *args, seed=1, **call):
    """An nbnet and a Keras MultiHeadAttention with the same random weights."""
    ours, theirs = layers.MultiHeadAttention(**kwargs), keras.layers.MultiHeadAttention(**kwargs)
    ours(*args, **call)
    theirs(*args, **call)
    rng = np.random.default_rng(seed)
    ws = [rng.standard_normal(w.shape).astype("float32") for w in theirs.get_weights()]
    theirs.set_weights(ws)
    ours.set_weights(ws)
    return ours, theirs


@pytest.mark.parametrize("kwargs", CONFIGS)
def test_weights_have_keras_shapes_order_and_count(kwargs):
    ours, theirs = _twins(kwargs, Q, V, key=K)
    assert [w.shape for w in ours.weights] == [tuple(w.shape) for w in theirs.weights]
    assert [w.path.split("/", 1)[1] for w in ours.weights] == [w.path.split("/", 1)[1] for w in theirs.weights]
    assert ours.count_params() == theirs.count_params()
    h, dk, dv = ours.num_heads, ours.key_dim, ours.value_dim
    assert ours.query_dense.kernel.shape == (6, h, dk) and ours.output_dense.kernel.shape[:2] == (h, dv)


@pytest.mark.parametrize("kwargs", CONFIGS)
@pytest.mark.parametrize("with_key", [False, True])
@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("masks", [{}, {"value_mask": V_MASK}, {"attention_mask": ATT_MASK}])
def test_outputs_and_scores_equal_keras(kwargs, with_key, causal, masks):
    extra = {"key": K} if with_key else {}
    if with_key and masks.get("value_mask") is not None:
        masks = {**masks, "key_mask": V_MASK}
    ours, theirs = _twins(kwargs, Q, V, **extra)
    o, s = ours(Q, V, **extra, **masks, use_causal_mask=causal, return_attention_scores=True)
    ko, ks = theirs(Q, V, **extra, **masks, use_causal_mask=causal, return_attention_scores=True)
    np.testing.assert_allclose(o, _np(ko), atol=2e-5)
    np.testing.assert_allclose(s, _np(ks), atol=1e-6)
    np.testing.assert_allclose(ours(Q, V, **extra, **masks, use_causal_mask=causal),
                               _np(theirs(Q, V, **extra, **masks, use_causal_mask=causal)), atol=2e-5)


def _functional(lib, causal):
    tokens = lib.Input((6,), dtype="int32")
    x = lib.layers.Embedding(9, 8, mask_zero=True)(tokens)
    y, s = lib.layers.MultiHeadAttention(num_heads=2, key_dim=4)(x, x, use_causal_mask=causal,
                                                                  return_attention_scores=True)
    return lib.Model(tokens, [lib.layers.Dense(3)(y), s])


@pytest.mark.parametrize("causal", [False, True])
def test_functional_model_with_propagated_padding_mask_equals_keras(causal):
    tokens = np.array([[3, 5, 2, 7, 0, 0], [4, 1, 8, 0, 0, 0]])
    ours, theirs = _functional(nbnet, causal), _functional(keras, causal)
    ours.set_weights(theirs.get_weights())
    for a, b in zip(ours.predict(tokens, verbose=0), theirs.predict(tokens, verbose=0)):
        np.testing.assert_allclose(a, b, atol=2e-5)


def _torch_twin(ours):
    """nn.MultiheadAttention with ``ours``'s weights (Keras kernels are (in, heads, dim))."""
    E = ours.query_dense.kernel.shape[0]
    mha = torch.nn.MultiheadAttention(E, ours.num_heads, batch_first=True, dtype=torch.float64)
    w = [v.value.astype("float64") for v in ours.weights]
    with torch.no_grad():
        mha.in_proj_weight.copy_(torch.tensor(np.concatenate([k.reshape(E, -1).T for k in w[0:6:2]])))
        mha.in_proj_bias.copy_(torch.tensor(np.concatenate([b.reshape(-1) for b in w[1:6:2]])))
        mha.out_proj.weight.copy_(torch.tensor(w[6].reshape(-1, E).T))
        mha.out_proj.bias.copy_(torch.tensor(w[7]))
    return mha


@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("padding", [False, True])
def test_outputs_and_input_gradients_equal_torch_multihead_attention(causal, padding):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((3, 5, 8))
    mask = np.array([[1, 1, 1, 1, 1], [1, 1, 1, 0, 0], [1, 1, 0, 0, 0]], bool) if padding else None
    ours = layers.MultiHeadAttention(num_heads=2, key_dim=4, dtype="float64")
    ours(x, x)
    theirs = _torch_twin(ours)
    R = rng.standard_normal((3, 5, 8))
    with nbnet.GradientTape() as tape:
        xt = tape.watch(nbnet.autograd.Tensor(x))
        y = ours(xt, xt, value_mask=mask, use_causal_mask=causal)
        loss = nbnet.ops.sum(nbnet.ops.multiply(y, R))
    dx = tape.gradient(loss, [xt])[0]
    tx = torch.tensor(x, requires_grad=True)
    causal_t = torch.triu(torch.ones(5, 5, dtype=torch.bool), 1) if causal else None
    pad_t = None if mask is None else torch.tensor(~mask)
    ty, _ = theirs(tx, tx, tx, key_padding_mask=pad_t, attn_mask=causal_t, need_weights=False)
    (ty * torch.tensor(R)).sum().backward()
    np.testing.assert_allclose(y.value, ty.detach().numpy(), atol=1e-10)
    np.testing.assert_allclose(dx, tx.grad.numpy(), atol=1e-10)


def test_attention_kernel_equals_torch_scaled_dot_product_attention():
    rng = np.random.default_rng(4)
    q, k, v = (rng.standard_normal((2, 3, n, 4)) for n in (5, 6, 6))
    mask = rng.random((2, 1, 5, 6)) > 0.3
    mask[..., 0] = True
    O, A, cache = kernels.sdpa_forward(q, k, v, mask, 0.5)
    dO = rng.standard_normal(O.shape)
    dq, dk, dv = kernels.sdpa_backward(dO, None, cache)
    tq, tk, tv = (torch.tensor(a, requires_grad=True) for a in (q, k, v))
    to = torch.nn.functional.scaled_dot_product_attention(tq, tk, tv, attn_mask=torch.tensor(mask), scale=0.5)
    (to * torch.tensor(dO)).sum().backward()
    np.testing.assert_allclose(O, to.detach().numpy(), atol=1e-12)
    for ours, theirs in zip((dq, dk, dv), (tq, tk, tv)):
        np.testing.assert_allclose(ours, theirs.grad.numpy(), atol=1e-12)


def _assert_ok_but_key_bias(report):
    """Every array passes; the key bias's gradient is zero (softmax ignores q·b_k, the same for all keys),
    so its relative error is noise over noise: check the absolute error instead."""
    for name, _, abs_err, rel in report.rows:
        assert rel <= report.tol or (name.endswith("key/bias") and abs_err < 1e-8), str(report)


@pytest.mark.parametrize("kwargs", CONFIGS)
def test_gradients(kwargs):
    _assert_ok_but_key_bias(check_gradients(layers.MultiHeadAttention(**kwargs), [Q, V, K]))


def test_gradients_self_attention_and_dropout_in_training():
    _assert_ok_but_key_bias(check_gradients(layers.MultiHeadAttention(2, 3, dropout=0.3, seed=1), [Q, Q],
                                            training=True))


class _Masked(layers.Layer):
    """MultiHeadAttention with padding and causal masks and returned scores in the loss."""

    def __init__(self, **kwargs):
        super().__init__()
        self.mha = layers.MultiHeadAttention(**kwargs)

    def call(self, inputs):
        y, s = self.mha(inputs[0], inputs[1], value_mask=V_MASK, attention_mask=ATT_MASK, use_causal_mask=True,
                        return_attention_scores=True)
        return nbnet.ops.add(y, nbnet.ops.sum(nbnet.ops.sum(s, axis=1), axis=-1, keepdims=True))


def test_gradients_with_masks_and_returned_scores():
    _assert_ok_but_key_bias(check_gradients(_Masked(num_heads=2, key_dim=3), [Q, V]))


def test_key_bias_gradient_is_exactly_zero():
    layer = layers.MultiHeadAttention(2, 3, dtype="float64")
    with nbnet.GradientTape() as tape:
        y = layer(Q.astype("float64"), V.astype("float64"))
        loss = nbnet.ops.sum(nbnet.ops.multiply(y, y))
    grads = tape.gradient(loss, layer.trainable_weights)
    assert np.abs(grads[3]).max() < 1e-12 and np.abs(grads[1]).max() > 1e-3


def test_causal_output_has_zero_gradient_from_later_inputs():
    x = RNG.standard_normal((1, 6, 4))
    layer = layers.MultiHeadAttention(2, 2, dtype="float64")
    for t in range(6):
        with nbnet.GradientTape() as tape:
            xt = tape.watch(nbnet.autograd.Tensor(x))
            y = layer(xt, xt, use_causal_mask=True)
            yt = nbnet.ops.sum(nbnet.ops.take_slice(y, (slice(None), t)))
        g = tape.gradient(yt, [xt])[0]
        assert np.all(g[:, t + 1:] == 0) and np.abs(g[:, :t + 1]).max() > 0


def test_rank4_inputs_default_axes_equal_keras():
    x = RNG.standard_normal((2, 3, 2, 5)).astype("float32")
    ours, theirs = _twins(dict(num_heads=2, key_dim=3), x, x)
    o, s = ours(x, x, return_attention_scores=True)
    ko, ks = theirs(x, x, return_attention_scores=True)
    assert s.shape == (2, 2, 3, 2, 3, 2)
    np.testing.assert_allclose(o, _np(ko), atol=2e-5)
    np.testing.assert_allclose(s, _np(ks), atol=1e-6)


def test_config_round_trip():
    layer = layers.MultiHeadAttention(3, 4, value_dim=2, dropout=0.1, use_bias=False, output_shape=7,
                                      kernel_initializer="he_normal", seed=5)
    layer(Q, V)
    config = layer.get_config()
    again = layers.MultiHeadAttention.from_config(config)
    again(Q, V)
    assert again.get_config() == config and again.count_params() == layer.count_params()
    keras_config = keras.layers.MultiHeadAttention(3, 4, value_dim=2, output_shape=7).get_config()
    assert set(config) <= set(keras_config) | {"input_shape"}


def test_errors_are_keras_like():
    with pytest.raises(ValueError, match="num_heads"):
        layers.MultiHeadAttention(0, 4)
    with pytest.raises(ValueError, match="key_dim"):
        layers.MultiHeadAttention(2, "4")
    with pytest.raises(NotImplementedError, match="attention_axes"):
        layers.MultiHeadAttention(2, 4, attention_axes=(2,))(np.zeros((1, 2, 3, 4)), np.zeros((1, 2, 3, 4)))
    with pytest.raises(ValueError, match="except the last one"):
        layers.MultiHeadAttention(2, 4)(Q, V, key=K[:, :3])
    with pytest.raises(TypeError, match="'value'"):
        layers.MultiHeadAttention(2, 4)(Q)


def test_functional_model_without_scores_equals_keras_fast_path():
    tokens = np.array([[3, 5, 2, 7, 0, 0], [4, 1, 8, 0, 0, 0]])

    def build(lib):
        t = lib.Input((6,), dtype="int32")
        x = lib.layers.Embedding(9, 8, mask_zero=True)(t)
        return lib.Model(t, lib.layers.MultiHeadAttention(num_heads=2, key_dim=4)(x, x, use_causal_mask=True))
    ours, theirs = build(nbnet), build(keras)
    ours.set_weights(theirs.get_weights())
    np.testing.assert_allclose(ours.predict(tokens, verbose=0), theirs.predict(tokens, verbose=0), atol=2e-5)


def test_a_small_transformer_classifier_trains_and_regularizers_count():
    nbnet.utils.set_random_seed(0)
    tokens = nbnet.Input((8,), dtype="int32")
    x = layers.Embedding(10, 16)(tokens)
    mha = layers.MultiHeadAttention(num_heads=2, key_dim=8, dropout=0.1, kernel_regularizer="l2")
    x = layers.LayerNormalization()(layers.Add()([x, mha(x, x)]))
    y = layers.Dense(2, activation="softmax")(layers.GlobalAveragePooling1D()(x))
    model = nbnet.Model(tokens, y)
    assert len(model.losses) == 4   # one L2 term per projection kernel
    data = np.random.default_rng(0).integers(0, 10, (256, 8))
    labels = (data == 3).any(axis=1).astype("int64")   # "does the sequence contain a 3?"
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(data, labels, epochs=15, batch_size=32, verbose=0)
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]
    assert history.history["accuracy"][-1] > 0.9
