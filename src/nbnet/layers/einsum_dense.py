"""``EinsumDense``: a dense layer whose product is an einsum equation (``keras.layers.EinsumDense``).

``Z = einsum(equation, X, W) + b`` and ``A = f(Z)``.  ``"ab,bc->ac"`` is ``Dense``;
``"abc,cde->abde"`` projects every position to ``(heads, key_dim)`` as ``MultiHeadAttention``
does.  The backward pass contracts the output gradient with the other operand back onto each
operand's indices (the einsum rule: ``dL/dW = einsum("in,out->kernel", X, G)``,
``dL/dX = einsum("out,kernel->in", G, W)``).
"""

from __future__ import annotations

import math
import re
import string

import numpy as np

from nbnet import activations, initializers, regularizers
from nbnet.autograd import unbroadcast
from nbnet.layers.core import _custom_activation_grad
from nbnet.layers.input_spec import InputSpec
from nbnet.layers.layer import Layer


def _split(equation: str):
    """``(input_spec, weight_spec, output_spec, elided_side)``; ``elided_side`` is "left", "right" or None."""
    eq = re.sub(r"\.\.\.", "0", equation.replace(" ", ""))
    for pattern, side in (("([a-zA-Z]+),([a-zA-Z]+)->([a-zA-Z]+)$", None),
                          ("0([a-zA-Z]+),([a-zA-Z]+)->0([a-zA-Z]+)$", "left"),
                          ("([a-zA-Z]{2,})0,([a-zA-Z]+)->([a-zA-Z]+)0$", "right")):
        found = re.match(pattern, eq)
        if found:
            return found.group(1), found.group(2), found.group(3), side
    raise ValueError(f"Invalid einsum equation '{equation}'. Equations must be in the form "
                     "[X],[Y]->[Z], ...[X],[Y]->...[Z], or [X]...,[Y]->[Z]....")


def explicit_equation(equation: str, ndim: int) -> tuple[str, str, str]:
    """The equation's three index strings with ``...`` replaced by letters for an ``ndim`` input."""
    i, w, o, side = _split(equation)
    n = ndim - len(i)
    if side is None or n <= 0:
        return i, w, o
    spare = "".join(c for c in string.ascii_letters if c not in i + w + o)[:n]
    return (spare + i, w, spare + o) if side == "left" else (i + spare, w, o + spare)


def analyze(equation: str, bias_axes, input_shape, output_shape):
    """Keras's shape analysis: ``(kernel_shape, bias_shape or None, full_output_shape, in_axes, out_axes)``."""
    i_spec, w_spec, o_spec, side = _split(equation)
    input_shape = tuple(input_shape)
    elided = len(input_shape) - len(i_spec)
    out = [output_shape] if isinstance(output_shape, int) else list(output_shape)
    out.insert(0, input_shape[0])
    if elided > 0 and side == "left":
        for k in range(1, elided):
            out.insert(1, input_shape[k])
    elif elided > 0:
        out.extend(input_shape[len(input_shape) - elided:])
    left = side == "left"
    in_map = {d: (k + elided) - len(input_shape) if left else k for k, d in enumerate(i_spec)}
    out_map = {d: k + elided if left else k for k, d in enumerate(o_spec)}
    _check_shared(i_spec, input_shape, in_map, out, out_map)
    for d in o_spec:
        if d not in i_spec and d not in w_spec:
            raise ValueError(f"Dimension '{d}' was specified in the output '{o_spec}' but has no corresponding "
                             f"dim in the input spec '{i_spec}' or weight spec '{w_spec}'")
    kernel, in_axes, out_axes = _kernel_shape(w_spec, i_spec, o_spec, input_shape, in_map, out, out_map)
    bias = _bias_shape(bias_axes, o_spec, out, elided if left else 0, 0 if left else max(elided, 0))
    return kernel, bias, out, in_axes, out_axes


def _check_shared(i_spec, input_shape, in_map, out, out_map) -> None:
    for d in i_spec:
        if d in out_map and out[out_map[d]] is not None and out[out_map[d]] != input_shape[in_map[d]]:
            raise ValueError(f"Input shape and output shape do not match at shared dimension '{d}'. Input "
                             f"shape is {input_shape[in_map[d]]}, and output shape is {out[out_map[d]]}.")


def _kernel_shape(w_spec, i_spec, o_spec, input_shape, in_map, out, out_map):
    shape, in_axes, out_axes = [], [], []
    for k, d in enumerate(w_spec):
        if d in out_map:
            shape.append(out[out_map[d]])
            out_axes.append(k)
        elif d in in_map:
            shape.append(input_shape[in_map[d]])
            in_axes.append(k)
        else:
            raise ValueError(f"Weight dimension '{d}' did not have a match in either the input spec '{i_spec}' "
                             f"or the output spec '{o_spec}'. For this layer, the weight must be fully specified.")
    return shape, in_axes, out_axes


def _bias_shape(bias_axes, o_spec, out, left_elided, right_elided):
    if bias_axes is None:
        return None
    for c in bias_axes:
        if c not in o_spec:
            raise ValueError(f"Bias dimension '{c}' was requested, but is not part of the output spec '{o_spec}'")
    sizes = {c: out[k + left_elided] for k, c in enumerate(o_spec)}
    first = min(o_spec.find(c) for c in bias_axes)
    return [sizes[c] if c in bias_axes else 1 for c in o_spec[first:]] + [1] * right_elided


def _kernel_initializer(init, in_axes, out_axes):
    """Draw the kernel as a (fan_in, fan_out) matrix, so fans are Keras's (input axes vs output axes)."""
    def draw(shape, dtype=None):
        order = list(in_axes) + list(out_axes)
        fan_in = math.prod(shape[a] for a in in_axes)
        flat = np.asarray(init((fan_in, math.prod(shape) // max(fan_in, 1)), dtype=dtype))
        return np.transpose(flat.reshape([shape[a] for a in order]), np.argsort(order))
    return draw


def contract_back(g, g_spec, other, other_spec, target_spec, target_shape):
    """dL/dT for ``out = einsum(T, other)``: ``einsum(g, other -> T)``, broadcast over T's lone indices."""
    kept = "".join(c for c in target_spec if c in g_spec or c in other_spec)
    reduced = np.einsum(f"{g_spec},{other_spec}->{kept}", g, other, optimize=True)
    if kept == target_spec:
        return reduced
    sizes = dict(zip(target_spec, target_shape))
    order = kept + "".join(c for c in target_spec if c not in kept)
    full = np.broadcast_to(reduced.reshape(reduced.shape + (1,) * (len(order) - len(kept))),
                           tuple(sizes[c] for c in order))
    return np.ascontiguousarray(np.transpose(full, [order.index(c) for c in target_spec]))


class EinsumDense(Layer):
    """A layer that uses ``einsum`` as the backing computation.

    Parameters
    ----------
    equation : str
        ``"<input>,<kernel>-><output>"``, e.g. ``"ab,bc->ac"`` or ``"...b,bc->...c"``.
    output_shape : int or tuple
        The output shape without the batch axis; ``None`` where it follows the input.
    activation : str or callable, optional
    bias_axes : str, optional
        Output letters that get a bias, e.g. ``"de"``.
    kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer
        As in ``Dense``; variance-scaling fans count the kernel's input axes against its output axes.

    Shapes
    ------
    Input as the equation's first operand → output ``(N, *output_shape)``. Weights: ``kernel``
    (the equation's second operand), then ``bias``.
    """

    def __init__(self, equation: str, output_shape, activation=None, bias_axes: str | None = None,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros", kernel_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, bias_constraint=None, lora_rank=None,
                 lora_alpha=None, **kwargs):
        super().__init__(**kwargs)
        for option, value in (("kernel_constraint", kernel_constraint), ("bias_constraint", bias_constraint),
                              ("lora_rank", lora_rank)):
            if value:
                raise NotImplementedError(f"EinsumDense: `{option}` is not supported by nbnet (got {value!r})")
        _split(equation)
        self.equation = equation
        self.partial_output_shape = (output_shape,) if isinstance(output_shape, int) else tuple(output_shape)
        self.bias_axes = bias_axes
        self.activation = activations.get(activation)
        self._act = activations.name_of(self.activation)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.bias = None

    def build(self, input_shape) -> None:
        kernel, bias, out, in_axes, out_axes = analyze(self.equation, self.bias_axes, input_shape,
                                                       self.partial_output_shape)
        self.full_output_shape = tuple(out)
        self.input_spec = InputSpec(ndim=len(input_shape))
        init = _kernel_initializer(self.kernel_initializer, in_axes, out_axes)
        self.kernel = self.add_weight(tuple(kernel), init, regularizer=self.kernel_regularizer, name="kernel")
        if bias is not None:
            self.bias = self.add_weight(tuple(bias), self.bias_initializer, regularizer=self.bias_regularizer,
                                        name="bias")
        self.built = True

    def compute_output_shape(self, input_shape):
        return tuple(analyze(self.equation, self.bias_axes, input_shape, self.partial_output_shape)[2])

    def forward(self, x, training=False):
        i, w, o = explicit_equation(self.equation, x.ndim)
        z = np.einsum(f"{i},{w}->{o}", x, self.kernel.value, optimize=True)   # Z = einsum(X, W)
        if self.bias is not None:
            z = z + self.bias.value                                            #   + b
        if self._act == "linear":
            return z, (x, z, z, (i, w, o))
        a = np.asarray(self.activation(z)) if self._act is None else activations.forward(self._act, z)
        return a, (x, z, a, (i, w, o))

    def backward(self, g, cache, need_input_grad=True):
        x, z, a, (i, w, o) = cache
        if self._act is None:
            g = _custom_activation_grad(self.activation, z, g, self.name)     # dL/dZ by autograd
        elif self._act != "linear":
            g = activations.backward(self._act, z, a, g)                        # dL/dZ = f'(Z) ⊙ dL/dA
        W = self.kernel.value
        grads = [contract_back(g, o, x, i, w, W.shape)]                         # dL/dW = einsum(G, X → W)
        if self.bias is not None:
            grads.append(unbroadcast(g, self.bias.shape))                       # dL/db = Σ G over the rest
        grads = [gr for v, gr in zip([self.kernel, self.bias], grads) if v.trainable]
        dx = contract_back(g, o, W, w, i, x.shape) if need_input_grad else None  # dL/dX = einsum(G, W → X)
        return dx, grads

    def get_config(self) -> dict:
        return {**super().get_config(), "output_shape": list(self.partial_output_shape),
                "equation": self.equation, "activation": activations.serialize(self.activation),
                "bias_axes": self.bias_axes,
                "kernel_initializer": initializers.serialize(self.kernel_initializer),
                "bias_initializer": initializers.serialize(self.bias_initializer),
                "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
                "bias_regularizer": regularizers.serialize(self.bias_regularizer)}
