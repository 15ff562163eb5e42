"""A small tape-based automatic differentiation engine over NumPy arrays.

Every differentiable operation produces a :class:`Tensor` whose ``vjp`` (vector-Jacobian
product) maps the gradient of the loss with respect to the output, ``g = dL/dy``, to the
gradients with respect to each parent, ``dL/dx_i = g · dy/dx_i``.  While a
:class:`GradientTape` is active, each such tensor is appended to the tape in the order it was
computed; :meth:`GradientTape.gradient` then walks the tape backwards once — reverse-mode
differentiation, i.e. backpropagation.

Built-in layers enter the tape as *one* node each, whose ``vjp`` is the layer's hand-written
backward pass; ``nbnet.ops`` functions used by custom layers enter as one node per operation.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

_TAPES: list[GradientTape] = []


class Tensor:
    """An array that remembers how it was computed.

    Parameters
    ----------
    value : numpy.ndarray
        The data.
    parents : tuple of Tensor, optional
        The tensors this one was computed from.
    vjp : callable, optional
        ``vjp(g) -> tuple`` of gradients, one per parent (``None`` where there is none).
    requires_grad : bool
        Whether gradients flow back through this tensor.
    """

    __slots__ = ("value", "parents", "vjp", "requires_grad", "logits", "keras_mask")
    __array_priority__ = 100.0

    def __init__(self, value, parents: tuple = (), vjp: Callable | None = None,
                 requires_grad: bool = False):
        self.value = value
        self.parents = parents
        self.vjp = vjp
        self.requires_grad = requires_grad
        self.logits = None  # ("softmax" or "sigmoid", z) when this tensor is that activation of z
        self.keras_mask = None

    # --- array-like protocol -------------------------------------------------------------
    @property
    def shape(self) -> tuple:
        return self.value.shape

    @property
    def dtype(self):
        return self.value.dtype

    @property
    def ndim(self) -> int:
        return self.value.ndim

    def __len__(self) -> int:
        return len(self.value)

    def numpy(self) -> np.ndarray:
        """Return the value as a NumPy array."""
        return self.value

    def __array__(self, dtype=None, copy=None):
        return np.asarray(self.value, dtype=dtype)   # (value may be a NumPy scalar, e.g. a loss)

    def __repr__(self) -> str:
        return f"<Tensor shape={self.shape} dtype={self.dtype} requires_grad={self.requires_grad}>"

    # Arithmetic delegates to nbnet.ops, which records vector-Jacobian products.
    def __add__(self, o): return _ops().add(self, o)
    def __radd__(self, o): return _ops().add(o, self)
    def __sub__(self, o): return _ops().subtract(self, o)
    def __rsub__(self, o): return _ops().subtract(o, self)
    def __mul__(self, o): return _ops().multiply(self, o)
    def __rmul__(self, o): return _ops().multiply(o, self)
    def __truediv__(self, o): return _ops().divide(self, o)
    def __rtruediv__(self, o): return _ops().divide(o, self)
    def __matmul__(self, o): return _ops().matmul(self, o)
    def __rmatmul__(self, o): return _ops().matmul(o, self)
    def __pow__(self, o): return _ops().power(self, o)
    def __neg__(self): return _ops().negative(self)
    def __rpow__(self, o): return _ops().power(o, self)
    def __abs__(self): return _ops().abs(self)
    def __pos__(self): return self
    # comparisons give plain boolean arrays (no gradient); == stays identity so `w in list` works
    def __lt__(self, o): return self.value < value_of(o)
    def __le__(self, o): return self.value <= value_of(o)
    def __gt__(self, o): return self.value > value_of(o)
    def __ge__(self, o): return self.value >= value_of(o)
    def __getitem__(self, idx): return _ops().take_slice(self, idx)

    @property
    def T(self):  # noqa: N802 - NumPy's name
        return _ops().transpose(self)


class EagerArray(np.ndarray):
    """The NumPy array a layer or model returns when called outside a GradientTape.

    A plain ``numpy.ndarray`` in every respect (it prints as one), plus ``.numpy()``: Keras code
    writes ``model(x).numpy()`` because Keras returns backend tensors.
    """

    def numpy(self) -> np.ndarray:
        """The same data as a plain ``numpy.ndarray``."""
        return self.view(np.ndarray)

    def __repr__(self) -> str:
        return repr(self.view(np.ndarray))

    def __str__(self) -> str:
        return str(self.view(np.ndarray))


def _ops():
    from nbnet import ops
    return ops


def value_of(x):
    """Return the NumPy array inside ``x`` (a Tensor, a Variable or an array)."""
    return x.value if isinstance(x, Tensor) else x


def is_recording() -> bool:
    """True while at least one :class:`GradientTape` is active."""
    return bool(_TAPES)


def record(value: np.ndarray, parents: Sequence, vjp: Callable) -> Tensor:
    """Wrap ``value`` as the output of a differentiable operation.

    The node is put on every active tape only if a parent requires a gradient; otherwise the
    result is a constant tensor and nothing is recorded.
    """
    parents = tuple(parents)
    needs = _TAPES and any(isinstance(p, Tensor) and p.requires_grad for p in parents)
    if not needs:
        return Tensor(value)
    out = Tensor(value, parents, vjp, True)
    for tape in _TAPES:
        tape._nodes.append(out)
    return out


def unbroadcast(g: np.ndarray, shape: tuple) -> np.ndarray:
    """Sum ``g`` over the axes that broadcasting added or stretched, to get ``shape`` back."""
    if g.shape == tuple(shape):
        return g
    extra = g.ndim - len(shape)
    if extra > 0:
        g = g.sum(axis=tuple(range(extra)))
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and g.shape[i] != 1)
    if stretched:
        g = g.sum(axis=stretched, keepdims=True)
    return g.reshape(shape)


class GradientTape:
    """Record operations for automatic differentiation (the TensorFlow/Keras name).

    Examples
    --------
    >>> with GradientTape() as tape:
    ...     loss = model.compute_loss(x, y)
    >>> grads = tape.gradient(loss, model.trainable_weights)
    """

    def __init__(self, persistent: bool = False):
        self.persistent = persistent
        self._nodes: list[Tensor] = []

    def __enter__(self) -> GradientTape:
        _TAPES.append(self)
        return self

    def __exit__(self, *exc) -> None:
        _TAPES.remove(self)

    def watch(self, x: Tensor) -> Tensor:
        """Make ``x`` (a Tensor) a source of gradients."""
        x.requires_grad = True
        return x

    def gradient(self, target: Tensor, sources: Sequence, output_gradients=None) -> list:
        """Return ``d target / d source`` for each source (``None`` where it does not depend).

        ``target`` is usually a scalar loss; otherwise ``output_gradients`` (default ones) is the
        vector in the vector-Jacobian product.
        """
        if not isinstance(target, Tensor):
            raise TypeError(f"GradientTape.gradient: target must be a Tensor, got {type(target).__name__}")
        seed = np.ones(np.shape(target.value)) if output_gradients is None else value_of(output_gradients)
        grads = {id(target): np.asarray(seed, dtype=target.value.dtype)}
        for node in reversed(self._nodes):
            g = grads.get(id(node))
            if g is None or node.vjp is None:
                continue
            for parent, pg in zip(node.parents, node.vjp(g)):
                if pg is None or not (isinstance(parent, Tensor) and parent.requires_grad):
                    continue
                key = id(parent)
                grads[key] = grads[key] + pg if key in grads else pg
        if not self.persistent:
            self._nodes = []
        return [grads.get(id(s)) for s in sources]
