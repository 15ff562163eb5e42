"""Core layers: Dense, Activation, Dropout, Flatten, Reshape.

Notation (the book's): a batch of inputs X has shape (N, n_in); a dense layer computes
``Z = X W + b`` and ``A = f(Z)``.  Backward receives G = dL/dA and returns dL/dX, dL/dW, dL/db.
"""

from __future__ import annotations

import math

import numpy as np

from nbnet import activations, initializers, regularizers
from nbnet.autograd import GradientTape, Tensor
from nbnet.layers.input_layer import KerasTensor
from nbnet.layers.input_spec import InputSpec, check_input
from nbnet.layers.layer import Layer
from nbnet.utils.rng import generator


class Dense(Layer):
    """Fully connected layer: ``output = activation(inputs @ kernel + bias)``.

    Parameters
    ----------
    units : int
        Number of neurons, the size of the last output axis.
    activation : str or callable, optional
        Default ``None`` (linear).
    use_bias : bool
        Default ``True``.
    kernel_initializer, bias_initializer : str or Initializer
        Defaults ``"glorot_uniform"`` and ``"zeros"``.
    kernel_regularizer, bias_regularizer : str or Regularizer, optional

    Shapes
    ------
    Input ``(N, ..., n_in)`` → output ``(N, ..., units)``.  Weights: ``kernel (n_in, units)``,
    then ``bias (units,)``.
    """

    supports_masking = True   # a mask passes through unchanged (Keras)

    def __init__(self, units: int, activation=None, use_bias: bool = True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(units, (int, np.integer)) or isinstance(units, bool) or units <= 0:
            raise ValueError(f"Dense: `units` must be a positive integer, got {units!r}")
        self.units = int(units)
        self.activation = activations.get(activation)
        self._act = activations.name_of(self.activation)
        self._split_activation = self._act if self._act in ("softmax", "sigmoid") else None
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.input_spec = InputSpec(min_ndim=2)

    def build(self, input_shape) -> None:
        check_input(self, [KerasTensor(input_shape)])   # Keras's "expected min_ndim=2" before all else
        n_in = input_shape[-1]
        if n_in is None:
            raise ValueError(f'Layer "{self.name}": the last axis of the input must be known, got {input_shape}')
        self.kernel = self.add_weight((n_in, self.units), self.kernel_initializer,
                                      regularizer=self.kernel_regularizer, name="kernel")
        self.bias = (self.add_weight((self.units,), self.bias_initializer,
                                     regularizer=self.bias_regularizer, name="bias")
                     if self.use_bias else None)
        self.input_spec = InputSpec(min_ndim=2, axes={-1: n_in})
        self.built = True

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    def forward(self, x, training=False, activate=True):
        z = x @ self.kernel.value                      # Z = X W
        if self.use_bias:
            z += self.bias.value                       #   + b
        if self._act == "linear" or not activate:
            return z, (x, z, z, activate)
        if self._act is None:                          # a custom activation function
            a = np.asarray(self.activation(z))
        else:
            a = activations.forward(self._act, z)      # A = f(Z)
        return a, (x, z, a, activate)

    def backward(self, g, cache, need_input_grad=True):
        x, z, a, activate = cache
        if activate and self._act is None:
            g = _custom_activation_grad(self.activation, z, g, self.name)   # dL/dZ by autograd
        elif activate and self._act != "linear":
            g = activations.backward(self._act, z, a, g)   # dL/dZ = f'(Z) ⊙ dL/dA
        x2 = x.reshape(-1, x.shape[-1])
        g2 = g.reshape(-1, self.units)
        grads = [x2.T @ g2]                                # dL/dW = Xᵀ dL/dZ
        if self.use_bias:
            grads.append(g2.sum(axis=0))                   # dL/db = Σ_batch dL/dZ
        dx = g @ self.kernel.value.T if need_input_grad else None   # dL/dX = dL/dZ Wᵀ
        return dx, grads

    def get_config(self) -> dict:
        return {**super().get_config(), "units": self.units,
                "activation": activations.serialize(self.activation), "use_bias": self.use_bias,
                "kernel_initializer": initializers.serialize(self.kernel_initializer),
                "bias_initializer": initializers.serialize(self.bias_initializer),
                "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
                "bias_regularizer": regularizers.serialize(self.bias_regularizer)}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _custom_activation_grad(fn, z, g, layer_name):
    """dL/dZ = f'(Z) ⊙ dL/dA for a custom activation ``fn``, by autograd through its ``nbnet.ops``."""
    with GradientTape() as tape:
        zt = Tensor(z, requires_grad=True)
        a = fn(zt)
    if not isinstance(a, Tensor):
        raise TypeError(f'Layer "{layer_name}": the custom activation returned {type(a).__name__}; '
                        "to be differentiable it must use nbnet.ops / nbnet.activations functions")
    dz = tape.gradient(a, [zt], output_gradients=g)[0]
    return np.zeros_like(z) if dz is None else dz


class Activation(Layer):
    """Apply an activation function elementwise: ``output = f(inputs)``.

    Parameters
    ----------
    activation : str or callable
    """

    supports_masking = True   # a mask passes through unchanged (Keras)

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.activation = activations.get(activation)
        self._act = activations.name_of(self.activation)
        self._fused = self._act is not None  # custom functions are differentiated by autograd
        self._split_activation = self._act if self._act in ("softmax", "sigmoid") else None

    def call(self, inputs, training=False):
        if self._fused:
            return self.forward(inputs)[0]
        return self.activation(inputs)

    def forward(self, x, training=False, activate=True):
        if not activate:
            return x, (x, x, False)
        a = activations.forward(self._act, x)
        return a, (x, a, True)

    def backward(self, g, cache, need_input_grad=True):
        z, a, activate = cache
        return (activations.backward(self._act, z, a, g) if activate else g), []

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "activation": activations.serialize(self.activation)}


class Dropout(Layer):
    """Randomly zero a fraction ``rate`` of the inputs while training; identity at inference.

    Kept values are scaled by ``1 / (1 - rate)`` ("inverted dropout") so the expected
    activation is the same in training and inference.

    Parameters
    ----------
    rate : float
        Fraction of inputs to drop, in [0, 1).
    noise_shape : tuple, optional
        Shape of the keep-mask, broadcast against the input (``None`` entries take the input's size).
    seed : int, optional
    """

    supports_masking = True   # a mask passes through unchanged (Keras)

    def __init__(self, rate: float, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        if not 0 <= rate < 1:
            raise ValueError(f"Dropout: `rate` must be in [0, 1), got {rate!r}")
        self.rate, self.noise_shape, self.seed = float(rate), noise_shape, seed
        self._rng = np.random.default_rng(seed) if seed is not None else None

    def forward(self, x, training=False):
        if not training or self.rate == 0:
            return x, None
        shape = x.shape if self.noise_shape is None else tuple(
            x.shape[i] if d is None else d for i, d in enumerate(self.noise_shape))
        rng = self._rng or generator()
        keep = (rng.random(shape, dtype=np.float32) >= self.rate) / np.asarray(1 - self.rate, x.dtype)
        return x * keep, keep

    def backward(self, g, keep, need_input_grad=True):
        return (g if keep is None else g * keep), []   # dL/dx = mask ⊙ dL/dy

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "noise_shape": self.noise_shape,
                "seed": self.seed}


class Flatten(Layer):
    """Flatten every axis but the batch axis: ``(N, d1, d2, ...)`` → ``(N, d1·d2·...)``."""

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = data_format

    def forward(self, x, training=False):
        return x.reshape(x.shape[0], -1), x.shape

    def backward(self, g, shape, need_input_grad=True):
        return g.reshape(shape), []

    def compute_output_shape(self, input_shape):
        rest = input_shape[1:]
        return (input_shape[0], None if None in rest else math.prod(rest))

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format}


class Reshape(Layer):
    """Reshape each sample to ``target_shape`` (one entry may be ``-1``).

    Shapes
    ------
    ``(N, *s)`` → ``(N, *target_shape)``, with ``prod(s) == prod(target_shape)``.
    """

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        self.target_shape = tuple(int(d) for d in target_shape)

    def compute_output_shape(self, input_shape):
        n_in = math.prod(input_shape[1:]) if None not in input_shape[1:] else None
        target = list(self.target_shape)
        if -1 in target and n_in is not None:
            known = math.prod(d for d in target if d != -1)
            target[target.index(-1)] = n_in // known
        n_out = math.prod(target)
        if n_in is not None and -1 not in target and n_out != n_in:
            raise ValueError(f'Layer "{self.name}": cannot reshape an input of shape {tuple(input_shape)} '
                             f"({n_in} values per sample) to target_shape {self.target_shape} "
                             f"({n_out} values)")
        return (input_shape[0], *target)

    def build(self, input_shape):
        self.compute_output_shape(input_shape)
        self.built = True

    def forward(self, x, training=False):
        return x.reshape((x.shape[0],) + self.target_shape), x.shape

    def backward(self, g, shape, need_input_grad=True):
        return g.reshape(shape), []

    def get_config(self):
        return {**super().get_config(), "target_shape": list(self.target_shape)}
