"""Radial basis function (RBF) network: Gaussian hidden units at k-means centres, a ridge readout.

The hidden unit :math:`k` responds to how close the input is to its centre :math:`c_k`,

.. math:: \\varphi_k(x) = \\exp\\!\\left(-\\frac{\\lVert x - c_k\\rVert^2}{2\\sigma^2}\\right),

and the output is linear in these responses, :math:`\\hat y = \\sum_k \\beta_k \\varphi_k(x) + b`.
Training is two quick steps instead of backpropagation (Moody & Darken 1989): place the centres by
k-means on the inputs (unsupervised), then solve for :math:`\\beta, b` by least squares.

Width heuristic (Haykin, *Neural Networks*, §5.11, after Broomhead & Lowe 1988): with :math:`K`
centres whose largest pairwise distance is :math:`d_{\\max}`,
:math:`\\sigma = d_{\\max} / \\sqrt{2K}` — wide enough that neighbouring units overlap, narrow
enough that each stays local.  Pass ``width`` to fix σ instead.
"""

from __future__ import annotations

import numpy as np

from nbnet.estimators._kernels import kmeans, squared_distances
from nbnet.estimators._readout import ReadoutClassifier, ReadoutRegressor


class _RBFLayer:
    """The Gaussian hidden layer both RBF estimators share."""

    def __init__(self, n_centers: int = 10, *, width: float | None = None, alpha: float = 1e-8,
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
        if self.width is not None and not self.width > 0:
            raise ValueError(f"width must be None (heuristic) or a positive number, got {self.width!r}")
        X = X.astype(np.float64, copy=False)         # distances by expansion want float64
        self.centers_, _, self.n_iter_ = kmeans(X, int(self.n_centers), rng, max_iter=self.max_iter)
        self.width_ = float(self.width) if self.width is not None else width_heuristic(self.centers_)

    def _hidden(self, X: np.ndarray) -> np.ndarray:
        """φ_k(x) = exp(−‖x − c_k‖² / 2σ²): ``(n, d)`` → ``(n, n_centers)``."""
        d2 = squared_distances(X.astype(np.float64, copy=False), self.centers_)
        return np.exp(-d2 / (2.0 * self.width_ ** 2))


def width_heuristic(centers: np.ndarray) -> float:
    """σ = d_max / √(2K) for ``centers`` of shape ``(K, d)`` (1.0 when all centres coincide)."""
    d_max = float(np.sqrt(squared_distances(centers, centers).max()))
    return d_max / np.sqrt(2.0 * len(centers)) if d_max > 0 else 1.0


class RBFRegressor(_RBFLayer, ReadoutRegressor):
    """RBF network for regression (function approximation).

    Parameters
    ----------
    n_centers : int
        Number of Gaussian hidden units (k-means clusters).
    width : float or None
        σ of every Gaussian; ``None`` uses :func:`width_heuristic`.
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
