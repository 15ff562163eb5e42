"""Preprocessing layers that do arithmetic on their inputs: ``Rescaling`` and ``Normalization``.

Both are affine maps y = a·x + b with a constant ``a``, so dL/dx = a · dL/dy.
"""

from __future__ import annotations

import numpy as np

from nbnet.layers.layer import Layer

EPSILON = 1e-7   # Keras's backend.epsilon(): the smallest standard deviation divided by


class Rescaling(Layer):
    """y = x · scale + offset (e.g. ``Rescaling(1 / 255)`` for pixel values).

    Parameters
    ----------
    scale, offset : float or array broadcastable to the inputs
    """

    supports_masking = True

    def __init__(self, scale, offset=0.0, **kwargs):
        super().__init__(**kwargs)
        self.scale, self.offset = scale, offset

    def forward(self, x, training=False):
        scale, offset = np.asarray(self.scale, x.dtype), np.asarray(self.offset, x.dtype)
        return x * scale + offset, np.broadcast_shapes(x.shape, scale.shape)

    def backward(self, g, shape, need_input_grad=True):
        return g * np.asarray(self.scale, g.dtype), []   # dL/dx = scale · dL/dy

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        def plain(v):
            return np.asarray(v).tolist() if isinstance(v, np.ndarray) else v
        return {**super().get_config(), "scale": plain(self.scale), "offset": plain(self.offset)}


class Normalization(Layer):
    """Standardize features: y = (x − μ) / max(σ, ε), with μ and σ² from ``adapt(data)`` or given.

    Parameters
    ----------
    axis : int, tuple of int or None
        The axes that keep their own statistics (default: the last, one μ and σ² per feature);
        ``None`` for one μ and σ² over everything.
    mean, variance : array_like, optional
        Fixed statistics instead of ``adapt``.
    invert : bool
        Undo a normalization instead: y = x · max(σ, ε) + μ.

    Weights (when adapted, as Keras): non-trainable ``mean``, ``variance`` and ``count``.
    """

    supports_masking = True

    def __init__(self, axis=-1, mean=None, variance=None, invert=False, **kwargs):
        super().__init__(**kwargs)
        self.axis = () if axis is None else ((axis,) if isinstance(axis, int) else tuple(axis))
        if (mean is None) != (variance is None):
            raise ValueError("Normalization: give both `mean` and `variance`, or neither (then call "
                             f"adapt()); got mean={mean!r} and variance={variance!r}")
        if mean is not None and np.shape(mean) != np.shape(variance):
            raise ValueError(f"Normalization: `mean` has shape {np.shape(mean)} but `variance` has "
                             f"shape {np.shape(variance)}")
        self.input_mean, self.input_variance, self.invert = mean, variance, invert

    def build(self, input_shape):
        ndim = len(input_shape)
        if any(not -ndim <= a < ndim for a in self.axis):
            raise ValueError(f"Normalization: axis {self.axis} is out of range for inputs of rank {ndim}")
        self._keep = tuple(sorted(a % ndim for a in self.axis))
        if any(input_shape[a] is None for a in self._keep):
            raise ValueError(f"Normalization: the kept axes {self._keep} must have known sizes, got "
                             f"input shape {tuple(input_shape)}")
        self._reduce = tuple(d for d in range(ndim) if d not in self._keep)
        self._broadcast = tuple(input_shape[d] if d in self._keep else 1 for d in range(ndim))
        stat_shape = tuple(input_shape[d] for d in self._keep)
        if self.input_mean is None:
            self.adapt_mean = self.add_weight(stat_shape, "zeros", trainable=False, name="mean")
            self.adapt_variance = self.add_weight(stat_shape, "ones", trainable=False, name="variance")
            self.count = self.add_weight((), "zeros", dtype="int64", trainable=False, name="count")
        self.built = True

    def _stats(self, dtype):
        if self.input_mean is not None:
            mean = np.broadcast_to(np.asarray(self.input_mean, dtype), self._stat_shape()).reshape(self._broadcast)
            var = np.broadcast_to(np.asarray(self.input_variance, dtype), self._stat_shape()).reshape(self._broadcast)
        else:
            mean = self.adapt_mean.value.reshape(self._broadcast).astype(dtype)
            var = self.adapt_variance.value.reshape(self._broadcast).astype(dtype)
        return mean, np.maximum(np.sqrt(var), np.asarray(EPSILON, dtype))

    def _stat_shape(self):
        return tuple(self._broadcast[d] for d in self._keep)

    def forward(self, x, training=False):
        mean, sd = self._stats(x.dtype)
        return (x * sd + mean if self.invert else (x - mean) / sd), sd

    def backward(self, g, sd, need_input_grad=True):
        return (g * sd if self.invert else g / sd), []   # dL/dx = dL/dy · σ (invert) or / σ

    def adapt(self, data) -> None:
        """Set μ and σ² (population variance) from ``data``: an array, or an iterable of batches
        (a list of arrays, a generator, a PyDataset), merged batch by batch."""
        batches = [data] if isinstance(data, np.ndarray) else data
        count, mean, m2 = 0, None, None
        for batch in batches:
            batch = np.asarray(batch[0] if isinstance(batch, tuple) else batch, dtype=np.float64)
            if not self.built:
                self._maybe_build((None,) + batch.shape[1:])
            n = int(np.prod([batch.shape[d] for d in self._reduce]))
            b_mean = batch.mean(axis=self._reduce)
            b_m2 = ((batch - b_mean.reshape(self._broadcast)) ** 2).sum(axis=self._reduce)
            if mean is None:
                count, mean, m2 = n, b_mean, b_m2
            else:   # Chan et al.: merge two groups' means and sums of squared deviations
                delta, total = b_mean - mean, count + n
                mean, m2 = mean + delta * n / total, m2 + b_m2 + delta ** 2 * count * n / total
                count = total
        if mean is None:
            raise ValueError("Normalization.adapt: received no data (an empty iterable)")
        if self.input_mean is not None:
            raise ValueError("Normalization.adapt: this layer was given fixed mean and variance")
        self.adapt_mean.assign(mean.reshape(self.adapt_mean.shape))
        self.adapt_variance.assign((m2 / count).reshape(self.adapt_variance.shape))
        self.count.assign(np.asarray(count, np.int64))

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        def plain(v):
            return np.asarray(v).tolist() if v is not None else None
        return {**super().get_config(), "axis": list(self.axis) if self.axis else None,
                "mean": plain(self.input_mean), "variance": plain(self.input_variance),
                "invert": self.invert}
