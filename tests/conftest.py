"""Shared test setup.

Keras 3 (a reference in parity tests only) must run on the torch backend: the variable is set
here, before any test module imports keras.
"""

import os

os.environ.setdefault("KERAS_BACKEND", "torch")

import pytest  # noqa: E402

import nbnet  # noqa: E402


@pytest.fixture(autouse=True)
def _fresh_session():
    """Each test starts from automatic names ``dense``, ``dense_1``... and float32 defaults."""
    nbnet.utils.clear_session()
    nbnet.config.set_floatx("float32")
    yield
    nbnet.utils.clear_session()
    nbnet.config.set_floatx("float32")
