"""Saving and loading: round trips, optimizer state, atomic writes, and refusing bad files."""

import io
import json
import zipfile

import numpy as np
import pytest

import nbnet
from nbnet import layers, ops


@nbnet.utils.register_keras_serializable(package="nbnet_tests")
class Scale(layers.Layer):
    """y = x · s + offset, with a learned per-feature scale s (a custom layer with only ``call``)."""

    def __init__(self, offset=0.0, **kwargs):
        super().__init__(**kwargs)
        self.offset = offset

    def build(self, input_shape):
        self.scale = self.add_weight((input_shape[-1],), "ones", name="scale")

    def call(self, x):
        return ops.add(ops.multiply(x, self.scale), self.offset)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "offset": self.offset}


class Unregistered(Scale):
    pass


def trained_sequential(custom=False, optimizer="adam"):
    nbnet.utils.set_random_seed(0)
    stack = [nbnet.Input((2,)), layers.Dense(8, activation="relu")]
    stack += [Scale(offset=0.5)] if custom else []
    model = nbnet.Sequential(stack + [layers.Dropout(0.2), layers.Dense(2, activation="softmax")])
    model.compile(optimizer, "sparse_categorical_crossentropy", metrics=["accuracy"])
    x, y = nbnet.datasets.make_moons(64, noise=0.2, seed=0)
    model.fit(x, y, epochs=2, batch_size=16, verbose=0)
    return model, x, y


def multi_io_model():
    nbnet.utils.set_random_seed(1)
    a, b = nbnet.Input((3,), name="a"), nbnet.Input((2,), name="b")
    shared = layers.Dense(4, activation="tanh", name="shared")
    h = layers.Dense(4, name="mix")(shared(a))
    yes = layers.Dense(1, activation="sigmoid", name="yes")(h)
    cls = layers.Dense(3, activation="softmax", name="cls")(layers.Dense(3)(b))
    model = nbnet.Model([a, b], [yes, cls])
    model.compile("rmsprop", ["binary_crossentropy", "sparse_categorical_crossentropy"],
                  loss_weights=[1.0, 0.3], metrics=["accuracy"])
    rng = np.random.default_rng(0)
    x = [rng.normal(size=(20, 3)), rng.normal(size=(20, 2))]
    y = [rng.integers(0, 2, (20, 1)), rng.integers(0, 3, 20)]
    model.fit(x, y, epochs=1, verbose=0)
    return model, x, y


def assert_same_weights(a, b):
    wa, wb = a.get_weights(), b.get_weights()
    assert len(wa) == len(wb)
    for u, v in zip(wa, wb):
        np.testing.assert_array_equal(u, v)


# --- round trips ---------------------------------------------------------------------------------
@pytest.mark.parametrize("optimizer", ["adam", "sgd", "rmsprop"])
def test_sequential_round_trip_and_optimizer_state(tmp_path, optimizer):
    model, x, y = trained_sequential(optimizer=optimizer)
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = nbnet.models.load_model(path)
    assert type(loaded) is nbnet.Sequential and loaded.name == model.name
    assert [lay.name for lay in loaded.layers] == [lay.name for lay in model.layers]
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    assert loaded.get_compile_config() == model.get_compile_config()
    assert type(loaded.optimizer) is type(model.optimizer)
    assert loaded.optimizer.iterations == model.optimizer.iterations == 8
    # One more step from the restored optimizer state gives exactly the original's next weights.
    nbnet.utils.set_random_seed(3)
    model.train_on_batch(x[:16], y[:16])
    nbnet.utils.set_random_seed(3)
    loaded.train_on_batch(x[:16], y[:16])
    assert_same_weights(model, loaded)
    history = loaded.fit(x, y, epochs=1, verbose=0)
    assert set(history.history) == {"loss", "accuracy"}


def test_functional_multi_io_round_trip(tmp_path):
    model, x, y = multi_io_model()
    model.save(tmp_path / "f.keras")
    loaded = nbnet.models.load_model(tmp_path / "f.keras")
    assert loaded.input_names == ["a", "b"] and loaded.output_names == ["yes", "cls"]
    for got, want in zip(loaded.predict(x, verbose=0), model.predict(x, verbose=0)):
        np.testing.assert_array_equal(got, want)
    assert loaded.count_params() == model.count_params()
    assert loaded.evaluate(x, y, verbose=0, return_dict=True) == pytest.approx(
        model.evaluate(x, y, verbose=0, return_dict=True))
    model.train_on_batch(x, y)
    loaded.train_on_batch(x, y)
    assert_same_weights(model, loaded)


def test_registered_custom_layer_round_trip(tmp_path):
    model, x, y = trained_sequential(custom=True)
    assert not np.all(model.layers[1].scale.value == 1), "the custom weight was trained"
    model.save(tmp_path / "c.keras")
    config = json.loads(zipfile.ZipFile(tmp_path / "c.keras").read("config.json"))
    assert config["config"]["layers"][2]["registered_name"] == "nbnet_tests>Scale"   # Keras's format
    loaded = nbnet.models.load_model(tmp_path / "c.keras")
    assert isinstance(loaded.layers[1], Scale) and loaded.layers[1].offset == 0.5
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


def test_unregistered_custom_layer_needs_custom_objects(tmp_path):
    nbnet.utils.set_random_seed(0)
    model = nbnet.Sequential([nbnet.Input((2,)), Unregistered(), layers.Dense(1)])
    model.save(tmp_path / "u.keras")
    with pytest.raises(ValueError, match="Unknown layer class 'Unregistered'.*custom_objects"):
        nbnet.models.load_model(tmp_path / "u.keras")
    loaded = nbnet.models.load_model(tmp_path / "u.keras", custom_objects={"Unregistered": Unregistered})
    x = np.ones((2, 2))
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


def test_uncompiled_model_round_trip_and_compile_false(tmp_path):
    model = nbnet.Sequential([nbnet.Input((3,)), layers.Dense(2)])
    model.save(tmp_path / "plain.keras")
    loaded = nbnet.models.load_model(tmp_path / "plain.keras")
    assert not loaded.compiled
    trained, _, _ = trained_sequential()
    trained.save(tmp_path / "t.keras")
    assert not nbnet.models.load_model(tmp_path / "t.keras", compile=False).compiled


def test_save_refuses_unbuilt_model_and_respects_overwrite(tmp_path):
    with pytest.raises(ValueError, match="not built"):
        nbnet.Sequential([layers.Dense(2)]).save(tmp_path / "x.keras")
    model = nbnet.Sequential([nbnet.Input((3,)), layers.Dense(2)])
    model.save(tmp_path / "x.keras")
    with pytest.raises(FileExistsError):
        model.save(tmp_path / "x.keras", overwrite=False)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        model.save(tmp_path / "missing" / "x.keras")


# --- atomic save ---------------------------------------------------------------------------------
def test_failed_save_keeps_the_previous_file_and_leaves_no_temp(tmp_path, monkeypatch):
    model, x, y = trained_sequential()
    path = tmp_path / "model.keras"
    model.save(path)
    before = path.read_bytes()
    model.fit(x, y, epochs=1, verbose=0)
    real_writestr = zipfile.ZipFile.writestr
    calls = []

    def failing_writestr(self, *args, **kwargs):
        calls.append(args[0])
        if len(calls) > 1:
            raise OSError("disk full (simulated)")
        return real_writestr(self, *args, **kwargs)
    monkeypatch.setattr(zipfile.ZipFile, "writestr", failing_writestr)
    with pytest.raises(OSError, match="simulated"):
        model.save(path)
    monkeypatch.undo()
    assert len(calls) == 2
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["model.keras"]
    with pytest.raises(OSError):
        monkeypatch.setattr(zipfile.ZipFile, "writestr", failing_writestr)
        model.save(tmp_path / "new.keras")
    assert [p.name for p in tmp_path.iterdir()] == ["model.keras"]


# --- refusing bad files --------------------------------------------------------------------------
@pytest.fixture
def saved(tmp_path):
    model, x, _ = trained_sequential()
    path = tmp_path / "good.nbnet"   # nbnet's own format (a .keras name now means Keras's format)
    model.save(path)
    return path


def rewrite(src, dst, change):
    """Copy the zip at ``src`` to ``dst`` with ``change(entries)`` applied to its name → bytes dict."""
    with zipfile.ZipFile(src) as z:
        entries = {n: z.read(n) for n in z.namelist()}
    change(entries)
    with zipfile.ZipFile(dst, "w") as z:
        for name, data in entries.items():
            z.writestr(name, data)
    return dst


@pytest.mark.parametrize("cut", [10, 200, 0.5])
def test_truncated_file(saved, cut):
    data = saved.read_bytes()
    n = int(len(data) * cut) if isinstance(cut, float) else len(data) - cut
    bad = saved.with_name("truncated.keras")
    bad.write_bytes(data[:n])
    with pytest.raises(ValueError, match="not an nbnet model file.*truncated"):
        nbnet.models.load_model(bad)


def test_random_bytes_and_empty_file(tmp_path):
    for name, data in [("random.keras", np.random.default_rng(0).bytes(4096)), ("empty.keras", b"")]:
        (tmp_path / name).write_bytes(data)
        with pytest.raises(ValueError, match="not an nbnet model file"):
            nbnet.models.load_model(tmp_path / name)


def test_missing_file():
    with pytest.raises(FileNotFoundError, match="No such file"):
        nbnet.models.load_model("/nonexistent/model.keras")


def test_zip_without_metadata(saved):
    bad = rewrite(saved, saved.with_name("nometa.keras"), lambda e: e.pop("metadata.json"))
    with pytest.raises(ValueError, match="no metadata.json"):
        nbnet.models.load_model(bad)


def test_foreign_zip_written_by_numpy(tmp_path):
    np.savez(tmp_path / "arrays.npz", a=np.zeros(3), b=np.ones((2, 2)))
    with pytest.raises(ValueError, match="not an nbnet model file"):
        nbnet.models.load_model(tmp_path / "arrays.npz")


def test_weights_file_is_not_a_model(saved, tmp_path):
    model, _, _ = trained_sequential()
    model.save_weights(tmp_path / "w.weights.nbnet")
    with pytest.raises(ValueError, match="format 'nbnet.weights'"):
        nbnet.models.load_model(tmp_path / "w.weights.nbnet")
    model.save_weights(tmp_path / "w.weights.h5")
    with pytest.raises(ValueError, match="weights file .HDF5., not a model"):
        nbnet.models.load_model(tmp_path / "w.weights.h5")


def test_unknown_layer_class_in_config(saved):
    def rename(entries):
        config = json.loads(entries["config.json"])
        config["config"]["layers"][1]["class_name"] = "NoSuchLayer"
        entries["config.json"] = json.dumps(config).encode()
    bad = rewrite(saved, saved.with_name("unknown.keras"), rename)
    with pytest.raises(ValueError, match="Unknown layer class 'NoSuchLayer'"):
        nbnet.models.load_model(bad)


@pytest.mark.parametrize("entry", ["config.json", "weights.json", "metadata.json"])
def test_corrupt_json_and_missing_entries(saved, entry):
    bad = rewrite(saved, saved.with_name("badjson.keras"), lambda e: e.__setitem__(entry, b"{not json"))
    with pytest.raises(ValueError, match="not valid JSON"):
        nbnet.models.load_model(bad)
    bad = rewrite(saved, saved.with_name("noweight.keras"), lambda e: e.pop("weights/1.npy"))
    with pytest.raises(ValueError, match="weights/1.npy is missing"):
        nbnet.models.load_model(bad)


_UNPICKLED = []


def _mark(note):
    _UNPICKLED.append(note)


class Sentinel:
    """Unpickling this object calls _mark (by reference to this module): proof that pickle ran."""

    def __reduce__(self):
        return (_mark, ("unpickled!",))


def test_pickled_object_array_is_refused_without_unpickling(saved):
    buf = io.BytesIO()
    np.save(buf, np.array([Sentinel(), 1], dtype=object), allow_pickle=True)
    bad = rewrite(saved, saved.with_name("pickle.keras"),
                  lambda e: e.__setitem__("weights/0.npy", buf.getvalue()))
    with pytest.raises(ValueError, match="weights/0.npy is not a plain numeric array"):
        nbnet.models.load_model(bad)
    model = nbnet.Sequential([nbnet.Input((2,)), layers.Dense(8, activation="relu"), layers.Dropout(0.2),
                              layers.Dense(2, activation="softmax")])
    with pytest.raises(ValueError, match="not a plain numeric array"):
        model.load_weights(bad)
    assert _UNPICKLED == [], "the file's pickle was executed"
    np.load(io.BytesIO(buf.getvalue()), allow_pickle=True)
    assert _UNPICKLED == ["unpickled!"], "the sentinel works: unpickling it does leave a trace"


def test_weight_with_wrong_shape_in_file(saved):
    def swap(entries):
        buf = io.BytesIO()
        np.save(buf, np.zeros((3, 3), np.float32))
        entries["weights/0.npy"] = buf.getvalue()
    bad = rewrite(saved, saved.with_name("shape.keras"), swap)
    with pytest.raises(ValueError, match="corrupt: dense/kernel has shape"):
        nbnet.models.load_model(bad)


# --- save_weights / load_weights -----------------------------------------------------------------
def test_save_and_load_weights(tmp_path):
    model, x, _ = trained_sequential()
    model.save_weights(tmp_path / "m.weights.h5")
    fresh = nbnet.Sequential([nbnet.Input((2,)), layers.Dense(8, activation="relu"), layers.Dropout(0.2),
                              layers.Dense(2, activation="softmax")])
    fresh.load_weights(tmp_path / "m.weights.h5")
    assert_same_weights(model, fresh)
    np.testing.assert_array_equal(fresh.predict(x, verbose=0), model.predict(x, verbose=0))
    model.save(tmp_path / "full.keras")
    other = nbnet.Sequential([nbnet.Input((2,)), layers.Dense(8, activation="relu"),
                              layers.Dense(2, activation="softmax")])
    other.load_weights(tmp_path / "full.keras")
    assert_same_weights(model, other)


def test_load_weights_mismatch_names_the_weight(tmp_path):
    model, _, _ = trained_sequential()
    model.save_weights(tmp_path / "m.weights.h5")
    wider = nbnet.Sequential([nbnet.Input((2,)), layers.Dense(9, activation="relu"),
                              layers.Dense(2, activation="softmax")])
    with pytest.raises(ValueError, match=r"weight 'dense_2/kernel' has shape \(2, 9\) in the model but "
                                         r"\(2, 8\) in the file"):
        wider.load_weights(tmp_path / "m.weights.h5")
    deeper = nbnet.Sequential([nbnet.Input((2,)), layers.Dense(8), layers.Dense(8), layers.Dense(2)])
    with pytest.raises(ValueError, match="holds 4 weight arrays, but model .* has 6"):
        deeper.load_weights(tmp_path / "m.weights.h5")
    with pytest.raises(ValueError, match="must be built"):
        nbnet.Sequential([layers.Dense(2)]).load_weights(tmp_path / "m.weights.h5")


# --- subclassed models: config via get_config/from_config, or weights only (as Keras) ----------
@nbnet.utils.register_keras_serializable(package="TestSaving")
class TwoTower(nbnet.Model):
    def __init__(self, units=8, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.left = nbnet.layers.Dense(units, activation="tanh")
        self.right = nbnet.layers.Dense(units, activation="relu")
        self.head = nbnet.layers.Dense(1)

    def call(self, inputs, training=False):
        return self.head(self.left(inputs) + self.right(inputs) * 0.5)

    def get_config(self):
        return {**super().get_config(), "units": self.units}


def _trained_two_tower():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(64, 5)).astype("float32"), rng.normal(size=(64, 1)).astype("float32")
    model = TwoTower(units=6)
    model.compile("adam", "mse")
    model.fit(x, y, epochs=2, batch_size=16, verbose=0)
    return model, x, y


def test_subclassed_model_saves_and_loads_through_its_config(tmp_path):
    model, x, y = _trained_two_tower()
    model.save(tmp_path / "tower.keras")
    loaded = nbnet.models.load_model(tmp_path / "tower.keras")
    assert isinstance(loaded, TwoTower) and loaded.units == 6
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    # training continues from the restored optimizer state exactly as the original would
    model.fit(x, y, epochs=1, batch_size=64, shuffle=False, verbose=0)
    loaded.fit(x, y, epochs=1, batch_size=64, shuffle=False, verbose=0)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)


def test_subclassed_model_weights_only_round_trip(tmp_path):
    model, x, _ = _trained_two_tower()
    model.save_weights(tmp_path / "tower.weights.nbnet")
    fresh = TwoTower(units=6)
    fresh.build((None, 5))
    fresh.load_weights(tmp_path / "tower.weights.nbnet")
    np.testing.assert_array_equal(fresh.predict(x, verbose=0), model.predict(x, verbose=0))


def test_unregistered_subclassed_model_cannot_be_loaded_by_name(tmp_path):
    class Anonymous(nbnet.Model):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.dense = nbnet.layers.Dense(2)

        def call(self, inputs):
            return self.dense(inputs)

    model = Anonymous()
    model(np.zeros((1, 3), "float32"))
    model.save(tmp_path / "anon.keras")
    with pytest.raises(ValueError, match="Unknown layer class 'Anonymous'.*custom_objects"):
        nbnet.models.load_model(tmp_path / "anon.keras")
    loaded = nbnet.models.load_model(tmp_path / "anon.keras", custom_objects={"Anonymous": Anonymous})
    np.testing.assert_array_equal(loaded.predict(np.ones((2, 3)), verbose=0),
                                  model.predict(np.ones((2, 3)), verbose=0))
