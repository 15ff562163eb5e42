"""SelfOrganizingMap: one Kohonen step by hand, schedules, both errors falling, ordering,
conventions, save/load, bad input."""

import numpy as np
import pytest

from nbnet.estimators import SelfOrganizingMap, load_estimator


def colours(n=500, seed=0):
    return np.random.default_rng(seed).random((n, 3))


def test_one_update_moves_the_winner_and_its_neighbours():
    som = SelfOrganizingMap((3, 4), n_iter=0, random_state=0).fit(colours(20))
    before, x = som.weights_.copy(), np.array([1.0, 0.0, 0.0])
    som._update(x, 0.5, 1.0)
    c = np.argmin(((x - before) ** 2).sum(1))
    h = np.exp(-((som.grid_ - som.grid_[c]) ** 2).sum(1) / 2.0)
    np.testing.assert_allclose(som.weights_, before + 0.5 * h[:, None] * (x - before), atol=1e-14)
    assert np.argmax(np.linalg.norm(som.weights_ - before, axis=1)) == c


def test_schedules_decay_from_initial_to_final():
    som = SelfOrganizingMap((6, 10), learning_rate=0.5, learning_rate_final=0.01, sigma_final=0.5)
    eta, sigma = som._schedule(1000)
    assert eta[0] == 0.5 and eta[-1] == pytest.approx(0.01) and np.all(np.diff(eta) < 0)
    assert sigma[0] == 5.0 and sigma[-1] == pytest.approx(0.5) and np.all(np.diff(sigma) < 0)


def test_quantization_and_topographic_error_fall_over_training():
    X = colours()
    som = SelfOrganizingMap((10, 10), n_iter=8, random_state=0).fit(X)
    qe, te = som.quantization_errors_, som.topographic_errors_
    assert len(qe) == 9 and qe[0] == pytest.approx(SelfOrganizingMap((10, 10), n_iter=0, random_state=0)
                                                   .fit(X).quantization_error(X))
    assert np.all(np.diff(qe) < 0) and qe[-1] < 0.4 * qe[0]
    assert te[0] > 0.5 and te[-1] < 0.1
    assert som.quantization_error(X) == pytest.approx(qe[-1]) and som.topographic_error(X) == te[-1]


def test_errors_against_brute_force():
    X = colours(50, seed=1)
    som = SelfOrganizingMap((4, 5), n_iter=2, random_state=0).fit(X)
    d = np.linalg.norm(X[:, None] - som.weights_[None], axis=-1)
    assert som.quantization_error(X) == pytest.approx(d.min(1).mean(), rel=1e-9)
    first, second = np.argsort(d, axis=1)[:, 0], np.argsort(d, axis=1)[:, 1]
    adjacent = np.abs(som.grid_[first] - som.grid_[second]).max(1) <= 1
    assert som.topographic_error(X) == pytest.approx(1 - adjacent.mean())
    np.testing.assert_array_equal(som.predict(X), first)
    np.testing.assert_array_equal(som.transform(X), som.grid_[first].astype(int))


def test_one_dimensional_map_orders_a_line():
    """A 1 x 20 map of points on a segment ends up monotone along the segment (Kohonen's ordering)."""
    X = np.random.default_rng(0).random((400, 1))
    w = SelfOrganizingMap((1, 20), n_iter=10, random_state=0).fit(X).weights_[:, 0]
    steps = np.diff(w)
    assert np.all(steps > 0) or np.all(steps < 0)


def test_seeded_reproducibility_and_sample_init():
    X = colours(100)
    a = SelfOrganizingMap((5, 5), n_iter=2, random_state=1).fit(X).weights_
    b = SelfOrganizingMap((5, 5), n_iter=2, random_state=1).fit(X).weights_
    c = SelfOrganizingMap((5, 5), n_iter=2, random_state=2).fit(X).weights_
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    start = SelfOrganizingMap((5, 5), n_iter=0, init="sample", random_state=0).fit(X).weights_
    assert all((row == X).all(1).any() for row in start)


def test_save_load_round_trip(tmp_path):
    X = colours(100)
    som = SelfOrganizingMap((4, 6), n_iter=2, random_state=0).fit(X)
    som.save(tmp_path / "som.nbnet")
    loaded = load_estimator(tmp_path / "som.nbnet")
    assert isinstance(loaded, SelfOrganizingMap) and loaded.unit_weights().shape == (4, 6, 3)
    np.testing.assert_array_equal(loaded.predict(X), som.predict(X))
    np.testing.assert_array_equal(loaded.topographic_errors_, som.topographic_errors_)


@pytest.mark.parametrize("params, match", [(dict(grid_shape=(1, 1)), "grid_shape"),
                                           (dict(grid_shape=(2, 2, 2)), "grid_shape"),
                                           (dict(learning_rate=0), "learning_rate"),
                                           (dict(sigma=-1.0), "sigma"), (dict(n_iter=-1), "n_iter"),
                                           (dict(init="pca"), "init")])
def test_bad_hyperparameters(params, match):
    with pytest.raises(ValueError, match=match):
        SelfOrganizingMap(**params).fit(colours(10))


def test_bad_input():
    with pytest.raises(RuntimeError, match="not fitted"):
        SelfOrganizingMap().transform(colours(5))
    with pytest.raises(ValueError, match="2-D"):
        SelfOrganizingMap().fit(colours(5)[:, 0])
    som = SelfOrganizingMap((3, 3), n_iter=1, random_state=0).fit(colours(20))
    with pytest.raises(ValueError, match="3 features"):
        som.quantization_error(np.zeros((4, 2)))
    with pytest.raises(ValueError, match="NaN"):
        som.predict(np.full((2, 3), np.nan))
