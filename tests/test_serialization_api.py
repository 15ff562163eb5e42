"""The serialization namespace: nbnet.saving, clone_model, to_json/model_from_json,
layers.serialize/deserialize, Model.from_config on a functional config, and compile() with a
plain loss function (registration asked for only at save time)."""

import ast
import json
import pathlib

import numpy as np
import pytest

import nbnet
from nbnet import layers, ops

SRC = pathlib.Path(nbnet.__file__).parent


def functional():
    nbnet.utils.set_random_seed(0)
    a, b = nbnet.Input((3,), name="a"), nbnet.Input((2,), name="b")
    shared = layers.Dense(4, activation="tanh", name="shared")
    h = layers.concatenate([shared(a), layers.Dense(4)(b)])
    return nbnet.Model([a, b], {"out": layers.Dense(1, name="out")(h), "aux": layers.Dense(2, name="aux")(h)})


def inputs(n=5):
    rng = np.random.default_rng(0)
    return [rng.normal(size=(n, 3)).astype("float32"), rng.normal(size=(n, 2)).astype("float32")]


def same_predictions(m1, m2, x):
    p1, p2 = m1.predict(x, verbose=0), m2.predict(x, verbose=0)
    p1, p2 = (p1, p2) if isinstance(p1, list) else ([p1], [p2])
    return all(np.array_equal(a, b) for a, b in zip(p1, p2))


# --- the namespace --------------------------------------------------------------------------
def test_saving_namespace_has_keras_names():
    for name in ["register_keras_serializable", "get_custom_objects", "custom_object_scope",
                 "serialize_keras_object", "deserialize_keras_object", "load_model", "save_model",
                 "get_registered_name", "get_registered_object", "CustomObjectScope"]:
        assert hasattr(nbnet.saving, name), name
    for name in ["clone_model", "model_from_json", "load_model", "save_model"]:
        assert hasattr(nbnet.models, name), name
    assert callable(layers.serialize) and callable(layers.deserialize)


def test_saving_package_imports_neither_layers_nor_models():
    """The house plan: saving sits below layers and models (they register into it)."""
    for path in (SRC / "saving").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                names = [node.module or ""] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
                for name in names:
                    assert not name.startswith(("nbnet.layers", "nbnet.models")), f"{path.name} imports {name}"
    for path in (SRC / "layers").rglob("*.py"):
        assert "nbnet.models" not in path.read_text(), f"{path} imports nbnet.models"


# --- Model.from_config, to_json, clone_model ------------------------------------------------
def test_model_from_config_on_a_functional_config():
    model = functional()
    config = model.get_config()
    rebuilt = nbnet.Model.from_config(config)
    assert isinstance(rebuilt, nbnet.models.Functional)
    assert [lay.name for lay in rebuilt.layers] == [lay.name for lay in model.layers]
    rebuilt.set_weights(model.get_weights())
    assert same_predictions(model, rebuilt, inputs())
    assert rebuilt.output_names == model.output_names == ["out", "aux"]


def test_functional_subclass_from_config_keeps_its_class():
    class Tagged(nbnet.Model):
        pass
    inp = nbnet.Input((3,))
    model = Tagged(inp, layers.Dense(2)(inp))
    again = Tagged.from_config(model.get_config())
    assert type(again) is Tagged and again.count_params() == 8


def test_subclassed_from_config_error_says_what_to_do():
    class NoConfig(nbnet.Model):
        def __init__(self, units):
            super().__init__()
            self.dense = layers.Dense(units)

        def call(self, x):
            return self.dense(x)
    with pytest.raises(TypeError, match="needs get_config\\(\\) returning them"):
        NoConfig.from_config(NoConfig(3).get_config())


def test_to_json_and_model_from_json():
    model = functional()
    text = model.to_json()
    assert json.loads(text)["class_name"] == "Functional"
    again = nbnet.models.model_from_json(text)
    again.set_weights(model.get_weights())
    assert same_predictions(model, again, inputs())


@pytest.mark.parametrize("kind", ["sequential", "functional"])
def test_clone_model_copies_the_architecture_with_new_weights(kind):
    if kind == "sequential":
        nbnet.utils.set_random_seed(0)
        model = nbnet.Sequential([nbnet.Input((3,)), layers.Dense(4, activation="relu"), layers.Dense(1)])
        x = inputs()[0]
    else:
        model, x = functional(), inputs()
    clone = nbnet.models.clone_model(model)
    assert type(clone) is type(model) and clone.count_params() == model.count_params()
    assert [lay.name for lay in clone.layers] == [lay.name for lay in model.layers]
    assert not any(np.array_equal(a, b) for a, b in zip(clone.get_weights(), model.get_weights()) if a.ndim == 2)
    clone.set_weights(model.get_weights())
    assert same_predictions(model, clone, x)
    shared = nbnet.models.clone_model(model, clone_function=lambda layer: layer)
    assert all(a is b for a, b in zip(shared.weights, model.weights))


def test_clone_model_on_new_inputs_and_with_a_call_function():
    model = functional()
    calls = []

    def record(layer, *args, **kwargs):
        calls.append(layer.name)
        return layer(*args, **kwargs)
    new_inputs = [nbnet.Input((3,), name="a2"), nbnet.Input((2,), name="b2")]
    clone = nbnet.models.clone_model(model, input_tensors=new_inputs, call_function=record)
    assert clone.input_names == ["a2", "b2"] and "shared" in calls


def test_clone_model_subclassed_uses_from_config():
    @nbnet.saving.register_keras_serializable(package="nbnet_tests")
    class Small(nbnet.Model):
        def __init__(self, units=2, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.dense = layers.Dense(units)

        def call(self, x):
            return self.dense(x)

        def get_config(self):
            return {**super().get_config(), "units": self.units}
    clone = nbnet.models.clone_model(Small(5))
    assert type(clone) is Small and clone.units == 5


# --- layers.serialize / deserialize; serialize_keras_object ---------------------------------
def test_layers_serialize_round_trip():
    dense = layers.Dense(3, activation="relu", kernel_regularizer="l2", name="d")
    config = layers.serialize(dense)
    assert config["class_name"] == "Dense"
    again = layers.deserialize(config)
    assert isinstance(again, layers.Dense) and again.get_config() == dense.get_config()
    with pytest.raises(ValueError, match="Unknown layer class 'Nope'"):
        layers.deserialize({"class_name": "Nope", "config": {}})


def test_serialize_keras_object_round_trips_nbnet_objects():
    for obj in [nbnet.optimizers.Adam(0.01), nbnet.losses.MeanSquaredError(), nbnet.metrics.Mean(name="m"),
                nbnet.regularizers.L2(0.1), layers.Dense(2)]:
        config = nbnet.saving.serialize_keras_object(obj)
        json.dumps(config)
        again = nbnet.saving.deserialize_keras_object(config)
        assert type(again) is type(obj)
    assert nbnet.saving.deserialize_keras_object(
        nbnet.saving.serialize_keras_object(nbnet.activations.relu)) is nbnet.activations.relu
    assert nbnet.saving.serialize_keras_object([1, "a", None, {"k": 2.5}]) == [1, "a", None, {"k": 2.5}]


def test_custom_objects_global_dict_and_scope():
    def twice(x):
        return ops.multiply(x, 2.0)
    config = {"class_name": "function", "config": "twice"}
    with pytest.raises(ValueError, match="Unknown function 'twice'"):
        nbnet.saving.deserialize_keras_object(config)
    with nbnet.saving.custom_object_scope({"twice": twice}):
        assert nbnet.saving.deserialize_keras_object(config) is twice
    assert nbnet.saving.deserialize_keras_object(config, custom_objects={"twice": twice}) is twice
    nbnet.saving.get_custom_objects()["twice"] = twice
    try:
        assert nbnet.saving.deserialize_keras_object(config) is twice
    finally:
        del nbnet.saving.get_custom_objects()["twice"]
    registered = nbnet.saving.register_keras_serializable(package="nbnet_tests")(twice)
    assert nbnet.saving.get_registered_name(registered) == "nbnet_tests>twice"
    assert nbnet.saving.serialize_keras_object(registered)["config"] == "nbnet_tests>twice"


# --- compile(loss=plain function): registration only at save time ---------------------------
def test_a_plain_loss_function_trains_and_only_saving_asks_for_registration(tmp_path):
    def my_loss(y_true, y_pred):
        return ops.mean(ops.square(ops.subtract(y_pred, y_true)), axis=-1)
    model = nbnet.Sequential([nbnet.Input((3,)), layers.Dense(1)])
    model.compile("sgd", loss=my_loss)        # no registration needed to train
    x = inputs()[0]
    model.fit(x, x[:, :1], epochs=1, verbose=0)
    with pytest.raises(ValueError, match="Cannot save 'my_loss'.*register_keras_serializable"):
        model.save(tmp_path / "m.keras")
    assert not (tmp_path / "m.keras").exists()
    model.save_weights(tmp_path / "m.weights")      # weights alone need no names
    registered = nbnet.saving.register_keras_serializable(package="nbnet_tests")(my_loss)
    model.compile("sgd", loss=registered)
    model.save(tmp_path / "m.keras")
    loaded = nbnet.saving.load_model(tmp_path / "m.keras")
    assert loaded.get_compile_config()["loss"]["config"]["fn"] == "nbnet_tests>my_loss"
    assert same_predictions(model, loaded, x)
