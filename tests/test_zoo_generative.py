"""nbnet.zoo.generative: the autoencoders, VAE and GAN that chapters 11 and 16 both train."""

import numpy as np
import pytest

import nbnet
from nbnet import GradientTape, Tensor, ops
from nbnet.testing import check_gradients
from nbnet.zoo.generative import GAN, VAE, conv_vae_parts, dense_autoencoder, gaussian_kl


def _value(t):
    return np.asarray(getattr(t, "value", t))


def test_gaussian_kl_closed_form_and_gradient():
    rng = np.random.default_rng(0)
    mu, log_var = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    kl = _value(gaussian_kl(mu, log_var))
    # the same KL by Monte Carlo: E_q[log q(z) - log p(z)]
    z = mu + np.exp(0.5 * log_var) * rng.normal(size=(100000, 4, 3))
    log_q = -0.5 * ((z - mu) ** 2 / np.exp(log_var) + log_var + np.log(2 * np.pi))
    log_p = -0.5 * (z ** 2 + np.log(2 * np.pi))
    assert np.allclose(kl, (log_q - log_p).sum(-1).mean(0), atol=0.03)
    assert np.allclose(_value(gaussian_kl(np.zeros((2, 3)), np.zeros((2, 3)))), 0.0)

    def loss(y_true, y_pred):                   # y_pred = [mu | log_var]
        return gaussian_kl(y_pred[:, :3], y_pred[:, 3:])
    assert check_gradients(loss, np.concatenate([mu, log_var], 1), np.zeros((4, 1))).ok
    source = Tensor(np.concatenate([mu, log_var], 1))
    with GradientTape() as tape:
        tape.watch(source)
        total = ops.sum(gaussian_kl(source[:, :3], source[:, 3:]))
    grad = _value(tape.gradient(total, [source])[0])
    # dKL/dmu = mu ; dKL/dlog_var = (sigma^2 - 1) / 2
    assert np.allclose(grad, np.concatenate([mu, 0.5 * (np.exp(log_var) - 1)], 1))


def test_dense_autoencoder_shapes_and_one_epoch():
    nbnet.utils.set_random_seed(0)
    encoder, decoder, model = dense_autoencoder(8, hidden=32)
    x = np.random.default_rng(0).random((64, 784)).astype("float32")
    assert encoder.predict(x, verbose=0).shape == (64, 8) and model.predict(x, verbose=0).shape == (64, 784)
    before = model.evaluate(x, x, verbose=0)
    model.fit(x, x, batch_size=16, epochs=3, verbose=0)
    assert model.evaluate(x, x, verbose=0) < before


def test_conv_vae_parts_shapes():
    encoder, decoder = conv_vae_parts(4, filters=(4, 8))
    mean, log_var = encoder.predict(np.zeros((2, 28, 28, 1), "float32"), verbose=0)
    assert mean.shape == log_var.shape == (2, 4)
    assert decoder.predict(mean, verbose=0).shape == (2, 28, 28, 1)


@pytest.mark.parametrize("image", [False, True])
def test_vae_trains_and_elbo_rises(image):
    nbnet.utils.set_random_seed(0)
    x = (np.random.default_rng(1).random((128, 784)) < 0.2).astype("float32")
    x[:64, :392] = 1.0                                   # two kinds of example to tell apart
    if image:
        encoder, decoder = conv_vae_parts(2, filters=(4, 8))
        x = x.reshape(-1, 28, 28, 1)
    else:
        inputs = nbnet.Input((784,))
        h = nbnet.layers.Dense(16, activation="relu")(inputs)
        encoder = nbnet.Model(inputs, [nbnet.layers.Dense(2)(h), nbnet.layers.Dense(2)(h)])
        decoder = nbnet.Sequential([nbnet.Input((2,)), nbnet.layers.Dense(784, activation="sigmoid")])
    vae = VAE(encoder, decoder)
    vae.compile(optimizer=nbnet.optimizers.Adam(1e-2))
    before = vae.elbo(x)
    history = vae.fit(x, batch_size=32, epochs=10, verbose=0).history
    assert set(history) >= {"loss", "kl_loss"} and vae.elbo(x) > before + 50
    assert before < -784 * np.log(2) * 0.8               # a random decoder: about log 2 per pixel


def test_gan_step_updates_both_players_with_the_non_saturating_loss():
    nbnet.utils.set_random_seed(0)
    g = nbnet.Sequential([nbnet.Input((2,)), nbnet.layers.Dense(2)])
    d = nbnet.Sequential([nbnet.Input((2,)), nbnet.layers.Dense(1)])
    gan = GAN(g, d, latent_dim=2)
    gan.compile(nbnet.optimizers.SGD(0.1), nbnet.optimizers.SGD(0.1))
    g0, d0 = [w.copy() for w in g.get_weights()], [w.copy() for w in d.get_weights()]
    logs = gan.train_step(np.full((16, 2), 3.0, "float32"))
    assert {"d_loss", "g_loss"} <= set(logs)
    assert not np.allclose(g0[0], g.get_weights()[0]) and not np.allclose(d0[0], d.get_weights()[0])
    assert gan.sample(5).shape == (5, 2)


def test_gan_moves_the_generator_towards_the_data():
    nbnet.utils.set_random_seed(0)
    g = nbnet.Sequential([nbnet.Input((1,)), nbnet.layers.Dense(1)])
    d = nbnet.Sequential([nbnet.Input((1,)), nbnet.layers.Dense(8, activation="tanh"), nbnet.layers.Dense(1)])
    gan = GAN(g, d, latent_dim=1)
    gan.compile(nbnet.optimizers.Adam(0.01), nbnet.optimizers.Adam(0.01))
    rng = np.random.default_rng(0)
    for _ in range(600):
        gan.train_step((3.0 + 0.5 * rng.normal(size=(64, 1))).astype("float32"))
    assert abs(float(np.mean(gan.sample(2000))) - 3.0) < 0.5
