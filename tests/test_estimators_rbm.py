"""RBM: exact quantities against brute force, gradients, AIS, CD bias, parity with scikit-learn."""

import numpy as np
import pytest

from nbnet.estimators import RBM
from nbnet.estimators import _rbm_math as m


def tiny_rbm(n_visible=5, n_hidden=3, scale=1.0, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    rbm = RBM(n_hidden, random_state=seed)
    rbm._initialise(n_visible, dtype, rng)
    rbm.components_ = rng.normal(0, scale, (n_hidden, n_visible)).astype(dtype)
    rbm.intercept_visible_ = rng.normal(0, scale, n_visible).astype(dtype)
    rbm.intercept_hidden_ = rng.normal(0, scale, n_hidden).astype(dtype)
    rbm.random_state_ = np.random.default_rng(seed)
    return rbm


def brute_force(rbm):
    """All (v, h) pairs: log Z and the model statistics <h vᵀ>, <v>, <h>."""
    V = m.binary_states(rbm.n_features_in_)
    H = m.binary_states(rbm.n_components)
    W, b, c = rbm.components_, rbm.intercept_visible_, rbm.intercept_hidden_
    neg_e = (V @ b)[:, None] + (H @ c)[None] + V @ W.T @ H.T        # (2^d, 2^k)
    log_z = np.log(np.exp(neg_e).sum())
    p = np.exp(neg_e - log_z)
    return log_z, H.T @ p.T @ V, p.sum(1) @ V, p.sum(0) @ H


def binary_data(n=40, d=5, seed=1):
    return (np.random.default_rng(seed).random((n, d)) < 0.4).astype(np.float64)


@pytest.mark.parametrize("shape", [(5, 3), (3, 6)])          # enumerates hidden, then visible
def test_exact_log_partition_and_statistics_match_brute_force(shape):
    rbm = tiny_rbm(*shape)
    log_z, hv, v, h = brute_force(rbm)
    assert rbm.log_partition("exact") == pytest.approx(log_z, abs=1e-10)
    stats = m.exact_model_statistics(rbm.components_, rbm.intercept_visible_, rbm.intercept_hidden_)
    for ours, ref in zip(stats, (hv, v, h)):
        np.testing.assert_allclose(ours, ref, atol=1e-12)


def test_free_energy_gives_normalised_probabilities():
    rbm = tiny_rbm()
    V = m.binary_states(5)
    p = np.exp(rbm.log_likelihood(V, rbm.log_partition("exact")))
    assert p.sum() == pytest.approx(1.0, abs=1e-12)


def mean_log_likelihood(rbm, X):
    return float(np.mean(rbm.log_likelihood(X, rbm.log_partition("exact"))))


def test_exact_gradient_matches_finite_differences():
    rbm, X = tiny_rbm(), binary_data()
    grads = rbm.gradient(X, method="exact")
    eps = 1e-6
    for g, name in zip(grads, ("components_", "intercept_visible_", "intercept_hidden_")):
        param = getattr(rbm, name)
        numeric = np.zeros_like(param)
        for idx in np.ndindex(param.shape):
            old = param[idx]
            param[idx] = old + eps
            up = mean_log_likelihood(rbm, X)
            param[idx] = old - eps
            down = mean_log_likelihood(rbm, X)
            param[idx] = old
            numeric[idx] = (up - down) / (2 * eps)
        np.testing.assert_allclose(g, numeric, atol=1e-7, rtol=1e-6)


def test_cd_bias_shrinks_with_k_and_long_chains_reach_the_exact_gradient():
    rbm, X = tiny_rbm(6, 4, scale=1.5, seed=3), binary_data(30, 6)
    exact = np.concatenate([g.ravel() for g in rbm.gradient(X)])
    bias = {}
    for k in (1, 100):
        est = rbm.gradient(X, method="cd", k=k, n_repeats=3000, random_state=0)
        bias[k] = np.linalg.norm(np.concatenate([g.ravel() for g in est]) - exact)
    assert bias[100] < 0.05 * np.linalg.norm(exact)
    assert bias[1] > 3 * bias[100]


def test_ais_is_within_a_tenth_of_a_nat_of_exact_log_z():
    rng = np.random.default_rng(0)
    X = (rng.random((200, 30)) < 0.3).astype(np.float64)
    rbm = RBM(20, learning_rate=0.05, batch_size=10, n_iter=30, random_state=0).fit(X)
    exact = rbm.log_partition("exact")
    ais = rbm.log_partition("ais", n_chains=100, n_betas=3000, base_rate=X, random_state=0)
    assert abs(ais - exact) < 0.1


def test_ais_schedule_runs_from_zero_to_one():
    betas = m.ais_schedule(1000)
    assert betas[0] == 0 and betas[-1] == 1 and np.all(np.diff(betas) > 0) and len(betas) == 1000


def digits_binary():
    from sklearn.datasets import load_digits
    return (load_digits().data / 16 > 0.5).astype(np.float64)


def full_pseudo_likelihood(rbm, X):
    """Σ_i log p(v_i | v_-i), every bit flipped in turn (the deterministic version of score_samples)."""
    total = np.zeros(len(X))
    for i in range(X.shape[1]):
        flipped = X.copy()
        flipped[:, i] = 1 - flipped[:, i]
        total -= m.softplus(-(rbm.free_energy(flipped) - rbm.free_energy(X)))
    return total.mean()


def as_nbnet(ref, X):
    rbm = RBM(ref.n_components, n_iter=0, random_state=0).fit(X)
    rbm.components_, rbm.intercept_hidden_ = ref.components_, ref.intercept_hidden_
    rbm.intercept_visible_ = ref.intercept_visible_
    return rbm


def test_parity_with_sklearn_bernoulli_rbm():
    """Same hyperparameters and data, three seeds each: pseudo-likelihood within 2 %, exact
    log-likelihood within 0.3 nats (BernoulliRBM's own score_samples flips one random bit, so it
    alone varies by ±2 nats between calls on the same model)."""
    from sklearn.neural_network import BernoulliRBM
    X = digits_binary()
    settings = dict(n_components=16, learning_rate=0.05, batch_size=10, n_iter=10)
    ours = [RBM(**settings, random_state=s).fit(X) for s in range(3)]
    refs = [as_nbnet(BernoulliRBM(**settings, random_state=s).fit(X), X) for s in range(3)]
    pl_ours, pl_ref = (np.mean([full_pseudo_likelihood(r, X) for r in rbms]) for rbms in (ours, refs))
    assert abs(pl_ours - pl_ref) < 0.02 * abs(pl_ref)
    ll_ours, ll_ref = (np.mean([mean_log_likelihood(r, X) for r in rbms]) for rbms in (ours, refs))
    assert abs(ll_ours - ll_ref) < 0.3


def test_same_parameters_give_sklearns_transform_and_free_energy():
    from sklearn.neural_network import BernoulliRBM
    X = digits_binary()
    ref = BernoulliRBM(n_components=16, n_iter=2, random_state=0).fit(X)
    ours = RBM(16, n_iter=1, random_state=0).fit(X)
    ours.components_, ours.intercept_hidden_ = ref.components_, ref.intercept_hidden_
    ours.intercept_visible_ = ref.intercept_visible_
    np.testing.assert_allclose(ours.transform(X), ref.transform(X), atol=1e-12)
    np.testing.assert_allclose(ours.free_energy(X), ref._free_energy(X), atol=1e-10)


def test_defaults_and_attributes_follow_bernoulli_rbm():
    from sklearn.neural_network import BernoulliRBM
    ref = BernoulliRBM().get_params()
    ours = RBM().get_params()
    assert {k: ours[k] for k in ref} == ref
    assert ours["k"] == 1 and ours["persistent"] is True
    rbm = RBM(7, n_iter=1, batch_size=5).fit(digits_binary()[:50])
    assert rbm.components_.shape == (7, 64) and rbm.intercept_hidden_.shape == (7,)
    assert rbm.intercept_visible_.shape == (64,) and rbm.h_samples_.shape == (5, 7)


@pytest.mark.parametrize("persistent,k", [(True, 1), (False, 1), (False, 3), (True, 2)])
def test_seeded_fits_are_reproducible_and_improve_the_likelihood(persistent, k):
    X = digits_binary()[:300]
    fits = [RBM(12, learning_rate=0.05, n_iter=5, k=k, persistent=persistent, random_state=7).fit(X)
            for _ in range(2)]
    np.testing.assert_array_equal(fits[0].components_, fits[1].components_)
    untrained = RBM(12, n_iter=0, random_state=7).fit(X)
    trained_ll = mean_log_likelihood(fits[0], X)
    assert trained_ll > mean_log_likelihood(untrained, X) + 5


def test_float32_data_trains_in_float32():
    X = digits_binary()[:100].astype(np.float32)
    rbm = RBM(8, n_iter=1, random_state=0).fit(X)
    assert rbm.components_.dtype == np.float32 and rbm.transform(X).dtype == np.float32


def test_partial_fit_gibbs_and_verbose(capsys):
    X = digits_binary()[:100]
    rbm = RBM(8, random_state=0)
    for batch in np.array_split(X, 5):
        rbm.partial_fit(batch)
    assert rbm.components_.shape == (8, 64)
    v = rbm.gibbs(X[:3])
    assert v.shape == (3, 64) and set(np.unique(v)) <= {0.0, 1.0}
    RBM(4, n_iter=2, verbose=1, random_state=0).fit(X)
    out = capsys.readouterr().out
    assert "[RBM] Iteration 2, pseudo-likelihood = " in out


def test_bad_input_errors():
    X = digits_binary()[:20]
    rbm = RBM(4, n_iter=1, random_state=0).fit(X)
    with pytest.raises(ValueError, match="expected 64 features .* got 10"):
        rbm.transform(X[:, :10])
    with pytest.raises(ValueError, match=r"values in \[0, 1\]"):
        RBM(4).fit(X * 3)
    with pytest.raises(ValueError, match="at least one sample"):
        RBM(4).fit(np.zeros((0, 5)))
    with pytest.raises(ValueError, match="2-D"):
        rbm.transform(X[0])
    with pytest.raises(RuntimeError, match="not fitted"):
        RBM(4).transform(X)
    with pytest.raises(ValueError, match="'exact' or 'ais'"):
        rbm.log_partition("magic")
    with pytest.raises(ValueError, match="at most"):
        RBM(30, n_iter=1).fit(np.zeros((2, 30))).log_partition("exact")
