"""``Attention``: dot-product (Luong-style) attention over ``[query, value(, key)]`` (``keras.layers.Attention``).

Forward, for query ``Q`` (N, Tq, d), key ``K`` (N, Tv, d), value ``V`` (N, Tv, dv)::

    S = Q Kᵀ (· scale)                       score_mode="dot"
    S = c · Σ_d tanh(scale · (q_i + k_j))     score_mode="concat"
    A = softmax(S + mask)                    mask: value padding, causal
    O = dropout(A) V,  zeroed at padded queries

The backward pass is written out in :meth:`Attention.backward`; :class:`AdditiveAttention`
changes only the scores (:meth:`Attention._scores` and :meth:`Attention._scores_backward`).
"""

from __future__ import annotations

import numpy as np

from nbnet.layers.attention import kernels
from nbnet.layers.layer import Layer


def _symbolic(inputs) -> bool:
    flat = inputs if isinstance(inputs, (list, tuple)) else [inputs]
    return any(getattr(t, "symbolic_shape", False) for t in flat)


class Attention(Layer):
    """Dot-product attention layer, a.k.a. Luong-style attention.

    Parameters
    ----------
    use_scale : bool
        Learn a scalar ``scale`` that multiplies the scores (inside the ``tanh`` for ``"concat"``).
    score_mode : {"dot", "concat"}
        ``"dot"``: ``S_ij = q_i · k_j``; ``"concat"``: ``S_ij = c Σ tanh(q_i + k_j)`` with a
        learned scalar ``c`` (``concat_score_weight``).
    dropout : float
        Fraction of the attention weights dropped while training.
    seed : int, optional
        Seed of the dropout noise.

    Call arguments
    --------------
    inputs : list ``[query, value]`` or ``[query, value, key]``
        ``query`` (N, Tq, dim), ``value`` (N, Tv, dv), ``key`` (N, Tv, dim) (default: ``value``).
    mask : list ``[query_mask, value_mask]``, optional
        Bool (N, Tq) and (N, Tv): padded queries output zeros; padded values get no weight.
    return_attention_scores : bool
        Also return the attention weights (N, Tq, Tv), after masking, softmax and dropout.
    use_causal_mask : bool
        Query ``i`` may not attend to keys ``j > i``.
    training : bool
        Apply dropout.

    Returns
    -------
    ndarray (N, Tq, dv), or ``[output, scores]``.
    """

    supports_masking = True

    def __init__(self, use_scale: bool = False, score_mode: str = "dot", dropout: float = 0.0,
                 seed: int | None = None, **kwargs):
        super().__init__(**kwargs)
        if score_mode not in ("dot", "concat"):
            raise ValueError("Invalid value for argument score_mode. Expected one of {'dot', 'concat'}. "
                             f"Received: score_mode={score_mode}")
        if not 0 <= dropout < 1:
            raise ValueError(f"{type(self).__name__}: `dropout` must be in [0, 1), got {dropout!r}")
        self.use_scale, self.score_mode = bool(use_scale), score_mode
        self.dropout, self.seed = float(dropout), seed
        self._rng = np.random.default_rng(seed) if seed is not None else None
        self._options = (False, False)   # (return_attention_scores, use_causal_mask) of the current call
        self.scale = self.concat_score_weight = None

    # --- weights ---------------------------------------------------------------------------
    def build(self, input_shape) -> None:
        self._validate_inputs(input_shape)
        if self.use_scale:
            self.scale = self.add_weight(name="scale", shape=(), initializer="ones")
        if self.score_mode == "concat":
            self.concat_score_weight = self.add_weight(name="concat_score_weight", shape=(),
                                                       initializer="ones")
        self.built = True

    # --- calling ---------------------------------------------------------------------------
    def __call__(self, inputs, *args, return_attention_scores: bool = False,
                 use_causal_mask: bool = False, **kwargs):
        self._validate_inputs(inputs, kwargs.get("mask"))
        self._options = (bool(return_attention_scores), bool(use_causal_mask))
        if _symbolic(inputs):
            from nbnet.layers.input_layer import symbolic_call
            extra = {k: True for k, on in (("return_attention_scores", return_attention_scores),
                                           ("use_causal_mask", use_causal_mask)) if on}
            return symbolic_call(self, list(inputs), **extra)
        return super().__call__(list(inputs), *args, **kwargs)

    def _validate_inputs(self, inputs, mask=None) -> None:
        name = type(self).__name__
        if not isinstance(inputs, (list, tuple)):
            raise ValueError(f"{name} layer must be called on a list of inputs, namely [query, value] or "
                             f"[query, value, key]. Received: inputs={inputs}.")
        if not 2 <= len(inputs) <= 3:
            raise ValueError(f"{name} layer accepts inputs list of length 2 or 3, namely [query, value] or "
                             f"[query, value, key]. Received length: {len(inputs)}.")
        if mask is not None and not (isinstance(mask, (list, tuple)) and 2 <= len(mask) <= 3):
            raise ValueError(f"{name} layer mask must be a list of length 2 or 3, namely [query_mask, "
                             f"value_mask]. Received: mask={mask}.")

    # --- the scores: S from Q and K, and back -------------------------------------------------
    def _scores(self, q: np.ndarray, k: np.ndarray):
        """``(S, cache)``: scores (N, Tq, Tv)."""
        if self.score_mode == "dot":
            QK = q @ np.swapaxes(k, -1, -2)                           # Q Kᵀ
            return (QK * self.scale.value if self.use_scale else QK), (q, k, QK)
        U = q[..., :, None, :] + k[..., None, :, :]                    # q_i + k_j   (N, Tq, Tv, d)
        Th = np.tanh(self.scale.value * U if self.use_scale else U)     # T = tanh(scale·U)
        R = Th.sum(axis=-1)
        return self.concat_score_weight.value * R, (U, Th, R)

    def _scores_backward(self, dS: np.ndarray, cache) -> tuple:
        """``(dq, dk, {weight name: gradient})`` from dL/dS."""
        if self.score_mode == "dot":
            q, k, QK = cache
            grads = {}
            if self.use_scale:
                grads["scale"] = np.sum(dS * QK)                      # dL/dscale = Σ dS ⊙ Q Kᵀ
                dS = dS * self.scale.value                            # dL/d(Q Kᵀ) = scale · dS
            dq = dS @ k                                               # dL/dQ = dS K
            dk = np.swapaxes(dS, -1, -2) @ q                          # dL/dK = dSᵀ Q
            return dq, dk, grads
        U, Th, R = cache
        c = self.concat_score_weight.value
        grads = {"concat_score_weight": np.sum(dS * R)}               # dL/dc = Σ dS ⊙ Σ_d T
        dZ = (c * dS)[..., None] * (1.0 - Th * Th)                    # dL/dZ = c dS (1 − T²), Z = scale·U
        if self.use_scale:
            grads["scale"] = np.sum(dZ * U)                           # dL/dscale = Σ dZ ⊙ U
            dZ = dZ * self.scale.value                                # dL/dU = scale · dZ
        return dZ.sum(axis=-2), dZ.sum(axis=-3), grads                # U = q_i + k_j: sum over j, over i

    # --- forward and backward ------------------------------------------------------------------
    def forward(self, inputs, training: bool = False, mask=None):
        return_scores, causal = self._options
        q, v = inputs[0], inputs[1]
        k = inputs[2] if len(inputs) > 2 else v
        q_mask, v_mask = (mask[0], mask[1]) if mask is not None else (None, None)
        S, score_cache = self._scores(q, k)
        smask = kernels.combine_masks(None if v_mask is None else np.asarray(v_mask)[..., None, :],
                                      kernels.causal_mask(*S.shape[-2:]) if causal else None)
        A = kernels.masked_softmax(S, smask)                          # A = softmax(S + mask)
        keep = None
        if training and self.dropout > 0:
            keep = kernels.dropout_keep(A.shape, self.dropout, A.dtype, self._rng)
        Ad = A if keep is None else A * keep                          # Ã = dropout(A)
        O = Ad @ v                                                    # O = Ã V
        qm = None if q_mask is None else np.asarray(q_mask, dtype=O.dtype)[..., None]
        if qm is not None:
            O = O * qm                                                # padded queries output 0
        cache = (A, Ad, keep, v, qm, score_cache, len(inputs), return_scores)
        return ([O, Ad] if return_scores else O), cache

    def backward(self, grad, cache, need_input_grad=True):
        A, Ad, keep, v, qm, score_cache, n_inputs, return_scores = cache
        dO, dAd_out = (grad[0], grad[1]) if return_scores else (grad, None)
        if qm is not None:
            dO = dO * qm                                              # no gradient from padded queries
        dV = np.swapaxes(Ad, -1, -2) @ dO                             # dL/dV = Ãᵀ dO
        dAd = dO @ np.swapaxes(v, -1, -2)                             # dL/dÃ = dO Vᵀ
        if dAd_out is not None:
            dAd = dAd + dAd_out                                       # + the returned scores' gradient
        dA = dAd if keep is None else dAd * keep                      # dL/dA = keep ⊙ dL/dÃ
        dS = kernels.softmax_backward(A, dA)                          # the softmax Jacobian
        dq, dk, named = self._scores_backward(dS, score_cache)
        weight_grads = [named[w.name] for w in self._own_trainable()]
        if n_inputs == 2:
            return [dq, dV + dk], weight_grads                        # key is value: both paths add
        return [dq, dV, dk], weight_grads

    # --- shapes, masks, config -----------------------------------------------------------------
    def compute_output_shape(self, input_shape):
        q, v = tuple(input_shape[0]), tuple(input_shape[1])
        k = tuple(input_shape[2]) if len(input_shape) > 2 else v
        out = (*q[:-1], v[-1])
        return [out, (*q[:-1], k[-2])] if self._options[0] else out

    def compute_mask(self, inputs, mask=None):
        if mask is None or mask[0] is None:
            return None
        return np.asarray(mask[0])

    def get_config(self) -> dict:
        return {**super().get_config(), "use_scale": self.use_scale, "score_mode": self.score_mode,
                "dropout": self.dropout, "seed": self.seed}
