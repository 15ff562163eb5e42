"""Models (``keras.models``): Sequential, functional Model, and loading saved models."""

from nbnet.models.cloning import clone_model, model_from_json
from nbnet.models.functional import Functional
from nbnet.models.model import Model
from nbnet.models.sequential import Sequential
from nbnet.saving import load_model, save_model

__all__ = ["Functional", "Model", "Sequential", "clone_model", "load_model", "model_from_json", "save_model"]
