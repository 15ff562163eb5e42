"""Generative models that more than one notebook trains: autoencoders, the VAE, a plain GAN.

Chapter 11 derives them; the zoo (chapter 16) trains the same classes again briefly, and trains the
convolutional VAE (DCIGN) that chapter 11 only draws. All of them are ordinary nbnet models: the
VAE and the GAN are subclassed ``Model`` s with their own ``train_step`` (Keras 3's pattern), whose
losses are written with ``nbnet.ops`` and differentiated by the tape.
"""

from __future__ import annotations

import numpy as np

from nbnet import layers, ops
from nbnet.autograd import GradientTape
from nbnet.layers import Input
from nbnet.losses import BinaryCrossentropy
from nbnet.metrics import Mean
from nbnet.models import Model, Sequential
from nbnet.optimizers import Adam
from nbnet.random import SeedGenerator, normal


def gaussian_kl(z_mean, z_log_var):
    """KL(N(mu, diag sigma^2) || N(0, I)) per example: ``(N, d), (N, d) -> (N,)``, in nats.

    Closed form: ``sum_j -1/2 (1 + log sigma_j^2 - mu_j^2 - sigma_j^2)``.
    """
    return ops.sum(-0.5 * (1 + z_log_var - ops.square(z_mean) - ops.exp(z_log_var)), axis=1)


def dense_autoencoder(code_size: int, code_activation=None, activity_regularizer=None,
                      hidden: int = 256, name: str = "autoencoder"):
    """Chapter 11's 784-hidden-code-hidden-784 autoencoder, compiled (Adam 1e-3, binary cross-entropy).

    Returns
    -------
    (encoder, decoder, model)
        ``encoder``: ``(N, 784) -> (N, code_size)``; ``decoder``: back to ``(N, 784)`` in (0, 1);
        ``model`` is the two composed, to be fitted with ``fit(x_input, x_target)``.
    """
    encoder = Sequential([Input((784,)), layers.Dense(hidden, activation="relu"),
                          layers.Dense(code_size, activation=code_activation,
                                       activity_regularizer=activity_regularizer)], name="encoder")
    decoder = Sequential([Input((code_size,)), layers.Dense(hidden, activation="relu"),
                          layers.Dense(784, activation="sigmoid")], name="decoder")
    image = Input((784,), name="image")
    model = Model(image, decoder(encoder(image)), name=name)
    model.compile(optimizer=Adam(1e-3), loss="binary_crossentropy")
    return encoder, decoder, model


def conv_vae_parts(latent_dim: int = 16, filters: tuple = (32, 64)):
    """The DCIGN of chapter 11: a convolutional encoder to a Gaussian code, a transposed-convolution decoder.

    Returns
    -------
    (encoder, decoder)
        ``encoder``: ``(N, 28, 28, 1) -> [z_mean, z_log_var]``, each ``(N, latent_dim)``;
        ``decoder``: ``(N, latent_dim) -> (N, 28, 28, 1)`` pixel probabilities.
    """
    f1, f2 = filters
    image = Input((28, 28, 1), name="image")
    h = layers.LeakyReLU(0.2)(layers.Conv2D(f1, 4, strides=2, padding="same")(image))   # 14x14
    h = layers.LeakyReLU(0.2)(layers.Conv2D(f2, 4, strides=2, padding="same")(h))       # 7x7
    h = layers.Flatten()(h)
    encoder = Model(image, [layers.Dense(latent_dim, name="z_mean")(h),
                            layers.Dense(latent_dim, name="z_log_var")(h)], name="dcign_encoder")
    decoder = Sequential([
        Input((latent_dim,), name="z"), layers.Dense(7 * 7 * f2, activation="relu"),
        layers.Reshape((7, 7, f2)),
        layers.Conv2DTranspose(f1, 4, strides=2, padding="same", activation="relu"),    # 14x14
        layers.Conv2DTranspose(1, 4, strides=2, padding="same", activation="sigmoid"),  # 28x28
    ], name="dcign_decoder")
    return encoder, decoder


class VAE(Model):
    """A variational autoencoder for binary (or [0, 1]) data of any shape.

    ``encoder(x) -> [z_mean, z_log_var]``; ``decoder(z) -> x_hat`` with the shape of ``x``, values in
    (0, 1). The loss is the negative ELBO per example, in nats: the Bernoulli reconstruction
    cross-entropy summed over all pixels plus :func:`gaussian_kl`. ``z = mu + sigma * eps`` with
    ``eps ~ N(0, I)`` (the reparameterisation) keeps the sample differentiable in ``mu`` and ``sigma``.
    """

    def __init__(self, encoder, decoder, seed: int = 1, **kwargs):
        super().__init__(**kwargs)
        self.encoder, self.decoder = encoder, decoder
        self.seed_generator = SeedGenerator(seed)
        self.loss_tracker = Mean(name="loss")
        self.kl_tracker = Mean(name="kl_loss")

    @property
    def metrics(self):
        return [self.loss_tracker, self.kl_tracker]

    def negative_elbo(self, x):
        """``(mean -ELBO, mean KL)`` over the batch ``x``, one fresh draw of ``eps`` per example."""
        z_mean, z_log_var = self.encoder(x)
        eps = normal(ops.shape(z_mean), seed=self.seed_generator)
        z = z_mean + ops.exp(0.5 * z_log_var) * eps
        n = ops.shape(z_mean)[0]
        x_hat = ops.reshape(ops.clip(self.decoder(z), 1e-7, 1 - 1e-7), (n, -1))
        x = ops.reshape(x, (n, -1))
        reconstruction = -ops.sum(x * ops.log(x_hat) + (1 - x) * ops.log(1 - x_hat), axis=1)
        kl = gaussian_kl(z_mean, z_log_var)
        return ops.mean(reconstruction + kl), ops.mean(kl)

    def train_step(self, x):
        weights = self.trainable_weights
        with GradientTape() as tape:
            loss, kl = self.negative_elbo(x)
        self.optimizer.apply(tape.gradient(loss, weights), weights)
        self.loss_tracker.update_state(loss)
        self.kl_tracker.update_state(kl)
        return {m.name: m.result() for m in self.metrics}

    def elbo(self, x, samples: int = 5) -> float:
        """The mean ELBO per example of ``x`` (nats), averaged over ``samples`` draws of ``eps``."""
        values = [float(np.asarray(getattr(v, "value", v))) for v in
                  (self.negative_elbo(x)[0] for _ in range(samples))]
        return -float(np.mean(values))


class GAN(Model):
    """An unconditional GAN: ``generator(z)`` against ``discriminator(x) -> logit``.

    Each ``train_step(real)`` updates D on a real and a generated batch (binary cross-entropy on
    logits), then G with the non-saturating loss ``-log D(G(z))`` ("call the fakes real"), each with
    its own optimizer (``compile(d_optimizer, g_optimizer)``).
    """

    def __init__(self, generator, discriminator, latent_dim: int, seed: int = 0, **kwargs):
        super().__init__(**kwargs)
        self.generator, self.discriminator, self.latent_dim = generator, discriminator, latent_dim
        self.seed_generator = SeedGenerator(seed)
        self.bce = BinaryCrossentropy(from_logits=True)
        self.d_loss_tracker = Mean(name="d_loss")
        self.g_loss_tracker = Mean(name="g_loss")

    def compile(self, d_optimizer, g_optimizer):
        super().compile()
        self.d_optimizer, self.g_optimizer = d_optimizer, g_optimizer

    @property
    def metrics(self):
        return [self.d_loss_tracker, self.g_loss_tracker]

    def sample(self, n: int):
        """``n`` generated examples (no gradient)."""
        return self.generator.predict(normal((n, self.latent_dim), seed=self.seed_generator), verbose=0)

    def train_step(self, real):
        n = ops.shape(real)[0]
        ones, zeros = ops.ones((n, 1)), ops.zeros((n, 1))
        fake = self.generator(normal((n, self.latent_dim), seed=self.seed_generator))   # a constant for D
        d_weights = self.discriminator.trainable_weights
        with GradientTape() as tape:
            d_loss = self.bce(ones, self.discriminator(real)) + self.bce(zeros, self.discriminator(fake))
        self.d_optimizer.apply(tape.gradient(d_loss, d_weights), d_weights)
        g_weights = self.generator.trainable_weights
        with GradientTape() as tape:
            z = normal((n, self.latent_dim), seed=self.seed_generator)
            g_loss = self.bce(ones, self.discriminator(self.generator(z)))              # non-saturating
        self.g_optimizer.apply(tape.gradient(g_loss, g_weights), g_weights)
        self.d_loss_tracker.update_state(d_loss)
        self.g_loss_tracker.update_state(g_loss)
        return {m.name: m.result() for m in self.metrics}
