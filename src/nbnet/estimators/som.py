r"""Kohonen's self-organising map: competitive learning on a grid of units, no backpropagation.

Each unit :math:`k` of a 2-D grid at position :math:`g_k` holds a weight vector :math:`w_k` in the
data space.  For one sample :math:`x` (online learning, samples in random order each epoch):

.. math::

    c &= \arg\min_k \lVert x - w_k \rVert                   && \text{best-matching unit (the competition)} \\
    h_k &= \exp\!\big(-\lVert g_k - g_c \rVert^2 / 2\sigma(t)^2\big)   && \text{neighbourhood on the grid} \\
    w_k &\leftarrow w_k + \eta(t)\, h_k\, (x - w_k)         && \text{winner and neighbours move towards } x

with the learning rate :math:`\eta` and the width :math:`\sigma` decaying exponentially from their
initial to their final values over all updates.  There is no loss whose gradient this follows
exactly; the map orders itself because neighbours on the grid are pulled towards the same samples.
"""

from __future__ import annotations

import numbers

import numpy as np

from nbnet.estimators.base import BaseEstimator, Timer, check_array, check_random_state


class SelfOrganizingMap(BaseEstimator):
    """Kohonen network (self-organising map, SOM) on a rectangular grid, trained online.

    Parameters
    ----------
    grid_shape : tuple of 2 ints, default (10, 10)
        Rows and columns of the map.
    n_iter : int, default 10
        Epochs (passes over the data in random order).
    learning_rate : float, default 0.5
        Initial learning rate ``eta``.
    learning_rate_final : float, default 0.01
        Learning rate at the last update.
    sigma : float or None, default None
        Initial neighbourhood width in grid units; ``None`` is half the larger side of the grid.
    sigma_final : float, default 0.5
        Width at the last update.
    init : {"random", "sample"}, default "random"
        Initial weights: the data mean plus small Gaussian noise (1 % of each feature's standard
        deviation; Kohonen's "small random values", so the map starts unordered and unspread), or
        randomly chosen data rows.
    verbose : int, default 0
        Print both errors after each epoch when non-zero.
    random_state : None, int or numpy Generator
        Seeds the initial weights (random samples of the data) and the sample order.

    Attributes
    ----------
    weights_ : ndarray of shape (n_units, n_features)
        ``w_k`` for the units in row-major grid order.
    grid_ : ndarray of shape (n_units, 2)
        Grid coordinates (row, column) of each unit.
    quantization_errors_, topographic_errors_ : ndarray of shape (n_iter + 1,)
        Both errors on the training data before training and after each epoch.
    """

    def __init__(self, grid_shape: tuple[int, int] = (10, 10), *, n_iter: int = 10, learning_rate: float = 0.5,
                 learning_rate_final: float = 0.01, sigma: float | None = None, sigma_final: float = 0.5,
                 init: str = "random", verbose: int = 0, random_state=None):
        self.grid_shape = grid_shape
        self.n_iter = n_iter
        self.learning_rate = learning_rate
        self.learning_rate_final = learning_rate_final
        self.sigma = sigma
        self.sigma_final = sigma_final
        self.init = init
        self.verbose = verbose
        self.random_state = random_state

    def _check_params(self) -> None:
        shape = np.asarray(self.grid_shape)
        if shape.shape != (2,) or shape.dtype.kind not in "iu" or shape.min() < 1 or shape.prod() < 2:
            raise ValueError(f"SelfOrganizingMap: grid_shape must be 2 positive ints with at least 2 units, "
                             f"got {self.grid_shape!r}")
        if not isinstance(self.n_iter, numbers.Integral) or isinstance(self.n_iter, bool) or self.n_iter < 0:
            raise ValueError(f"SelfOrganizingMap: n_iter must be an int >= 0, got {self.n_iter!r}")
        names = ("learning_rate", "learning_rate_final", "sigma_final")
        for name in names + (("sigma",) if self.sigma is not None else ()):
            value = getattr(self, name)
            if not isinstance(value, numbers.Real) or isinstance(value, bool) or not 0 < value < np.inf:
                raise ValueError(f"SelfOrganizingMap: {name} must be a finite number > 0, got {value!r}")

    def _schedule(self, n_updates: int) -> tuple[np.ndarray, np.ndarray]:
        """Exponential decay of eta and sigma from their initial to their final values: two ``(n_updates,)``."""
        fraction = np.arange(n_updates) / max(n_updates - 1, 1)
        sigma0 = self.sigma if self.sigma is not None else max(self.grid_shape) / 2
        eta = self.learning_rate * (self.learning_rate_final / self.learning_rate) ** fraction
        sigma = sigma0 * (self.sigma_final / sigma0) ** fraction
        return eta, sigma

    def fit(self, X, y=None) -> SelfOrganizingMap:
        """Train on data ``(n_samples, n_features)`` for ``n_iter`` epochs."""
        X = check_array(X, "SelfOrganizingMap.fit", dtype=np.float64)
        self._check_params()
        rng = check_random_state(self.random_state)
        rows, cols = (int(g) for g in self.grid_shape)
        self.grid_ = np.indices((rows, cols)).reshape(2, -1).T.astype(float)
        self.weights_ = self._initial_weights(X, rows * cols, rng)
        self.n_features_in_ = X.shape[1]
        eta, sigma = self._schedule(self.n_iter * len(X))
        qe, te, timer = [self.quantization_error(X)], [self.topographic_error(X)], Timer()
        for epoch in range(self.n_iter):
            for step, i in enumerate(rng.permutation(len(X))):
                t = epoch * len(X) + step
                self._update(X[i], eta[t], sigma[t])
            qe.append(self.quantization_error(X))
            te.append(self.topographic_error(X))
            self._log(f"Epoch {epoch + 1}, quantization error = {qe[-1]:.4f}, "
                      f"topographic error = {te[-1]:.4f}, time = {timer():.2f}s")
        self.quantization_errors_, self.topographic_errors_ = np.array(qe), np.array(te)
        return self

    def _initial_weights(self, X: np.ndarray, n_units: int, rng) -> np.ndarray:
        if self.init == "sample":
            return X[rng.integers(0, len(X), n_units)].copy()
        if self.init != "random":
            raise ValueError(f"SelfOrganizingMap: init must be 'random' or 'sample', got {self.init!r}")
        return X.mean(0) + 0.01 * X.std(0) * rng.standard_normal((n_units, X.shape[1]))

    def _update(self, x: np.ndarray, eta: float, sigma: float) -> None:
        """One Kohonen step for the sample ``x`` of shape ``(n_features,)``."""
        diff = x - self.weights_
        c = np.argmin(np.einsum("kd,kd->k", diff, diff))
        grid_dist2 = ((self.grid_ - self.grid_[c]) ** 2).sum(axis=1)
        h = np.exp(-grid_dist2 / (2.0 * sigma ** 2))
        self.weights_ += (eta * h)[:, None] * diff

    def _distances(self, X: np.ndarray) -> np.ndarray:
        """Squared distances from each sample to each unit: ``(n_samples, n_units)``."""
        d2 = (X ** 2).sum(1)[:, None] - 2 * X @ self.weights_.T + (self.weights_ ** 2).sum(1)[None]
        return np.maximum(d2, 0.0)

    def transform(self, X) -> np.ndarray:
        """Grid coordinates (row, column) of each sample's best-matching unit: ``(n_samples, 2)`` ints."""
        best = self.predict(X)
        return self.grid_[best].astype(np.int64)

    def predict(self, X) -> np.ndarray:
        """Index (row-major) of each sample's best-matching unit: ``(n_samples,)``."""
        return np.argmin(self._distances(self._check(X, "predict")), axis=1)

    def quantization_error(self, X) -> float:
        """Mean Euclidean distance from each sample to the weights of its best-matching unit."""
        d2 = self._distances(self._check(X, "quantization_error"))
        return float(np.sqrt(d2.min(axis=1)).mean())

    def topographic_error(self, X) -> float:
        """Fraction of samples whose best and second-best units are not grid neighbours.

        Neighbours are the 8 units around a unit (Chebyshev distance 1 on the grid).
        """
        d2 = self._distances(self._check(X, "topographic_error"))
        best_two = np.argsort(d2, axis=1)[:, :2]
        gap = np.abs(self.grid_[best_two[:, 0]] - self.grid_[best_two[:, 1]]).max(axis=1)
        return float(np.mean(gap > 1))

    def unit_weights(self) -> np.ndarray:
        """The weights as a grid: ``(rows, columns, n_features)`` (for drawing the map)."""
        self._check_is_fitted("weights_")
        return self.weights_.reshape(*(int(g) for g in self.grid_shape), -1)

    def _check(self, X, what: str) -> np.ndarray:
        self._check_is_fitted("weights_")
        return check_array(X, f"SelfOrganizingMap.{what}", n_features=self.n_features_in_, dtype=np.float64)
