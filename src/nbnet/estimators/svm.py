"""Support vector classifier (binary), trained by sequential minimal optimisation (SMO).

With labels :math:`y_i \\in \\{-1, +1\\}` and a kernel :math:`K`, the soft-margin SVM's dual is

.. math:: \\min_\\alpha\\ \\tfrac12 \\alpha^\\top Q \\alpha - \\mathbf 1^\\top \\alpha, \\qquad
          Q_{ij} = y_i y_j K(x_i, x_j), \\quad 0 \\le \\alpha_i \\le C, \\quad y^\\top \\alpha = 0,

and the decision function is :math:`f(x) = \\sum_i \\alpha_i y_i K(x_i, x) + b`.  The points with
:math:`\\alpha_i > 0` are the support vectors; all others could be deleted without changing
:math:`f`.  SMO (Platt 1998) changes two multipliers at a time, the smallest step that keeps
:math:`y^\\top\\alpha = 0`, and solves that two-variable problem exactly.  The pair is chosen as in
LIBSVM (Fan, Chen & Lin 2005): the most violating :math:`i`, then the :math:`j` whose step lowers
the objective most (second-order information).  It stops when the KKT conditions hold to ``tol``.
"""

from __future__ import annotations

import numpy as np

from nbnet.estimators._kernels import encode_labels, kernel_matrix
from nbnet.estimators.base import BaseEstimator, check_array

TAU = 1e-12      # LIBSVM's floor for a non-positive curvature a_ij


class SVC(BaseEstimator):
    """C-support vector classification for two classes (scikit-learn's ``SVC`` interface).

    Parameters
    ----------
    C : float
        Penalty on margin violations (the box :math:`0 \\le \\alpha_i \\le C`).
    kernel : {"rbf", "linear", "poly"}
    degree : int
        Degree of the ``"poly"`` kernel :math:`(\\gamma\\, x\\cdot x' + r)^d`.
    gamma : {"scale", "auto"} or float
        ``"scale"``: 1 / (n_features · X.var()); ``"auto"``: 1 / n_features (as scikit-learn).
    coef0 : float
        :math:`r` in the ``"poly"`` kernel.
    tol : float
        Stop when the largest KKT violation gap :math:`m(\\alpha) - M(\\alpha)` is below ``tol``.
    max_iter : int
        Most SMO steps; ``-1`` for no limit.

    Attributes
    ----------
    classes_ : ndarray of shape (2,)
        ``decision_function > 0`` means ``classes_[1]``.
    support_ : ndarray of shape (n_SV,)
        Indices of the support vectors in the training data, class 0's first (as scikit-learn).
    support_vectors_ : ndarray of shape (n_SV, n_features)
    n_support_ : ndarray of shape (2,)
    dual_coef_ : ndarray of shape (1, n_SV)
        :math:`\\alpha_i y_i` of each support vector.
    intercept_ : ndarray of shape (1,)
    coef_ : ndarray of shape (1, n_features)
        :math:`w = \\sum_i \\alpha_i y_i x_i`, for ``kernel="linear"`` only.
    n_iter_ : int
        SMO steps taken.
    """

    def __init__(self, C: float = 1.0, kernel: str = "rbf", degree: int = 3, gamma="scale",
                 coef0: float = 0.0, tol: float = 1e-3, max_iter: int = -1):
        self.C = C
        self.kernel = kernel
        self.degree = degree
        self.gamma = gamma
        self.coef0 = coef0
        self.tol = tol
        self.max_iter = max_iter

    def fit(self, X, y) -> SVC:
        """Solve the dual on ``X`` ``(n, n_features)`` with two-class labels ``y`` ``(n,)``."""
        X = check_array(X, "SVC.fit", dtype=np.float64)
        self.classes_, onehot = encode_labels(y, "SVC.fit", len(X))
        if self.classes_.size != 2:
            raise ValueError(f"SVC.fit: this SVC is binary; expected 2 classes, got {self.classes_.size} "
                             "(train one SVC per pair or per class for more)")
        if not self.C > 0:
            raise ValueError(f"C must be positive, got {self.C!r}")
        self.n_features_in_ = X.shape[1]
        self._gamma_ = np.array(self._resolve_gamma(X))                # the γ used, kept with the model
        signs = np.where(onehot[:, 1] == 1, 1.0, -1.0)
        K = self._kernel(X, X)
        alpha, rho, self.n_iter_ = smo(K, signs, float(self.C), float(self.tol), int(self.max_iter))
        self._keep_support_vectors(X, signs, alpha, rho)
        return self

    def _keep_support_vectors(self, X, signs, alpha, rho) -> None:
        sv = np.flatnonzero(alpha > 0)
        sv = np.concatenate([sv[signs[sv] < 0], sv[signs[sv] > 0]])     # class 0 first
        self.support_ = sv
        self.support_vectors_ = X[sv]
        self.n_support_ = np.array([np.sum(signs[sv] < 0), np.sum(signs[sv] > 0)], np.int32)
        self.dual_coef_ = (alpha[sv] * signs[sv])[None, :]
        self.intercept_ = np.array([-rho])
        if self.kernel == "linear":
            self.coef_ = self.dual_coef_ @ self.support_vectors_        # w = Σ α_i y_i x_i

    def _resolve_gamma(self, X: np.ndarray) -> float:
        if self.gamma == "scale":
            var = X.var()
            return 1.0 / (X.shape[1] * var) if var > 0 else 1.0
        if self.gamma == "auto":
            return 1.0 / X.shape[1]
        if isinstance(self.gamma, (int, float, np.number)) and self.gamma > 0:
            return float(self.gamma)
        raise ValueError(f"gamma must be 'scale', 'auto' or a positive number, got {self.gamma!r}")

    def _kernel(self, A: np.ndarray, B: np.ndarray) -> np.ndarray:
        return kernel_matrix(A, B, self.kernel, float(self._gamma_), self.degree, self.coef0)

    def decision_function(self, X) -> np.ndarray:
        """:math:`f(x) = \\sum_{i \\in SV} \\alpha_i y_i K(x_i, x) + b`: ``(n, n_features)`` → ``(n,)``."""
        self._check_is_fitted("dual_coef_")
        X = check_array(X, "SVC.decision_function", n_features=self.n_features_in_, dtype=np.float64)
        return (self._kernel(X, self.support_vectors_) @ self.dual_coef_[0]) + self.intercept_[0]

    def predict(self, X) -> np.ndarray:
        """``classes_[1]`` where the decision function is positive, else ``classes_[0]``."""
        positive = self.decision_function(X) > 0
        return self.classes_[positive.astype(int)]

    def score(self, X, y) -> float:
        """Mean accuracy."""
        return float(np.mean(self.predict(X) == np.asarray(y)))


def smo(K: np.ndarray, y: np.ndarray, C: float, tol: float, max_iter: int = -1):
    """Solve the SVM dual for kernel matrix ``K`` ``(n, n)`` and labels ``y`` ∈ {−1, +1} ``(n,)``.

    Returns ``(alpha (n,), rho, steps)``; the decision function is ``Σ α_i y_i K(x_i, x) − rho``.
    """
    n = len(y)
    alpha = np.zeros(n)
    grad = -np.ones(n)                       # ∇f(α) = Qα − 1, and α starts at 0
    diag = np.diag(K).copy()
    limit = max_iter if max_iter >= 0 else max(10_000_000, 100 * n)
    steps = 0
    while steps < limit:
        pair = _working_set(alpha, grad, y, K, diag, C, tol)
        if pair is None:
            break
        i, j = pair
        _two_variable_step(alpha, grad, y, K, diag, C, i, j)
        steps += 1
    return alpha, _rho(alpha, grad, y, C), steps


def _working_set(alpha, grad, y, K, diag, C, tol):
    """LIBSVM's WSS 2: i maximises −y_t ∇_t over I_up; j minimises −b²/a over I_low."""
    minus_yg = -y * grad
    up = ((y > 0) & (alpha < C)) | ((y < 0) & (alpha > 0))
    low = ((y < 0) & (alpha < C)) | ((y > 0) & (alpha > 0))
    if not up.any() or not low.any():
        return None
    i = int(np.flatnonzero(up)[minus_yg[up].argmax()])
    if minus_yg[i] - minus_yg[low].min() < tol:          # m(α) − M(α) < tol: KKT hold
        return None
    b = minus_yg[i] - minus_yg                             # b_it > 0 for a violating pair
    a = diag[i] + diag - 2.0 * K[i]                        # curvature along the pair's direction
    a = np.where(a > 0, a, TAU)
    candidates = low & (b > 0)
    gain = np.where(candidates, -(b * b) / a, np.inf)
    return i, int(gain.argmin())


def _two_variable_step(alpha, grad, y, K, diag, C, i, j):
    """Move α_i by +y_i λ and α_j by −y_j λ (keeps yᵀα = 0) with the exact, box-clipped λ."""
    a = max(diag[i] + diag[j] - 2.0 * K[i, j], TAU)
    b = -y[i] * grad[i] + y[j] * grad[j]
    lam = b / a                                            # minimiser of the 1-D quadratic
    lam = min(lam, C - alpha[i] if y[i] > 0 else alpha[i])
    lam = min(lam, alpha[j] if y[j] > 0 else C - alpha[j])
    d_i, d_j = y[i] * lam, -y[j] * lam
    alpha[i] += d_i
    alpha[j] += d_j
    alpha[i] = min(max(alpha[i], 0.0), C)                  # remove rounding outside the box
    alpha[j] = min(max(alpha[j], 0.0), C)
    # ∇f = Qα − 1 changes by Q[:, i] Δα_i + Q[:, j] Δα_j, with Q[:, t] = y y_t K[:, t]
    grad += y * (y[i] * d_i * K[:, i] + y[j] * d_j * K[:, j])


def _rho(alpha, grad, y, C) -> float:
    """ρ = mean of y_t ∇_t over free vectors (0 < α_t < C), else the middle of the feasible range."""
    yg = y * grad
    free = (alpha > 0) & (alpha < C)
    if free.any():
        return float(yg[free].mean())
    at_upper = alpha >= C
    lower_side = (at_upper & (y < 0)) | (~at_upper & (y > 0))
    ub = yg[lower_side].min() if lower_side.any() else np.inf
    lb = yg[~lower_side].max() if (~lower_side).any() else -np.inf
    return float((ub + lb) / 2) if np.isfinite(ub + lb) else float(yg.mean())
