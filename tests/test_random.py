"""nbnet.random: Keras 3's signatures and seeding rules (int → stateless, SeedGenerator → a
reproducible sequence, None → the global generator), and the distributions' moments."""

import inspect

import keras
import numpy as np
import pytest

import nbnet
from nbnet import random as nr

DRAWS = {
    "normal": lambda seed: nr.normal((1000,), 1.0, 2.0, seed=seed),
    "uniform": lambda seed: nr.uniform((1000,), -1.0, 3.0, seed=seed),
    "randint": lambda seed: nr.randint((1000,), 2, 7, seed=seed),
    "truncated_normal": lambda seed: nr.truncated_normal((1000,), 0.0, 1.0, seed=seed),
    "dropout": lambda seed: nr.dropout(np.ones((1000,), "float32"), 0.25, seed=seed),
    "shuffle": lambda seed: nr.shuffle(np.arange(1000), seed=seed),
    "categorical": lambda seed: nr.categorical(np.zeros((2, 5)), 500, seed=seed),
    "gamma": lambda seed: nr.gamma((1000,), 2.0, seed=seed),
    "beta": lambda seed: nr.beta((1000,), 2.0, 3.0, seed=seed),
    "binomial": lambda seed: nr.binomial((1000,), 10, 0.3, seed=seed),
}


@pytest.mark.parametrize("name", sorted(DRAWS))
def test_signature_matches_keras(name):
    ours = list(inspect.signature(getattr(nr, name)).parameters)
    theirs = list(inspect.signature(getattr(keras.random, name)).parameters)
    assert ours == theirs


@pytest.mark.parametrize("name", sorted(DRAWS))
def test_seeding_rules(name):
    draw = DRAWS[name]
    np.testing.assert_array_equal(draw(7), draw(7))            # an int: stateless
    assert not np.array_equal(draw(7), draw(8))
    gen, replay = nr.SeedGenerator(3), nr.SeedGenerator(3)
    first, second = draw(gen), draw(gen)
    assert not np.array_equal(first, second)                   # a generator advances...
    np.testing.assert_array_equal(first, draw(replay))         # ...and replays from its seed
    np.testing.assert_array_equal(second, draw(replay))
    nbnet.utils.set_random_seed(11)
    a = draw(None)
    nbnet.utils.set_random_seed(11)
    np.testing.assert_array_equal(a, draw(None))               # None: the global generator


def test_distributions_have_the_right_moments():
    n = (200_000,)
    x = nr.normal(n, 1.0, 2.0, seed=0)
    assert x.dtype == np.float32 and abs(x.mean() - 1) < 0.02 and abs(x.std() - 2) < 0.02
    u = nr.uniform(n, -1.0, 3.0, seed=0)
    assert u.min() >= -1 and u.max() < 3 and abs(u.mean() - 1) < 0.02
    r = nr.randint(n, 2, 7, seed=0)
    assert r.dtype == np.int32 and set(np.unique(r)) == {2, 3, 4, 5, 6}
    t = nr.truncated_normal(n, 0.0, 1.0, seed=0)
    assert np.abs(t).max() <= 2.0 and abs(t.std() - 0.8796) < 0.01   # sd of N(0,1) cut at ±2
    g = nr.gamma(n, 2.0, seed=0)
    assert abs(g.mean() - 2.0) < 0.03
    b = nr.beta(n, 2.0, 3.0, seed=0)
    assert abs(b.mean() - 0.4) < 0.01
    k = nr.binomial(n, 10, 0.3, seed=0)
    assert k.dtype == np.float32 and abs(k.mean() - 3.0) < 0.02


def test_categorical_follows_softmax_of_the_logits():
    logits = np.log(np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]]))
    s = nr.categorical(logits, 20_000, seed=0)
    assert s.shape == (2, 20_000) and s.dtype == np.int32
    freq = np.stack([np.bincount(row, minlength=3) / 20_000 for row in s])
    np.testing.assert_allclose(freq, np.exp(logits), atol=0.015)


def test_dropout_scales_kept_values_and_passes_gradients():
    x = np.ones((4, 1000), "float32")
    y = nr.dropout(x, 0.5, seed=0)
    assert set(np.unique(y)) == {0.0, 2.0} and abs((y == 0).mean() - 0.5) < 0.03
    col = nr.dropout(x, 0.5, noise_shape=(1, None), seed=0)
    assert (col == col[0]).all()                               # one mask shared over the batch
    with nbnet.GradientTape() as tape:
        t = nbnet.Tensor(x, requires_grad=True)
        out = nbnet.ops.sum(nr.dropout(t, 0.5, seed=0))
    np.testing.assert_array_equal(tape.gradient(out, [t])[0], y)   # dL/dx = mask
    with pytest.raises(ValueError, match="rate` must be in \\[0, 1\\), got 1.0"):
        nr.dropout(x, 1.0)


def test_shuffle_permutes_along_an_axis():
    x = np.arange(12).reshape(3, 4)
    s = nr.shuffle(x, axis=1, seed=1)
    assert sorted(s[0]) == [0, 1, 2, 3] and (np.sort(s, axis=1) == x).all()


def test_bad_seeds_and_config():
    with pytest.raises(ValueError, match="`seed` must be an integer, a nbnet.random.SeedGenerator or None"):
        nr.normal((2,), seed="x")
    with pytest.raises(ValueError, match="SeedGenerator: `seed` must be an integer, got 1.5"):
        nr.SeedGenerator(1.5)
    gen = nr.SeedGenerator(5, name="g")
    assert gen.get_config() == {"seed": 5, "name": "g"}
    assert nr.SeedGenerator.from_config(gen.get_config()).state.numpy().tolist() == [5, 0]
    nbnet.utils.set_random_seed(0)
    a = nr.SeedGenerator().state.numpy()[0]
    nbnet.utils.set_random_seed(0)
    assert nr.SeedGenerator().state.numpy()[0] == a        # a default seed follows set_random_seed
