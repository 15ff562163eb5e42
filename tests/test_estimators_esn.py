"""EchoStateNetwork: the equations by hand, only the readout trained, echo state property,
Mackey-Glass free run, conventions, save/load, bad input."""

import numpy as np
import pytest

from nbnet.datasets import mackey_glass
from nbnet.estimators import EchoStateNetwork, load_estimator


def series(n=1200):
    s = mackey_glass(n)
    return s[:-1, None], s[1:]


def test_reservoir_has_the_requested_spectral_radius_and_sparsity():
    X, y = series(400)
    esn = EchoStateNetwork(100, spectral_radius=0.8, sparsity=0.9, random_state=0).fit(X, y)
    assert np.abs(np.linalg.eigvals(esn.reservoir_weights_)).max() == pytest.approx(0.8, rel=1e-9)
    assert 0.85 < np.mean(esn.reservoir_weights_ == 0) < 0.95
    assert esn.input_weights_.shape == (100, 2) and np.abs(esn.input_weights_).max() <= 1.0


def test_states_follow_the_leaky_update_written_out():
    X, y = series(300)
    esn = EchoStateNetwork(20, leak_rate=0.3, random_state=1).fit(X, y)
    states = esn.transform(X[:5])
    x = np.zeros(20)
    for t in range(5):
        x_tilde = np.tanh(esn.input_weights_ @ np.r_[1.0, X[t]] + esn.reservoir_weights_ @ x)
        x = 0.7 * x + 0.3 * x_tilde
        np.testing.assert_allclose(states[t], x, atol=1e-13)


def test_readout_is_the_ridge_solution_and_the_reservoir_is_untouched():
    X, y = series(500)
    esn = EchoStateNetwork(30, ridge=1e-3, washout=50, random_state=2)
    esn.fit(X, y)
    W, W_in = esn.reservoir_weights_.copy(), esn.input_weights_.copy()
    Z = np.hstack([np.ones((len(X), 1)), X, esn.transform(X)])[50:]
    ref = np.linalg.solve(Z.T @ Z + 1e-3 * np.eye(Z.shape[1]), Z.T @ y[50:])
    np.testing.assert_allclose(esn.readout_[0], ref, rtol=1e-7, atol=1e-9)
    from sklearn.linear_model import Ridge  # same problem, scikit-learn's solver
    sk = Ridge(alpha=1e-3, fit_intercept=False).fit(Z, y[50:])
    np.testing.assert_allclose(esn.predict(X)[50:], Z @ sk.coef_, atol=1e-6)
    esn.fit(X, y)                                          # a second fit redraws the same reservoir
    np.testing.assert_array_equal(esn.reservoir_weights_, W)
    np.testing.assert_array_equal(esn.input_weights_, W_in)


def test_echo_state_property_contracting_and_chaotic_reservoirs():
    X, y = series(600)
    rng = np.random.default_rng(0)
    starts = rng.uniform(-1, 1, (2, 100))
    distance = {}
    for rho in (0.9, 3.0):
        esn = EchoStateNetwork(100, spectral_radius=rho, random_state=0).fit(X, y)
        states = esn.transform(X[:300], initial_state=starts)        # (300, 2, 100)
        distance[rho] = np.linalg.norm(states[:, 0] - states[:, 1], axis=1)
    assert distance[0.9][-1] < 1e-8 * distance[0.9][0]
    assert distance[3.0][-50:].min() > 0.1 * distance[3.0][0]


def test_free_running_mackey_glass():
    s = mackey_glass(2300)
    esn = EchoStateNetwork(300, spectral_radius=0.95, leak_rate=0.5, ridge=1e-9, random_state=0)
    esn.fit(s[:2000, None], s[1:2001])
    generated = esn.generate(100)
    nrmse = np.sqrt(np.mean((generated - s[2000:2100]) ** 2)) / s.std()
    assert nrmse < 0.05
    warm = esn.generate(100, X=s[1500:2000, None])                 # warm-up on the same history
    assert np.sqrt(np.mean((warm - s[2000:2100]) ** 2)) / s.std() < 0.05


def test_seeded_reproducibility_and_params():
    X, y = series(300)
    a = EchoStateNetwork(40, random_state=5).fit(X, y).predict(X)
    b = EchoStateNetwork(40, random_state=5).fit(X, y).predict(X)
    c = EchoStateNetwork(40, random_state=6).fit(X, y).predict(X)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    esn = EchoStateNetwork(40, leak_rate=0.5)
    assert esn.get_params()["leak_rate"] == 0.5 and esn.set_params(ridge=1.0).ridge == 1.0
    assert "leak_rate=0.5" in repr(esn)
    from sklearn.base import clone
    assert clone(esn).get_params() == esn.get_params()


def test_multi_output_and_score():
    X, y = series(600)
    Y = np.column_stack([y, y ** 2])
    esn = EchoStateNetwork(60, random_state=0).fit(X, Y)
    assert esn.predict(X).shape == (len(X), 2)
    assert esn.score(X, Y) > 0.99
    with pytest.raises(ValueError, match="as many outputs as"):
        esn.generate(5)


def test_save_load_round_trip(tmp_path):
    X, y = series(400)
    esn = EchoStateNetwork(50, leak_rate=0.4, random_state=3).fit(X, y)
    esn.save(tmp_path / "esn.nbnet")
    loaded = load_estimator(tmp_path / "esn.nbnet")
    assert isinstance(loaded, EchoStateNetwork) and loaded.get_params() == esn.get_params()
    np.testing.assert_array_equal(loaded.predict(X), esn.predict(X))
    np.testing.assert_array_equal(loaded.generate(20), esn.generate(20))


@pytest.mark.parametrize("params, match", [(dict(leak_rate=0.0), "leak_rate"), (dict(sparsity=1.0), "sparsity"),
                                           (dict(n_reservoir=0), "n_reservoir"), (dict(ridge=-1.0), "ridge"),
                                           (dict(spectral_radius=float("nan")), "spectral_radius")])
def test_bad_hyperparameters(params, match):
    X, y = series(300)
    with pytest.raises(ValueError, match=match):
        EchoStateNetwork(**params).fit(X, y)


def test_bad_input():
    X, y = series(300)
    with pytest.raises(RuntimeError, match="not fitted"):
        EchoStateNetwork().predict(X)
    with pytest.raises(ValueError, match="2-D"):
        EchoStateNetwork().fit(X[:, 0], y)
    with pytest.raises(ValueError, match="n_steps"):
        EchoStateNetwork().fit(X, y[:-1])
    with pytest.raises(ValueError, match="washout"):
        EchoStateNetwork(washout=100).fit(X[:50], y[:50])
    esn = EchoStateNetwork(20, random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="1 features"):
        esn.predict(np.hstack([X, X]))
    with pytest.raises(ValueError, match="initial_state"):
        esn.transform(X, initial_state=np.zeros(21))
    with pytest.raises(ValueError, match="n_steps"):
        esn.generate(0)
    with pytest.raises(ValueError, match="NaN"):
        esn.predict(np.full_like(X, np.nan))
