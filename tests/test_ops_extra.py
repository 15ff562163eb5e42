"""nbnet.ops: values equal NumPy/Keras, and every differentiable op passes a float64 gradient check."""

import keras
import numpy as np
import pytest

import nbnet
from nbnet import ops
from nbnet.autograd import GradientTape, Tensor


def _grad_check(fn, *arrays, eps=1e-6, tol=1e-6, seed=0):
    """Compare autograd's d(Σ fn(x)·R)/dx with central differences, in float64, for every input."""
    xs = [np.array(a, dtype="float64") for a in arrays]
    out = np.asarray(ops.convert_to_numpy(fn(*xs)))
    R = np.random.default_rng(seed).standard_normal(out.shape)

    def loss(*vals):
        return float((np.asarray(ops.convert_to_numpy(fn(*vals))) * R).sum())
    ts = [Tensor(x.copy(), requires_grad=True) for x in xs]
    with GradientTape() as tape:
        y = fn(*ts)
        total = ops.sum(ops.multiply(y, R))
    grads = tape.gradient(total, ts)
    for i, (x, g) in enumerate(zip(xs, grads)):
        num = np.zeros_like(x)
        for j in np.ndindex(x.shape):
            xp, xm = [v.copy() for v in xs], [v.copy() for v in xs]
            xp[i][j] += eps
            xm[i][j] -= eps
            num[j] = (loss(*xp) - loss(*xm)) / (2 * eps)
        g = np.zeros_like(x) if g is None else g
        err = np.abs(g - num).max() / max(1e-8, np.abs(g).max() + np.abs(num).max())
        assert err < tol, f"input {i}: relative error {err:.2e}\nanalytic {g}\nnumeric {num}"


rng = np.random.default_rng(42)
A = rng.standard_normal((3, 4))
B = rng.standard_normal((4, 2))
P = rng.uniform(0.5, 2.0, (3, 4))

UNARY = {
    "negative": (ops.negative, A), "sqrt": (ops.sqrt, P), "square": (ops.square, A), "exp": (ops.exp, A),
    "log": (ops.log, P), "log1p": (ops.log1p, P), "abs": (ops.abs, A), "tanh": (ops.tanh, A),
    "sigmoid": (ops.sigmoid, A), "relu": (ops.relu, A), "softplus": (ops.softplus, A),
    "softmax": (ops.softmax, A), "log_softmax": (ops.log_softmax, A), "erf": (ops.erf, A),
    "leaky_relu": (ops.leaky_relu, A), "elu": (ops.elu, A),
    "sum": (lambda x: ops.sum(x, axis=1), A), "mean": (lambda x: ops.mean(x, axis=0, keepdims=True), A),
    "max": (lambda x: ops.max(x, axis=1), A), "min": (lambda x: ops.min(x), A),
    "prod": (lambda x: ops.prod(x, axis=1), A), "prod_all": (ops.prod, P),
    "prod_axes": (lambda x: ops.prod(x, axis=(0, 2)), rng.standard_normal((2, 3, 2))),
    "var": (lambda x: ops.var(x, axis=1), A), "std": (lambda x: ops.std(x, axis=0), A),
    "norm": (lambda x: ops.norm(x, axis=-1), A), "norm1": (lambda x: ops.norm(x, ord=1, axis=0), A),
    "normalize": (ops.normalize, A), "cumsum": (lambda x: ops.cumsum(x, axis=1), A),
    "cumsum_flat": (ops.cumsum, A), "reshape": (lambda x: ops.reshape(x, (2, 6)), A),
    "transpose": (lambda x: ops.transpose(x, (1, 0)), A), "expand_dims": (lambda x: ops.expand_dims(x, 1), A),
    "squeeze": (lambda x: ops.squeeze(ops.expand_dims(x, 0), 0), A),
    "clip": (lambda x: ops.clip(x, -0.5, 0.5), A), "cast": (lambda x: ops.cast(x, "float64"), A),
    "take": (lambda x: ops.take(x, np.array([2, 0, 2]), axis=1), A),
    "take_flat": (lambda x: ops.take(x, np.array([[1, 5], [5, 11]])), A),
    "split": (lambda x: ops.concatenate(ops.split(x, [1, 3], axis=1)[::-1], axis=1), A),
    "tile": (lambda x: ops.tile(x, (2, 1, 3)), A), "repeat": (lambda x: ops.repeat(x, 2, axis=0), A),
    "repeat_flat": (lambda x: ops.repeat(x, 2), A),
    "broadcast_to": (lambda x: ops.broadcast_to(x, (2, 3, 4)), A),
    "stack": (lambda x: ops.stack([x, ops.square(x)], axis=1), A),
    "getitem": (lambda x: x[1:, ::2] if isinstance(x, Tensor) else x[1:, ::2], A),
    "einsum_trace_like": (lambda x: ops.einsum("ij->i", x), A),
}
BINARY = {
    "matmul": (ops.matmul, A, B), "dot": (ops.dot, A, B), "add": (ops.add, A, A[:1]),
    "subtract": (ops.subtract, A, A[:, :1]), "multiply": (ops.multiply, A, P), "divide": (ops.divide, A, P),
    "power": (ops.power, P, A), "maximum": (ops.maximum, A, P - 1), "minimum": (ops.minimum, A, P - 1),
    "where": (lambda a, b: ops.where(A > 0, a, b), A, P),
    "concatenate": (lambda a, b: ops.concatenate([a, b], axis=0), A, P),
    "einsum_matmul": (lambda a, b: ops.einsum("ij,jk->ik", a, b), A, B),
    "einsum_batch": (lambda a, b: ops.einsum("bij,bjk->bik", a, b), rng.standard_normal((2, 3, 4)),
                     rng.standard_normal((2, 4, 2))),
    "einsum_outer_sum": (lambda a, b: ops.einsum("ij,k->k", a, b), A, rng.standard_normal(5)),
    "einsum_implicit": (lambda a, b: ops.einsum("ij,jk", a, b), A, B),
}


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_gradients(name):
    fn, x = UNARY[name]
    _grad_check(fn, x)


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_gradients(name):
    fn, *xs = BINARY[name]
    _grad_check(fn, *xs)


def test_sign_has_zero_gradient_and_values():
    _grad_check(ops.sign, A)
    np.testing.assert_array_equal(ops.sign(A), np.sign(A))


@pytest.mark.parametrize("call", [
    lambda m: m.log1p(P), lambda m: m.sign(A), lambda m: m.prod(A, axis=1), lambda m: m.var(A, axis=0),
    lambda m: m.std(A), lambda m: m.cumsum(A, axis=0), lambda m: m.take(A, np.array([1, 0]), axis=0),
    lambda m: m.tile(A, (1, 2)), lambda m: m.repeat(A, 3, axis=1), lambda m: m.eye(3),
    lambda m: m.einsum("ij,jk->ik", A, B), lambda m: m.norm(A), lambda m: m.norm(A, axis=0),
    lambda m: m.erf(A), lambda m: m.leaky_relu(A), lambda m: m.elu(A), lambda m: m.normalize(A),
    lambda m: m.split(A, 2, axis=1)[1], lambda m: m.broadcast_to(A[:1], (3, 4)),
])
def test_values_match_keras_ops(call):
    ours = ops.convert_to_numpy(call(ops))
    theirs = keras.ops.convert_to_numpy(call(keras.ops))
    np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-6)


def test_plain_arrays_in_give_arrays_out_and_tensors_record():
    assert isinstance(ops.prod(A), np.ndarray | np.floating)
    assert isinstance(ops.einsum("ij->j", A), np.ndarray)
    v = nbnet.Variable(A)
    with GradientTape() as tape:
        y = ops.sum(ops.einsum("ij,jk->ik", v, B))
    (g,) = tape.gradient(y, [v])
    np.testing.assert_allclose(g, np.broadcast_to(B.sum(1), A.shape))


def test_helpers_without_gradients():
    assert ops.shape(A) == (3, 4)
    np.testing.assert_array_equal(ops.argmax(A, axis=1), A.argmax(1))
    assert ops.zeros((2,)).dtype == np.float32 and ops.ones_like(A).shape == A.shape
    np.testing.assert_array_equal(ops.eye(2, dtype="float64"), np.eye(2))
    assert isinstance(ops.convert_to_tensor(A), Tensor)


def test_bad_arguments():
    with pytest.raises(ValueError, match="ord"):
        ops.norm(A, ord=3)
    with GradientTape() as tape:
        x = Tensor(np.ones((2, 2)), requires_grad=True)
        y = ops.sum(ops.einsum("ii->i", x))
    with pytest.raises(NotImplementedError, match="repeated index"):
        tape.gradient(y, [x])
