"""Deep belief network: RBMs trained greedily, one layer at a time, then unrolled into a classifier.

Layer ``l`` is an RBM fitted to the hidden probabilities that the layers below produce from the
data.  As a generative model the top two layers form an undirected RBM and the connections below
point down (a sigmoid belief net): to sample, run Gibbs sampling in the top RBM and pass the result
down through p(v | h) of each lower RBM.
"""

from __future__ import annotations

import numpy as np

from nbnet.estimators.base import BaseEstimator, Timer, check_array, check_random_state
from nbnet.estimators.rbm import RBM


class DBN(BaseEstimator):
    """A greedy stack of :class:`RBM` s.

    Parameters
    ----------
    hidden_layer_sizes : tuple of int
        Hidden units of each RBM, bottom first.
    learning_rate, batch_size, n_iter, k, persistent :
        Passed to every layer's :class:`RBM`.
    verbose : int
        Print each layer's progress when non-zero.
    random_state : None, int or numpy Generator
        Seeds the layers in turn.

    Attributes
    ----------
    rbms_ : list of RBM
        The fitted layers, bottom first.
    """

    def __init__(self, hidden_layer_sizes=(500, 500), *, learning_rate: float = 0.1,
                 batch_size: int = 10, n_iter: int = 10, k: int = 1, persistent: bool = True,
                 verbose: int = 0, random_state=None):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.n_iter = n_iter
        self.k = k
        self.persistent = persistent
        self.verbose = verbose
        self.random_state = random_state

    def fit(self, X, y=None) -> DBN:
        """Greedy layer-wise training on data ``(n_samples, n_features)`` with values in [0, 1]."""
        X = check_array(X, "DBN.fit", values="unit")
        if len(self.hidden_layer_sizes) == 0:
            raise ValueError("hidden_layer_sizes must name at least one layer, got ()")
        rng, timer = check_random_state(self.random_state), Timer()
        self.rbms_, self.n_features_in_ = [], X.shape[1]
        for depth, units in enumerate(self.hidden_layer_sizes):
            rbm = RBM(int(units), learning_rate=self.learning_rate, batch_size=self.batch_size,
                      n_iter=self.n_iter, k=self.k, persistent=self.persistent,
                      verbose=self.verbose, random_state=rng)
            X = rbm.fit(X).transform(X)               # the next layer's data: p(h = 1 | layer below)
            self.rbms_.append(rbm)
            self._log(f"layer {depth + 1} ({units} units) trained, time = {timer():.2f}s")
        return self

    def transform(self, X) -> np.ndarray:
        """The top layer's hidden probabilities: ``(n, n_features)`` → ``(n, hidden_layer_sizes[-1])``."""
        self._check_is_fitted("rbms_")
        X = check_array(X, "DBN.transform", n_features=self.n_features_in_, values="unit")
        for rbm in self.rbms_:
            X = rbm.transform(X)
        return X

    def sample(self, n_samples: int, n_gibbs: int = 1000, random_state=None) -> np.ndarray:
        """Draw from the generative model: ``n_gibbs`` Gibbs steps in the top RBM, then a down pass.

        Returns the visible probabilities p(v = 1 | h₁), shape ``(n_samples, n_features)``.
        """
        self._check_is_fitted("rbms_")
        rng = check_random_state(self.random_state if random_state is None else random_state)
        top = self.rbms_[-1]
        dtype = top.components_.dtype
        v = (rng.random((n_samples, top.n_features_in_)) < 0.5).astype(dtype)
        for _ in range(n_gibbs):                      # the top two layers: an undirected RBM
            h = top._sample(top._mean_hiddens(v), rng)
            v = top._sample(top._mean_visibles(h), rng)
        for rbm in reversed(self.rbms_[:-1]):         # below: directed, top-down p(v | h)
            p = rbm._mean_visibles(v)
            v = rbm._sample(p, rng)
        return p if len(self.rbms_) > 1 else top._mean_visibles(h)

    def to_sequential(self, n_classes: int | None = None, *, output_activation: str = "softmax",
                      dropout: float = 0.0):
        """An nbnet ``Sequential`` of sigmoid ``Dense`` layers initialised from the stack.

        Layer ``l``'s kernel is ``rbms_[l].components_.T`` and its bias ``intercept_hidden_``, so its
        outputs are the hidden probabilities :meth:`transform` computes.  With ``n_classes``, a
        freshly initialised ``Dense(n_classes, output_activation)`` is added on top; with
        ``dropout > 0``, a ``Dropout(dropout)`` follows each hidden layer (active only in training).
        """
        from nbnet import layers
        from nbnet.models import Sequential
        self._check_is_fitted("rbms_")
        hidden = [layers.Dense(r.n_components, activation="sigmoid") for r in self.rbms_]
        stack = [layers.Input((self.n_features_in_,))]
        for dense in hidden:
            stack += [dense] + ([layers.Dropout(dropout)] if dropout else [])
        model = Sequential(stack + ([layers.Dense(int(n_classes), activation=output_activation)]
                                    if n_classes else []))
        for layer, rbm in zip(hidden, self.rbms_):
            layer.set_weights([rbm.components_.T.astype("float32"),
                               rbm.intercept_hidden_.astype("float32")])
        return model
