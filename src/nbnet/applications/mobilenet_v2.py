"""MobileNetV2 (Sandler et al., 2018) as Keras 3 builds it: same layers, names and order.

Each inverted residual block expands the channels (1×1 conv), filters each channel on its own
(3×3 depthwise conv), projects back down (1×1 conv, linear) and adds the input when shapes agree.
"""

from __future__ import annotations

from nbnet.applications import imagenet_utils
from nbnet.layers import (
    Add,
    BatchNormalization,
    Conv2D,
    Dense,
    DepthwiseConv2D,
    GlobalAveragePooling2D,
    ReLU,
    ZeroPadding2D,
)

# (filters, stride, expansion) of blocks 0..16, as in the paper's Table 2
_BLOCKS = ((16, 1, 1), (24, 2, 6), (24, 1, 6), (32, 2, 6), (32, 1, 6), (32, 1, 6), (64, 2, 6), (64, 1, 6),
           (64, 1, 6), (64, 1, 6), (96, 1, 6), (96, 1, 6), (96, 1, 6), (160, 2, 6), (160, 1, 6), (160, 1, 6),
           (320, 1, 6))


def make_divisible(v: float, divisor: int = 8, min_value: int | None = None) -> int:
    """Round ``v`` to the nearest multiple of ``divisor``, never more than 10 % below ``v``."""
    min_value = divisor if min_value is None else min_value
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    return new_v + divisor if new_v < 0.9 * v else new_v


def correct_pad(shape, kernel_size: int = 3) -> tuple:
    """Zero padding that makes a stride-2 'valid' convolution centre its windows as 'same' would."""
    adjust = (1, 1) if shape[1] is None else (1 - shape[1] % 2, 1 - shape[2] % 2)
    half = kernel_size // 2
    return ((half - adjust[0], half), (half - adjust[1], half))


def _bn(name: str) -> BatchNormalization:
    return BatchNormalization(axis=-1, epsilon=1e-3, momentum=0.999, name=name)


def inverted_res_block(inputs, expansion: int, stride: int, alpha: float, filters: int, block_id: int):
    """Expand (1×1) → depthwise 3×3 → project (1×1, linear), plus the input when shapes agree."""
    in_channels = inputs.shape[-1]
    pointwise_filters = make_divisible(int(filters * alpha), 8)
    x, prefix = inputs, f"block_{block_id}_"
    if block_id:
        x = Conv2D(expansion * in_channels, kernel_size=1, padding="same", use_bias=False, name=f"{prefix}expand")(x)
        x = ReLU(6.0, name=f"{prefix}expand_relu")(_bn(f"{prefix}expand_BN")(x))
    else:
        prefix = "expanded_conv_"
    if stride == 2:
        x = ZeroPadding2D(padding=correct_pad(x.shape, 3), name=f"{prefix}pad")(x)
    x = DepthwiseConv2D(kernel_size=3, strides=stride, use_bias=False, padding="same" if stride == 1 else "valid",
                        name=f"{prefix}depthwise")(x)
    x = ReLU(6.0, name=f"{prefix}depthwise_relu")(_bn(f"{prefix}depthwise_BN")(x))
    x = Conv2D(pointwise_filters, kernel_size=1, padding="same", use_bias=False, name=f"{prefix}project")(x)
    x = _bn(f"{prefix}project_BN")(x)
    if in_channels == pointwise_filters and stride == 1:
        return Add(name=f"{prefix}add")([inputs, x])
    return x


def _default_size(input_shape, input_tensor) -> int:
    """Keras builds for the square size it has weights for (96–224), else 224."""
    shape = input_shape if input_shape is not None else (input_tensor.shape[1:] if input_tensor is not None else None)
    if shape is None:
        return 224
    rows, cols = shape[0], shape[1]
    return rows if rows == cols and rows in (96, 128, 160, 192, 224) else 224


def MobileNetV2(input_shape=None, alpha: float = 1.0, include_top: bool = True, weights=None,  # noqa: N802
                input_tensor=None, pooling=None, classes: int = 1000, classifier_activation="softmax",
                name: str | None = None):
    """Instantiate MobileNetV2 (``keras.applications.MobileNetV2``), channels-last.

    Parameters
    ----------
    input_shape : tuple (rows, cols, channels), optional
        Default ``(224, 224, 3)`` with the top, ``(None, None, 3)`` without; at least 32×32.
    alpha : float
        Width multiplier: every block's filters are scaled by ``alpha`` (rounded to multiples of 8).
    include_top : bool
        Whether to end with global average pooling and the ``predictions`` layer.
    weights : None or str
        ``None`` (random initial weights) or the path of a weights file saved from the same
        application. ``"imagenet"`` is refused: nbnet never downloads; the error says how to bring
        Keras's file.
    input_tensor : KerasTensor, optional
    pooling : {None, "avg", "max"}
    classes : int
    classifier_activation : str or callable or None
    name : str, optional
        Default ``f"mobilenetv2_{alpha:0.2f}_{rows}"`` as in Keras.

    Returns
    -------
    Model
        Input (batch, rows, cols, 3); output (batch, classes) with the top, (batch, 1280·max(1, alpha))
        with pooling, else the last 1×1 convolution's feature map.
    """
    weights_path = imagenet_utils.check_weights(weights, "MobileNetV2")
    default_size = _default_size(input_shape, input_tensor)
    input_shape = imagenet_utils.obtain_input_shape(input_shape, default_size, 32, require_flatten=include_top)
    img_input = imagenet_utils.image_input(input_tensor, input_shape)
    x = Conv2D(make_divisible(32 * alpha, 8), kernel_size=3, strides=(2, 2), padding="same", use_bias=False,
               name="Conv1")(img_input)
    x = ReLU(6.0, name="Conv1_relu")(_bn("bn_Conv1")(x))
    for block_id, (filters, stride, expansion) in enumerate(_BLOCKS):
        x = inverted_res_block(x, filters=filters, alpha=alpha, stride=stride, expansion=expansion,
                               block_id=block_id)
    last_filters = make_divisible(1280 * alpha, 8) if alpha > 1.0 else 1280
    x = Conv2D(last_filters, kernel_size=1, use_bias=False, name="Conv_1")(x)
    x = ReLU(6.0, name="out_relu")(_bn("Conv_1_bn")(x))
    if include_top:
        x = GlobalAveragePooling2D()(x)
        x = Dense(classes, activation=classifier_activation, name="predictions")(x)
    else:
        x = imagenet_utils.pool(x, pooling)
    from nbnet.models import Model
    inputs = img_input if input_tensor is None else imagenet_utils.source_inputs(input_tensor)
    model = Model(inputs, x, name=name or f"mobilenetv2_{alpha:0.2f}_{input_shape[0]}")
    if weights_path is not None:
        model.load_weights(weights_path)
    return model


def preprocess_input(x, data_format=None):
    """MobileNetV2's preprocessing: pixels in [0, 255] scaled to [-1, 1]; float32 copy."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="tf")


decode_predictions = imagenet_utils.decode_predictions
