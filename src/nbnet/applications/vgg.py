"""VGG16 and VGG19 (Simonyan & Zisserman, 2015) as Keras 3 builds them: same layers, names and order."""

from __future__ import annotations

from nbnet.applications import imagenet_utils
from nbnet.layers import Conv2D, Dense, Flatten, MaxPooling2D

_DOC = """Instantiate the {name} architecture (``keras.applications.{name}``), channels-last.

    Parameters
    ----------
    include_top : bool
        Whether to end with the three fully connected layers (``fc1``, ``fc2``, ``predictions``).
    weights : None or str
        ``None`` (random initial weights) or the path of a weights file saved from the same
        application (``.weights.h5`` from Keras 3, or nbnet's). ``"imagenet"`` is refused: nbnet never
        downloads; the error says how to bring Keras's file.
    input_tensor : KerasTensor, optional
        Build the network on this tensor instead of a new ``Input``.
    input_shape : tuple (rows, cols, channels), optional
        Default ``(224, 224, 3)`` with the top, ``(None, None, 3)`` without; at least 32×32.
    pooling : {{None, "avg", "max"}}
        Global pooling of the last block's features when ``include_top=False``.
    classes : int
        Number of classes of the top.
    classifier_activation : str or callable or None
        Activation of the ``predictions`` layer.
    name : str

    Returns
    -------
    Model
        Input (batch, rows, cols, 3); output (batch, classes) with the top, (batch, 512) with pooling,
        else (batch, rows/32, cols/32, 512).
    """

_BLOCKS = {"vgg16": (2, 2, 3, 3, 3), "vgg19": (2, 2, 4, 4, 4)}
_FILTERS = (64, 128, 256, 512, 512)


def _vgg(arch: str, app: str, include_top, weights, input_tensor, input_shape, pooling, classes,
         classifier_activation, name):
    weights_path = imagenet_utils.check_weights(weights, app)
    input_shape = imagenet_utils.obtain_input_shape(input_shape, 224, 32, require_flatten=include_top)
    img_input = imagenet_utils.image_input(input_tensor, input_shape)
    x = img_input
    for block, (convs, filters) in enumerate(zip(_BLOCKS[arch], _FILTERS), start=1):
        for i in range(1, convs + 1):
            x = Conv2D(filters, (3, 3), activation="relu", padding="same", name=f"block{block}_conv{i}")(x)
        x = MaxPooling2D((2, 2), strides=(2, 2), name=f"block{block}_pool")(x)
    if include_top:
        x = Flatten(name="flatten")(x)
        x = Dense(4096, activation="relu", name="fc1")(x)
        x = Dense(4096, activation="relu", name="fc2")(x)
        x = Dense(classes, activation=classifier_activation, name="predictions")(x)
    else:
        x = imagenet_utils.pool(x, pooling)
    from nbnet.models import Model
    inputs = img_input if input_tensor is None else imagenet_utils.source_inputs(input_tensor)
    model = Model(inputs, x, name=name)
    if weights_path is not None:
        model.load_weights(weights_path)
    return model


def VGG16(include_top: bool = True, weights=None, input_tensor=None, input_shape=None, pooling=None,  # noqa: N802
          classes: int = 1000, classifier_activation="softmax", name: str = "vgg16"):
    return _vgg("vgg16", "VGG16", include_top, weights, input_tensor, input_shape, pooling, classes,
                classifier_activation, name)


def VGG19(include_top: bool = True, weights=None, input_tensor=None, input_shape=None, pooling=None,  # noqa: N802
          classes: int = 1000, classifier_activation="softmax", name: str = "vgg19"):
    return _vgg("vgg19", "VGG19", include_top, weights, input_tensor, input_shape, pooling, classes,
                classifier_activation, name)


VGG16.__doc__ = _DOC.format(name="VGG16")
VGG19.__doc__ = _DOC.format(name="VGG19")
