"""Making new layers and models via subclassing (guides/making_new_layers_and_models_via_subclassing.py):
weights, non-trainable weights, deferred build, nested layers, add_loss, get_config, a Model subclass."""
import keras
import numpy as np
from keras import layers, ops


class Linear(layers.Layer):
    def __init__(self, units=32, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], self.units), initializer="ones", trainable=True)
        self.b = self.add_weight(shape=(self.units,), initializer="zeros", trainable=True)

    def call(self, inputs):
        return ops.matmul(inputs, self.w) + self.b

    def get_config(self):
        return {**super().get_config(), "units": self.units}


class ComputeSum(layers.Layer):
    def __init__(self, input_dim):
        super().__init__()
        self.total = self.add_weight(initializer="zeros", shape=(input_dim,), trainable=False)

    def call(self, inputs):
        self.total.assign_add(ops.sum(inputs, axis=0))
        return self.total


class ActivityRegularizationLayer(layers.Layer):
    def __init__(self, rate=1e-2):
        super().__init__()
        self.rate = rate

    def call(self, inputs):
        self.add_loss(self.rate * ops.mean(inputs))
        return inputs


class MLPBlock(layers.Layer):
    def __init__(self):
        super().__init__()
        self.linear_1 = Linear(32)
        self.linear_2 = Linear(32)
        self.linear_3 = Linear(1)

    def call(self, inputs):
        x = ops.relu(self.linear_1(inputs))
        x = ops.relu(self.linear_2(x))
        return self.linear_3(x)


x = np.ones((2, 2), dtype="float32")
linear = Linear(4)
y = linear(x)
my_sum = ComputeSum(2)
my_sum(x)
total = my_sum(x)
mlp = MLPBlock()
mlp_out = mlp(np.ones(shape=(3, 64), dtype="float32"))

outer = keras.Sequential([keras.Input((4,)), ActivityRegularizationLayer(0.5),
                          layers.Dense(1, kernel_initializer="ones")])
outer(np.ones((2, 4), dtype="float32"))
reg_losses = len(outer.losses)
config = Linear(64).get_config()
clone = Linear.from_config(config)


class Classifier(keras.Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.block = MLPBlock()
        self.act = ActivityRegularizationLayer(1e-3)

    def call(self, inputs):
        return self.act(self.block(inputs))


keras.utils.set_random_seed(0)
clf = Classifier()
clf.compile(optimizer=keras.optimizers.SGD(1e-4), loss="mse")
data = np.random.default_rng(0).normal(size=(32, 8)).astype("float32")
history = clf.fit(data, np.zeros((32, 1), "float32"), epochs=2, batch_size=16, verbose=2)

RESULT = {"y": ops.convert_to_numpy(y), "weights": len(linear.weights), "total": ops.convert_to_numpy(total),
          "non_trainable": len(my_sum.non_trainable_weights), "mlp_weights": len(mlp.weights),
          "mlp_shape": tuple(mlp_out.shape), "reg_losses": reg_losses, "config_units": config["units"],
          "clone_units": clone.units, "history": sorted(history.history)}
