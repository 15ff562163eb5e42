"""Custom layers written Keras-style (the article's SimpleDense and ComputeSum), Variables, Lambda."""

import keras
import numpy as np
import pytest

import nbnet
from nbnet import layers, ops
from nbnet.autograd import GradientTape, Tensor
from nbnet.layers import Layer
from nbnet.testing import check_gradients, run_layer_test


# --- the article's two layers, as written (keras.ops → nbnet.ops) ------------------------------
class SimpleDense(Layer):
    def __init__(self, units=32):
        super().__init__()
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], self.units), initializer="random_normal",
                                 trainable=True)
        self.b = self.add_weight(shape=(self.units,), initializer="random_normal", trainable=True)

    def call(self, inputs):
        return ops.matmul(inputs, self.w) + self.b


class ComputeSum(Layer):
    def __init__(self, input_dim):
        super().__init__()
        self.total = self.add_weight(initializer="zeros", shape=(input_dim,), trainable=False)

    def call(self, inputs):
        self.total.assign_add(ops.sum(inputs, axis=0))
        return self.total


@nbnet.utils.register_keras_serializable(package="BookTests")
class SavableDense(SimpleDense):
    """SimpleDense plus the two things saving needs: **kwargs and get_config."""

    def __init__(self, units=32, **kwargs):
        Layer.__init__(self, **kwargs)
        self.units = units

    def get_config(self):
        return {**super().get_config(), "units": self.units}


def _regression(n=128, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 3)).astype("float32")
    return x, (x @ np.array([[1.0], [-2.0], [0.5]]) + 0.3).astype("float32")


def _fit_loss(model, x, y, epochs=20):
    model.compile(optimizer=nbnet.optimizers.SGD(0.05), loss="mse")
    hist = model.fit(x, y, epochs=epochs, batch_size=32, verbose=0)
    return hist.history["loss"]


def test_article_simple_dense_runs_as_written():
    nbnet.utils.set_random_seed(0)
    layer = SimpleDense(4)
    y = layer(np.ones((2, 2), "float32"))
    assert y.shape == (2, 4) and len(layer.trainable_weights) == 2 and not layer.non_trainable_weights


def test_simple_dense_trains_in_sequential_and_functional():
    nbnet.utils.set_random_seed(0)
    x, y = _regression()
    loss = _fit_loss(nbnet.Sequential([nbnet.Input((3,)), SimpleDense(8), SimpleDense(1)]), x, y)
    assert loss[-1] < 0.1 * loss[0]
    inp = nbnet.Input((3,))
    loss = _fit_loss(nbnet.Model(inp, SimpleDense(1)(layers.Dense(8)(inp))), x, y)
    assert loss[-1] < 0.1 * loss[0]


def test_simple_dense_gradients_match_finite_differences():
    nbnet.utils.set_random_seed(0)
    check_gradients(SimpleDense(5), np.random.default_rng(1).standard_normal((4, 3))).assert_ok()


def test_registered_custom_layer_saves_and_loads(tmp_path):
    nbnet.utils.set_random_seed(0)
    x, y = _regression()
    model = nbnet.Sequential([nbnet.Input((3,)), SavableDense(4), SavableDense(1)])
    _fit_loss(model, x, y, epochs=2)
    model.save(tmp_path / "m.nbnet")
    loaded = nbnet.models.load_model(tmp_path / "m.nbnet")
    assert type(loaded.layers[0]) is SavableDense and loaded.layers[0].units == 4
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)


def test_unregistered_custom_layer_save_says_how_to_fix(tmp_path):
    model = nbnet.Sequential([nbnet.Input((3,)), SimpleDense(2)])
    with pytest.raises((ValueError, TypeError), match="register_keras_serializable|get_config"):
        model.save(tmp_path / "m.nbnet")
        nbnet.models.load_model(tmp_path / "m.nbnet")


def test_article_compute_sum_accumulates_and_is_not_trainable():
    layer = ComputeSum(2)
    x = np.ones((2, 2), "float32")
    np.testing.assert_array_equal(layer(x), [2.0, 2.0])
    np.testing.assert_array_equal(layer(x), [4.0, 4.0])
    assert layer.trainable_weights == [] and layer.non_trainable_weights == [layer.total]
    assert layer.weights[0].trainable is False


class FixedScale(Layer):
    """Multiplies by a non-trainable weight: the optimizer must never touch it."""

    def build(self, input_shape):
        self.s = self.add_weight(shape=(input_shape[-1],), initializer="ones", trainable=False)

    def call(self, inputs):
        return inputs * (self.s * 2.0)


def test_non_trainable_weight_is_not_updated_by_the_optimizer():
    nbnet.utils.set_random_seed(0)
    x, y = _regression()
    model = nbnet.Sequential([nbnet.Input((3,)), layers.Dense(4), FixedScale(), layers.Dense(1)])
    scale = model.layers[1].s
    assert scale not in model.trainable_weights and scale in model.non_trainable_weights
    _fit_loss(model, x, y, epochs=3)
    np.testing.assert_array_equal(scale.numpy(), np.ones(4))


def test_trainable_false_freezes_a_layer_during_fit():
    nbnet.utils.set_random_seed(0)
    x, y = _regression()
    model = nbnet.Sequential([nbnet.Input((3,)), SimpleDense(4), SimpleDense(1)])
    model.layers[0].trainable = False
    frozen, free = model.layers[0].get_weights(), model.layers[1].get_weights()
    assert len(model.trainable_weights) == 2 and len(model.non_trainable_weights) == 2
    _fit_loss(model, x, y, epochs=3)
    for a, b in zip(frozen, model.layers[0].get_weights()):
        np.testing.assert_array_equal(a, b)
    assert not np.allclose(free[0], model.layers[1].get_weights()[0])


class TwoTower(Layer):
    """A custom layer built from other layers: their weights are tracked as its own."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.left, self.right = SimpleDense(4), SimpleDense(4)
        self.heads = [layers.Dense(2), layers.Dense(2, use_bias=False)]

    def call(self, inputs):
        h = ops.tanh(self.left(inputs)) * ops.sigmoid(self.right(inputs))
        return self.heads[0](h) + self.heads[1](h)


def test_nested_layers_are_tracked_and_train():
    nbnet.utils.set_random_seed(0)
    layer = TwoTower()
    layer(np.ones((1, 3), "float32"))
    assert len(layer.trainable_weights) == 2 + 2 + 2 + 1 and layer.count_params() == 2 * 16 + 10 + 8
    check_gradients(TwoTower(), np.random.default_rng(2).standard_normal((3, 3))).assert_ok()
    x, y = _regression()
    model = nbnet.Sequential([nbnet.Input((3,)), TwoTower(), layers.Dense(1)])
    loss = _fit_loss(model, x, y, epochs=10)
    assert loss[-1] < 0.5 * loss[0]


# --- Variables ---------------------------------------------------------------------------------
def test_variable_assign_and_numpy():
    v = nbnet.Variable(np.zeros(3, "float32"), name="v")
    v.assign([1.0, 2.0, 3.0])
    v.assign_add(np.ones(3))
    v.assign_sub(Tensor(np.full(3, 0.5)))
    np.testing.assert_allclose(v.numpy(), [1.5, 2.5, 3.5])
    assert v.numpy().dtype == np.float32
    with pytest.raises(ValueError, match="shape"):
        v.assign(np.zeros(4))


def test_variable_arithmetic_on_both_sides():
    a = np.array([1.0, 2.0, 4.0])
    v = nbnet.Variable(a.copy())
    t = Tensor(np.array([2.0, 2.0, 2.0]))
    cases = [(v + a, 2 * a), (a + v, 2 * a), (v - 1, a - 1), (1 - v, 1 - a), (v * t, 2 * a), (t * v, 2 * a),
             (v / 2, a / 2), (2 / v, 2 / a), (v ** 2, a ** 2), (2 ** v, 2 ** a), (-v, -a), (abs(-v), a),
             (v @ a, a @ a), (a @ v, a @ a), (v + v, 2 * a), (t - v, 2 - a)]
    for got, want in cases:
        assert isinstance(got, Tensor)
        np.testing.assert_allclose(got.numpy(), want)
    np.testing.assert_array_equal(v > 1.5, a > 1.5)
    assert v in [v] and nbnet.Variable(a) not in [v]      # identity, not elementwise ==


def test_variable_arithmetic_is_differentiable():
    v = nbnet.Variable(np.array([1.0, 2.0]))
    with GradientTape() as tape:
        loss = ops.sum(2 ** v + (3 - v) * v + 1 / v)
    (g,) = tape.gradient(loss, [v])
    a = np.array([1.0, 2.0])
    np.testing.assert_allclose(g, np.log(2) * 2 ** a + 3 - 2 * a - 1 / a ** 2)


# --- Lambda --------------------------------------------------------------------------------------
@nbnet.utils.register_keras_serializable(package="BookTests")
def swish_scaled(x, scale=1.0):
    return ops.multiply(x, ops.sigmoid(x)) * scale


@nbnet.utils.register_keras_serializable(package="BookTests")
def halve_last(x):
    return ops.reshape(x, (-1, x.shape[-1] // 2, 2))


@pytest.mark.parametrize("kwargs,shape,out", [
    ({"function": swish_scaled}, (4, 3), (4, 3)),
    ({"function": swish_scaled, "arguments": {"scale": 2.5}}, (4, 2, 3), (4, 2, 3)),
    ({"function": ops.square}, (4, 3), (4, 3)),
    ({"function": halve_last, "output_shape": (3, 2)}, (4, 6), (4, 3, 2)),
])
def test_lambda_contract(kwargs, shape, out):
    run_layer_test(layers.Lambda, kwargs, shape, expected_output_shape=out, expected_num_params=0)


def test_lambda_parity_with_keras():
    x = np.random.default_rng(0).standard_normal((3, 4)).astype("float32")
    ours = layers.Lambda(lambda t: ops.softplus(t) - ops.square(t))(x)
    theirs = keras.layers.Lambda(lambda t: keras.ops.softplus(t) - keras.ops.square(t))(x)
    np.testing.assert_allclose(ours, keras.ops.convert_to_numpy(theirs), rtol=1e-5, atol=1e-6)


def test_lambda_trains_inside_a_model_and_passes_training():
    nbnet.utils.set_random_seed(0)
    seen = []

    def noisy(x, training=None):
        seen.append(training)
        return ops.tanh(x)
    x, y = _regression()
    model = nbnet.Sequential([nbnet.Input((3,)), layers.Dense(8), layers.Lambda(noisy), layers.Dense(1)])
    loss = _fit_loss(model, x, y, epochs=10)
    assert loss[-1] < 0.5 * loss[0] and True in seen


def test_lambda_saves_only_registered_functions(tmp_path):
    model = nbnet.Sequential([nbnet.Input((3,)), layers.Lambda(lambda t: t * 2)])
    with pytest.raises(ValueError, match=r"a Python lambda.*register_keras_serializable"):
        model.save(tmp_path / "m.nbnet")

    def local_fn(t):
        return t * 3
    with pytest.raises(ValueError, match=r"local_fn.*not registered.*register_keras_serializable"):
        layers.Lambda(local_fn).get_config()
    with pytest.raises(ValueError, match="JSON"):
        layers.Lambda(swish_scaled, arguments={"scale": np.ones(2)}).get_config()


def test_lambda_loads_by_name_and_via_custom_objects(tmp_path):
    x = np.random.default_rng(0).standard_normal((2, 3)).astype("float32")
    model = nbnet.Sequential([nbnet.Input((3,)), layers.Lambda(swish_scaled, arguments={"scale": 3.0})])
    model.save(tmp_path / "m.nbnet")
    assert model.layers[0].get_config()["function"] == "BookTests>swish_scaled"
    np.testing.assert_allclose(nbnet.models.load_model(tmp_path / "m.nbnet").predict(x, verbose=0),
                               model.predict(x, verbose=0))
    config = {**model.layers[0].get_config(), "function": "Other>triple"}
    triple = lambda t: t * 3  # noqa: E731
    with nbnet.utils.custom_object_scope({"Other>triple": triple}):
        assert layers.Lambda.from_config(config).function is triple
    with pytest.raises(ValueError, match="unknown function 'Other>triple'.*custom_objects"):
        layers.Lambda.from_config(config)


@pytest.mark.parametrize("spec", [
    {"class_name": "__lambda__", "config": {"code": "4wEAAAAAAAAA", "defaults": None, "closure": None}},
    "lambda x: __import__('os').system('echo hi')",
    "os.system",
    ["BookTests>swish_scaled"],
])
def test_lambda_loading_refuses_code(spec):
    with pytest.raises(ValueError, match="refusing to load.*never from code|unknown function"):
        layers.Lambda.from_config({"name": "evil", "function": spec})
