"""Models (``keras.models``): Sequential, functional Model, and loading saved models."""

from nbnet.models.functional import Functional
from nbnet.models.model import Model
from nbnet.models.saving import load_model
from nbnet.models.sequential import Sequential

__all__ = ["Functional", "Model", "Sequential", "load_model"]
