"""Well-known image networks, built as Keras 3 builds them (``keras.applications``).

Same layer names and order as Keras, so a ``.weights.h5`` file that Keras 3 saved from the same
application loads with ``model.load_weights``. nbnet never downloads: ``weights`` is ``None`` or the
path of a file you bring.
"""

from nbnet.applications import imagenet_utils, mobilenet_v2, resnet50, vgg16, vgg19
from nbnet.applications.mobilenet_v2 import MobileNetV2
from nbnet.applications.resnet import ResNet50
from nbnet.applications.vgg import VGG16, VGG19

resnet = resnet50   # Keras names the module both ways

__all__ = ["MobileNetV2", "ResNet50", "VGG16", "VGG19", "imagenet_utils", "mobilenet_v2", "resnet", "resnet50",
           "vgg16", "vgg19"]
