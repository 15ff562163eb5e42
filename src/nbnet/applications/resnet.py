"""ResNet50 (He et al., 2016, v1 with bottleneck blocks) as Keras 3 builds it: same layers, names, order."""

from __future__ import annotations

from nbnet.applications import imagenet_utils
from nbnet.layers import (
    Activation,
    Add,
    BatchNormalization,
    Conv2D,
    Dense,
    GlobalAveragePooling2D,
    MaxPooling2D,
    ZeroPadding2D,
)

_EPS = 1.001e-5   # Keras's (and the original Caffe model's) batch-norm epsilon


def _bn(name: str) -> BatchNormalization:
    return BatchNormalization(axis=3, epsilon=_EPS, name=name)


def residual_block(x, filters: int, stride: int = 1, conv_shortcut: bool = True, name: str = ""):
    """Bottleneck block: 1×1 (filters) → 3×3 (filters) → 1×1 (4·filters), plus the shortcut, then ReLU."""
    if conv_shortcut:
        shortcut = Conv2D(4 * filters, 1, strides=stride, name=f"{name}_0_conv")(x)
        shortcut = _bn(f"{name}_0_bn")(shortcut)
    else:
        shortcut = x
    x = Conv2D(filters, 1, strides=stride, name=f"{name}_1_conv")(x)
    x = Activation("relu", name=f"{name}_1_relu")(_bn(f"{name}_1_bn")(x))
    x = Conv2D(filters, 3, padding="same", name=f"{name}_2_conv")(x)
    x = Activation("relu", name=f"{name}_2_relu")(_bn(f"{name}_2_bn")(x))
    x = Conv2D(4 * filters, 1, name=f"{name}_3_conv")(x)
    x = _bn(f"{name}_3_bn")(x)
    x = Add(name=f"{name}_add")([shortcut, x])
    return Activation("relu", name=f"{name}_out")(x)


def stack(x, filters: int, blocks: int, stride1: int = 2, name: str = ""):
    """``blocks`` bottleneck blocks; the first projects the shortcut and strides by ``stride1``."""
    x = residual_block(x, filters, stride=stride1, name=f"{name}_block1")
    for i in range(2, blocks + 1):
        x = residual_block(x, filters, conv_shortcut=False, name=f"{name}_block{i}")
    return x


def ResNet50(include_top: bool = True, weights=None, input_tensor=None, input_shape=None,  # noqa: N802
             pooling=None, classes: int = 1000, classifier_activation="softmax", name: str = "resnet50"):
    """Instantiate ResNet50 (``keras.applications.ResNet50``), channels-last.

    Parameters
    ----------
    include_top : bool
        Whether to end with global average pooling (``avg_pool``) and the ``predictions`` layer.
    weights : None or str
        ``None`` (random initial weights) or the path of a weights file saved from the same
        application. ``"imagenet"`` is refused: nbnet never downloads; the error says how to bring
        Keras's file.
    input_tensor : KerasTensor, optional
    input_shape : tuple (rows, cols, channels), optional
        Default ``(224, 224, 3)`` with the top, ``(None, None, 3)`` without; at least 32×32.
    pooling : {None, "avg", "max"}
        Global pooling (``avg_pool`` / ``max_pool``) when ``include_top=False``.
    classes : int
    classifier_activation : str or callable or None
    name : str

    Returns
    -------
    Model
        Input (batch, rows, cols, 3); output (batch, classes) with the top, (batch, 2048) with
        pooling, else (batch, ⌈rows/32⌉, ⌈cols/32⌉, 2048).
    """
    weights_path = imagenet_utils.check_weights(weights, "ResNet50")
    input_shape = imagenet_utils.obtain_input_shape(input_shape, 224, 32, require_flatten=include_top)
    img_input = imagenet_utils.image_input(input_tensor, input_shape)
    x = ZeroPadding2D(padding=((3, 3), (3, 3)), name="conv1_pad")(img_input)
    x = Conv2D(64, 7, strides=2, use_bias=True, name="conv1_conv")(x)
    x = Activation("relu", name="conv1_relu")(_bn("conv1_bn")(x))
    x = ZeroPadding2D(padding=((1, 1), (1, 1)), name="pool1_pad")(x)
    x = MaxPooling2D(3, strides=2, name="pool1_pool")(x)
    for filters, blocks, stride1, stage in ((64, 3, 1, "conv2"), (128, 4, 2, "conv3"),
                                            (256, 6, 2, "conv4"), (512, 3, 2, "conv5")):
        x = stack(x, filters, blocks, stride1=stride1, name=stage)
    if include_top:
        x = GlobalAveragePooling2D(name="avg_pool")(x)
        x = Dense(classes, activation=classifier_activation, name="predictions")(x)
    else:
        x = imagenet_utils.pool(x, pooling, avg_name="avg_pool", max_name="max_pool")
    from nbnet.models import Model
    inputs = img_input if input_tensor is None else imagenet_utils.source_inputs(input_tensor)
    model = Model(inputs, x, name=name)
    if weights_path is not None:
        model.load_weights(weights_path)
    return model
