"""Normalization layers: BatchNormalization and LayerNormalization.

Both standardize, then scale and shift (the book's notation)::

    x̂ = (x − μ) / √(σ² + ε)        y = γ ⊙ x̂ + β

BatchNormalization takes μ, σ² over the batch (and every axis but the feature ``axis``) while
training, and its moving averages at inference; LayerNormalization takes them over the feature
axes of each sample.  Backward receives ``G = dL/dy``.
"""

from __future__ import annotations

import numpy as np

from nbnet import initializers, regularizers
from nbnet.layers.input_spec import InputSpec
from nbnet.layers.layer import Layer


def _standardize_backward(dxhat, xhat, inv, axes):
    """dL/dx when μ and σ² were computed from x itself over ``axes`` (m values each).

    The compact formula: ``dx = (1/σ) (dx̂ − mean(dx̂) − x̂ · mean(dx̂ ⊙ x̂))`` — the second term is
    the path through μ, the third the path through σ².
    """
    return inv * (dxhat - dxhat.mean(axis=axes, keepdims=True)
                  - xhat * (dxhat * xhat).mean(axis=axes, keepdims=True))


def _unsupported(layer: str, **options) -> None:
    for name, value in options.items():
        if value:
            raise NotImplementedError(f"{layer}: `{name}` is not supported by nbnet (got {value!r}); "
                                      "leave it at its default")


class BatchNormalization(Layer):
    """Normalize each feature with batch statistics while training, moving averages at inference.

    Parameters
    ----------
    axis : int
        The feature axis (default ``-1``, channels-last).
    momentum : float
        ``moving = moving · momentum + batch · (1 − momentum)`` (default 0.99).
    epsilon : float
        Added to the variance (default 1e-3).
    center, scale : bool
        Learn β / γ (default both).

    Shapes
    ------
    Output has the input's shape.  Weights, each ``(C,)``: ``gamma``, ``beta`` (trainable), then
    ``moving_mean``, ``moving_variance`` (non-trainable) — Keras's order.  A frozen layer
    (``trainable=False``) always uses the moving statistics, as in Keras.
    """

    def __init__(self, axis: int = -1, momentum: float = 0.99, epsilon: float = 1e-3, center: bool = True,
                 scale: bool = True, beta_initializer="zeros", gamma_initializer="ones",
                 moving_mean_initializer="zeros", moving_variance_initializer="ones",
                 beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
                 gamma_constraint=None, renorm=False, renorm_clipping=None, renorm_momentum=0.99,
                 synchronized=False, **kwargs):
        super().__init__(**kwargs)
        _unsupported("BatchNormalization", beta_constraint=beta_constraint, gamma_constraint=gamma_constraint,
                     renorm=renorm, synchronized=synchronized)
        self.axis, self.momentum, self.epsilon = int(axis), float(momentum), float(epsilon)
        self.center, self.scale = bool(center), bool(scale)
        self.renorm_clipping, self.renorm_momentum = renorm_clipping, renorm_momentum
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.gamma = self.beta = None

    def build(self, input_shape) -> None:
        rank = len(input_shape)
        if not -rank <= self.axis < rank or self.axis % rank == 0 and rank > 1:
            raise ValueError(f'Layer "{self.name}" (BatchNormalization): axis {self.axis} is invalid for '
                             f"input shape {tuple(input_shape)}")
        c = input_shape[self.axis]
        if c is None:
            raise ValueError(f'Layer "{self.name}": the feature axis {self.axis} of the input must be '
                             f"known, got input shape {tuple(input_shape)}")
        if self.scale:
            self.gamma = self.add_weight((c,), self.gamma_initializer, regularizer=self.gamma_regularizer,
                                         name="gamma")
        if self.center:
            self.beta = self.add_weight((c,), self.beta_initializer, regularizer=self.beta_regularizer,
                                        name="beta")
        self.moving_mean = self.add_weight((c,), self.moving_mean_initializer, trainable=False,
                                           name="moving_mean")
        self.moving_variance = self.add_weight((c,), self.moving_variance_initializer, trainable=False,
                                               name="moving_variance")
        self._axis = self.axis % rank
        self._reduce = tuple(a for a in range(rank) if a != self._axis)
        self.input_spec = InputSpec(ndim=rank, axes={self.axis: c})
        self.built = True

    def compute_output_shape(self, input_shape):
        return input_shape

    def _b(self, v):
        """Reshape a ``(C,)`` vector to broadcast against the input."""
        shape = [1] * (len(self._reduce) + 1)
        shape[self._axis] = -1
        return v.reshape(shape)

    def forward(self, x, training=False):
        use_batch = bool(training) and self.trainable
        if use_batch:
            mu, var = x.mean(axis=self._reduce), x.var(axis=self._reduce)    # batch μ, σ² (biased)
            m = self.momentum
            self.moving_mean.assign(self.moving_mean.value * m + mu * (1 - m))
            self.moving_variance.assign(self.moving_variance.value * m + var * (1 - m))
        else:
            mu, var = self.moving_mean.value, self.moving_variance.value
        inv = self._b(1.0 / np.sqrt(var + self.epsilon)).astype(x.dtype)     # 1/√(σ² + ε)
        xhat = (x - self._b(mu).astype(x.dtype)) * inv                        # x̂ = (x − μ)/√(σ² + ε)
        y = xhat * self._b(self.gamma.value) if self.scale else xhat.copy()  # y = γ x̂
        if self.center:
            y += self._b(self.beta.value)                                     #     + β
        return y, (xhat, inv, use_batch)

    def backward(self, g, cache, need_input_grad=True):
        xhat, inv, use_batch = cache
        grads = []
        if self.scale and self.gamma.trainable:
            grads.append((g * xhat).sum(axis=self._reduce))                  # dL/dγ = Σ G ⊙ x̂
        if self.center and self.beta.trainable:
            grads.append(g.sum(axis=self._reduce))                            # dL/dβ = Σ G
        if not need_input_grad:
            return None, grads
        dxhat = g * self._b(self.gamma.value) if self.scale else g           # dL/dx̂ = G γ
        if use_batch:
            return _standardize_backward(dxhat, xhat, inv, self._reduce), grads
        return dxhat * inv, grads                   # μ, σ² are constants at inference: dx = dx̂/√(σ²+ε)

    def get_config(self):
        ser = initializers.serialize
        return {**super().get_config(), "axis": self.axis, "momentum": self.momentum,
                "epsilon": self.epsilon, "center": self.center, "scale": self.scale,
                "beta_initializer": ser(self.beta_initializer),
                "gamma_initializer": ser(self.gamma_initializer),
                "moving_mean_initializer": ser(self.moving_mean_initializer),
                "moving_variance_initializer": ser(self.moving_variance_initializer),
                "beta_regularizer": regularizers.serialize(self.beta_regularizer),
                "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
                "beta_constraint": None, "gamma_constraint": None, "synchronized": False,
                "renorm": False, "renorm_clipping": self.renorm_clipping,
                "renorm_momentum": self.renorm_momentum}


class LayerNormalization(Layer):
    """Normalize each sample over its feature axes (no batch statistics, same in training and inference).

    Parameters
    ----------
    axis : int or list of int
        The axes to normalize over (default ``-1``); γ and β have their sizes.
    epsilon : float
        Added to the variance (default 1e-3, Keras 3's).
    center, scale : bool
        Learn β / γ (default both).

    Shapes
    ------
    Output has the input's shape.  Weights: ``gamma`` then ``beta``, shaped like the ``axis`` sizes.
    """

    def __init__(self, axis=-1, epsilon: float = 1e-3, center: bool = True, scale: bool = True,
                 beta_initializer="zeros", gamma_initializer="ones", beta_regularizer=None,
                 gamma_regularizer=None, beta_constraint=None, gamma_constraint=None, rms_scaling=False,
                 **kwargs):
        super().__init__(**kwargs)
        _unsupported("LayerNormalization", beta_constraint=beta_constraint, gamma_constraint=gamma_constraint,
                     rms_scaling=rms_scaling)
        if not isinstance(axis, (int, list, tuple)):
            raise TypeError(f"LayerNormalization: `axis` must be an int or a list of ints, got {axis!r}")
        self.axis = list(axis) if isinstance(axis, (list, tuple)) else int(axis)
        self.epsilon, self.center, self.scale = float(epsilon), bool(center), bool(scale)
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.gamma = self.beta = None

    def build(self, input_shape) -> None:
        rank = len(input_shape)
        axes = self.axis if isinstance(self.axis, list) else [self.axis]
        if any(not -rank <= a < rank for a in axes) or any(a % rank == 0 for a in axes):
            raise ValueError(f'Layer "{self.name}" (LayerNormalization): axis {self.axis} is invalid for '
                             f"input shape {tuple(input_shape)}")
        self._axes = tuple(sorted(a % rank for a in axes))
        shape = tuple(input_shape[a] for a in self._axes)
        if None in shape:
            raise ValueError(f'Layer "{self.name}": the normalized axes {self.axis} must have known sizes, '
                             f"got input shape {tuple(input_shape)}")
        self._bshape = tuple(input_shape[a] if a in self._axes else 1 for a in range(rank))
        self._others = tuple(a for a in range(rank) if a not in self._axes)
        if self.scale:
            self.gamma = self.add_weight(shape, self.gamma_initializer, regularizer=self.gamma_regularizer,
                                         name="gamma")
        if self.center:
            self.beta = self.add_weight(shape, self.beta_initializer, regularizer=self.beta_regularizer,
                                        name="beta")
        self.input_spec = InputSpec(ndim=rank, axes={a: input_shape[a] for a in self._axes})
        self.built = True

    def compute_output_shape(self, input_shape):
        return input_shape

    def forward(self, x, training=False):
        mu = x.mean(axis=self._axes, keepdims=True)                           # μ per sample
        var = x.var(axis=self._axes, keepdims=True)                           # σ² per sample
        inv = (1.0 / np.sqrt(var + self.epsilon)).astype(x.dtype)
        xhat = (x - mu) * inv                                                 # x̂ = (x − μ)/√(σ² + ε)
        y = xhat * self.gamma.value.reshape(self._bshape) if self.scale else xhat.copy()   # y = γ x̂
        if self.center:
            y += self.beta.value.reshape(self._bshape)                        #     + β
        return y, (xhat, inv)

    def backward(self, g, cache, need_input_grad=True):
        xhat, inv = cache
        grads = []
        if self.scale and self.gamma.trainable:
            grads.append((g * xhat).sum(axis=self._others).reshape(self.gamma.shape))   # dL/dγ = Σ G ⊙ x̂
        if self.center and self.beta.trainable:
            grads.append(g.sum(axis=self._others).reshape(self.beta.shape))            # dL/dβ = Σ G
        if not need_input_grad:
            return None, grads
        dxhat = g * self.gamma.value.reshape(self._bshape) if self.scale else g          # dL/dx̂ = G γ
        return _standardize_backward(dxhat, xhat, inv, self._axes), grads

    def get_config(self):
        return {**super().get_config(), "axis": self.axis, "epsilon": self.epsilon, "center": self.center,
                "scale": self.scale, "rms_scaling": False,
                "beta_initializer": initializers.serialize(self.beta_initializer),
                "gamma_initializer": initializers.serialize(self.gamma_initializer),
                "beta_regularizer": regularizers.serialize(self.beta_regularizer),
                "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
                "beta_constraint": None, "gamma_constraint": None}
