"""A fixed feature map followed by a least-squares (ridge) readout: the shape of the RBF network and ELM.

Subclasses learn or draw their hidden layer in ``_fit_hidden(X, rng)`` and map data through it in
``_hidden(X)``.  The readout :math:`\\hat Y = H\\beta + b` is then the ridge solution of
:math:`\\min_{\\beta, b} \\lVert H\\beta + b - T\\rVert^2 + \\alpha\\lVert\\beta\\rVert^2` (the intercept is
not penalised), computed from :math:`H^\\top H` accumulated over row blocks so that the full hidden
matrix of a large data set never sits in memory.
"""

from __future__ import annotations

import numpy as np

from nbnet.estimators._kernels import check_targets, encode_labels, ridge_readout
from nbnet.estimators.base import BaseEstimator, check_array, check_random_state

BLOCK_ROWS = 8192


class _Readout(BaseEstimator):
    """Shared ``fit`` / ``decision_function``; subclasses define the hidden layer."""

    def _fit_hidden(self, X: np.ndarray, rng: np.random.Generator) -> None:
        raise NotImplementedError

    def _hidden(self, X: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _fit_readout(self, X: np.ndarray, T: np.ndarray) -> None:
        p = None
        for start in range(0, len(X), BLOCK_ROWS):
            H = self._hidden(X[start:start + BLOCK_ROWS]).astype(np.float64)
            H1 = np.hstack([H, np.ones((len(H), 1))])          # the last column carries the intercept
            if p is None:
                p = H1.shape[1]
                gram, cross = np.zeros((p, p)), np.zeros((p, T.shape[1]))
            gram += H1.T @ H1                                   # HᵀH, block by block
            cross += H1.T @ T[start:start + BLOCK_ROWS]         # HᵀT
        free = np.zeros(p, bool)
        free[-1] = True
        beta = ridge_readout(gram, cross, self.alpha, free)
        self.coef_, self.intercept_ = beta[:-1], beta[-1]

    def _prepare(self, X, what: str) -> np.ndarray:
        X = check_array(X, f"{type(self).__name__}.{what}")         # float32 stays float32: no copy
        if self.alpha < 0:
            raise ValueError(f"alpha must be >= 0, got {self.alpha}")
        return X

    def _fit_all(self, X: np.ndarray, T: np.ndarray) -> None:
        self._fit_hidden(X, check_random_state(self.random_state))
        self.n_features_in_ = X.shape[1]
        self._fit_readout(X, T)

    def decision_function(self, X) -> np.ndarray:
        """Readout values :math:`H\\beta + b`: ``(n, n_features)`` → ``(n, n_outputs)``."""
        self._check_is_fitted("coef_")
        X = check_array(X, f"{type(self).__name__}.predict", n_features=self.n_features_in_)
        return np.vstack([self._hidden(X[s:s + BLOCK_ROWS]) @ self.coef_ + self.intercept_
                          for s in range(0, len(X), BLOCK_ROWS)])

    def transform(self, X) -> np.ndarray:
        """The hidden layer's activations: ``(n, n_features)`` → ``(n, n_hidden)``."""
        self._check_is_fitted("coef_")
        X = check_array(X, f"{type(self).__name__}.transform", n_features=self.n_features_in_)
        return self._hidden(X)


class ReadoutRegressor(_Readout):
    """``fit(X, y)`` with ``y`` of shape ``(n,)`` or ``(n, n_outputs)``; ``score`` is R²."""

    def fit(self, X, y):
        """Fit the hidden layer (unsupervised or random), then the readout by ridge regression."""
        X = self._prepare(X, "fit")
        y = check_targets(y, f"{type(self).__name__}.fit", len(X))
        self.n_outputs_ = 1 if y.ndim == 1 else y.shape[1]
        self.y_ndim_ = y.ndim
        self._fit_all(X, y.reshape(len(X), -1))
        return self

    def predict(self, X) -> np.ndarray:
        """Predictions ``(n,)`` (or ``(n, n_outputs)`` if fitted on 2-D targets)."""
        out = self.decision_function(X)
        return out[:, 0] if self.y_ndim_ == 1 else out

    def score(self, X, y) -> float:
        """Coefficient of determination R² (averaged over outputs, as scikit-learn)."""
        y = check_targets(y, f"{type(self).__name__}.score", len(np.asarray(X))).reshape(len(X), -1)
        residual = ((y - self.predict(X).reshape(y.shape)) ** 2).sum(axis=0)
        total = ((y - y.mean(axis=0)) ** 2).sum(axis=0)
        return float(np.mean(1 - residual / np.where(total == 0, 1.0, total)))


class ReadoutClassifier(_Readout):
    """One readout output per class on one-hot targets; the prediction is the largest."""

    def fit(self, X, y):
        """Fit the hidden layer, then least squares from hidden activations to one-hot labels."""
        X = self._prepare(X, "fit")
        self.classes_, T = encode_labels(y, f"{type(self).__name__}.fit", len(X))
        self._fit_all(X, T)
        return self

    def predict(self, X) -> np.ndarray:
        """Class labels ``(n,)``: the class whose readout output is largest."""
        return self.classes_[self.decision_function(X).argmax(axis=1)]

    def score(self, X, y) -> float:
        """Mean accuracy."""
        return float(np.mean(self.predict(X) == np.asarray(y)))
