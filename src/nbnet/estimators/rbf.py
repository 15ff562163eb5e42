"""Radial basis function (RBF) network: Gaussian hidden units at k-means centres, a ridge readout.

The hidden unit :math:`k` responds to how close the input is to its centre :math:`c_k`,

.. math:: \\varphi_k(x) = \\exp\\!\\left(-\\frac{\\lVert x - c_k\\rVert^2}{2\\sigma^2}\\right),

and the output is linear in these responses, :math:`\\hat y = \\sum_k \\beta_k \\varphi_k(x) + b`.
Training is two quick steps instead of backpropagation (Moody & Darken 1989): place the centres by
k-means on the inputs (unsupervised), then solve for :math:`\\beta, b` by least squares.

Width.  Each unit needs a σ wide enough to overlap its neighbours and narrow enough to stay
local.  ``width="nearest"`` (the default) follows Moody & Darken's P-nearest-neighbour rule with
P = 2, averaged into one σ: the mean over centres of the root-mean-square distance to their two
nearest other centres.  ``width="max_distance"`` is Haykin's rule (*Neural Networks*, §5.11, after
Broomhead & Lowe 1988), :math:`\\sigma = d_{\\max} / \\sqrt{2K}` with :math:`d_{\\max}` the largest
distance between two of the :math:`K` centres; it is wider, and with many centres it makes
neighbouring units nearly collinear.  A number fixes σ.
"""

from __future__ import annotations

import numpy as np

from nbnet.estimators._kernels import kmeans, squared_distances
from nbnet.estimators._readout import ReadoutClassifier, ReadoutRegressor


class _RBFLayer:
    """The Gaussian hidden layer both RBF estimators share."""

    def __init__(self, n_centers: int = 10, *, width: float | str = "nearest", alpha: float = 1e-8,
                 max_iter: int = 100, random_state=None):
        self.n_centers = n_centers
        self.width = width
        self.alpha = alpha
        self.max_iter = max_iter
        self.random_state = random_state

    def _fit_hidden(self, X: np.ndarray, rng: np.random.Generator) -> None:
        if not (isinstance(self.n_centers, (int, np.integer)) and 1 <= self.n_centers <= len(X)):
            raise ValueError(f"n_centers must be an int from 1 to the number of samples ({len(X)}), "
                             f"got {self.n_centers!r}")
        rule = _WIDTH_RULES.get(self.width) if isinstance(self.width, str) else None
        number = isinstance(self.width, (int, float, np.number)) and not isinstance(self.width, bool)
        if rule is None and not (number and self.width > 0):
            raise ValueError(f"width must be 'nearest', 'max_distance' or a positive number, got {self.width!r}")
        X = X.astype(np.float64, copy=False)         # distances by expansion want float64
        self.centers_, _, self.n_iter_ = kmeans(X, int(self.n_centers), rng, max_iter=self.max_iter)
        self.width_ = rule(self.centers_) if rule else float(self.width)

    def _hidden(self, X: np.ndarray) -> np.ndarray:
        """φ_k(x) = exp(−‖x − c_k‖² / 2σ²): ``(n, d)`` → ``(n, n_centers)``."""
        d2 = squared_distances(X.astype(np.float64, copy=False), self.centers_)
        return np.exp(-d2 / (2.0 * self.width_ ** 2))


def nearest_width(centers: np.ndarray, p: int = 2) -> float:
    """Mean over centres of the RMS distance to their ``p`` nearest other centres (Moody & Darken).

    ``centers`` has shape ``(K, d)``; 1.0 when there is a single centre or all coincide.
    """
    d2 = squared_distances(centers, centers)
    np.fill_diagonal(d2, np.inf)
    p = min(p, len(centers) - 1)
    if p < 1:
        return 1.0
    sigma = float(np.sqrt(np.sort(d2, axis=1)[:, :p].mean(axis=1)).mean())
    return sigma if sigma > 0 else 1.0


def max_distance_width(centers: np.ndarray) -> float:
    """Haykin's σ = d_max / √(2K) for ``centers`` of shape ``(K, d)`` (1.0 when all centres coincide)."""
    d_max = float(np.sqrt(squared_distances(centers, centers).max()))
    return d_max / np.sqrt(2.0 * len(centers)) if d_max > 0 else 1.0


_WIDTH_RULES = {"nearest": nearest_width, "max_distance": max_distance_width}


class RBFRegressor(_RBFLayer, ReadoutRegressor):
    """RBF network for regression (function approximation).

    Parameters
    ----------
    n_centers : int
        Number of Gaussian hidden units (k-means clusters).
    width : {"nearest", "max_distance"} or float
        σ of every Gaussian: a rule (:func:`nearest_width`, :func:`max_distance_width`) or a number.
    alpha : float
        Ridge penalty on the output weights (the intercept is not penalised).
    max_iter : int
        Most Lloyd iterations of k-means.
    random_state : None, int or numpy Generator
        Seeds the k-means++ start.  ``None`` uses nbnet's global generator.

    Attributes
    ----------
    centers_ : ndarray of shape (n_centers, n_features)
    width_ : float
        The σ used.
    coef_ : ndarray of shape (n_centers, n_outputs)
    intercept_ : ndarray of shape (n_outputs,)
    n_iter_ : int
        k-means iterations run.
    """


class RBFClassifier(_RBFLayer, ReadoutClassifier):
    """RBF network for classification: one linear output per class on one-hot targets.

    Parameters and attributes as :class:`RBFRegressor`, plus ``classes_`` of shape ``(n_classes,)``;
    ``coef_`` has shape ``(n_centers, n_classes)``.
    """
