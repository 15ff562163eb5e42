"""``AdditiveAttention``: Bahdanau-style attention (``keras.layers.AdditiveAttention``).

The scores are ``S_ij = Σ_d w_d tanh(q_id + k_jd)`` with a learned vector ``w`` (the weight
``scale``, shape (dim,)); softmax, masks, dropout and the product with the values are
:class:`~nbnet.layers.attention.attention.Attention`'s.
"""

from __future__ import annotations

import numpy as np

from nbnet.layers.attention.attention import Attention


class AdditiveAttention(Attention):
    """Additive attention layer, a.k.a. Bahdanau-style attention.

    Parameters
    ----------
    use_scale : bool
        Learn the vector ``scale`` (dim,) that weights the ``tanh`` features (else all ones).
    dropout : float
        Fraction of the attention weights dropped while training.

    Call arguments are :class:`Attention`'s: ``[query (N, Tq, dim), value (N, Tv, dv)(, key (N, Tv, dim))]``,
    ``mask=[query_mask, value_mask]``, ``return_attention_scores``, ``use_causal_mask``, ``training``.
    """

    def __init__(self, use_scale: bool = True, dropout: float = 0.0, **kwargs):
        kwargs.pop("score_mode", None)
        super().__init__(use_scale=use_scale, dropout=dropout, **kwargs)

    def build(self, input_shape) -> None:
        self._validate_inputs(input_shape)
        if self.use_scale:
            self.scale = self.add_weight(name="scale", shape=(input_shape[0][-1],),
                                         initializer="glorot_uniform")
        self.built = True

    def _scores(self, q: np.ndarray, k: np.ndarray):
        Th = np.tanh(q[..., :, None, :] + k[..., None, :, :])         # T = tanh(q_i + k_j)  (N, Tq, Tv, d)
        w = self.scale.value if self.use_scale else 1.0
        return (Th * w).sum(axis=-1), Th                               # S = Σ_d w_d T_d

    def _scores_backward(self, dS: np.ndarray, Th) -> tuple:
        grads = {}
        if self.use_scale:
            axes = tuple(range(dS.ndim))
            grads["scale"] = np.tensordot(dS, Th, axes=(axes, axes))     # dL/dw_d = Σ_ij dS_ij T_ijd
            w = self.scale.value
        else:
            w = 1.0
        dU = dS[..., None] * w * (1.0 - Th * Th)                       # dL/dU = dS w (1 − T²), U = q_i + k_j
        return dU.sum(axis=-2), dU.sum(axis=-3), grads                 # dL/dq_i = Σ_j dU, dL/dk_j = Σ_i dU

    def get_config(self) -> dict:
        config = super().get_config()
        del config["score_mode"]
        return config
