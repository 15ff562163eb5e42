"""Losses: values against PyTorch and Keras, reductions and sample weights, fused gradients, stability."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import nbnet
from nbnet import activations, losses
from nbnet.losses import EPSILON
from nbnet.testing import check_gradients

N, K = 6, 4
RNG = np.random.default_rng(0)
LOGITS = 2 * RNG.standard_normal((N, K))
PROBS = activations.softmax(LOGITS)
LABELS = RNG.integers(0, K, N)
ONEHOT = np.eye(K)[LABELS]
BINARY = RNG.integers(0, 2, (N, K)).astype(float)
REGRESSION = RNG.standard_normal((N, K))


def T(a):
    return torch.tensor(np.asarray(a, dtype=np.float64))


def _torch_bce(y, p):
    p = torch.clamp(T(p), EPSILON, 1 - EPSILON)   # Keras's clipping, before the logs
    return F.binary_cross_entropy(p, T(y), reduction="none").mean(-1)


# (loss class, name, y_true, y_pred, torch per-sample loss, class kwargs)
CASES = [
    (losses.MeanSquaredError, "mean_squared_error", REGRESSION, LOGITS,
     lambda y, p: F.mse_loss(T(p), T(y), reduction="none").mean(-1), {}),
    (losses.MeanAbsoluteError, "mean_absolute_error", REGRESSION, LOGITS,
     lambda y, p: F.l1_loss(T(p), T(y), reduction="none").mean(-1), {}),
    (losses.BinaryCrossentropy, "binary_crossentropy", BINARY, activations.sigmoid(LOGITS), _torch_bce, {}),
    (losses.BinaryCrossentropy, "binary_crossentropy", BINARY, LOGITS,
     lambda y, z: F.binary_cross_entropy_with_logits(T(z), T(y), reduction="none").mean(-1),
     {"from_logits": True}),
    (losses.CategoricalCrossentropy, "categorical_crossentropy", ONEHOT, PROBS,
     lambda y, p: -(T(y) * torch.log(T(p))).sum(-1), {}),
    (losses.CategoricalCrossentropy, "categorical_crossentropy", ONEHOT, LOGITS,
     lambda y, z: F.cross_entropy(T(z), T(y), reduction="none"), {"from_logits": True}),
    (losses.SparseCategoricalCrossentropy, "sparse_categorical_crossentropy", LABELS, PROBS,
     lambda y, p: F.nll_loss(torch.log(T(p)), torch.tensor(y), reduction="none"), {}),
    (losses.SparseCategoricalCrossentropy, "sparse_categorical_crossentropy", LABELS, LOGITS,
     lambda y, z: F.cross_entropy(T(z), torch.tensor(y), reduction="none"), {"from_logits": True}),
]
IDS = [f"{c[1]}{'-logits' if c[5] else ''}" for c in CASES]


@pytest.mark.parametrize("cls, name, y, p, ref, kw", CASES, ids=IDS)
def test_values_match_torch(cls, name, y, p, ref, kw):
    expected = ref(y, p).numpy()
    np.testing.assert_allclose(cls(reduction="none", **kw)(y, p), expected, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(getattr(losses, name)(y, p, **kw), expected, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(cls(**kw)(y, p), expected.mean(), rtol=1e-10)
    if not kw:
        np.testing.assert_allclose(losses.get(name)(y, p), expected.mean(), rtol=1e-10)


@pytest.mark.parametrize("cls, name, y, p, ref, kw", CASES, ids=IDS)
def test_gradient_by_central_differences(cls, name, y, p, ref, kw):
    check_gradients(cls(**kw), p, y).assert_ok()
    check_gradients(cls(reduction="sum", **kw), p, y).assert_ok()
    check_gradients(cls(reduction="none", **kw), p, y).assert_ok()


@pytest.mark.parametrize("cls, name, y, p, ref, kw", CASES, ids=IDS)
def test_reductions_and_sample_weight(cls, name, y, p, ref, kw):
    per = ref(y, p).numpy()
    w = np.array([1.0, 2.0, 0.0, 0.5, 1.0, 3.0])
    np.testing.assert_allclose(cls(reduction="sum", **kw)(y, p), per.sum(), rtol=1e-10)
    np.testing.assert_allclose(cls(reduction="mean", **kw)(y, p), per.mean(), rtol=1e-10)
    np.testing.assert_allclose(cls(**kw)(y, p, sample_weight=w), (per * w).sum() / N, rtol=1e-10)
    np.testing.assert_allclose(cls(reduction="sum", **kw)(y, p, sample_weight=w), (per * w).sum(), rtol=1e-10)
    np.testing.assert_allclose(cls(reduction="none", **kw)(y, p, sample_weight=w), per * w, rtol=1e-10)
    np.testing.assert_allclose(cls(reduction="mean_with_sample_weight", **kw)(y, p, sample_weight=w),
                               (per * w).sum() / w.sum(), rtol=1e-10)
    check_gradients(cls(**kw), p, y).assert_ok()


@pytest.mark.parametrize("cls, name, y, p, ref, kw", CASES, ids=IDS)
@pytest.mark.parametrize("reduction", ["sum_over_batch_size", "sum", "none", "mean_with_sample_weight"])
def test_matches_keras(cls, name, y, p, ref, kw, reduction):
    import keras
    w = np.array([1.0, 2.0, 0.0, 0.5, 1.0, 3.0])
    theirs = getattr(keras.losses, cls.__name__)(reduction=reduction, **kw)(y, p, sample_weight=w)
    ours = cls(reduction=reduction, **kw)(y, p, sample_weight=w)
    np.testing.assert_allclose(ours, keras.ops.convert_to_numpy(theirs), rtol=2e-6, atol=1e-7)


@pytest.mark.parametrize("cls", [losses.BinaryCrossentropy, losses.CategoricalCrossentropy])
def test_label_smoothing_matches_keras(cls):
    import keras
    y = BINARY if cls is losses.BinaryCrossentropy else ONEHOT
    for kw in ({"from_logits": True}, {}):
        p = LOGITS if kw else (activations.sigmoid(LOGITS) if y is BINARY else PROBS)
        theirs = getattr(keras.losses, cls.__name__)(label_smoothing=0.1, **kw)(y, p)
        np.testing.assert_allclose(cls(label_smoothing=0.1, **kw)(y, p), keras.ops.convert_to_numpy(theirs),
                                   rtol=2e-6)
        check_gradients(cls(label_smoothing=0.1, **kw), p, y).assert_ok()


def _grad_wrt_logits(loss, y, z, activation):
    with nbnet.GradientTape() as tape:
        zt = nbnet.Tensor(z, requires_grad=True)
        value = loss(y, activation(zt))
    return float(value.value), tape.gradient(value, [zt])[0]


def test_fused_softmax_cross_entropy_gradient_is_p_minus_y_over_n():
    p = activations.softmax(LOGITS)
    _, dz = _grad_wrt_logits(losses.CategoricalCrossentropy(), ONEHOT, LOGITS, activations.softmax)
    np.testing.assert_allclose(dz, (p - ONEHOT) / N, rtol=1e-12, atol=1e-15)
    _, dz = _grad_wrt_logits(losses.SparseCategoricalCrossentropy(), LABELS, LOGITS, activations.softmax)
    np.testing.assert_allclose(dz, (p - ONEHOT) / N, rtol=1e-12, atol=1e-15)


def test_fused_sigmoid_binary_cross_entropy_gradient():
    _, dz = _grad_wrt_logits(losses.BinaryCrossentropy(), BINARY, LOGITS, activations.sigmoid)
    np.testing.assert_allclose(dz, (activations.sigmoid(LOGITS) - BINARY) / (N * K), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name, y, activation", [
    ("categorical_crossentropy", ONEHOT, activations.softmax),
    ("sparse_categorical_crossentropy", LABELS, activations.softmax),
    ("binary_crossentropy", BINARY, activations.sigmoid)])
def test_stable_at_extreme_logits(name, y, activation):
    z = 1e4 * np.sign(RNG.standard_normal((N, K)))
    for loss in (losses.get(name), type(losses.get(name))(from_logits=True)):
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            fwd = (lambda t: t) if loss.from_logits else activation
            value, dz = _grad_wrt_logits(loss, y, z, fwd)
        assert np.isfinite(value) and np.all(np.isfinite(dz))
        assert value > 100   # the confident wrong answers cost ~1e4 each, not a clipped 16


def test_stable_at_extreme_logits_for_probability_inputs():
    p = activations.softmax(1e4 * RNG.standard_normal((N, K)))   # exact zeros and ones
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        for loss, y in ((losses.CategoricalCrossentropy(), ONEHOT), (losses.BinaryCrossentropy(), BINARY),
                        (losses.SparseCategoricalCrossentropy(), LABELS)):
            report = check_gradients(loss, p, y)
            assert np.isfinite(loss(y, p)) and all(np.isfinite(r[2]) for r in report.rows)


def test_model_with_softmax_output_uses_the_stable_form():
    model = nbnet.Sequential([nbnet.Input((K,)), nbnet.layers.Dense(K, activation="softmax")])
    model.compile(loss="categorical_crossentropy")
    model.layers[0].set_weights([1e3 * np.eye(K), np.zeros(K)])
    loss, grads = model.gradients(LOGITS, ONEHOT)
    assert np.isfinite(loss) and loss > 100 and all(np.all(np.isfinite(g)) for g in grads)


def test_sparse_labels_out_of_range():
    with pytest.raises(ValueError, match=r"labels must be in \[0, 4\).*from 0 to 4"):
        losses.SparseCategoricalCrossentropy()(np.array([0, 1, 4, 2, 0, 0]), PROBS)
    with pytest.raises(ValueError, match=r"\[0, 4\)"):
        losses.SparseCategoricalCrossentropy()(np.array([0, -1, 3, 2, 0, 0]), PROBS)
    with pytest.raises(ValueError, match="integer class indices"):
        losses.SparseCategoricalCrossentropy()(np.full(N, 0.5), PROBS)


def test_shape_mismatch_errors():
    with pytest.raises(ValueError, match=r"same shape.*\(6, 3\).*\(6, 4\).*sparse_categorical_crossentropy"):
        losses.CategoricalCrossentropy()(np.zeros((N, 3)), PROBS)
    with pytest.raises(ValueError, match="mean_squared_error"):
        losses.MeanSquaredError()(np.zeros((N, 5)), PROBS)
    with pytest.raises(ValueError, match=r"labels of shape \(6,\)"):
        losses.SparseCategoricalCrossentropy()(np.zeros((N, 2), dtype=int), PROBS)


def test_get_and_errors():
    assert isinstance(losses.get("mse"), losses.MeanSquaredError)
    assert isinstance(losses.get("mae"), losses.MeanAbsoluteError)
    assert isinstance(losses.get(losses.binary_crossentropy), losses.BinaryCrossentropy)
    with pytest.raises(ValueError, match="Unknown loss 'msq'.*Valid names:.*categorical_crossentropy"):
        losses.get("msq")
    with pytest.raises(ValueError, match="unknown reduction"):
        losses.MeanSquaredError(reduction="avg")


def test_config_round_trip():
    for cls, _, _, _, _, kw in CASES:
        loss = cls(reduction="sum", **kw)
        again = losses.deserialize(losses.serialize(loss))
        assert type(again) is cls and again.get_config() == loss.get_config()
