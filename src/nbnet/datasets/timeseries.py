"""Generated temporal data: the Mackey-Glass series and jittered spike-pattern templates.

Both are computed offline from a few lines of NumPy and are deterministic for a given ``seed``.
:func:`mackey_glass` is the benchmark of echo state networks (Jaeger & Haas, 2004);
:func:`make_spike_templates` is the classification task of liquid state machines (Maass,
Natschläger & Markram, 2002): recognise which of a few spike-train templates a noisy, jittered
spike train was made from.
"""

from __future__ import annotations

import numbers

import numpy as np

from .toy import _check_positive_int, _rng

__all__ = ["mackey_glass", "make_spike_templates"]

Seed = int | np.random.Generator | None


def mackey_glass(n_samples: int = 2000, tau: float = 17.0, *, beta: float = 0.2, gamma: float = 0.1,
                 exponent: float = 10.0, dt: float = 0.1, sample_every: int = 10, x0: float = 1.2,
                 discard: int = 1000, seed: Seed = None) -> np.ndarray:
    r"""The Mackey-Glass delay differential equation, integrated by fourth-order Runge-Kutta.

    .. math:: \frac{dx}{dt} = \beta \frac{x(t-\tau)}{1 + x(t-\tau)^{n}} - \gamma x(t)

    with ``n = exponent``.  The history is ``x(t) = x0`` for ``t <= 0`` (plus a uniform perturbation
    of up to ±0.05 when ``seed`` is given, to draw different trajectories).  The scheme is classical
    RK4 with step ``dt``; ``tau / dt`` must be an integer so that the delayed value at the start and
    end of a step is a stored grid point, and at the half step it is their mean (linear
    interpolation).  That interpolation makes the scheme second-order overall: at ``dt = 0.1`` the
    first 200 samples agree with a run at a quarter of the step to about 1e-4.  The series
    is sampled every ``sample_every`` steps (every 1 time unit by default) after dropping the first
    ``discard`` samples, the transient from the constant history.  For ``tau = 17`` the attractor is
    chaotic (largest Lyapunov exponent about 0.006 per time unit) and ``x`` stays in about
    ``[0.4, 1.35]``.

    Parameters
    ----------
    n_samples : int, default 2000
        Length of the returned series.
    tau : float, default 17.0
        Delay; 17 is the standard mildly chaotic benchmark, 30 is harder.
    beta, gamma, exponent : float
        Production rate, decay rate and Hill exponent of the equation (0.2, 0.1, 10 as usual).
    dt : float, default 0.1
        Integration step.
    sample_every : int, default 10
        Integration steps per returned sample (sampling interval ``dt * sample_every``).
    x0 : float, default 1.2
        Constant initial history.
    discard : int, default 1000
        Samples dropped at the start.
    seed : int or numpy.random.Generator, optional
        ``None`` gives the unperturbed constant history (always the same series).

    Returns
    -------
    numpy.ndarray, shape (n_samples,), float64
    """
    n_samples = _check_positive_int("n_samples", n_samples)
    sample_every = _check_positive_int("sample_every", sample_every)
    if discard < 0 or not isinstance(discard, numbers.Integral):
        raise ValueError(f"discard must be a non-negative int, got {discard!r}")
    lag = tau / dt if dt > 0 else 0.0
    if dt <= 0 or tau <= 0 or abs(lag - round(lag)) > 1e-9:
        raise ValueError(f"tau / dt must be a positive integer (tau={tau}, dt={dt}), got {lag}")
    lag = int(round(lag))
    history = np.full(lag + 1, float(x0))
    if seed is not None:
        history += _rng(seed).uniform(-0.05, 0.05, lag + 1)
    steps = (n_samples + discard) * sample_every
    x = np.empty(lag + 1 + steps)
    x[:lag + 1] = history
    _integrate(x, lag, steps, dt, beta, gamma, exponent)
    return x[lag + 1 + discard * sample_every - 1::sample_every][:n_samples].copy()


def _integrate(x: np.ndarray, lag: int, steps: int, dt: float, beta: float, gamma: float,
               exponent: float) -> None:
    """RK4 in place: ``x[k + 1]`` from ``x[k]`` with the delayed values ``x[k - lag]``, ``x[k + 1 - lag]``."""
    def f(now, delayed):
        return beta * delayed / (1.0 + delayed ** exponent) - gamma * now

    for k in range(lag, lag + steps):
        d0, d1 = x[k - lag], x[k + 1 - lag]
        d_half = 0.5 * (d0 + d1)
        k1 = f(x[k], d0)
        k2 = f(x[k] + 0.5 * dt * k1, d_half)
        k3 = f(x[k] + 0.5 * dt * k2, d_half)
        k4 = f(x[k] + dt * k3, d1)
        x[k + 1] = x[k] + dt / 6.0 * (k1 + 2 * k2 + 2 * k3 + k4)


def make_spike_templates(n_samples: int = 400, n_classes: int = 4, *, n_channels: int = 8,
                         duration: int = 200, spikes_per_channel: int = 4, jitter: float = 4.0,
                         seed: Seed = None, return_templates: bool = False):
    """Spike trains made from one of ``n_classes`` templates by jittering every spike in time.

    Each template holds exactly ``spikes_per_channel`` spikes in every input channel, at random
    times, so that every class has the same spike count in every channel: the classes differ only in
    *when* the spikes come, and a classifier that counts spikes is at chance.  A sample copies its
    class's template and moves each spike by a Gaussian jitter of standard deviation ``jitter``
    (rounded to whole time steps, kept inside the trial; two spikes landing in one bin merge).

    Parameters
    ----------
    n_samples : int, default 400
        Number of spike trains, split as evenly as possible among the classes (in shuffled order).
    n_classes : int, default 4
        Number of templates.
    n_channels : int, default 8
        Input spike channels.
    duration : int, default 200
        Time steps per trial (1 ms each in the book).
    spikes_per_channel : int, default 4
        Spikes in every channel of every template.
    jitter : float, default 4.0
        Standard deviation of each spike's time shift, in time steps.
    seed : int or numpy.random.Generator, optional
    return_templates : bool, default False
        Also return the templates, shape ``(n_classes, duration, n_channels)``.

    Returns
    -------
    x : numpy.ndarray, shape (n_samples, duration, n_channels), float32
        Spike trains, 1 where a channel spikes in a time step, else 0.
    y : numpy.ndarray, shape (n_samples,), int64
        Template (class) of each train.
    """
    n_samples = _check_positive_int("n_samples", n_samples)
    n_classes = _check_positive_int("n_classes", n_classes, minimum=2)
    n_channels = _check_positive_int("n_channels", n_channels)
    spikes_per_channel = _check_positive_int("spikes_per_channel", spikes_per_channel)
    duration = _check_positive_int("duration", duration, minimum=spikes_per_channel)
    if not isinstance(jitter, numbers.Real) or not np.isfinite(jitter) or jitter < 0:
        raise ValueError(f"jitter must be a finite number >= 0, got {jitter!r}")
    rng = _rng(seed)
    times = np.sort(np.array([[rng.choice(duration, spikes_per_channel, replace=False)
                               for _ in range(n_channels)] for _ in range(n_classes)]), axis=-1)
    y = rng.permutation(np.arange(n_samples) % n_classes)
    shifted = times[y] + np.rint(jitter * rng.standard_normal((n_samples,) + times.shape[1:]))
    shifted = np.clip(shifted, 0, duration - 1).astype(np.int64)       # (n, channels, spikes)
    x = np.zeros((n_samples, duration, n_channels), np.float32)
    sample = np.arange(n_samples)[:, None, None]
    channel = np.arange(n_channels)[None, :, None]
    x[sample, shifted, channel] = 1.0
    if not return_templates:
        return x, y.astype(np.int64)
    templates = np.zeros((n_classes, duration, n_channels), np.float32)
    templates[np.arange(n_classes)[:, None, None], times, channel] = 1.0
    return x, y.astype(np.int64), templates
