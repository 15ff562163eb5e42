"""``keras.applications.resnet50``: ResNet50 with its own input preprocessing ("caffe" mode) and decoding."""

from nbnet.applications.imagenet_utils import decode_predictions
from nbnet.applications.imagenet_utils import preprocess_input as _preprocess
from nbnet.applications.resnet import ResNet50


def preprocess_input(x, data_format=None):
    """ResNet50's preprocessing: RGB → BGR, minus ImageNet's per-channel means (no scaling); float32 copy."""
    return _preprocess(x, data_format=data_format, mode="caffe")


__all__ = ["ResNet50", "decode_predictions", "preprocess_input"]
