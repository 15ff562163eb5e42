"""Small generated 2-D data sets for experiments: XOR, moons, spirals and blobs.

Every generator returns ``(x, y)`` with ``x`` a ``float32`` array of shape
``(n, 2)`` (``(n, d)`` for blobs) and ``y`` an ``int64`` array of shape
``(n,)`` of class labels, and is deterministic for a given ``seed``.
"""

from __future__ import annotations

import numbers

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["make_blobs", "make_moons", "make_spirals", "make_xor"]

Seed = int | np.random.Generator | None

_XOR_CORNERS = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
_XOR_LABELS = np.array([0, 1, 1, 0])


def make_xor(
    noise: float = 0.0, n_per_corner: int = 1, seed: Seed = None
) -> tuple[np.ndarray, np.ndarray]:
    """Generate the XOR problem: points near the corners of the unit square.

    Parameters
    ----------
    noise : float, default 0.0
        Standard deviation of the Gaussian noise added to each point.
    n_per_corner : int, default 1
        Number of points around each of the four corners.
    seed : int or numpy.random.Generator, optional
        Seed of the random generator (only used when ``noise > 0``).

    Returns
    -------
    x : numpy.ndarray, shape (4 * n_per_corner, 2), float32
        Points, grouped by corner in the order (0, 0), (0, 1), (1, 0), (1, 1).
    y : numpy.ndarray, shape (4 * n_per_corner,), int64
        ``x1 XOR x2`` of the corner: 0, 1, 1, 0.

    Examples
    --------
    >>> x, y = make_xor()
    >>> x.tolist(), y.tolist()
    ([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], [0, 1, 1, 0])
    """
    noise = _check_noise(noise)
    n_per_corner = _check_positive_int("n_per_corner", n_per_corner)
    x = np.repeat(_XOR_CORNERS, n_per_corner, axis=0)
    y = np.repeat(_XOR_LABELS, n_per_corner)
    if noise > 0:
        x = x + noise * _rng(seed).standard_normal(x.shape)
    return _finish(x, y)


def make_moons(
    n_samples: int = 200, noise: float = 0.1, seed: Seed = None, shuffle: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """Generate two interleaving half circles ("moons").

    The upper moon (label 0) is the half unit circle centred on (0, 0); the
    lower one (label 1) is centred on (1, 0.5) and opens upwards.

    Parameters
    ----------
    n_samples : int, default 200
        Total number of points; the lower moon gets the extra one if odd.
    noise : float, default 0.1
        Standard deviation of the Gaussian noise added to each point.
    seed : int or numpy.random.Generator, optional
        Seed of the random generator.
    shuffle : bool, default True
        Shuffle the points; otherwise the upper moon comes first.

    Returns
    -------
    x : numpy.ndarray, shape (n_samples, 2), float32
    y : numpy.ndarray, shape (n_samples,), int64
    """
    n_samples = _check_positive_int("n_samples", n_samples)
    noise = _check_noise(noise)
    n_upper = n_samples // 2
    t_upper = np.linspace(0.0, np.pi, n_upper)
    t_lower = np.linspace(0.0, np.pi, n_samples - n_upper)
    upper = np.column_stack([np.cos(t_upper), np.sin(t_upper)])
    lower = np.column_stack([1.0 - np.cos(t_lower), 0.5 - np.sin(t_lower)])
    x = np.concatenate([upper, lower])
    y = np.repeat([0, 1], [n_upper, n_samples - n_upper])
    return _noise_and_shuffle(x, y, noise, _rng(seed), shuffle)


def make_spirals(
    n_samples: int = 300,
    n_classes: int = 3,
    noise: float = 0.2,
    seed: Seed = None,
    shuffle: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Generate the classic k-arm spiral data set (one arm per class).

    Arm ``k`` holds points at radius ``r`` from 0 to 1 and angle
    ``2*pi*k/n_classes + 4*r`` plus Gaussian noise of standard deviation
    ``noise`` (in radians), as in the CS231n course notes.

    Parameters
    ----------
    n_samples : int, default 300
        Total number of points, split as evenly as possible among the arms.
    n_classes : int, default 3
        Number of arms (classes); at least 2 and at most ``n_samples``.
    noise : float, default 0.2
        Standard deviation of the angular noise, in radians.
    seed : int or numpy.random.Generator, optional
        Seed of the random generator.
    shuffle : bool, default True
        Shuffle the points; otherwise they are grouped by class.

    Returns
    -------
    x : numpy.ndarray, shape (n_samples, 2), float32
        Points inside the unit disc.
    y : numpy.ndarray, shape (n_samples,), int64
        Labels in ``0 .. n_classes - 1``.
    """
    n_samples = _check_positive_int("n_samples", n_samples)
    n_classes = _check_positive_int("n_classes", n_classes, minimum=2)
    if n_classes > n_samples:
        raise ValueError(
            f"n_classes must be at most n_samples ({n_samples}), got {n_classes}"
        )
    noise = _check_noise(noise)
    rng = _rng(seed)
    sizes = [len(part) for part in np.array_split(np.arange(n_samples), n_classes)]
    y = np.repeat(np.arange(n_classes), sizes)
    r = np.concatenate([np.linspace(0.0, 1.0, size) for size in sizes])
    angle = 2 * np.pi * y / n_classes + 4.0 * r + noise * rng.standard_normal(n_samples)
    x = r[:, None] * np.column_stack([np.sin(angle), np.cos(angle)])
    return _noise_and_shuffle(x, y, 0.0, rng, shuffle)


def make_blobs(
    n_samples: int = 300,
    centers: int | ArrayLike = 3,
    std: float = 1.0,
    seed: Seed = None,
    shuffle: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Generate isotropic Gaussian clusters, one class per cluster.

    Parameters
    ----------
    n_samples : int, default 300
        Total number of points, split as evenly as possible among clusters.
    centers : int or array_like of shape (k, d), default 3
        Number of clusters, with centres drawn uniformly in [-10, 10]^2, or
        the centres themselves.
    std : float, default 1.0
        Standard deviation of each cluster.
    seed : int or numpy.random.Generator, optional
        Seed of the random generator.
    shuffle : bool, default True
        Shuffle the points; otherwise they are grouped by class.

    Returns
    -------
    x : numpy.ndarray, shape (n_samples, d), float32
        ``d`` is 2 when ``centers`` is an int.
    y : numpy.ndarray, shape (n_samples,), int64
        Index of the cluster of each point.
    """
    n_samples = _check_positive_int("n_samples", n_samples)
    std = _check_noise(std, name="std")
    rng = _rng(seed)
    if isinstance(centers, numbers.Integral) and not isinstance(centers, bool):
        k = _check_positive_int("centers", centers)
        centers = rng.uniform(-10.0, 10.0, size=(k, 2))
    centers = np.asarray(centers, dtype=np.float64)
    if centers.ndim != 2 or len(centers) == 0 or not np.all(np.isfinite(centers)):
        raise ValueError(
            "centers must be a positive int or a finite array of shape (k, d), "
            f"got an array of shape {centers.shape}"
        )
    sizes = [len(part) for part in np.array_split(np.arange(n_samples), len(centers))]
    y = np.repeat(np.arange(len(centers)), sizes)
    return _noise_and_shuffle(centers[y], y, std, rng, shuffle)


def _rng(seed: Seed) -> np.random.Generator:
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is not None and (
        not isinstance(seed, numbers.Integral) or isinstance(seed, bool)
    ):
        raise ValueError(
            f"seed must be None, an int or a numpy Generator, got {seed!r}"
        )
    return np.random.default_rng(seed)


def _check_positive_int(name: str, value: object, minimum: int = 1) -> int:
    if (
        not isinstance(value, numbers.Integral)
        or isinstance(value, bool)
        or value < minimum
    ):
        raise ValueError(f"{name} must be an int >= {minimum}, got {value!r}")
    return int(value)


def _check_noise(value: object, name: str = "noise") -> float:
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool)
    if not ok or not np.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a finite float >= 0, got {value!r}")
    return float(value)


def _noise_and_shuffle(
    x: np.ndarray, y: np.ndarray, noise: float, rng: np.random.Generator, shuffle: bool
) -> tuple[np.ndarray, np.ndarray]:
    if noise > 0:
        x = x + noise * rng.standard_normal(x.shape)
    if shuffle:
        order = rng.permutation(len(y))
        x, y = x[order], y[order]
    return _finish(x, y)


def _finish(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return x.astype(np.float32), y.astype(np.int64)
