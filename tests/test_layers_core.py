"""Core layers (Dense, Activation, Dropout, Flatten, Reshape): the layer harness, behaviour, and
agreement with Keras 3's own layers."""

import keras
import numpy as np
import pytest

import nbnet
from nbnet import layers
from nbnet.testing import check_gradients, run_layer_test

RNG = np.random.default_rng(0)


# --- Dense ---------------------------------------------------------------------------------
@pytest.mark.parametrize("kwargs, input_shape, output_shape, n_weights, n_params", [
    ({"units": 3}, (2, 4), (2, 3), 2, 15),
    ({"units": 4, "activation": "relu"}, (5, 3), (5, 4), 2, 16),
    ({"units": 2, "activation": "softmax"}, (3, 6), (3, 2), 2, 14),
    ({"units": 2, "activation": "tanh"}, (2, 5, 3), (2, 5, 2), 2, 8),            # 3-D input
    ({"units": 3, "use_bias": False}, (4, 2), (4, 3), 1, 6),
    ({"units": 3, "kernel_regularizer": "l2", "bias_regularizer": "l1",
      "bias_initializer": "ones"}, (4, 2), (4, 3), 2, 9),
    ({"units": 3, "kernel_initializer": "he_normal", "activation": "elu"}, (4, 2), (4, 3), 2, 9),
])
def test_dense_layer_harness(kwargs, input_shape, output_shape, n_weights, n_params):
    run_layer_test(layers.Dense, kwargs, input_shape, expected_output_shape=output_shape,
                   expected_num_trainable_weights=n_weights, expected_num_non_trainable_weights=0,
                   expected_num_params=n_params)


def test_dense_regularizers_enter_the_loss_and_its_gradient():
    model = nbnet.Sequential([nbnet.Input((3,)), layers.Dense(4, kernel_regularizer="l2",
                                                              bias_regularizer="l1",
                                                              bias_initializer="ones")])
    model.compile(loss="mse")
    x, y = RNG.standard_normal((5, 3)), RNG.standard_normal((5, 4))
    kernel = model.layers[0].kernel.value
    penalty = 0.01 * (kernel.astype(np.float64) ** 2).sum() + 0.01 * 4
    np.testing.assert_allclose(sum(float(np.asarray(p)) for p in model.losses), penalty, rtol=1e-5)
    plain = float(nbnet.losses.MeanSquaredError()(y, model.predict(x, verbose=0)))
    np.testing.assert_allclose(model.evaluate(x, y, verbose=0), plain + penalty, rtol=1e-5)
    check_gradients(model, x, y).assert_ok()


def test_dense_input_errors_name_the_layer():
    dense = layers.Dense(3, name="d")
    dense(np.zeros((2, 4), "float32"))
    with pytest.raises(ValueError, match=r'"d".*4.*5|d.*axis -1.*4.*5'):
        dense(np.zeros((2, 5), "float32"))
    with pytest.raises(ValueError, match="units"):
        layers.Dense(0)
    with pytest.raises(ValueError, match=r'"dense_1".*expected min_ndim=2, found ndim=1'):
        layers.Dense(3)(np.zeros(4, "float32"))


def _keras_dense(kwargs, n_in):
    layer = keras.layers.Dense(**kwargs)
    layer.build((None, n_in))
    return layer


@pytest.mark.parametrize("kwargs", [{"units": 3}, {"units": 2, "use_bias": False},
                                    {"units": 4, "activation": "relu"},
                                    {"units": 3, "activation": "softmax"},
                                    {"units": 3, "activation": "gelu"}])
def test_dense_matches_keras(kwargs):
    x = RNG.standard_normal((5, 4)).astype("float32")
    theirs = _keras_dense(kwargs, 4)
    ours = layers.Dense(**kwargs)
    ours(x)
    assert [w.name for w in ours.weights] == [w.name for w in theirs.weights]
    assert [tuple(w.shape) for w in ours.weights] == [tuple(w.shape) for w in theirs.weights]
    assert ours.count_params() == theirs.count_params()
    assert set(ours.get_config()) <= set(theirs.get_config())
    ours.set_weights(theirs.get_weights())                     # Keras → nbnet
    np.testing.assert_allclose(ours(x), keras.ops.convert_to_numpy(theirs(x)), rtol=1e-5, atol=1e-6)
    ours.set_weights([RNG.standard_normal(w.shape) for w in ours.weights])
    theirs.set_weights(ours.get_weights())                     # nbnet → Keras
    np.testing.assert_allclose(ours(x), keras.ops.convert_to_numpy(theirs(x)), rtol=1e-5, atol=1e-6)


def test_dense_3d_input_matches_keras():
    x = RNG.standard_normal((2, 5, 4)).astype("float32")
    theirs, ours = _keras_dense({"units": 3}, 4), layers.Dense(3)
    ours(x)
    ours.set_weights(theirs.get_weights())
    np.testing.assert_allclose(ours(x), keras.ops.convert_to_numpy(theirs(x)), rtol=1e-5, atol=1e-6)


def test_dense_defaults_match_keras():
    theirs = keras.layers.Dense(3).get_config()
    ours = layers.Dense(3).get_config()
    for key in ("units", "activation", "use_bias", "kernel_regularizer", "bias_regularizer"):
        assert ours[key] == theirs[key], key
    assert ours["kernel_initializer"]["class_name"] == theirs["kernel_initializer"]["class_name"]
    assert ours["bias_initializer"]["class_name"] == theirs["bias_initializer"]["class_name"]


# --- Activation ----------------------------------------------------------------------------
@pytest.mark.parametrize("activation", ["relu", "tanh", "softmax", "sigmoid", "gelu", "leaky_relu"])
def test_activation_layer_harness(activation):
    run_layer_test(layers.Activation, {"activation": activation}, (3, 4), expected_output_shape=(3, 4),
                   expected_num_trainable_weights=0, expected_num_params=0)


def test_activation_layer_matches_keras():
    x = RNG.standard_normal((3, 5)).astype("float32")
    for name in ("relu", "elu", "softplus", "softmax"):
        theirs = keras.ops.convert_to_numpy(keras.layers.Activation(name)(x))
        np.testing.assert_allclose(layers.Activation(name)(x), theirs, rtol=1e-5, atol=1e-6)


# --- Dropout -------------------------------------------------------------------------------
def test_dropout_layer_harness():
    run_layer_test(layers.Dropout, {"rate": 0.5}, (4, 6), expected_output_shape=(4, 6),
                   expected_num_params=0)
    check_gradients(layers.Dropout(0.3), RNG.standard_normal((5, 4)), training=True).assert_ok()


def test_dropout_is_identity_at_inference():
    x = RNG.standard_normal((20, 10)).astype("float32")
    np.testing.assert_array_equal(layers.Dropout(0.5)(x), x)
    np.testing.assert_array_equal(layers.Dropout(0.5)(x, training=False), x)


def test_dropout_training_drops_and_rescales():
    x = np.ones((400, 50), "float32")
    rate = 0.3
    y = layers.Dropout(rate)(x, training=True)
    kept = y != 0
    assert abs(1 - kept.mean() - rate) < 0.01                 # about `rate` of the units are zeroed
    np.testing.assert_allclose(y[kept], 1 / (1 - rate), rtol=1e-6)   # survivors scaled by 1/(1 − rate)
    assert abs(y.mean() - 1.0) < 0.02                          # the expectation is unchanged
    assert y.dtype == np.float32


def test_dropout_seed_determinism():
    x = RNG.standard_normal((8, 16)).astype("float32")
    a, b = layers.Dropout(0.5, seed=3), layers.Dropout(0.5, seed=3)
    np.testing.assert_array_equal(a(x, training=True), b(x, training=True))
    assert not np.array_equal(a(x, training=True), layers.Dropout(0.5, seed=4)(x, training=True))
    nbnet.utils.set_random_seed(11)
    first = layers.Dropout(0.5)(x, training=True)
    nbnet.utils.set_random_seed(11)
    np.testing.assert_array_equal(layers.Dropout(0.5)(x, training=True), first)


def test_dropout_noise_shape_and_errors():
    x = np.ones((4, 3, 5), "float32")
    y = layers.Dropout(0.5, noise_shape=(None, 1, 5), seed=0)(x, training=True)
    assert np.all(y == y[:, :1, :])                            # one mask shared along axis 1
    with pytest.raises(ValueError, match=r"rate.*\[0, 1\)"):
        layers.Dropout(1.0)


def test_dropout_in_fit_and_predict():
    model = nbnet.Sequential([nbnet.Input((4,)), layers.Dense(8), layers.Dropout(0.5), layers.Dense(1)])
    model.compile(loss="mse")
    x = RNG.standard_normal((16, 4)).astype("float32")
    np.testing.assert_array_equal(model.predict(x, verbose=0), model.predict(x, verbose=0))


# --- Flatten and Reshape -------------------------------------------------------------------
def test_flatten_layer_harness():
    run_layer_test(layers.Flatten, {}, (2, 3, 4), expected_output_shape=(2, 12), expected_num_params=0)
    run_layer_test(layers.Flatten, {}, (3, 5), expected_output_shape=(3, 5))


@pytest.mark.parametrize("target, input_shape, output_shape", [
    ((4, 3), (2, 3, 4), (2, 4, 3)),
    ((-1, 2), (2, 3, 4), (2, 6, 2)),
    ((2, -1, 3), (5, 12), (5, 2, 2, 3)),
    ((12,), (2, 3, 4), (2, 12)),
])
def test_reshape_layer_harness_and_keras(target, input_shape, output_shape):
    run_layer_test(layers.Reshape, {"target_shape": target}, input_shape, expected_output_shape=output_shape)
    x = RNG.standard_normal(input_shape).astype("float32")
    theirs = keras.ops.convert_to_numpy(keras.layers.Reshape(target)(x))
    np.testing.assert_array_equal(layers.Reshape(target)(x), theirs)
    symbolic = layers.Reshape(target).compute_output_shape((None,) + input_shape[1:])
    assert symbolic == (None,) + output_shape[1:]


def test_reshape_incompatible_target():
    with pytest.raises(ValueError, match=r'"bad".*\(None, 3, 4\).*12.*\(5,\)'):
        layers.Reshape((5,), name="bad")(np.zeros((2, 3, 4), "float32"))
    with pytest.raises(ValueError, match="target_shape"):
        nbnet.Sequential([nbnet.Input((3, 4)), layers.Reshape((7,))])


def test_flatten_matches_keras():
    x = RNG.standard_normal((2, 3, 4, 5)).astype("float32")
    np.testing.assert_array_equal(layers.Flatten()(x), keras.ops.convert_to_numpy(keras.layers.Flatten()(x)))
