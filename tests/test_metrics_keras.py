"""Metrics against Keras 3: Precision, Recall, AUC, top-k accuracy, MAPE, and a Metric subclass
written with add_variable exactly as Keras's guide writes one."""

import keras
import numpy as np
import pytest

import nbnet

RNG = np.random.default_rng(0)
Y_BIN = RNG.integers(0, 2, (64, 3)).astype("float32")
P_BIN = np.clip(Y_BIN * 0.3 + RNG.random((64, 3)) * 0.7, 0, 1).astype("float32")
SW = RNG.random(64).astype("float32")


def both(name, kwargs, *batches):
    """Result of metric ``name`` after updating with each (y, p[, sw]) batch, in both frameworks."""
    out = []
    for K in (nbnet, keras):
        metric = getattr(K.metrics, name)(**kwargs)
        for batch in batches:
            metric.update_state(*batch)
        out.append(np.asarray(keras.ops.convert_to_numpy(metric.result()) if K is keras else metric.result()))
    return out


@pytest.mark.parametrize("name", ["Precision", "Recall"])
@pytest.mark.parametrize("kwargs", [{}, {"thresholds": [0.2, 0.5, 0.8]}, {"class_id": 1}, {"top_k": 1},
                                    {"thresholds": 0.7, "class_id": 2}])
def test_precision_recall_match_keras(name, kwargs):
    ours, theirs = both(name, kwargs, (Y_BIN[:30], P_BIN[:30]), (Y_BIN[30:], P_BIN[30:], SW[30:]))
    np.testing.assert_allclose(ours, theirs, rtol=1e-5)


@pytest.mark.parametrize("kwargs", [{}, {"curve": "PR"}, {"summation_method": "minoring"},
                                    {"summation_method": "majoring", "curve": "PR"}, {"num_thresholds": 7},
                                    {"thresholds": [0.25, 0.5, 0.75]}])
def test_auc_matches_keras(kwargs):
    ours, theirs = both("AUC", kwargs, (Y_BIN[:, 0], P_BIN[:, 0]), (Y_BIN[:, 1], P_BIN[:, 1], SW))
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-7)


def test_auc_from_logits_and_a_perfect_ranking():
    logits = RNG.normal(size=50).astype("float32")
    y = (logits > 0.3).astype("float32")
    ours, theirs = both("AUC", {"from_logits": True}, (y, logits))
    np.testing.assert_allclose(ours, theirs, rtol=1e-5)
    assert float(ours) > 0.99


@pytest.mark.parametrize("name, kwargs, labels", [("TopKCategoricalAccuracy", {"k": 2}, "onehot"),
                                                  ("SparseTopKCategoricalAccuracy", {"k": 3}, "sparse"),
                                                  ("MeanAbsolutePercentageError", {}, "regression")])
def test_wrapped_metrics_match_keras(name, kwargs, labels):
    p = RNG.random((40, 5)).astype("float32")
    y = {"onehot": np.eye(5, dtype="float32")[RNG.integers(0, 5, 40)], "sparse": RNG.integers(0, 5, 40),
         "regression": RNG.random((40, 5)).astype("float32") + 0.5}[labels]
    ours, theirs = both(name, kwargs, (y, p))
    np.testing.assert_allclose(ours, theirs, rtol=1e-5)


def test_metric_names_resolve_from_strings():
    for name, cls in [("precision", "Precision"), ("recall", "Recall"), ("auc", "AUC"),
                      ("mape", "MeanAbsolutePercentageError"),
                      ("top_k_categorical_accuracy", "TopKCategoricalAccuracy")]:
        assert type(nbnet.metrics.get(name)).__name__ == cls


def binary_true_positives(K):
    """keras.io's custom-metric example, written once for both frameworks."""
    class BinaryTruePositives(K.metrics.Metric):
        def __init__(self, name="binary_true_positives", **kwargs):
            super().__init__(name=name, **kwargs)
            self.true_positives = self.add_variable(shape=(), initializer="zeros", name="true_positives")

        def update_state(self, y_true, y_pred, sample_weight=None):
            y_true = K.ops.cast(y_true, "bool")
            y_pred = K.ops.cast(K.ops.greater(y_pred, 0.5), "bool")
            values = K.ops.cast(K.ops.logical_and(K.ops.equal(y_true, True), K.ops.equal(y_pred, True)),
                                self.dtype)
            if sample_weight is not None:
                values = K.ops.multiply(values, K.ops.cast(sample_weight, self.dtype))
            self.true_positives.assign(self.true_positives + K.ops.sum(values))

        def result(self):
            return self.true_positives
    return BinaryTruePositives()


def test_metric_subclass_with_add_variable_as_in_keras():
    results = []
    for K in (nbnet, keras):
        metric = binary_true_positives(K)
        metric.update_state(Y_BIN[:, 0], P_BIN[:, 0])
        metric.update_state(Y_BIN[:, 1], P_BIN[:, 1], SW)
        results.append(float(keras.ops.convert_to_numpy(metric.result())))
        assert len(metric.variables) == 1
        metric.reset_state()
        assert float(keras.ops.convert_to_numpy(metric.result())) == 0.0
    assert results[0] == pytest.approx(results[1], rel=1e-6)


def test_custom_and_confusion_metrics_in_fit_and_history():
    x = RNG.normal(size=(64, 3)).astype("float32")
    y = (x[:, :1] > 0).astype("float32")
    keys = []
    for K in (nbnet, keras):
        model = K.Sequential([K.Input((3,)), K.layers.Dense(1, activation="sigmoid")])
        model.compile("adam", "binary_crossentropy",
                      metrics=[binary_true_positives(K), K.metrics.Precision(name="precision"),
                               K.metrics.AUC(name="auc")])
        keys.append(sorted(model.fit(x, y, epochs=2, batch_size=16, verbose=0).history))
    assert keys[0] == keys[1] == ["auc", "binary_true_positives", "loss", "precision"]
