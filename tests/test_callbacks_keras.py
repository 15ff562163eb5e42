"""Callbacks as Keras 3 runs them: logs always a dict, evaluate/predict hooks, ReduceLROnPlateau,
CSVLogger, ModelCheckpoint(save_freq=N), BackupAndRestore — each checked against Keras-on-PyTorch
where both can run the same script."""

import csv

import keras
import numpy as np
import pytest

import nbnet
from nbnet import callbacks


def make_model(K, seed=0):
    if K is nbnet:
        nbnet.utils.set_random_seed(seed)
    else:
        keras.utils.set_random_seed(seed)
    model = K.Sequential([K.Input((2,)), K.layers.Dense(4, activation="relu"),
                          K.layers.Dense(2, activation="softmax")])
    model.compile(K.optimizers.Adam(0.01), "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


@pytest.fixture
def data():
    x, y = nbnet.datasets.make_moons(40, noise=0.2, seed=0)
    return x.astype("float32"), y


HOOKS = ["on_train_begin", "on_train_end", "on_epoch_begin", "on_epoch_end", "on_train_batch_begin",
         "on_train_batch_end", "on_test_begin", "on_test_end", "on_test_batch_begin", "on_test_batch_end",
         "on_predict_begin", "on_predict_end", "on_predict_batch_begin", "on_predict_batch_end"]


def recorder(K):
    """A callback recording (hook, sorted log keys) for every hook, in both frameworks."""
    class Recorder(K.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.events = []
    for name in HOOKS:
        def hook(self, *args, _name=name, **kwargs):
            logs = kwargs["logs"] if "logs" in kwargs else args[-1]
            assert isinstance(logs, dict), f"{_name} received {type(logs).__name__}"
            self.events.append((_name, sorted(logs)))
        setattr(Recorder, name, hook)
    return Recorder()


def run_all(K, data):
    x, y = data
    model, rec = make_model(K), recorder(K)
    model.fit(x[:30], y[:30], epochs=2, batch_size=16, validation_data=(x[30:], y[30:]), verbose=0,
              callbacks=[rec])
    model.evaluate(x, y, batch_size=16, verbose=0, callbacks=[rec])
    model.predict(x, batch_size=16, verbose=0, callbacks=[rec])
    return rec.events


def test_hooks_and_their_logs_match_keras(data):
    ours, theirs = run_all(nbnet, data), run_all(keras, data)
    assert ours == theirs
    assert ("on_predict_batch_end", ["outputs"]) in ours and ("on_train_begin", []) in ours


def test_old_batch_hook_names_are_the_training_ones(data):
    seen = []
    cb = callbacks.LambdaCallback(on_batch_end=lambda batch, logs: seen.append(batch))
    make_model(nbnet).fit(*data, epochs=1, batch_size=16, verbose=0, callbacks=[cb])
    assert seen == [0, 1, 2]


# --- ReduceLROnPlateau -------------------------------------------------------------------------
def scripted(K, values):
    def set_value(epoch, logs):
        logs["val_loss"] = values[epoch]
    return K.callbacks.LambdaCallback(on_epoch_end=set_value)


@pytest.mark.parametrize("kwargs", [dict(factor=0.5, patience=1), dict(factor=0.5, patience=0, cooldown=2),
                                    dict(factor=0.1, patience=1, min_lr=3e-4, min_delta=0.05)])
def test_reduce_lr_on_plateau_matches_keras(data, kwargs):
    values = [1.0, 0.9, 0.95, 0.97, 0.96, 0.8, 0.85, 0.86, 0.87, 0.88]
    histories = []
    for K in (nbnet, keras):
        model = make_model(K)
        cbs = [scripted(K, values), K.callbacks.ReduceLROnPlateau(monitor="val_loss", **kwargs)]
        histories.append(model.fit(*data, epochs=len(values), batch_size=40, verbose=0, callbacks=cbs).history)
    ours, theirs = histories
    np.testing.assert_allclose(ours["learning_rate"], theirs["learning_rate"], rtol=1e-6)
    assert ours["learning_rate"][-1] < 0.01


def test_reduce_lr_on_plateau_bad_arguments():
    with pytest.raises(ValueError, match="factor must be in \\(0, 1\\), got 1.0"):
        callbacks.ReduceLROnPlateau(factor=1.0)
    with pytest.raises(ValueError, match="mode must be 'auto', 'min' or 'max', got 'up'"):
        callbacks.ReduceLROnPlateau(mode="up")


# --- CSVLogger ---------------------------------------------------------------------------------
def test_csv_logger_writes_keras_header_and_one_row_per_epoch(tmp_path, data):
    x, y = data
    rows = {}
    for K in (nbnet, keras):
        path = tmp_path / f"{K.__name__}.csv"
        make_model(K).fit(x, y, epochs=3, batch_size=16, validation_split=0.25, verbose=0,
                          callbacks=[K.callbacks.CSVLogger(str(path))])
        with open(path) as f:
            rows[K.__name__] = list(csv.reader(f))
    ours, theirs = rows["nbnet"], rows["keras"]
    assert ours[0] == theirs[0] == ["epoch", "accuracy", "loss", "val_accuracy", "val_loss"]
    assert [r[0] for r in ours] == [r[0] for r in theirs] == ["epoch", "0", "1", "2"]
    assert all(0 <= float(r[1]) <= 1 for r in ours[1:])


def test_csv_logger_append_keeps_one_header(tmp_path, data):
    path = tmp_path / "log.tsv"
    model = make_model(nbnet)
    model.fit(*data, epochs=2, verbose=0, callbacks=[callbacks.CSVLogger(path, separator="\t")])
    model.fit(*data, epochs=1, verbose=0, callbacks=[callbacks.CSVLogger(path, separator="\t", append=True)])
    lines = path.read_text().splitlines()
    assert lines[0] == "epoch\taccuracy\tloss" and len(lines) == 4 and lines[3].startswith("0\t")


# --- ModelCheckpoint(save_freq=N) --------------------------------------------------------------
def test_checkpoint_every_n_batches_names_files_like_keras(tmp_path, data):
    names = {}
    for K in (nbnet, keras):
        folder = tmp_path / K.__name__
        folder.mkdir()
        ckpt = K.callbacks.ModelCheckpoint(str(folder / "w-{epoch}-{batch}.weights.h5"), save_weights_only=True,
                                           save_freq=2)
        make_model(K).fit(*data, epochs=2, batch_size=14, verbose=0, callbacks=[ckpt])   # 3 batches/epoch
        names[K.__name__] = sorted(p.name for p in folder.iterdir())
    assert names["nbnet"] == names["keras"] == ["w-1-2.weights.h5", "w-2-1.weights.h5", "w-2-3.weights.h5"]


def test_checkpoint_initial_value_threshold(tmp_path, data):
    path = tmp_path / "best.keras"
    ckpt = callbacks.ModelCheckpoint(path, monitor="loss", save_best_only=True, initial_value_threshold=0.0)
    make_model(nbnet).fit(*data, epochs=2, verbose=0, callbacks=[ckpt])
    assert not path.exists(), "no loss beats 0"
    ckpt = callbacks.ModelCheckpoint(path, monitor="loss", save_best_only=True, initial_value_threshold=100.0)
    make_model(nbnet).fit(*data, epochs=1, verbose=0, callbacks=[ckpt])
    assert path.exists()
    with pytest.raises(ValueError, match="save_freq must be 'epoch' or a positive integer"):
        callbacks.ModelCheckpoint(path, save_freq="batch")


# --- BackupAndRestore --------------------------------------------------------------------------
class Interrupt(callbacks.Callback):
    def __init__(self, at_epoch):
        super().__init__()
        self.at_epoch = at_epoch

    def on_epoch_begin(self, epoch, logs=None):
        if epoch == self.at_epoch:
            raise RuntimeError("interrupted")


@pytest.mark.parametrize("save_freq", ["epoch", 1])
def test_backup_and_restore_resumes_where_training_stopped(tmp_path, data, save_freq):
    x, y = data
    reference = make_model(nbnet)
    reference.fit(x, y, epochs=5, batch_size=10, shuffle=False, verbose=0)

    backup_dir = tmp_path / "backup"
    model = make_model(nbnet)
    with pytest.raises(RuntimeError, match="interrupted"):
        model.fit(x, y, epochs=5, batch_size=10, shuffle=False, verbose=0,
                  callbacks=[callbacks.BackupAndRestore(backup_dir, save_freq=save_freq), Interrupt(3)])
    assert (backup_dir / "training_metadata.json").exists()
    resumed = make_model(nbnet, seed=1)      # a fresh process: other weights, no optimizer state
    resumed.fit(x, y, epochs=1, batch_size=10, verbose=0)   # builds the optimizer (state is replaced)
    history = resumed.fit(x, y, epochs=5, batch_size=10, shuffle=False, verbose=0,
                          callbacks=[callbacks.BackupAndRestore(backup_dir, save_freq=save_freq)])
    assert history.epoch == [3, 4]
    for a, b in zip(resumed.get_weights(), reference.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
    assert not backup_dir.exists(), "deleted after training finished"
