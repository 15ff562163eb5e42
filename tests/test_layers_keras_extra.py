"""RepeatVector, Rescaling and Normalization (with adapt): the layer contract, and Keras's numbers."""

import keras
import numpy as np
import pytest

import nbnet
from nbnet import layers
from nbnet.testing import run_layer_test

RNG = np.random.default_rng(0)


def keras_out(layer, x):
    return keras.ops.convert_to_numpy(layer(x))


@pytest.mark.parametrize("cls, kwargs, shape", [
    ("RepeatVector", {"n": 3}, (2, 4)),
    ("Rescaling", {"scale": 1 / 255, "offset": -0.5}, (2, 3, 3, 2)),
    ("Normalization", {"mean": [1.0, 2.0, 3.0], "variance": [4.0, 1.0, 0.25]}, (4, 3)),
    ("Normalization", {"mean": 2.0, "variance": 9.0, "invert": True}, (4, 2, 3)),
])
def test_contract_and_keras_parity(cls, kwargs, shape):
    layer = run_layer_test(getattr(layers, cls), kwargs, shape, expected_num_trainable_weights=0)
    x = RNG.normal(size=shape).astype("float32")
    ours = getattr(layers, cls)(**kwargs)(x)
    np.testing.assert_allclose(ours, keras_out(getattr(keras.layers, cls)(**kwargs), x), rtol=1e-6, atol=1e-6)
    assert layer.get_config()["name"]


@pytest.mark.parametrize("axis, shape", [(-1, (50, 3)), (None, (50, 3)), ((1, 2), (20, 2, 3)), (1, (20, 2, 3))])
def test_normalization_adapt_matches_keras(axis, shape):
    data = (RNG.normal(size=shape) * 3 + 1).astype("float32")
    ours, theirs = layers.Normalization(axis=axis), keras.layers.Normalization(axis=axis)
    ours.adapt(data)
    theirs.adapt(data)
    assert [w.shape for w in ours.get_weights()] == [tuple(w.shape) for w in theirs.get_weights()]
    for a, b in zip(ours.get_weights()[:2], theirs.get_weights()[:2]):   # mean, variance
        np.testing.assert_allclose(a, keras.ops.convert_to_numpy(b), rtol=1e-5, atol=1e-6)
    assert ours.get_weights()[2] == data.size // max(ours.adapt_mean.value.size, 1)   # Keras leaves 0
    np.testing.assert_allclose(ours(data), keras_out(theirs, data), rtol=1e-4, atol=1e-5)


def test_normalization_adapt_in_batches_equals_adapt_at_once():
    data = RNG.normal(size=(103, 4)).astype("float32") * 2 + 5
    whole, batched = layers.Normalization(), layers.Normalization()
    whole.adapt(data)
    batched.adapt(data[i:i + 10] for i in range(0, 103, 10))
    for a, b in zip(whole.get_weights(), batched.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5)
    out = whole(data)
    np.testing.assert_allclose(out.mean(0), 0, atol=1e-5)
    np.testing.assert_allclose(out.std(0), 1, atol=1e-4)


def test_normalization_in_a_model_trains_and_saves(tmp_path):
    x = RNG.normal(size=(64, 3)).astype("float32") * 10 + 50
    y = (x[:, :1] - 50) / 10
    norm = layers.Normalization()
    norm.adapt(x)
    model = nbnet.Sequential([nbnet.Input((3,)), norm, layers.Dense(1)])
    model.compile(nbnet.optimizers.SGD(0.1), "mse")
    history = model.fit(x, y, epochs=20, verbose=0)
    assert history.history["loss"][-1] < 0.01
    model.save(tmp_path / "m.keras")
    again = nbnet.models.load_model(tmp_path / "m.keras")
    np.testing.assert_array_equal(again.predict(x, verbose=0), model.predict(x, verbose=0))


def test_bad_arguments():
    with pytest.raises(ValueError, match="give both `mean` and `variance`"):
        layers.Normalization(mean=1.0)
    with pytest.raises(ValueError, match="RepeatVector: `n` must be a positive integer, got 0"):
        layers.RepeatVector(0)
    with pytest.raises(ValueError, match="adapt: received no data"):
        layers.Normalization().adapt([])
