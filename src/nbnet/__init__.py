"""nbnet — neural networks from first principles, in NumPy, with a Keras-shaped API.

Keras code runs by changing one import::

    import nbnet as keras
    model = keras.Sequential([keras.Input((784,)),
                              keras.layers.Dense(16, activation="relu"),
                              keras.layers.Dense(10, activation="softmax")])
"""

__version__ = "0.1.0"

from nbnet import (
                   activations,
                   applications,
                   callbacks,
                   config,
                   datasets,
                   estimators,
                   initializers,
                   layers,
                   losses,
                   metrics,
                   models,
                   ops,
                   optimizers,
                   random,
                   regularizers,
                   saving,
                   testing,
                   utils,
)
from nbnet.autograd import GradientTape, Tensor
from nbnet.layers import Input, InputSpec, Layer
from nbnet.models import Model, Sequential
from nbnet.variables import Variable

__all__ = ["GradientTape", "Input", "InputSpec", "Layer", "Model", "Sequential", "Tensor", "Variable",
           "activations", "applications", "callbacks", "config", "datasets", "estimators", "initializers", "layers",
           "losses", "metrics", "models", "ops", "optimizers", "random", "regularizers", "saving", "testing", "utils",
           "__version__"]
