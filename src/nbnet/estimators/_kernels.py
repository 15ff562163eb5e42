"""Kernels, k-means and the ridge readout shared by the RBF network, the ELM and the SVM.

Everything here is plain NumPy: squared distances by the expansion
:math:`\\lVert x - c\\rVert^2 = \\lVert x\\rVert^2 - 2 x\\cdot c + \\lVert c\\rVert^2`, Lloyd's k-means
started by k-means++, and least squares with an L2 penalty solved as a linear system (never with an
explicit inverse).
"""

from __future__ import annotations

import numpy as np


def squared_distances(X: np.ndarray, C: np.ndarray) -> np.ndarray:
    """:math:`\\lVert x_i - c_k\\rVert^2` for every pair: ``(n, d)``, ``(k, d)`` → ``(n, k)``, clipped at 0."""
    d2 = (X * X).sum(axis=1)[:, None] - 2.0 * (X @ C.T) + (C * C).sum(axis=1)[None, :]
    return np.maximum(d2, 0.0, out=d2)


def kernel_matrix(X: np.ndarray, Y: np.ndarray, kernel: str, gamma: float, degree: int = 3,
                  coef0: float = 0.0) -> np.ndarray:
    """scikit-learn's kernels: ``"linear"`` x·y, ``"rbf"`` exp(−γ‖x − y‖²), ``"poly"`` (γ x·y + r)^d.

    ``(n, d)``, ``(m, d)`` → ``(n, m)``.
    """
    if kernel == "linear":
        return X @ Y.T
    if kernel == "rbf":
        return np.exp(-gamma * squared_distances(X, Y))
    if kernel == "poly":
        return (gamma * (X @ Y.T) + coef0) ** degree
    raise ValueError(f"kernel must be 'linear', 'rbf' or 'poly', got {kernel!r}")


def kmeans(X: np.ndarray, n_clusters: int, rng: np.random.Generator, max_iter: int = 100,
           tol: float = 1e-6) -> tuple[np.ndarray, np.ndarray, int]:
    """Lloyd's algorithm from a k-means++ start.

    Returns ``(centres (k, d), labels (n,), iterations)``; stops when no centre moves by more than
    ``tol`` times the data's mean variance.  An emptied cluster takes the point farthest from its
    centre.
    """
    centres = _kmeans_plus_plus(X, n_clusters, rng)
    scale = tol * float(X.var(axis=0).mean() or 1.0)
    iteration = 0
    while iteration < max_iter:
        iteration += 1
        d2 = squared_distances(X, centres)
        labels = d2.argmin(axis=1)
        new = np.array([X[labels == k].mean(axis=0) if np.any(labels == k) else
                        X[d2.min(axis=1).argmax()] for k in range(n_clusters)])
        shift = float(((new - centres) ** 2).sum(axis=1).max())
        centres = new
        if shift <= scale:
            break
    return centres, squared_distances(X, centres).argmin(axis=1), iteration


def _kmeans_plus_plus(X: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """Arthur & Vassilvitskii (2007): each next centre drawn with probability ∝ D(x)²."""
    centres = [X[rng.integers(len(X))]]
    d2 = squared_distances(X, centres[0][None])[:, 0]
    for _ in range(1, k):
        total = d2.sum()
        index = rng.choice(len(X), p=d2 / total) if total > 0 else rng.integers(len(X))
        centres.append(X[index])
        d2 = np.minimum(d2, squared_distances(X, X[index][None])[:, 0])
    return np.array(centres)


def ridge_readout(gram: np.ndarray, cross: np.ndarray, alpha: float,
                  free: np.ndarray | None = None) -> np.ndarray:
    """Solve :math:`(H^\\top H + \\alpha D)\\,\\beta = H^\\top T` for β.

    ``gram`` is ``HᵀH`` (p, p), ``cross`` is ``HᵀT`` (p, m).  ``D`` is the identity, except that the
    columns flagged in ``free`` (e.g. the bias column of ones) are not penalised.  A linear solve,
    not ``inv(HᵀH + αD) @ HᵀT``: cheaper and more accurate.
    """
    penalty = np.full(gram.shape[0], float(alpha))
    if free is not None:
        penalty[free] = 0.0
    system = gram + np.diag(penalty)
    try:
        return np.linalg.solve(system, cross)
    except np.linalg.LinAlgError:       # singular (alpha = 0 and collinear features): least norm
        return np.linalg.lstsq(system, cross, rcond=None)[0]


def encode_labels(y, name: str, n_samples: int) -> tuple[np.ndarray, np.ndarray]:
    """Class labels ``(n,)`` → ``(classes_, one-hot targets (n, n_classes))`` with at least two classes."""
    y = np.asarray(y)
    if y.ndim != 1 or y.shape[0] != n_samples:
        raise ValueError(f"{name}: expected labels of shape ({n_samples},), got shape {y.shape}")
    if y.dtype.kind not in "biuUS":
        if y.dtype.kind != "f" or not np.all(y == np.round(y)):
            raise ValueError(f"{name}: expected class labels (integers or strings), got dtype {y.dtype}")
    classes, index = np.unique(y, return_inverse=True)
    if classes.size < 2:
        raise ValueError(f"{name}: expected at least two classes, got only {classes.tolist()}")
    return classes, np.eye(classes.size)[index]


def check_targets(y, name: str, n_samples: int) -> np.ndarray:
    """Regression targets ``(n,)`` or ``(n, m)`` as float64, finite, one row per sample."""
    y = np.asarray(y)
    if y.dtype.kind not in "biuf" or y.ndim not in (1, 2) or y.shape[0] != n_samples:
        raise ValueError(f"{name}: expected numeric targets of shape ({n_samples},) or "
                         f"({n_samples}, n_outputs), got shape {y.shape} and dtype {y.dtype}")
    y = y.astype(np.float64)
    if not np.isfinite(y).all():
        raise ValueError(f"{name}: the targets contain NaN or infinity")
    return y
