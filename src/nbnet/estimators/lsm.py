r"""Liquid state machine: a fixed spiking reservoir of leaky integrate-and-fire neurons, a trained linear readout.

Each neuron's membrane potential :math:`V_i` (in units of the firing threshold, resting at 0) obeys

.. math:: \tau_m \frac{dV_i}{dt} = -V_i + \tau_m \sum_j w_{ij} \sum_f \delta(t - t_j^f - d)
          + \tau_m \sum_k v_{ik} \sum_f \delta(t - t_k^f)

between spikes: it leaks back to rest with time constant :math:`\tau_m` and jumps by :math:`w_{ij}`
when neuron :math:`j` spiked one time step (:math:`d`) earlier, and by :math:`v_{ik}` when input
channel :math:`k` spikes.  When :math:`V_i` reaches the threshold 1 the neuron emits a spike, is reset
to 0 and stays there for a refractory period.  With a time step of 1 (ms) the exact solution between
steps gives the update

.. math:: V_i(t) = e^{-1/\tau_m} V_i(t-1) + \sum_j w_{ij} s_j(t-1) + \sum_k v_{ik} u_k(t) .

Neurons sit on a 3-D grid (Maass, Natschläger & Markram, 2002): 80 % are excitatory (all their
outgoing weights positive) and 20 % inhibitory (all negative), a simplified Dale's law; neuron
:math:`j` connects to :math:`i` with probability :math:`C \exp(-(D(i, j)/\lambda)^2)`, ``C`` depending
on the two types.  Nothing in the liquid is trained.  The readout low-pass filters each neuron's
spike train, :math:`r_i(t) = e^{-1/\tau_r} r_i(t-1) + s_i(t)`, samples it at the end of the trial
(or at several times) and fits a linear classifier by ridge regression onto one-hot targets.
"""

from __future__ import annotations

import numbers

import numpy as np

from nbnet.estimators.base import BaseEstimator, check_random_state

# connection probability scale C by (presynaptic, postsynaptic) type, E = 0, I = 1 (Maass et al. 2002)
_C = np.array([[0.3, 0.2], [0.4, 0.1]])


class LiquidStateMachine(BaseEstimator):
    """Spiking reservoir (leaky integrate-and-fire) with a ridge-regression linear readout; a classifier.

    Parameters
    ----------
    grid_shape : tuple of 3 ints, default (15, 3, 3)
        Neurons on an integer grid; ``n_neurons = prod(grid_shape)`` (135 by default).
    fraction_inhibitory : float, default 0.2
        Fraction of inhibitory neurons (chosen at random).
    connectivity_lambda : float, default 2.0
        Length scale ``lambda`` of the distance-dependent connection probability, in grid units.
        ``float("inf")`` connects every pair with probability ``C`` alone (random connectivity).
    weight_excitatory, weight_inhibitory : float
        Mean jump of the postsynaptic potential (threshold = 1) caused by one excitatory spike
        (positive) and by one inhibitory spike (given as a positive size, applied negatively).
        Each weight is drawn uniformly in [0.5, 1.5] times the mean.
    input_weight : float, default 0.6
        Mean jump caused by one input spike (uniform in [0.5, 1.5] times it).
    input_connectivity : float, default 0.3
        Probability that an input channel projects to a given neuron.
    tau_membrane : float, default 30.0
        Membrane time constant ``tau_m``, in time steps (ms).
    refractory : int, default 2
        Steps a neuron stays at reset after a spike.
    tau_readout : float, default 30.0
        Time constant of the readout's low-pass filter of the spike trains.
    readout_samples : int, default 1
        Times at which the filtered traces are read: evenly spaced, the last one at the trial's end.
    ridge : float, default 1.0
        Ridge penalty of the readout.
    random_state : None, int or numpy Generator
        Seeds the liquid (neuron types, connections, weights).

    Attributes
    ----------
    positions_ : ndarray of shape (n_neurons, 3)
        Grid position of each neuron.
    inhibitory_ : ndarray of shape (n_neurons,)
        1.0 for inhibitory neurons, 0.0 for excitatory ones.
    recurrent_weights_ : ndarray of shape (n_neurons, n_neurons)
        ``w[i, j]``: from neuron ``j`` to neuron ``i`` (column ``j`` has the sign of ``j``'s type).
    input_weights_ : ndarray of shape (n_neurons, n_inputs)
    readout_ : ndarray of shape (n_classes, 1 + n_neurons * readout_samples)
        Linear readout, bias first; the only trained weights.
    classes_ : ndarray of shape (n_classes,)
    """

    def __init__(self, grid_shape: tuple[int, int, int] = (15, 3, 3), *, fraction_inhibitory: float = 0.2,
                 connectivity_lambda: float = 2.0, weight_excitatory: float = 0.3,
                 weight_inhibitory: float = 0.6, input_weight: float = 0.6,
                 input_connectivity: float = 0.3, tau_membrane: float = 30.0, refractory: int = 2,
                 tau_readout: float = 30.0, readout_samples: int = 1, ridge: float = 1.0,
                 random_state=None):
        self.grid_shape = grid_shape
        self.fraction_inhibitory = fraction_inhibitory
        self.connectivity_lambda = connectivity_lambda
        self.weight_excitatory = weight_excitatory
        self.weight_inhibitory = weight_inhibitory
        self.input_weight = input_weight
        self.input_connectivity = input_connectivity
        self.tau_membrane = tau_membrane
        self.refractory = refractory
        self.tau_readout = tau_readout
        self.readout_samples = readout_samples
        self.ridge = ridge
        self.random_state = random_state

    # --- building the liquid --------------------------------------------------------------------
    def _check_params(self) -> None:
        shape = np.asarray(self.grid_shape)
        if shape.shape != (3,) or shape.dtype.kind not in "iu" or shape.min() < 1:
            raise ValueError(f"LiquidStateMachine: grid_shape must be 3 positive ints, got {self.grid_shape!r}")
        for name, lo, hi in [("fraction_inhibitory", 0, 1), ("input_connectivity", 0, 1)]:
            if not _real(getattr(self, name)) or not lo <= getattr(self, name) <= hi:
                raise ValueError(f"LiquidStateMachine: {name} must be in [{lo}, {hi}], got {getattr(self, name)!r}")
        for name in ("connectivity_lambda", "tau_membrane", "tau_readout"):
            value = getattr(self, name)
            if not isinstance(value, numbers.Real) or not value > 0:
                raise ValueError(f"LiquidStateMachine: {name} must be a number > 0, got {value!r}")
        for name in ("weight_excitatory", "weight_inhibitory", "input_weight", "ridge"):
            if not _real(getattr(self, name)) or getattr(self, name) < 0:
                raise ValueError(f"LiquidStateMachine: {name} must be a number >= 0, got {getattr(self, name)!r}")
        for name, lo in [("refractory", 0), ("readout_samples", 1)]:
            value = getattr(self, name)
            if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < lo:
                raise ValueError(f"LiquidStateMachine: {name} must be an int >= {lo}, got {value!r}")

    def _build(self, n_inputs: int) -> None:
        self._check_params()
        rng = check_random_state(self.random_state)
        grid = np.indices(tuple(int(g) for g in self.grid_shape)).reshape(3, -1).T.astype(float)
        n = len(grid)
        inhibitory = np.zeros(n)
        inhibitory[rng.choice(n, int(round(self.fraction_inhibitory * n)), replace=False)] = 1.0
        kind = inhibitory.astype(int)
        distance = np.linalg.norm(grid[:, None] - grid[None], axis=-1)
        p = _C[kind[None, :], kind[:, None]] * np.exp(-(distance / self.connectivity_lambda) ** 2)
        connected = (rng.random((n, n)) < p) & ~np.eye(n, dtype=bool)
        size = np.where(inhibitory == 1, -self.weight_inhibitory, self.weight_excitatory)[None, :]
        self.recurrent_weights_ = connected * size * rng.uniform(0.5, 1.5, (n, n))
        wired = rng.random((n, n_inputs)) < self.input_connectivity
        self.input_weights_ = wired * self.input_weight * rng.uniform(0.5, 1.5, (n, n_inputs))
        self.positions_, self.inhibitory_ = grid, inhibitory
        self.n_features_in_ = n_inputs

    # --- running the liquid ---------------------------------------------------------------------
    def simulate(self, X, *, return_traces: bool = False) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
        """Spikes of every neuron for every input spike train.

        Parameters
        ----------
        X : array_like of shape (n_samples, n_steps, n_inputs)
            Input spike trains (1 = spike in that step).
        return_traces : bool, default False
            Also return the readout's low-pass filtered traces ``r``.

        Returns
        -------
        spikes : ndarray of shape (n_samples, n_steps, n_neurons), bool
        traces : ndarray of shape (n_samples, n_steps, n_neurons), only with ``return_traces``
        """
        X = self._check(X, "simulate")
        spikes = np.zeros(X.shape[:2] + (len(self.inhibitory_),), bool)
        traces = np.zeros(spikes.shape) if return_traces else None
        self._run(X, spikes, traces)
        return (spikes, traces) if return_traces else spikes

    def _run(self, X: np.ndarray, spikes: np.ndarray, traces: np.ndarray | None,
             sample_at=()) -> np.ndarray:
        """The LIF update over time, all trials at once; fills ``spikes`` / ``traces`` and returns the
        filtered traces at the steps ``sample_at``, ``(n_samples, len(sample_at) * n_neurons)``."""
        n_samples, n_steps = X.shape[:2]
        n = len(self.inhibitory_)
        leak, fade = np.exp(-1.0 / self.tau_membrane), np.exp(-1.0 / self.tau_readout)
        v, r = np.zeros((n_samples, n)), np.zeros((n_samples, n))
        s, hold = np.zeros((n_samples, n)), np.zeros((n_samples, n), int)
        drive = X @ self.input_weights_.T                               # (n_samples, n_steps, n)
        samples = []
        for t in range(n_steps):
            v = leak * v + s @ self.recurrent_weights_.T + drive[:, t]
            v[hold > 0] = 0.0                                           # refractory: clamped at reset
            fired = v >= 1.0
            v[fired] = 0.0
            hold = np.where(fired, self.refractory, np.maximum(hold - 1, 0))
            s = fired.astype(float)
            r = fade * r + s
            if spikes is not None:
                spikes[:, t] = fired
            if traces is not None:
                traces[:, t] = r
            if t in sample_at:
                samples.append(r.copy())
        return np.hstack(samples) if samples else np.empty((n_samples, 0))

    def transform(self, X) -> np.ndarray:
        """Readout features: filtered spike traces at the readout times,
        ``(n_samples, n_steps, n_inputs)`` → ``(n_samples, n_neurons * readout_samples)``."""
        X = self._check(X, "transform")
        k, n_steps = self.readout_samples, X.shape[1]
        sample_at = {int(round(n_steps * (i + 1) / k)) - 1 for i in range(k)}
        return self._run(X, None, None, sample_at=sample_at)

    # --- the readout ----------------------------------------------------------------------------
    def fit(self, X, y) -> LiquidStateMachine:
        """Build the liquid (seeded) and fit the linear readout to labels ``y`` of shape ``(n_samples,)``."""
        X = _check_spikes(X, "LiquidStateMachine.fit")
        y = np.asarray(y)
        if y.ndim != 1 or len(y) != len(X):
            raise ValueError(f"LiquidStateMachine.fit: y must have shape (n_samples,) = ({len(X)},), "
                             f"got {y.shape}")
        self._build(X.shape[2])
        self.classes_, index = np.unique(y, return_inverse=True)
        if len(self.classes_) < 2:
            raise ValueError(f"LiquidStateMachine.fit: need at least 2 classes, got {self.classes_.tolist()}")
        Z = self._design(self.transform(X))
        T = np.eye(len(self.classes_))[index]
        # ∂/∂W of ||Z Wᵀ − T||² + λ||W||² = 0  →  (ZᵀZ + λI) Wᵀ = ZᵀT
        self.readout_ = np.linalg.solve(Z.T @ Z + self.ridge * np.eye(Z.shape[1]), Z.T @ T).T
        return self

    def decision_function(self, X) -> np.ndarray:
        """Readout outputs, one column per class: ``(n_samples, n_classes)``."""
        self._check_is_fitted("readout_")
        return self._design(self.transform(X)) @ self.readout_.T

    def predict(self, X) -> np.ndarray:
        """Class with the largest readout output: ``(n_samples,)``."""
        scores = self.decision_function(X)
        return self.classes_[np.argmax(scores, axis=1)]

    def score(self, X, y) -> float:
        """Accuracy of :meth:`predict` on ``(X, y)``."""
        return float(np.mean(self.predict(X) == np.asarray(y)))

    @staticmethod
    def _design(features: np.ndarray) -> np.ndarray:
        return np.hstack([np.ones((len(features), 1)), features])

    def _check(self, X, what: str) -> np.ndarray:
        self._check_is_fitted("recurrent_weights_")
        return _check_spikes(X, f"LiquidStateMachine.{what}", self.n_features_in_)


def _check_spikes(X, name: str, n_inputs: int | None = None) -> np.ndarray:
    X = np.asarray(X)
    if X.dtype.kind not in "biuf" or X.ndim != 3 or 0 in X.shape:
        raise ValueError(f"{name}: expected non-empty numeric spike trains of shape (n_samples, n_steps, "
                         f"n_inputs), got shape {X.shape} and dtype {X.dtype}")
    if n_inputs is not None and X.shape[2] != n_inputs:
        raise ValueError(f"{name}: expected {n_inputs} input channels (the number seen in fit), got {X.shape[2]}")
    if not np.all((X == 0) | (X == 1)):
        raise ValueError(f"{name}: spike trains must hold 0 or 1, got values such as {np.unique(X)[:5].tolist()}")
    return X.astype(np.float64)


def _real(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and np.isfinite(value)
