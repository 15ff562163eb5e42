"""Differentiable array operations (the ``keras.ops`` functions custom layers use).

Each function computes its result with NumPy and, when an input takes part in a gradient
computation, records its vector-Jacobian product next to it: ``g`` is ``dL/d(output)`` and each
line returns ``dL/d(input)``.  Plain NumPy arrays in give plain NumPy arrays out.

The functions live in small modules by kind — :mod:`~nbnet.ops.elementwise`,
:mod:`~nbnet.ops.reductions`, :mod:`~nbnet.ops.shape`, :mod:`~nbnet.ops.extra`,
:mod:`~nbnet.ops.contraction` — and are all available here, as ``nbnet.ops.matmul`` etc.
"""

from nbnet.ops.contraction import *  # noqa: F401,F403
from nbnet.ops.core import convert_to_numpy, convert_to_tensor  # noqa: F401
from nbnet.ops.elementwise import *  # noqa: F401,F403
from nbnet.ops.extra import *  # noqa: F401,F403
from nbnet.ops.logic import *  # noqa: F401,F403
from nbnet.ops.reductions import *  # noqa: F401,F403
from nbnet.ops.shape import *  # noqa: F401,F403
