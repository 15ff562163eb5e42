"""MarkovChain: counts and smoothing against a Counter, stationary distribution, sampling, saving."""

from collections import Counter

import numpy as np
import pytest

from nbnet.estimators import MarkovChain, load_estimator

TEXT = "abracadabra arbadacarba"


def reference_probability(text, context, token, alpha, vocab):
    """p(token | context) from a plain Counter of (order + 1)-grams, with additive smoothing."""
    k = len(context)
    grams = Counter(text[i:i + k + 1] for i in range(len(text) - k))
    total = sum(c for g, c in grams.items() if g[:k] == context)
    if total + alpha * len(vocab) == 0:
        return 1.0 / len(vocab)
    return (grams.get(context + token, 0) + alpha) / (total + alpha * len(vocab))


@pytest.mark.parametrize("order, alpha", [(1, 0.0), (1, 0.5), (2, 0.0), (3, 1.0)])
def test_probabilities_match_counts(order, alpha):
    mc = MarkovChain(order, alpha=alpha).fit(TEXT)
    vocab = sorted(set(TEXT))
    assert mc.states_.tolist() == vocab
    np.testing.assert_allclose(mc.transition_matrix_.sum(axis=1), 1.0, atol=1e-12)
    for i in range(len(TEXT) - order):
        context = TEXT[i:i + order]
        for token in vocab:
            want = reference_probability(TEXT, context, token, alpha, vocab)
            assert mc.probability(list(context) if order > 1 else context, token) == pytest.approx(want)


def test_first_order_tables_are_square_and_count_every_pair():
    mc = MarkovChain().fit("aab")
    assert mc.transition_matrix_.shape == (2, 2) and mc.contexts_.tolist() == [[0], [1]]
    np.testing.assert_array_equal(mc.counts_, [[1, 1], [0, 0]])
    np.testing.assert_allclose(mc.transition_matrix_, [[0.5, 0.5], [0.5, 0.5]])   # 'b' ends: uniform row


def test_transitions_do_not_cross_sequence_boundaries():
    mc = MarkovChain().fit([["a", "b"], ["b", "a"]])
    np.testing.assert_array_equal(mc.counts_, [[0, 1], [1, 0]])
    assert MarkovChain().fit(["hello", "world", "hello", "dear"]).probability("hello", "dear") == 0.5


def test_two_state_stationary_distribution_has_its_closed_form():
    a, b = 0.3, 0.1                                 # P = [[1 − a, a], [b, 1 − b]] → π = (b, a)/(a + b)
    mc = MarkovChain().fit("pq")
    mc.states_, mc.contexts_ = np.array(["p", "q"]), np.array([[0], [1]])
    mc.transition_matrix_ = np.array([[1 - a, a], [b, 1 - b]])
    for method in ("eigen", "power"):
        np.testing.assert_allclose(mc.stationary_distribution(method), [b / (a + b), a / (a + b)], atol=1e-10)


def test_eigenvector_and_power_method_agree_and_are_fixed_points():
    mc = MarkovChain(alpha=0.1).fit(TEXT * 3)
    pi_e, pi_p = mc.stationary_distribution("eigen"), mc.stationary_distribution("power")
    np.testing.assert_allclose(pi_e, pi_p, atol=1e-10)
    np.testing.assert_allclose(pi_e @ mc.transition_matrix_, pi_e, atol=1e-12)
    assert pi_e.min() > 0 and mc.n_iter_ > 1


def test_power_method_warns_on_a_periodic_chain():
    mc = MarkovChain().fit("abcab")
    mc.transition_matrix_ = np.array([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0], [1.0, 0.0, 0.0]])  # period 2
    with pytest.warns(RuntimeWarning, match="periodic"):
        mc.stationary_distribution("power", max_iter=50)
    np.testing.assert_allclose(mc.stationary_distribution("eigen"), [0.5, 0.5, 0.0], atol=1e-12)


def test_sample_frequencies_approach_the_stationary_distribution():
    mc = MarkovChain(alpha=0.2, random_state=0).fit(TEXT)
    tokens = mc.sample(60_000)
    freq = np.array([tokens.count(s) for s in mc.states_.tolist()]) / len(tokens)
    np.testing.assert_allclose(freq, mc.stationary_distribution(), atol=0.01)


def test_sample_is_reproducible_and_uses_only_seen_transitions():
    mc = MarkovChain(2).fit(TEXT)
    a, b = mc.sample(200, random_state=3), mc.sample(200, random_state=3)
    assert a == b and len(a) == 200
    seen = {TEXT[i:i + 3] for i in range(len(TEXT) - 2)}
    assert all("".join(a[i:i + 3]) in seen for i in range(len(a) - 2))
    assert mc.sample(5, random_state=0, start="ab")[:2] == ["a", "b"]
    assert mc.sample(6, random_state=0, start="abra")[:4] == list("abra")


def test_log_likelihood_and_score_by_hand():
    mc = MarkovChain().fit("abab")                  # a → b always, b → a always
    assert mc.log_likelihood("abab") == pytest.approx(0.0)
    mc = MarkovChain(alpha=1.0).fit("aab")          # p(a|a) = 2/4, p(b|a) = 2/4, p(·|b) = 1/2
    assert mc.log_likelihood("aab") == pytest.approx(2 * np.log(0.5))
    assert mc.score(["a", "a", "b"]) == pytest.approx(np.log(0.5))
    assert MarkovChain().fit("aab").score("ba") == pytest.approx(np.log(0.5))        # uniform row
    assert MarkovChain().fit("aabb").log_likelihood("ba") == -np.inf                   # never seen


def test_word_tokens_and_integer_tokens():
    words = "the cat sat on the mat the end".split()
    mc = MarkovChain().fit(words)
    assert mc.probability("the", "cat") == pytest.approx(1 / 3)
    assert isinstance(mc.sample(4, random_state=0)[0], str)
    ints = MarkovChain().fit([0, 1, 0, 2])
    assert ints.probability(0, 1) == 0.5 and isinstance(ints.sample(3, random_state=0)[0], int)


def test_params_clone_and_repr():
    from sklearn.base import clone
    mc = MarkovChain(2, alpha=0.5, random_state=1)
    assert mc.get_params() == {"order": 2, "alpha": 0.5, "random_state": 1}
    assert clone(mc).get_params() == mc.get_params() and mc.fit(TEXT) is mc
    assert repr(MarkovChain(alpha=0.5)) == "MarkovChain(alpha=0.5)"
    assert mc.set_params(order=3).order == 3


def test_save_and_load_round_trip(tmp_path):
    mc = MarkovChain(2, alpha=0.1, random_state=0).fit(TEXT)
    mc.save(tmp_path / "mc.zip")
    back = load_estimator(tmp_path / "mc.zip")
    assert isinstance(back, MarkovChain) and back.get_params() == mc.get_params()
    for name in ("states_", "contexts_", "counts_", "transition_matrix_", "context_counts_"):
        np.testing.assert_array_equal(getattr(back, name), getattr(mc, name))
    assert back.score(TEXT) == mc.score(TEXT) and back.sample(50, 2) == mc.sample(50, 2)


@pytest.mark.parametrize("params, X, match", [
    ({"order": 0}, "ab", "order must be a positive integer"),
    ({"alpha": -1.0}, "ab", "alpha must be a number >= 0"),
    ({"order": 3}, "ab", "no sequence is longer than order=3"),
    ({}, [], "expected a string"),
    ({}, 12, "expected a string"),
    ({}, ["a", ["b", "c"]], "mix of tokens and sequences"),
    ({}, ["a", 1, "b"], "must all be strings or all integers"),
])
def test_bad_input_says_what_was_wrong(params, X, match):
    with pytest.raises(ValueError, match=match):
        MarkovChain(**params).fit(X)


def test_bad_calls_after_fit_say_what_was_wrong():
    mc = MarkovChain(2).fit(TEXT)
    with pytest.raises(RuntimeError, match="not fitted"):
        MarkovChain().sample(3)
    with pytest.raises(ValueError, match="tokens not seen in fit: 'z'"):
        mc.score("abz")
    with pytest.raises(ValueError, match="needs order=1"):
        mc.stationary_distribution()
    with pytest.raises(ValueError, match="context must have 2"):
        mc.probability("a", "b")
    with pytest.raises(ValueError, match="method must be"):
        MarkovChain().fit(TEXT).stationary_distribution("qr")
    with pytest.raises(ValueError, match="at least order=2"):
        mc.sample(5, start="a")
