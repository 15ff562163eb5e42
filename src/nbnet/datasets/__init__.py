"""Data sets: MNIST (``nbnet.datasets.mnist.load_data``) and small generated ones.

Examples
--------
>>> from nbnet.datasets import make_xor, mnist
>>> (x_train, y_train), (x_test, y_test) = mnist.load_data()  # doctest: +SKIP
>>> x, y = make_xor()
>>> y.tolist()
[0, 1, 1, 0]
"""

from . import mnist
from ._files import ChecksumError, get_data_home
from .timeseries import mackey_glass, make_spike_templates
from .toy import make_blobs, make_moons, make_spirals, make_xor

__all__ = [
    "ChecksumError",
    "get_data_home",
    "mackey_glass",
    "make_blobs",
    "make_moons",
    "make_spike_templates",
    "make_spirals",
    "make_xor",
    "mnist",
]
