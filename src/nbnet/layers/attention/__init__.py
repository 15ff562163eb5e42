"""Attention layers (``keras.layers.Attention``, ``AdditiveAttention``, ``MultiHeadAttention``)."""

from nbnet.layers.attention.additive_attention import AdditiveAttention
from nbnet.layers.attention.attention import Attention
from nbnet.layers.attention.multi_head_attention import MultiHeadAttention

__all__ = ["AdditiveAttention", "Attention", "MultiHeadAttention"]
