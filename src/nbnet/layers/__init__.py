"""Layers (``keras.layers``)."""

from nbnet.layers.core import Activation, Dense, Dropout, Flatten, Reshape
from nbnet.layers.input_layer import Input, InputLayer, KerasTensor
from nbnet.layers.input_spec import InputSpec
from nbnet.layers.layer import Layer
from nbnet.layers.preprocessing import Normalization, Rescaling
from nbnet.layers.repeat_vector import RepeatVector
from nbnet.saving import deserialize_layer as deserialize
from nbnet.saving import serialize_layer as serialize

__all__ = ["Activation", "Dense", "Dropout", "Flatten", "Input", "InputLayer", "InputSpec",
           "KerasTensor", "Layer", "Normalization", "RepeatVector", "Rescaling", "Reshape", "deserialize",
           "serialize"]

# isort: off
from nbnet.layers.activation_layers import ELU, LeakyReLU, ReLU, Softmax  # noqa: E402
from nbnet.layers.lambda_layer import Lambda  # noqa: E402
from nbnet.layers.merging import Add, Average, Concatenate, Dot, Maximum, Minimum  # noqa: E402
from nbnet.layers.merging import Multiply, Subtract, add, average, concatenate, dot  # noqa: E402
from nbnet.layers.merging import maximum, minimum, multiply, subtract  # noqa: E402
from nbnet.layers.normalization import BatchNormalization, LayerNormalization  # noqa: E402
# isort: on
__all__ += ["Add", "Average", "BatchNormalization", "Concatenate", "Dot", "ELU", "Lambda",
            "LayerNormalization", "LeakyReLU", "Maximum", "Minimum", "Multiply", "ReLU", "Softmax",
            "Subtract", "add", "average", "concatenate", "dot", "maximum", "minimum", "multiply", "subtract"]
from nbnet.layers.embedding import Embedding, Masking  # noqa: E402
from nbnet.layers.recurrent import (  # noqa: E402  # noqa: E402
           GRU,
           LSTM,
           RNN,
           Bidirectional,
           GRUCell,
           LSTMCell,
           SimpleRNN,
           SimpleRNNCell,
           TimeDistributed,
)

__all__ += ["Bidirectional", "Embedding", "GRU", "GRUCell", "LSTM", "LSTMCell", "Masking", "RNN",
            "SimpleRNN", "SimpleRNNCell", "TimeDistributed"]
from nbnet.layers.conv_depthwise import DepthwiseConv1D, DepthwiseConv2D  # noqa: E402
from nbnet.layers.conv_separable import SeparableConv1D, SeparableConv2D  # noqa: E402
from nbnet.layers.conv_transpose import Conv2DTranspose  # noqa: E402
from nbnet.layers.convolutional import Conv1D, Conv2D, Conv3D  # noqa: E402
from nbnet.layers.pooling import (  # noqa: E402  # noqa: E402
           AveragePooling1D,
           AveragePooling2D,
           AveragePooling3D,
           MaxPooling1D,
           MaxPooling2D,
           MaxPooling3D,
)
from nbnet.layers.pooling_global import (  # noqa: E402  # noqa: E402  # noqa: E402
           GlobalAveragePooling1D,
           GlobalAveragePooling2D,
           GlobalAveragePooling3D,
           GlobalMaxPooling1D,
           GlobalMaxPooling2D,
           GlobalMaxPooling3D,
)
from nbnet.layers.reshaping import (  # noqa: E402  # noqa: E402  # noqa: E402
           Cropping1D,
           Cropping2D,
           Cropping3D,
           UpSampling1D,
           UpSampling2D,
           UpSampling3D,
           ZeroPadding1D,
           ZeroPadding2D,
           ZeroPadding3D,
)

__all__ += ["AveragePooling1D", "AveragePooling2D", "AveragePooling3D", "Conv1D", "Conv2D",
            "Conv2DTranspose", "Conv3D", "Cropping1D", "Cropping2D", "Cropping3D", "DepthwiseConv1D",
            "DepthwiseConv2D", "GlobalAveragePooling1D", "GlobalAveragePooling2D",
            "GlobalAveragePooling3D", "GlobalMaxPooling1D", "GlobalMaxPooling2D", "GlobalMaxPooling3D",
            "MaxPooling1D", "MaxPooling2D", "MaxPooling3D", "SeparableConv1D", "SeparableConv2D",
            "UpSampling1D", "UpSampling2D", "UpSampling3D", "ZeroPadding1D", "ZeroPadding2D",
            "ZeroPadding3D"]
from nbnet.layers.attention import AdditiveAttention, Attention, MultiHeadAttention  # noqa: E402
from nbnet.layers.einsum_dense import EinsumDense  # noqa: E402

__all__ += ["AdditiveAttention", "Attention", "EinsumDense", "MultiHeadAttention"]
