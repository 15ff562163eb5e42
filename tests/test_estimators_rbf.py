"""RBF network: k-means, the width heuristic, the ridge readout, conventions, save/load, bad input."""

import numpy as np
import pytest

from nbnet.estimators import RBFClassifier, RBFRegressor, load_estimator
from nbnet.estimators._kernels import kmeans, ridge_readout
from nbnet.estimators.rbf import max_distance_width, nearest_width


def wave(n=300, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-3, 3, (n, 1))
    return x, np.sin(2 * x[:, 0]) + rng.normal(0, 0.05, n)


def blobs(n=60, seed=0):
    rng = np.random.default_rng(seed)
    centres = np.array([[0.0, 0.0], [5.0, 5.0], [0.0, 6.0]])
    X = np.vstack([rng.normal(c, 0.5, (n, 2)) for c in centres])
    return X, np.repeat(np.arange(3), n), centres


def test_kmeans_finds_well_separated_clusters_and_matches_sklearn_inertia():
    from sklearn.cluster import KMeans
    X, labels, centres = blobs()
    ours, assigned, _ = kmeans(X, 3, np.random.default_rng(0))
    order = np.argsort(ours[:, 0] * 10 + ours[:, 1])
    np.testing.assert_allclose(ours[order], centres[np.argsort(centres[:, 0] * 10 + centres[:, 1])], atol=0.2)
    assert len(set(zip(assigned, labels))) == 3                   # one cluster per blob
    inertia = ((X - ours[assigned]) ** 2).sum()
    reference = KMeans(3, n_init=10, random_state=0).fit(X).inertia_
    assert inertia == pytest.approx(reference, rel=1e-6)


def test_hidden_layer_is_gaussian_with_the_documented_widths():
    x, y = wave()
    rbf = RBFRegressor(12, random_state=0).fit(x, y)
    c = np.sort(rbf.centers_[:, 0])
    gaps = np.abs(c[:, None] - c[None])
    np.fill_diagonal(gaps, np.inf)
    two = np.sort(gaps, axis=1)[:, :2]
    assert rbf.width_ == pytest.approx(np.mean(np.sqrt((two ** 2).mean(1)))) == pytest.approx(
        nearest_width(rbf.centers_))
    haykin = RBFRegressor(12, width="max_distance", random_state=0).fit(x, y)
    assert haykin.width_ == pytest.approx((c[-1] - c[0]) / np.sqrt(24)) == pytest.approx(
        max_distance_width(rbf.centers_))
    assert nearest_width(rbf.centers_[:1]) == 1.0
    H = rbf.transform(x[:5])
    np.testing.assert_allclose(H, np.exp(-(x[:5] - rbf.centers_[:, 0]) ** 2 / (2 * rbf.width_ ** 2)))
    assert RBFRegressor(12, width=0.3, random_state=0).fit(x, y).width_ == 0.3


def test_readout_is_the_ridge_solution():
    x, y = wave()
    rbf = RBFRegressor(15, alpha=0.1, random_state=1).fit(x, y)
    H1 = np.hstack([rbf.transform(x), np.ones((len(x), 1))])
    D = np.diag(np.r_[np.full(15, 0.1), 0.0])                     # intercept not penalised
    beta = np.linalg.lstsq(H1.T @ H1 + D, H1.T @ y, rcond=None)[0]
    np.testing.assert_allclose(np.r_[rbf.coef_[:, 0], rbf.intercept_], beta, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(ridge_readout(H1.T @ H1, H1.T @ y[:, None], 0.1,
                                             np.r_[np.zeros(15, bool), True])[:, 0], beta, rtol=1e-6)


def test_regressor_approximates_a_function_and_scores_r2():
    x, y = wave()
    rbf = RBFRegressor(20, random_state=0).fit(x, y)
    grid = np.linspace(-2.8, 2.8, 200)[:, None]
    assert np.mean((rbf.predict(grid) - np.sin(2 * grid[:, 0])) ** 2) < 0.001
    assert rbf.predict(grid).shape == (200,) and rbf.score(x, y) > 0.98
    two = RBFRegressor(20, random_state=0).fit(x, np.c_[y, -y])
    assert two.predict(grid).shape == (200, 2)
    np.testing.assert_allclose(two.predict(grid)[:, 0], rbf.predict(grid), atol=1e-8)


def test_classifier_on_three_blobs_with_string_labels():
    X, labels, _ = blobs()
    names = np.array(["a", "b", "c"])[labels]
    clf = RBFClassifier(6, random_state=0).fit(X, names)
    assert list(clf.classes_) == ["a", "b", "c"] and clf.score(X, names) == 1.0
    assert clf.decision_function(X).shape == (180, 3)


def test_seeded_fits_are_reproducible_and_sklearn_clone_works():
    from sklearn.base import clone
    x, y = wave()
    a, b = (RBFRegressor(10, random_state=5).fit(x, y) for _ in range(2))
    np.testing.assert_array_equal(a.centers_, b.centers_)
    copy = clone(RBFRegressor(7, alpha=0.5))
    assert copy.get_params() == {"n_centers": 7, "width": "nearest", "alpha": 0.5, "max_iter": 100,
                                 "random_state": None}


@pytest.mark.parametrize("cls", [RBFRegressor, RBFClassifier])
def test_save_load_round_trip(tmp_path, cls):
    X, labels, _ = blobs()
    est = cls(8, random_state=0).fit(X, labels)
    est.save(tmp_path / "rbf.nbnet")
    loaded = load_estimator(tmp_path / "rbf.nbnet")
    assert type(loaded) is cls and loaded.get_params() == est.get_params()
    np.testing.assert_array_equal(loaded.predict(X), est.predict(X))


def test_bad_input_errors():
    x, y = wave(30)
    with pytest.raises(ValueError, match="n_centers must be an int from 1 to the number of samples"):
        RBFRegressor(50).fit(x, y)
    for width in (-1.0, "widest", None):
        with pytest.raises(ValueError, match="width must be 'nearest', 'max_distance' or a positive number"):
            RBFRegressor(3, width=width).fit(x, y)
    with pytest.raises(ValueError, match=r"expected numeric targets of shape \(30,\)"):
        RBFRegressor(3).fit(x, y[:10])
    with pytest.raises(ValueError, match="at least two classes"):
        RBFClassifier(3).fit(x, np.zeros(30))
    with pytest.raises(RuntimeError, match="not fitted"):
        RBFRegressor().predict(x)
    fitted = RBFRegressor(3, random_state=0).fit(x, y)
    with pytest.raises(ValueError, match="expected 1 features .* got 2"):
        fitted.predict(np.ones((4, 2)))
    with pytest.raises(ValueError, match="NaN or infinity"):
        RBFRegressor(3).fit(np.full((30, 1), np.nan), y)
