"""Boltzmann machine: symmetric stochastic binary units, some visible and some hidden.

With the state :math:`s = (v, h) \\in \\{0, 1\\}^n`, symmetric weights :math:`W` (zero diagonal) and
biases :math:`b`, the energy is :math:`E(s) = -\\tfrac12 s^\\top W s - b^\\top s` and the machine at
equilibrium visits state :math:`s` with the Boltzmann probability :math:`p(s) = e^{-E(s)} / Z`.
The gradient of the data's mean log-likelihood is a difference of correlations,

.. math:: \\frac{\\partial \\langle \\log p(v) \\rangle}{\\partial W_{ij}}
          = \\langle s_i s_j \\rangle_{\\text{data}} - \\langle s_i s_j \\rangle_{\\text{model}},

which this class computes exactly by enumerating all :math:`2^n` states (small machines only).
"""

from __future__ import annotations

import numpy as np

from nbnet.estimators._rbm_math import binary_states, sigmoid
from nbnet.estimators.base import BaseEstimator, Timer, check_array, check_random_state

MAX_UNITS = 20


class BoltzmannMachine(BaseEstimator):
    """Fully connected Boltzmann machine with hidden units, learned exactly by enumeration.

    Parameters
    ----------
    n_hidden : int
        Number of hidden units; the visible units are the data's columns.
    learning_rate : float
        Step of full-batch gradient ascent on the mean log-likelihood.
    n_iter : int
        Gradient steps in :meth:`fit`.
    momentum : float
        Heavy-ball momentum of the gradient steps.
    connectivity : None or array of shape (n_units, n_units)
        Optional 0/1 symmetric mask of allowed connections (visible units first); ``None`` connects
        every pair.  The 4-2-4 encoder, for example, forbids visible-visible connections.
    verbose : int
        Print the log-likelihood every ``n_iter // 10`` steps when non-zero.
    random_state : None, int or numpy Generator
        Initial weights (normal, standard deviation 0.1) and Gibbs sampling.

    Attributes
    ----------
    coef_ : ndarray of shape (n_units, n_units)
        Symmetric weights with zero diagonal, visible units first.
    intercept_ : ndarray of shape (n_units,)
    """

    def __init__(self, n_hidden: int = 2, *, learning_rate: float = 0.5, n_iter: int = 1000,
                 momentum: float = 0.5, connectivity=None, verbose: int = 0, random_state=None):
        self.n_hidden = n_hidden
        self.learning_rate = learning_rate
        self.n_iter = n_iter
        self.momentum = momentum
        self.connectivity = connectivity
        self.verbose = verbose
        self.random_state = random_state

    def fit(self, X, y=None) -> BoltzmannMachine:
        """Learn from binary data ``(n_samples, n_visible)`` by exact gradient ascent."""
        X = check_array(X, "BoltzmannMachine.fit", values="binary", dtype=np.float64)
        n = X.shape[1] + self.n_hidden
        if n > MAX_UNITS:
            raise ValueError(f"exact learning enumerates 2**n_units states; n_units = {n} exceeds "
                             f"{MAX_UNITS}")
        rng, timer = check_random_state(self.random_state), Timer()
        self.n_features_in_ = X.shape[1]
        self.connection_mask_ = self._connection_mask(n)
        W = rng.normal(0, 0.1, (n, n))
        self.coef_, self.intercept_ = (W + W.T) / 2 * self.connection_mask_, np.zeros(n)
        velocity = [np.zeros((n, n)), np.zeros(n)]
        for step in range(1, self.n_iter + 1):
            grads = self.gradient(X)
            for i, (param, g) in enumerate(zip((self.coef_, self.intercept_), grads)):
                velocity[i] = self.momentum * velocity[i] + self.learning_rate * g
                param += velocity[i]
            if self.verbose and step % max(1, self.n_iter // 10) == 0:
                self._log(f"step {step}, log-likelihood = {self.score_samples(X).mean():.4f}, "
                          f"time = {timer():.2f}s")
        return self

    def _connection_mask(self, n: int) -> np.ndarray:
        mask = np.ones((n, n)) if self.connectivity is None else np.asarray(self.connectivity, float)
        if mask.shape != (n, n) or not np.array_equal(mask, mask.T):
            raise ValueError(f"connectivity must be a symmetric ({n}, {n}) 0/1 matrix, got shape "
                             f"{mask.shape}")
        mask = mask.copy()
        np.fill_diagonal(mask, 0)
        return mask

    # --- exact quantities by enumeration --------------------------------------------------------
    def energy(self, states) -> np.ndarray:
        """E(s) = −½ sᵀWs − b·s for full states ``(n, n_units)`` (visible first): → ``(n,)``."""
        self._check_is_fitted("coef_")
        s = check_array(states, "BoltzmannMachine.energy", n_features=self.coef_.shape[0],
                        values="binary", dtype=np.float64)
        return -0.5 * np.einsum("ni,ij,nj->n", s, self.coef_, s) - s @ self.intercept_

    def _joint(self):
        """All 2**n states and log p(s): ``(2**n, n)``, ``(2**n,)``."""
        s = binary_states(self.coef_.shape[0])
        neg_e = 0.5 * np.einsum("ni,ij,nj->n", s, self.coef_, s) + s @ self.intercept_
        return s, neg_e - _logsumexp(neg_e)

    def _clamped(self, v: np.ndarray):
        """p(h | v) for every data row and hidden state: ``(n, 2**n_hidden)``, and the hidden states."""
        h = binary_states(self.n_hidden)
        d = self.n_features_in_
        W, b = self.coef_, self.intercept_
        neg_e = (0.5 * np.einsum("ni,ij,nj->n", v, W[:d, :d], v) + v @ b[:d])[:, None] \
            + v @ W[:d, d:] @ h.T + (0.5 * np.einsum("ki,ij,kj->k", h, W[d:, d:], h) + h @ b[d:])[None]
        return np.exp(neg_e - _logsumexp(neg_e, axis=1)[:, None]), h, neg_e

    def gradient(self, X) -> tuple[np.ndarray, np.ndarray]:
        """Exact gradient of the mean log-likelihood of binary ``X``: ``(dW, db)``."""
        v = np.asarray(X, np.float64)
        post, h, _ = self._clamped(v)
        n = len(v)
        # positive phase: <s sᵀ> with v clamped to the data and h ~ p(h | v)
        s_data = np.concatenate([np.repeat(v, len(h), 0), np.tile(h, (n, 1))], axis=1)
        weight = post.ravel() / n
        pos = (s_data * weight[:, None]).T @ s_data
        # negative phase: <s sᵀ> under the model's own distribution
        s, log_p = self._joint()
        p = np.exp(log_p)
        neg = (s * p[:, None]).T @ s
        return (pos - neg) * self.connection_mask_, np.diag(pos) - np.diag(neg)

    def score_samples(self, X) -> np.ndarray:
        """Exact log p(v) for each row of binary ``X``: ``(n, n_visible)`` → ``(n,)``."""
        v = self._check(X)
        _, _, neg_e = self._clamped(v)
        s = binary_states(self.coef_.shape[0])
        log_z = _logsumexp(0.5 * np.einsum("ni,ij,nj->n", s, self.coef_, s) + s @ self.intercept_)
        return _logsumexp(neg_e, axis=1) - log_z

    def visible_distribution(self) -> tuple[np.ndarray, np.ndarray]:
        """Every visible vector and its exact model probability: ``(2**d, d)``, ``(2**d,)``."""
        self._check_is_fitted("coef_")
        v = binary_states(self.n_features_in_)
        return v, np.exp(self.score_samples(v))

    def transform(self, X) -> np.ndarray:
        """Exact E[h | v]: ``(n, n_visible)`` → ``(n, n_hidden)``."""
        post, h, _ = self._clamped(self._check(X))
        return post @ h

    def sample(self, n_samples: int, n_sweeps: int = 100, random_state=None) -> np.ndarray:
        """Visible states after ``n_sweeps`` of sequential Gibbs sampling from random starts."""
        self._check_is_fitted("coef_")
        rng = check_random_state(self.random_state if random_state is None else random_state)
        s = (rng.random((n_samples, self.coef_.shape[0])) < 0.5).astype(np.float64)
        for _ in range(n_sweeps):
            for i in range(s.shape[1]):           # p(s_i = 1 | rest) = σ(Σ_j W_ij s_j + b_i)
                s[:, i] = rng.random(n_samples) < sigmoid(s @ self.coef_[:, i] + self.intercept_[i])
        return s[:, : self.n_features_in_]

    def _check(self, X) -> np.ndarray:
        self._check_is_fitted("coef_")
        return check_array(X, "BoltzmannMachine", n_features=self.n_features_in_, values="binary",
                           dtype=np.float64)


def _logsumexp(a: np.ndarray, axis=None):
    top = np.max(a, axis=axis, keepdims=True)
    out = top + np.log(np.sum(np.exp(a - top), axis=axis, keepdims=True))
    return out.item() if axis is None else np.squeeze(out, axis)
