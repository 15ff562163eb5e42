"""``SimpleRNN``, ``LSTM`` and ``GRU``: an ``RNN`` around the matching built-in cell (Keras 3).

The layer's weights are the cell's — ``kernel``, ``recurrent_kernel``, ``bias`` — and its config is
the cell's arguments plus the RNN's, flattened, as in Keras.
"""

from __future__ import annotations

from nbnet.layers.layer import Layer
from nbnet.layers.recurrent.cells import GRUCell, LSTMCell, SimpleRNNCell
from nbnet.layers.recurrent.rnn import RNN

_RNN_ARGS = ("return_sequences", "return_state", "go_backwards", "stateful", "unroll")
_LAYER_ARGS = ("name", "trainable", "dtype", "input_shape", "input_dim", "batch_input_shape")


class _CellRNN(RNN):
    """An RNN whose cell is built from the layer's own arguments."""

    _cell_class = SimpleRNNCell

    def __init__(self, units: int, return_sequences: bool = False, return_state: bool = False,
                 go_backwards: bool = False, stateful: bool = False, unroll: bool = False,
                 use_cudnn="auto", **kwargs):
        layer_kwargs = {k: kwargs.pop(k) for k in _LAYER_ARGS if k in kwargs}
        cell_name = f"{self._cell_class.__name__[:-4].lower()}_cell"
        cell = self._cell_class(units, name=cell_name, dtype=layer_kwargs.get("dtype"), **kwargs)
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, unroll=unroll, **layer_kwargs)
        self.use_cudnn = use_cudnn
        self.cell.name = f"{self.name}/{cell_name}"

    @property
    def units(self) -> int:
        return self.cell.units

    def get_config(self) -> dict:
        cell = {k: v for k, v in self.cell.get_config().items() if k not in ("name", "trainable", "dtype")}
        rnn = {k: getattr(self, k) for k in _RNN_ARGS}
        return {**Layer.get_config(self), **cell, **rnn}

    @classmethod
    def from_config(cls, config: dict, custom_objects=None):
        return cls(**config)


class SimpleRNN(_CellRNN):
    """Fully connected RNN: ``h_t = activation(x_t W + h_{t−1} U + b)``.

    Parameters
    ----------
    units : int
    activation : str, default ``"tanh"``
    use_bias : bool
    kernel_initializer, recurrent_initializer, bias_initializer
        Defaults ``"glorot_uniform"``, ``"orthogonal"``, ``"zeros"``.
    return_sequences, return_state, go_backwards, stateful, unroll : see :class:`RNN`.

    Shapes
    ------
    (N, T, D) → (N, u), or (N, T, u) with ``return_sequences``.  Weights ``kernel (D, u)``,
    ``recurrent_kernel (u, u)``, ``bias (u,)``.
    """

    _cell_class = SimpleRNNCell


class LSTM(_CellRNN):
    """Long short-term memory (Hochreiter & Schmidhuber, 1997), Keras 3 semantics.

    Parameters
    ----------
    units : int
    activation, recurrent_activation : str
        Defaults ``"tanh"`` and ``"sigmoid"``.
    unit_forget_bias : bool
        Start the forget-gate bias at 1 (default ``True``).
    Others as :class:`SimpleRNN`.

    Shapes
    ------
    Weights ``kernel (D, 4u)``, ``recurrent_kernel (u, 4u)``, ``bias (4u,)``, gates in the order
    i, f, c, o.  States ``[h, c]``, each (N, u).
    """

    _cell_class = LSTMCell


class GRU(_CellRNN):
    """Gated recurrent unit (Cho et al., 2014), Keras 3 semantics.

    Parameters
    ----------
    units : int
    activation, recurrent_activation : str
        Defaults ``"tanh"`` and ``"sigmoid"``.
    reset_after : bool
        Default ``True`` (the cuDNN / PyTorch formula); the bias is then (2, 3u).
    Others as :class:`SimpleRNN`.

    Shapes
    ------
    Weights ``kernel (D, 3u)``, ``recurrent_kernel (u, 3u)``, ``bias (2, 3u)`` (or (3u,)), gates
    in the order z, r, h.
    """

    _cell_class = GRUCell
