"""ELM: the hidden layer stays fixed, the readout is least squares, conventions, save/load, bad input."""

import numpy as np
import pytest

from nbnet.estimators import ELMClassifier, ELMRegressor, load_estimator


def digits():
    from sklearn.datasets import load_digits
    data = load_digits()
    return data.data / 16.0, data.target


def test_hidden_layer_is_random_fixed_and_the_readout_is_least_squares():
    X, y = digits()
    elm = ELMRegressor(50, alpha=1e-3, random_state=0).fit(X[:500], y[:500].astype(float))
    W, b = elm.hidden_weights_.copy(), elm.hidden_biases_.copy()
    bound = np.sqrt(3.0 / 64)
    assert W.shape == (64, 50) and np.abs(W).max() <= bound and np.abs(W).max() > 0.9 * bound
    H = 1 / (1 + np.exp(-(X[:500] @ W + b)))
    np.testing.assert_allclose(elm.transform(X[:500]), H, rtol=1e-12)
    H1 = np.hstack([H, np.ones((500, 1))])
    beta = np.linalg.lstsq(H1.T @ H1 + np.diag(np.r_[np.full(50, 1e-3), 0]), H1.T @ y[:500], rcond=None)[0]
    np.testing.assert_allclose(np.r_[elm.coef_[:, 0], elm.intercept_], beta, rtol=1e-6, atol=1e-8)
    elm.fit(X[:500], y[:500].astype(float))                     # same seed: same hidden layer
    np.testing.assert_array_equal(elm.hidden_weights_, W)


def test_blocked_gram_equals_the_one_shot_solution(monkeypatch):
    from nbnet.estimators import _readout
    X, y = digits()
    whole = ELMClassifier(80, random_state=3).fit(X, y)
    monkeypatch.setattr(_readout, "BLOCK_ROWS", 97)
    blocked = ELMClassifier(80, random_state=3).fit(X, y)
    np.testing.assert_allclose(blocked.coef_, whole.coef_, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu"])
def test_classifier_learns_digits(activation):
    X, y = digits()
    elm = ELMClassifier(400, activation=activation, alpha=1e-2, random_state=0).fit(X[:1200], y[:1200])
    assert elm.score(X[1200:], y[1200:]) > 0.88


def test_more_hidden_units_fit_the_training_set_better():
    X, y = digits()
    train = [ELMClassifier(n, random_state=0).fit(X, y).score(X, y) for n in (20, 100, 500)]
    assert train[0] < train[1] < train[2]


def test_regressor_sine_and_r2():
    rng = np.random.default_rng(0)
    x = rng.uniform(-3, 3, (400, 1))
    y = np.sin(2 * x[:, 0])
    elm = ELMRegressor(100, activation="tanh", weight_scale=3.0, alpha=1e-6, random_state=0).fit(x, y)
    assert elm.score(x, y) > 0.99 and elm.predict(x).shape == (400,)


@pytest.mark.parametrize("cls", [ELMClassifier, ELMRegressor])
def test_save_load_round_trip_and_clone(tmp_path, cls):
    from sklearn.base import clone
    X, y = digits()
    est = cls(30, activation="tanh", random_state=0).fit(X[:300], y[:300])
    est.save(tmp_path / "elm.nbnet")
    loaded = load_estimator(tmp_path / "elm.nbnet")
    assert type(loaded) is cls and loaded.get_params() == est.get_params()
    np.testing.assert_array_equal(loaded.predict(X[:50]), est.predict(X[:50]))
    assert clone(est).get_params() == est.get_params()


def test_bad_input_errors():
    X, y = digits()
    with pytest.raises(ValueError, match="n_hidden must be a positive int"):
        ELMClassifier(0).fit(X, y)
    with pytest.raises(ValueError, match="activation must be one of"):
        ELMClassifier(5, activation="softsign").fit(X, y)
    with pytest.raises(ValueError, match="alpha must be >= 0"):
        ELMClassifier(5, alpha=-1).fit(X, y)
    with pytest.raises(ValueError, match="expected class labels"):
        ELMClassifier(5).fit(X, y + 0.5)
    with pytest.raises(ValueError, match="expected a 2-D array"):
        ELMClassifier(5).fit(X[0], y[:1])
    fitted = ELMClassifier(5, random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="expected 64 features .* got 63"):
        fitted.predict(X[:, 1:])
