"""Optimizers: the same updates as Keras 3's own optimizers, and as torch.optim where the rule is the same.

Where Keras and PyTorch place the epsilon differently the two libraries compute different numbers:

* Adam — Keras (like the paper's "efficient" form) folds the bias corrections into the step size,
  ``w ← w − η·√(1−β₂ᵗ)/(1−β₁ᵗ) · m / (√v + ε)``, so ε is added to √v *without* bias correction;
  PyTorch adds ε to √v̂ = √(v/(1−β₂ᵗ)).  Keras's rule is PyTorch's with ε_torch = ε/√(1−β₂ᵗ).
* RMSprop and Adagrad — Keras divides by √(v + ε) (ε *inside* the root), PyTorch by √v + ε.

With ε = 0 the rules coincide, and the tests check nbnet against torch.optim exactly there; with the
default ε they check nbnet against the written Keras formula and show that the difference from
PyTorch is of the order of ε.
"""

import keras
import numpy as np
import pytest
import torch

import nbnet
from nbnet import optimizers
from nbnet.optimizers import schedules

RNG = np.random.default_rng(0)
W0 = [RNG.standard_normal((3, 4)), RNG.standard_normal(4)]
# gradients for 6 steps, kept away from 0 (so the ε-free rules never divide by zero)
GRADS = [[np.sign(g) * (0.1 + np.abs(g)) for g in (RNG.standard_normal((3, 4)), RNG.standard_normal(4))]
         for _ in range(6)]

CONFIGS = [
    ("SGD", {"learning_rate": 0.1}),
    ("SGD", {"learning_rate": 0.1, "momentum": 0.9}),
    ("SGD", {"learning_rate": 0.1, "momentum": 0.9, "nesterov": True}),
    ("RMSprop", {"learning_rate": 0.01}),
    ("RMSprop", {"learning_rate": 0.01, "rho": 0.8, "momentum": 0.5}),
    ("RMSprop", {"learning_rate": 0.01, "centered": True}),
    ("RMSprop", {"learning_rate": 0.01, "momentum": 0.5, "centered": True}),
    ("Adam", {"learning_rate": 0.01}),
    ("Adam", {"learning_rate": 0.01, "beta_1": 0.8, "beta_2": 0.99, "epsilon": 1e-3}),
    ("Adam", {"learning_rate": 0.01, "amsgrad": True}),
    ("Adagrad", {"learning_rate": 0.1}),
    ("Adagrad", {"learning_rate": 0.1, "initial_accumulator_value": 0.5, "epsilon": 1e-3}),
    ("SGD", {"learning_rate": 0.1, "momentum": 0.9, "weight_decay": 0.01}),
    ("Adam", {"learning_rate": 0.01, "weight_decay": 0.004}),
    ("SGD", {"learning_rate": 0.1, "clipnorm": 0.5}),
    ("Adam", {"learning_rate": 0.1, "clipvalue": 0.3}),
    ("SGD", {"learning_rate": 0.1, "global_clipnorm": 1.0}),
]
IDS = [f"{name}-{'-'.join(f'{k}={v}' for k, v in kw.items() if k != 'learning_rate')}"
       for name, kw in CONFIGS]


def run_nbnet(opt, steps, w0=W0, grads=GRADS):
    variables = [nbnet.Variable(w.copy()) for w in w0]
    for g in grads[:steps]:
        opt.apply([gi.copy() for gi in g], variables)
    return [v.value for v in variables]


def run_keras(opt, steps):
    variables = [keras.Variable(w.copy(), dtype="float64") for w in W0]
    for g in GRADS[:steps]:
        opt.apply_gradients([(keras.ops.convert_to_tensor(gi), v) for gi, v in zip(g, variables)])
    return [keras.ops.convert_to_numpy(v.value) for v in variables]


def run_torch(cls, steps, **kwargs):
    params = [torch.nn.Parameter(torch.tensor(w.copy())) for w in W0]
    opt = cls(params, **kwargs)
    for g in GRADS[:steps]:
        for p, gi in zip(params, g):
            p.grad = torch.tensor(gi)
        opt.step()
    return [p.detach().numpy() for p in params]


def assert_all_close(a, b, **kw):
    for x, y in zip(a, b):
        np.testing.assert_allclose(x, y, **kw)


@pytest.mark.parametrize("steps", [1, 6])
@pytest.mark.parametrize("name, kwargs", CONFIGS, ids=IDS)
def test_matches_keras(name, kwargs, steps):
    ours = run_nbnet(getattr(optimizers, name)(**kwargs), steps)
    theirs = run_keras(getattr(keras.optimizers, name)(**kwargs), steps)
    assert_all_close(ours, theirs, rtol=1e-6, atol=1e-6)
    assert not np.allclose(ours[0], W0[0])


# --- torch.optim where the rule is the same ------------------------------------------------
@pytest.mark.parametrize("momentum, nesterov", [(0.0, False), (0.9, False), (0.9, True)])
def test_sgd_matches_torch(momentum, nesterov):
    ours = run_nbnet(optimizers.SGD(0.1, momentum=momentum, nesterov=nesterov), 6)
    theirs = run_torch(torch.optim.SGD, 6, lr=0.1, momentum=momentum, nesterov=nesterov)
    assert_all_close(ours, theirs, rtol=1e-12, atol=1e-12)


def test_sgd_weight_decay_formula():
    # Keras's weight_decay shrinks w by η·λ·w before the update (it is not an L2 term in g).
    ours = run_nbnet(optimizers.SGD(0.1, weight_decay=0.01), 1)
    assert_all_close(ours, [w - 0.1 * 0.01 * w - 0.1 * g for w, g in zip(W0, GRADS[0])], rtol=1e-12)


EPS_FREE = [
    ("RMSprop", {"rho": 0.9}, torch.optim.RMSprop, {"alpha": 0.9}),
    ("RMSprop", {"rho": 0.8, "momentum": 0.5}, torch.optim.RMSprop, {"alpha": 0.8, "momentum": 0.5}),
    ("RMSprop", {"centered": True, "momentum": 0.5}, torch.optim.RMSprop,
     {"alpha": 0.9, "centered": True, "momentum": 0.5}),
    ("Adam", {}, torch.optim.Adam, {}),
    ("Adam", {"beta_1": 0.8, "beta_2": 0.99}, torch.optim.Adam, {"betas": (0.8, 0.99)}),
    ("Adam", {"amsgrad": True}, torch.optim.Adam, {"amsgrad": True}),
    ("Adagrad", {"initial_accumulator_value": 0.5}, torch.optim.Adagrad, {"initial_accumulator_value": 0.5}),
]


@pytest.mark.parametrize("name, kw, torch_cls, torch_kw", EPS_FREE, ids=[f"{c[0]}-{c[1]}" for c in EPS_FREE])
def test_matches_torch_when_epsilon_is_zero(name, kw, torch_cls, torch_kw):
    ours = run_nbnet(getattr(optimizers, name)(0.01, epsilon=0.0, **kw), 6)
    theirs = run_torch(torch_cls, 6, lr=0.01, eps=0.0, **torch_kw)
    assert_all_close(ours, theirs, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name, kw, torch_cls, torch_kw", EPS_FREE, ids=[f"{c[0]}-{c[1]}" for c in EPS_FREE])
def test_epsilon_placement_differs_from_torch_only_at_order_epsilon(name, kw, torch_cls, torch_kw):
    eps, lr = 1e-4, 0.01
    ours = run_nbnet(getattr(optimizers, name)(lr, epsilon=eps, **kw), 6)
    theirs = run_torch(torch_cls, 6, lr=lr, eps=eps, **torch_kw)
    gap = max(np.abs(a - b).max() for a, b in zip(ours, theirs))
    # each step's relative change is about ε_eff/√v with |g| ≥ 0.1, so the gap is a few lr·1e3·ε at most
    assert 0 < gap < 6 * lr * 1e3 * eps


def keras_formula(name, kw, steps):
    """The written Keras update rules, step by step, for one array."""
    w, lr, eps = W0[0].copy(), 0.01, kw.get("epsilon", 1e-7)
    m = np.zeros_like(w)
    v = np.full_like(w, kw.get("initial_accumulator_value", 0.0))
    avg, v_hat = np.zeros_like(w), np.zeros_like(w)
    for t, (g, _) in enumerate(GRADS[:steps], start=1):
        if name == "Adam":
            b1, b2 = kw.get("beta_1", 0.9), kw.get("beta_2", 0.999)
            m, v = b1 * m + (1 - b1) * g, b2 * v + (1 - b2) * g * g
            v_hat = np.maximum(v_hat, v) if kw.get("amsgrad") else v
            w = w - lr * np.sqrt(1 - b2**t) / (1 - b1**t) * m / (np.sqrt(v_hat) + eps)
        elif name == "RMSprop":
            rho, mu = kw.get("rho", 0.9), kw.get("momentum", 0.0)
            v = rho * v + (1 - rho) * g * g
            avg = rho * avg + (1 - rho) * g if kw.get("centered") else avg
            m = mu * m + lr * g / np.sqrt(v - avg * avg + eps)
            w = w - m
        else:  # Adagrad
            v = v + g * g
            w = w - lr * g / np.sqrt(v + eps)
    return w


@pytest.mark.parametrize("name, kw, torch_cls, torch_kw", EPS_FREE, ids=[f"{c[0]}-{c[1]}" for c in EPS_FREE])
def test_matches_the_written_keras_formula(name, kw, torch_cls, torch_kw):
    for eps in (1e-7, 1e-2):
        ours = run_nbnet(getattr(optimizers, name)(0.01, epsilon=eps, **kw), 6)[0]
        np.testing.assert_allclose(ours, keras_formula(name, {**kw, "epsilon": eps}, 6), rtol=1e-12)


# --- schedules, clipping, state, errors --------------------------------------------------------
SCHEDULES = [
    ("ExponentialDecay", {"initial_learning_rate": 0.1, "decay_steps": 3, "decay_rate": 0.5}),
    ("ExponentialDecay", {"initial_learning_rate": 0.1, "decay_steps": 3, "decay_rate": 0.5,
                          "staircase": True}),
    ("InverseTimeDecay", {"initial_learning_rate": 0.1, "decay_steps": 2, "decay_rate": 0.7}),
    ("InverseTimeDecay", {"initial_learning_rate": 0.1, "decay_steps": 2, "decay_rate": 0.7,
                          "staircase": True}),
    ("PiecewiseConstantDecay", {"boundaries": [2, 4], "values": [0.1, 0.05, 0.01]}),
    ("CosineDecay", {"initial_learning_rate": 0.1, "decay_steps": 5, "alpha": 0.1}),
]


@pytest.mark.parametrize("name, kw", SCHEDULES, ids=[f"{s[0]}-{len(s[1])}" for s in SCHEDULES])
def test_schedule_values_match_keras(name, kw):
    ours, theirs = getattr(schedules, name)(**kw), getattr(keras.optimizers.schedules, name)(**kw)
    for step in range(9):
        np.testing.assert_allclose(ours(step), keras.ops.convert_to_numpy(theirs(step)), rtol=1e-6)


@pytest.mark.parametrize("name, kw", SCHEDULES, ids=[f"{s[0]}-{len(s[1])}" for s in SCHEDULES])
def test_optimizer_with_schedule_matches_keras(name, kw):
    ours = run_nbnet(optimizers.SGD(getattr(schedules, name)(**kw), momentum=0.5), 6)
    theirs = run_keras(keras.optimizers.SGD(getattr(keras.optimizers.schedules, name)(**kw), momentum=0.5), 6)
    assert_all_close(ours, theirs, rtol=1e-6, atol=1e-7)


def test_learning_rate_follows_the_schedule_and_can_be_set():
    opt = optimizers.SGD(schedules.PiecewiseConstantDecay([1], [1.0, 0.5]))
    assert opt.learning_rate == 1.0
    run = [nbnet.Variable(np.zeros(2))]
    opt.apply([np.ones(2)], run)
    opt.apply([np.ones(2)], run)
    assert opt.learning_rate == 0.5 and opt.iterations == 2   # steps 0 and 1 used lr = 1.0
    np.testing.assert_allclose(run[0].value, [-2.0, -2.0])
    opt.apply([np.ones(2)], run)
    np.testing.assert_allclose(run[0].value, [-2.5, -2.5])
    opt.learning_rate = 0.25
    assert opt.learning_rate == 0.25


def test_clipnorm_and_clipvalue():
    g = np.array([3.0, 4.0])
    for kw, step in (({"clipnorm": 1.0}, [0.6, 0.8]), ({"clipvalue": 3.5}, [3.0, 3.5]),
                     ({"global_clipnorm": 2.5}, [1.5, 2.0]), ({"clipnorm": 10.0}, [3.0, 4.0])):
        out = run_nbnet(optimizers.SGD(1.0, **kw), 1, [np.zeros(2)], [[g]])
        np.testing.assert_allclose(out[0], -np.array(step), rtol=1e-9)
    with pytest.raises(ValueError, match="Only one of clipnorm, clipvalue and global_clipnorm"):
        optimizers.SGD(clipnorm=1.0, clipvalue=1.0)


def test_none_gradients_are_skipped():
    a, b = nbnet.Variable(np.ones(2)), nbnet.Variable(np.ones(3))
    opt = optimizers.Adam(0.1)
    opt.apply([np.ones(2), None], [a, b])
    np.testing.assert_array_equal(b.value, np.ones(3))
    np.testing.assert_allclose(a.value, 0.9, rtol=1e-6)    # Adam's first step is η·sign(g)
    opt.apply([None, np.ones(3)], [a, b])
    np.testing.assert_allclose(a.value, 0.9, rtol=1e-6)
    assert np.all(b.value < 1.0)


def test_wrong_gradient_shape_names_the_variable():
    v = nbnet.Variable(np.ones((2, 2)), name="kernel")
    with pytest.raises(ValueError, match=r"'kernel' has shape \(3,\), expected \(2, 2\)"):
        optimizers.SGD().apply([np.ones(3)], [v])


def test_get_by_name_and_unknown_name():
    assert isinstance(optimizers.get("adam"), optimizers.Adam)
    assert isinstance(optimizers.get("RMSprop"), optimizers.RMSprop)
    with pytest.raises(ValueError, match="Unknown optimizer 'adamw2'.*Valid names:.*adagrad.*rmsprop.*sgd"):
        optimizers.get("adamw2")


@pytest.mark.parametrize("name, kwargs", CONFIGS[:12], ids=IDS[:12])
def test_defaults_and_config_round_trip(name, kwargs):
    ours, theirs = getattr(optimizers, name)(), getattr(keras.optimizers, name)()
    for key, value in ours.get_config().items():
        if key in ("learning_rate", "epsilon", "momentum", "rho", "beta_1", "beta_2",
                   "initial_accumulator_value", "nesterov", "centered", "amsgrad"):
            np.testing.assert_allclose(value, theirs.get_config()[key], rtol=1e-6, err_msg=key)
    opt = getattr(optimizers, name)(**kwargs)
    again = optimizers.deserialize(optimizers.serialize(opt))
    assert again.get_config() == opt.get_config()
