"""Names Keras code needs, each checked against Keras 3 (on torch) on the same inputs."""

import keras
import numpy as np
import pytest

import nbnet
from nbnet import ops

RNG = np.random.default_rng(0)
A = RNG.integers(-2, 3, (3, 4)).astype("float32")
B = RNG.integers(-2, 3, (3, 4)).astype("float32")


# --- keras.ops comparisons and logic ---------------------------------------------------------
@pytest.mark.parametrize("name", ["not_equal", "equal", "greater", "greater_equal", "less", "less_equal",
                                  "logical_and", "logical_or", "logical_xor", "isclose"])
def test_binary_logic_ops_match_keras(name):
    ours = getattr(ops, name)(A, nbnet.Tensor(B))
    theirs = keras.ops.convert_to_numpy(getattr(keras.ops, name)(A, B))
    np.testing.assert_array_equal(ours, theirs)
    assert ours.dtype == np.bool_


@pytest.mark.parametrize("name", ["logical_not", "isnan", "isinf", "isfinite"])
def test_unary_logic_ops_match_keras(name):
    x = np.array([0.0, 1.0, np.nan, np.inf, -np.inf], "float32")
    np.testing.assert_array_equal(getattr(ops, name)(x), keras.ops.convert_to_numpy(getattr(keras.ops, name)(x)))


@pytest.mark.parametrize("name, kwargs", [("all", {}), ("any", {"axis": 1}), ("all", {"axis": 0, "keepdims": True}),
                                          ("count_nonzero", {"axis": 1})])
def test_reductions_of_truth_match_keras(name, kwargs):
    np.testing.assert_array_equal(getattr(ops, name)(A, **kwargs),
                                  keras.ops.convert_to_numpy(getattr(keras.ops, name)(A, **kwargs)))


@pytest.mark.parametrize("axis", [-1, 0, 1])
def test_one_hot_matches_keras(axis):
    labels = np.array([[0, 2], [1, -1]])
    ours = ops.one_hot(labels, 3, axis=axis)
    theirs = keras.ops.convert_to_numpy(keras.ops.one_hot(labels, 3, axis=axis))
    np.testing.assert_array_equal(ours, theirs)
    assert ours.dtype == np.float32
    with pytest.raises(TypeError, match="integer labels, got dtype float32"):
        ops.one_hot(A, 3)


# --- regularizers as functions, KLDivergence, pad_sequences -----------------------------------
def test_lower_case_regularizers_are_keras_callables():
    w = RNG.normal(size=(3, 2)).astype("float32")
    for name, kwargs in [("l1", {"l1": 0.1}), ("l2", {"l2": 0.2}), ("l1_l2", {"l1": 0.1, "l2": 0.3})]:
        ours = float(getattr(nbnet.regularizers, name)(**kwargs)(w))
        theirs = float(keras.ops.convert_to_numpy(getattr(keras.regularizers, name)(**kwargs)(w)))
        assert ours == pytest.approx(theirs, rel=1e-5)


def test_kl_divergence_matches_keras_and_has_the_right_gradient():
    y = RNG.dirichlet(np.ones(4), 6).astype("float32")
    p = RNG.dirichlet(np.ones(4), 6).astype("float32")
    p[0, 0] = 0.0                                     # clipped to ε, as Keras does
    ours = nbnet.losses.KLDivergence()(y, p)
    theirs = keras.ops.convert_to_numpy(keras.losses.KLDivergence()(y, p))
    assert float(ours) == pytest.approx(float(theirs), rel=1e-5)
    np.testing.assert_allclose(nbnet.losses.kl_divergence(y, p),
                               keras.ops.convert_to_numpy(keras.losses.kl_divergence(y, p)), rtol=1e-5)
    assert isinstance(nbnet.losses.get("kld"), nbnet.losses.KLDivergence)
    nbnet.testing.check_gradients(nbnet.losses.KLDivergence(), RNG.dirichlet(np.ones(3), 4) * 0.9 + 0.03,
                                  y=RNG.dirichlet(np.ones(3), 4))


@pytest.mark.parametrize("kwargs", [{}, {"maxlen": 2}, {"padding": "post"}, {"truncating": "post", "maxlen": 2},
                                    {"value": -1, "maxlen": 5, "dtype": "float32"}])
def test_pad_sequences_matches_keras(kwargs):
    seqs = [[1, 2, 3], [4], [], [5, 6]]
    np.testing.assert_array_equal(nbnet.utils.pad_sequences(seqs, **kwargs),
                                  keras.utils.pad_sequences(seqs, **kwargs))


def test_pad_sequences_of_vectors_and_bad_arguments():
    out = nbnet.utils.pad_sequences([np.ones((2, 3)), np.ones((1, 3))], dtype="float32")
    assert out.shape == (2, 2, 3) and out[1, 0].sum() == 0
    with pytest.raises(ValueError, match='padding must be "pre" or "post", got \'middle\''):
        nbnet.utils.pad_sequences([[1]], padding="middle")


# --- eager calls return arrays with .numpy() ----------------------------------------------------
def test_calling_a_layer_or_model_eagerly_gives_numpy_arrays_with_numpy():
    model = nbnet.Sequential([nbnet.Input((3,)), nbnet.layers.Dense(2, activation="softmax")])
    x = RNG.normal(size=(4, 3)).astype("float32")
    out = model(x)
    assert isinstance(out, np.ndarray) and type(out.numpy()) is np.ndarray
    np.testing.assert_array_equal(out.numpy(), model.predict(x, verbose=0))
    assert repr(out) == repr(out.numpy()) and str(out) == str(out.numpy())   # prints as a plain array
    assert type(nbnet.layers.Dense(2)(x).numpy()) is np.ndarray
    pair = nbnet.layers.LSTM(2, return_state=True)(x[:, None, :])
    assert all(type(p.numpy()) is np.ndarray for p in pair)
    with nbnet.GradientTape():
        assert isinstance(model(x), nbnet.Tensor) and type(model(x).numpy()) is np.ndarray
