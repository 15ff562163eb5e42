"""Hopfield network: Hebbian storage, energy descent, recall, bad input."""

import numpy as np
import pytest

from nbnet.estimators import Hopfield


def patterns(p=3, n=100, seed=0):
    return np.where(np.random.default_rng(seed).random((p, n)) < 0.5, -1.0, 1.0)


def test_hebbian_weights_and_energy_formula():
    xi = patterns(2, 10)
    net = Hopfield().fit(xi)
    W = sum(np.outer(x, x) for x in xi) / 10
    np.fill_diagonal(W, 0)
    np.testing.assert_allclose(net.coef_, W)
    s = patterns(4, 10, seed=1)
    expected = [-0.5 * x @ W @ x for x in s]
    np.testing.assert_allclose(net.energy(s), expected)


@pytest.mark.parametrize("update", ["async", "sync"])
def test_stored_patterns_are_fixed_points_and_corrupted_ones_are_recalled(update):
    xi = patterns(3, 100)
    net = Hopfield(update=update, random_state=0).fit(xi)
    np.testing.assert_array_equal(net.predict(xi), xi)
    rng = np.random.default_rng(2)
    noisy = xi.copy()
    for row in noisy:
        row[rng.choice(100, 15, replace=False)] *= -1
    np.testing.assert_array_equal(net.predict(noisy), xi)


def test_asynchronous_updates_never_raise_the_energy():
    xi = patterns(12, 60)
    net = Hopfield(random_state=0).fit(xi)
    start = patterns(1, 60, seed=5)[0]
    energies, states = net.async_trajectory(start)
    assert np.all(np.diff(energies) <= 1e-12)
    assert len(states) == len(energies) and np.array_equal(net.predict(states[-1:]), states[-1:])


def test_seeded_predictions_are_reproducible():
    xi = patterns(10, 50)
    start = patterns(5, 50, seed=3)
    runs = [Hopfield(random_state=4).fit(xi).predict(start) for _ in range(2)]
    np.testing.assert_array_equal(*runs)


def test_bad_input_errors():
    with pytest.raises(ValueError, match=r"values -1 or \+1"):
        Hopfield().fit(np.array([[0.0, 1.0, 1.0]]))
    net = Hopfield().fit(patterns(2, 8))
    with pytest.raises(ValueError, match="expected 8 features .* got 5"):
        net.predict(patterns(1, 5))
    with pytest.raises(ValueError, match="at least one sample"):
        Hopfield().fit(np.zeros((0, 4)))
    with pytest.raises(ValueError, match="'async' or 'sync'"):
        Hopfield(update="random").fit(patterns(2, 8)).predict(patterns(1, 8))
