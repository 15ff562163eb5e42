"""Estimator conventions (get/set_params, sklearn clone and Pipeline), DBN, save/load round trips."""

import numpy as np
import pytest

import nbnet
from nbnet.estimators import DBN, RBM, BoltzmannMachine, Hopfield, load_estimator


def digits():
    from sklearn.datasets import load_digits
    data = load_digits()
    return (data.data / 16 > 0.5).astype(np.float64), data.target


@pytest.mark.parametrize("est", [RBM(5, learning_rate=0.2), Hopfield(update="sync"),
                                 BoltzmannMachine(3, n_iter=7), DBN((8, 4), n_iter=2)])
def test_get_set_params_and_sklearn_clone(est):
    from sklearn.base import clone
    params = est.get_params()
    copy = clone(est)
    assert type(copy) is type(est) and copy.get_params() == params and copy is not est
    est.set_params(verbose=1)
    assert est.verbose == 1
    with pytest.raises(ValueError, match="Invalid parameter 'nope'"):
        est.set_params(nope=1)
    assert type(est).__name__ in repr(est)


def test_rbm_in_a_sklearn_pipeline():
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    X, y = digits()
    pipe = Pipeline([("rbm", RBM(64, learning_rate=0.05, n_iter=10, random_state=0)),
                     ("logistic", LogisticRegression(max_iter=500))]).fit(X[:1200], y[:1200])
    assert pipe.score(X[1200:], y[1200:]) > 0.8


def test_dbn_stack_transform_sample_and_sequential():
    X, _ = digits()
    dbn = DBN((20, 10), learning_rate=0.05, n_iter=3, random_state=0).fit(X)
    assert [r.components_.shape for r in dbn.rbms_] == [(20, 64), (10, 20)]
    np.testing.assert_allclose(dbn.transform(X), dbn.rbms_[1].transform(dbn.rbms_[0].transform(X)))
    samples = dbn.sample(5, n_gibbs=10, random_state=0)
    assert samples.shape == (5, 64) and samples.min() >= 0 and samples.max() <= 1
    model = dbn.to_sequential()
    np.testing.assert_allclose(model.predict(X[:50], verbose=0), dbn.transform(X[:50]), atol=1e-5)
    clf = dbn.to_sequential(10)
    assert isinstance(clf, nbnet.Sequential) and clf.predict(X[:3], verbose=0).shape == (3, 10)
    with pytest.raises(ValueError, match="at least one layer"):
        DBN(()).fit(X)


def test_seeded_dbn_is_reproducible():
    X, _ = digits()
    a, b = (DBN((8, 4), n_iter=2, random_state=3).fit(X[:200]) for _ in range(2))
    for ra, rb in zip(a.rbms_, b.rbms_):
        np.testing.assert_array_equal(ra.components_, rb.components_)


def fitted_estimators():
    X, _ = digits()
    spins = np.where(X[:5] > 0, 1.0, -1.0)
    small = np.array([[1, 0, 1], [0, 1, 1]], float)
    return [(RBM(6, n_iter=2, random_state=0).fit(X), X, lambda e, d: e.transform(d)),
            (DBN((6, 4), n_iter=1, random_state=0).fit(X), X, lambda e, d: e.transform(d)),
            (Hopfield(random_state=0).fit(spins), spins, lambda e, d: e.energy(d)),
            (BoltzmannMachine(2, n_iter=20, random_state=0).fit(small), small,
             lambda e, d: e.score_samples(d))]


@pytest.mark.parametrize("index", range(4))
def test_save_load_round_trip(tmp_path, index):
    est, data, output = fitted_estimators()[index]
    path = tmp_path / "est.zip"
    est.save(path)
    loaded = load_estimator(path)
    assert type(loaded) is type(est) and loaded.get_params() == est.get_params()
    np.testing.assert_array_equal(output(loaded, data), output(est, data))


def test_loading_rejects_foreign_and_truncated_files(tmp_path):
    est = RBM(3, n_iter=1, random_state=0).fit(digits()[0][:20])
    path = tmp_path / "rbm.zip"
    est.save(path)
    (tmp_path / "short.zip").write_bytes(path.read_bytes()[:100])
    with pytest.raises(ValueError, match="not a valid archive|corrupt|incomplete"):
        load_estimator(tmp_path / "short.zip")
    model = nbnet.Sequential([nbnet.Input((3,)), nbnet.layers.Dense(2)])
    model.save(tmp_path / "model.zip")
    with pytest.raises(ValueError, match="format"):
        load_estimator(tmp_path / "model.zip")
    with pytest.raises(FileNotFoundError):
        load_estimator(tmp_path / "missing.zip")
