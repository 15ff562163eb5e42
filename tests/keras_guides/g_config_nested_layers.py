"""Serialization & saving (guides/serialization_and_saving.py), appendix: a layer whose get_config returns
its sub-layers as objects; Keras serializes them when the model's config is taken, and from_config
deserializes them with keras.layers.deserialize."""
import keras


@keras.saving.register_keras_serializable(package="ComplexModelsSuite")
class CustomModel(keras.layers.Layer):
    def __init__(self, first_layer, second_layer=None, **kwargs):
        super().__init__(**kwargs)
        self.first_layer = first_layer
        self.second_layer = second_layer if second_layer is not None else keras.layers.Dense(8)

    def get_config(self):
        config = super().get_config()
        config.update({"first_layer": self.first_layer, "second_layer": self.second_layer})
        return config

    @classmethod
    def from_config(cls, config):
        config["first_layer"] = keras.layers.deserialize(config["first_layer"])
        config["second_layer"] = keras.layers.deserialize(config["second_layer"])
        return cls(**config)

    def call(self, inputs):
        return self.first_layer(self.second_layer(inputs))


inputs = keras.Input((32,))
outputs = CustomModel(first_layer=keras.layers.Dense(4))(inputs)
model = keras.Model(inputs, outputs)
new_model = keras.Model.from_config(model.get_config())

NBNET_DIFFERS = ("objects in a custom get_config (here sub-layers) are not serialized for you: nbnet hands "
                 "from_config the layer objects themselves, and keras.layers.deserialize refuses them")
RESULT = {"params": new_model.count_params()}
