"""The training loop: fit / evaluate / predict, losses and metrics, weighting, gradients, seeding."""

import re

import numpy as np
import pytest

import nbnet
from nbnet import callbacks, layers, losses, metrics


def classifier(n_in=2, hidden=8, n_out=2, seed=0, dropout=None, lr=0.01):
    nbnet.utils.set_random_seed(seed)
    stack = [nbnet.Input((n_in,)), layers.Dense(hidden, activation="relu")]
    stack += [layers.Dropout(dropout)] if dropout else []
    model = nbnet.Sequential(stack + [layers.Dense(n_out, activation="softmax")])
    model.compile(nbnet.optimizers.Adam(lr), "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


@pytest.fixture
def moons():
    return nbnet.datasets.make_moons(200, noise=0.15, seed=0)


class BatchCounter(callbacks.Callback):
    def on_train_begin(self, logs=None):
        self.sizes = []

    def on_train_batch_end(self, batch, logs=None):
        self.sizes.append(batch)


# --- fit, History, validation -----------------------------------------------------------------
def test_fit_returns_history_with_one_value_per_epoch(moons):
    x, y = moons
    model = classifier()
    history = model.fit(x, y, epochs=3, validation_split=0.2, verbose=0)
    assert isinstance(history, callbacks.History) and model.history is history
    assert set(history.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert all(len(v) == 3 for v in history.history.values())
    assert history.epoch == [0, 1, 2]
    assert all(0 <= a <= 1 for a in history.history["accuracy"])


def test_validation_split_holds_out_the_last_fraction(moons):
    x, y = moons
    model = classifier()
    model.fit(x, y, epochs=1, validation_split=0.25, verbose=0)
    counter = BatchCounter()
    history = model.fit(x, y, epochs=1, batch_size=10, validation_split=0.25, callbacks=[counter], verbose=0)
    assert len(counter.sizes) == 15, "150 training samples in batches of 10"
    val_loss, val_acc = model.evaluate(x[150:], y[150:], verbose=0)
    assert history.history["val_loss"][0] == pytest.approx(val_loss, rel=1e-6)
    assert history.history["val_accuracy"][0] == pytest.approx(val_acc)
    assert model.evaluate(x[:50], y[:50], verbose=0)[0] != pytest.approx(val_loss, rel=1e-6)


def test_validation_data(moons):
    x, y = moons
    model = classifier()
    history = model.fit(x[:150], y[:150], epochs=2, validation_data=(x[150:], y[150:]), verbose=0)
    assert history.history["val_loss"][-1] == pytest.approx(model.evaluate(x[150:], y[150:], verbose=0)[0],
                                                            rel=1e-6)


def test_shuffle_false_is_deterministic_and_takes_batches_in_order(moons):
    x, y = moons
    a, b = classifier(seed=3), classifier(seed=3)
    a.fit(x, y, epochs=2, batch_size=32, shuffle=False, verbose=0)
    for _ in range(2):
        for i in range(0, len(x), 32):
            b.train_on_batch(x[i:i + 32], y[i:i + 32])
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(wa, wb)


@pytest.mark.parametrize("batch_size, steps", [(None, 7), (1, 200), (64, 4), (200, 1), (500, 1)])
def test_batch_size_sets_the_number_of_steps(moons, batch_size, steps):
    x, y = moons
    model = classifier()
    counter = BatchCounter()
    model.fit(x, y, batch_size=batch_size, epochs=1, callbacks=[counter], verbose=0)
    assert len(counter.sizes) == steps and model.optimizer.iterations == steps


# --- evaluate, predict, *_on_batch ---------------------------------------------------------------
def test_evaluate_returns_loss_and_metrics(moons):
    x, y = moons
    model = classifier()
    loss, acc = model.evaluate(x, y, verbose=0)
    probs = model.predict(x, verbose=0)
    expected = -np.mean(np.log(probs[np.arange(len(y)), y]))
    assert loss == pytest.approx(expected, rel=1e-5)
    assert acc == pytest.approx(np.mean(probs.argmax(1) == y))
    assert model.evaluate(x, y, verbose=0, return_dict=True) == {"loss": pytest.approx(loss),
                                                                  "accuracy": pytest.approx(acc)}
    model.compile("sgd", "sparse_categorical_crossentropy")
    assert isinstance(model.evaluate(x, y, verbose=0), float)


def test_predict_in_batches_equals_one_call(moons):
    x, _ = moons
    model = classifier()
    one_shot = model(x.astype(np.float32))
    for batch_size in (None, 7, 1000):
        np.testing.assert_allclose(model.predict(x, batch_size=batch_size, verbose=0), one_shot, rtol=1e-6)


def test_on_batch_methods(moons):
    x, y = moons
    model = classifier()
    test_loss, test_acc = model.test_on_batch(x[:20], y[:20])
    assert [test_loss, test_acc] == pytest.approx(model.evaluate(x[:20], y[:20], verbose=0))
    train_loss, _ = model.train_on_batch(x[:20], y[:20])
    assert train_loss == pytest.approx(test_loss, rel=1e-6), "loss before the update is reported"
    assert model.optimizer.iterations == 1
    assert model.test_on_batch(x[:20], y[:20])[0] < test_loss
    np.testing.assert_allclose(model.predict_on_batch(x[:5]), model.predict(x[:5], verbose=0), rtol=1e-6)
    assert set(model.train_on_batch(x[:20], y[:20], return_dict=True)) == {"loss", "accuracy"}


# --- losses and metrics ------------------------------------------------------------------------
@pytest.mark.parametrize("loss, units, labels, expected", [
    ("binary_crossentropy", 1, "binary", metrics.BinaryAccuracy),
    ("categorical_crossentropy", 3, "onehot", metrics.CategoricalAccuracy),
    ("sparse_categorical_crossentropy", 3, "sparse", metrics.SparseCategoricalAccuracy),
    ("mse", 3, "onehot", metrics.CategoricalAccuracy),
    ("mse", 1, "binary", metrics.BinaryAccuracy),
])
def test_accuracy_resolves_as_keras_does(loss, units, labels, expected):
    rng = np.random.default_rng(0)
    y = {"binary": rng.integers(0, 2, (12, 1)), "sparse": rng.integers(0, 3, 12),
         "onehot": nbnet.utils.to_categorical(rng.integers(0, 3, 12), 3)}[labels]
    model = nbnet.Sequential([nbnet.Input((2,)),
                              layers.Dense(units, activation="sigmoid" if units == 1 else "softmax")])
    model.compile("sgd", loss, metrics=["accuracy"])
    model.fit(rng.random((12, 2)), y, verbose=0)
    assert type(model.metrics[-1]) is expected and model.metrics_names == ["loss", "accuracy"]
    probs = model.predict(rng.random((12, 2)), verbose=0)
    assert 0 <= model.evaluate(rng.random((12, 2)), y, verbose=0)[1] <= 1 and probs.shape == (12, units)


def two_output_model():
    nbnet.utils.set_random_seed(0)
    inp = nbnet.Input((4,), name="x")
    h = layers.Dense(8, activation="relu")(inp)
    yes = layers.Dense(1, activation="sigmoid", name="yes")(h)
    cls = layers.Dense(3, activation="softmax", name="cls")(h)
    return nbnet.Model(inp, [yes, cls])


def two_output_data(n=40):
    rng = np.random.default_rng(1)
    return rng.normal(size=(n, 4)), [rng.integers(0, 2, (n, 1)), rng.integers(0, 3, n)]


@pytest.mark.parametrize("as_dict", [False, True])
def test_multi_output_losses_weights_and_metric_names(as_dict):
    model = two_output_model()
    x, (y1, y2) = two_output_data()
    names = ["yes", "cls"]
    loss = ["binary_crossentropy", "sparse_categorical_crossentropy"]
    weights = [2.0, 0.5]
    if as_dict:
        loss, weights = dict(zip(names, loss)), dict(zip(names, weights))
        model.compile("adam", loss, loss_weights=weights, metrics={"yes": ["accuracy"], "cls": ["accuracy"]})
        y = {"yes": y1, "cls": y2}
    else:
        model.compile("adam", loss, loss_weights=weights, metrics=["accuracy"])
        y = [y1, y2]
    history = model.fit(x, y, epochs=2, validation_split=0.25, verbose=0)
    assert set(history.history) == {"loss", "yes_loss", "cls_loss", "yes_accuracy", "cls_accuracy",
                                    "val_loss", "val_yes_loss", "val_cls_loss", "val_yes_accuracy",
                                    "val_cls_accuracy"}
    logs = model.evaluate(x, y, verbose=0, return_dict=True)
    p1, p2 = model.predict(x, verbose=0)
    bce = losses.BinaryCrossentropy()(y1.astype(np.float32), p1)
    sce = losses.SparseCategoricalCrossentropy()(y2, p2)
    assert logs["yes_loss"] == pytest.approx(float(bce), rel=1e-5)
    assert logs["cls_loss"] == pytest.approx(float(sce), rel=1e-5)
    assert logs["loss"] == pytest.approx(2.0 * float(bce) + 0.5 * float(sce), rel=1e-5)
    assert logs["cls_accuracy"] == pytest.approx(np.mean(p2.argmax(1) == y2))
    assert logs["yes_accuracy"] == pytest.approx(np.mean((p1 > 0.5) == y1))
    assert model.metrics_names == ["loss", "yes_loss", "cls_loss", "yes_accuracy", "cls_accuracy"]


def test_sample_weight_scales_each_sample_loss():
    model = classifier(n_in=2, n_out=3)
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(6, 2)), np.array([0, 1, 2, 0, 1, 2])
    sw = np.array([1.0, 0.0, 2.0, 0.0, 1.0, 3.0])
    per_sample = losses.SparseCategoricalCrossentropy(reduction="none")(y, model.predict(x, verbose=0))
    assert model.evaluate(x, y, verbose=0)[0] == pytest.approx(per_sample.mean(), rel=1e-5)
    weighted = model.evaluate(x, y, sample_weight=sw, verbose=0)[0]
    assert weighted == pytest.approx((per_sample * sw).sum() / len(sw), rel=1e-5)   # Keras: Σ w ℓ / N
    zero_loss, zero_grads = model.gradients(x, y, sample_weight=np.zeros(6))
    assert zero_loss == 0 and all(np.all(g == 0) for g in zero_grads)


def test_class_weight_equals_the_matching_sample_weight():
    x, y = nbnet.datasets.make_moons(40, noise=0.2, seed=1)
    a, b = classifier(seed=5), classifier(seed=5)
    class_weight = {0: 1.0, 1: 4.0}
    loss_a = a.train_on_batch(x, y, class_weight=class_weight)[0]
    loss_b = b.train_on_batch(x, y, sample_weight=np.where(y == 1, 4.0, 1.0))[0]
    assert loss_a == pytest.approx(loss_b, rel=1e-6)
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_allclose(wa, wb, rtol=1e-6)
    c = classifier(seed=5)
    assert c.train_on_batch(x, y)[0] != pytest.approx(loss_a, rel=1e-3)
    history = classifier(seed=5).fit(x, y, class_weight=class_weight, epochs=1, batch_size=40, verbose=0)
    assert history.history["loss"][0] == pytest.approx(loss_a, rel=1e-6)


# --- gradients ----------------------------------------------------------------------------------
def test_gradients_match_finite_differences():
    nbnet.config.set_floatx("float64")
    nbnet.utils.set_random_seed(0)
    model = nbnet.Sequential([nbnet.Input((3,)), layers.Dense(4, activation="tanh"),
                              layers.Dense(3, activation="softmax")])
    model.compile("sgd", "sparse_categorical_crossentropy")
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(5, 3)), np.array([0, 1, 2, 1, 0])
    loss, grads = model.gradients(x, y)
    assert [g.shape for g in grads] == [w.shape for w in model.trainable_weights]
    assert all(g.dtype == np.float64 for g in grads)
    eps = 1e-6
    for w, g in zip(model.trainable_weights, grads):
        numeric = np.zeros_like(g)
        for i in np.ndindex(*w.shape):
            old = w.value[i]
            w.value[i] = old + eps
            up = model.gradients(x, y)[0]
            w.value[i] = old - eps
            down = model.gradients(x, y)[0]
            w.value[i] = old
            numeric[i] = (up - down) / (2 * eps)
        np.testing.assert_allclose(g, numeric, rtol=1e-6, atol=1e-9, err_msg=w.path)
    assert loss == pytest.approx(model.evaluate(x, y, verbose=0))


# --- seeding and convergence ---------------------------------------------------------------------
def _seeded_run(seed, moons):
    model = classifier(seed=seed, hidden=16, dropout=0.3)
    model.fit(*moons, epochs=3, batch_size=16, verbose=0)
    return model.get_weights(), model.history.history


def test_set_random_seed_makes_fit_bit_identical(moons):
    w1, h1 = _seeded_run(7, moons)
    w2, h2 = _seeded_run(7, moons)
    w3, _ = _seeded_run(8, moons)
    assert h1 == h2
    for a, b in zip(w1, w2):
        np.testing.assert_array_equal(a, b)
    assert any(not np.array_equal(a, c) for a, c in zip(w1, w3))


def test_dropout_and_shuffling_draw_from_the_seeded_generator(moons):
    """Same initial weights, same seed for training: identical; another seed: different."""
    base = classifier(seed=0, hidden=16, dropout=0.5)
    start = base.get_weights()

    def train(seed):
        model = classifier(seed=0, hidden=16, dropout=0.5)
        model.set_weights(start)
        nbnet.utils.set_random_seed(seed)
        model.fit(*moons, epochs=1, batch_size=16, verbose=0)
        return model.get_weights()
    same, again, other = train(1), train(1), train(2)
    assert all(np.array_equal(a, b) for a, b in zip(same, again))
    assert not all(np.array_equal(a, b) for a, b in zip(same, other))


def test_small_mlp_learns_moons():
    x, y = nbnet.datasets.make_moons(300, noise=0.1, seed=0)
    model = classifier(hidden=32, lr=0.02)
    model.fit(x[:200], y[:200], epochs=60, batch_size=32, verbose=0)
    assert model.evaluate(x[200:], y[200:], verbose=0)[1] > 0.9


def test_small_mlp_learns_spirals():
    x, y = nbnet.datasets.make_spirals(300, n_classes=3, noise=0.1, seed=0)
    nbnet.utils.set_random_seed(0)
    model = nbnet.Sequential([nbnet.Input((2,)), layers.Dense(64, activation="relu"),
                              layers.Dense(64, activation="relu"), layers.Dense(3, activation="softmax")])
    model.compile(nbnet.optimizers.Adam(0.01), "sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, y, epochs=150, batch_size=32, verbose=0)
    assert model.evaluate(x, y, verbose=0)[1] > 0.9


# --- progress output -----------------------------------------------------------------------------
def test_fit_prints_one_epoch_line_and_one_progress_line_per_epoch(capsys, moons):
    x, y = moons
    model = classifier()
    model.fit(x, y, epochs=3, batch_size=50)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 6, lines
    bar = re.compile(r"^4/4 ━{20} \d+s \d+(us|ms|s)/step - accuracy: \d\.\d{4} - loss: \d\.\d{4}$")
    for epoch in range(3):
        assert lines[2 * epoch] == f"Epoch {epoch + 1}/3"
        assert bar.match(lines[2 * epoch + 1]), lines[2 * epoch + 1]
    assert "\r" not in "".join(lines)


def test_fit_verbose_2_and_0(capsys, moons):
    x, y = moons
    model = classifier()
    model.fit(x, y, epochs=2, batch_size=100, validation_split=0.5, verbose=2)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 4 and lines[0] == "Epoch 1/2"
    assert re.match(r"^1/1 - \d+s - \d+(us|ms|s)/step - accuracy: .* - val_loss: \d\.\d{4}$", lines[1])
    model.fit(x, y, epochs=2, verbose=0)
    model.evaluate(x, y, verbose=0)
    model.predict(x, verbose=0)
    assert capsys.readouterr().out == ""
