"""Attention and AdditiveAttention: Keras 3 parity (outputs, scores, masks), gradients, config."""

import keras
import numpy as np
import pytest

import nbnet
from nbnet import layers
from nbnet.testing import check_gradients

Q_MASK = np.array([[1, 1, 1, 0], [1, 1, 0, 0]], bool)
V_MASK = np.array([[1, 1, 1, 1, 0], [1, 1, 1, 0, 0]], bool)
CASES = [(layers.Attention, keras.layers.Attention, {}),
         (layers.Attention, keras.layers.Attention, {"use_scale": True}),
         (layers.Attention, keras.layers.Attention, {"score_mode": "concat"}),
         (layers.Attention, keras.layers.Attention, {"score_mode": "concat", "use_scale": True}),
         (layers.AdditiveAttention, keras.layers.AdditiveAttention, {}),
         (layers.AdditiveAttention, keras.layers.AdditiveAttention, {"use_scale": False})]


def _qvk(seed=0, dtype="float32"):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(s).astype(dtype) for s in [(2, 4, 3), (2, 5, 3), (2, 5, 3)]]


def _twins(cls, kcls, kwargs, inputs, seed=1):
    """An nbnet layer and a Keras layer with the same random (non-trivial) weights."""
    ours, theirs = cls(**kwargs), kcls(**kwargs)
    ours(inputs)
    theirs(inputs)
    rng = np.random.default_rng(seed)
    ws = [rng.uniform(0.5, 1.5, w.shape).astype("float32") for w in theirs.get_weights()]
    theirs.set_weights(ws)
    ours.set_weights(ws)
    return ours, theirs


@pytest.mark.parametrize("cls,kcls,kwargs", CASES)
@pytest.mark.parametrize("n_inputs", [2, 3])
@pytest.mark.parametrize("causal", [False, True])
def test_outputs_and_scores_equal_keras_with_masks(cls, kcls, kwargs, n_inputs, causal):
    inputs = _qvk()[:n_inputs]
    ours, theirs = _twins(cls, kcls, kwargs, inputs)
    assert [w.name for w in ours.weights] == [w.name for w in theirs.weights]
    for mask in (None, [Q_MASK, V_MASK]):
        o, s = ours(inputs, mask=mask, return_attention_scores=True, use_causal_mask=causal)
        ko, ks = theirs(inputs, mask=mask, return_attention_scores=True, use_causal_mask=causal)
        np.testing.assert_allclose(o, keras.ops.convert_to_numpy(ko), atol=1e-5)
        np.testing.assert_allclose(s, keras.ops.convert_to_numpy(ks), atol=1e-6)
    assert ours(inputs).shape == (2, 4, 3)


@pytest.mark.parametrize("cls,kcls,kwargs", CASES)
@pytest.mark.parametrize("n_inputs", [2, 3])
def test_gradients(cls, kcls, kwargs, n_inputs):
    check_gradients(cls(**kwargs), _qvk(seed=2)[:n_inputs]).assert_ok()


@pytest.mark.parametrize("cls", [layers.Attention, layers.AdditiveAttention])
def test_gradients_with_dropout_in_training(cls):
    check_gradients(cls(dropout=0.3, seed=3), _qvk(seed=4)[:2], training=True).assert_ok()


class _MaskedCausal(layers.Layer):
    """Runs the layer with masks, the causal mask and returned scores (check_gradients passes none)."""

    def __init__(self, inner, **kwargs):
        super().__init__(**kwargs)
        self.inner = inner

    def call(self, inputs):
        o, s = self.inner(inputs, mask=[Q_MASK, V_MASK], return_attention_scores=True, use_causal_mask=True)
        return nbnet.ops.add(o, nbnet.ops.sum(s, axis=-1, keepdims=True))


@pytest.mark.parametrize("cls,kcls,kwargs", CASES[::2])
def test_gradients_with_masks_causal_and_returned_scores(cls, kcls, kwargs):
    check_gradients(_MaskedCausal(cls(**kwargs)), _qvk(seed=5)[:3]).assert_ok()


def test_dropout_drops_weights_in_training_only():
    q, v, _ = _qvk()
    layer = layers.Attention(dropout=0.5, seed=0)
    _, s_train = layer([q, v], training=True, return_attention_scores=True)
    _, s_test = layer([q, v], return_attention_scores=True)
    assert (s_train == 0).any() and not (s_test == 0).any()
    np.testing.assert_allclose(s_test.sum(-1), 1.0, rtol=1e-6)


def test_causal_output_ignores_later_values():
    q, v, _ = _qvk()
    layer = layers.Attention()
    v2 = v.copy()
    v2[:, 3:] += 10.0
    a = layer([q, v], use_causal_mask=True)
    b = layer([q, v2], use_causal_mask=True)
    np.testing.assert_allclose(a[:, :3], b[:, :3], atol=1e-6)
    assert not np.allclose(a[:, 3], b[:, 3])


def test_functional_model_with_padding_mask_matches_keras():
    tokens = np.array([[3, 5, 2, 0, 0], [4, 1, 0, 0, 0]])

    def build(lib):
        x = lib.Input((5,))
        e = lib.layers.Embedding(7, 4, mask_zero=True)(x)
        o, s = lib.layers.Attention(use_scale=True)([e, e], return_attention_scores=True, use_causal_mask=True)
        return lib.Model(x, [o, s])
    ours, theirs = build(nbnet), build(keras)
    ours.set_weights(theirs.get_weights())
    for a, b in zip(ours.predict(tokens, verbose=0), theirs.predict(tokens, verbose=0)):
        np.testing.assert_allclose(a, b, atol=1e-6)
    again = nbnet.Model.from_config(ours.get_config())
    again.set_weights(ours.get_weights())
    np.testing.assert_allclose(again.predict(tokens, verbose=0)[1], ours.predict(tokens, verbose=0)[1])


@pytest.mark.parametrize("cls,kwargs", [(layers.Attention, {"use_scale": True, "score_mode": "concat",
                                                             "dropout": 0.1, "seed": 2}),
                                        (layers.AdditiveAttention, {"use_scale": False, "dropout": 0.2})])
def test_config_round_trip_and_count_params(cls, kwargs):
    layer = cls(**kwargs)
    layer(_qvk()[:2])
    config = layer.get_config()
    for k, v in kwargs.items():
        assert config[k] == v
    again = cls.from_config(config)
    again(_qvk()[:2])
    assert again.count_params() == layer.count_params() == (2 if cls is layers.Attention else 0)


def test_bad_inputs_have_keras_messages():
    q, v, _ = _qvk()
    with pytest.raises(ValueError, match="must be called on a list of inputs"):
        layers.Attention()(q)
    with pytest.raises(ValueError, match="inputs list of length 2 or 3"):
        layers.Attention()([q])
    with pytest.raises(ValueError, match="score_mode"):
        layers.Attention(score_mode="bilinear")
    with pytest.raises(ValueError, match="mask must be a list"):
        layers.Attention()([q, v], mask=Q_MASK)
