"""Mackey-Glass (RK4 against a finer step, range, determinism) and the spike-template task."""

import numpy as np
import pytest

from nbnet.datasets import mackey_glass, make_spike_templates


def test_mackey_glass_shape_range_and_determinism():
    s = mackey_glass(1500)
    assert s.shape == (1500,) and s.dtype == np.float64
    assert 0.35 < s.min() < 0.5 and 1.25 < s.max() < 1.4          # the tau = 17 attractor's range
    np.testing.assert_array_equal(s, mackey_glass(1500))
    assert not np.allclose(mackey_glass(200, seed=1), mackey_glass(200, seed=2))


def test_mackey_glass_rk4_converges_with_the_step():
    """The error against a 4x finer step shrinks about fourfold when dt halves (second order overall)."""
    coarse = mackey_glass(200, discard=0, dt=0.1, sample_every=10)
    fine = mackey_glass(200, discard=0, dt=0.05, sample_every=20)
    finer = mackey_glass(200, discard=0, dt=0.025, sample_every=40)
    err_coarse, err_fine = np.abs(coarse - finer).max(), np.abs(fine - finer).max()
    assert err_coarse < 3e-4 and err_fine < err_coarse / 3


def test_mackey_glass_fixed_point_without_delay_feedback():
    """With gamma large the solution decays to the stable fixed point x* solving beta/(1+x^n) = gamma."""
    s = mackey_glass(50, beta=0.2, gamma=0.5, discard=500)
    # x* = 0 or (beta/gamma - 1)^(1/n): beta/gamma < 1, so 0
    assert np.abs(s).max() < 1e-6


@pytest.mark.parametrize("kwargs", [dict(tau=17.05), dict(dt=0), dict(n_samples=0), dict(discard=-1),
                                    dict(sample_every=1.5)])
def test_mackey_glass_bad_arguments(kwargs):
    with pytest.raises(ValueError):
        mackey_glass(**{"n_samples": 10, **kwargs})


def test_spike_templates_keep_counts_and_only_move_spikes():
    x, y, templates = make_spike_templates(200, 4, n_channels=5, duration=100, spikes_per_channel=3,
                                           jitter=0.0, seed=0, return_templates=True)
    assert x.shape == (200, 100, 5) and x.dtype == np.float32 and y.dtype == np.int64
    assert np.bincount(y).tolist() == [50, 50, 50, 50]
    np.testing.assert_array_equal(x, templates[y])                # no jitter: the templates themselves
    assert np.all(templates.sum(1) == 3)                           # same count in every channel and class
    jittered, y2 = make_spike_templates(200, 4, n_channels=5, duration=100, spikes_per_channel=3,
                                        jitter=3.0, seed=0)
    assert np.array_equal(y, y2) and not np.array_equal(jittered, x)
    assert np.all(jittered.sum(1) <= 3) and jittered.sum() > 0.95 * x.sum()   # merges are rare


def test_spike_templates_bad_arguments():
    with pytest.raises(ValueError, match="jitter"):
        make_spike_templates(jitter=-1.0)
    with pytest.raises(ValueError, match="n_classes"):
        make_spike_templates(n_classes=1)
    with pytest.raises(ValueError, match="duration"):
        make_spike_templates(duration=3, spikes_per_channel=4)
