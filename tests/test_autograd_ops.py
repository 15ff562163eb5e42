"""Autograd: every differentiable function in nbnet.ops against central differences, tape semantics,
and a custom layer written only with ``call`` that trains."""

import inspect

import numpy as np
import pytest
import torch

import nbnet
from nbnet import layers, ops
from nbnet.testing import check_gradients

RNG = np.random.default_rng(0)


def normal(*shape):
    return RNG.standard_normal(shape)


def positive(*shape):
    return 0.5 + RNG.random(shape)


def away_from_zero(*shape):
    """Normal values with |x| > 0.1, so kinks (|x|, relu, sign) are far from the finite differences."""
    x = normal(*shape)
    return np.where(np.abs(x) < 0.1, 0.5, x)


X = away_from_zero(3, 4)
X3 = normal(2, 3, 4)
WITH_ZERO = normal(3, 4)
WITH_ZERO[1, 2] = 0.0

# (id, function, inputs).  A list of several inputs checks the gradient of each.
CASES = [
    ("add", ops.add, [normal(3, 4), normal(3, 4)]),
    ("add-broadcast-row", ops.add, [normal(3, 4), normal(4)]),
    ("add-broadcast-outer", ops.add, [normal(3, 1), normal(1, 4)]),
    ("subtract-broadcast", ops.subtract, [normal(2, 3, 4), normal(3, 1)]),
    ("multiply-broadcast", ops.multiply, [normal(2, 3, 4), normal(3, 1)]),
    ("divide-broadcast", ops.divide, [normal(3, 4), positive(4)]),
    ("power-both", ops.power, [positive(3, 4), normal(3, 4)]),
    ("power-constant", lambda a: ops.power(a, 3.0), [normal(3, 4)]),
    ("maximum", ops.maximum, [normal(3, 4), normal(3, 4)]),
    ("minimum-broadcast", ops.minimum, [normal(3, 4), normal(4)]),
    ("matmul", ops.matmul, [normal(3, 4), normal(4, 5)]),
    ("matmul-batched-broadcast", ops.matmul, [normal(2, 3, 4), normal(4, 5)]),
    ("matmul-batch-both", ops.matmul, [normal(2, 3, 4), normal(1, 4, 5)]),
    ("matmul-vector-matrix", ops.matmul, [normal(4), normal(4, 5)]),
    ("matmul-matrix-vector", ops.matmul, [normal(3, 4), normal(4)]),
    ("dot", ops.dot, [normal(3, 4), normal(4, 2)]),
    ("negative", ops.negative, [normal(3, 4)]),
    ("exp", ops.exp, [normal(3, 4)]),
    ("log", ops.log, [positive(3, 4)]),
    ("log1p", ops.log1p, [positive(3, 4) - 0.4]),
    ("sqrt", ops.sqrt, [positive(3, 4)]),
    ("square", ops.square, [normal(3, 4)]),
    ("abs", ops.abs, [X]),
    ("sign", ops.sign, [X]),
    ("tanh", ops.tanh, [normal(3, 4)]),
    ("sigmoid", ops.sigmoid, [normal(3, 4)]),
    ("relu", ops.relu, [X]),
    ("leaky_relu", ops.leaky_relu, [X]),
    ("elu", lambda a: ops.elu(a, alpha=0.7), [X]),
    ("softplus", ops.softplus, [normal(3, 4)]),
    ("erf", ops.erf, [normal(3, 4)]),
    ("clip", lambda a: ops.clip(a, -0.6, 0.6), [np.where(np.abs(np.abs(X) - 0.6) < 0.05, 0.3, X)]),
    ("softmax", ops.softmax, [normal(3, 4)]),
    ("softmax-axis0", lambda a: ops.softmax(a, axis=0), [normal(3, 4)]),
    ("log_softmax", ops.log_softmax, [normal(3, 4)]),
    ("log_softmax-axis0", lambda a: ops.log_softmax(a, axis=0), [normal(3, 4)]),
    ("sum-all", ops.sum, [X3]),
    ("sum-axis", lambda a: ops.sum(a, axis=1), [X3]),
    ("sum-axes-keepdims", lambda a: ops.sum(a, axis=(0, 2), keepdims=True), [X3]),
    ("mean-all", ops.mean, [X3]),
    ("mean-axis-neg", lambda a: ops.mean(a, axis=-1), [X3]),
    ("mean-axes-keepdims", lambda a: ops.mean(a, axis=(0, 1), keepdims=True), [X3]),
    ("max-all", ops.max, [X3]),
    ("max-axis", lambda a: ops.max(a, axis=1), [X3]),
    ("min-axis-keepdims", lambda a: ops.min(a, axis=-1, keepdims=True), [X3]),
    ("prod-all", ops.prod, [positive(2, 3)]),
    ("prod-axis-with-zero", lambda a: ops.prod(a, axis=1), [WITH_ZERO]),
    ("prod-axes-keepdims", lambda a: ops.prod(a, axis=(0, 2), keepdims=True), [normal(2, 3, 2)]),
    ("var", lambda a: ops.var(a, axis=0), [normal(5, 3)]),
    ("std", lambda a: ops.std(a, axis=-1, keepdims=True), [normal(3, 5)]),
    ("moments", lambda a: list(ops.moments(a, axes=[0, 1])), [X3]),
    ("norm-l2", lambda a: ops.norm(a, axis=-1), [normal(3, 4)]),
    ("norm-l1", lambda a: ops.norm(a, ord=1, axis=0), [X]),
    ("norm-inf", lambda a: ops.norm(a, ord=np.inf, axis=1), [X]),
    ("normalize", ops.normalize, [normal(3, 4)]),
    ("cumsum-all", ops.cumsum, [normal(3, 4)]),
    ("cumsum-axis", lambda a: ops.cumsum(a, axis=1), [normal(3, 4)]),
    ("reshape", lambda a: ops.reshape(a, (4, -1)), [X3]),
    ("transpose", ops.transpose, [X3]),
    ("transpose-axes", lambda a: ops.transpose(a, (1, 2, 0)), [X3]),
    ("expand_dims", lambda a: ops.expand_dims(a, 1), [normal(3, 4)]),
    ("squeeze", lambda a: ops.squeeze(a, 1), [normal(3, 1, 4)]),
    ("take_slice-basic", lambda a: ops.take_slice(a, (slice(1, None), slice(None, None, 2))), [normal(3, 4)]),
    ("take_slice-repeated", lambda a: ops.take_slice(a, np.array([0, 2, 0])), [normal(3, 4)]),
    ("take-flat", lambda a: ops.take(a, np.array([[0, 5], [5, 11]])), [normal(3, 4)]),
    ("take-axis", lambda a: ops.take(a, np.array([3, 0, 3]), axis=2), [X3]),
    ("concatenate", lambda a, b: ops.concatenate([a, b], axis=0), [normal(2, 4), normal(3, 4)]),
    ("concatenate-last", lambda a, b: ops.concatenate([a, b]), [normal(3, 2), normal(3, 4)]),
    ("stack", lambda a, b: ops.stack([a, b]), [normal(3, 4), normal(3, 4)]),
    ("stack-axis1", lambda a, b: ops.stack([a, b], axis=1), [normal(3, 4), normal(3, 4)]),
    ("split-sections", lambda a: ops.split(a, 2, axis=1), [normal(3, 4)]),
    ("split-indices", lambda a: ops.split(a, [1, 3], axis=0), [normal(5, 2)]),
    ("where", lambda a, b: ops.where(X > 0, a, b), [normal(3, 4), normal(3, 4)]),
    ("where-broadcast", lambda a, b: ops.where(X > 0, a, b), [normal(3, 4), normal(4)]),
    ("cast", lambda a: ops.cast(a, "float64"), [normal(3, 4)]),
    ("tile", lambda a: ops.tile(a, (2, 1, 3)), [normal(3, 4)]),
    ("repeat-flat", lambda a: ops.repeat(a, 2), [normal(3, 4)]),
    ("repeat-axis", lambda a: ops.repeat(a, [1, 0, 3], axis=0), [normal(3, 4)]),
    ("broadcast_to", lambda a: ops.broadcast_to(a, (2, 3, 4)), [normal(3, 1)]),
    ("einsum-matmul", lambda a, b: ops.einsum("ij,jk->ik", a, b), [normal(3, 4), normal(4, 2)]),
    ("einsum-batched", lambda a, b: ops.einsum("bij,bjk->bik", a, b), [normal(2, 3, 4), normal(2, 4, 2)]),
    ("einsum-inner", lambda a, b: ops.einsum("ij,ij->", a, b), [normal(3, 4), normal(3, 4)]),
    ("einsum-reduce", lambda a: ops.einsum("ij->j", a), [normal(3, 4)]),
    ("einsum-outer-implicit", lambda a, b: ops.einsum("i,j", a, b), [normal(3), normal(4)]),
    ("tensordot", lambda a, b: ops.tensordot(a, b, axes=([1, 2], [2, 0])), [normal(2, 3, 4), normal(4, 5, 3)]),
    ("triu", lambda a: ops.triu(a, 1), [X3]),
    ("tril", lambda a: ops.tril(a, -1), [X3]),
    ("top_k", lambda a: ops.top_k(a, 2)[0], [X3]),
    ("logsumexp", lambda a: ops.logsumexp(a, axis=1), [X3]),
]

NOT_DIFFERENTIABLE = {"convert_to_tensor", "convert_to_numpy", "shape", "zeros", "ones", "zeros_like",
                      "ones_like", "argmax", "argmin", "equal", "eye", "stop_gradient"}
NOT_DIFFERENTIABLE |= set(ops.logic.__all__)   # comparisons and logic: boolean results, no gradient


class OpLayer(layers.Layer):
    """A layer whose call is one op (inputs: one array or a list)."""

    def __init__(self, fn, **kwargs):
        super().__init__(**kwargs)
        self.fn = fn

    def call(self, inputs):
        return self.fn(*inputs) if isinstance(inputs, list) else self.fn(inputs)


@pytest.mark.parametrize("fn, inputs", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_op_gradient(fn, inputs):
    report = check_gradients(OpLayer(fn), inputs if len(inputs) > 1 else inputs[0])
    assert len(report.rows) == len(inputs)
    report.assert_ok()


@pytest.mark.parametrize("fn, inputs", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_op_on_arrays_returns_arrays(fn, inputs):
    out = fn(*inputs)
    for o in out if isinstance(out, list) else [out]:
        assert isinstance(o, (np.ndarray, np.generic)) and not isinstance(o, nbnet.Tensor)


def test_every_public_op_is_checked():
    public = {name for name, f in vars(ops).items()
              if inspect.isfunction(f) and f.__module__.startswith("nbnet.ops") and not name.startswith("_")}
    public |= {"dot"}
    checked = {case[0].split("-")[0] for case in CASES}
    assert public - checked - NOT_DIFFERENTIABLE == set(), "add a gradient case for these ops"


def test_max_ties_share_the_gradient():
    with nbnet.GradientTape() as tape:
        x = nbnet.Tensor(np.array([1.0, 3.0, 3.0, 2.0]), requires_grad=True)
        y = ops.max(x)
    np.testing.assert_array_equal(tape.gradient(y, [x])[0], [0, 0.5, 0.5, 0])


def test_stop_gradient_blocks():
    with nbnet.GradientTape() as tape:
        x = nbnet.Tensor(normal(3), requires_grad=True)
        y = ops.sum(ops.multiply(ops.stop_gradient(x), x))   # d/dx = stop(x), not 2x
    np.testing.assert_allclose(tape.gradient(y, [x])[0], x.value)


def test_tensor_operators_match_torch():
    a_np, b_np, m_np = normal(3, 4), positive(3, 4), normal(4, 2)

    def f(a, b, m):
        y = (a + 1.5) * b - a / b + (-a) ** 2 + 2.0 - a * 0.5 + 1.0 / b
        return (y @ m)[1:, :] + (m.T @ a.T).T[:2, :2]

    with nbnet.GradientTape() as tape:
        a, b, m = (nbnet.Tensor(v, requires_grad=True) for v in (a_np, b_np, m_np))
        out = ops.sum(f(a, b, m))
    ours = tape.gradient(out, [a, b, m])
    ta, tb, tm = (torch.tensor(v, requires_grad=True) for v in (a_np, b_np, m_np))
    f(ta, tb, tm).sum().backward()
    np.testing.assert_allclose(out.value, f(ta, tb, tm).sum().item())
    for g, t in zip(ours, (ta, tb, tm)):
        np.testing.assert_allclose(g, t.grad.numpy(), rtol=1e-12, atol=1e-12)


# --- GradientTape semantics ------------------------------------------------------------------
def test_nothing_is_recorded_outside_a_tape():
    x = nbnet.Tensor(normal(3), requires_grad=True)
    y = ops.multiply(x, 2.0)
    assert isinstance(y, nbnet.Tensor) and y.parents == () and not y.requires_grad


def test_gradient_accumulates_over_uses():
    with nbnet.GradientTape() as tape:
        x = nbnet.Tensor(np.array([1.0, -2.0, 3.0]), requires_grad=True)
        y = ops.sum(ops.add(ops.multiply(x, x), ops.multiply(3.0, x)))    # d/dx = 2x + 3
    np.testing.assert_allclose(tape.gradient(y, [x])[0], 2 * x.value + 3)


def test_unrelated_source_gets_none_and_output_gradients_weight_the_sum():
    with nbnet.GradientTape() as tape:
        x = nbnet.Tensor(normal(3), requires_grad=True)
        z = nbnet.Tensor(normal(3), requires_grad=True)
        y = ops.multiply(x, 2.0)
    gx, gz = tape.gradient(y, [x, z], output_gradients=np.array([1.0, 10.0, 100.0]))
    np.testing.assert_allclose(gx, [2.0, 20.0, 200.0])
    assert gz is None


def test_watch_constant_and_variables():
    c = nbnet.Tensor(np.array([2.0, 3.0]))
    v = nbnet.Variable(np.array([1.0, 1.0]))
    frozen = nbnet.Variable(np.array([5.0, 5.0]), trainable=False)
    with nbnet.GradientTape() as tape:
        tape.watch(c)
        y = ops.sum(ops.multiply(ops.multiply(c, v), frozen))
    gc, gv, gf = tape.gradient(y, [c, v, frozen])
    np.testing.assert_allclose(gc, [5.0, 5.0])
    np.testing.assert_allclose(gv, [10.0, 15.0])
    assert gf is None


def test_persistent_tape_gives_gradients_twice():
    with nbnet.GradientTape(persistent=True) as tape:
        x = nbnet.Tensor(np.array([1.0, 2.0]), requires_grad=True)
        y = ops.sum(ops.square(x))
        z = ops.sum(ops.exp(x))
    np.testing.assert_allclose(tape.gradient(y, [x])[0], 2 * x.value)
    np.testing.assert_allclose(tape.gradient(z, [x])[0], np.exp(x.value))


def test_gradient_of_a_non_tensor_is_a_type_error():
    with nbnet.GradientTape() as tape:
        x = nbnet.Tensor(np.ones(2), requires_grad=True)
    with pytest.raises(TypeError, match="target must be a Tensor"):
        tape.gradient(np.ones(2), [x])


# --- a custom layer written only with call ----------------------------------------------------
class TanhDense(nbnet.Layer):
    """y = tanh(x W + b), written with nbnet.ops only: autograd differentiates it."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight((input_shape[-1], self.units), "glorot_uniform", name="w")
        self.b = self.add_weight((self.units,), "zeros", name="b")

    def call(self, x):
        return ops.tanh(ops.add(ops.matmul(x, self.w), self.b))

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    def get_config(self):
        return {**super().get_config(), "units": self.units}


def test_custom_layer_gradients():
    check_gradients(TanhDense(5), normal(4, 3)).assert_ok()


def test_custom_layer_trains():
    nbnet.utils.set_random_seed(1)
    x = RNG.uniform(-1, 1, (64, 2)).astype("float32")
    y = (np.sin(3 * x[:, :1]) * x[:, 1:]).astype("float32")
    model = nbnet.Sequential([nbnet.Input((2,)), TanhDense(16), layers.Dense(8, activation="relu"),
                              TanhDense(1)])
    model.compile(optimizer=nbnet.optimizers.Adam(0.02), loss="mse")
    first = model.evaluate(x, y, verbose=0)
    history = model.fit(x, y, epochs=60, batch_size=16, verbose=0)
    assert history.history["loss"][-1] < 0.3 * first
    compiled_check = check_gradients(model, x[:8].astype("float64"), y[:8])
    compiled_check.assert_ok()
