"""SVC by SMO: parity with scikit-learn's SVC (support vectors, dual coefficients, decisions, one-vs-one), KKT."""

import numpy as np
import pytest

from nbnet.estimators import SVC, load_estimator
from nbnet.estimators.svm import smo


def moons(n=200, seed=0):
    from sklearn.datasets import make_moons
    return make_moons(n, noise=0.25, random_state=seed)


@pytest.mark.parametrize("kernel, params", [("rbf", {}), ("rbf", {"gamma": 2.0, "C": 10.0}),
                                            ("linear", {"C": 0.5}), ("poly", {"degree": 2, "coef0": 1.0}),
                                            ("rbf", {"gamma": "auto"})])
def test_matches_sklearn_svc(kernel, params):
    from sklearn.svm import SVC as SkSVC
    X, y = moons()
    ours = SVC(kernel=kernel, tol=1e-5, **params).fit(X, y)
    ref = SkSVC(kernel=kernel, tol=1e-5, **params).fit(X, y)
    np.testing.assert_array_equal(ours.support_, ref.support_)
    np.testing.assert_array_equal(ours.n_support_, ref.n_support_)
    np.testing.assert_allclose(ours.dual_coef_, ref.dual_coef_, atol=1e-3 * max(1, ours.C))
    np.testing.assert_allclose(ours.decision_function(X), ref.decision_function(X), atol=1e-3)
    np.testing.assert_array_equal(ours.predict(X), ref.predict(X))
    if kernel == "linear":
        cosine = (ours.coef_ @ ref.coef_.T).item() / np.linalg.norm(ours.coef_) / np.linalg.norm(ref.coef_)
        assert cosine > 0.99999


@pytest.mark.parametrize("kernel", ["rbf", "linear"])
def test_multiclass_one_vs_one_matches_sklearn_svc(kernel):
    from sklearn.datasets import load_iris
    from sklearn.svm import SVC as SkSVC
    X, y = load_iris(return_X_y=True)
    names = np.array(["setosa", "versicolor", "virginica"])[y]
    for shape in ("ovr", "ovo"):
        ours = SVC(kernel=kernel, C=2.0, tol=1e-5, decision_function_shape=shape).fit(X, names)
        ref = SkSVC(kernel=kernel, C=2.0, tol=1e-5, decision_function_shape=shape).fit(X, names)
        np.testing.assert_array_equal(ours.support_, ref.support_)
        np.testing.assert_array_equal(ours.n_support_, ref.n_support_)
        np.testing.assert_allclose(ours.dual_coef_, ref.dual_coef_, atol=2e-3)
        np.testing.assert_allclose(ours.intercept_, ref.intercept_, atol=2e-3)
        np.testing.assert_allclose(ours.decision_function(X), ref.decision_function(X), atol=2e-3)
        np.testing.assert_array_equal(ours.predict(X), ref.predict(X))
        assert ours.n_iter_.shape == (3,)
    if kernel == "linear":
        np.testing.assert_allclose(ours.coef_, ref.coef_, atol=5e-3)


def test_dual_solution_satisfies_the_kkt_conditions():
    X, y = moons(150, seed=1)
    signs = np.where(y == 1, 1.0, -1.0)
    K = np.exp(-np.sum((X[:, None] - X[None]) ** 2, -1))
    C = 2.0
    alpha, rho, steps = smo(K, signs, C, tol=1e-6)
    assert steps > 0 and abs(alpha @ signs) < 1e-10 and alpha.min() >= 0 and alpha.max() <= C
    margin = signs * (K @ (alpha * signs) - rho)                # y_i f(x_i)
    assert np.all(margin[alpha == 0] >= 1 - 1e-4)               # outside the margin
    assert np.all(margin[alpha == C] <= 1 + 1e-4)               # inside or wrong side
    free = (alpha > 0) & (alpha < C)
    np.testing.assert_allclose(margin[free], 1.0, atol=1e-4)    # exactly on the margin


def test_labels_are_mapped_like_sklearn_and_support_vectors_suffice():
    X, y = moons()
    names = np.where(y == 1, "yes", "no")
    clf = SVC(C=3.0, gamma=1.0).fit(X, names)
    assert list(clf.classes_) == ["no", "yes"] and clf.score(X, names) > 0.9
    np.testing.assert_array_equal(clf.support_vectors_, X[clf.support_])
    again = SVC(C=3.0, gamma=1.0).fit(X[clf.support_], names[clf.support_])    # the others never mattered
    np.testing.assert_allclose(again.decision_function(X), clf.decision_function(X), atol=1e-2)


def test_save_load_round_trip_and_clone(tmp_path):
    from sklearn.base import clone
    X, y = moons()
    clf = SVC(kernel="poly", degree=2, gamma=0.7).fit(X, y)
    three = SVC(decision_function_shape="ovo").fit(X, y + (X[:, 0] > 1.5))
    three.save(tmp_path / "three.nbnet")
    np.testing.assert_allclose(load_estimator(tmp_path / "three.nbnet").decision_function(X),
                               three.decision_function(X))
    clf.save(tmp_path / "svc.nbnet")
    loaded = load_estimator(tmp_path / "svc.nbnet")
    assert loaded.get_params() == clf.get_params()
    np.testing.assert_allclose(loaded.decision_function(X), clf.decision_function(X))
    assert clone(clf).get_params() == clf.get_params() and "degree=2" in repr(clf)


def test_max_iter_limits_the_steps():
    X, y = moons()
    assert SVC(max_iter=5).fit(X, y).n_iter_.tolist() == [5]


def test_bad_input_errors():
    X, y = moons()
    with pytest.raises(ValueError, match="at least two classes"):
        SVC().fit(X, np.zeros(len(y)))
    with pytest.raises(ValueError, match="decision_function_shape must be 'ovr' or 'ovo'"):
        SVC(decision_function_shape="both").fit(X, y)
    with pytest.raises(ValueError, match="C must be positive"):
        SVC(C=0).fit(X, y)
    with pytest.raises(ValueError, match="kernel must be 'linear', 'rbf' or 'poly'"):
        SVC(kernel="sigmoid").fit(X, y)
    with pytest.raises(ValueError, match="gamma must be 'scale', 'auto' or a positive number"):
        SVC(gamma="big").fit(X, y)
    with pytest.raises(ValueError, match=r"expected labels of shape \(200,\)"):
        SVC().fit(X, y[:10])
    with pytest.raises(RuntimeError, match="not fitted"):
        SVC().predict(X)
    with pytest.raises(ValueError, match="expected 2 features .* got 3"):
        SVC().fit(X, y).decision_function(np.ones((2, 3)))
