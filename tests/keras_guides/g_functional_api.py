"""The Functional API (guides/functional_api.py): a multi-input, multi-output model (tickets →
priority and department), losses and loss weights by output name, a shared embedding, a toy ResNet."""
import keras
import numpy as np
from keras import layers

keras.utils.set_random_seed(0)
num_tags, num_words, num_departments = 12, 100, 4
title_input = keras.Input(shape=(None,), name="title")
body_input = keras.Input(shape=(None,), name="body")
tags_input = keras.Input(shape=(num_tags,), name="tags")
title_features = layers.Embedding(num_words, 16)(title_input)
body_features = layers.Embedding(num_words, 16)(body_input)
title_features = layers.LSTM(32)(title_features)
body_features = layers.LSTM(8)(body_features)
x = layers.concatenate([title_features, body_features, tags_input])
priority_pred = layers.Dense(1, name="priority")(x)
department_pred = layers.Dense(num_departments, name="department")(x)
model = keras.Model(inputs=[title_input, body_input, tags_input],
                    outputs={"priority": priority_pred, "department": department_pred})
model.compile(optimizer=keras.optimizers.RMSprop(1e-3),
              loss={"priority": keras.losses.BinaryCrossentropy(from_logits=True),
                    "department": keras.losses.CategoricalCrossentropy(from_logits=True)},
              loss_weights={"priority": 1.0, "department": 0.2})
rng = np.random.default_rng(0)
title_data = rng.integers(0, num_words, size=(64, 10))
body_data = rng.integers(0, num_words, size=(64, 20))
tags_data = rng.integers(0, 2, size=(64, num_tags)).astype("float32")
priority_targets = rng.random(size=(64, 1)).astype("float32")
dept_targets = np.eye(num_departments, dtype="float32")[rng.integers(0, num_departments, 64)]
history = model.fit({"title": title_data, "body": body_data, "tags": tags_data},
                    {"priority": priority_targets, "department": dept_targets}, epochs=2, batch_size=32, verbose=2)

inputs = keras.Input(shape=(32, 32, 3), name="img")
x = layers.Conv2D(32, 3, activation="relu")(inputs)
x = layers.Conv2D(64, 3, activation="relu")(x)
block_1_output = layers.MaxPooling2D(3)(x)
x = layers.Conv2D(64, 3, activation="relu", padding="same")(block_1_output)
x = layers.Conv2D(64, 3, activation="relu", padding="same")(x)
block_2_output = layers.add([x, block_1_output])
x = layers.GlobalAveragePooling2D()(block_2_output)
outputs = layers.Dense(10)(layers.Dropout(0.5)(layers.Dense(256, activation="relu")(x)))
resnet = keras.Model(inputs, outputs, name="toy_resnet")

shared_embedding = layers.Embedding(1000, 128)
text_a, text_b = keras.Input(shape=(None,), dtype="int32"), keras.Input(shape=(None,), dtype="int32")
shared = keras.Model([text_a, text_b], [shared_embedding(text_a), shared_embedding(text_b)])

RESULT = {"history": sorted(history.history), "epochs": len(history.history["loss"]),
          "resnet_params": resnet.count_params(), "resnet_layers": len(resnet.layers),
          "shared_weights": len(shared.weights), "out_names": sorted(model.output_names)}
