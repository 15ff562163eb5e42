"""Bad input raises clear errors that name the layer, what was expected and what was received."""

import re

import numpy as np
import pytest

import nbnet
from nbnet import layers


def mnist_mlp(compiled=True):
    model = nbnet.Sequential([nbnet.Input((784,)), layers.Dense(16, activation="relu"),
                              layers.Dense(10, activation="softmax")])
    if compiled:
        model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def tiny(compiled=True, loss="mse"):
    model = nbnet.Sequential([nbnet.Input((2,)), layers.Dense(1)])
    if compiled:
        model.compile("sgd", loss)
    return model


KERAS_WIDTH_MESSAGE = ('Input 0 of layer "dense" is incompatible with the layer: expected axis -1 of input '
                       "shape to have value 784, but received input with shape (32, 100)")


# --- shapes ------------------------------------------------------------------------------------
@pytest.mark.parametrize("how", ["fit", "predict", "evaluate", "call", "train_on_batch", "predict_on_batch"])
def test_wrong_width_names_the_layer_and_both_shapes(how):
    model = mnist_mlp()
    x, y = np.zeros((32, 100), np.float32), np.zeros(32, dtype=int)
    run = {"fit": lambda: model.fit(x, y, verbose=0), "predict": lambda: model.predict(x, verbose=0),
           "evaluate": lambda: model.evaluate(x, y, verbose=0), "call": lambda: model(x),
           "train_on_batch": lambda: model.train_on_batch(x, y),
           "predict_on_batch": lambda: model.predict_on_batch(x)}[how]
    with pytest.raises(ValueError) as err:
        run()
    assert str(err.value) == KERAS_WIDTH_MESSAGE


def test_wrong_rank_names_the_model_and_shapes():
    model = mnist_mlp()
    for x in (np.zeros((32,)), np.zeros((32, 28, 28))):
        with pytest.raises(ValueError, match=re.escape(
                f'Input 0 of layer "sequential" is incompatible with the layer: expected shape=(None, 784), '
                f"found shape={x.shape}")):
            model.predict(x, verbose=0)


def test_wrong_width_in_a_lazily_built_model_and_a_bare_layer():
    model = nbnet.Sequential([layers.Dense(4), layers.Dense(2)])
    model.compile("sgd", "mse")
    model.fit(np.zeros((8, 3)), np.zeros((8, 2)), verbose=0)
    with pytest.raises(ValueError, match=re.escape(
            'layer "dense" is incompatible with the layer: expected axis -1 of input shape to have value 3, '
            "but received input with shape (4, 7)")):
        model.predict(np.zeros((4, 7)), verbose=0)
    dense = layers.Dense(3, name="probe")
    dense(np.zeros((2, 5), np.float32))
    with pytest.raises(ValueError, match='layer "probe".*value 5.*shape \\(2, 6\\)'):
        dense(np.zeros((2, 6), np.float32))
    with pytest.raises(ValueError, match='layer "probe".*expected min_ndim=2, found ndim=1'):
        dense(np.zeros(5, np.float32))


def test_wrong_input_to_a_functional_model():
    a, b = nbnet.Input((3,), name="a"), nbnet.Input((2,), name="b")
    model = nbnet.Model([a, b], [layers.Dense(1)(a), layers.Dense(1)(b)])
    with pytest.raises(ValueError, match=re.escape('Input "a" of model "functional" is incompatible: '
                                                   "expected shape (None, 3), got shape (4, 5)")):
        model.predict([np.zeros((4, 5)), np.zeros((4, 2))], verbose=0)
    with pytest.raises(ValueError, match=r"has 2 inputs \(\['a', 'b'\]\), but 3 arrays were given"):
        model.predict([np.zeros((4, 3)), np.zeros((4, 2)), np.zeros((4, 2))], verbose=0)
    with pytest.raises(ValueError, match="missing key"):
        model.predict({"a": np.zeros((4, 3))}, verbose=0)


def test_symbolic_wrong_width_when_building_a_graph():
    x = nbnet.Input((5,))
    dense = layers.Dense(2, name="d")
    dense(x)
    with pytest.raises(ValueError, match='layer "d".*value 5.*\\(None, 4\\)'):
        dense(nbnet.Input((4,)))


# --- data --------------------------------------------------------------------------------------
def test_x_y_length_mismatch():
    with pytest.raises(ValueError, match="x has 32 samples and y has 31"):
        mnist_mlp().fit(np.zeros((32, 784)), np.zeros(31, dtype=int), verbose=0)
    with pytest.raises(ValueError, match="sample_weight has 3 entries but x has 4 samples"):
        tiny().fit(np.zeros((4, 2)), np.zeros(4), sample_weight=np.ones(3), verbose=0)


@pytest.mark.parametrize("label", [10, -1, 255])
def test_sparse_labels_outside_the_class_range(label):
    y = np.zeros(32, dtype=int)
    y[5] = label
    with pytest.raises(ValueError, match=r"labels must be in \[0, 10\).*10 classes"):
        mnist_mlp().fit(np.zeros((32, 784)), y, verbose=0)


def test_non_integer_sparse_labels():
    with pytest.raises(ValueError, match="integer class indices"):
        mnist_mlp().fit(np.zeros((4, 784)), np.array([0.5, 1, 2, 3]), verbose=0)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_nan_or_inf_in_x(bad):
    x = np.zeros((32, 784))
    x[3, 4] = bad
    model = mnist_mlp()
    with pytest.raises(ValueError, match="Input 0 contains 1 NaN or infinite value"):
        model.fit(x, np.zeros(32, dtype=int), verbose=0)
    with pytest.raises(ValueError, match="NaN or infinite"):
        model.predict(x, verbose=0)


def test_nan_in_y():
    with pytest.raises(ValueError, match="Target y contains NaN or infinite values"):
        tiny().fit(np.zeros((4, 2)), np.array([1, np.nan, 2, 3.0]), verbose=0)


def test_non_numeric_x():
    with pytest.raises(TypeError, match="numeric arrays, got dtype <U1"):
        tiny().predict(np.array([["a", "b"]]), verbose=0)


def test_mse_shape_mismatch_suggests_sparse_loss():
    model = nbnet.Sequential([nbnet.Input((2,)), layers.Dense(3)])
    model.compile("sgd", "mse")
    with pytest.raises(ValueError, match="y_true has shape \\(4,\\) and y_pred has shape \\(4, 3\\)"):
        model.fit(np.zeros((4, 2)), np.zeros(4), verbose=0)


# --- unknown names -----------------------------------------------------------------------------
@pytest.mark.parametrize("make, pattern", [
    (lambda: layers.Dense(2, activation="relux"),
     r"Unknown activation 'relux'. Valid names: .*relu.*sigmoid"),
    (lambda: layers.Activation("softmaxx"), r"Unknown activation 'softmaxx'. Valid names: .*softmax"),
    (lambda: tiny(False).compile("sgd", "msex"), r"Unknown loss 'msex'. Valid names: .*mse.*sparse_categ"),
    (lambda: tiny(False).compile("sgd", ["msex"]), r"Unknown loss 'msex'"),
    (lambda: tiny(False).compile("adamw2", "mse"), r"Unknown optimizer 'adamw2'. Valid names: .*adam.*sgd"),
    (lambda: tiny(False).compile("sgd", "mse", metrics=["accurac"]),
     r"Unknown metric 'accurac'. Valid names: accuracy.*mae"),
    (lambda: layers.Dense(2, kernel_initializer="glorot"),
     r"Unknown initializer 'glorot'. Valid names: .*glorot_normal, glorot_uniform.*zeros"),
])
def test_unknown_names_list_the_valid_ones(make, pattern):
    with pytest.raises(ValueError, match=pattern):
        make()


def test_loss_for_an_output_that_does_not_exist():
    inp = nbnet.Input((2,))
    model = nbnet.Model(inp, layers.Dense(1, name="out")(inp))
    model.compile("sgd", {"typo": "mse"})
    with pytest.raises(ValueError, match=r"names output\(s\) \['typo'\].*outputs are \['out'\]"):
        model.fit(np.zeros((4, 2)), np.zeros((4, 1)), verbose=0)


def test_wrong_number_of_losses():
    a = nbnet.Input((2,))
    model = nbnet.Model(a, [layers.Dense(1)(a), layers.Dense(1)(a)])
    model.compile("sgd", ["mse", "mse", "mse"])
    with pytest.raises(ValueError, match="3 losses for a model with 2 outputs"):
        model.fit(np.zeros((4, 2)), [np.zeros((4, 1))] * 2, verbose=0)


# --- API misuse --------------------------------------------------------------------------------
@pytest.mark.parametrize("method", ["fit", "evaluate", "train_on_batch", "test_on_batch", "gradients"])
def test_training_before_compile(method):
    model = tiny(compiled=False)
    with pytest.raises(RuntimeError, match=f"You must call compile\\(\\) before {method}\\(\\)"):
        getattr(model, method)(np.zeros((4, 2)), np.zeros(4))


def test_predict_works_without_compile():
    assert tiny(compiled=False).predict(np.zeros((4, 2)), verbose=0).shape == (4, 1)


def test_fit_without_targets():
    with pytest.raises(ValueError, match="needs targets y"):
        tiny().fit(np.zeros((4, 2)), verbose=0)


@pytest.mark.parametrize("units", [0, -3, 2.5, "8", True])
def test_dense_units_must_be_a_positive_integer(units):
    message = f"Dense: `units` must be a positive integer, got {re.escape(repr(units))}"
    with pytest.raises(ValueError, match=message):
        layers.Dense(units)


def test_dropout_rate_out_of_range():
    for rate in (-0.1, 1.0, 1.5):
        with pytest.raises(ValueError, match="rate` must be in \\[0, 1\\)"):
            layers.Dropout(rate)


def test_unexpected_layer_keyword():
    with pytest.raises(TypeError, match="Dense: unexpected keyword argument\\(s\\) \\['unit'\\]"):
        layers.Dense(3, unit=4)


def test_set_weights_wrong_count_or_shape():
    model = tiny()
    with pytest.raises(ValueError, match=r"expects 2 weight arrays \(kernel, bias\), but received 1"):
        model.set_weights([np.zeros((2, 1))])
    with pytest.raises(ValueError, match=r"weight 'kernel' has shape \(2, 1\), but the provided array has "
                                         r"shape \(3, 1\)"):
        model.set_weights([np.zeros((3, 1)), np.zeros(1)])
    before = model.get_weights()
    with pytest.raises(ValueError):
        model.set_weights([np.ones((2, 1)), np.zeros(2)])
    np.testing.assert_array_equal(model.get_weights()[0], before[0])   # a failed set_weights changes nothing
    dense = model.layers[0]
    with pytest.raises(ValueError, match="Layer 'dense'"):
        dense.set_weights([np.zeros((2, 1))])


@pytest.mark.parametrize("batch_size", [0, -1, 2.5, "32"])
def test_bad_batch_size(batch_size):
    model = tiny()
    message = f"batch_size must be a positive integer, got {re.escape(repr(batch_size))}"
    with pytest.raises(ValueError, match=message):
        model.fit(np.zeros((4, 2)), np.zeros(4), batch_size=batch_size, verbose=0)
    with pytest.raises(ValueError, match="batch_size must be a positive integer"):
        model.predict(np.zeros((4, 2)), batch_size=batch_size, verbose=0)


@pytest.mark.parametrize("split", [1.0, -0.1, 1.5])
def test_bad_validation_split(split):
    with pytest.raises(ValueError, match=f"validation_split must be in \\(0, 1\\), got {split}"):
        tiny().fit(np.zeros((4, 2)), np.zeros(4), validation_split=split, verbose=0)


def test_validation_split_leaving_no_samples():
    with pytest.raises(ValueError, match="leaves no training or no validation samples out of 4"):
        tiny().fit(np.zeros((4, 2)), np.zeros(4), validation_split=0.9, verbose=0)


def test_bad_validation_data():
    with pytest.raises(ValueError, match="validation_data must be a tuple"):
        tiny().fit(np.zeros((4, 2)), np.zeros(4), validation_data=np.zeros((4, 2)), verbose=0)


def test_calling_a_layer_on_a_list_or_python_number():
    with pytest.raises(TypeError, match="Layer 'dense' expects NumPy arrays or Tensors, got int"):
        layers.Dense(2)(3)
