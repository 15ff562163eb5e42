"""Random numbers with Keras 3's signatures (``keras.random``), drawn with NumPy.

Every function takes ``seed``, which works as in Keras:

* an ``int``: the same numbers on every call with that seed (stateless);
* a :class:`SeedGenerator`: a reproducible *sequence* — each call advances it, so successive
  calls differ, and a generator built with the same seed replays the same sequence;
* ``None`` (default): nbnet's global generator, reseeded by ``nbnet.utils.set_random_seed``.

The numbers are NumPy's (PCG64), not those of Keras's backends; only the behaviour is the same.
"""

from __future__ import annotations

import numpy as np

from nbnet.autograd import Tensor, value_of
from nbnet.config import floatx
from nbnet.utils.naming import unique_name
from nbnet.utils.rng import generator
from nbnet.variables import Variable


class SeedGenerator:
    """A seed that advances at each use (``keras.random.SeedGenerator``).

    Parameters
    ----------
    seed : int, optional
        Initial seed; by default one drawn from nbnet's global generator.
    name : str, optional

    Examples
    --------
    >>> gen = SeedGenerator(42)
    >>> a, b = normal((2,), seed=gen), normal((2,), seed=gen)   # differ
    >>> gen2 = SeedGenerator(42)
    >>> bool((normal((2,), seed=gen2) == a).all())                # replays
    True
    """

    def __init__(self, seed: int | None = None, name: str | None = None, **kwargs):
        if kwargs:
            raise ValueError(f"SeedGenerator: unrecognized keyword arguments {sorted(kwargs)}")
        self.name = name or unique_name("seed_generator")
        self._initial_seed = seed
        if seed is None:
            seed = int(generator().integers(1, 10**9))
        if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool):
            raise ValueError(f"SeedGenerator: `seed` must be an integer, got {seed!r}")
        self.state = Variable(np.array([int(seed), 0], dtype=np.int64), name="seed_generator_state",
                              trainable=False)

    def next(self, ordered: bool = True) -> np.ndarray:
        """Return the current ``[seed, counter]`` and advance the counter."""
        current = self.state.value.copy()
        self.state.value[1] += 1
        return current

    def get_config(self) -> dict:
        return {"seed": self._initial_seed, "name": self.name}

    @classmethod
    def from_config(cls, config: dict) -> SeedGenerator:
        return cls(**config)


def _rng(seed) -> np.random.Generator:
    """The NumPy generator for a Keras-style ``seed`` (int, SeedGenerator or None)."""
    if seed is None:
        return generator()
    if isinstance(seed, SeedGenerator):
        return np.random.default_rng([int(s) for s in seed.next()])
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool):
        return np.random.default_rng([int(seed) & 0xFFFFFFFFFFFFFFFF, 0])
    raise ValueError("`seed` must be an integer, a nbnet.random.SeedGenerator or None; got "
                     f"{seed!r} (of type {type(seed).__name__})")


def _shape(shape) -> tuple:
    return tuple(int(s) for s in (shape if isinstance(shape, (tuple, list)) else (shape,)))


def normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None) -> np.ndarray:
    """Samples of N(mean, stddev²) with the given shape."""
    return _rng(seed).normal(mean, stddev, _shape(shape)).astype(dtype or floatx())


def uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None) -> np.ndarray:
    """Samples of U[minval, maxval)."""
    return _rng(seed).uniform(minval, maxval, _shape(shape)).astype(dtype or floatx())


def randint(shape, minval, maxval, dtype="int32", seed=None) -> np.ndarray:
    """Integers drawn uniformly from ``[minval, maxval)``."""
    return _rng(seed).integers(minval, maxval, _shape(shape)).astype(dtype)


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None) -> np.ndarray:
    """N(mean, stddev²) samples, each redrawn until it lies within two standard deviations."""
    rng, shape = _rng(seed), _shape(shape)
    z = rng.standard_normal(shape)
    bad = np.abs(z) > 2.0
    while bad.any():
        z[bad] = rng.standard_normal(int(bad.sum()))
        bad = np.abs(z) > 2.0
    return (mean + stddev * z).astype(dtype or floatx())


def dropout(inputs, rate, noise_shape=None, seed=None):
    """Zero each entry with probability ``rate`` and scale the rest by ``1 / (1 − rate)``.

    Differentiable in ``inputs`` (a Tensor stays on the tape): dL/dx = mask ⊙ dL/dy.
    """
    if not 0 <= rate < 1:
        raise ValueError(f"dropout: `rate` must be in [0, 1), got {rate!r}")
    x = value_of(inputs)
    shape = x.shape if noise_shape is None else tuple(
        x.shape[i] if d is None else d for i, d in enumerate(noise_shape))
    keep = (_rng(seed).random(shape) >= rate).astype(x.dtype) / np.asarray(1 - rate, x.dtype)
    if isinstance(inputs, Tensor):
        from nbnet import ops
        return ops.multiply(inputs, keep)
    return x * keep


def shuffle(x, axis=0, seed=None):
    """``x`` with its entries along ``axis`` in a random order."""
    values = np.asarray(value_of(x))
    order = _rng(seed).permutation(values.shape[axis])
    if isinstance(x, Tensor):
        from nbnet import ops
        return ops.take(x, order, axis=axis)
    return np.take(values, order, axis=axis)


def categorical(logits, num_samples, dtype="int32", seed=None) -> np.ndarray:
    """Class indices drawn from softmax(logits) of each row: shape ``(batch, num_samples)``.

    Uses the Gumbel-max trick: argmax_k (z_k + G_k), G_k ~ Gumbel(0, 1), has probability
    softmax(z)_k.
    """
    z = np.asarray(value_of(logits), dtype=np.float64)
    if z.ndim != 2:
        raise ValueError(f"categorical: `logits` must have shape (batch, classes), got {z.shape}")
    g = _rng(seed).gumbel(size=(z.shape[0], int(num_samples), z.shape[1]))
    return np.argmax(z[:, None, :] + g, axis=-1).astype(dtype)


def gamma(shape, alpha, dtype=None, seed=None) -> np.ndarray:
    """Gamma(alpha, 1) samples."""
    return _rng(seed).gamma(alpha, 1.0, _shape(shape)).astype(dtype or floatx())


def beta(shape, alpha, beta, dtype=None, seed=None) -> np.ndarray:
    """Beta(alpha, beta) samples."""
    return _rng(seed).beta(alpha, beta, _shape(shape)).astype(dtype or floatx())


def binomial(shape, counts, probabilities, dtype=None, seed=None) -> np.ndarray:
    """Binomial(counts, probabilities) samples (as floats by default, as in Keras)."""
    return _rng(seed).binomial(counts, probabilities, _shape(shape)).astype(dtype or floatx())


__all__ = ["SeedGenerator", "beta", "binomial", "categorical", "dropout", "gamma", "normal",
           "randint", "shuffle", "truncated_normal", "uniform"]
