"""Parity with PyTorch: a Dense stack and its PyTorch twin, built from the same float64 weights,
give the same outputs, losses and gradients of every weight.

A Keras/nbnet kernel has shape (n_in, units) — ``Z = X W + b`` — so the twin's ``nn.Linear``
weight (units, n_in) is its transpose.
"""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch_reference import TORCH_ACTIVATIONS

import nbnet
from nbnet import activations, layers


def gelu_tanh(z):
    return activations.gelu(z, approximate=True)


ACTIVATIONS = {**TORCH_ACTIVATIONS, "gelu_tanh": lambda t: F.gelu(t, approximate="tanh")}

# loss -> (output activation, nbnet loss, torch loss(output, y), kind of target)
LOSSES = {
    "mse": (None, "mse", lambda out, y: F.mse_loss(out, y), "real"),
    "mae": (None, "mae", lambda out, y: F.l1_loss(out, y), "real"),
    "bce": ("sigmoid", "binary_crossentropy",
            lambda out, y: F.binary_cross_entropy(out, y), "binary"),
    "bce-logits": ("linear", nbnet.losses.BinaryCrossentropy(from_logits=True),
                   lambda out, y: F.binary_cross_entropy_with_logits(out, y), "binary"),
    "cce": ("softmax", "categorical_crossentropy",
            lambda out, y: -(y * torch.log(out)).sum(-1).mean(), "onehot"),
    "cce-logits": ("linear", nbnet.losses.CategoricalCrossentropy(from_logits=True),
                   lambda out, y: F.cross_entropy(out, y), "onehot"),
    "sparse": ("softmax", "sparse_categorical_crossentropy",
               lambda out, y: F.nll_loss(torch.log(out), y), "labels"),
    "sparse-logits": ("linear", nbnet.losses.SparseCategoricalCrossentropy(from_logits=True),
                      lambda out, y: F.cross_entropy(out, y), "labels"),
}


def _targets(kind, rng, n, k):
    if kind == "real":
        return rng.standard_normal((n, k))
    if kind == "binary":
        return rng.integers(0, 2, (n, k)).astype(np.float64)
    labels = rng.integers(0, k, n)
    return labels if kind == "labels" else np.eye(k)[labels]


def _build(rng, activation, loss_name):
    """A random 2- or 3-layer Dense stack (float64) and its data."""
    out_act, loss, _, kind = LOSSES[loss_name]
    n, n_in, k = rng.integers(3, 9), rng.integers(2, 7), rng.integers(2, 6)
    widths = [int(w) for w in rng.integers(3, 8, rng.integers(1, 3))] + [int(k)]
    act_fn = gelu_tanh if activation == "gelu_tanh" else activation
    acts = [act_fn] * (len(widths) - 1) + [out_act or act_fn]
    model = nbnet.Sequential([nbnet.Input((int(n_in),))] +
                             [layers.Dense(w, activation=a, bias_initializer="random_normal")
                              for w, a in zip(widths, acts)])
    model.compile(optimizer="sgd", loss=loss)
    x = rng.standard_normal((n, n_in))
    return model, x, _targets(kind, rng, n, k), acts


def _torch_twin(model, x, acts):
    """Forward the same network in PyTorch; return the output and the weight leaves."""
    leaves, out = [], torch.tensor(x)
    for layer, act in zip(model.layers, acts):
        W = torch.tensor(layer.kernel.value.T.copy(), requires_grad=True)   # (units, n_in)
        b = torch.tensor(layer.bias.value.copy(), requires_grad=True)
        leaves += [W, b]
        name = act if isinstance(act, str) else "gelu_tanh"
        out = ACTIVATIONS[name](F.linear(out, W, b))
    return out, leaves


@pytest.mark.parametrize("loss_name", list(LOSSES))
@pytest.mark.parametrize("activation", list(ACTIVATIONS))
def test_dense_stack_matches_torch(activation, loss_name):
    nbnet.config.set_floatx("float64")   # reset to float32 by conftest after the test
    seed = (sorted(ACTIVATIONS).index(activation) * 31 + sorted(LOSSES).index(loss_name)) * 7 + 1
    nbnet.utils.set_random_seed(seed)
    rng = np.random.default_rng(seed)
    model, x, y, acts = _build(rng, activation, loss_name)

    out, leaves = _torch_twin(model, x, acts)
    y_t = torch.tensor(y)
    torch_loss = LOSSES[loss_name][2](out, y_t)
    torch_loss.backward()

    ours = model(x)
    assert ours.dtype == np.float64
    np.testing.assert_allclose(ours, out.detach().numpy(), rtol=1e-5, atol=1e-8)
    loss, grads = model.gradients(x, y)
    np.testing.assert_allclose(loss, torch_loss.item(), rtol=1e-5, atol=1e-8)
    assert [w.path for w in model.trainable_weights][:2] == [f"{model.layers[0].name}/kernel",
                                                              f"{model.layers[0].name}/bias"]
    for g, leaf, w in zip(grads, leaves, model.trainable_weights):
        expected = leaf.grad.numpy().T if w.name == "kernel" else leaf.grad.numpy()
        np.testing.assert_allclose(g, expected, rtol=1e-5, atol=1e-9, err_msg=w.path)


def test_one_training_step_matches_torch_sgd():
    nbnet.config.set_floatx("float64")
    rng = np.random.default_rng(5)
    model, x, y, acts = _build(rng, "tanh", "cce")
    out, leaves = _torch_twin(model, x, acts)
    opt = torch.optim.SGD(leaves, lr=0.1)
    LOSSES["cce"][2](out, torch.tensor(y)).backward()
    opt.step()
    model.compile(optimizer=nbnet.optimizers.SGD(0.1), loss="categorical_crossentropy")
    model.train_on_batch(x, y)
    for w, leaf in zip(model.trainable_weights, leaves):
        expected = leaf.detach().numpy().T if w.name == "kernel" else leaf.detach().numpy()
        np.testing.assert_allclose(w.value, expected, rtol=1e-10, atol=1e-12)
