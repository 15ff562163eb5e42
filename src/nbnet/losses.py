"""Loss functions L(y, ŷ): how far the predictions ŷ are from the targets y.

Each built-in loss computes the per-sample loss ℓ_i and its own derivative dℓ_i/dŷ in one
place; the batch loss is the mean over samples (Keras's ``"sum_over_batch_size"``).

When cross-entropy follows a softmax (or sigmoid) output it is computed from the logits z,
the input of that activation, and the two derivatives fuse into the famous

    dL/dz = (p − y) / N        (softmax + categorical cross-entropy, sigmoid + binary)

which is both exact and numerically stable at extreme logits.
"""

from __future__ import annotations

import numpy as np

from nbnet import ops
from nbnet.autograd import Tensor, record, value_of

EPSILON = 1e-7  # Keras's fuzz factor: probabilities are clipped to [ε, 1 − ε]


def _sigmoid(z):
    from nbnet.activations import _sigmoid as s
    return s(z)


def _softmax(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _log_softmax(z):
    s = z - z.max(axis=-1, keepdims=True)
    return s - np.log(np.exp(s).sum(axis=-1, keepdims=True))


class Loss:
    """Base class (``keras.losses.Loss``): subclass and implement ``call(y_true, y_pred)``.

    ``call`` returns per-sample losses; ``__call__`` reduces them to a scalar.

    Parameters
    ----------
    reduction : {"sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", "none", None}
    name : str, optional
    """

    _REDUCTIONS = ("sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", "none", None)

    def __init__(self, name: str | None = None, reduction="sum_over_batch_size", dtype=None):
        if reduction not in self._REDUCTIONS:
            raise ValueError(f"Loss: unknown reduction {reduction!r}; expected one of {self._REDUCTIONS}")
        self.name = name or _snake(type(self).__name__)
        self.reduction = reduction

    def call(self, y_true, y_pred):
        raise NotImplementedError

    def _per_sample(self, y, x, from_logits):
        """Built-in losses: return (ℓ per sample, grad(w) → dL/dx for per-sample weights w)."""
        raise NotImplementedError

    def _reduce_weights(self, per: np.ndarray, sample_weight):
        sw = None if sample_weight is None else np.asarray(sample_weight, per.dtype)
        if sw is not None and sw.shape != per.shape:
            sw = sw.reshape(per.shape[:1] + (1,) * (per.ndim - 1))   # one weight per sample
        w = np.ones_like(per) if sw is None else np.broadcast_to(sw, per.shape)
        if self.reduction in ("sum_over_batch_size", "mean"):
            return w / max(per.size, 1)
        if self.reduction == "mean_with_sample_weight":
            total = float(w.sum())
            return w / total if total else np.zeros_like(w)
        return w

    def __call__(self, y_true, y_pred, sample_weight=None):
        if type(self)._per_sample is Loss._per_sample:
            return self._call_autograd(y_true, y_pred, sample_weight)
        y = np.asarray(value_of(y_true))
        x, from_logits = self._input_of(y_pred)
        per, grad = self._per_sample(y, value_of(x), from_logits)
        scale = self._reduce_weights(per, sample_weight)
        if self.reduction in ("none", None):   # per-sample losses, times their sample weights
            per = per * scale
            return record(per, (x,), lambda g: (grad(g * scale),)) if isinstance(x, Tensor) else per
        total = np.asarray((per * scale).sum(), dtype=per.dtype)
        # dL/dℓ_i = scale_i, chained into dℓ_i/dx by the loss's own derivative
        return record(total, (x,), lambda g: (grad(g * scale),)) if isinstance(x, Tensor) else total

    def _input_of(self, y_pred):
        return y_pred, False

    def _call_autograd(self, y_true, y_pred, sample_weight):
        per = self.call(y_true, y_pred)
        if sample_weight is not None:
            per = ops.multiply(per, np.asarray(sample_weight).reshape((-1,) + (1,) * (np.ndim(value_of(per)) - 1)))
        if self.reduction in ("none", None):
            return per
        return ops.sum(per) if self.reduction == "sum" else ops.mean(per)

    def get_config(self) -> dict:
        return {"name": self.name, "reduction": self.reduction}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _snake(name):
    from nbnet.utils.naming import to_snake_case
    return to_snake_case(name)


class MeanSquaredError(Loss):
    """ℓ = mean_k (ŷ_k − y_k)²;  dℓ/dŷ_k = 2(ŷ_k − y_k)/K."""

    def _per_sample(self, y, p, from_logits):
        y = _match(y, p, self.name)
        d = p - y
        k = p.shape[-1] if p.ndim > 1 else 1
        per = (d * d).mean(axis=-1) if p.ndim > 1 else d * d
        return per, lambda w: (2.0 / k) * d * (w[..., None] if p.ndim > 1 else w)


class MeanAbsoluteError(Loss):
    """ℓ = mean_k |ŷ_k − y_k|;  dℓ/dŷ_k = sign(ŷ_k − y_k)/K."""

    def _per_sample(self, y, p, from_logits):
        y = _match(y, p, self.name)
        d = p - y
        k = p.shape[-1] if p.ndim > 1 else 1
        per = np.abs(d).mean(axis=-1) if p.ndim > 1 else np.abs(d)
        return per, lambda w: np.sign(d) / k * (w[..., None] if p.ndim > 1 else w)


class KLDivergence(Loss):
    """ℓ = Σ_k y_k log(y_k / ŷ_k), with y and ŷ clipped to [ε, 1] (Keras);
    dℓ/dŷ_k = −y_k / ŷ_k inside the clip range, 0 where ŷ_k was clipped."""

    def _per_sample(self, y, p, from_logits):
        y = np.clip(_match(y, p, self.name).astype(p.dtype), EPSILON, 1.0)
        pc = np.clip(p, EPSILON, 1.0)
        per = (y * np.log(y / pc)).sum(axis=-1)
        inside = (p >= EPSILON) & (p <= 1.0)
        return per, lambda w: -(y / pc) * inside * w[..., None]


class _CrossEntropy(Loss):
    _activation = "softmax"

    def __init__(self, from_logits: bool = False, name=None, reduction="sum_over_batch_size",
                 **kwargs):
        super().__init__(name=name, reduction=reduction)
        self.from_logits = bool(from_logits)
        self.extra = kwargs

    def _input_of(self, y_pred):
        if self.from_logits:
            return y_pred, True
        source = getattr(y_pred, "logits", None)  # (activation name, its input z)
        if source is not None and source[0] == self._activation:
            return source[1], True
        return y_pred, False

    def get_config(self):
        return {**super().get_config(), "from_logits": self.from_logits, **self.extra}


class BinaryCrossentropy(_CrossEntropy):
    """ℓ = −mean_k [y log p + (1 − y) log(1 − p)].

    From logits z (p = σ(z)), computed stably as max(z, 0) − z·y + log(1 + e^(−|z|)), with
    dℓ/dz = (σ(z) − y)/K.
    """

    _activation = "sigmoid"

    def __init__(self, from_logits=False, label_smoothing: float = 0.0, **kwargs):
        super().__init__(from_logits=from_logits, **kwargs)
        self.label_smoothing = float(label_smoothing)

    def _per_sample(self, y, x, from_logits):
        y = _match(y, x, self.name).astype(x.dtype)
        if self.label_smoothing:
            y = y * (1 - self.label_smoothing) + 0.5 * self.label_smoothing
        k = x.shape[-1] if x.ndim > 1 else 1
        if from_logits:
            elem = np.maximum(x, 0) - x * y + np.log1p(np.exp(-np.abs(x)))
            dx = (_sigmoid(x) - y) / k                     # dℓ/dz = (σ(z) − y)/K
        else:
            p = np.clip(x, EPSILON, 1 - EPSILON)
            elem = -(y * np.log(p) + (1 - y) * np.log(1 - p))
            inside = (x >= EPSILON) & (x <= 1 - EPSILON)
            dx = inside * (p - y) / (p * (1 - p)) / k       # dℓ/dp = (p − y)/(p(1 − p))/K
        per = elem.mean(axis=-1) if x.ndim > 1 else elem
        return per, lambda w: dx * (w[..., None] if x.ndim > 1 else w)

    def get_config(self):
        return {**super().get_config(), "label_smoothing": self.label_smoothing}


class CategoricalCrossentropy(_CrossEntropy):
    """ℓ = −Σ_k y_k log p_k for one-hot (or soft) targets y.

    From logits: ℓ = −Σ y_k log softmax(z)_k, and dℓ/dz = softmax(z)·Σy − y  (= p − y).
    """

    def __init__(self, from_logits=False, label_smoothing: float = 0.0, axis: int = -1, **kwargs):
        super().__init__(from_logits=from_logits, **kwargs)
        self.label_smoothing = float(label_smoothing)

    def _per_sample(self, y, x, from_logits):
        y = _match(y, x, self.name).astype(x.dtype)
        if self.label_smoothing:
            y = y * (1 - self.label_smoothing) + self.label_smoothing / x.shape[-1]
        if from_logits:
            log_p = _log_softmax(x)
            per = -(y * log_p).sum(axis=-1)
            return per, lambda w: w[..., None] * (np.exp(log_p) * y.sum(-1, keepdims=True) - y)
        s = x.sum(axis=-1, keepdims=True)
        p = np.clip(x / s, EPSILON, 1 - EPSILON)               # Keras normalizes, then clips
        per = -(y * np.log(p)).sum(axis=-1)
        # ℓ = −Σ y_k log(x_k / s)  ⇒  dℓ/dx_j = −y_j/x_j + Σ_k y_k / s
        return per, lambda w: w[..., None] * (-y / (p * s) + y.sum(-1, keepdims=True) / s)

    def get_config(self):
        return {**super().get_config(), "label_smoothing": self.label_smoothing}


class SparseCategoricalCrossentropy(_CrossEntropy):
    """Categorical cross-entropy with integer labels: ℓ = −log p_y.

    Labels have shape ``(N,)`` (or ``(N, 1)``) and values in ``[0, K)``.
    From logits, dℓ/dz = softmax(z) − onehot(y).
    """

    def __init__(self, from_logits=False, ignore_class=None, **kwargs):
        super().__init__(from_logits=from_logits, **kwargs)
        self.ignore_class = ignore_class

    def _per_sample(self, y, x, from_logits):
        labels = _sparse_labels(y, x, self.name)
        rows = np.arange(labels.size)
        flat_x = x.reshape(-1, x.shape[-1])
        if from_logits:
            log_p = _log_softmax(flat_x)
            per = -log_p[rows, labels]

            def grad(w):
                d = np.exp(log_p)
                d[rows, labels] -= 1                             # dℓ/dz = p − onehot(y)
                return (d * w.reshape(-1, 1)).reshape(x.shape)
        else:
            s = flat_x.sum(axis=-1)
            p_y = np.clip(flat_x[rows, labels] / s, EPSILON, 1 - EPSILON)
            per = -np.log(p_y)

            def grad(w):
                d = np.broadcast_to((1.0 / s)[:, None], flat_x.shape).copy()
                d[rows, labels] -= 1.0 / (p_y * s)               # dℓ/dx_j = 1/s − [j = y]/x_y
                return (d * w.reshape(-1, 1)).reshape(x.shape).astype(x.dtype)
        if self.ignore_class is not None:
            keep = labels != self.ignore_class
            per = per * keep
        per = per.reshape(x.shape[:-1]).astype(x.dtype)
        return per, grad

    def get_config(self):
        return {**super().get_config(), "ignore_class": self.ignore_class}


class Hinge(Loss):
    """ℓ = mean_k max(1 − y_k ŷ_k, 0), labels ±1 (0/1 labels become ±1, as Keras);
    dℓ/dŷ_k = −y_k [y_k ŷ_k < 1]/K: only points inside the margin pull."""

    _power = 1

    def _per_sample(self, y, p, from_logits):
        y = _match(y, p, self.name).astype(p.dtype)
        if np.all((y == 0) | (y == 1)):
            y = 2 * y - 1                                   # Keras's convert_binary_labels_to_hinge
        slack = np.maximum(1 - y * p, 0)
        k = p.shape[-1] if p.ndim > 1 else 1
        elem, dx = (slack, -y * (slack > 0) / k) if self._power == 1 else (slack ** 2, -2 * y * slack / k)
        per = elem.mean(axis=-1) if p.ndim > 1 else elem
        return per, lambda w: dx * (w[..., None] if p.ndim > 1 else w)


class SquaredHinge(Hinge):
    """ℓ = mean_k max(1 − y_k ŷ_k, 0)²;  dℓ/dŷ_k = −2 y_k max(1 − y_k ŷ_k, 0)/K."""

    _power = 2


class CategoricalHinge(Loss):
    """ℓ = max(max_k (1 − y_k) ŷ_k − Σ_k y_k ŷ_k + 1, 0) for one-hot y (Crammer–Singer margin);
    where ℓ > 0, dℓ/dŷ = onehot(best wrong class) − y."""

    def _per_sample(self, y, p, from_logits):
        y = _match(y, p, self.name).astype(p.dtype)
        wrong = (1 - y) * p
        rival = wrong.argmax(axis=-1)
        per = np.maximum(np.take_along_axis(wrong, rival[..., None], -1)[..., 0] - (y * p).sum(-1) + 1, 0)
        dx = (np.eye(p.shape[-1], dtype=p.dtype)[rival] * (1 - y) - y) * (per > 0)[..., None]
        return per, lambda w: dx * w[..., None]


def _match(y, p, name):
    if y.shape != p.shape:
        if y.size == p.size:
            return y.reshape(p.shape)
        raise ValueError(f"{name}: y_true and y_pred must have the same shape, but y_true has shape "
                         f"{y.shape} and y_pred has shape {p.shape}. (For integer class labels use "
                         "sparse_categorical_crossentropy.)")
    return y


def _sparse_labels(y, x, name):
    labels = np.asarray(y)
    if labels.shape == x.shape[:-1] + (1,):
        labels = labels[..., 0]
    if labels.shape != x.shape[:-1]:
        raise ValueError(f"{name}: expected integer labels of shape {x.shape[:-1]} for predictions of "
                         f"shape {x.shape}, got labels of shape {labels.shape}")
    if labels.size and labels.dtype.kind == "f" and not np.all(labels == np.round(labels)):
        raise ValueError(f"{name}: labels must be integer class indices, got non-integer values")
    labels = labels.astype(np.int64).ravel()
    if labels.size and (labels.min() < 0 or labels.max() >= x.shape[-1]):
        raise ValueError(f"{name}: labels must be in [0, {x.shape[-1]}) — the model outputs "
                         f"{x.shape[-1]} classes — but got labels from {labels.min()} to {labels.max()}")
    return labels


class LossFunctionWrapper(Loss):
    """Wrap a function ``fn(y_true, y_pred) -> per-sample losses`` as a Loss."""

    def __init__(self, fn, name=None, reduction="sum_over_batch_size", **kwargs):
        super().__init__(name=name or getattr(fn, "__name__", "loss"), reduction=reduction)
        self.fn, self.kwargs = fn, kwargs

    def call(self, y_true, y_pred):
        return self.fn(y_true, y_pred, **self.kwargs)

    def get_config(self):
        from nbnet.utils.serialization import registered_name
        return {**super().get_config(), "fn": registered_name(self.fn)}


# Function forms (per-sample losses, as keras.losses.mean_squared_error returns).
def _function(cls, name):
    def fn(y_true, y_pred, **kwargs):
        loss = cls(reduction="none", **kwargs)
        return loss(y_true, y_pred)
    fn.__name__ = name
    fn.__doc__ = f"Per-sample {name} (see :class:`{cls.__name__}`)."
    fn._loss_class = cls
    return fn


mean_squared_error = _function(MeanSquaredError, "mean_squared_error")
mean_absolute_error = _function(MeanAbsoluteError, "mean_absolute_error")
binary_crossentropy = _function(BinaryCrossentropy, "binary_crossentropy")
categorical_crossentropy = _function(CategoricalCrossentropy, "categorical_crossentropy")
sparse_categorical_crossentropy = _function(SparseCategoricalCrossentropy, "sparse_categorical_crossentropy")
kl_divergence = _function(KLDivergence, "kl_divergence")
hinge = _function(Hinge, "hinge")
squared_hinge = _function(SquaredHinge, "squared_hinge")
categorical_hinge = _function(CategoricalHinge, "categorical_hinge")
mse, mae, kld = mean_squared_error, mean_absolute_error, kl_divergence

_BY_NAME = {
    "mean_squared_error": MeanSquaredError, "mse": MeanSquaredError,
    "mean_absolute_error": MeanAbsoluteError, "mae": MeanAbsoluteError,
    "binary_crossentropy": BinaryCrossentropy,
    "categorical_crossentropy": CategoricalCrossentropy,
    "sparse_categorical_crossentropy": SparseCategoricalCrossentropy,
    "kl_divergence": KLDivergence, "kld": KLDivergence,
    "hinge": Hinge, "squared_hinge": SquaredHinge, "categorical_hinge": CategoricalHinge,
}
_CLASSES = {c.__name__: c for c in set(_BY_NAME.values()) | {LossFunctionWrapper}}


def get(identifier) -> Loss:
    """Resolve a loss from a name, a Loss instance, a built-in function or a custom function."""
    if isinstance(identifier, Loss):
        return identifier
    if isinstance(identifier, str) and identifier in _BY_NAME:
        return _BY_NAME[identifier]()
    if isinstance(identifier, dict) and identifier.get("class_name") in _CLASSES:
        return deserialize(identifier)
    if callable(identifier) and hasattr(identifier, "_loss_class"):
        return identifier._loss_class()
    if isinstance(identifier, type) and issubclass(identifier, Loss):
        return identifier()
    if callable(identifier):
        return LossFunctionWrapper(identifier)
    raise ValueError(f"Unknown loss {identifier!r}. Valid names: {', '.join(sorted(_BY_NAME))}")


def serialize(loss: Loss) -> dict:
    return {"class_name": type(loss).__name__, "config": loss.get_config()}


def deserialize(config: dict, custom_objects=None) -> Loss:
    from nbnet.utils.serialization import get_registered_object
    name = config["class_name"]
    cls = _CLASSES.get(name) or get_registered_object(name, custom_objects)
    if cls is None:
        raise ValueError(f"Unknown loss class {name!r}; pass it in custom_objects")
    cfg = dict(config.get("config", {}))
    if cls is LossFunctionWrapper:
        fn = get_registered_object(cfg.pop("fn"), custom_objects)
        if fn is None:
            raise ValueError(f"Unknown loss function {config['config']['fn']!r}; pass it in custom_objects")
        return LossFunctionWrapper(fn, **cfg)
    return cls.from_config(cfg)
