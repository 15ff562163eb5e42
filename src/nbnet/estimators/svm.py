"""Support vector classifier, trained by sequential minimal optimisation (SMO); one-vs-one for many classes.

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
    """C-support vector classification (scikit-learn's ``SVC`` interface), one-vs-one for many classes.

    With :math:`k > 2` classes one binary SVM is trained for every pair :math:`(i, j)`, :math:`i < j`
    (:math:`i` is its positive class, as in LIBSVM), and ``predict`` takes a vote; the attributes
    follow scikit-learn's layout so that they can be compared entry by entry.

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
        Most SMO steps per pair of classes; ``-1`` for no limit.
    decision_function_shape : {"ovr", "ovo"}
        With more than two classes: ``"ovo"`` returns one column per pair, ``"ovr"`` one per class
        (votes plus a confidence in (−1/3, 1/3), as scikit-learn).

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        With two classes, ``decision_function > 0`` means ``classes_[1]``.
    support_ : ndarray of shape (n_SV,)
        Indices of the support vectors in the training data, grouped by class (as scikit-learn).
    support_vectors_ : ndarray of shape (n_SV, n_features)
    n_support_ : ndarray of shape (n_classes,)
    dual_coef_ : ndarray of shape (n_classes - 1, n_SV)
        :math:`\\alpha_i y_i`; a support vector of class :math:`c` has its coefficient for the pair
        :math:`(c, o)` in row :math:`o` if :math:`o < c`, else :math:`o - 1`.
    intercept_ : ndarray of shape (n_classes · (n_classes − 1) / 2,)
        One per pair, in the order (0, 1), (0, 2), …, (1, 2), …
    coef_ : ndarray of shape (n_pairs, n_features)
        :math:`w = \\sum_i \\alpha_i y_i x_i` per pair, for ``kernel="linear"`` only.
    n_iter_ : ndarray of shape (n_pairs,)
        SMO steps taken for each pair.
    """

    def __init__(self, C: float = 1.0, kernel: str = "rbf", degree: int = 3, gamma="scale",
                 coef0: float = 0.0, tol: float = 1e-3, max_iter: int = -1,
                 decision_function_shape: str = "ovr"):
        self.C = C
        self.kernel = kernel
        self.degree = degree
        self.gamma = gamma
        self.coef0 = coef0
        self.tol = tol
        self.max_iter = max_iter
        self.decision_function_shape = decision_function_shape

    def fit(self, X, y) -> SVC:
        """Solve the dual on ``X`` ``(n, n_features)`` for labels ``y`` ``(n,)`` (pair by pair)."""
        X = check_array(X, "SVC.fit", dtype=np.float64)
        self.classes_, onehot = encode_labels(y, "SVC.fit", len(X))
        if not self.C > 0:
            raise ValueError(f"C must be positive, got {self.C!r}")
        if self.decision_function_shape not in ("ovr", "ovo"):
            raise ValueError(f"decision_function_shape must be 'ovr' or 'ovo', got {self.decision_function_shape!r}")
        self.n_features_in_ = X.shape[1]
        self._gamma_ = np.array(self._resolve_gamma(X))                # the γ used, kept with the model
        labels, k = onehot.argmax(axis=1), self.classes_.size
        K = self._kernel(X, X)
        coef, intercepts, steps = np.zeros((len(X), k - 1)), [], []
        for i, j in _pairs(k):
            rows = np.flatnonzero((labels == i) | (labels == j))
            signs = np.where(labels[rows] == i, 1.0, -1.0)             # class i is the positive one
            alpha, rho, n = smo(K[np.ix_(rows, rows)], signs, float(self.C), float(self.tol),
                                int(self.max_iter))
            coef[rows, np.where(labels[rows] == i, j - 1, i)] = alpha * signs
            intercepts.append(-rho)
            steps.append(n)
        self.n_iter_ = np.array(steps)
        self._keep_support_vectors(X, labels, coef, np.array(intercepts))
        return self

    def _keep_support_vectors(self, X, labels, coef, intercept) -> None:
        sv = np.flatnonzero(np.any(coef != 0, axis=1))
        sv = sv[np.lexsort((sv, labels[sv]))]                            # grouped by class
        self.support_, self.support_vectors_ = sv, X[sv]
        self.n_support_ = np.bincount(labels[sv], minlength=self.classes_.size).astype(np.int32)
        self.dual_coef_, self.intercept_ = coef[sv].T, intercept
        if self.classes_.size == 2:       # scikit-learn's binary sign: positive means classes_[1]
            self.dual_coef_, self.intercept_ = -self.dual_coef_, -self.intercept_
        if self.kernel == "linear":       # w = Σ α_i y_i x_i for each pair
            self.coef_ = np.array([a @ self.support_vectors_[s] for s, a in self._pair_terms()])

    def _pair_terms(self):
        """Per pair (i, j): (support vector index array, their coefficients in that pair)."""
        edges = np.r_[0, np.cumsum(self.n_support_)]
        for i, j in _pairs(self.classes_.size):
            si, sj = np.arange(edges[i], edges[i + 1]), np.arange(edges[j], edges[j + 1])
            yield np.r_[si, sj], np.r_[self.dual_coef_[j - 1, si], self.dual_coef_[i, sj]]

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

    def _ovo(self, X) -> np.ndarray:
        """Pairwise decision values :math:`f_{ij}(x) = \\sum \\alpha y K(x_s, x) + b_{ij}`: ``(n, n_pairs)``."""
        self._check_is_fitted("dual_coef_")
        X = check_array(X, "SVC.decision_function", n_features=self.n_features_in_, dtype=np.float64)
        Kx = self._kernel(X, self.support_vectors_)
        if self.classes_.size == 2:
            return (Kx @ self.dual_coef_[0] + self.intercept_[0])[:, None]
        return np.column_stack([Kx[:, s] @ a for s, a in self._pair_terms()]) + self.intercept_

    def decision_function(self, X) -> np.ndarray:
        """``(n,)`` for two classes; else ``(n, n_classes)`` (``"ovr"``) or ``(n, n_pairs)`` (``"ovo"``)."""
        dec = self._ovo(X)
        if self.classes_.size == 2:
            return dec[:, 0]
        if self.decision_function_shape == "ovo":
            return dec
        votes, confidence = _tally(dec, self.classes_.size)
        return votes + confidence / (3 * (np.abs(confidence) + 1))    # scikit-learn's ovr transform

    def predict(self, X) -> np.ndarray:
        """Two classes: the sign of the decision function; more: the class with most pairwise votes."""
        dec = self._ovo(X)
        if self.classes_.size == 2:
            return self.classes_[(dec[:, 0] > 0).astype(int)]
        return self.classes_[_tally(dec, self.classes_.size)[0].argmax(axis=1)]

    def score(self, X, y) -> float:
        """Mean accuracy."""
        return float(np.mean(self.predict(X) == np.asarray(y)))


def _pairs(k: int) -> list[tuple[int, int]]:
    return [(i, j) for i in range(k) for j in range(i + 1, k)]


def _tally(dec: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Votes ``(n, k)`` (pair (i, j) votes i where f_ij > 0, else j) and summed confidences ±f_ij."""
    votes, confidence = np.zeros((len(dec), k)), np.zeros((len(dec), k))
    for p, (i, j) in enumerate(_pairs(k)):
        positive = dec[:, p] > 0
        votes[positive, i] += 1
        votes[~positive, j] += 1
        confidence[:, i] += dec[:, p]
        confidence[:, j] -= dec[:, p]
    return votes, confidence


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
