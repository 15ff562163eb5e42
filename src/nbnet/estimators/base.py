"""A small estimator base in scikit-learn's conventions, and the input checks the estimators share.

scikit-learn is not a dependency: :class:`BaseEstimator` implements the parts of its contract that
``sklearn.base.clone``, ``Pipeline`` and grid search rely on.  Hyperparameters are the constructor's
keyword arguments, stored unchanged under the same names; what ``fit`` learns ends in ``_``.
"""

from __future__ import annotations

import inspect
import numbers
import time

import numpy as np


class BaseEstimator:
    """``get_params`` / ``set_params`` / ``repr`` from the constructor's signature (as scikit-learn)."""

    @classmethod
    def _get_param_names(cls) -> list[str]:
        signature = inspect.signature(cls.__init__)
        return sorted(p.name for p in signature.parameters.values()
                      if p.name != "self" and p.kind != p.VAR_KEYWORD)

    def get_params(self, deep: bool = True) -> dict:
        """The constructor's arguments as a dict (``deep`` is accepted for scikit-learn's sake)."""
        return {name: getattr(self, name) for name in self._get_param_names()}

    def set_params(self, **params) -> BaseEstimator:
        """Set hyperparameters by name; unknown names raise ``ValueError``."""
        valid = self._get_param_names()
        for name, value in params.items():
            if name not in valid:
                raise ValueError(f"Invalid parameter {name!r} for {type(self).__name__}; "
                                 f"valid parameters are {valid}")
            setattr(self, name, value)
        return self

    def __repr__(self) -> str:
        defaults = {p.name: p.default for p in inspect.signature(type(self).__init__).parameters.values()}
        changed = [f"{k}={v!r}" for k, v in self.get_params().items() if not _same(v, defaults.get(k))]
        return f"{type(self).__name__}({', '.join(changed)})"

    def _check_is_fitted(self, attribute: str) -> None:
        if not hasattr(self, attribute):
            raise RuntimeError(f"This {type(self).__name__} is not fitted yet: call fit() first")

    def _log(self, message: str) -> None:
        if self.verbose:
            print(f"[{type(self).__name__}] {message}", flush=True)

    def save(self, filepath, overwrite: bool = True) -> None:
        """Write hyperparameters and learned arrays to nbnet's safe file format (zip, no pickle)."""
        from nbnet.estimators.persistence import save_estimator
        save_estimator(self, filepath, overwrite=overwrite)


def _same(a, b) -> bool:
    try:
        return bool(a == b) if not isinstance(a, np.ndarray) else False
    except (TypeError, ValueError):
        return False


def check_random_state(seed) -> np.random.Generator:
    """A NumPy Generator from ``None`` (nbnet's global one, see ``set_random_seed``), an int or a Generator."""
    if seed is None:
        from nbnet.utils.rng import generator
        return generator()
    if isinstance(seed, np.random.Generator):
        return seed
    if isinstance(seed, numbers.Integral) and not isinstance(seed, bool) and seed >= 0:
        return np.random.default_rng(int(seed))
    raise ValueError(f"random_state must be None, a non-negative int or a numpy Generator, got {seed!r}")


def check_array(X, name: str, *, n_features: int | None = None, values: str = "real",
                dtype=None) -> np.ndarray:
    """Validate a 2-D data matrix ``(n_samples, n_features)``.

    ``values`` is ``"real"``, ``"unit"`` (in [0, 1]), ``"binary"`` ({0, 1}) or ``"spin"`` ({-1, +1}).
    Errors say what was wrong, what was expected and what was given.
    """
    X = np.asarray(X)
    if X.dtype.kind not in "biuf":
        raise ValueError(f"{name}: expected a numeric array, got dtype {X.dtype}")
    if X.ndim != 2:
        raise ValueError(f"{name}: expected a 2-D array (n_samples, n_features), got shape {X.shape}")
    if X.shape[0] == 0:
        raise ValueError(f"{name}: expected at least one sample, got an empty array of shape {X.shape}")
    if n_features is not None and X.shape[1] != n_features:
        raise ValueError(f"{name}: expected {n_features} features (the width seen in fit), "
                         f"got {X.shape[1]}")
    X = X.astype(dtype or (X.dtype if X.dtype.kind == "f" else np.float64), copy=False)
    if not np.isfinite(X).all():
        raise ValueError(f"{name}: the data contains NaN or infinity")
    _check_values(X, name, values)
    return X


_ALLOWED = {"unit": "values in [0, 1]", "binary": "binary values 0 or 1", "spin": "values -1 or +1"}


def _check_values(X: np.ndarray, name: str, values: str) -> None:
    ok = {"real": lambda: True,
          "unit": lambda: X.min() >= 0 and X.max() <= 1,
          "binary": lambda: np.all((X == 0) | (X == 1)),
          "spin": lambda: np.all(np.abs(X) == 1)}[values]()
    if not ok:
        bad = np.unique(X)[:5]
        raise ValueError(f"{name}: expected {_ALLOWED[values]}, got values such as {bad.tolist()}")


def even_batches(n_samples: int, batch_size: int) -> list[slice]:
    """Consecutive slices of ``batch_size`` rows, the last one shorter (as scikit-learn's RBM)."""
    return [slice(i, min(i + batch_size, n_samples)) for i in range(0, n_samples, batch_size)]


class Timer:
    """Seconds since creation (for ``verbose`` progress lines)."""

    def __init__(self):
        self.start = time.perf_counter()

    def __call__(self) -> float:
        return time.perf_counter() - self.start
