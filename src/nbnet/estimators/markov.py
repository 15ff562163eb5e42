"""A Markov chain over tokens (characters or words), estimated by counting, as a scikit-learn estimator.

A chain of order ``k`` says that the next token depends only on the ``k`` tokens before it:
``p(x_t | x_1 … x_{t−1}) = p(x_t | x_{t−k} … x_{t−1})``.  Fitting counts every (context, next token)
pair; the estimate with additive (Lidstone) smoothing ``α`` is

    p(j | c) = (n(c, j) + α) / (n(c) + α |V|),

the maximum-likelihood estimate for ``α = 0`` and Laplace's rule for ``α = 1``.  A context never
seen followed by anything gets the uniform row, so that every row is a probability distribution.

It is not a neural network: no weights are learned by gradients, there are no units, and the
"training" is a table of counts.  The network-zoo chart includes it because its picture — states
joined by probabilistic transitions — is the ancestor of the recurrent networks' state diagrams.
"""

from __future__ import annotations

import warnings

import numpy as np

from nbnet.estimators.base import BaseEstimator, check_random_state


def _as_sequences(X, what: str) -> list[list]:
    """One sequence or a list of sequences → a list of token lists.

    A ``str`` is a sequence of characters; a list/tuple/array of scalars (e.g. words) is one
    sequence; a list whose items are lists, tuples or arrays is several sequences.
    """
    if isinstance(X, str):
        return [list(X)]
    if isinstance(X, np.ndarray):
        X = X.tolist() if X.ndim == 1 else [row.tolist() for row in X]
    if not isinstance(X, (list, tuple)) or len(X) == 0:
        raise ValueError(f"{what}: expected a string, a sequence of tokens or a list of sequences, "
                         f"got {type(X).__name__} {X!r:.60}")
    if all(isinstance(s, (list, tuple, np.ndarray)) for s in X):
        return [list(s) for s in X]
    if any(isinstance(s, (list, tuple, np.ndarray)) for s in X):
        raise ValueError(f"{what}: mix of tokens and sequences; pass one sequence of tokens or a "
                         "list of sequences")
    return [list(X)]


class MarkovChain(BaseEstimator):
    """Markov chain of order ``order`` over a finite set of tokens, with additive smoothing.

    Parameters
    ----------
    order : int
        Number of previous tokens the next one depends on (``k``).
    alpha : float
        Additive smoothing: ``alpha`` pseudo-counts for every (context, token) pair.
    random_state : None, int or numpy Generator
        Default generator of :meth:`sample`; ``None`` uses nbnet's global one.

    Attributes
    ----------
    states_ : ndarray of shape (n_states,)
        The tokens seen in ``fit``, sorted; token ``states_[j]`` is column ``j``.
    contexts_ : ndarray of shape (n_contexts, order)
        Every context seen, as indices into ``states_``; row ``i`` of the tables belongs to it.
        For ``order=1`` it is every state, so the tables are square.
    counts_ : ndarray of shape (n_contexts, n_states)
        ``n(c, j)``: how often token ``j`` followed context ``c``.
    transition_matrix_ : ndarray of shape (n_contexts, n_states)
        ``p(j | c)``; every row sums to 1.
    context_counts_ : ndarray of shape (n_contexts,)
        How often each context occurred (where :meth:`sample` starts, in proportion).

    Notes
    -----
    The tables are dense, ``n_contexts × n_states`` floats: right for characters (orders up to
    about 5 on a few hundred thousand characters) and for first-order chains over a few thousand
    words; a large vocabulary at a high order would need sparse tables.
    """

    def __init__(self, order: int = 1, *, alpha: float = 0.0, random_state=None):
        self.order = order
        self.alpha = alpha
        self.random_state = random_state

    # --- fitting ------------------------------------------------------------------------------
    def fit(self, X, y=None) -> MarkovChain:
        """Count the transitions of one sequence or a list of sequences (see the module's rules)."""
        self._check_params()
        sequences = _as_sequences(X, "MarkovChain.fit")
        distinct = {t for s in sequences for t in s}
        kinds = {"str" if isinstance(t, str) else "int" if isinstance(t, (int, np.integer))
                 and not isinstance(t, bool) else type(t).__name__ for t in distinct}
        if len(kinds) != 1 or not kinds <= {"str", "int"}:
            raise ValueError(f"MarkovChain.fit: tokens must all be strings or all integers, got {sorted(kinds)}")
        tokens = sorted(distinct)
        self.states_ = np.asarray(tokens)
        index = {t: i for i, t in enumerate(tokens)}
        grams = [self._grams([index[t] for t in s]) for s in sequences]
        grams = np.concatenate(grams) if grams else np.zeros((0, self.order + 1), np.int64)
        if len(grams) == 0:
            raise ValueError(f"MarkovChain.fit: no sequence is longer than order={self.order}, so "
                             "there is no transition to count")
        self._count(grams)
        return self

    def _check_params(self) -> None:
        if not isinstance(self.order, (int, np.integer)) or isinstance(self.order, bool) or self.order < 1:
            raise ValueError(f"MarkovChain: order must be a positive integer, got {self.order!r}")
        if not np.isscalar(self.alpha) or not self.alpha >= 0:
            raise ValueError(f"MarkovChain: alpha must be a number >= 0, got {self.alpha!r}")

    def _grams(self, ids: list[int]) -> np.ndarray:
        """Every window of ``order + 1`` consecutive token ids: ``(len − order, order + 1)``."""
        ids = np.asarray(ids, np.int64)
        if len(ids) <= self.order:
            return np.zeros((0, self.order + 1), np.int64)
        return np.lib.stride_tricks.sliding_window_view(ids, self.order + 1)

    def _count(self, grams: np.ndarray) -> None:
        n_states = len(self.states_)
        if self.order == 1:
            contexts, rows = np.arange(n_states)[:, None], grams[:, 0]
        else:
            contexts, rows = np.unique(grams[:, :-1], axis=0, return_inverse=True)
        self.contexts_ = contexts.astype(np.int64)
        self.counts_ = np.zeros((len(contexts), n_states))
        np.add.at(self.counts_, (rows.ravel(), grams[:, -1]), 1.0)          # n(c, j)
        self.context_counts_ = self.counts_.sum(axis=1)
        self.transition_matrix_ = self._smoothed(self.counts_)
        self._index = None

    def _smoothed(self, counts: np.ndarray) -> np.ndarray:
        """(n(c, j) + α) / (n(c) + α|V|); rows with nothing to go on are uniform."""
        table = counts + self.alpha
        totals = table.sum(axis=1, keepdims=True)
        return np.divide(table, totals, out=np.full_like(table, 1.0 / counts.shape[1]),
                         where=totals > 0)

    # --- lookups --------------------------------------------------------------------------------
    def _context_index(self) -> dict:
        if getattr(self, "_index", None) is None:
            self._index = {tuple(c): i for i, c in enumerate(self.contexts_.tolist())}
        return self._index

    def _ids(self, sequence: list, what: str) -> np.ndarray:
        self._check_is_fitted("transition_matrix_")
        lookup = {t: i for i, t in enumerate(self.states_.tolist())}
        unknown = sorted({repr(t) for t in sequence if t not in lookup})
        if unknown:
            raise ValueError(f"MarkovChain.{what}: tokens not seen in fit: {', '.join(unknown[:5])}"
                             f"{' …' if len(unknown) > 5 else ''} (the chain knows {len(lookup)} tokens)")
        return np.asarray([lookup[t] for t in sequence], np.int64)

    def probability(self, context, token) -> float:
        """``p(token | context)``; ``context`` is the previous ``order`` tokens (a token if order=1)."""
        context = [context] if self.order == 1 and not isinstance(context, (list, tuple)) else context
        if len(context) != self.order:
            raise ValueError(f"MarkovChain.probability: context must have {self.order} token(s), "
                             f"got {len(context)}")
        ids = self._ids(list(context) + [token], "probability")
        row = self._context_index().get(tuple(ids[:-1].tolist()))
        n_states = len(self.states_)
        return 1.0 / n_states if row is None else float(self.transition_matrix_[row, ids[-1]])

    # --- likelihood -------------------------------------------------------------------------------
    def log_likelihood(self, X) -> float:
        """Natural log of the probability of every transition in ``X`` (given its first ``order`` tokens)."""
        logp = self._transition_log_probs(X)
        return float(logp.sum()) if len(logp) else 0.0

    def score(self, X, y=None) -> float:
        """Mean log-likelihood per predicted token, in nats (divide by ln 2 for bits); higher is better."""
        logp = self._transition_log_probs(X)
        if len(logp) == 0:
            raise ValueError(f"MarkovChain.score: no sequence is longer than order={self.order}")
        return float(logp.mean())

    def _transition_log_probs(self, X) -> np.ndarray:
        index, out = self._context_index(), []
        for s in _as_sequences(X, "MarkovChain.score"):
            grams = self._grams(self._ids(s, "score"))
            rows = np.array([index.get(tuple(g), -1) for g in grams[:, :-1].tolist()], np.int64)
            p = np.full(len(grams), 1.0 / len(self.states_))                 # unseen context: uniform
            seen = rows >= 0
            p[seen] = self.transition_matrix_[rows[seen], grams[seen, -1]]
            with np.errstate(divide="ignore"):
                out.append(np.log(p))
        return np.concatenate(out)

    # --- the chain as a dynamical system (order 1) --------------------------------------------------
    def stationary_distribution(self, method: str = "eigen", *, tol: float = 1e-12,
                                max_iter: int = 100_000) -> np.ndarray:
        """π with π P = π and Σ π = 1 (order 1): ``(n_states,)``.

        ``method="eigen"``: the left eigenvector of ``P`` for the eigenvalue closest to 1.
        ``method="power"``: iterate π ← π P from the uniform distribution until the L1 change is
        below ``tol``.  The answer is unique when the chain is irreducible (``alpha > 0`` makes it
        so); the power method converges when it is also aperiodic.
        """
        self._check_is_fitted("transition_matrix_")
        if self.order != 1:
            raise ValueError(f"MarkovChain.stationary_distribution needs order=1 (a chain over "
                             f"states), got order={self.order}")
        P = self.transition_matrix_
        if method == "eigen":
            values, vectors = np.linalg.eig(P.T)
            pi = np.real(vectors[:, np.argmin(np.abs(values - 1.0))])
            return pi / pi.sum()
        if method != "power":
            raise ValueError(f"method must be 'eigen' or 'power', got {method!r}")
        pi = np.full(len(P), 1.0 / len(P))
        for iteration in range(1, max_iter + 1):
            new = pi @ P                                  # π_{t+1} = π_t P
            if np.abs(new - pi).sum() < tol:
                self.n_iter_ = iteration
                return new
            pi = new
        warnings.warn(f"power method: no convergence to tol={tol} in {max_iter} iterations "
                      "(a periodic chain?)", RuntimeWarning, stacklevel=2)
        return pi

    def sample(self, n: int, random_state=None, start=None) -> list:
        """Generate ``n`` tokens: a start of at least ``order`` tokens, then one at a time from ``p(· | context)``.

        ``start``: a token (order 1) or a sequence of at least ``order`` tokens (a ``str`` is a
        sequence of characters): the sample begins with it and continues from its last ``order``
        tokens; ``None`` draws a first context in proportion to how often it occurred in ``fit``.
        Returns a list of ``n`` tokens.
        """
        self._check_is_fitted("transition_matrix_")
        if not isinstance(n, (int, np.integer)) or n < self.order:
            raise ValueError(f"MarkovChain.sample: n must be an integer >= order={self.order}, got {n!r}")
        rng = check_random_state(self.random_state if random_state is None else random_state)
        if start is None:
            weights = self.context_counts_ / self.context_counts_.sum()
            ids = list(self.contexts_[rng.choice(len(weights), p=weights)])
        else:
            start = [start] if self.order == 1 and not isinstance(start, (list, tuple)) else list(start)
            if len(start) < self.order:
                raise ValueError(f"MarkovChain.sample: start must hold at least order={self.order} "
                                 f"tokens, got {len(start)}")
            ids = list(self._ids(start, "sample"))
        index, n_states = self._context_index(), len(self.states_)
        while len(ids) < n:
            row = index.get(tuple(ids[-self.order:]))
            u = rng.random()
            ids.append(int(rng.integers(n_states)) if row is None else            # unseen: uniform
                       min(int(np.searchsorted(np.cumsum(self.transition_matrix_[row]), u, side="right")),
                           n_states - 1))
        return [self.states_[i].item() for i in ids[:n]]
