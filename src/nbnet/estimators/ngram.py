"""Interpolated Kneser–Ney character language model (Kneser & Ney, 1995; Chen & Goodman, 1998).

With ``h`` a context of ``k − 1`` characters, ``h'`` the same context without its first character,
and one discount ``0 < D ≤ 1``::

    p_k(w | h) = max(c_k(h w) − D, 0) / c_k(h)  +  D · N1+(h •) / c_k(h) · p_{k−1}(w | h'),
    p_0(w) = 1 / |V|.

At the model's order ``n``, ``c_n`` counts occurrences; below it, ``c_k(h w) = N1+(• h w)`` counts the
distinct characters seen *before* ``h w`` ("continuation counts").  ``N1+(h •)`` is the number of
distinct characters seen after ``h``.  A context never seen (``c_k(h) = 0``) leaves ``p_{k−1}``
unchanged.  Every conditional distribution sums to one over the vocabulary.
"""

from __future__ import annotations

from collections import Counter, defaultdict

import numpy as np

from nbnet.estimators.base import BaseEstimator


class KneserNeyLM(BaseEstimator):
    """Character ``n``-gram language model with interpolated Kneser–Ney smoothing.

    Parameters
    ----------
    order : int
        ``n``: each character is predicted from the ``n − 1`` before it.
    discount : float
        ``D`` in (0, 1], subtracted from every seen count.
    vocabulary : str, sequence of str or None
        The characters the model predicts over (``|V|`` of the uniform floor).  ``None``: the
        distinct characters of the text given to :meth:`fit`.  Held-out text may contain only these.

    Attributes
    ----------
    vocabulary_ : ndarray of shape (V,), dtype ``<U1``
        The sorted vocabulary; :meth:`predict_proba` follows its order.
    text_ : ndarray of shape (n_chars,), dtype ``<U1``
        The training text (the counts are rebuilt from it after :func:`load_estimator`).

    Examples
    --------
    >>> from nbnet.estimators import KneserNeyLM
    >>> lm = KneserNeyLM(order=3, discount=0.75).fit("the cat sat on the mat. the cat ran.")
    >>> round(lm.bits_per_char("the rat sat."), 2) < 3.0
    True
    """

    def __init__(self, order: int = 5, discount: float = 0.9, vocabulary=None):
        self.order = order
        self.discount = discount
        self.vocabulary = vocabulary

    # --- fitting ----------------------------------------------------------------------------------
    def fit(self, X, y=None) -> KneserNeyLM:
        """Count the ``k``-grams (``k = 1 … order``) of the text ``X`` (a ``str``); returns ``self``."""
        if not isinstance(self.order, (int, np.integer)) or isinstance(self.order, bool) or self.order < 1:
            raise ValueError(f"KneserNeyLM: order must be an integer >= 1, got {self.order!r}")
        if not 0.0 < float(self.discount) <= 1.0:
            raise ValueError(f"KneserNeyLM: discount must be in (0, 1], got {self.discount!r}")
        X = _check_text(X, "KneserNeyLM.fit")
        if len(X) < self.order:
            raise ValueError(f"KneserNeyLM.fit: the text has {len(X)} characters, fewer than "
                             f"order={self.order}")
        vocab = sorted(set(X) if self.vocabulary is None else set(self.vocabulary))
        unknown = sorted(set(X) - set(vocab))
        if unknown:
            raise ValueError(f"KneserNeyLM.fit: characters {unknown[:10]!r} of the text are not in "
                             f"the given vocabulary ({len(vocab)} characters)")
        self.vocabulary_ = np.array(vocab, dtype="<U1")
        self.text_ = np.array(list(X), dtype="<U1")
        self._build(X)
        return self

    def _build(self, X: str) -> None:
        """Count tables ``_table[k − 1]`` (k-gram → count) and per-context totals and types."""
        n = self.order
        grams = [Counter(X[i:i + k] for i in range(len(X) - k + 1)) for k in range(1, n + 1)]
        # below the top order: continuation counts N1+(• h w), the distinct left neighbours of h w
        cont = [Counter(g[1:] for g in grams[k]) for k in range(1, n)]
        self._table = cont + [grams[-1]]
        self._total, self._types = [], []
        for tab in self._table:
            total, types = defaultdict(int), defaultdict(int)
            for g, c in tab.items():
                total[g[:-1]] += c                 # c_k(h) = Σ_w c_k(h w)
                types[g[:-1]] += 1                 # N1+(h •)
            self._total.append(dict(total))
            self._types.append(dict(types))
        self._index = {c: i for i, c in enumerate(self.vocabulary_.tolist())}

    def _tables(self) -> None:
        self._check_is_fitted("text_")
        if not hasattr(self, "_table"):            # loaded from a file: rebuild the counts
            self._build("".join(self.text_.tolist()))

    # --- probabilities ------------------------------------------------------------------------------
    def _prob(self, history: str, ch: str) -> float:
        """p(ch | last order − 1 characters of history), by the recursion from the uniform floor."""
        D, p = float(self.discount), 1.0 / len(self.vocabulary_)
        for k in range(1, self.order + 1):
            h = history[len(history) - k + 1:] if k > 1 else ""
            total = self._total[k - 1].get(h, 0)
            if len(h) < k - 1 or total == 0:
                break
            p = (max(self._table[k - 1].get(h + ch, 0) - D, 0) + D * self._types[k - 1][h] * p) / total
        return p

    def predict_proba(self, context: str = "") -> np.ndarray:
        """p(w | context) for every ``w`` of ``vocabulary_``: shape ``(V,)``, summing to one."""
        self._tables()
        context = _check_text(context, "KneserNeyLM.predict_proba", allow_empty=True)
        return np.array([self._prob(context, w) for w in self.vocabulary_.tolist()])

    def log_prob(self, X, context: str = "") -> np.ndarray:
        """Natural-log probability of each character of ``X`` given everything before it.

        ``context`` is text just before ``X`` (only its last ``order − 1`` characters matter).
        Returns shape ``(len(X),)``.
        """
        self._tables()
        X = _check_text(X, "KneserNeyLM.log_prob")
        context = _check_text(context, "KneserNeyLM.log_prob", allow_empty=True)
        unknown = sorted(set(X) - self._index.keys())
        if unknown:
            raise ValueError(f"KneserNeyLM.log_prob: characters {unknown[:10]!r} are not in the "
                             f"vocabulary ({len(self.vocabulary_)} characters); pass vocabulary= "
                             "to the constructor to include them")
        m = self.order - 1
        full = (context[len(context) - m:] if m else "") + X
        off = len(full) - len(X)
        return np.log([self._prob(full[max(i - m, 0):i], full[i]) for i in range(off, len(full))])

    def bits_per_char(self, X, context: str = "") -> float:
        """Mean −log₂ p(character | the ones before it) over ``X`` (lower is better)."""
        return float(-np.mean(self.log_prob(X, context)) / np.log(2.0))

    def score(self, X, y=None, context: str = "") -> float:
        """Mean log₂-probability per character, ``−bits_per_char``: greater is better (scikit-learn)."""
        return -self.bits_per_char(X, context)


def _check_text(X, name: str, allow_empty: bool = False) -> str:
    if not isinstance(X, str):
        raise TypeError(f"{name}: expected a str of text, got {type(X).__name__}")
    if not X and not allow_empty:
        raise ValueError(f"{name}: expected a non-empty text, got ''")
    return X
