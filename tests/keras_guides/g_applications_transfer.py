"""Transfer-learning blueprint of the Sequential and functional guides, with keras.applications built from
scratch (weights=None, no download): a frozen MobileNetV2 base under a new classifier, its parameter counts,
Keras's layer names, and the application's own preprocess_input."""
import keras
import numpy as np

keras.utils.set_random_seed(0)
rng = np.random.default_rng(0)
base_model = keras.applications.MobileNetV2(weights=None, include_top=False, input_shape=(32, 32, 3), alpha=0.35,
                                            pooling="avg")
base_model.trainable = False
model = keras.Sequential([keras.Input((32, 32, 3)), base_model, keras.layers.Dense(3, activation="softmax")])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
images = keras.applications.mobilenet_v2.preprocess_input(rng.uniform(0, 255, (24, 32, 32, 3)).astype("float32"))
labels = rng.integers(0, 3, 24)
frozen_before = [w.copy() for w in base_model.get_weights()]
history = model.fit(images, labels, batch_size=8, epochs=1, verbose=2)
frozen_after = base_model.get_weights()

vgg = keras.applications.VGG16(weights=None, include_top=False, input_shape=(32, 32, 3))
features = keras.Model(inputs=vgg.input, outputs=vgg.get_layer("block3_pool").output)

TOL = 1e-5
RESULT = {"base_name": base_model.name, "base_params": base_model.count_params(), "params": model.count_params(),
          "trainable_params": int(sum(np.prod(w.shape) for w in model.trainable_weights)),
          "history": sorted(history.history), "base_unchanged": all(
              np.array_equal(a, b) for a, b in zip(frozen_before, frozen_after) if a.ndim > 1),
          "images_range": [float(images.min()) >= -1.0, float(images.max()) <= 1.0],
          "vgg_layers": [layer.name for layer in vgg.layers[1:]], "feature_shape": tuple(features.output.shape)}
