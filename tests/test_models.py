"""Building models: Sequential, functional and subclassed; summary, layers, weights, freezing."""

import numpy as np
import pytest

import nbnet
from nbnet import layers, ops


def mlp(n_in=784, hidden=16, n_out=10):
    return nbnet.Sequential([nbnet.Input((n_in,)), layers.Dense(hidden, activation="relu"),
                             layers.Dense(n_out, activation="softmax")])


def summary_text(model) -> str:
    lines = []
    model.summary(print_fn=lines.append)
    return "\n".join(lines)


# --- Sequential --------------------------------------------------------------------------------
def test_sequential_from_list_is_built_with_input():
    model = mlp()
    assert model.built
    assert [type(lay).__name__ for lay in model.layers] == ["Dense", "Dense"]
    assert model.count_params() == 784 * 16 + 16 + 16 * 10 + 10 == 12730
    assert [w.shape for w in model.weights] == [(784, 16), (16,), (16, 10), (10,)]
    assert model.output_shape == (None, 10)
    assert model(np.zeros((3, 784), np.float32)).shape == (3, 10)


def test_sequential_add_and_pop():
    model = nbnet.Sequential()
    model.add(nbnet.Input((5,)))
    model.add(layers.Dense(3))
    model.add(layers.Dense(2))
    assert model.output_shape == (None, 2) and len(model.layers) == 2
    popped = model.pop()
    assert popped.units == 2
    assert len(model.layers) == 1 and model.output_shape == (None, 3)
    assert model.count_params() == 5 * 3 + 3
    assert model.predict(np.ones((4, 5)), verbose=0).shape == (4, 3)
    with pytest.raises(IndexError):
        model.pop() and model.pop()


def test_sequential_with_input_shape_on_first_layer():
    model = nbnet.Sequential([layers.Dense(16, activation="relu", input_shape=(784,)), layers.Dense(10)])
    assert model.built and model.count_params() == 12730
    assert model.input_shape == (None, 784)


def test_sequential_is_built_lazily_on_first_fit():
    model = nbnet.Sequential([layers.Dense(4, activation="relu"), layers.Dense(1)])
    assert not model.built
    with pytest.raises(ValueError, match="not built"):
        model.count_params()
    assert "unbuilt" in summary_text(model)
    model.compile("sgd", "mse")
    model.fit(np.random.rand(8, 3), np.random.rand(8, 1), verbose=0)
    assert model.built and model.count_params() == 3 * 4 + 4 + 4 + 1
    assert "(None, 4)" in summary_text(model)


def test_summary_matches_keras_table():
    text = summary_text(mlp())
    assert 'Model: "sequential"' in text
    assert "Layer (type)" in text and "Output Shape" in text and "Param #" in text
    assert "dense (Dense)" in text and "dense_1 (Dense)" in text
    assert "(None, 16)" in text and "(None, 10)" in text
    assert "12,560" in text and "170" in text
    assert "Total params: 12,730" in text
    assert "Trainable params: 12,730" in text and "Non-trainable params: 0" in text
    assert text.splitlines()[1].startswith("┏")


def test_summary_prints_to_stdout_by_default(capsys):
    mlp().summary()
    assert "Total params: 12,730 (49.73 KB)" in capsys.readouterr().out


# --- functional ------------------------------------------------------------------------------
def two_in_two_out():
    a, b = nbnet.Input((4,), name="a"), nbnet.Input((3,), name="b")
    h = layers.Dense(6, activation="relu", name="ha")(a)
    g = layers.Dense(6, activation="relu", name="hb")(b)
    joined = Concat(name="concat")([h, g])
    yes = layers.Dense(1, activation="sigmoid", name="yes")(joined)
    cls = layers.Dense(3, activation="softmax", name="cls")(joined)
    return nbnet.Model([a, b], [yes, cls])


class Concat(layers.Layer):
    """A custom multi-input layer written only with ``call`` (differentiated through ops)."""

    def call(self, inputs):
        return ops.concatenate(inputs, axis=-1)

    def compute_output_shape(self, input_shape):
        return (None, sum(s[-1] for s in input_shape))


def test_functional_two_inputs_two_outputs():
    model = two_in_two_out()
    assert model.input_names == ["a", "b"] and model.output_names == ["yes", "cls"]
    xa, xb = np.random.rand(5, 4), np.random.rand(5, 3)
    yes, cls = model.predict([xa, xb], verbose=0)
    assert yes.shape == (5, 1) and cls.shape == (5, 3)
    np.testing.assert_allclose(cls.sum(axis=1), 1, rtol=1e-5)
    by_dict = model.predict({"b": xb, "a": xa}, verbose=0)
    np.testing.assert_array_equal(by_dict[1], cls)
    assert model.count_params() == (4 * 6 + 6) + (3 * 6 + 6) + (12 + 1) + (12 * 3 + 3)
    text = summary_text(model)
    assert "a (InputLayer)" in text and "concat (Concat)" in text and "(None, 12)" in text


def test_functional_trains_custom_multi_input_layer():
    model = two_in_two_out()
    model.compile("adam", ["binary_crossentropy", "sparse_categorical_crossentropy"])
    x = [np.random.rand(16, 4), np.random.rand(16, 3)]
    y = [np.random.randint(0, 2, (16, 1)), np.random.randint(0, 3, 16)]
    before = model.get_layer("ha").get_weights()[0].copy()
    model.fit(x, y, epochs=2, verbose=0)
    assert not np.array_equal(before, model.get_layer("ha").get_weights()[0]), "grads did not pass Concat"


def test_shared_layer_weights_are_shared_and_counted_once():
    x1, x2 = nbnet.Input((4,)), nbnet.Input((4,))
    shared = layers.Dense(3, name="shared")
    out = Concat()([shared(x1), shared(x2)])
    model = nbnet.Model([x1, x2], out)
    assert model.count_params() == 4 * 3 + 3
    assert len(model.trainable_weights) == 2
    a, b = np.random.rand(2, 4), np.random.rand(2, 4)
    y = model.predict([a, b], verbose=0)
    kernel, bias = shared.get_weights()
    np.testing.assert_allclose(y[:, :3], a @ kernel + bias, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(y[:, 3:], b @ kernel + bias, rtol=1e-5, atol=1e-6)
    model.compile("sgd", "mse")
    model.fit([a, b], np.zeros((2, 6)), verbose=0)
    np.testing.assert_allclose(model.predict([a, b], verbose=0)[:, 3:], b @ shared.get_weights()[0]
                               + shared.get_weights()[1], rtol=1e-5)


def test_functional_dict_inputs_and_outputs():
    x1, x2 = nbnet.Input((2,), name="x1"), nbnet.Input((2,), name="x2")
    out = layers.Dense(1, name="score")(Concat()([x1, x2]))
    model = nbnet.Model({"left": x1, "right": x2}, {"score": out})
    assert model.input_names == ["left", "right"]
    x = {"right": np.ones((3, 2)), "left": np.zeros((3, 2))}
    kernel, bias = model.get_layer("score").get_weights()
    np.testing.assert_allclose(model.predict(x, verbose=0).reshape(3, 1),
                               np.hstack([np.zeros((3, 2)), np.ones((3, 2))]) @ kernel + bias, rtol=1e-5)
    model.compile("sgd", {"score": "mse"})
    history = model.fit(x, {"score": np.ones((3, 1))}, epochs=2, verbose=0)
    assert history.history["loss"][1] < history.history["loss"][0]
    with pytest.raises(ValueError, match="missing key"):
        model.predict({"left": np.zeros((3, 2))}, verbose=0)


# --- subclassed ------------------------------------------------------------------------------
class MLP(nbnet.Model):
    def __init__(self, hidden=8, **kwargs):
        super().__init__(**kwargs)
        self.hidden = layers.Dense(hidden, activation="relu")
        self.out = layers.Dense(2, activation="softmax")

    def call(self, x, training=False):
        h = self.hidden(x)
        if training:                      # free Python control flow
            h = h * 1.0
        return self.out(h)


def test_subclassed_model_trains_from_its_first_step():
    model = MLP()
    model.compile("sgd", "sparse_categorical_crossentropy", metrics=["accuracy"])
    x, y = nbnet.datasets.make_moons(64, noise=0.1, seed=0)
    loss0, grads = model.gradients(x, y)
    assert len(grads) == 4 and any(np.abs(g).sum() > 0 for g in grads)
    model.fit(x, y, batch_size=64, epochs=1, verbose=0)
    assert model.optimizer.iterations == 1
    assert model.evaluate(x, y, verbose=0)[0] < loss0
    assert [lay.name for lay in model.layers] == [model.hidden.name, model.out.name]
    assert model.count_params() == 2 * 8 + 8 + 8 * 2 + 2
    assert "Total params: 42" in summary_text(model)


def test_same_network_three_ways_gives_identical_outputs():
    nbnet.utils.set_random_seed(0)
    seq = nbnet.Sequential([nbnet.Input((2,)), layers.Dense(8, activation="relu"),
                            layers.Dense(2, activation="softmax")])
    inp = nbnet.Input((2,))
    func = nbnet.Model(inp, layers.Dense(2, activation="softmax")(layers.Dense(8, activation="relu")(inp)))
    sub = MLP()
    x = np.random.default_rng(1).normal(size=(10, 2)).astype(np.float32)
    sub(x)
    func.set_weights(seq.get_weights())
    sub.set_weights(seq.get_weights())
    expected = seq.predict(x, verbose=0)
    np.testing.assert_array_equal(func.predict(x, verbose=0), expected)
    np.testing.assert_array_equal(sub.predict(x, verbose=0), expected)
    for model in (seq, func, sub):
        model.compile("sgd", "sparse_categorical_crossentropy")
    y = np.array([0, 1] * 5)
    losses = [m.gradients(x, y) for m in (seq, func, sub)]
    for loss, grads in losses[1:]:
        assert loss == losses[0][0]
        for g, g0 in zip(grads, losses[0][1]):
            np.testing.assert_array_equal(g, g0)


# --- layers, weights, freezing -----------------------------------------------------------------
def test_get_layer_by_name_and_index():
    model = mlp()
    assert model.get_layer("dense_1") is model.layers[1]
    assert model.get_layer(index=0) is model.layers[0]
    with pytest.raises(ValueError, match="No such layer: 'nope'"):
        model.get_layer("nope")
    with pytest.raises(ValueError, match="out of range"):
        model.get_layer(index=5)


def test_frozen_layer_keeps_its_weights_and_counts_as_non_trainable():
    model = nbnet.Sequential([nbnet.Input((4,)), layers.Dense(3, name="frozen", trainable=False),
                              layers.Dense(1, name="head")])
    frozen, head = model.get_layer("frozen"), model.get_layer("head")
    assert len(model.trainable_weights) == 2 and len(model.non_trainable_weights) == 2
    text = summary_text(model)
    assert "Total params: 19" in text and "Trainable params: 4 " in text
    assert "Non-trainable params: 15" in text
    before_f, before_h = frozen.get_weights(), head.get_weights()
    model.compile("adam", "mse")
    model.fit(np.random.rand(16, 4), np.random.rand(16, 1), epochs=2, verbose=0)
    for a, b in zip(before_f, frozen.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(before_h[0], head.get_weights()[0])


def test_freezing_after_construction_and_unfreezing():
    model = mlp(4, 3, 2)
    first = model.layers[0]
    first.trainable = False
    assert len(model.trainable_weights) == 2
    assert model.count_params() == 4 * 3 + 3 + 3 * 2 + 2
    first.trainable = True
    assert len(model.trainable_weights) == 4
    model.trainable = False
    assert model.trainable_weights == [] and len(model.non_trainable_weights) == 4


def test_count_params_of_a_layer_and_weight_order():
    dense = layers.Dense(5)
    with pytest.raises(ValueError, match="not built"):
        dense.count_params()
    dense(np.zeros((1, 7), np.float32))
    assert dense.count_params() == 40
    assert [w.name for w in dense.weights] == ["kernel", "bias"]
    assert layers.Dense(5, use_bias=False, input_shape=(7,)).units == 5


def test_get_set_weights_round_trip():
    a, b = mlp(4, 3, 2), mlp(4, 3, 2)
    b.set_weights(a.get_weights())
    x = np.random.rand(3, 4)
    np.testing.assert_array_equal(a.predict(x, verbose=0), b.predict(x, verbose=0))
    weights = a.get_weights()
    weights[0][...] = 0
    assert not np.all(a.get_weights()[0] == 0), "get_weights must return copies"
