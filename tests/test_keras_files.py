"""``.keras`` and ``.weights.h5`` files both ways with real Keras 3 (torch backend): what nbnet
writes, Keras loads and predicts identically; what Keras writes, nbnet loads.  Each model is
built by one function from either library's namespace, so both sides are the same code."""

import json
import zipfile

import keras
import numpy as np
import pytest

import nbnet

RNG = np.random.default_rng(0)


def dense(K):
    L = K.layers
    return K.Sequential([K.Input((6,)), L.Dense(8, activation="relu"), L.Dropout(0.3),
                         L.Dense(3, activation="softmax")])


def shared_multi_input(K):
    L = K.layers
    a, b = K.Input((6,), name="a"), K.Input((6,), name="b")
    shared = L.Dense(5, activation="tanh", name="shared")
    x = L.Concatenate(name="cat")([shared(a), shared(b)])
    y = L.Add(name="add")([shared(a), shared(b)])
    z = L.Multiply()([L.Dense(4)(x), L.Dense(4)(y)])
    return K.Model([a, b], [L.Dense(2, name="out1")(z), L.Average()([L.Dense(3)(x), L.Dense(3)(y)])])


def conv2d(K):
    L = K.layers
    return K.Sequential([K.Input((8, 8, 3)), L.Conv2D(4, 3, padding="same", activation="relu"),
                         L.MaxPooling2D(), L.Conv2DTranspose(3, 3, strides=2, padding="same"),
                         L.AveragePooling2D(2), L.BatchNormalization(), L.Conv2D(2, 3),
                         L.GlobalMaxPooling2D(), L.Dense(2)])


def conv1d(K):
    L = K.layers
    return K.Sequential([K.Input((12, 3)), L.Conv1D(4, 3, activation="relu"), L.MaxPooling1D(2),
                         L.Conv1D(5, 2, padding="same"), L.GlobalAveragePooling1D(), L.Dense(2)])


def norms_and_shapes(K):
    L = K.layers
    return K.Sequential([K.Input((6,)), L.Rescaling(0.5, offset=0.1), L.LayerNormalization(),
                         L.Dense(4), L.RepeatVector(3), L.Reshape((4, 3)), L.Flatten(), L.Dense(2)])


def recurrent(K):
    L = K.layers
    return K.Sequential([K.Input((7, 4)), L.SimpleRNN(5, return_sequences=True), L.LSTM(4, return_sequences=True),
                         L.GRU(3)])


def wrappers(K):
    L = K.layers
    return K.Sequential([K.Input((6, 4)), L.Bidirectional(L.LSTM(3, return_sequences=True)),
                         L.TimeDistributed(L.Dense(2)), L.Bidirectional(L.GRU(2)), L.Dense(1)])


def embedding(K):
    L = K.layers
    inp = K.Input((7,), dtype="int32")
    x = L.Embedding(20, 4)(inp)
    return K.Model(inp, L.Dense(1)(L.GlobalAveragePooling1D()(L.SimpleRNN(3, return_sequences=True)(x))))


def nested(K):
    L = K.layers
    inner = K.Sequential([K.Input((5,)), L.Dense(4, activation="relu"), L.Dense(4)], name="inner")
    inp = K.Input((5,))
    return K.Model(inp, L.Dense(2)(inner(inp)))


def normalization(K):
    norm = K.layers.Normalization()
    norm.adapt(np.random.default_rng(1).normal(2.0, 3.0, (50, 4)).astype("float32"))
    return K.Sequential([K.Input((4,)), norm, K.layers.Dense(2)])


BUILDERS = [normalization, dense, shared_multi_input, conv2d, conv1d, norms_and_shapes, recurrent, wrappers,
            embedding, nested]


def inputs_for(model):
    shapes = [tuple(t.shape[1:]) for t in (model.inputs if isinstance(model.inputs, list) else [model.inputs])]
    if model.inputs and "int" in str(model.inputs[0].dtype):
        return RNG.integers(0, 20, (4, *shapes[0])).astype("int32")
    xs = [RNG.normal(size=(4, *s)).astype("float32") for s in shapes]
    return xs if len(xs) > 1 else xs[0]


def predict(model, x):
    out = model.predict(x, verbose=0)
    return [np.asarray(o) for o in out] if isinstance(out, (list, tuple)) else [np.asarray(out)]


def assert_same(a, b):
    assert len(a) == len(b)
    for p, q in zip(a, b):
        np.testing.assert_allclose(p, q, atol=1e-5, rtol=1e-5)


def _randomize_bn(model):
    """Non-trivial moving statistics, so BatchNormalization's inference path is really compared."""
    for w in model.weights:
        if "moving" in w.path:
            w.assign(RNG.uniform(0.5, 1.5, w.shape).astype("float32"))


@pytest.mark.parametrize("build", BUILDERS, ids=lambda f: f.__name__)
def test_nbnet_keras_file_loads_in_keras(build, tmp_path):
    model = build(nbnet)
    _randomize_bn(model)
    x = inputs_for(model)
    model.save(tmp_path / "m.keras")
    again = keras.saving.load_model(tmp_path / "m.keras")
    assert_same(predict(again, x), predict(model, x))


@pytest.mark.parametrize("build", BUILDERS, ids=lambda f: f.__name__)
def test_keras_file_loads_in_nbnet(build, tmp_path):
    model = build(keras)
    for w in model.weights:
        if "moving" in w.path:
            w.assign(RNG.uniform(0.5, 1.5, w.shape).astype("float32"))
    x = inputs_for(model)
    model.save(tmp_path / "k.keras")
    again = nbnet.models.load_model(tmp_path / "k.keras")
    assert_same(predict(again, x), predict(model, x))
    assert again.count_params() == model.count_params()


@pytest.mark.parametrize("build", BUILDERS, ids=lambda f: f.__name__)
def test_weights_h5_both_ways(build, tmp_path):
    ours, theirs = build(nbnet), build(keras)
    _randomize_bn(ours)
    x = inputs_for(ours)
    ours.save_weights(tmp_path / "n.weights.h5")
    theirs.load_weights(tmp_path / "n.weights.h5")
    assert_same(predict(theirs, x), predict(ours, x))
    fresh = build(nbnet)
    theirs.save_weights(tmp_path / "k.weights.h5")
    fresh.load_weights(tmp_path / "k.weights.h5")
    assert_same(predict(fresh, x), predict(theirs, x))


def _compiled_pair(K, optimizer):
    L = K.layers   # no Dropout: the two libraries' random streams differ
    model = K.Sequential([K.Input((6,)), L.Dense(8, activation="relu"), L.Dense(3, activation="softmax")])
    model.compile(optimizer=optimizer(K), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


OPTIMIZERS = {"adam": lambda K: K.optimizers.Adam(0.01), "sgd_momentum": lambda K: K.optimizers.SGD(0.1, momentum=0.9),
              "rmsprop": lambda K: K.optimizers.RMSprop(0.01)}


@pytest.mark.parametrize("opt", OPTIMIZERS)
def test_optimizer_state_travels_both_ways(opt, tmp_path):
    """Train, save, load on the other side, train one more step on both: the same weights."""
    x = RNG.normal(size=(32, 6)).astype("float32")
    y = RNG.integers(0, 3, 32)
    ours = _compiled_pair(nbnet, OPTIMIZERS[opt])
    ours.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0)
    ours.save(tmp_path / "n.keras")
    theirs = keras.saving.load_model(tmp_path / "n.keras")
    assert int(theirs.optimizer.iterations) == 4
    ours.fit(x[:8], y[:8], batch_size=8, epochs=1, shuffle=False, verbose=0)
    theirs.fit(x[:8], y[:8], batch_size=8, epochs=1, shuffle=False, verbose=0)
    assert_same(predict(theirs, x), predict(ours, x))
    theirs.save(tmp_path / "k.keras")
    back = nbnet.models.load_model(tmp_path / "k.keras")
    assert back.optimizer.iterations == 5
    back.fit(x[:8], y[:8], batch_size=8, epochs=1, shuffle=False, verbose=0)
    theirs.fit(x[:8], y[:8], batch_size=8, epochs=1, shuffle=False, verbose=0)
    assert_same(predict(back, x), predict(theirs, x))


@keras.saving.register_keras_serializable(package="kf")
class KScale(keras.layers.Layer):
    def __init__(self, factor=2.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="w")

    def call(self, x):
        return x * self.w * self.factor

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


KerasScale = KScale


@nbnet.saving.register_keras_serializable(package="kf")
class KScale(nbnet.layers.Layer):   # noqa: F811 - the same name on purpose: Keras files store it
    def __init__(self, factor=2.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="w")

    def call(self, x):
        return x * self.w * self.factor

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


def test_registered_custom_layer_both_ways(tmp_path):
    x = RNG.normal(size=(4, 3)).astype("float32")
    ours = nbnet.Sequential([nbnet.Input((3,)), KScale(3.0), nbnet.layers.Dense(2)])
    ours.layers[0].w.assign(np.array([1.0, -2.0, 0.5], "float32"))
    ours.save(tmp_path / "n.keras")
    theirs = keras.saving.load_model(tmp_path / "n.keras")
    assert isinstance(theirs.layers[0], KerasScale)
    assert_same(predict(theirs, x), predict(ours, x))
    theirs.save(tmp_path / "k.keras")
    back = nbnet.saving.load_model(tmp_path / "k.keras")
    assert isinstance(back.layers[0], KScale) and back.layers[0].factor == 3.0
    assert_same(predict(back, x), predict(theirs, x))


# --- hostile and broken files ------------------------------------------------------------------
def _rewrite_config(src, dst, edit):
    with zipfile.ZipFile(src) as z:
        entries = {n: z.read(n) for n in z.namelist()}
    config = json.loads(entries["config.json"])
    edit(config)
    entries["config.json"] = json.dumps(config).encode()
    with zipfile.ZipFile(dst, "w") as z:
        for n, data in entries.items():
            z.writestr(n, data)


def test_unknown_module_and_class_refused(tmp_path):
    dense(keras).save(tmp_path / "k.keras")

    def hostile(config):
        layer = config["config"]["layers"][1]
        layer["module"], layer["class_name"] = "os", "system"
    _rewrite_config(tmp_path / "k.keras", tmp_path / "bad.keras", hostile)
    with pytest.raises(ValueError, match=r"Unknown layer class 'system' \(module 'os'\).*never imports"):
        nbnet.models.load_model(tmp_path / "bad.keras")


def test_lambda_refused(tmp_path):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Lambda(lambda t: t * 2)])
    model.save(tmp_path / "lam.keras")
    with pytest.raises(ValueError, match="refusing to load a Lambda"):
        nbnet.models.load_model(tmp_path / "lam.keras")


def test_non_zip_and_truncated_refused(tmp_path):
    (tmp_path / "junk.keras").write_bytes(b"not a zip at all")
    with pytest.raises(ValueError, match="not a valid archive"):
        nbnet.models.load_model(tmp_path / "junk.keras")
    dense(keras).save(tmp_path / "k.keras")
    data = (tmp_path / "k.keras").read_bytes()
    (tmp_path / "cut.keras").write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError):
        nbnet.models.load_model(tmp_path / "cut.keras")


def test_unsupported_setting_named(tmp_path):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, kernel_constraint="non_neg")])
    model.save(tmp_path / "c.keras")
    with pytest.raises(ValueError, match="kernel_constraint=.*nbnet.*does not support"):
        nbnet.models.load_model(tmp_path / "c.keras")


def test_weights_h5_mismatch_is_clear(tmp_path):
    dense(keras).save_weights(tmp_path / "k.weights.h5")
    other = nbnet.Sequential([nbnet.Input((6,)), nbnet.layers.Dense(5), nbnet.layers.Dense(3)])
    with pytest.raises(ValueError, match="shape"):
        other.load_weights(tmp_path / "k.weights.h5")


def test_other_extensions_keep_nbnet_format(tmp_path):
    model = dense(nbnet)
    model.save(tmp_path / "m.nbnet")
    meta = json.loads(zipfile.ZipFile(tmp_path / "m.nbnet").read("metadata.json"))
    assert meta["format"] == "nbnet.model"
    model.save(tmp_path / "m.keras")
    assert "model.weights.h5" in zipfile.ZipFile(tmp_path / "m.keras").namelist()


def test_missing_h5py_names_the_extra(tmp_path, monkeypatch):
    import sys
    monkeypatch.setitem(sys.modules, "h5py", None)   # what an install without the extra looks like
    with pytest.raises(ImportError, match=r"nbnet\[keras-files\]"):
        dense(nbnet).save(tmp_path / "m.keras")
    assert not (tmp_path / "m.keras").exists()
    dense(nbnet).save(tmp_path / "m.nbnet")   # nbnet's own format needs no h5py


def test_loading_a_weights_file_as_a_model_is_clear(tmp_path):
    dense(nbnet).save_weights(tmp_path / "w.weights.h5")
    with pytest.raises(ValueError, match="weights file"):
        nbnet.models.load_model(tmp_path / "w.weights.h5")
