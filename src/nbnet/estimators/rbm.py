"""Restricted Boltzmann machine with binary units, trained by contrastive divergence (CD-k) or PCD.

The interface is scikit-learn's ``BernoulliRBM``; with ``persistent=True`` and ``k=1`` (the defaults)
one update is exactly BernoulliRBM's: positive statistics from the data's hidden probabilities,
negative statistics from persistent chains (one per batch row) advanced by one Gibbs step.
"""

from __future__ import annotations

import numpy as np

from nbnet.estimators import _rbm_math as m
from nbnet.estimators.base import BaseEstimator, Timer, check_array, check_random_state, even_batches


class RBM(BaseEstimator):
    """Bernoulli restricted Boltzmann machine.

    Parameters
    ----------
    n_components : int
        Number of hidden units.
    learning_rate : float
        Step size; the update is ``learning_rate / batch rows`` times the summed statistics.
    batch_size : int
        Rows per update (and, with ``persistent=True``, number of persistent chains).
    n_iter : int
        Passes over the data in :meth:`fit`.
    verbose : int
        Print pseudo-likelihood and time after each pass when non-zero.
    random_state : None, int or numpy Generator
        ``None`` uses nbnet's global generator (see ``nbnet.utils.set_random_seed``).
    k : int
        Gibbs steps in the negative phase (CD-k / PCD-k).
    persistent : bool
        Continue the negative chains from the previous update (PCD) instead of from the data (CD).

    Attributes
    ----------
    components_ : ndarray of shape (n_components, n_features)
        Weights ``W``; row ``j`` is hidden unit ``j``'s filter.
    intercept_hidden_ : ndarray of shape (n_components,)
    intercept_visible_ : ndarray of shape (n_features,)
    h_samples_ : ndarray of shape (batch_size, n_components)
        State of the persistent chains.
    """

    def __init__(self, n_components: int = 256, *, learning_rate: float = 0.1, batch_size: int = 10,
                 n_iter: int = 10, verbose: int = 0, random_state=None, k: int = 1,
                 persistent: bool = True):
        self.n_components = n_components
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.n_iter = n_iter
        self.verbose = verbose
        self.random_state = random_state
        self.k = k
        self.persistent = persistent

    # --- conditionals: the bipartite graph makes them factorise -------------------------------
    def _mean_hiddens(self, v: np.ndarray) -> np.ndarray:
        """p(h_j = 1 | v) = σ(c_j + W_j·v): ``(n, n_features)`` → ``(n, n_components)``."""
        z = v @ self.components_.T
        z += self.intercept_hidden_
        return m.sigmoid(z, out=z)

    def _mean_visibles(self, h: np.ndarray) -> np.ndarray:
        """p(v_i = 1 | h) = σ(b_i + Σ_j h_j W_ji): ``(n, n_components)`` → ``(n, n_features)``."""
        z = h @ self.components_
        z += self.intercept_visible_
        return m.sigmoid(z, out=z)

    @staticmethod
    def _sample(p: np.ndarray, rng) -> np.ndarray:
        return (rng.random(p.shape, dtype=p.dtype) < p).astype(p.dtype)

    def transform(self, X) -> np.ndarray:
        """Hidden probabilities p(h = 1 | v): ``(n, n_features)`` → ``(n, n_components)``."""
        return self._mean_hiddens(self._check(X, "transform"))

    def gibbs(self, v) -> np.ndarray:
        """One Gibbs step v → h → v' (binary samples), as ``BernoulliRBM.gibbs``."""
        v = self._check(v, "gibbs")
        h = self._sample(self._mean_hiddens(v), self.random_state_)
        return self._sample(self._mean_visibles(h), self.random_state_)

    # --- training -------------------------------------------------------------------------------
    def _initialise(self, n_features: int, dtype, rng) -> None:
        if self.k < 1 or self.n_components < 1 or self.batch_size < 1:
            raise ValueError(f"k, n_components and batch_size must be >= 1, got k={self.k}, "
                             f"n_components={self.n_components}, batch_size={self.batch_size}")
        self.components_ = rng.normal(0, 0.01, (self.n_components, n_features)).astype(dtype)
        self.intercept_hidden_ = np.zeros(self.n_components, dtype)
        self.intercept_visible_ = np.zeros(n_features, dtype)
        self.h_samples_ = np.zeros((self.batch_size, self.n_components), dtype)
        self.n_features_in_ = n_features

    def _negative_phase(self, h: np.ndarray, rng) -> tuple[np.ndarray, np.ndarray]:
        """k Gibbs steps from hidden samples ``h``; returns (v sample, p(h | v)) at the chain's end."""
        for step in range(self.k):
            v = self._sample(self._mean_visibles(h), rng)
            h_mean = self._mean_hiddens(v)
            if step < self.k - 1:
                h = self._sample(h_mean, rng)
        return v, h_mean

    def _fit(self, v_pos: np.ndarray, rng) -> None:
        """One CD-k / PCD-k update on a batch: positive phase minus negative phase."""
        h_pos = self._mean_hiddens(v_pos)
        start = self.h_samples_ if self.persistent else self._sample(h_pos, rng)
        v_neg, h_neg = self._negative_phase(start, rng)
        lr = float(self.learning_rate) / v_pos.shape[0]
        # ∂ log p(v)/∂W ≈ <h vᵀ>_data − <h vᵀ>_model, as one product of the stacked phases
        h_both = np.concatenate([h_pos, -h_neg])
        h_both *= lr
        self.components_ += h_both.T @ np.concatenate([v_pos, v_neg])
        # ∂/∂c ≈ <h>_data − <h>_model ; ∂/∂b ≈ <v>_data − <v>_model
        self.intercept_hidden_ += lr * (h_pos.sum(axis=0) - h_neg.sum(axis=0))
        self.intercept_visible_ += lr * (v_pos.sum(axis=0) - v_neg.sum(axis=0))
        if self.persistent:
            self.h_samples_ = self._sample(h_neg, rng)

    def partial_fit(self, X, y=None) -> RBM:
        """One update on the batch ``X`` (initialising the model on the first call)."""
        first = not hasattr(self, "components_")
        X = check_array(X, "RBM.partial_fit", n_features=None if first else self.n_features_in_,
                        values="unit")
        if first:
            self.random_state_ = check_random_state(self.random_state)
            self._initialise(X.shape[1], X.dtype, self.random_state_)
        self._fit(X.astype(self.components_.dtype, copy=False), self.random_state_)
        return self

    def fit(self, X, y=None) -> RBM:
        """Fit to data ``(n_samples, n_features)`` with values in [0, 1] (binary or probabilities)."""
        X = check_array(X, "RBM.fit", values="unit")
        self.random_state_ = rng = check_random_state(self.random_state)
        self._initialise(X.shape[1], X.dtype, rng)
        batches, timer = even_batches(X.shape[0], self.batch_size), Timer()
        for iteration in range(1, self.n_iter + 1):
            for batch in batches:
                self._fit(X[batch], rng)
            if self.verbose:
                self._log(f"Iteration {iteration}, pseudo-likelihood = "
                          f"{self.score_samples(X).mean():.2f}, time = {timer():.2f}s")
        return self

    # --- energies, likelihoods ------------------------------------------------------------------
    def free_energy(self, X) -> np.ndarray:
        """F(v) = −b·v − Σ_j softplus(c_j + W_j·v), so that p(v) = e^{−F(v)} / Z: ``(n, d)`` → ``(n,)``."""
        v = self._check(X, "free_energy")
        return -(v @ self.intercept_visible_) - m.softplus(v @ self.components_.T
                                                          + self.intercept_hidden_).sum(axis=1)

    def score_samples(self, X) -> np.ndarray:
        """Pseudo-likelihood proxy, as BernoulliRBM: ``d · log σ(F(ṽ) − F(v))`` with one random bit flipped."""
        v = self._check(X, "score_samples")
        rng = check_random_state(self.random_state)
        flipped = v.copy()
        rows, cols = np.arange(v.shape[0]), rng.integers(0, v.shape[1], v.shape[0])
        flipped[rows, cols] = 1 - flipped[rows, cols]
        return -v.shape[1] * m.softplus(-(self.free_energy(flipped) - self.free_energy(v)))

    def reconstruction_error(self, X) -> float:
        """Mean squared difference between ``X`` and p(v | h) for h sampled from p(h | X)."""
        v = self._check(X, "reconstruction_error")
        h = self._sample(self._mean_hiddens(v), check_random_state(self.random_state))
        return float(np.mean((v - self._mean_visibles(h)) ** 2))

    def log_partition(self, method: str = "exact", *, n_chains: int = 100, n_betas: int = 10000,
                      base_rate=None, random_state=None) -> float:
        """log Z, exactly (``2**min(n_visible, n_hidden)`` terms) or by annealed importance sampling.

        ``base_rate``: data ``(n, n_features)`` whose smoothed pixel means set the AIS base model's
        visible biases (Salakhutdinov & Murray 2008); ``None`` starts from the uniform distribution.
        """
        self._check_is_fitted("components_")
        W, b, c = self.components_, self.intercept_visible_, self.intercept_hidden_
        if method == "exact":
            return m.exact_log_partition(W, b, c)
        if method != "ais":
            raise ValueError(f"method must be 'exact' or 'ais', got {method!r}")
        base = np.zeros(b.size)
        if base_rate is not None:
            p = (self._check(base_rate, "base_rate").sum(0) + 5) / (len(base_rate) + 10)
            base = np.log(p) - np.log1p(-p)
        log_z, self.ais_log_weights_ = m.ais_log_partition(
            W, b, c, base_bias=base, n_chains=n_chains, betas=m.ais_schedule(n_betas),
            rng=check_random_state(random_state))
        return log_z

    def log_likelihood(self, X, log_z: float) -> np.ndarray:
        """log p(v) = −F(v) − log Z for each row, given log Z (from :meth:`log_partition`)."""
        return -self.free_energy(X).astype(np.float64) - log_z

    def gradient(self, X, method: str = "exact", k: int = 1, n_repeats: int = 1, random_state=None):
        """Gradient of the mean log-likelihood of ``X`` w.r.t. (W, b, c), or its CD-k estimate.

        ``method="exact"`` enumerates the smaller layer; ``"cd"`` averages CD-k over ``n_repeats``
        chains started at every row.  Returns ``(dW, db, dc)`` with the shapes of ``components_``,
        ``intercept_visible_``, ``intercept_hidden_``.
        """
        v = self._check(X, "gradient").astype(np.float64)
        W, b, c = (a.astype(np.float64) for a in (self.components_, self.intercept_visible_,
                                                  self.intercept_hidden_))
        h_pos = m.sigmoid(v @ W.T + c)
        pos = (h_pos.T @ v / len(v), v.mean(0), h_pos.mean(0))
        if method == "exact":
            neg = m.exact_model_statistics(W, b, c)
        elif method == "cd":
            neg = self._cd_statistics(np.repeat(v, n_repeats, axis=0), k, check_random_state(random_state))
        else:
            raise ValueError(f"method must be 'exact' or 'cd', got {method!r}")
        return tuple(p - q for p, q in zip(pos, neg))

    def _cd_statistics(self, v, k, rng):
        W, b, c = (a.astype(np.float64) for a in (self.components_, self.intercept_visible_,
                                                  self.intercept_hidden_))
        h = (rng.random((len(v), c.size)) < m.sigmoid(v @ W.T + c)).astype(np.float64)
        for _ in range(k):
            v = (rng.random(v.shape) < m.sigmoid(h @ W + b)).astype(np.float64)
            h_mean = m.sigmoid(v @ W.T + c)
            h = (rng.random(h_mean.shape) < h_mean).astype(np.float64)
        return h_mean.T @ v / len(v), v.mean(0), h_mean.mean(0)

    def _check(self, X, what: str) -> np.ndarray:
        self._check_is_fitted("components_")
        X = check_array(X, f"RBM.{what}", n_features=self.n_features_in_, values="unit")
        return X.astype(self.components_.dtype, copy=False)
