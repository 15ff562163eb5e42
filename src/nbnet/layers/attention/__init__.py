"""Attention layers (``keras.layers.Attention``, ``AdditiveAttention``, ``MultiHeadAttention``)."""

from nbnet.layers.attention.additive_attention import AdditiveAttention
from nbnet.layers.attention.attention import Attention

__all__ = ["AdditiveAttention", "Attention"]
