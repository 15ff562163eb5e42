"""callbacks.TensorBoard writes event files that TensorBoard's own reader (EventAccumulator) opens, with
Keras 3's layout: ``train/`` and ``validation/`` runs, ``epoch_<metric>`` tags whose values are History's."""

import sys

import numpy as np
import pytest

import nbnet
from nbnet import layers
from nbnet.callbacks import TensorBoard

pytest.importorskip("tensorboardX", reason="the optional extra nbnet[tensorboard] is not installed")
event_accumulator = pytest.importorskip("tensorboard.backend.event_processing.event_accumulator")


def _read(folder):
    acc = event_accumulator.EventAccumulator(str(folder), size_guidance={"scalars": 0, "histograms": 0, "tensors": 0})
    acc.Reload()
    return acc


def _scalars(acc, tag):
    return [e.step for e in acc.Scalars(tag)], [e.value for e in acc.Scalars(tag)]


def _data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(48, 5)).astype("float32")
    return x, (x[:, 0] + x[:, 1] > 0).astype("int64")


def _model():
    model = nbnet.Sequential([nbnet.Input((5,)), layers.Dense(4, activation="relu", name="hidden"),
                              layers.Dense(2, activation="softmax", name="out")])
    model.compile(optimizer=nbnet.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


def test_fit_writes_history_as_keras_lays_it_out(tmp_path):
    x, y = _data()
    model = _model()
    history = model.fit(x, y, epochs=3, batch_size=8, validation_split=0.25, verbose=0,
                        callbacks=[TensorBoard(tmp_path, histogram_freq=1, update_freq=2)])
    train, val = _read(tmp_path / "train"), _read(tmp_path / "validation")
    assert set(train.Tags()["scalars"]) == {"epoch_loss", "epoch_accuracy", "epoch_learning_rate",
                                            "batch_loss", "batch_accuracy"}
    assert set(val.Tags()["scalars"]) == {"epoch_loss", "epoch_accuracy", "evaluation_loss_vs_iterations",
                                          "evaluation_accuracy_vs_iterations"}
    for name in ("loss", "accuracy"):
        steps, values = _scalars(train, f"epoch_{name}")
        assert steps == [0, 1, 2]
        np.testing.assert_allclose(values, history.history[name], rtol=1e-6)
        steps, values = _scalars(val, f"epoch_{name}")
        np.testing.assert_allclose(values, history.history[f"val_{name}"], rtol=1e-6)
        steps, values = _scalars(val, f"evaluation_{name}_vs_iterations")
        assert steps == [5, 10, 15]                      # optimizer iterations: 36 samples / 8 = 5 a epoch
        np.testing.assert_allclose(values, history.history[f"val_{name}"], rtol=1e-6)
    assert _scalars(train, "epoch_learning_rate")[1] == pytest.approx([0.01] * 3)
    assert _scalars(train, "batch_loss")[0] == [2, 4, 6, 8, 10, 12, 14]   # every 2nd of 15 batches
    assert set(train.Tags()["histograms"]) == {f"{w}/histogram" for w in
                                               ("hidden/kernel", "hidden/bias", "out/kernel", "out/bias")}
    hist = train.Histograms("out/kernel/histogram")
    assert [h.step for h in hist] == [0, 1, 2] and hist[-1].histogram_value.num == 8
    assert hist[-1].histogram_value.max == pytest.approx(float(model.get_layer("out").kernel.value.max()))


def test_graph_is_the_model_config_for_the_graphs_tab(tmp_path):
    model = _model()
    model.fit(*_data(), epochs=1, verbose=0, callbacks=[TensorBoard(tmp_path)])
    train = _read(tmp_path / "train")
    assert train.Tags()["tensors"] == ["keras"]
    event = train.Tensors("keras")[0]
    assert event.step == 0
    assert train.SummaryMetadata("keras").plugin_data.plugin_name == "graph_keras_model"
    rebuilt = nbnet.models.model_from_json(event.tensor_proto.string_val[0].decode())
    assert [lay.name for lay in rebuilt.layers] == ["hidden", "out"]


def test_epoch_only_and_no_graph_and_no_validation(tmp_path):
    model = _model()
    history = model.fit(*_data(), epochs=2, verbose=0, callbacks=[TensorBoard(tmp_path, write_graph=False)])
    train = _read(tmp_path / "train")
    assert set(train.Tags()["scalars"]) == {"epoch_loss", "epoch_accuracy", "epoch_learning_rate"}
    assert train.Tags()["tensors"] == [] and train.Tags()["histograms"] == []
    np.testing.assert_allclose(_scalars(train, "epoch_loss")[1], history.history["loss"], rtol=1e-6)
    assert not (tmp_path / "validation").exists()


def test_steps_per_second_and_evaluate_alone(tmp_path):
    model = _model()
    x, y = _data()
    model.fit(x, y, epochs=1, batch_size=16, verbose=0,
              callbacks=[TensorBoard(tmp_path / "a", write_steps_per_second=True, update_freq="batch")])
    train = _read(tmp_path / "a" / "train")
    assert {"epoch_steps_per_second", "batch_steps_per_second"} <= set(train.Tags()["scalars"])
    assert _scalars(train, "batch_loss")[0] == [1, 2, 3]
    assert min(_scalars(train, "epoch_steps_per_second")[1]) > 0
    loss, acc = model.evaluate(x, y, verbose=0, callbacks=[TensorBoard(tmp_path / "b", write_graph=False)])
    val = _read(tmp_path / "b" / "validation")
    assert _scalars(val, "evaluation_loss_vs_iterations") == ([3], [pytest.approx(loss, rel=1e-6)])


def test_bad_arguments_are_refused_by_name():
    with pytest.raises(ValueError, match="update_freq"):
        TensorBoard(update_freq=0)
    with pytest.raises(ValueError, match="histogram_freq"):
        TensorBoard(histogram_freq=-1)
    for kwargs in ({"profile_batch": 2}, {"write_images": True}, {"embeddings_freq": 1}):
        with pytest.raises(ValueError, match=f"{next(iter(kwargs))}=.*not supported"):
            TensorBoard(**kwargs)


def test_without_the_extra_the_error_names_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "tensorboardX", None)      # as if not installed
    with pytest.raises(ImportError, match=r"pip install 'nbnet\[tensorboard\]'"):
        TensorBoard()
