"""LiquidStateMachine: the LIF update by hand, Dale's law, distance-dependent wiring, the readout,
above-chance classification of jittered spike templates, conventions, save/load, bad input."""

import numpy as np
import pytest

from nbnet.datasets import make_spike_templates
from nbnet.estimators import LiquidStateMachine, load_estimator


@pytest.fixture(scope="module")
def data():
    x, y = make_spike_templates(300, 4, n_channels=6, duration=120, jitter=4.0, seed=0)
    return x[:200], y[:200], x[200:], y[200:]


@pytest.fixture(scope="module")
def fitted(data):
    return LiquidStateMachine((6, 3, 3), random_state=0).fit(*data[:2])


def test_dale_law_no_self_connections_and_input_wiring(fitted):
    W, inhibitory = fitted.recurrent_weights_, fitted.inhibitory_.astype(bool)
    assert W.shape == (54, 54) and inhibitory.sum() == round(0.2 * 54)
    assert np.all(W[:, inhibitory] <= 0) and np.all(W[:, ~inhibitory] >= 0)
    assert np.all(np.diag(W) == 0)
    assert fitted.input_weights_.shape == (54, 6) and np.all(fitted.input_weights_ >= 0)


def test_connection_probability_falls_with_distance():
    lsm = LiquidStateMachine((12, 6, 6), random_state=0).fit(*make_spike_templates(8, 2, duration=10, seed=0))
    d = np.linalg.norm(lsm.positions_[:, None] - lsm.positions_[None], axis=-1)
    connected = lsm.recurrent_weights_ != 0
    near, far = connected[(d > 0) & (d <= 1.01)].mean(), connected[(d > 3.5)].mean()
    assert near > 0.05 and far < 0.01
    random = LiquidStateMachine((12, 6, 6), connectivity_lambda=np.inf, random_state=0)
    random.fit(*make_spike_templates(8, 2, duration=10, seed=0))
    wired = random.recurrent_weights_ != 0
    assert abs(wired[(d > 3.5)].mean() - wired[(d > 0) & (d <= 1.01)].mean()) < 0.05


def test_simulation_matches_the_update_written_out(fitted, data):
    x = data[0][:3]
    spikes, traces = fitted.simulate(x, return_traces=True)
    W, V_in = fitted.recurrent_weights_, fitted.input_weights_
    v, s, r, hold = np.zeros((3, 54)), np.zeros((3, 54)), np.zeros((3, 54)), np.zeros((3, 54))
    for t in range(x.shape[1]):
        v = np.exp(-1 / 30) * v + s @ W.T + x[:, t] @ V_in.T
        v = np.where(hold > 0, 0.0, v)
        fired = v >= 1
        v = np.where(fired, 0.0, v)
        hold = np.where(fired, 2, np.maximum(hold - 1, 0))
        s = fired.astype(float)
        r = np.exp(-1 / 30) * r + s
        np.testing.assert_array_equal(spikes[:, t], fired)
        np.testing.assert_allclose(traces[:, t], r, atol=1e-12)
    assert spikes.any()


def test_refractory_period_separates_spikes(fitted, data):
    spikes = fitted.simulate(data[0][:20])
    t_sample, t, neuron = np.nonzero(spikes)
    order = np.lexsort((t, neuron, t_sample))
    same = (np.diff(t_sample[order]) == 0) & (np.diff(neuron[order]) == 0)
    assert np.diff(t[order])[same].min() >= 3                      # fire, 2 steps clamped, fire again


def test_readout_is_ridge_on_filtered_traces(fitted, data):
    features = fitted.transform(data[0])
    _, traces = fitted.simulate(data[0], return_traces=True)
    np.testing.assert_allclose(features, traces[:, -1], atol=1e-12)
    Z = np.hstack([np.ones((len(features), 1)), features])
    T = np.eye(4)[data[1]]
    ref = np.linalg.solve(Z.T @ Z + np.eye(Z.shape[1]), Z.T @ T).T
    np.testing.assert_allclose(fitted.readout_, ref, atol=1e-8)


def test_classifies_jittered_templates_far_above_chance(fitted, data):
    assert fitted.score(*data[2:]) > 0.25 + 0.5
    counts = data[0].sum(1)                                          # every class: same counts
    assert np.ptp(counts.mean(0)) < 0.5


def test_several_readout_samples_and_labels_are_kept(data):
    x, y = data[0], np.array(["a", "b", "c", "d"])[data[1]]
    lsm = LiquidStateMachine((5, 3, 3), readout_samples=3, random_state=1).fit(x, y)
    assert lsm.transform(x[:4]).shape == (4, 3 * 45) and set(lsm.predict(x[:4])) <= set("abcd")


def test_seeded_reproducibility(data):
    a = LiquidStateMachine((5, 3, 3), random_state=3).fit(*data[:2])
    b = LiquidStateMachine((5, 3, 3), random_state=3).fit(*data[:2])
    c = LiquidStateMachine((5, 3, 3), random_state=4).fit(*data[:2])
    np.testing.assert_array_equal(a.decision_function(data[2]), b.decision_function(data[2]))
    assert not np.array_equal(a.recurrent_weights_, c.recurrent_weights_)


def test_save_load_round_trip(fitted, data, tmp_path):
    fitted.save(tmp_path / "lsm.nbnet")
    loaded = load_estimator(tmp_path / "lsm.nbnet")
    assert isinstance(loaded, LiquidStateMachine)
    np.testing.assert_array_equal(loaded.decision_function(data[2]), fitted.decision_function(data[2]))
    np.testing.assert_array_equal(loaded.predict(data[2]), fitted.predict(data[2]))


@pytest.mark.parametrize("params, match", [(dict(grid_shape=(3, 3)), "grid_shape"),
                                           (dict(fraction_inhibitory=1.5), "fraction_inhibitory"),
                                           (dict(tau_membrane=0), "tau_membrane"),
                                           (dict(refractory=-1), "refractory"),
                                           (dict(readout_samples=0), "readout_samples"),
                                           (dict(weight_excitatory=-0.1), "weight_excitatory")])
def test_bad_hyperparameters(params, match, data):
    with pytest.raises(ValueError, match=match):
        LiquidStateMachine(**params).fit(*data[:2])


def test_bad_input(fitted, data):
    x, y = data[:2]
    with pytest.raises(RuntimeError, match="not fitted"):
        LiquidStateMachine().predict(x)
    with pytest.raises(ValueError, match="n_samples, n_steps, n_inputs"):
        LiquidStateMachine().fit(x[:, :, 0], y)
    with pytest.raises(ValueError, match="0 or 1"):
        LiquidStateMachine().fit(x * 2, y)
    with pytest.raises(ValueError, match=r"y must have shape"):
        LiquidStateMachine().fit(x, y[:-1])
    with pytest.raises(ValueError, match="2 classes"):
        LiquidStateMachine().fit(x, np.zeros(len(x)))
    with pytest.raises(ValueError, match="6 input channels"):
        fitted.predict(x[:, :, :5])
