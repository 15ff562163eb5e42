"""What the image-classification applications share: input checks, weights rule, pre/post-processing.

Mirrors ``keras.applications.imagenet_utils`` (channels-last only), with one difference: nbnet never
downloads anything, so ``weights="imagenet"`` and ``decode_predictions`` without class names raise
and say how to bring the file yourself.
"""

from __future__ import annotations

import json
import os
import warnings

import numpy as np

from nbnet.layers.input_layer import Input, InputLayer, KerasTensor

_CAFFE_MEAN = np.array([103.939, 116.779, 123.68], dtype=np.float32)          # BGR means of ImageNet
_TORCH_MEAN = np.array([0.485, 0.456, 0.406], dtype=np.float32)
_TORCH_STD = np.array([0.229, 0.224, 0.225], dtype=np.float32)


def check_weights(weights, app: str) -> str | None:
    """Accept ``None`` or the path of an existing weights file; refuse anything nbnet would download.

    Returns the path to load after the model is built (``None``: random initial weights).
    """
    if weights is None:
        return None
    if isinstance(weights, (str, os.PathLike)) and os.path.isfile(weights):
        return os.fspath(weights)
    raise ValueError(
        f"{app}: weights={weights!r} is not available: nbnet never downloads anything, so only "
        f"weights=None (random initial weights) or the path of an existing weights file is accepted. "
        f"To use Keras's pre-trained weights, save them once where Keras can download them "
        f"(keras.applications.{app}(weights='imagenet').save_weights('{app.lower()}.weights.h5')), then "
        f"build the same model here with weights=None and call model.load_weights('{app.lower()}.weights.h5'), "
        f"or pass that path as weights=.")


def obtain_input_shape(input_shape, default_size: int, min_size: int, require_flatten: bool) -> tuple:
    """The input shape (rows, cols, channels) an application is built for, checked as Keras checks it."""
    if not input_shape:
        if require_flatten:
            return (default_size, default_size, 3)
        return (None, None, 3)
    input_shape = tuple(input_shape)
    if len(input_shape) != 3:
        raise ValueError(f"`input_shape` must be a tuple of three integers (rows, cols, channels); "
                         f"received input_shape={input_shape}")
    if input_shape[-1] not in (1, 3):
        warnings.warn(f"This model usually expects 1 or 3 input channels; input_shape={input_shape} has "
                      f"{input_shape[-1]}.", stacklevel=3)
    if any(s is not None and s < min_size for s in input_shape[:2]):
        raise ValueError(f"Input size must be at least {min_size}x{min_size}; received input_shape={input_shape}")
    if require_flatten and None in input_shape:
        raise ValueError(f"If `include_top` is True, `input_shape` must be static; received {input_shape}")
    return input_shape


def image_input(input_tensor, input_shape) -> KerasTensor:
    """The tensor the network starts from: ``input_tensor`` if given, else a new ``Input``."""
    if input_tensor is None:
        return Input(shape=input_shape)
    if not isinstance(input_tensor, KerasTensor):
        raise ValueError(f"`input_tensor` must be a symbolic tensor (the output of nbnet.Input or of a layer "
                         f"called on one); received {type(input_tensor).__name__}")
    return input_tensor


def source_inputs(tensor: KerasTensor) -> list | KerasTensor:
    """The ``Input`` tensors ``tensor`` was computed from (Keras's ``get_source_inputs``)."""
    found: list = []

    def visit(t):
        layer, node_index, _ = t.history
        if isinstance(layer, InputLayer):
            if not any(t is f for f in found):
                found.append(t)
            return
        for parent in layer._inbound_nodes[node_index].flat_inputs:
            visit(parent)

    visit(tensor)
    return found[0] if len(found) == 1 else found


def pool(x, pooling, avg_name: str | None = None, max_name: str | None = None) -> KerasTensor:
    """Global pooling of the features when there is no classifier top (``pooling``: "avg", "max" or None)."""
    from nbnet.layers import GlobalAveragePooling2D, GlobalMaxPooling2D
    if pooling == "avg":
        return GlobalAveragePooling2D(name=avg_name)(x)
    if pooling == "max":
        return GlobalMaxPooling2D(name=max_name)(x)
    if pooling is not None:
        raise ValueError(f"`pooling` must be None, 'avg' or 'max'; received pooling={pooling!r}")
    return x


def preprocess_input(x, data_format=None, mode: str = "caffe") -> np.ndarray:
    """Scale a batch of RGB images in [0, 255] as a network's original training did.

    Parameters
    ----------
    x : array of shape (..., rows, cols, 3)
        RGB images, values in [0, 255].
    data_format : None or "channels_last"
        Only channels-last images are supported (nbnet's layout).
    mode : {"caffe", "tf", "torch"}
        "caffe": RGB → BGR, minus ImageNet's BGR means, no scaling (VGG, ResNet);
        "tf": scaled to [-1, 1] (MobileNetV2); "torch": to [0, 1], then standardised per channel.

    Returns
    -------
    array of the same shape, float32.
    """
    if data_format not in (None, "channels_last"):
        raise ValueError(f"nbnet's images are channels-last; received data_format={data_format!r}")
    x = np.array(x, dtype=np.float32)   # a copy: Keras modifies NumPy input in place, nbnet does not
    if mode == "tf":
        return x / 127.5 - 1.0
    if mode == "torch":
        return (x / 255.0 - _TORCH_MEAN) / _TORCH_STD
    if mode == "caffe":
        return x[..., ::-1] - _CAFFE_MEAN
    raise ValueError(f"`mode` must be 'caffe', 'tf' or 'torch'; received mode={mode!r}")


def decode_predictions(preds, top: int = 5, class_names=None) -> list[list[tuple]]:
    """The ``top`` most probable classes of each prediction, as ``(class_id, description, score)``.

    Parameters
    ----------
    preds : array of shape (batch, classes)
    top : int
    class_names : dict, list, str or path, optional
        The class index: Keras's ``imagenet_class_index.json`` (a path, or the loaded dict
        ``{"0": ["n01440764", "tench"], ...}``), or a list of names (then ``class_id`` is the index as a
        string). Required: nbnet does not download Keras's file.
    """
    preds = np.asarray(preds)
    if preds.ndim != 2:
        raise ValueError(f"`decode_predictions` expects a batch of predictions of shape (samples, classes); "
                         f"received shape {preds.shape}")
    index = _class_index(class_names, preds.shape[1])
    results = []
    for pred in preds:
        best = np.argsort(pred, kind="stable")[::-1][:top]
        results.append([(*index[int(i)], pred[i]) for i in best])
    return results


def _class_index(class_names, n_classes: int) -> list[tuple[str, str]]:
    if class_names is None:
        raise ValueError("decode_predictions needs the class names: nbnet never downloads Keras's "
                         "imagenet_class_index.json. Pass class_names= the path of that file, the dict it "
                         "holds, or a list of names.")
    if isinstance(class_names, (str, os.PathLike)):
        with open(class_names, encoding="utf-8") as f:
            class_names = json.load(f)
    if isinstance(class_names, dict):
        index = [tuple(class_names[str(i)]) for i in range(len(class_names))]
    else:
        index = [(str(i), str(name)) for i, name in enumerate(class_names)]
    if len(index) != n_classes:
        raise ValueError(f"decode_predictions: {len(index)} class names for predictions over {n_classes} classes")
    return index
