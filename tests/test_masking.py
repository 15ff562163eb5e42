"""Embedding, Masking, and how a mask travels through Sequential and functional models."""

import keras
import numpy as np
import pytest

import nbnet
from nbnet import layers as L
from nbnet import ops
from nbnet.autograd import GradientTape, Tensor

IDS = np.array([[0, 0, 3, 4, 5, 0], [1, 2, 3, 4, 5, 6], [7, 0, 2, 0, 0, 0]])


def test_embedding_lookup_mask_and_scatter_add_gradient():
    emb = L.Embedding(8, 3, mask_zero=True)
    out = emb(IDS.astype("float32"))             # float ids are cast to int
    np.testing.assert_array_equal(out, emb.embeddings.value[IDS])
    np.testing.assert_array_equal(emb.compute_mask(IDS), IDS != 0)
    g = np.random.default_rng(0).standard_normal((3, 6, 3)).astype("float32")
    with GradientTape() as tape:
        y = emb(Tensor(IDS))
        loss = ops.sum(y * g)
    (dE,) = tape.gradient(loss, [emb.embeddings])
    expected = np.zeros((8, 3), "float32")
    for idx, row in zip(IDS.reshape(-1), g.reshape(-1, 3)):
        expected[idx] += row                      # id 0 appears 7 times: its rows add up
    np.testing.assert_allclose(dE, expected, rtol=1e-6)
    with pytest.raises(ValueError, match=r"\[0, 8\)"):
        emb(np.array([[1, 8]]))


def test_masking_layer_matches_keras_and_zeroes_steps():
    x = np.random.default_rng(1).standard_normal((3, 5, 2)).astype("float32")
    x[0, :2] = 0.0
    x[2, 3:] = 0.0
    masking = L.Masking(0.0)
    np.testing.assert_array_equal(masking.compute_mask(x), [[0, 0, 1, 1, 1], [1] * 5, [1, 1, 1, 0, 0]])

    def build(lib, layers):
        return lib.Sequential([lib.Input((5, 2)), layers.Masking(), layers.LSTM(4, return_sequences=True)])
    ours, theirs = build(nbnet, L), build(keras, keras.layers)
    ours.set_weights([keras.ops.convert_to_numpy(w) for w in theirs.weights])
    np.testing.assert_allclose(ours.predict(x, verbose=0), keras.ops.convert_to_numpy(theirs(x)), atol=1e-5)


def test_mask_reaching_a_non_supporting_layer_raises():
    model = nbnet.Sequential([nbnet.Input((6,)), L.Embedding(8, 3, mask_zero=True), L.Flatten(),
                              L.Dense(1)])
    with pytest.raises(TypeError, match="'flatten' .*does not support masking"):
        model.predict(IDS, verbose=0)
    x = nbnet.Input((6,))
    y = L.Reshape((18,))(L.Embedding(8, 3, mask_zero=True)(x))
    with pytest.raises(TypeError, match="does not support masking, but was passed an input_mask"):
        nbnet.Model(x, y).predict(IDS, verbose=0)


def test_mask_stops_after_last_step_output_and_passes_through_dense():
    model = nbnet.Sequential([nbnet.Input((6,)), L.Embedding(8, 3, mask_zero=True),
                              L.Dense(4), L.LSTM(2), L.Flatten()])   # LSTM(return_sequences=False) ends it
    assert model.predict(IDS, verbose=0).shape == (3, 2)


def test_masked_steps_are_skipped_in_sequential_and_functional():
    """Left padding with zeros must not change the result: masked steps carry the state."""
    model = nbnet.Sequential([nbnet.Input((None,)), L.Embedding(8, 3, mask_zero=True), L.GRU(4)])
    short = model.predict(np.array([[3, 4, 5]]), verbose=0)
    padded = model.predict(np.array([[0, 0, 3, 4, 5, 0]]), verbose=0)
    np.testing.assert_allclose(short, padded, atol=1e-6)
    x = nbnet.Input((None,))
    h, state = L.SimpleRNN(4, return_state=True)(L.Embedding(8, 3, mask_zero=True)(x))
    fmodel = nbnet.Model(x, [h, state])
    a = fmodel.predict(np.array([[3, 4, 5]]), verbose=0)
    b = fmodel.predict(np.array([[0, 3, 0, 4, 5, 0]]), verbose=0)
    for u, v in zip(a, b):
        np.testing.assert_allclose(u, v, atol=1e-6)


def test_masked_model_trains_and_saves(tmp_path):
    rng = np.random.default_rng(2)
    ids = rng.integers(1, 8, (32, 6)) * (rng.random((32, 6)) > 0.3)
    y = (ids == 3).any(axis=1).astype("float32")[:, None]
    model = nbnet.Sequential([nbnet.Input((6,)), L.Embedding(8, 4, mask_zero=True),
                              L.Bidirectional(L.LSTM(4)), L.Dense(1, activation="sigmoid")])
    model.compile(nbnet.optimizers.Adam(0.05), "binary_crossentropy")
    before = model.evaluate(ids, y, verbose=0)
    model.fit(ids, y, epochs=20, batch_size=8, verbose=0)
    assert model.evaluate(ids, y, verbose=0) < 0.5 * before
    model.save(tmp_path / "m.keras")
    loaded = nbnet.models.load_model(tmp_path / "m.keras")
    np.testing.assert_allclose(loaded.predict(ids, verbose=0), model.predict(ids, verbose=0), atol=1e-6)
