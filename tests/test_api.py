"""The public namespace mirrors Keras 3, and Keras-style scripts run with ``import nbnet as keras``."""

import re
from pathlib import Path

import numpy as np
import pytest

import nbnet

README = Path(__file__).resolve().parents[1] / "README.md"


@pytest.mark.parametrize("name", ["Sequential", "Model", "Input", "Layer", "layers", "activations",
                                  "losses", "optimizers", "metrics", "callbacks", "models", "utils",
                                  "datasets", "testing", "initializers", "regularizers", "ops"])
def test_top_level_names(name):
    assert hasattr(nbnet, name), f"nbnet.{name} is missing (keras.{name} exists)"


@pytest.mark.parametrize("module, names", [
    ("layers", ["Dense", "Activation", "Dropout", "Flatten", "Reshape", "Input", "InputLayer", "Layer",
                "InputSpec"]),
    ("models", ["Sequential", "Model", "load_model"]),
    ("utils", ["set_random_seed", "to_categorical", "register_keras_serializable"]),
    ("callbacks", ["Callback", "History", "EarlyStopping", "TerminateOnNaN", "LambdaCallback",
                   "ModelCheckpoint"]),
    ("optimizers", ["SGD", "Adam", "RMSprop", "Adagrad", "get"]),
    ("losses", ["BinaryCrossentropy", "CategoricalCrossentropy", "SparseCategoricalCrossentropy",
                "MeanSquaredError", "Loss", "get"]),
    ("metrics", ["Metric", "Mean", "BinaryAccuracy", "CategoricalAccuracy",
                 "SparseCategoricalAccuracy", "get"]),
    ("datasets", ["mnist", "make_moons", "make_spirals", "make_xor", "make_blobs"]),
    ("testing", ["check_gradients", "run_layer_test"]),
])
def test_submodule_names(module, names):
    mod = getattr(nbnet, module)
    missing = [n for n in names if not hasattr(mod, n)]
    assert not missing, f"nbnet.{module} lacks {missing}"


def test_same_objects_reachable_two_ways():
    assert nbnet.Sequential is nbnet.models.Sequential
    assert nbnet.Model is nbnet.models.Model
    assert nbnet.Input is nbnet.layers.Input
    assert callable(nbnet.datasets.mnist.load_data)


def test_model_constructor_dispatches_like_keras():
    x = nbnet.Input((3,))
    functional = nbnet.Model(x, nbnet.layers.Dense(2)(x))
    assert isinstance(functional, nbnet.Model)
    assert type(functional).__name__ == "Functional"

    class Sub(nbnet.Model):
        def call(self, inputs):
            return inputs
    assert type(Sub()) is Sub


def test_to_categorical():
    y = nbnet.utils.to_categorical([0, 2, 1], num_classes=4)
    np.testing.assert_array_equal(y, [[1, 0, 0, 0], [0, 0, 1, 0], [0, 1, 0, 0]])
    assert y.dtype == np.float32
    assert nbnet.utils.to_categorical(np.array([[1], [0]])).shape == (2, 2)


def _readme_script() -> str:
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    assert blocks, "README.md has no ```python block"
    script = blocks[0]
    assert "import nbnet as keras" in script
    return script


def test_readme_example_runs_unchanged_on_an_mnist_slice(monkeypatch, capsys):
    """The README's Keras script, as written, on the first 2,000 training images."""
    (x_train, y_train), (x_test, y_test) = nbnet.datasets.mnist.load_data()
    small = ((x_train[:2000], y_train[:2000]), (x_test[:500], y_test[:500]))
    monkeypatch.setattr(nbnet.datasets.mnist, "load_data", lambda *a, **k: small)
    nbnet.utils.set_random_seed(0)
    namespace: dict = {}
    exec(compile(_readme_script(), str(README), "exec"), namespace)  # noqa: S102
    model = namespace["model"]
    assert model.count_params() == 12730
    out = capsys.readouterr().out
    assert out.count("Epoch ") == 5 and "Epoch 5/5" in out
    history = model.history.history
    assert history["loss"][-1] < history["loss"][0]
    assert history["accuracy"][-1] > 0.8
    x_eval = namespace["x_test"].reshape(-1, 784) / 255
    loss, acc = model.evaluate(x_eval, namespace["y_test"], verbose=0)
    assert acc > 0.75 and np.isfinite(loss)
