"""Merge layers: combine a list of inputs into one output (``keras.layers.Add``, ``Concatenate``, ...).

Elementwise merges follow Keras's broadcasting: inputs may differ in rank (a lower-rank input gets
new axes right after the batch axis) and in axes of size 1.  Backward receives ``G = dL/dY`` and
returns one gradient per input, summed back over any axes broadcasting stretched.
"""

from __future__ import annotations

import numpy as np

from nbnet.autograd import unbroadcast
from nbnet.layers.layer import Layer


def _is_shape_list(input_shape) -> bool:
    return isinstance(input_shape, (list, tuple)) and bool(input_shape) and all(
        isinstance(s, (list, tuple)) for s in input_shape)


class Merge(Layer):
    """Base class of the elementwise merges.  Subclasses give ``_merge`` and ``_merge_grads``."""

    _exact_inputs: int | None = None   # Subtract takes exactly 2

    def _check_list(self, input_shape) -> None:
        if not _is_shape_list(input_shape):
            raise ValueError(f'Layer "{self.name}" ({type(self).__name__}) should be called on a list of '
                             f"inputs; received input_shape={input_shape} (not a list of shapes)")
        if self._exact_inputs is not None and len(input_shape) != self._exact_inputs:
            raise ValueError(f'Layer "{self.name}" ({type(self).__name__}) should be called on exactly '
                             f"{self._exact_inputs} inputs; received {len(input_shape)} inputs")

    def _broadcast(self, s1, s2, all_shapes) -> tuple:
        """Shape of an elementwise op on two per-sample shapes, right-aligned (Keras's rule)."""
        if len(s1) < len(s2):
            s1, s2 = s2, s1
        out = list(s1[:len(s1) - len(s2)])
        for i, j in zip(s1[len(s1) - len(s2):], s2):
            if i is None or j is None:
                out.append(None)
            elif i == 1 or j == 1 or i == j:
                out.append(j if i == 1 else i)
            else:
                raise ValueError(f'Layer "{self.name}" ({type(self).__name__}): inputs have incompatible '
                                 f"shapes. Received shapes {[tuple(s) for s in all_shapes]}")
        return tuple(out)

    def compute_output_shape(self, input_shape):
        self._check_list(input_shape)
        out = tuple(input_shape[0][1:])
        for s in input_shape[1:]:
            out = self._broadcast(out, tuple(s[1:]), input_shape)
        batch = {s[0] for s in input_shape} - {None}
        if len(batch) > 1:
            raise ValueError(f'Layer "{self.name}" ({type(self).__name__}): cannot merge tensors with '
                             f"different batch sizes. Received shapes {[tuple(s) for s in input_shape]}")
        return (batch.pop() if batch else None, *out)

    def build(self, input_shape) -> None:
        self.compute_output_shape(input_shape)
        self.built = True

    def forward(self, xs, training=False):
        self.compute_output_shape([x.shape for x in xs])   # clear errors before NumPy's
        nd = max(x.ndim for x in xs)
        aligned = [x.reshape(x.shape[:1] + (1,) * (nd - x.ndim) + x.shape[1:]) for x in xs]
        return self._merge(aligned), (xs, aligned)

    def backward(self, g, cache, need_input_grad=True):
        xs, aligned = cache
        grads = self._merge_grads(g, aligned)
        need = need_input_grad if isinstance(need_input_grad, list) else [True] * len(xs)
        return [unbroadcast(gi, a.shape).reshape(x.shape) if n else None
                for gi, a, x, n in zip(grads, aligned, xs, need)], []


class Add(Merge):
    """Sum of the inputs: ``Y = X₁ + X₂ + …``."""

    def _merge(self, xs):
        out = xs[0]
        for x in xs[1:]:
            out = out + x
        return out

    def _merge_grads(self, g, xs):
        return [g] * len(xs)                    # dY/dXᵢ = 1


class Subtract(Merge):
    """Difference of exactly two inputs: ``Y = X₁ − X₂``."""

    _exact_inputs = 2

    def _merge(self, xs):
        return xs[0] - xs[1]

    def _merge_grads(self, g, xs):
        return [g, -g]                          # dY/dX₁ = 1, dY/dX₂ = −1


class Multiply(Merge):
    """Elementwise product of the inputs: ``Y = X₁ ⊙ X₂ ⊙ …``."""

    def _merge(self, xs):
        out = xs[0]
        for x in xs[1:]:
            out = out * x
        return out

    def _merge_grads(self, g, xs):
        grads = []
        for i in range(len(xs)):
            gi = g
            for j, x in enumerate(xs):
                if j != i:
                    gi = gi * x                 # dY/dXᵢ = Π_{j≠i} Xⱼ
            grads.append(gi)
        return grads


class Average(Merge):
    """Elementwise mean of the inputs: ``Y = (X₁ + … + Xₙ) / n``."""

    def _merge(self, xs):
        return Add._merge(self, xs) / np.asarray(len(xs), dtype=xs[0].dtype)

    def _merge_grads(self, g, xs):
        return [g / np.asarray(len(xs), dtype=g.dtype)] * len(xs)    # dY/dXᵢ = 1/n


class Maximum(Merge):
    """Elementwise maximum of the inputs.  The gradient goes to the first input holding the max."""

    _pick = staticmethod(np.maximum)

    def _merge(self, xs):
        out = xs[0]
        for x in xs[1:]:
            out = self._pick(out, x)
        return out

    def _merge_grads(self, g, xs):
        y = self._merge(xs)
        taken = np.zeros(np.broadcast_shapes(*[x.shape for x in xs]), dtype=bool)
        grads = []
        for x in xs:
            win = (x == y) & ~taken             # dY/dXᵢ = 1 where Xᵢ is the (first) extreme, else 0
            taken |= win
            grads.append(g * win)
        return grads


class Minimum(Maximum):
    """Elementwise minimum of the inputs.  The gradient goes to the first input holding the min."""

    _pick = staticmethod(np.minimum)


class Concatenate(Layer):
    """Join a list of inputs along ``axis`` (default the last).

    Shapes
    ------
    Inputs must match on every axis but ``axis``; the output's ``axis`` is the sum of theirs.
    """

    def __init__(self, axis: int = -1, **kwargs):
        super().__init__(**kwargs)
        self.axis = int(axis)

    def compute_output_shape(self, input_shape):
        if not _is_shape_list(input_shape):
            raise ValueError(f'Layer "{self.name}" (Concatenate) should be called on a list of inputs; '
                             f"received input_shape={input_shape}")
        shapes = [tuple(s) for s in input_shape]
        rank = len(shapes[0])
        if any(len(s) != rank for s in shapes) or not -rank <= self.axis < rank:
            self._mismatch(shapes)
        axis = self.axis % rank
        out = list(shapes[0])
        for s in shapes[1:]:
            for i, (a, b) in enumerate(zip(out, s)):
                if i != axis and a is not None and b is not None and a != b:
                    self._mismatch(shapes)
                if i != axis and a is None:
                    out[i] = b
            out[axis] = None if out[axis] is None or s[axis] is None else out[axis] + s[axis]
        return tuple(out)

    def _mismatch(self, shapes):
        raise ValueError(f'Layer "{self.name}" (Concatenate) requires inputs with matching shapes except '
                         f"for the concatenation axis {self.axis}. Received: input_shape={shapes}")

    def build(self, input_shape) -> None:
        self.compute_output_shape(input_shape)
        self.built = True

    def forward(self, xs, training=False):
        self.compute_output_shape([x.shape for x in xs])
        return np.concatenate(xs, axis=self.axis), [x.shape[self.axis] for x in xs]

    def backward(self, g, sizes, need_input_grad=True):
        pieces = np.split(g, np.cumsum(sizes)[:-1], axis=self.axis)   # dL/dXᵢ = the slice of G from Xᵢ
        need = need_input_grad if isinstance(need_input_grad, list) else [True] * len(sizes)
        return [p if n else None for p, n in zip(pieces, need)], []

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}


def _l2_normalize(x, axis, eps=1e-7):
    """``x̂ = x · min(1/‖x‖, 1/ε)`` along ``axis`` (Keras's ``normalize``)."""
    inv = np.minimum(1.0 / np.sqrt(np.maximum((x * x).sum(axis=axis, keepdims=True), 1e-300)), 1.0 / eps)
    return (x * inv).astype(x.dtype), inv


def _l2_normalize_grad(g, xhat, inv, axis, eps=1e-7):
    """dL/dx for x̂ = x/‖x‖: (G − x̂ (x̂·G)) / ‖x‖; just G/ε where the norm was clipped to ε."""
    full = (g - xhat * (xhat * g).sum(axis=axis, keepdims=True)) * inv
    return np.where(inv >= 1.0 / eps, g * inv, full)


class Dot(Layer):
    """Dot product of two samples along one axis each: ``Y[n] = Σₖ X₁[n, …, k] X₂[n, …, k]``.

    Parameters
    ----------
    axes : int or (int, int)
        The axis of each input to contract (never 0, the batch axis).
    normalize : bool
        L2-normalize both inputs along ``axes`` first, so the output is the cosine similarity.

    Shapes
    ------
    ``X₁`` without its axis, then ``X₂`` without its batch axis and its axis; ``(N, 1)`` when both
    inputs are ``(N, k)``.
    """

    def __init__(self, axes, normalize: bool = False, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(axes, int):
            if not isinstance(axes, (list, tuple)) or len(axes) != 2 or not all(
                    isinstance(a, int) for a in axes):
                raise ValueError(f"Dot: `axes` must be an int or a list of two ints, got {axes!r}")
            axes = list(axes)
        self.axes = axes
        self.normalize = bool(normalize)

    def _axes_for(self, shapes) -> list[int]:
        pair = [self.axes] * 2 if isinstance(self.axes, int) else self.axes
        if any(not -len(s) <= a < len(s) for a, s in zip(pair, shapes)):
            raise ValueError(f'Layer "{self.name}" (Dot): axes={self.axes} is out of range for input shapes '
                             f"{[tuple(s) for s in shapes]}")
        return [a % len(s) for a, s in zip(pair, shapes)]

    def compute_output_shape(self, input_shape):
        if not _is_shape_list(input_shape) or len(input_shape) != 2:
            raise ValueError(f'Layer "{self.name}" (Dot) should be called on a list of 2 inputs; '
                             f"received input_shape={input_shape}")
        s1, s2 = (list(s) for s in input_shape)
        if len(s1) < 2 or len(s2) < 2:
            raise ValueError(f'Layer "{self.name}" (Dot) needs inputs of rank >= 2; got shapes {s1}, {s2}')
        a1, a2 = self._axes_for((s1, s2))
        if 0 in (a1, a2):
            raise ValueError(f'Layer "{self.name}" (Dot) cannot contract axis 0, the batch axis '
                             f"(axes={self.axes})")
        if s1[a1] is not None and s2[a2] is not None and s1[a1] != s2[a2]:
            raise ValueError(f'Layer "{self.name}" (Dot): incompatible input shapes: axis values {s1[a1]} '
                             f"(at axis {a1}) != {s2[a2]} (at axis {a2}). Full input shapes: "
                             f"{tuple(s1)}, {tuple(s2)}")
        out = s1[:a1] + s1[a1 + 1:] + [d for i, d in enumerate(s2) if i not in (0, a2)]
        return tuple(out + [1] if len(out) == 1 else out)

    def build(self, input_shape) -> None:
        self.compute_output_shape(input_shape)
        self.built = True

    def forward(self, xs, training=False):
        self.compute_output_shape([x.shape for x in xs])
        (x1, x2), axes = xs, self._axes_for([x.shape for x in xs])
        norms = [None, None]
        if self.normalize:
            (x1, norms[0]), (x2, norms[1]) = _l2_normalize(x1, axes[0]), _l2_normalize(x2, axes[1])
        m1, m2 = np.moveaxis(x1, axes[0], -1), np.moveaxis(x2, axes[1], -1)
        n, k = m1.shape[0], m1.shape[-1]
        p, q = m1.reshape(n, -1, k), m2.reshape(n, -1, k)
        y = np.einsum("npk,nqk->npq", p, q)            # Y[n] = P[n] Q[n]ᵀ
        out_shape = self.compute_output_shape([x.shape for x in xs])
        return y.reshape(out_shape), (p, q, m1.shape, m2.shape, axes, (x1, x2), norms)

    def backward(self, g, cache, need_input_grad=True):
        p, q, shape1, shape2, axes, normed, norms = cache
        g = g.reshape(p.shape[0], p.shape[1], q.shape[1])
        dp = np.einsum("npq,nqk->npk", g, q)           # dL/dP = G Q
        dq = np.einsum("npq,npk->nqk", g, p)           # dL/dQ = Gᵀ P
        grads = [np.moveaxis(dp.reshape(shape1), -1, axes[0]), np.moveaxis(dq.reshape(shape2), -1, axes[1])]
        if self.normalize:
            grads = [_l2_normalize_grad(d, xh, inv, a) for d, xh, inv, a in zip(grads, normed, norms, axes)]
        need = need_input_grad if isinstance(need_input_grad, list) else [True, True]
        return [d if n else None for d, n in zip(grads, need)], []

    def get_config(self):
        return {**super().get_config(), "axes": self.axes, "normalize": self.normalize}


# --- functional interfaces (``keras.layers.add([a, b])`` …) ----------------------------------
def add(inputs, **kwargs):
    """Functional interface to :class:`Add`."""
    return Add(**kwargs)(inputs)


def subtract(inputs, **kwargs):
    """Functional interface to :class:`Subtract`."""
    return Subtract(**kwargs)(inputs)


def multiply(inputs, **kwargs):
    """Functional interface to :class:`Multiply`."""
    return Multiply(**kwargs)(inputs)


def average(inputs, **kwargs):
    """Functional interface to :class:`Average`."""
    return Average(**kwargs)(inputs)


def maximum(inputs, **kwargs):
    """Functional interface to :class:`Maximum`."""
    return Maximum(**kwargs)(inputs)


def minimum(inputs, **kwargs):
    """Functional interface to :class:`Minimum`."""
    return Minimum(**kwargs)(inputs)


def concatenate(inputs, axis: int = -1, **kwargs):
    """Functional interface to :class:`Concatenate`."""
    return Concatenate(axis=axis, **kwargs)(inputs)


def dot(inputs, axes=-1, **kwargs):
    """Functional interface to :class:`Dot`."""
    return Dot(axes=axes, **kwargs)(inputs)
