"""Tests for nbnet.estimators.KneserNeyLM: hand counts, normalisation, scores, API, persistence."""

import numpy as np
import pytest

from nbnet.estimators import KneserNeyLM, load_estimator


def _p(lm, context, ch):
    return lm.predict_proba(context)[list(lm.vocabulary_).index(ch)]


def test_bigram_model_matches_a_hand_count():
    # "abab": bigrams ab ×2, ba ×1.  Continuation counts N1+(•a) = |{b}| = 1, N1+(•b) = |{a}| = 1,
    # so p1(a) = p1(b) = (1 − ½ + ½·2·½)/2 = ½.  After "a": c(a) = 2, one type:
    # p(b|a) = (2 − ½ + ½·1·½)/2 = 7/8, p(a|a) = ½·½/2 = 1/8.  After "b": p(a|b) = (1 − ½ + ¼)/1 = 3/4.
    lm = KneserNeyLM(order=2, discount=0.5).fit("abab")
    assert list(lm.vocabulary_) == ["a", "b"]
    assert _p(lm, "", "a") == pytest.approx(0.5)
    assert _p(lm, "a", "b") == pytest.approx(7 / 8) and _p(lm, "a", "a") == pytest.approx(1 / 8)
    assert _p(lm, "b", "a") == pytest.approx(3 / 4) and _p(lm, "b", "b") == pytest.approx(1 / 4)


def test_trigram_model_matches_a_hand_count():
    # "abracadabra", D = ½, V = {a, b, c, d, r}.  Bigram types ab br ra ac ca ad da: a follows three
    # distinct characters, b r c d one each, so p1(a) = (3 − ½ + ½·5·⅕)/7 = 3/7.  Trigram types ending
    # in "ra": only "bra", so p2(a|r) = (1 − ½ + ½·1·3/7)/1 = 5/7.  "bra" occurs twice, "br" is always
    # followed by a: p3(a|br) = (2 − ½ + ½·1·5/7)/2 = 13/14.
    lm = KneserNeyLM(order=3, discount=0.5).fit("abracadabra")
    assert _p(lm, "", "a") == pytest.approx(3 / 7)
    assert _p(lm, "r", "a") == pytest.approx(5 / 7)          # a short context uses the lower orders
    assert _p(lm, "abr", "a") == pytest.approx(13 / 14)
    assert np.exp(lm.log_prob("a", context="abr"))[0] == pytest.approx(13 / 14)


@pytest.mark.parametrize("order", [1, 2, 4, 6])
@pytest.mark.parametrize("discount", [0.1, 0.75, 1.0])
def test_every_context_distribution_sums_to_one(order, discount):
    rng = np.random.default_rng(0)
    corpus = "".join(rng.choice(list("abcde  \n"), 400)) + "the cat sat on the mat"
    lm = KneserNeyLM(order=order, discount=discount, vocabulary=sorted(set(corpus)) + ["z"]).fit(corpus)
    contexts = ["", "a", "the c", "zzzz", "q" * 0] + [corpus[i:i + 5] for i in range(0, 400, 37)]
    for context in contexts:
        p = lm.predict_proba(context)
        assert p.shape == (len(lm.vocabulary_),) and np.all(p > 0)
        assert p.sum() == pytest.approx(1.0, abs=1e-12)


def test_log_prob_bits_and_score_agree():
    corpus = "the cat sat on the mat. the cat ran. " * 5
    lm = KneserNeyLM(order=4, discount=0.9).fit(corpus)
    held_out = "the rat sat on the cat."
    lp = lm.log_prob(held_out, context="ran. ")
    assert lp.shape == (len(held_out),) and np.all(lp < 0)
    # each character's log-probability is that of the distribution after its (order − 1) predecessors
    full = "ran. " + held_out
    for i in (0, 1, 7, len(held_out) - 1):
        j = 5 + i
        assert lp[i] == pytest.approx(np.log(_p(lm, full[j - 3:j], full[j])))
    assert lm.bits_per_char(held_out, "ran. ") == pytest.approx(-lp.mean() / np.log(2))
    assert lm.score(held_out, context="ran. ") == pytest.approx(-lm.bits_per_char(held_out, "ran. "))


def test_higher_orders_predict_repetitive_text_better():
    corpus = "def f(x):\n    return x + 1\n" * 30
    bpc = [KneserNeyLM(order=n, discount=0.9).fit(corpus).bits_per_char("def f(x):\n    return x") for n in (1, 2, 4)]
    assert bpc[0] > bpc[1] > bpc[2]
    assert bpc[0] == pytest.approx(-np.mean(np.log2(KneserNeyLM(order=1).fit(corpus).predict_proba()[
        [list(sorted(set(corpus))).index(c) for c in "def f(x):\n    return x"]])), rel=1e-12)


@pytest.mark.parametrize("params, match", [({"order": 0}, "order"), ({"order": 2.5}, "order"),
                                           ({"discount": 0.0}, "discount"), ({"discount": 1.5}, "discount"),
                                           ({"vocabulary": "ab"}, "not in the given vocabulary")])
def test_bad_hyperparameters_are_refused(params, match):
    with pytest.raises(ValueError, match=match):
        KneserNeyLM(**params).fit("abcabc")


def test_bad_input_is_refused_with_clear_messages():
    with pytest.raises(RuntimeError, match="not fitted"):
        KneserNeyLM().bits_per_char("abc")
    with pytest.raises(TypeError, match="expected a str"):
        KneserNeyLM().fit(["a", "b"])
    with pytest.raises(ValueError, match="fewer than order"):
        KneserNeyLM(order=5).fit("abc")
    lm = KneserNeyLM(order=2).fit("abcabc")
    with pytest.raises(ValueError, match=r"\['x'\] are not in the vocabulary"):
        lm.log_prob("abx")
    with pytest.raises(ValueError, match="non-empty"):
        lm.log_prob("")


def test_scikit_learn_conventions():
    sklearn_base = pytest.importorskip("sklearn.base")
    lm = KneserNeyLM(order=3, discount=0.8)
    assert lm.get_params() == {"order": 3, "discount": 0.8, "vocabulary": None}
    assert repr(lm) == "KneserNeyLM(discount=0.8, order=3)"
    assert lm.fit("abcabd") is lm and hasattr(lm, "vocabulary_")
    twin = sklearn_base.clone(lm)
    assert twin.get_params() == lm.get_params() and not hasattr(twin, "vocabulary_")
    assert twin.set_params(order=2).order == 2


def test_save_and_load_round_trip(tmp_path):
    corpus = "the cat sat on the mat. the cat ran. "
    lm = KneserNeyLM(order=3, discount=0.7, vocabulary=sorted(set(corpus + "xyz"))).fit(corpus)
    lm.save(tmp_path / "kn.zip")
    back = load_estimator(tmp_path / "kn.zip")
    assert isinstance(back, KneserNeyLM) and back.get_params() == lm.get_params()
    np.testing.assert_array_equal(back.vocabulary_, lm.vocabulary_)
    np.testing.assert_array_equal(back.log_prob("the xat", "ran. "), lm.log_prob("the xat", "ran. "))
