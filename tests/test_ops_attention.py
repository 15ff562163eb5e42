"""ops.tensordot, triu, tril, top_k, logsumexp (and one_hot): values equal Keras 3's, gradients checked."""

import keras
import numpy as np
import pytest
import torch

from nbnet import ops
from nbnet.autograd import GradientTape, Tensor

RNG = np.random.default_rng(0)


def _grad_check(fn, *arrays, eps=1e-6, tol=1e-6):
    """d(Σ fn(x)·R)/dx by autograd against central differences, float64, every input element."""
    xs = [np.array(a, dtype="float64") for a in arrays]
    R = RNG.standard_normal(np.shape(ops.convert_to_numpy(fn(*xs))))

    def loss(*vals):
        return float((np.asarray(ops.convert_to_numpy(fn(*vals))) * R).sum())
    ts = [Tensor(x.copy(), requires_grad=True) for x in xs]
    with GradientTape() as tape:
        total = ops.sum(ops.multiply(fn(*ts), R))
    for i, (x, g) in enumerate(zip(xs, tape.gradient(total, ts))):
        num = np.zeros_like(x)
        for j in np.ndindex(x.shape):
            xp, xm = [v.copy() for v in xs], [v.copy() for v in xs]
            xp[i][j] += eps
            xm[i][j] -= eps
            num[j] = (loss(*xp) - loss(*xm)) / (2 * eps)
        err = np.abs(g - num).max() / max(1e-8, np.abs(g).max() + np.abs(num).max())
        assert err < tol, f"input {i}: relative error {err:.2e}"


def _k(t):
    return keras.ops.convert_to_numpy(t)


@pytest.mark.parametrize("sa,sb,axes", [((3, 4), (4, 2), 1), ((2, 3, 4), (3, 4, 5), 2),
                                         ((2, 3, 4), (4, 5, 3), ([1, 2], [2, 0])), ((3, 4), (2, 3), ([0], [1])),
                                         ((2, 3), (4,), 0)])
def test_tensordot_equals_keras_and_gradients(sa, sb, axes):
    a, b = RNG.standard_normal(sa), RNG.standard_normal(sb)
    ours = ops.tensordot(a, b, axes=axes)
    np.testing.assert_allclose(ours, _k(keras.ops.tensordot(a, b, axes=axes)), atol=1e-6)   # Keras: float32
    np.testing.assert_allclose(ops.tensordot(a, b, axes=axes), np.tensordot(a, b, axes=axes), atol=1e-12)
    _grad_check(lambda x, y: ops.tensordot(x, y, axes=axes), a, b)


@pytest.mark.parametrize("fn", ["triu", "tril"])
@pytest.mark.parametrize("k", [-1, 0, 2])
def test_triangles_equal_keras_and_gradients(fn, k):
    x = RNG.standard_normal((2, 4, 5))
    np.testing.assert_array_equal(getattr(ops, fn)(x, k), _k(getattr(keras.ops, fn)(x, k)))
    _grad_check(lambda v: getattr(ops, fn)(v, k), x)


def test_tril_of_ones_is_the_causal_mask():
    assert np.array_equal(ops.tril(np.ones((4, 4))) > 0, np.arange(4)[:, None] >= np.arange(4)[None, :])


@pytest.mark.parametrize("k", [1, 3, 6])
def test_top_k_equals_keras_and_torch_and_gradients(k):
    x = RNG.standard_normal((3, 6))
    values, indices = ops.top_k(x, k)
    kv, ki = keras.ops.top_k(x, k)
    tv, ti = torch.topk(torch.tensor(x), k)
    np.testing.assert_array_equal(values, _k(kv))
    np.testing.assert_array_equal(indices, _k(ki))
    np.testing.assert_array_equal(indices, ti.numpy())
    assert indices.dtype == np.int32
    unsorted, idx = ops.top_k(x, k, sorted=False)
    assert np.array_equal(np.sort(unsorted, -1), np.sort(values, -1))
    _grad_check(lambda v: ops.top_k(v, k)[0], x)


def test_top_k_rejects_bad_k():
    with pytest.raises(ValueError, match="k must be in"):
        ops.top_k(np.zeros((2, 3)), 4)


@pytest.mark.parametrize("axis,keepdims", [(None, False), (-1, False), (0, True), ((0, 2), False)])
def test_logsumexp_equals_keras_and_torch_and_gradients(axis, keepdims):
    x = RNG.standard_normal((2, 3, 4)) * 3
    ours = ops.logsumexp(x, axis=axis, keepdims=keepdims)
    np.testing.assert_allclose(ours, _k(keras.ops.logsumexp(x, axis=axis, keepdims=keepdims)), atol=1e-12)
    dims = tuple(range(3)) if axis is None else axis
    np.testing.assert_allclose(ours, torch.logsumexp(torch.tensor(x), dim=dims, keepdim=keepdims).numpy(), atol=1e-12)
    _grad_check(lambda v: ops.logsumexp(v, axis=axis, keepdims=keepdims), x)


def test_logsumexp_is_stable_for_large_inputs():
    x = np.array([1000.0, 1000.0, -np.inf])
    assert np.isclose(ops.logsumexp(x), 1000.0 + np.log(2))


def test_one_hot_equals_keras():
    labels = np.array([[0, 2], [1, -1]])
    np.testing.assert_array_equal(ops.one_hot(labels, 3), _k(keras.ops.one_hot(labels, 3)))
    np.testing.assert_array_equal(ops.one_hot(labels, 3, axis=0), _k(keras.ops.one_hot(labels, 3, axis=0)))
