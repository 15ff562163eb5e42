"""Extreme learning machine (ELM): a random hidden layer that is never trained, and a least-squares readout.

Huang, Zhu & Siew (2006): draw the hidden weights :math:`W` and biases :math:`b` at random and keep
them fixed; the hidden layer :math:`H = g(XW + b)` is then a fixed feature map, and the only trained
weights, the output layer's :math:`\\beta`, solve the linear least-squares problem
:math:`\\min_\\beta \\lVert H\\beta - T\\rVert^2 + \\alpha\\lVert\\beta\\rVert^2` in one step:

.. math:: (H^\\top H + \\alpha I)\\,\\beta = H^\\top T .

No gradient, no epochs: training costs one pass to form :math:`H^\\top H` and one linear solve.
"""

from __future__ import annotations

import numpy as np

from nbnet.estimators._readout import ReadoutClassifier, ReadoutRegressor

_ACTIVATIONS = {
    "sigmoid": lambda z: 0.5 * (1.0 + np.tanh(0.5 * z)),      # σ(z), overflow-free
    "tanh": np.tanh,
    "relu": lambda z: np.maximum(z, 0.0),
}


class _RandomLayer:
    """The fixed random hidden layer both ELM estimators share."""

    def __init__(self, n_hidden: int = 1000, *, activation: str = "sigmoid", weight_scale: float = 1.0,
                 alpha: float = 1e-3, random_state=None):
        self.n_hidden = n_hidden
        self.activation = activation
        self.weight_scale = weight_scale
        self.alpha = alpha
        self.random_state = random_state

    def _fit_hidden(self, X: np.ndarray, rng: np.random.Generator) -> None:
        if not (isinstance(self.n_hidden, (int, np.integer)) and self.n_hidden >= 1):
            raise ValueError(f"n_hidden must be a positive int, got {self.n_hidden!r}")
        if self.activation not in _ACTIVATIONS:
            raise ValueError(f"activation must be one of {sorted(_ACTIVATIONS)}, got {self.activation!r}")
        d = X.shape[1]
        # w ~ U(−s, s)·√(3/d): each pre-activation has variance s²·mean(x²), whatever the input width
        bound = float(self.weight_scale) * np.sqrt(3.0 / d)
        self.hidden_weights_ = rng.uniform(-bound, bound, (d, int(self.n_hidden)))
        self.hidden_biases_ = rng.uniform(-1.0, 1.0, int(self.n_hidden))

    def _hidden(self, X: np.ndarray) -> np.ndarray:
        """H = g(XW + b): ``(n, n_features)`` → ``(n, n_hidden)``."""
        return _ACTIVATIONS[self.activation](X @ self.hidden_weights_ + self.hidden_biases_)


class ELMRegressor(_RandomLayer, ReadoutRegressor):
    """Extreme learning machine for regression.

    Parameters
    ----------
    n_hidden : int
        Hidden units.
    activation : {"sigmoid", "tanh", "relu"}
    weight_scale : float
        Hidden weights are uniform in ±``weight_scale``·√(3/n_features); biases uniform in ±1.
    alpha : float
        Ridge penalty on the output weights (intercept not penalised).
    random_state : None, int or numpy Generator
        Seeds the hidden layer.  ``None`` uses nbnet's global generator.

    Attributes
    ----------
    hidden_weights_ : ndarray of shape (n_features, n_hidden)
        Drawn once, never trained.
    hidden_biases_ : ndarray of shape (n_hidden,)
    coef_ : ndarray of shape (n_hidden, n_outputs)
        The trained output weights β.
    intercept_ : ndarray of shape (n_outputs,)
    """


class ELMClassifier(_RandomLayer, ReadoutClassifier):
    """Extreme learning machine for classification: least squares onto one-hot targets.

    Parameters and attributes as :class:`ELMRegressor`, plus ``classes_``; ``coef_`` has shape
    ``(n_hidden, n_classes)``.
    """
