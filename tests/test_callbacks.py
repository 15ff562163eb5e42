"""Callbacks: EarlyStopping, TerminateOnNaN, LambdaCallback, ModelCheckpoint and the hook order."""

import numpy as np
import pytest

import nbnet
from nbnet import callbacks, layers


def small_model(seed=0, lr=0.01):
    nbnet.utils.set_random_seed(seed)
    model = nbnet.Sequential([nbnet.Input((2,)), layers.Dense(4, activation="relu"),
                              layers.Dense(2, activation="softmax")])
    model.compile(nbnet.optimizers.Adam(lr), "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


@pytest.fixture
def data():
    return nbnet.datasets.make_moons(40, noise=0.2, seed=0)


def scripted(name, values):
    """A callback that overwrites ``logs[name]`` with the next scripted value at each epoch end."""
    def set_value(epoch, logs):
        logs[name] = values[epoch]
    return callbacks.LambdaCallback(on_epoch_end=set_value)


def fit_with(values, stopper, data, name="val_loss", extra=()):
    model = small_model()
    history = model.fit(*data, epochs=len(values), batch_size=20, verbose=0,
                        callbacks=[scripted(name, values), *extra, stopper])
    return model, history


# --- EarlyStopping ------------------------------------------------------------------------------
@pytest.mark.parametrize("patience, epochs_run", [(0, 4), (1, 4), (2, 5), (10, 8)])
def test_early_stopping_patience(data, patience, epochs_run):
    values = [1.0, 0.9, 0.8, 0.85, 0.84, 0.83, 0.82, 0.81]   # best at epoch 2
    stopper = callbacks.EarlyStopping(patience=patience)
    _, history = fit_with(values, stopper, data)
    assert len(history.history["loss"]) == epochs_run
    assert stopper.best == 0.8 and stopper.best_epoch == 2
    assert stopper.stopped_epoch == (epochs_run - 1 if epochs_run < 8 else 0)


def test_early_stopping_min_delta(data):
    values = [1.0, 0.99, 0.98, 0.97, 0.96, 0.95]
    _, history = fit_with(values, callbacks.EarlyStopping(patience=1, min_delta=0.05), data)
    assert len(history.history["loss"]) == 2, "improvements smaller than min_delta do not count"
    _, history = fit_with(values, callbacks.EarlyStopping(patience=1, min_delta=0.005), data)
    assert len(history.history["loss"]) == 6


@pytest.mark.parametrize("monitor, mode, epochs_run", [
    ("val_accuracy", "auto", 3),   # auto maximizes accuracy: 0.6 is best, stops at epoch 2
    ("val_score", "max", 3),
    ("val_score", "min", 2),       # minimizing: epoch 1 (0.6) is worse than 0.5
    ("val_score", "auto", 2),      # auto minimizes other names
])
def test_early_stopping_modes(data, monitor, mode, epochs_run):
    values = [0.5, 0.6, 0.55, 0.7, 0.8]
    stopper = callbacks.EarlyStopping(monitor=monitor, mode=mode, patience=1)
    _, history = fit_with(values, stopper, data, name=monitor)
    assert len(history.history["loss"]) == epochs_run


def test_early_stopping_rejects_unknown_mode():
    with pytest.raises(ValueError, match="mode"):
        callbacks.EarlyStopping(mode="up")


def test_early_stopping_baseline(data):
    values = [0.5, 0.5, 0.5, 0.5, 0.2, 0.1]
    _, history = fit_with(values, callbacks.EarlyStopping(patience=3), data)
    assert len(history.history["loss"]) == 4
    _, history = fit_with(values, callbacks.EarlyStopping(patience=3, baseline=0.3), data)
    assert len(history.history["loss"]) == 3, "not beating the baseline counts as no improvement"
    _, history = fit_with(values, callbacks.EarlyStopping(patience=3, baseline=0.6), data)
    assert len(history.history["loss"]) == 4


def test_early_stopping_warns_when_monitor_is_missing(data):
    model = small_model()
    with pytest.warns(UserWarning, match="val_loss"):
        model.fit(*data, epochs=1, verbose=0, callbacks=[callbacks.EarlyStopping()])


class WeightRecorder(callbacks.Callback):
    def on_train_begin(self, logs=None):
        self.weights = []

    def on_epoch_end(self, epoch, logs=None):
        self.weights.append(self.model.get_weights())


@pytest.mark.parametrize("values, best", [
    ([1.0, 0.7, 0.5, 0.6, 0.65, 0.9, 0.9], 2),     # stops early at epoch 4
    ([1.0, 0.7, 0.5, 0.6, 0.55], 2),               # runs to the end: Keras 3 still restores
])
def test_restore_best_weights_restores_the_best_epoch(data, values, best):
    recorder = WeightRecorder()
    stopper = callbacks.EarlyStopping(patience=2, restore_best_weights=True)
    model, history = fit_with(values, stopper, data, extra=[recorder])
    assert stopper.best_epoch == best
    final = model.get_weights()
    for got, want in zip(final, recorder.weights[best]):
        np.testing.assert_array_equal(got, want)
    assert not all(np.array_equal(a, b) for a, b in zip(final, recorder.weights[-1]))


def test_without_restore_the_last_weights_stay(data):
    recorder = WeightRecorder()
    model, _ = fit_with([1.0, 0.5, 0.6, 0.7], callbacks.EarlyStopping(patience=2), data, extra=[recorder])
    for got, want in zip(model.get_weights(), recorder.weights[-1]):
        np.testing.assert_array_equal(got, want)


def test_early_stopping_on_real_validation_loss(data):
    x, y = data
    model = small_model(lr=0.05)
    stopper = callbacks.EarlyStopping(monitor="val_loss", patience=2, restore_best_weights=True)
    history = model.fit(x, y, epochs=200, validation_split=0.3, verbose=0, callbacks=[stopper])
    val = history.history["val_loss"]
    assert len(val) < 200 and np.argmin(val) == stopper.best_epoch
    assert model.evaluate(x[28:], y[28:], verbose=0)[0] == pytest.approx(min(val), rel=1e-6)


# --- TerminateOnNaN -----------------------------------------------------------------------------
def test_terminate_on_nan_stops_on_a_diverging_loss(capsys):
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(64, 3)) * 100, rng.normal(size=(64, 1)) * 100
    model = nbnet.Sequential([nbnet.Input((3,)), layers.Dense(8), layers.Dense(1)])
    model.compile(nbnet.optimizers.SGD(1e6), "mse")
    counter = callbacks.LambdaCallback(on_train_batch_end=lambda b, logs: seen.append(logs["loss"]))
    seen: list = []
    with np.errstate(all="ignore"):
        history = model.fit(x, y, epochs=5, batch_size=4, verbose=0,
                            callbacks=[counter, callbacks.TerminateOnNaN()])
    assert len(history.history["loss"]) == 1
    assert not np.isfinite(seen[-1]) and all(np.isfinite(seen[:-1]))
    assert len(seen) < 16, "stopped in the middle of the first epoch"
    assert "Invalid loss, terminating training" in capsys.readouterr().out


# --- LambdaCallback -----------------------------------------------------------------------------
def test_lambda_callback_hooks(data):
    events = []
    cb = callbacks.LambdaCallback(on_train_begin=lambda logs: events.append("begin"),
                                  on_epoch_end=lambda epoch, logs: events.append((epoch, sorted(logs))),
                                  on_train_end=lambda logs: events.append("end"))
    small_model().fit(*data, epochs=2, verbose=0, callbacks=[cb])
    assert events == ["begin", (0, ["accuracy", "loss"]), (1, ["accuracy", "loss"]), "end"]
    with pytest.raises(ValueError, match="unknown hook"):
        callbacks.LambdaCallback(on_epoch_finish=print)


# --- ModelCheckpoint ----------------------------------------------------------------------------
def test_model_checkpoint_save_best_only(tmp_path, data):
    values = [1.0, 0.8, 0.9, 0.7, 0.75]
    saved = []
    path = tmp_path / "best.keras"

    def note(epoch, logs):
        saved.append(path.stat().st_mtime_ns if path.exists() else None)
    recorder = WeightRecorder()
    ckpt = callbacks.ModelCheckpoint(path, monitor="val_loss", save_best_only=True)
    model = small_model()
    model.fit(*data, epochs=5, batch_size=20, verbose=0,
              callbacks=[scripted("val_loss", values), recorder, ckpt,
                         callbacks.LambdaCallback(on_epoch_end=note)])
    loaded = nbnet.models.load_model(path)
    for got, want in zip(loaded.get_weights(), recorder.weights[3]):
        np.testing.assert_array_equal(got, want)
    changed = [i for i in range(1, 5) if saved[i] != saved[i - 1]]
    assert saved[0] is not None and changed == [1, 3]


def test_model_checkpoint_every_epoch_with_formatted_names(tmp_path, data):
    ckpt = callbacks.ModelCheckpoint(str(tmp_path / "w{epoch:02d}.weights.h5"), save_weights_only=True)
    model = small_model()
    model.fit(*data, epochs=3, verbose=0, callbacks=[ckpt])
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"w0{i}.weights.h5" for i in (1, 2, 3)]
    other = small_model(seed=9)
    other.load_weights(tmp_path / "w03.weights.h5")
    for a, b in zip(other.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)


# --- custom Callback: hook order ----------------------------------------------------------------
class Recorder(callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.events = []

    def on_train_begin(self, logs=None):
        self.events.append("train_begin")
        assert isinstance(self.model, nbnet.Sequential)

    def on_epoch_begin(self, epoch, logs=None):
        self.events.append(f"epoch_begin {epoch}")

    def on_train_batch_begin(self, batch, logs=None):
        self.events.append(f"batch_begin {batch}")

    def on_train_batch_end(self, batch, logs=None):
        self.events.append(f"batch_end {batch} {sorted(logs)}")

    def on_epoch_end(self, epoch, logs=None):
        self.events.append(f"epoch_end {epoch} {sorted(logs)}")

    def on_train_end(self, logs=None):
        self.events.append("train_end")


def test_custom_callback_hook_order_and_params(data):
    x, y = data
    recorder = Recorder()
    small_model().fit(x[:30], y[:30], epochs=2, batch_size=16, validation_data=(x[30:], y[30:]),
                      verbose=0, callbacks=[recorder])
    batch = "['accuracy', 'loss']"
    epoch = "['accuracy', 'loss', 'val_accuracy', 'val_loss']"
    assert recorder.events == [
        "train_begin",
        "epoch_begin 0", "batch_begin 0", f"batch_end 0 {batch}", "batch_begin 1", f"batch_end 1 {batch}",
        f"epoch_end 0 {epoch}",
        "epoch_begin 1", "batch_begin 0", f"batch_end 0 {batch}", "batch_begin 1", f"batch_end 1 {batch}",
        f"epoch_end 1 {epoch}",
        "train_end"]
    assert recorder.params["epochs"] == 2 and recorder.params["steps"] == 2


def test_stop_training_from_a_callback_ends_the_epoch_loop(data):
    stop = callbacks.LambdaCallback(on_epoch_end=lambda e, logs: setattr(model, "stop_training", e == 1))
    model = small_model()
    history = model.fit(*data, epochs=10, verbose=0, callbacks=[stop])
    assert len(history.history["loss"]) == 2
