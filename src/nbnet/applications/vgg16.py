"""``keras.applications.vgg16``: VGG16 with its own input preprocessing ("caffe" mode) and decoding."""

from nbnet.applications.imagenet_utils import decode_predictions
from nbnet.applications.imagenet_utils import preprocess_input as _preprocess
from nbnet.applications.vgg import VGG16


def preprocess_input(x, data_format=None):
    """VGG16's preprocessing: RGB → BGR, minus ImageNet's per-channel means (no scaling); float32 copy."""
    return _preprocess(x, data_format=data_format, mode="caffe")


__all__ = ["VGG16", "decode_predictions", "preprocess_input"]
