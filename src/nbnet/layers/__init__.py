"""Layers (``keras.layers``)."""

from nbnet.layers.core import Activation, Dense, Dropout, Flatten, Reshape
from nbnet.layers.input_layer import Input, InputLayer, KerasTensor
from nbnet.layers.input_spec import InputSpec
from nbnet.layers.layer import Layer

__all__ = ["Activation", "Dense", "Dropout", "Flatten", "Input", "InputLayer", "InputSpec",
           "KerasTensor", "Layer", "Reshape"]
