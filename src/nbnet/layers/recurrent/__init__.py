"""Recurrent layers: cells, the generic ``RNN``, ``SimpleRNN`` / ``LSTM`` / ``GRU`` and wrappers."""

from nbnet.layers.recurrent.cells import GRUCell, LSTMCell, SimpleRNNCell
from nbnet.layers.recurrent.layers import GRU, LSTM, SimpleRNN
from nbnet.layers.recurrent.rnn import RNN
from nbnet.layers.recurrent.wrappers import Bidirectional, TimeDistributed

__all__ = ["GRU", "GRUCell", "LSTM", "LSTMCell", "RNN", "SimpleRNN", "SimpleRNNCell",
           "Bidirectional", "TimeDistributed"]
