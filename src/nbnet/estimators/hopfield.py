"""Hopfield network: a symmetric, fully connected net of ±1 units that stores patterns as energy minima.

With weights :math:`W` (symmetric, zero diagonal) and thresholds :math:`b`, a state :math:`s \\in
\\{-1, +1\\}^N` has energy

.. math:: E(s) = -\\tfrac12 s^\\top W s - b^\\top s .

Flipping unit :math:`i` to :math:`\\operatorname{sign}(h_i)`, :math:`h_i = \\sum_j W_{ij} s_j + b_i`,
changes the energy by :math:`-\\Delta s_i\\, h_i \\le 0`, so asynchronous updates never raise it.
"""

from __future__ import annotations

import numpy as np

from nbnet.estimators.base import BaseEstimator, Timer, check_array, check_random_state


class Hopfield(BaseEstimator):
    """Associative memory trained by the Hebbian rule :math:`W = \\tfrac1N \\sum_\\mu \\xi^\\mu \\xi^{\\mu\\top}`.

    Parameters
    ----------
    update : {"async", "sync"}
        ``"async"``: one unit at a time, in a fresh random order each sweep (energy never rises);
        ``"sync"``: all units at once (may end in a 2-cycle).
    max_iter : int
        Most sweeps over all units in :meth:`predict`.
    verbose : int
        Print a line per sweep when non-zero.
    random_state : None, int or numpy Generator
        Order of asynchronous updates.  ``None`` uses nbnet's global generator.

    Attributes
    ----------
    coef_ : ndarray of shape (n_features, n_features)
        Symmetric weights with zero diagonal.
    intercept_ : ndarray of shape (n_features,)
        Thresholds (zero after Hebbian ``fit``).
    n_iter_ : int
        Sweeps used by the last :meth:`predict`.
    """

    def __init__(self, update: str = "async", max_iter: int = 100, verbose: int = 0, random_state=None):
        self.update = update
        self.max_iter = max_iter
        self.verbose = verbose
        self.random_state = random_state

    def fit(self, patterns, y=None) -> Hopfield:
        """Store ``patterns`` of shape ``(n_patterns, n_features)``, values ±1, by the Hebbian rule."""
        xi = check_array(patterns, "Hopfield.fit", values="spin", dtype=np.float64)
        n = xi.shape[1]
        self.coef_ = xi.T @ xi / n                # W_ij = (1/N) sum_mu xi_i xi_j
        np.fill_diagonal(self.coef_, 0.0)         # no self-connections
        self.intercept_ = np.zeros(n)
        self.n_features_in_ = n
        return self

    def energy(self, states) -> np.ndarray:
        """:math:`E(s) = -\\frac12 s^\\top W s - b^\\top s` for each row: ``(n, N)`` → ``(n,)``."""
        s = self._check_states(states)
        return -0.5 * np.einsum("ni,ij,nj->n", s, self.coef_, s) - s @ self.intercept_

    def predict(self, states) -> np.ndarray:
        """Run the dynamics from each row of ``states`` until no unit changes (or ``max_iter`` sweeps)."""
        s = self._check_states(states).copy()
        if self.update not in ("async", "sync"):
            raise ValueError(f"update must be 'async' or 'sync', got {self.update!r}")
        rng, timer = check_random_state(self.random_state), Timer()
        for sweep in range(1, self.max_iter + 1):
            changed = self._sweep(s, rng) if self.update == "async" else self._sync_step(s)
            self._log(f"sweep {sweep}: {changed} units changed, time = {timer():.2f}s")
            if changed == 0:
                break
        self.n_iter_ = sweep
        return s

    def async_trajectory(self, state) -> tuple[np.ndarray, np.ndarray]:
        """Energies and states after every single-unit update from one ``state`` of shape ``(N,)``.

        Returns ``(energies, states)`` of shapes ``(T + 1,)`` and ``(T + 1, N)``: the start and one
        entry per unit visited, over sweeps until a whole sweep changes nothing.
        """
        s = self._check_states(np.atleast_2d(state))[0].copy()
        rng = check_random_state(self.random_state)
        path = [s.copy()]
        for _ in range(self.max_iter):
            before = s.copy()
            for i in rng.permutation(s.size):
                s[i] = _sign(self.coef_[i] @ s + self.intercept_[i], s[i])
                path.append(s.copy())
            if np.array_equal(before, s):
                break
        states = np.array(path)
        return self.energy(states), states

    def _sweep(self, s: np.ndarray, rng) -> int:
        changed = 0
        for i in rng.permutation(s.shape[1]):     # all rows update unit i, then the next unit
            new = _sign(s @ self.coef_[:, i] + self.intercept_[i], s[:, i])
            changed += int(np.count_nonzero(new != s[:, i]))
            s[:, i] = new
        return changed

    def _sync_step(self, s: np.ndarray) -> int:
        new = _sign(s @ self.coef_ + self.intercept_, s)
        changed = int(np.count_nonzero(new != s))
        s[...] = new
        return changed

    def _check_states(self, states) -> np.ndarray:
        self._check_is_fitted("coef_")
        return check_array(states, f"{type(self).__name__} states", n_features=self.n_features_in_,
                           values="spin", dtype=np.float64)


def _sign(h, previous):
    """sign(h), keeping the previous value where h == 0 (so a tie never raises the energy)."""
    return np.where(h > 0, 1.0, np.where(h < 0, -1.0, previous))
