"""Custom training, the Keras 3 protocol: train_step(data), compute_loss, compute_metrics, metrics,
add_loss / losses, fit(x) without targets, compile() without a loss, functional subclassing.

The Keras comparisons run Keras 3 on the torch backend (set in conftest) with the same classes,
written once for both frameworks; only the gradient lines differ (``tape.gradient`` in nbnet,
``loss.backward()`` in Keras-on-PyTorch).
"""

import keras
import numpy as np
import pytest
import torch

import nbnet
from nbnet import layers, ops


def data(n=64, d=4, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, d)).astype("float32"), rng.normal(size=(n, 1)).astype("float32")


# --- how a batch reaches train_step / test_step -------------------------------------------------
class Recorder(nbnet.Model):
    def __init__(self):
        super().__init__()
        self.dense = layers.Dense(1)
        self.seen = []

    def call(self, x, training=False):
        return self.dense(x[0] if isinstance(x, (list, tuple)) else x)

    def train_step(self, data):
        self.seen.append(data)
        return super().train_step(data) if isinstance(data, tuple) and len(data) > 1 else {"n": 1.0}

    def test_step(self, data):
        self.seen.append(data)
        return super().test_step(data)


def test_a_batch_is_packed_as_keras_packs_it():
    x, y = data(8)
    model = Recorder()
    model.compile("sgd", "mse")
    model.fit(x, batch_size=8, verbose=0)
    assert isinstance(model.seen[-1], np.ndarray) and model.seen[-1].shape == (8, 4)
    model.fit(x, y, batch_size=8, verbose=0)
    assert isinstance(model.seen[-1], tuple) and len(model.seen[-1]) == 2
    model.fit(x, y, sample_weight=np.ones(8), batch_size=8, verbose=0)
    assert len(model.seen[-1]) == 3 and model.seen[-1][2].shape == (8,)
    model.fit([x, x], batch_size=8, verbose=0)
    assert isinstance(model.seen[-1], tuple) and len(model.seen[-1]) == 1 and len(model.seen[-1][0]) == 2
    model.evaluate(x, y, batch_size=8, verbose=0)
    assert len(model.seen[-1]) == 2


def test_unpack_and_pack_follow_keras():
    x, y = data(4)
    for packed in [x, (x,), (x, y), (x, y, np.ones(4))]:
        ours = nbnet.utils.unpack_x_y_sample_weight(packed)
        theirs = keras.utils.unpack_x_y_sample_weight(packed)
        assert all((a is None and b is None) or a is b for a, b in zip(ours, theirs))
    assert nbnet.utils.pack_x_y_sample_weight(x) is x
    assert nbnet.utils.pack_x_y_sample_weight(x, y) == (x, y)
    with pytest.raises(ValueError, match="got a tuple of 4 entries"):
        nbnet.utils.unpack_x_y_sample_weight((x, y, y, y))


def test_a_step_must_return_a_dict():
    class Bad(Recorder):
        def train_step(self, data):
            return 1.0
    model = Bad()
    model.compile("sgd", "mse")
    with pytest.raises(TypeError, match="must return a dict of metric values, got float"):
        model.fit(*data(8), verbose=0)


# --- compute_loss / compute_metrics overrides -------------------------------------------------
class HuberByHand(nbnet.Model):
    """A subclass overriding compute_loss with Keras's signature, and a metric of its own."""

    def __init__(self, with_training_arg=True):
        super().__init__()
        self.dense = layers.Dense(1)
        self.abs_error = nbnet.metrics.Mean(name="abs_error")
        self.calls = []
        if not with_training_arg:   # a pre-Keras-3.3 override without `training`
            self.compute_loss = lambda x, y, y_pred, sample_weight: self._loss(y, y_pred, None)

    def call(self, x, training=False):
        return self.dense(x)

    def _loss(self, y, y_pred, training):
        self.calls.append(training)
        d = ops.abs(ops.subtract(y_pred, y))
        return ops.mean(ops.where(d < 1.0, 0.5 * ops.square(d), d - 0.5))

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        return self._loss(y, y_pred, training)

    def compute_metrics(self, x, y, y_pred, sample_weight=None):
        self.abs_error.update_state(ops.abs(ops.subtract(y_pred, y)))
        return super().compute_metrics(x, y, y_pred, sample_weight)


@pytest.mark.parametrize("with_training_arg", [True, False])
def test_compute_loss_override_is_what_fit_minimizes(with_training_arg):
    nbnet.utils.set_random_seed(0)
    x, _ = data(128)
    y = x @ np.array([[1.0], [-2.0], [0.5], [3.0]], dtype="float32")
    model = HuberByHand(with_training_arg)
    model.compile(nbnet.optimizers.Adam(0.05))   # no loss: compute_loss provides it
    history = model.fit(x, y, epochs=15, batch_size=32, validation_data=(x, y), verbose=0)
    h = history.history
    assert set(h) == {"loss", "abs_error", "val_loss", "val_abs_error"}
    assert h["loss"][-1] < 0.2 * h["loss"][0]
    if with_training_arg:
        assert model.calls[-1] is False and True in model.calls   # validation, then training
    assert model.evaluate(x, y, verbose=0, return_dict=True)["abs_error"] == pytest.approx(
        float(np.abs(model.predict(x, verbose=0) - y).mean()), rel=1e-5)


def test_tracked_metrics_reset_every_epoch():
    class Counter(nbnet.metrics.Metric):   # Keras-style: state from add_variable in __init__
        def __init__(self, name="counter", **kwargs):
            super().__init__(name=name, **kwargs)
            self.n = self.add_variable(shape=(), initializer="zeros", name="n")

        def update_state(self, *args, **kwargs):
            self.n.assign(self.n + 1.0)

        def result(self):
            return self.n

    class Counting(nbnet.Model):
        def __init__(self):
            super().__init__()
            self.dense = layers.Dense(1)
            self.batches = Counter(name="batches")

        def call(self, x):
            return self.dense(x)

        def train_step(self, data):
            self.batches.update_state()
            return super().train_step(data)

    model = Counting()
    model.compile("sgd", "mse")
    history = model.fit(*data(64), batch_size=16, epochs=3, verbose=0)
    assert model.metrics_names == ["loss", "batches"]
    assert history.history["batches"] == [4.0, 4.0, 4.0]


# --- compile() without a loss, fit(x) without targets, add_loss -------------------------------
def test_compile_without_any_loss_fails_at_fit_with_a_clear_message():
    model = nbnet.Sequential([nbnet.Input((4,)), layers.Dense(1)])
    model.compile("sgd")
    with pytest.raises(ValueError, match="No loss to compute"):
        model.fit(data(8)[0], verbose=0)


def test_a_compiled_loss_without_targets_says_what_to_do():
    model = nbnet.Sequential([nbnet.Input((4,)), layers.Dense(1)])
    model.compile("sgd", "mse")
    with pytest.raises(ValueError, match="needs targets y.*add_loss"):
        model.fit(data(8)[0], verbose=0)


class Sampling(layers.Layer):
    """z = μ + σ ⊙ ε, ε ~ N(0, I); adds the KL divergence of N(μ, σ²) from N(0, I)."""

    def call(self, inputs, training=False):
        mean, log_var = inputs
        kl = -0.5 * ops.mean(ops.sum(1.0 + log_var - ops.square(mean) - ops.exp(log_var), axis=-1))
        self.add_loss(kl)
        eps = nbnet.utils.rng.generator().standard_normal(ops.shape(mean)).astype("float32")
        return mean + ops.exp(0.5 * log_var) * eps


def vae(d=8, latent=2, reconstruction_in_call=False):
    nbnet.utils.set_random_seed(0)
    x = nbnet.Input((d,))
    h = layers.Dense(16, activation="relu")(x)
    z = Sampling()([layers.Dense(latent)(h), layers.Dense(latent)(h)])
    out = layers.Dense(d, activation="sigmoid")(layers.Dense(16, activation="relu")(z))
    if not reconstruction_in_call:
        return nbnet.Model(x, out)

    class SelfSupervised(nbnet.Model):
        def call(self, inputs, training=False):
            y = super().call(inputs, training=training)
            self.add_loss(nbnet.losses.BinaryCrossentropy()(inputs, y) * d)
            return y
    return SelfSupervised(x, out)


def binary_patterns(n=512, d=8, seed=0):
    rng = np.random.default_rng(seed)
    protos = (rng.random((4, d)) > 0.5).astype("float32")
    return protos[rng.integers(0, 4, n)]


def test_vae_with_add_loss_trains_and_its_loss_falls():
    x = binary_patterns()
    model = vae()
    model.compile(nbnet.optimizers.Adam(0.01), loss="binary_crossentropy")
    history = model.fit(x, x, epochs=10, batch_size=64, verbose=0)
    kl = model.losses
    assert len(kl) == 1, "the KL term of the last forward pass only (cleared at every call)"
    assert history.history["loss"][-1] < 0.7 * history.history["loss"][0]
    model(x[:4])
    assert len(model.losses) == 1


def test_self_supervised_model_fits_on_x_alone():
    x = binary_patterns()
    model = vae(reconstruction_in_call=True)
    model.compile(nbnet.optimizers.Adam(0.01))          # no loss, no targets: add_loss does it all
    history = model.fit(x, epochs=10, batch_size=64, validation_split=0.25, verbose=0)
    assert set(history.history) == {"loss", "val_loss"}
    assert history.history["loss"][-1] < 0.6 * history.history["loss"][0]
    assert len(model.losses) == 2   # the KL and reconstruction terms
    assert model.evaluate(x, verbose=0) == pytest.approx(history.history["loss"][-1], rel=0.5)


def test_add_loss_rejects_what_is_not_a_number():
    layer = layers.Dense(1)
    with pytest.raises(ValueError, match="add_loss\\(\\) expects a Tensor or a number, got str"):
        layer.add_loss("kl")


def test_activity_regularizer_is_in_losses_and_in_the_gradient():
    nbnet.utils.set_random_seed(0)
    x, y = data(16)
    model = nbnet.Sequential([nbnet.Input((4,)), layers.Dense(3, activity_regularizer="l2"),
                              layers.Dense(1)])
    model.compile("sgd", "mse")
    hidden = model.layers[0](x)
    assert model.layers[0].losses[0] == pytest.approx(0.01 * float((hidden ** 2).sum()) / 16, rel=1e-5)
    mse = float(((model.predict(x, verbose=0) - y) ** 2).mean())
    assert model.evaluate(x, y, verbose=0) == pytest.approx(mse + float(model.layers[0].losses[0]), rel=1e-5)
    nbnet.testing.check_gradients(model, x, y)
    assert layers.Dense(2, activity_regularizer="l1").get_config()["activity_regularizer"]["class_name"] == "L1"


# --- functional subclassing -------------------------------------------------------------------
class WithStepCount(nbnet.Model):
    """Built as WithStepCount(inputs, outputs): a functional model with a custom train_step."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.steps = nbnet.metrics.Mean(name="steps")

    def train_step(self, data):
        self.steps.update_state(1.0)
        return super().train_step(data)


def test_functional_subclass():
    inp = nbnet.Input((4,), name="x")
    out = layers.Dense(1, name="y")(layers.Dense(8, activation="relu")(inp))
    model = WithStepCount(inp, out, name="counting")
    assert isinstance(model, nbnet.models.Functional) and isinstance(model, WithStepCount)
    assert model.name == "counting" and [lay.name for lay in model.layers][0] == "x"
    model.compile("adam", "mse", metrics=["mae"])
    history = model.fit(*data(32), batch_size=8, epochs=2, verbose=0)
    assert set(history.history) == {"loss", "mae", "steps"}
    assert history.history["steps"] == [1.0, 1.0]
    assert model.metrics_names == ["loss", "mae", "steps"]
    plain = nbnet.Model(inp, out)   # the plain class is untouched
    assert type(plain) is nbnet.models.Functional


# --- a GAN: two optimizers, two trackers, written once for nbnet and for Keras-on-PyTorch -----
def gradients(K, loss_fn, variables):
    """The backend-specific lines of a custom train_step: the loss and its gradients."""
    if K is nbnet:
        with nbnet.GradientTape() as tape:
            loss = loss_fn()
        return loss, tape.gradient(loss, variables)
    for v in variables:
        v.value.grad = None
    loss = loss_fn()
    loss.backward()
    return loss, [v.value.grad for v in variables]


def make_gan(K, override_metrics, apply_style="apply_gradients"):
    class GAN(K.Model):
        def __init__(self, latent_dim=2):
            super().__init__()
            self.latent_dim = latent_dim
            self.generator = K.Sequential([K.Input((latent_dim,)), K.layers.Dense(8, activation="relu"),
                                           K.layers.Dense(4)])
            self.discriminator = K.Sequential([K.Input((4,)), K.layers.Dense(8, activation="relu"),
                                               K.layers.Dense(1)])
            self.d_loss_tracker = K.metrics.Mean(name="d_loss")
            self.g_loss_tracker = K.metrics.Mean(name="g_loss")
            self.rng = np.random.default_rng(0)

        def compile(self, d_optimizer, g_optimizer):
            super().compile()
            self.d_optimizer, self.g_optimizer = d_optimizer, g_optimizer
            self.loss_fn = K.losses.BinaryCrossentropy(from_logits=True)

        def call(self, x):   # Keras builds a model through call() before fit
            return self.discriminator(x)

        if override_metrics:
            @property
            def metrics(self):
                return [self.d_loss_tracker, self.g_loss_tracker]

        def update(self, optimizer, grads, variables):
            with torch.no_grad():
                if apply_style == "apply":
                    optimizer.apply(grads, variables)
                else:
                    optimizer.apply_gradients(zip(grads, variables))

        def train_step(self, real):
            n = int(K.ops.shape(real)[0])
            z = K.ops.convert_to_tensor(self.rng.normal(size=(n, self.latent_dim)).astype("float32"))
            fake = K.ops.stop_gradient(self.generator(z))
            both = K.ops.concatenate([fake, real], axis=0)
            labels = K.ops.concatenate([K.ops.ones((n, 1)), K.ops.zeros((n, 1))], axis=0)
            d_vars = self.discriminator.trainable_weights
            d_loss, grads = gradients(K, lambda: self.loss_fn(labels, self.discriminator(both)), d_vars)
            self.update(self.d_optimizer, grads, d_vars)
            g_vars = self.generator.trainable_weights
            g_loss, grads = gradients(K, lambda: self.loss_fn(K.ops.zeros((n, 1)),
                                                              self.discriminator(self.generator(z))), g_vars)
            self.update(self.g_optimizer, grads, g_vars)
            self.d_loss_tracker.update_state(d_loss)
            self.g_loss_tracker.update_state(g_loss)
            return {"d_loss": self.d_loss_tracker.result(), "g_loss": self.g_loss_tracker.result()}
    return GAN()


def fit_gan(K, override_metrics, apply_style="apply_gradients"):
    if K is nbnet:
        nbnet.utils.set_random_seed(0)
    else:
        keras.utils.set_random_seed(0)
    gan = make_gan(K, override_metrics, apply_style)
    gan.compile(K.optimizers.Adam(1e-2), K.optimizers.Adam(1e-2))
    x = data(96)[0] * 0.5 + 2.0
    before = [w.copy() for w in gan.generator.get_weights()], [w.copy() for w in gan.discriminator.get_weights()]
    history = gan.fit(x, epochs=3, batch_size=32, verbose=0)
    moved = [any(not np.array_equal(a, b) for a, b in zip(old, model.get_weights()))
             for old, model in zip(before, (gan.generator, gan.discriminator))]
    return gan, history, moved


@pytest.mark.parametrize("override_metrics", [True, False])
def test_gan_train_step_matches_keras_history_keys(override_metrics):
    ours, h_ours, moved = fit_gan(nbnet, override_metrics)
    theirs, h_theirs, moved_theirs = fit_gan(keras, override_metrics)
    assert moved == moved_theirs == [True, True]
    assert set(h_ours.history) == set(h_theirs.history) == {"d_loss", "g_loss"}
    assert all(len(v) == 3 for v in h_ours.history.values())
    assert ours.metrics_names == theirs.metrics_names
    # the trackers were reset each epoch: the epoch value is that epoch's mean, a plausible BCE
    assert all(0.0 < v < 5.0 for v in h_ours.history["d_loss"] + h_ours.history["g_loss"])


def test_gan_optimizer_apply_and_apply_gradients_agree():
    _, h1, _ = fit_gan(nbnet, True, "apply")
    _, h2, _ = fit_gan(nbnet, True, "apply_gradients")
    assert h1.history == h2.history


# --- the default protocol against Keras: names, History keys, the loss with add_loss ----------
def same_model(K):
    inp = K.Input((4,), name="x")
    h = K.layers.Dense(5, activation="tanh", activity_regularizer=K.regularizers.L2(0.1), name="h")(inp)
    return K.Model(inp, K.layers.Dense(1, name="y")(h))


def test_activity_regularized_model_matches_keras_loss_names_and_history():
    x, y = data(40)
    ours, theirs = same_model(nbnet), same_model(keras)
    ours.set_weights(theirs.get_weights())
    ours.compile("sgd", "mse", metrics=["mae"])
    theirs.compile("sgd", "mse", metrics=["mae"])
    ours_eval = ours.evaluate(x, y, batch_size=40, verbose=0, return_dict=True)
    theirs_eval = theirs.evaluate(x, y, batch_size=40, verbose=0, return_dict=True)
    assert set(ours_eval) == set(theirs_eval)
    for k in theirs_eval:
        assert ours_eval[k] == pytest.approx(theirs_eval[k], rel=1e-5), k
    h_ours = ours.fit(x, y, epochs=2, batch_size=8, validation_split=0.25, shuffle=False, verbose=0)
    h_theirs = theirs.fit(x, y, epochs=2, batch_size=8, validation_split=0.25, shuffle=False, verbose=0)
    assert set(h_ours.history) == set(h_theirs.history)
    for k in h_theirs.history:
        np.testing.assert_allclose(h_ours.history[k], h_theirs.history[k], rtol=1e-4, err_msg=k)
