"""``.keras`` and ``.weights.h5`` files with the attention layers, both ways with real Keras 3:
MultiHeadAttention (self-attention with a propagated padding mask and the causal mask; cross-attention
with a key and an attention_mask as graph inputs), Attention, AdditiveAttention, EinsumDense."""

import keras
import numpy as np
import pytest

import nbnet

RNG = np.random.default_rng(0)


def self_attention(K):
    L = K.layers
    tokens = K.Input((6,), dtype="int32")
    x = L.Embedding(9, 8, mask_zero=True)(tokens)
    y = L.MultiHeadAttention(num_heads=2, key_dim=4, name="mha")(x, x, use_causal_mask=True)
    # not [y, x]: Keras's MultiHeadAttention removes the mask from its inputs (x) as a side effect
    z = L.Attention(use_scale=True)([y, y])
    return K.Model(tokens, L.Dense(3)(z))   # (nbnet's Add, LayerNormalization, pooling take no mask yet)


def cross_attention(K):
    L = K.layers
    q, kv, m = K.Input((5, 8)), K.Input((7, 6)), K.Input((5, 7))
    key = L.Dense(6)(kv)
    y, s = L.MultiHeadAttention(num_heads=3, key_dim=2, value_dim=4, output_shape=(5,))(
        q, kv, key=key, attention_mask=m, return_attention_scores=True)
    a = L.AdditiveAttention()([q, kv, L.EinsumDense("abc,cd->abd", output_shape=(None, 8), bias_axes="d")(kv)])
    return K.Model([q, kv, m], [y, s, a])


BUILDERS = [self_attention, cross_attention]


def inputs_for(model):
    if len(model.inputs) == 1:
        x = RNG.integers(1, 9, (4, 6)).astype("int32")
        x[0, 4:] = 0
        x[1, 2:] = 0
        return x
    mask = (RNG.random((4, 5, 7)) > 0.3).astype("float32")
    mask[..., 0] = 1
    return [RNG.normal(size=(4, 5, 8)).astype("float32"), RNG.normal(size=(4, 7, 6)).astype("float32"), mask]


def predict(model, x):
    out = model.predict(x, verbose=0)
    return [np.asarray(o) for o in out] if isinstance(out, (list, tuple)) else [np.asarray(out)]


def assert_same(a, b):
    assert len(a) == len(b)
    for p, q in zip(a, b):
        np.testing.assert_allclose(p, q, atol=2e-5, rtol=1e-5)


def _randomize(model):
    for w in model.weights:   # biases too, so that every array really travels
        w.assign(RNG.normal(0, 0.5, w.shape).astype("float32"))


@pytest.mark.parametrize("build", BUILDERS, ids=lambda f: f.__name__)
def test_nbnet_keras_file_loads_in_keras(build, tmp_path):
    model = build(nbnet)
    _randomize(model)
    x = inputs_for(model)
    model.save(tmp_path / "m.keras")
    again = keras.saving.load_model(tmp_path / "m.keras")
    assert_same(predict(again, x), predict(model, x))


@pytest.mark.parametrize("build", BUILDERS, ids=lambda f: f.__name__)
def test_keras_file_loads_in_nbnet(build, tmp_path):
    model = build(keras)
    _randomize(model)
    x = inputs_for(model)
    model.save(tmp_path / "k.keras")
    again = nbnet.models.load_model(tmp_path / "k.keras")
    assert_same(predict(again, x), predict(model, x))
    assert again.count_params() == model.count_params()
    again.save(tmp_path / "back.keras")   # and back to Keras once more
    assert_same(predict(keras.saving.load_model(tmp_path / "back.keras"), x), predict(model, x))


@pytest.mark.parametrize("build", BUILDERS, ids=lambda f: f.__name__)
def test_weights_h5_both_ways(build, tmp_path):
    ours, theirs = build(nbnet), build(keras)
    _randomize(ours)
    x = inputs_for(ours)
    ours.save_weights(tmp_path / "n.weights.h5")
    theirs.load_weights(tmp_path / "n.weights.h5")
    assert_same(predict(theirs, x), predict(ours, x))
    _randomize(theirs)
    fresh = build(nbnet)
    theirs.save_weights(tmp_path / "k.weights.h5")
    fresh.load_weights(tmp_path / "k.weights.h5")
    assert_same(predict(fresh, x), predict(theirs, x))


def test_nbnet_own_format_round_trip(tmp_path):
    model = cross_attention(nbnet)
    _randomize(model)
    x = inputs_for(model)
    model.save(tmp_path / "m.nbnet")
    assert_same(predict(nbnet.models.load_model(tmp_path / "m.nbnet"), x), predict(model, x))
