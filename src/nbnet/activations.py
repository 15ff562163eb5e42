"""Activation functions a = f(z) and their derivatives.

Each activation is usable three ways: by name (``Dense(16, activation="relu")``), as a function
on arrays (``nbnet.activations.relu(z)`` returns an array), and inside a custom layer on
Tensors, where its gradient is recorded.  Built-in layers call :func:`backward` to apply the
derivative f'(z) to the incoming gradient in one fused step.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from nbnet.autograd import Tensor, record

_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)


def _sigmoid(z: np.ndarray) -> np.ndarray:
    """σ(z) = 1 / (1 + e^(−z)), computed without overflow for large |z|."""
    z = np.asarray(z)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e)).astype(z.dtype, copy=False)


def _softmax(z: np.ndarray, axis: int = -1) -> np.ndarray:
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _gelu_tanh(z):
    return 0.5 * z * (1 + np.tanh(_SQRT_2_OVER_PI * (z + 0.044715 * z**3)))


# Each entry: (forward f(z, **kw), backward (z, a, g, **kw) -> dL/dz).  g is dL/da.
def _relu_fwd(z, negative_slope=0.0, max_value=None, threshold=0.0):
    if negative_slope == 0 and threshold == 0 and max_value is None:
        return np.maximum(z, 0, dtype=z.dtype)                     # the plain max(z, 0)
    a = np.where(z > threshold, z, negative_slope * (z - threshold)).astype(z.dtype, copy=False)
    if max_value is None:
        return a
    # Keras clips the branch above the threshold to [0, max_value]
    return np.where(z > threshold, np.clip(z, 0, max_value), a).astype(z.dtype, copy=False)


def _relu_bwd(z, a, g, negative_slope=0.0, max_value=None, threshold=0.0):
    # f'(z) = 1 for z > threshold (and below max_value), negative_slope below the threshold
    if negative_slope == 0 and threshold == 0 and max_value is None:
        return g * (z > 0)                                         # f'(z) = [z > 0]
    slope = np.where(z > threshold, 1.0, negative_slope).astype(z.dtype)
    if max_value is not None:
        slope = np.where(z > threshold, (z > 0) & (z < max_value), slope).astype(z.dtype)
    return g * slope


def _leaky_fwd(z, negative_slope=0.2):
    return np.where(z > 0, z, negative_slope * z).astype(z.dtype, copy=False)


def _leaky_bwd(z, a, g, negative_slope=0.2):
    return g * np.where(z > 0, 1.0, negative_slope).astype(z.dtype)  # f'(z) = 1 or α


def _elu_fwd(z, alpha=1.0):
    return np.where(z > 0, z, alpha * np.expm1(np.minimum(z, 0))).astype(z.dtype, copy=False)


def _elu_bwd(z, a, g, alpha=1.0):
    return g * np.where(z > 0, 1.0, a + alpha).astype(z.dtype)  # f'(z) = 1 or α·e^z = a + α


_erf = np.vectorize(math.erf, otypes=[np.float64])


def _gelu_exact_fwd(z):
    return (0.5 * z * (1 + _erf(z / math.sqrt(2)))).astype(z.dtype, copy=False)


def _gelu_exact_bwd(z, a, g):
    # f = z Φ(z)  ⇒  f' = Φ(z) + z φ(z)
    cdf = 0.5 * (1 + _erf(z / math.sqrt(2)))
    pdf = np.exp(-0.5 * z * z) / math.sqrt(2 * math.pi)
    return g * (cdf + z * pdf).astype(z.dtype, copy=False)


def _gelu_tanh_bwd(z, a, g):
    # tanh approximation: f = ½z(1 + tanh u), u = √(2/π)(z + 0.044715 z³)
    t = np.tanh(_SQRT_2_OVER_PI * (z + 0.044715 * z**3))
    du = _SQRT_2_OVER_PI * (1 + 3 * 0.044715 * z**2)
    return g * (0.5 * (1 + t) + 0.5 * z * (1 - t * t) * du)


def _softmax_bwd(z, a, g, axis=-1):
    # Jacobian-vector product of softmax: dz = a ⊙ (g − Σ g a)
    return a * (g - (g * a).sum(axis=axis, keepdims=True))


_TABLE: dict[str, tuple[Callable, Callable]] = {
    "linear": (lambda z: z, lambda z, a, g: g),                       # f' = 1
    "sigmoid": (_sigmoid, lambda z, a, g: g * a * (1 - a)),           # σ' = σ(1 − σ)
    "tanh": (np.tanh, lambda z, a, g: g * (1 - a * a)),               # tanh' = 1 − tanh²
    "relu": (_relu_fwd, _relu_bwd),
    "softplus": (lambda z: np.logaddexp(0, z).astype(z.dtype, copy=False),
                 lambda z, a, g: g * _sigmoid(z)),                     # softplus' = σ
    "softmax": (_softmax, _softmax_bwd),
    "leaky_relu": (_leaky_fwd, _leaky_bwd),
    "elu": (_elu_fwd, _elu_bwd),
    "gelu": (_gelu_exact_fwd, _gelu_exact_bwd),
    "gelu_tanh": (_gelu_tanh, _gelu_tanh_bwd),
}


def forward(name: str, z: np.ndarray) -> np.ndarray:
    """Apply the activation ``name`` to the array ``z``."""
    return _TABLE[name][0](z)


def backward(name: str, z: np.ndarray, a: np.ndarray, g: np.ndarray) -> np.ndarray:
    """Return dL/dz = f'(z) ⊙ g (softmax: its Jacobian applied to g) given a = f(z), g = dL/da."""
    return _TABLE[name][1](z, a, g)


def _apply(name: str, x, **kw):
    fwd, bwd = _TABLE[name]
    z = x.value if isinstance(x, Tensor) else np.asarray(x)
    a = fwd(z, **kw)
    if not isinstance(x, Tensor):
        return a
    out = record(a, (x,), lambda g: (bwd(z, a, g, **kw),))
    if name in ("softmax", "sigmoid"):
        out.logits = (name, x)  # lets cross-entropy use the stable logits form
    return out


def linear(x):
    """Identity: f(z) = z."""
    return x


def sigmoid(x):
    """Logistic sigmoid σ(z) = 1/(1 + e^(−z)), in (0, 1)."""
    return _apply("sigmoid", x)


def tanh(x):
    """Hyperbolic tangent, in (−1, 1)."""
    return _apply("tanh", x)


def relu(x, negative_slope: float = 0.0, max_value: float | None = None, threshold: float = 0.0):
    """Rectified linear unit max(z, 0) (Keras's optional slope, cap and threshold)."""
    return _apply("relu", x, negative_slope=negative_slope, max_value=max_value, threshold=threshold)


def softplus(x):
    """Softplus ln(1 + e^z), a smooth ReLU."""
    return _apply("softplus", x)


def softmax(x, axis: int = -1):
    """Softmax e^(z_i) / Σ_j e^(z_j) along ``axis``; outputs sum to 1."""
    return _apply("softmax", x, axis=axis)


def leaky_relu(x, negative_slope: float = 0.2):
    """Leaky ReLU: z for z > 0, else ``negative_slope``·z (Keras default 0.2)."""
    return _apply("leaky_relu", x, negative_slope=negative_slope)


def elu(x, alpha: float = 1.0):
    """Exponential linear unit: z for z > 0, else α(e^z − 1)."""
    return _apply("elu", x, alpha=alpha)


def gelu(x, approximate: bool = False):
    """Gaussian error linear unit z·Φ(z); ``approximate=True`` uses the tanh formula."""
    return _apply("gelu_tanh" if approximate else "gelu", x)


_PUBLIC = {"linear": linear, "sigmoid": sigmoid, "tanh": tanh, "relu": relu, "softplus": softplus,
           "softmax": softmax, "leaky_relu": leaky_relu, "elu": elu, "gelu": gelu}


def get(identifier) -> Callable:
    """Resolve an activation from a name, a function or ``None`` (→ ``linear``)."""
    if identifier is None:
        return linear
    if callable(identifier):
        return identifier
    if isinstance(identifier, str) and identifier in _PUBLIC:
        return _PUBLIC[identifier]
    if isinstance(identifier, dict) and identifier.get("class_name") == "function":   # Keras's form
        return get(identifier.get("config"))
    if isinstance(identifier, str):   # a registered function, by its "package>name" key
        from nbnet.utils.serialization import get_registered_object
        found = get_registered_object(identifier)
        if callable(found):
            return found
    raise ValueError(f"Unknown activation {identifier!r}. Valid names: {', '.join(sorted(_PUBLIC))}")


def serialize(fn: Callable) -> str:
    """Return the name under which ``fn`` is saved in a model config."""
    for name, f in _PUBLIC.items():
        if f is fn:
            return name
    from nbnet.utils.serialization import registered_name
    return registered_name(fn)


def name_of(fn: Callable) -> str | None:
    """The table name of a built-in activation (for fused backward), or ``None`` for custom ones."""
    for name, f in _PUBLIC.items():
        if f is fn:
            return name
    return None
