"""Boltzmann machine: exact gradient against finite differences, learning, sampling, bad input."""

import numpy as np
import pytest

from nbnet.estimators import BoltzmannMachine
from nbnet.estimators._rbm_math import binary_states


def machine(n_visible=3, n_hidden=2, seed=0, connectivity=None):
    data = np.array([[1, 0, 1], [0, 1, 1], [1, 1, 0]], float)[:, :n_visible]
    bm = BoltzmannMachine(n_hidden, n_iter=0, random_state=seed, connectivity=connectivity).fit(data)
    rng = np.random.default_rng(seed)
    W = rng.normal(0, 1, bm.coef_.shape)
    bm.coef_ = (W + W.T) / 2 * bm.connection_mask_
    bm.intercept_ = rng.normal(0, 1, bm.coef_.shape[0])
    return bm, data


def test_probabilities_are_boltzmann_and_sum_to_one():
    bm, _ = machine()
    v, p = bm.visible_distribution()
    assert p.sum() == pytest.approx(1.0, abs=1e-12)
    s = binary_states(5)
    weights = np.exp(-bm.energy(s))
    marginal = np.array([weights[(s[:, :3] == row).all(1)].sum() for row in v]) / weights.sum()
    np.testing.assert_allclose(p, marginal, atol=1e-12)


@pytest.mark.parametrize("masked", [False, True])
def test_exact_gradient_matches_finite_differences(masked):
    mask = None
    if masked:                     # no visible-visible connections
        mask = np.ones((5, 5))
        mask[:3, :3] = 0
    bm, data = machine(connectivity=mask)
    dW, db = bm.gradient(data)
    eps = 1e-6

    def ll():
        return bm.score_samples(data).mean()
    for i in range(5):
        for j in range(5):
            if i == j or bm.connection_mask_[i, j] == 0:
                assert dW[i, j] == 0
                continue
            old = bm.coef_[i, j]
            bm.coef_[i, j] = bm.coef_[j, i] = old + eps
            up = ll()
            bm.coef_[i, j] = bm.coef_[j, i] = old - eps
            down = ll()
            bm.coef_[i, j] = bm.coef_[j, i] = old
            assert dW[i, j] == pytest.approx((up - down) / (2 * eps), abs=1e-7)
        old = bm.intercept_[i]
        bm.intercept_[i] = old + eps
        up = ll()
        bm.intercept_[i] = old - eps
        down = ll()
        bm.intercept_[i] = old
        assert db[i] == pytest.approx((up - down) / (2 * eps), abs=1e-7)


def test_learning_puts_the_probability_on_the_data_and_gibbs_agrees():
    data = np.array([[1, 1, 0, 0], [0, 0, 1, 1]], float)
    bm = BoltzmannMachine(1, learning_rate=0.5, n_iter=300, random_state=0).fit(data)
    v, p = bm.visible_distribution()
    on_data = p[[int("1100", 2), int("0011", 2)]]
    assert on_data.sum() > 0.9
    samples = bm.sample(2000, n_sweeps=30, random_state=1)
    freq = np.mean([(samples == row).all(1).mean() for row in data])
    assert abs(2 * freq - on_data.sum()) < 0.05
    assert bm.transform(data).shape == (2, 1)


def test_bad_input_errors():
    with pytest.raises(ValueError, match="binary values 0 or 1"):
        BoltzmannMachine(1).fit(np.array([[0.5, 1.0]]))
    with pytest.raises(ValueError, match="exceeds"):
        BoltzmannMachine(15).fit(np.zeros((2, 10)))
    bm, _ = machine()
    with pytest.raises(ValueError, match="expected 3 features .* got 4"):
        bm.score_samples(np.zeros((1, 4)))
    with pytest.raises(ValueError, match="symmetric"):
        BoltzmannMachine(1, connectivity=np.ones((3, 3))).fit(np.zeros((2, 3)))
