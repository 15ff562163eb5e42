"""``Embedding`` (integer ids → dense vectors) and ``Masking`` (skip padded time steps)."""

from __future__ import annotations

import numpy as np

from nbnet import initializers, regularizers
from nbnet.autograd import value_of
from nbnet.layers.layer import Layer


class Embedding(Layer):
    """Look up row ``i`` of a learned table for every integer id ``i``: ``output = E[inputs]``.

    Parameters
    ----------
    input_dim : int
        Vocabulary size: ids are in ``[0, input_dim)``.
    output_dim : int
        Size of each vector.
    embeddings_initializer : default ``"uniform"`` (Keras's: U(−0.05, 0.05))
    embeddings_regularizer : optional
    mask_zero : bool
        Treat id 0 as padding: the layer emits the mask ``inputs != 0`` for downstream layers.

    Shapes
    ------
    (N, ...) integer ids → (N, ..., output_dim).  Weight ``embeddings (input_dim, output_dim)``.
    """

    def __init__(self, input_dim: int, output_dim: int, embeddings_initializer="uniform",
                 embeddings_regularizer=None, mask_zero: bool = False, input_length=None, **kwargs):
        super().__init__(**kwargs)
        for arg, v in (("input_dim", input_dim), ("output_dim", output_dim)):
            if not isinstance(v, (int, np.integer)) or isinstance(v, bool) or v <= 0:
                raise ValueError(f"Embedding: `{arg}` must be a positive integer, got {v!r}")
        self.input_dim, self.output_dim = int(input_dim), int(output_dim)
        self.embeddings_initializer = initializers.get(
            "random_uniform" if embeddings_initializer == "uniform" else embeddings_initializer)
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer)
        self.mask_zero = mask_zero
        self.supports_masking = mask_zero
        self.input_length = input_length

    def build(self, input_shape) -> None:
        self.embeddings = self.add_weight((self.input_dim, self.output_dim), self.embeddings_initializer,
                                          regularizer=self.embeddings_regularizer, name="embeddings")
        self.built = True

    def compute_output_shape(self, input_shape):
        return tuple(input_shape) + (self.output_dim,)

    def compute_mask(self, inputs, mask=None):
        return np.not_equal(value_of(inputs), 0) if self.mask_zero else None

    def forward(self, x, training=False):
        ids = np.asarray(x).astype(np.int64)
        if ids.size and (ids.min() < 0 or ids.max() >= self.input_dim):
            bad = ids[(ids < 0) | (ids >= self.input_dim)].flat[0]
            raise ValueError(f'Layer "{self.name}": ids must be in [0, {self.input_dim}) '
                             f"(input_dim={self.input_dim}), got {bad}")
        return self.embeddings.value[ids], ids              # E[ids]

    def backward(self, g, ids, need_input_grad=True):
        dE = np.zeros_like(self.embeddings.value)
        np.add.at(dE, ids, g)                               # dL/dE[i] = Σ over positions holding id i
        return None, [dE]                                   # ids are integers: no gradient

    def get_config(self) -> dict:
        return {**super().get_config(), "input_dim": self.input_dim, "output_dim": self.output_dim,
                "embeddings_initializer": initializers.serialize(self.embeddings_initializer),
                "embeddings_regularizer": regularizers.serialize(self.embeddings_regularizer),
                "mask_zero": self.mask_zero}


class Masking(Layer):
    """Mark the time steps whose features all equal ``mask_value`` as padding.

    The output is the input with masked steps zeroed (as Keras 3); the mask
    ``any(inputs != mask_value, axis=-1)`` (N, T) travels to the downstream layers.

    Parameters
    ----------
    mask_value : float
    """

    supports_masking = True

    def __init__(self, mask_value: float = 0.0, **kwargs):
        super().__init__(**kwargs)
        self.mask_value = mask_value

    def compute_mask(self, inputs, mask=None):
        return np.any(np.not_equal(value_of(inputs), self.mask_value), axis=-1)

    def compute_output_shape(self, input_shape):
        return input_shape

    def forward(self, x, training=False):
        keep = self.compute_mask(x)[..., None].astype(x.dtype)
        return x * keep, keep

    def backward(self, g, keep, need_input_grad=True):
        return g * keep, []                                 # dL/dx = m ⊙ dL/dy

    def get_config(self) -> dict:
        return {**super().get_config(), "mask_value": self.mask_value}
