"""Testing tools: gradient checks by central differences, and one harness for every layer.

:func:`check_gradients` compares the gradients nbnet computes (a layer's hand-written backward,
or the autograd of ``nbnet.ops``) with the definition of the derivative,

    ∂L/∂θ_i ≈ (L(θ + ε e_i) − L(θ − ε e_i)) / (2ε),

in float64, where the error of this central difference is O(ε²).  For a layer the scalar is
``L = Σ layer(x) ⊙ R`` with a fixed random ``R``, so every output element takes part.

:func:`run_layer_test` is the declarative harness every built-in layer goes through (after
Keras's ``run_layer_test``): shapes, weight counts, config round-trip, save/load, one training
step, and the gradient check.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from dataclasses import dataclass, field

import numpy as np

from nbnet import losses as losses_mod
from nbnet.autograd import GradientTape, Tensor, value_of
from nbnet.layers.layer import Layer
from nbnet.utils import rng as rng_mod

_MAX_ELEMENTS = 200  # larger arrays are checked on a seeded random subset of this many elements


# --- the report ------------------------------------------------------------------------------
@dataclass
class GradientReport:
    """Result of :func:`check_gradients`: one row per checked array.

    Each row is ``(name, shape, max_abs_error, rel_error)`` where, over the checked elements,
    ``rel_error = max|a − n| / max(1e-8, max(|a| + |n|))`` for analytic ``a`` and numerical ``n``.
    """

    rows: list = field(default_factory=list)
    tol: float = 1e-6

    @property
    def max_rel_error(self) -> float:
        return max((r[3] for r in self.rows), default=0.0)

    @property
    def ok(self) -> bool:
        """True when every array's relative error is at most ``tol``."""
        return bool(self.rows) and self.max_rel_error <= self.tol

    def __str__(self) -> str:
        width = max([len("array")] + [len(r[0]) for r in self.rows])
        lines = [f"{'array':<{width}}  {'shape':<16} {'max abs err':>12} {'rel err':>12}"]
        for name, shape, abs_err, rel in self.rows:
            flag = "" if rel <= self.tol else "  <-- exceeds tol"
            lines.append(f"{name:<{width}}  {str(shape):<16} {abs_err:12.3e} {rel:12.3e}{flag}")
        lines.append(f"max relative error {self.max_rel_error:.3e} (tol {self.tol:.1e})")
        return "\n".join(lines)

    def assert_ok(self) -> None:
        """Raise ``AssertionError`` showing the table if any array exceeds the tolerance."""
        if not self.ok:
            raise AssertionError("gradient check failed:\n" + str(self))


# --- float64 and reproducible randomness ---------------------------------------------------
def _all_layers(layer: Layer) -> list[Layer]:
    out, stack = [], [layer]
    while stack:
        current = stack.pop()
        if current not in out:
            out.append(current)
            stack.extend(getattr(current, "_layers", []))
    return out


def _to_float64(layer: Layer) -> None:
    """Convert every weight of ``layer`` (and nested layers) to float64, in place."""
    for lay in _all_layers(layer):
        lay.dtype = "float64"
        for v in lay._variables:
            if v.value.dtype.kind == "f":
                v.value = v.value.astype(np.float64)


def _as64(x):
    """Float arrays to float64; integer arrays (labels, token ids) unchanged."""
    if isinstance(x, (list, tuple)):
        return [_as64(a) for a in x]
    a = np.asarray(value_of(x))
    return a.astype(np.float64) if a.dtype.kind in "fb" else a


class _State:
    """Snapshot of what an evaluation may change: non-trainable weights and random generators.

    :meth:`restore` before each evaluation makes every evaluation see the same state and, when
    ``training=True``, the same dropout noise.
    """

    def __init__(self, layer, seed: int, reseed: bool):
        self.seed, self.reseed = seed, reseed
        lays = _all_layers(layer) if isinstance(layer, Layer) else []
        self.frozen = [(v, v.value.copy()) for lay in lays for v in lay._variables if not v.trainable]
        self.generators = [(g, g.bit_generator.state) for lay in lays for g in vars(lay).values()
                           if isinstance(g, np.random.Generator)]

    def restore(self) -> None:
        for v, value in self.frozen:
            v.value[...] = value
        if self.reseed:
            rng_mod.set_random_seed(self.seed)
            for g, state in self.generators:
                g.bit_generator.state = state


# --- the scalar L and its analytic gradient ------------------------------------------------
def _projection(out, seed: int) -> list:
    """Fixed random R (one per output) for L = Σ out ⊙ R."""
    rng = np.random.default_rng(seed + 1)
    outs = out if isinstance(out, (list, tuple)) else [out]
    return [rng.standard_normal(np.shape(value_of(o))) for o in outs]


def _project(out, R) -> object:
    """L = Σ_k Σ out_k ⊙ R_k (a Tensor when ``out`` is, else a float)."""
    from nbnet import ops
    outs = out if isinstance(out, (list, tuple)) else [out]
    total = 0.0
    for o, r in zip(outs, R):
        total = ops.add(total, ops.sum(ops.multiply(o, r)))
    return total


def _make_objective(target, y, training, R):
    """Return ``f(inputs) -> L`` for a Layer, a compiled Model or a Loss."""
    if isinstance(target, Layer) and getattr(target, "compiled", False):
        def model_loss(inputs):
            y_pred = target(inputs, training=training)
            return target.compute_loss(inputs, y, y_pred, training=training)
        return model_loss
    if isinstance(target, Layer):
        return lambda inputs: _project(target(inputs, training=training), R)
    return lambda inputs: _project(target(y, inputs), R)


def _params(target) -> list:
    return list(target.trainable_weights) if isinstance(target, Layer) else []


def _analytic(objective, inputs: list, multi: bool, params: list, wrt_inputs: bool, state) -> list:
    """Gradients of L by nbnet (tape) for each differentiable input, then each weight."""
    state.restore()
    with GradientTape() as tape:
        xs = [Tensor(x, requires_grad=wrt_inputs and x.dtype.kind == "f") for x in inputs]
        loss = objective(xs if multi else xs[0])
    sources = [x for x in xs if x.requires_grad] + params
    grads = tape.gradient(loss, sources) if isinstance(loss, Tensor) else [None] * len(sources)
    return [np.zeros(np.shape(value_of(s))) if g is None else np.asarray(g, np.float64)
            for g, s in zip(grads, sources)]


# --- central differences -------------------------------------------------------------------
def _indices(size: int, rng: np.random.Generator) -> np.ndarray:
    if size <= _MAX_ELEMENTS:
        return np.arange(size)
    return np.sort(rng.choice(size, _MAX_ELEMENTS, replace=False))


def _numerical(evaluate, array: np.ndarray, idx: np.ndarray, eps: float) -> np.ndarray:
    """(L(θ + ε e_i) − L(θ − ε e_i)) / 2ε for each flat index i, perturbing ``array`` in place."""
    flat = array.reshape(-1)
    out = np.empty(len(idx))
    for j, i in enumerate(idx):
        keep = flat[i]
        flat[i] = keep + eps
        up = evaluate()
        flat[i] = keep - eps
        down = evaluate()
        flat[i] = keep
        out[j] = (up - down) / (2 * eps)   # ∂L/∂θ_i ≈ central difference
    return out


def _row(name: str, analytic: np.ndarray, numeric: np.ndarray, idx: np.ndarray, shape) -> tuple:
    a = analytic.reshape(-1)[idx]
    diff = np.abs(a - numeric)
    max_abs = float(diff.max(initial=0.0))
    rel = max_abs / max(1e-8, float((np.abs(a) + np.abs(numeric)).max(initial=0.0)))
    return (name, tuple(shape), max_abs, rel)


# --- public API ------------------------------------------------------------------------------
def check_gradients(target, x, y=None, *, eps: float = 1e-6, tol: float = 1e-6,
                    training: bool = False, seed: int = 0) -> GradientReport:
    """Compare analytic gradients with float64 central differences.

    Parameters
    ----------
    target : Layer, compiled Model, or Loss
        * Layer (or uncompiled model): checks dL/dx and dL/dw for ``L = Σ target(x) ⊙ R``.
        * compiled Model: checks dL/dw of the compiled loss on ``(x, y)``.
        * Loss (or a loss name / function): ``x`` is ``y_pred``; checks dL/dŷ of ``target(y, ŷ)``.
    x : array or list of arrays
        The inputs (``y_pred`` for a loss).  Float arrays are converted to float64.
    y : array, optional
        Targets (models and losses).
    eps : float
        Step of the central difference.
    tol : float
        Largest accepted relative error per array.
    training : bool
        Run the layer in training mode; the random generators are reseeded with ``seed`` before
        every evaluation so that dropout draws identical noise each time.
    seed : int
        Seeds ``R`` and the choice of checked elements of large arrays.

    Returns
    -------
    GradientReport

    Notes
    -----
    **The target's weights are converted to float64 in place** (as are those of nested layers);
    the layer is built first by calling it on ``x`` if needed.
    """
    multi = isinstance(x, (list, tuple))
    inputs = [np.array(a) for a in _as64(list(x) if multi else [x])]
    y = _as64(y) if y is not None else None
    is_layer = isinstance(target, Layer)
    if not is_layer:
        target = losses_mod.get(target)
    else:
        _build64(target, inputs, multi, training, seed)
    state = _State(target, seed, reseed=training)
    state.restore()
    out = target(inputs if multi else inputs[0], training=training) if is_layer else target(y, inputs[0])
    objective = _make_objective(target, y, training, _projection(out, seed))
    wrt_inputs = not getattr(target, "compiled", False)
    params = _params(target)
    analytic = _analytic(objective, inputs, multi, params, wrt_inputs, state)

    def evaluate() -> float:
        state.restore()
        return float(np.asarray(value_of(objective(inputs if multi else inputs[0]))))

    checked = [(f"x[{i}]" if multi else ("y_pred" if not is_layer else "x"), a)
               for i, a in enumerate(inputs) if wrt_inputs and a.dtype.kind == "f"]
    checked += [(v.path, v.value) for v in params]
    rng = np.random.default_rng(seed)
    report = GradientReport(tol=tol)
    for (name, array), grad in zip(checked, analytic):
        idx = _indices(array.size, rng)
        report.rows.append(_row(name, grad, _numerical(evaluate, array, idx, eps), idx, array.shape))
    return report


def _build64(layer: Layer, inputs: list, multi: bool, training: bool, seed: int) -> None:
    """Build ``layer`` on the inputs if needed, then convert its weights to float64."""
    _to_float64(layer)
    if not layer.built or not layer.weights:
        _State(layer, seed, reseed=training).restore()
        layer(inputs if multi else inputs[0], training=training)
        _to_float64(layer)


# --- the layer harness -----------------------------------------------------------------------
def _random_inputs(input_shape, seed: int = 0):
    rng = np.random.default_rng(seed)
    if isinstance(input_shape, list):
        return [rng.standard_normal(s).astype("float32") for s in input_shape]
    return rng.standard_normal(input_shape).astype("float32")


def _shape_matches(actual, expected) -> bool:
    actual, expected = tuple(actual), tuple(expected)
    return len(actual) == len(expected) and all(e is None or a == e for a, e in zip(actual, expected))


def _shapes_of(out) -> list:
    outs = out if isinstance(out, (list, tuple)) else [out]
    return [tuple(np.shape(value_of(o))) for o in outs]


def _check_shapes(layer, out, input_shape, expected_output_shape) -> None:
    actual = _shapes_of(out)
    if expected_output_shape is not None:
        expected = _listify(expected_output_shape) if isinstance(expected_output_shape, list) else [
            expected_output_shape]
        assert len(actual) == len(expected) and all(map(_shape_matches, actual, expected)), (
            f"{layer.name}: output shape {actual}, expected {expected}")
    symbolic_in = ([(None,) + tuple(s[1:]) for s in input_shape] if isinstance(input_shape, list)
                   else (None,) + tuple(input_shape[1:]))
    predicted = layer.compute_output_shape(symbolic_in)
    predicted = predicted if isinstance(predicted, list) else [predicted]
    assert len(predicted) == len(actual) and all(
        _shape_matches(a, (None,) + tuple(p[1:])) for a, p in zip(actual, predicted)), (
        f"{layer.name}: compute_output_shape gives {predicted}, but the layer outputs {actual}")


def _check_counts(layer, n_trainable, n_non_trainable, n_params) -> None:
    if n_trainable is not None:
        assert len(layer.trainable_weights) == n_trainable, (
            f"{layer.name}: {len(layer.trainable_weights)} trainable weights, expected {n_trainable}")
    if n_non_trainable is not None:
        assert len(layer.non_trainable_weights) == n_non_trainable, (
            f"{layer.name}: {len(layer.non_trainable_weights)} non-trainable weights, "
            f"expected {n_non_trainable}")
    if n_params is not None:
        assert layer.count_params() == n_params, (
            f"{layer.name}: {layer.count_params()} parameters, expected {n_params}")


def _check_config(layer_cls, layer, data) -> None:
    """get_config is JSON-serializable; from_config recreates a layer that, given the same
    weights, computes the same outputs."""
    config = layer.get_config()
    json.dumps(config)
    twin = layer_cls.from_config(config)
    assert twin.get_config() == config, f"{layer.name}: config changed in a from_config round trip"
    twin(data)
    twin.set_weights(layer.get_weights())
    for a, b in zip(_shapes_of(layer(data)), _shapes_of(twin(data))):
        assert a == b
    for a, b in zip(_listify(layer(data)), _listify(twin(data))):
        np.testing.assert_allclose(value_of(a), value_of(b), rtol=1e-6, atol=1e-6)


def _listify(out) -> list:
    return list(out) if isinstance(out, (list, tuple)) else [out]


def _wrap_in_model(layer, input_shape):
    """The layer inside a model: a Sequential for one input, a functional Model for several."""
    from nbnet.layers.input_layer import Input
    from nbnet.models import Model, Sequential
    if isinstance(input_shape, list):
        inputs = [Input(tuple(s[1:])) for s in input_shape]
        return Model(inputs, layer(inputs))
    return Sequential([Input(tuple(input_shape[1:])), layer])


def _check_save(model, data) -> None:
    from nbnet.models import load_model
    before = model.predict(data, verbose=0)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "model.keras")
        model.save(path)
        restored = load_model(path)
    after = restored.predict(data, verbose=0)
    for a, b in zip(_listify(before), _listify(after)):
        np.testing.assert_array_equal(a, b, err_msg="predictions differ after save/load")


def _check_training(model, data) -> None:
    """One fit step on an MSE objective: the loss is finite and trainable weights move."""
    from nbnet import optimizers
    pred = model.predict(data, verbose=0)
    targets = [np.random.default_rng(3).standard_normal(p.shape).astype(p.dtype) for p in _listify(pred)]
    before = [v.value.copy() for v in model.trainable_weights]
    model.compile(optimizer=optimizers.SGD(0.01), loss="mse")
    n = len(_listify(data)[0])
    history = model.fit(data, targets if len(targets) > 1 else targets[0], batch_size=n, epochs=1, verbose=0)
    assert math.isfinite(history.history["loss"][0]), "training produced a non-finite loss"
    if before:
        assert any(not np.array_equal(b, v.value) for b, v in zip(before, model.trainable_weights)), (
            "one training step did not change any trainable weight")


def run_layer_test(layer_cls, init_kwargs: dict, input_shape, *, input_data=None,
                   expected_output_shape=None, expected_num_trainable_weights=None,
                   expected_num_non_trainable_weights=None, expected_num_params=None,
                   run_training_check: bool = True, run_gradient_check: bool = True,
                   run_save_check: bool = True, grad_tol: float = 1e-6) -> Layer:
    """Check a layer class against the Layer contract (raises ``AssertionError`` on failure).

    Parameters
    ----------
    layer_cls : type
        The layer class.
    init_kwargs : dict
        Arguments of ``layer_cls``.
    input_shape : tuple, or list of tuples for a multi-input layer
        Full input shape including the batch size, e.g. ``(4, 3)``.
    input_data : array or list of arrays, optional
        Default: seeded standard normal float32 data of ``input_shape``.
    expected_output_shape : tuple (or list of tuples), optional
        ``None`` entries match any size.
    expected_num_trainable_weights, expected_num_non_trainable_weights, expected_num_params : int, optional
    run_training_check, run_gradient_check, run_save_check : bool
    grad_tol : float
        Relative tolerance of the float64 gradient check.

    Returns
    -------
    Layer
        The layer built and tested by the shape, count and config checks.
    """
    data = _random_inputs(input_shape) if input_data is None else input_data
    layer = layer_cls(**init_kwargs)
    out = layer(data)
    _check_shapes(layer, out, input_shape, expected_output_shape)
    _check_counts(layer, expected_num_trainable_weights, expected_num_non_trainable_weights,
                  expected_num_params)
    _check_config(layer_cls, layer, data)
    if run_save_check or run_training_check:
        model = _wrap_in_model(layer_cls(**init_kwargs), input_shape)
        if run_save_check:
            _check_save(model, data)
        if run_training_check:
            _check_training(model, data)
    if run_gradient_check:
        check_gradients(layer_cls(**init_kwargs), data, tol=grad_tol).assert_ok()
    return layer


__all__ = ["GradientReport", "check_gradients", "run_layer_test"]
