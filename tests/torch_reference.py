"""PyTorch twins of nbnet's activations, shared by the activation and parity tests."""

import torch
import torch.nn.functional as F

# name -> the same function in PyTorch (Keras's defaults: leaky_relu slope 0.2, elu alpha 1, exact gelu)
TORCH_ACTIVATIONS = {
    "linear": lambda t: t,
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "relu": torch.relu,
    "softplus": F.softplus,
    "softmax": lambda t: torch.softmax(t, dim=-1),
    "leaky_relu": lambda t: F.leaky_relu(t, 0.2),
    "elu": F.elu,
    "gelu": lambda t: F.gelu(t, approximate="none"),
}
