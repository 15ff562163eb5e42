r"""Echo state network: a fixed random recurrent reservoir and a ridge-regression readout.

Only the readout is trained.  The input and reservoir weights are drawn once, the reservoir matrix
is rescaled to a chosen spectral radius, and then left alone (Jaeger 2001; the leaky form and the
recipe follow Lukoševičius, "A practical guide to applying echo state networks", 2012):

.. math::

    \tilde x(t) &= \tanh\big(W_{\text{in}} [1; u(t)] + W x(t-1)\big) \\
    x(t) &= (1 - \alpha)\, x(t-1) + \alpha\, \tilde x(t) \\
    y(t) &= W_{\text{out}} [1; u(t); x(t)]

and, with the states after the washout stacked as the rows of :math:`Z = [1; u; x]`,

.. math:: W_{\text{out}}^\top = (Z^\top Z + \lambda I)^{-1} Z^\top Y .
"""

from __future__ import annotations

import numbers

import numpy as np

from nbnet.estimators.base import BaseEstimator, check_array, check_random_state


class EchoStateNetwork(BaseEstimator):
    """Echo state network regressor for one time series (leaky tanh reservoir, ridge readout).

    Parameters
    ----------
    n_reservoir : int, default 200
        Reservoir units.
    spectral_radius : float, default 0.9
        Largest absolute eigenvalue of the reservoir matrix ``W`` after rescaling.  Below 1 (for
        ``leak_rate = 1``) the reservoir forgets its initial state: the echo state property.
    leak_rate : float, default 1.0
        ``alpha`` in (0, 1]: how much of the new state replaces the old one each step.
    input_scaling : float, default 1.0
        Input weights (bias column included) are uniform in ``[-input_scaling, input_scaling]``.
    sparsity : float, default 0.9
        Fraction of reservoir weights that are zero, in [0, 1).
    ridge : float, default 1e-6
        Ridge (Tikhonov) penalty ``lambda`` of the readout.
    washout : int, default 100
        Initial steps of each run left out of the readout fit (the transient from the zero state).
    random_state : None, int or numpy Generator
        Seeds the input and reservoir weights; ``None`` uses nbnet's global generator.

    Attributes
    ----------
    input_weights_ : ndarray of shape (n_reservoir, 1 + n_features)
        ``W_in``, bias column first.
    reservoir_weights_ : ndarray of shape (n_reservoir, n_reservoir)
        ``W``, fixed, with spectral radius ``spectral_radius``.
    readout_ : ndarray of shape (n_outputs, 1 + n_features + n_reservoir)
        ``W_out``, the only trained weights.
    last_state_ : ndarray of shape (n_reservoir,)
        Reservoir state after the last step of the training sequence.
    last_input_ : ndarray of shape (n_features,)
        Last input of the training sequence (where :meth:`generate` continues).
    """

    def __init__(self, n_reservoir: int = 200, *, spectral_radius: float = 0.9, leak_rate: float = 1.0,
                 input_scaling: float = 1.0, sparsity: float = 0.9, ridge: float = 1e-6,
                 washout: int = 100, random_state=None):
        self.n_reservoir = n_reservoir
        self.spectral_radius = spectral_radius
        self.leak_rate = leak_rate
        self.input_scaling = input_scaling
        self.sparsity = sparsity
        self.ridge = ridge
        self.washout = washout
        self.random_state = random_state

    # --- the fixed, random part -----------------------------------------------------------------
    def _check_params(self) -> None:
        checks = [("n_reservoir", isinstance(self.n_reservoir, numbers.Integral) and self.n_reservoir >= 1,
                   "an int >= 1"),
                  ("spectral_radius", _real(self.spectral_radius) and self.spectral_radius >= 0, "a number >= 0"),
                  ("leak_rate", _real(self.leak_rate) and 0 < self.leak_rate <= 1, "a number in (0, 1]"),
                  ("input_scaling", _real(self.input_scaling) and self.input_scaling >= 0, "a number >= 0"),
                  ("sparsity", _real(self.sparsity) and 0 <= self.sparsity < 1, "a number in [0, 1)"),
                  ("ridge", _real(self.ridge) and self.ridge >= 0, "a number >= 0"),
                  ("washout", isinstance(self.washout, numbers.Integral) and self.washout >= 0, "an int >= 0")]
        for name, ok, expected in checks:
            if not ok:
                raise ValueError(f"EchoStateNetwork: {name} must be {expected}, got {getattr(self, name)!r}")

    def _initialise(self, n_features: int) -> None:
        self._check_params()
        rng = check_random_state(self.random_state)
        n = self.n_reservoir
        self.input_weights_ = rng.uniform(-self.input_scaling, self.input_scaling, (n, 1 + n_features))
        w = rng.uniform(-1.0, 1.0, (n, n)) * (rng.random((n, n)) >= self.sparsity)
        radius = np.abs(np.linalg.eigvals(w)).max()
        self.reservoir_weights_ = w * (self.spectral_radius / radius) if radius > 0 else w
        self.n_features_in_ = n_features

    # --- running the reservoir ------------------------------------------------------------------
    def _step(self, x: np.ndarray, u: np.ndarray) -> np.ndarray:
        """One leaky update ``x(t-1), u(t) -> x(t)``; works on ``(n_reservoir,)`` or ``(k, n_reservoir)``."""
        pre = self.input_weights_[:, 0] + u @ self.input_weights_[:, 1:].T + x @ self.reservoir_weights_.T
        return (1.0 - self.leak_rate) * x + self.leak_rate * np.tanh(pre)

    def transform(self, X, initial_state=None) -> np.ndarray:
        """Reservoir states driven by the input sequence ``X``.

        Parameters
        ----------
        X : array_like of shape (n_steps, n_features)
            One input sequence, time along the rows.
        initial_state : array_like of shape (n_reservoir,) or (k, n_reservoir), optional
            State before the first step; zeros by default.  Several rows run ``k`` copies of the
            reservoir from different states under the same input.

        Returns
        -------
        ndarray of shape (n_steps, n_reservoir), or (n_steps, k, n_reservoir) for ``k`` initial states
        """
        X = self._check(X, "transform")
        x = np.zeros(self.n_reservoir) if initial_state is None else np.asarray(initial_state, float)
        if x.shape[-1:] != (self.n_reservoir,) or x.ndim > 2:
            raise ValueError(f"EchoStateNetwork.transform: initial_state must have shape (n_reservoir,) "
                             f"or (k, n_reservoir) with n_reservoir={self.n_reservoir}, got {x.shape}")
        states = np.empty((len(X),) + x.shape)
        for t, u in enumerate(X):
            x = states[t] = self._step(x, u)
        return states

    def _design(self, X: np.ndarray, states: np.ndarray) -> np.ndarray:
        """Rows ``[1, u(t), x(t)]``: ``(n_steps, 1 + n_features + n_reservoir)``."""
        return np.hstack([np.ones((len(X), 1)), X, states])

    # --- training and prediction ----------------------------------------------------------------
    def fit(self, X, y) -> EchoStateNetwork:
        """Drive the reservoir with ``X`` from the zero state and fit the readout to ``y`` by ridge regression.

        Parameters
        ----------
        X : array_like of shape (n_steps, n_features)
            Input sequence.
        y : array_like of shape (n_steps,) or (n_steps, n_outputs)
            Target at each step; the first ``washout`` steps are not fitted.
        """
        X = check_array(X, "EchoStateNetwork.fit", dtype=np.float64)
        Y = self._check_target(y, len(X))
        if len(X) <= self.washout:
            raise ValueError(f"EchoStateNetwork.fit: need more steps than washout={self.washout}, "
                             f"got {len(X)}")
        self._initialise(X.shape[1])
        states = self.transform(X)
        Z, T = self._design(X, states)[self.washout:], Y[self.washout:]
        # ∂/∂W_out of ||Z W_outᵀ − T||² + λ||W_out||² = 0  →  (ZᵀZ + λI) W_outᵀ = ZᵀT
        gram = Z.T @ Z + self.ridge * np.eye(Z.shape[1])
        self.readout_ = np.linalg.solve(gram, Z.T @ T).T
        self.n_outputs_ = Y.shape[1]
        self.y_ndim_ = int(np.ndim(y))
        self.last_state_, self.last_input_ = states[-1].copy(), X[-1].copy()
        return self

    def predict(self, X) -> np.ndarray:
        """Readout driven by ``X`` from the zero state (teacher forcing): ``(n_steps, n_features)`` → ``(n_steps,)``
        or ``(n_steps, n_outputs)``.  The first ``washout`` outputs are the transient."""
        X = self._check(X, "predict")
        return self._shape(self._design(X, self.transform(X)) @ self.readout_.T)

    def score(self, X, y) -> float:
        """Coefficient of determination R² of :meth:`predict` after the washout (as scikit-learn's regressors)."""
        Y = self._check_target(y, len(self._check(X, "score")))[self.washout:]
        P = self.predict(X).reshape(len(X), -1)[self.washout:]
        return float(1 - ((Y - P) ** 2).sum() / ((Y - Y.mean(0)) ** 2).sum())

    def generate(self, n_steps: int, X=None) -> np.ndarray:
        """Run free: each output becomes the next input (needs ``n_outputs == n_features``).

        Parameters
        ----------
        n_steps : int
            Number of outputs to produce.
        X : array_like of shape (n_warmup, n_features), optional
            Warm-up sequence driven from the zero state first; by default the run continues from the
            end of the training sequence.

        Returns
        -------
        ndarray of shape (n_steps,) or (n_steps, n_outputs)
            The first row is the prediction after the last input (of ``X`` or of the training data).
        """
        self._check_is_fitted("readout_")
        if self.n_outputs_ != self.n_features_in_:
            raise ValueError(f"EchoStateNetwork.generate: feeding outputs back needs as many outputs as "
                             f"inputs, got {self.n_outputs_} outputs and {self.n_features_in_} inputs")
        if not isinstance(n_steps, numbers.Integral) or n_steps < 1:
            raise ValueError(f"EchoStateNetwork.generate: n_steps must be an int >= 1, got {n_steps!r}")
        x, u = self.last_state_, self.last_input_
        if X is not None:
            X = self._check(X, "generate")
            x, u = self.transform(X)[-1], X[-1]
        out = np.empty((n_steps, self.n_outputs_))
        for t in range(n_steps):
            out[t] = u = self.readout_ @ np.concatenate([[1.0], u, x])
            x = self._step(x, u)
        return self._shape(out)

    # --- input checks ---------------------------------------------------------------------------
    def _check(self, X, what: str) -> np.ndarray:
        self._check_is_fitted("reservoir_weights_")
        return check_array(X, f"EchoStateNetwork.{what}", n_features=self.n_features_in_, dtype=np.float64)

    @staticmethod
    def _check_target(y, n_steps: int) -> np.ndarray:
        Y = np.asarray(y, dtype=np.float64)
        Y = Y[:, None] if Y.ndim == 1 else Y
        if Y.ndim != 2 or len(Y) != n_steps:
            raise ValueError(f"EchoStateNetwork: y must have shape (n_steps,) or (n_steps, n_outputs) with "
                             f"n_steps={n_steps} (the length of X), got {np.shape(y)}")
        if not np.isfinite(Y).all():
            raise ValueError("EchoStateNetwork: y contains NaN or infinity")
        return Y

    def _shape(self, out: np.ndarray) -> np.ndarray:
        return out[:, 0] if self.y_ndim_ == 1 else out


def _real(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and np.isfinite(value)
