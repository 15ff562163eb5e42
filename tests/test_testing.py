"""Tests of nbnet.testing itself: the checks must pass on correct code and fail on wrong code."""

import numpy as np
import pytest

import nbnet
from nbnet import layers, testing


def _x(shape=(4, 3), seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


class _WrongBackwardDense(layers.Dense):
    """Dense whose backward forgets the bias gradient's sum and doubles dL/dW."""

    def backward(self, g, cache, need_input_grad=True):
        dx, (dW, db) = super().backward(g, cache, need_input_grad)
        return dx, [2 * dW, db]


class _WrongCallLayer(layers.Layer):
    """Differentiated by autograd, but with a non-differentiable step (stop_gradient)."""

    def call(self, x):
        return nbnet.ops.multiply(nbnet.ops.stop_gradient(x), x)


class _BadShapeLayer(layers.Layer):
    """Its compute_output_shape disagrees with what call returns."""

    def call(self, x):
        return nbnet.ops.multiply(x, 2.0)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape) + (1,)


def test_report_passes_for_correct_dense():
    report = testing.check_gradients(layers.Dense(5, activation="tanh"), _x())
    assert report.ok and report.max_rel_error < 1e-8
    names = [row[0] for row in report.rows]
    assert names == ["x", "dense/kernel", "dense/bias"]
    assert [row[1] for row in report.rows] == [(4, 3), (3, 5), (5,)]
    report.assert_ok()


def test_report_fails_for_wrong_backward_and_shows_table():
    report = testing.check_gradients(_WrongBackwardDense(4, name="bad"), _x())
    assert not report.ok
    rows = {row[0]: row for row in report.rows}
    assert rows["x"][3] < 1e-8                           # dL/dx was right
    assert rows["bad/kernel"][3] > 0.1  # dL/dW was doubled
    with pytest.raises(AssertionError, match="exceeds tol"):
        report.assert_ok()
    text = str(report)
    assert "max abs err" in text and "bad/kernel" in text


def test_report_fails_for_wrong_autograd_call():
    report = testing.check_gradients(_WrongCallLayer(), _x())
    assert not report.ok and report.max_rel_error > 0.1


def test_weights_converted_to_float64_in_place():
    layer = layers.Dense(3)
    layer(_x().astype("float32"))
    assert layer.kernel.dtype == np.float32
    testing.check_gradients(layer, _x())
    assert layer.kernel.dtype == np.float64 and layer.bias.dtype == np.float64


def test_large_arrays_are_checked_on_a_subset():
    report = testing.check_gradients(layers.Dense(300), _x((2, 20)))
    assert report.ok
    assert report.rows[1][1] == (20, 300)       # 6000 elements, checked on a random subset


def test_training_mode_reseeds_dropout():
    for layer in (layers.Dropout(0.5), layers.Dropout(0.5, seed=7)):
        report = testing.check_gradients(layer, _x((6, 5)), training=True)
        assert report.ok, str(report)


def test_loss_and_model_targets():
    y = np.eye(4)[[0, 1, 3]]
    p = np.random.default_rng(1).random((3, 4)) + 0.1
    assert testing.check_gradients(nbnet.losses.CategoricalCrossentropy(), p, y).ok
    assert testing.check_gradients("mse", p, y).ok
    model = nbnet.Sequential([nbnet.Input((3,)), layers.Dense(4, activation="relu"),
                              layers.Dense(4, activation="softmax")])
    model.compile(loss="categorical_crossentropy")
    report = testing.check_gradients(model, _x((3, 3)), y)
    assert report.ok and len(report.rows) == 4   # weights only for a compiled model


def test_run_layer_test_passes_and_checks_counts():
    layer = testing.run_layer_test(layers.Dense, {"units": 3}, (2, 4), expected_output_shape=(2, 3),
                                   expected_num_trainable_weights=2, expected_num_params=15)
    assert layer.built
    with pytest.raises(AssertionError, match="parameters"):
        testing.run_layer_test(layers.Dense, {"units": 3}, (2, 4), expected_num_params=12)
    with pytest.raises(AssertionError, match="output shape"):
        testing.run_layer_test(layers.Dense, {"units": 3}, (2, 4), expected_output_shape=(2, 4))


def test_run_layer_test_catches_wrong_compute_output_shape():
    with pytest.raises(AssertionError, match="compute_output_shape"):
        testing.run_layer_test(_BadShapeLayer, {}, (2, 4), run_save_check=False,
                               run_training_check=False)
