"""Hinge, SquaredHinge, CategoricalHinge: Keras's formulas, gradients by central differences, parity."""

import numpy as np
import pytest

import nbnet
from nbnet import layers, losses
from nbnet.testing import check_gradients

RNG = np.random.default_rng(0)
N = 6
P2 = RNG.normal(0, 1.5, (N, 3))                       # ŷ away from the kink at y·ŷ = 1
P2[np.abs(np.abs(P2) - 1) < 0.05] += 0.2
PM = np.where(RNG.random((N, 3)) < 0.5, -1.0, 1.0)     # ±1 labels
P01 = (RNG.random((N, 3)) < 0.5).astype(float)         # 0/1 labels, converted to ±1
ONEHOT = np.eye(3)[RNG.integers(0, 3, N)]


def hinge_ref(y, p, power):
    y = 2 * y - 1 if np.all((y == 0) | (y == 1)) else y
    return (np.maximum(1 - y * p, 0) ** power).mean(-1)


def cat_ref(y, p):
    return np.maximum(((1 - y) * p).max(-1) - (y * p).sum(-1) + 1, 0)


CASES = [(losses.Hinge, "hinge", PM, lambda y, p: hinge_ref(y, p, 1)),
         (losses.Hinge, "hinge", P01, lambda y, p: hinge_ref(y, p, 1)),
         (losses.SquaredHinge, "squared_hinge", PM, lambda y, p: hinge_ref(y, p, 2)),
         (losses.SquaredHinge, "squared_hinge", P01, lambda y, p: hinge_ref(y, p, 2)),
         (losses.CategoricalHinge, "categorical_hinge", ONEHOT, cat_ref)]
IDS = ["hinge-pm1", "hinge-01", "squared-pm1", "squared-01", "categorical"]


@pytest.mark.parametrize("cls, name, y, ref", CASES, ids=IDS)
def test_values_follow_the_formula_and_the_name(cls, name, y, ref):
    np.testing.assert_allclose(cls(reduction="none")(y, P2), ref(y, P2), rtol=1e-12)
    np.testing.assert_allclose(losses.get(name)(y, P2), ref(y, P2).mean(), rtol=1e-12)
    np.testing.assert_allclose(getattr(losses, name)(y, P2), ref(y, P2), rtol=1e-12)


@pytest.mark.parametrize("cls, name, y, ref", CASES, ids=IDS)
def test_gradient_by_central_differences(cls, name, y, ref):
    for reduction in ("sum_over_batch_size", "sum", "none"):
        check_gradients(cls(reduction=reduction), P2, y).assert_ok()


@pytest.mark.parametrize("cls, name, y, ref", CASES, ids=IDS)
@pytest.mark.parametrize("reduction", ["sum_over_batch_size", "sum", "none", "mean_with_sample_weight"])
def test_matches_keras(cls, name, y, ref, reduction):
    import keras
    w = np.array([1.0, 2.0, 0.0, 0.5, 1.0, 3.0])
    theirs = getattr(keras.losses, cls.__name__)(reduction=reduction)(y, P2, sample_weight=w)
    ours = cls(reduction=reduction)(y, P2, sample_weight=w)
    np.testing.assert_allclose(ours, keras.ops.convert_to_numpy(theirs), rtol=2e-6, atol=1e-7)


def test_hinge_gradient_comes_only_from_points_inside_the_margin():
    y = np.array([[1.0], [1.0], [-1.0], [-1.0]])
    p = np.array([[2.0], [0.5], [-3.0], [0.2]])          # outside, inside, outside, wrong side
    _, grad = losses.Hinge(reduction="sum")._per_sample(y, p, False)
    np.testing.assert_allclose(grad(np.ones(4)), [[0.0], [-1.0], [0.0], [1.0]])


def test_config_round_trip_and_shape_error():
    for cls in (losses.Hinge, losses.SquaredHinge, losses.CategoricalHinge):
        loss = losses.deserialize(losses.serialize(cls(name="x", reduction="sum")))
        assert type(loss) is cls and loss.reduction == "sum" and loss.name == "x"
    with pytest.raises(ValueError, match="same shape"):
        losses.Hinge()(np.ones((4, 2)), np.ones((4, 3)))


def test_linear_svm_as_a_network_trains_with_hinge_and_l2():
    rng = np.random.default_rng(1)
    X = np.vstack([rng.normal(-1.5, 1, (50, 2)), rng.normal(1.5, 1, (50, 2))])
    y = np.r_[-np.ones(50), np.ones(50)][:, None]
    nbnet.utils.set_random_seed(0)
    model = nbnet.Sequential([nbnet.Input((2,)), layers.Dense(1, kernel_regularizer="l2")])
    model.compile(optimizer=nbnet.optimizers.Adam(0.05), loss="hinge")
    model.fit(X, y, epochs=60, batch_size=20, verbose=0)
    assert np.mean(np.sign(model.predict(X, verbose=0)) == y) > 0.95
