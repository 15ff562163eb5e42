"""nbnet.applications against Keras 3's own (``keras.applications.X(weights=None, ...)``): the same
layers under the same names, the same parameter counts, and — with Keras's weights moved over by
``set_weights`` or through a real ``.weights.h5`` file — the same predictions.  Small inputs keep it fast."""

import functools
import json
import re

import keras
import numpy as np
import pytest

from nbnet import applications

CASES = {
    "vgg16_top": ("VGG16", dict(include_top=True, input_shape=(32, 32, 3), classes=5)),
    "vgg19_avg": ("VGG19", dict(include_top=False, input_shape=(32, 32, 3), pooling="avg")),
    "resnet50_top": ("ResNet50", dict(include_top=True, input_shape=(36, 36, 3), classes=3,
                                      classifier_activation=None)),
    "mobilenetv2_top": ("MobileNetV2", dict(include_top=True, input_shape=(32, 32, 3), classes=4, alpha=0.35)),
    "mobilenetv2_odd_max": ("MobileNetV2", dict(include_top=False, input_shape=(33, 35, 3), pooling="max",
                                                alpha=1.3)),
}
CHAIN = {"vgg16_top", "vgg19_avg", "mobilenetv2_top", "mobilenetv2_odd_max"}


def _stem(name: str) -> str:
    """Automatic names carry a session counter (``global_average_pooling2d_3``); drop it."""
    return re.sub(r"_\d+$", "", name) if not re.search(r"block_?\d+|conv\d|Conv_1", name) else name


@functools.cache
def _pair(case):
    """Keras's model (its batch-norm statistics randomised), ours, and a small preprocessed batch; built once."""
    app, kwargs = CASES[case]
    theirs = getattr(keras.applications, app)(weights=None, **kwargs)
    rng = np.random.default_rng(1)
    for layer in theirs.layers:   # batch-norm statistics away from 0/1, so a misplaced one shows
        if isinstance(layer, keras.layers.BatchNormalization):
            layer.set_weights([rng.uniform(0.5, 1.5, w.shape).astype("float32") if i in (0, 3)
                               else rng.normal(0.0, 0.1, w.shape).astype("float32")
                               for i, w in enumerate(layer.get_weights())])
    ours = getattr(applications, app)(weights=None, **kwargs)
    x = np.random.default_rng(0).uniform(0, 255, (2, *kwargs["input_shape"])).astype("float32")
    x = applications.imagenet_utils.preprocess_input(x, mode="tf")
    return theirs, ours, x, theirs.predict(x, verbose=0)


def _close(ours, theirs):
    np.testing.assert_allclose(ours, theirs, rtol=1e-4, atol=1e-5 * max(1.0, float(np.abs(theirs).max())))


@pytest.mark.parametrize("case", sorted(CASES))
def test_same_layers_params_and_predictions_via_set_weights(case):
    theirs, ours, x, expected = _pair(case)
    assert ours.name == theirs.name
    names = [sorted(_stem(lay.name) for lay in model.layers) for model in (ours, theirs)]
    assert names[0] == names[1]
    assert ours.count_params() == theirs.count_params()
    assert len(ours.trainable_weights) == len(theirs.trainable_weights)
    assert tuple(ours.output.shape) == tuple(theirs.output.shape)
    for layer in theirs.layers:
        if layer.weights:
            ours.get_layer(layer.name).set_weights(layer.get_weights())
    _close(ours.predict(x, verbose=0), expected)


@pytest.mark.parametrize("case", sorted(CHAIN))
def test_same_layer_order(case):
    theirs, ours, *_ = _pair(case)
    assert [_stem(lay.name) for lay in ours.layers] == [_stem(lay.name) for lay in theirs.layers]


def test_whole_weight_list_in_keras_order():
    theirs, ours, x, expected = _pair("vgg16_top")
    ours.set_weights(theirs.get_weights())
    _close(ours.predict(x, verbose=0), expected)


@pytest.mark.xfail(strict=True, raises=ValueError, reason="a model's weights list all trainable weights first in "
                   "nbnet; Keras 3 lists them layer by layer, so with batch norm model.get_weights() of one does "
                   "not fit the other's set_weights (docs/keras_differences.md); per layer, and files, do")
def test_whole_weight_list_with_batch_norm():
    theirs, ours, *_ = _pair("mobilenetv2_top")
    ours.set_weights(theirs.get_weights())


@pytest.mark.xfail(strict=True, reason="nbnet's functional models list layers depth-first; Keras 3 lists "
                   "them by depth, so a residual block's shortcut convolution comes later (docs/keras_differences.md)")
def test_resnet_layer_order_matches_keras():
    theirs, ours, *_ = _pair("resnet50_top")
    assert [lay.name for lay in ours.layers] == [lay.name for lay in theirs.layers]


@pytest.mark.parametrize("case", ["vgg19_avg", "resnet50_top", "mobilenetv2_top"])
def test_weights_file_saved_by_keras_loads(case, tmp_path):
    theirs, ours, x, expected = _pair(case)
    path = str(tmp_path / "app.weights.h5")
    theirs.save_weights(path)
    ours.load_weights(path)
    _close(ours.predict(x, verbose=0), expected)
    app, kwargs = CASES[case]
    again = getattr(applications, app)(weights=path, **kwargs)          # Keras's `weights=<path>`
    _close(again.predict(x, verbose=0), expected)


@pytest.mark.parametrize("app", ["VGG16", "VGG19", "ResNet50", "MobileNetV2"])
def test_imagenet_weights_refused_with_the_way_to_bring_them(app):
    with pytest.raises(ValueError, match=r"never downloads.*load_weights"):
        getattr(applications, app)(weights="imagenet", include_top=False, input_shape=(32, 32, 3))
    with pytest.raises(ValueError, match="never downloads"):
        getattr(applications, app)(weights="no/such/file.weights.h5", include_top=False, input_shape=(32, 32, 3))


def test_input_tensor_from_an_input_or_a_layer():
    import nbnet
    inp = nbnet.Input((32, 32, 3))
    model = applications.MobileNetV2(input_tensor=inp, include_top=False, alpha=0.35, pooling="avg")
    assert model.inputs[0] is inp and tuple(model.output.shape) == (None, 1280)
    assert model.name == "mobilenetv2_0.35_None"   # as Keras names it: no input_shape given
    scaled = nbnet.layers.Rescaling(1 / 127.5, offset=-1)(inp)
    model = applications.VGG16(input_tensor=scaled, include_top=False)
    assert model.inputs[0] is inp and tuple(model.output.shape) == (None, 1, 1, 512)
    with pytest.raises(ValueError, match="symbolic tensor"):
        applications.VGG16(input_tensor=np.zeros((1, 32, 32, 3)), include_top=False)


def test_bad_arguments_say_what_was_wrong():
    with pytest.raises(ValueError, match="at least 32x32"):
        applications.ResNet50(include_top=False, input_shape=(16, 16, 3))
    with pytest.raises(ValueError, match="three integers"):
        applications.VGG16(include_top=False, input_shape=(32, 32))
    with pytest.raises(ValueError, match="pooling"):
        applications.VGG16(include_top=False, input_shape=(32, 32, 3), pooling="mean")
    with pytest.raises(ValueError, match="include_top"):
        applications.VGG16(include_top=True, input_shape=(None, None, 3))
    assert applications.ResNet50(include_top=False).inputs[0].shape == (None, None, None, 3)


@pytest.mark.parametrize("module", ["vgg16", "vgg19", "resnet50", "mobilenet_v2"])
def test_preprocess_input_matches_keras(module):
    x = np.random.default_rng(0).uniform(0, 255, (2, 5, 5, 3)).astype("float32")
    expected = getattr(keras.applications, module).preprocess_input(x.copy())
    got = getattr(applications, module).preprocess_input(x)
    np.testing.assert_allclose(got, np.asarray(expected), atol=1e-5)
    for mode in ("caffe", "tf", "torch"):
        np.testing.assert_allclose(applications.imagenet_utils.preprocess_input(x, mode=mode),
                                   keras.applications.imagenet_utils.preprocess_input(x.copy(), mode=mode), atol=1e-5)


def test_decode_predictions_needs_and_uses_class_names(tmp_path):
    preds = np.array([[0.1, 0.6, 0.3], [0.5, 0.2, 0.3]], dtype="float32")
    with pytest.raises(ValueError, match="never downloads"):
        applications.resnet50.decode_predictions(preds)
    got = applications.resnet50.decode_predictions(preds, top=2, class_names=["cat", "dog", "eel"])
    assert [[(c, n) for c, n, _ in row] for row in got] == [[("1", "dog"), ("2", "eel")], [("0", "cat"), ("2", "eel")]]
    assert got[0][0][2] == pytest.approx(0.6)
    index = {"0": ["n0", "cat"], "1": ["n1", "dog"], "2": ["n2", "eel"]}      # Keras's file's layout
    path = tmp_path / "imagenet_class_index.json"
    path.write_text(json.dumps(index))
    assert applications.vgg16.decode_predictions(preds, top=1, class_names=str(path))[0][0][:2] == ("n1", "dog")
    with pytest.raises(ValueError, match="2 class names for predictions over 3"):
        applications.vgg16.decode_predictions(preds, class_names=["a", "b"])
