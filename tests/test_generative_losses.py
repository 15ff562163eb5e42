"""The generative chapter's loss facts, checked on nbnet's tape: the Gaussian KL term of a VAE and
the two GAN generator losses when the discriminator rejects everything."""

import numpy as np

import nbnet
from nbnet import layers, ops
from nbnet.autograd import Tensor


def kl_divergence(y_true, y_pred):
    d = ops.shape(y_pred)[1] // 2
    mu, log_var = y_pred[:, :d], y_pred[:, d:]
    return ops.sum(-0.5 * (1 + log_var - ops.square(mu) - ops.exp(log_var)), axis=1)


def test_vae_kl_matches_central_differences():
    stats = np.random.default_rng(0).normal(size=(6, 6))
    assert nbnet.testing.check_gradients(kl_divergence, stats, np.zeros((6, 1))).ok


def test_vae_kl_gradient_is_the_closed_form():
    stats = np.random.default_rng(1).normal(size=(4, 4))
    source = Tensor(stats.copy())
    with nbnet.GradientTape() as tape:
        tape.watch(source)
        total = ops.sum(kl_divergence(None, source))
    grad = tape.gradient(total, [source])[0]
    grad = np.asarray(getattr(grad, "value", grad))
    mu, log_var = stats[:, :2], stats[:, 2:]
    np.testing.assert_allclose(grad, np.concatenate([mu, 0.5 * (np.exp(log_var) - 1)], axis=1),
                               atol=1e-12)


def test_vae_kl_is_zero_at_the_prior():
    value = kl_divergence(None, np.zeros((3, 4)))
    np.testing.assert_allclose(np.asarray(getattr(value, "value", value)), 0.0, atol=1e-12)


def _generator_bias_gradient(loss_fn):
    z = np.random.default_rng(2).normal(0, 0.3, size=(128, 1)).astype("float32")
    generator = nbnet.Sequential([nbnet.Input((1,)), layers.Dense(1)])
    generator.set_weights([np.ones((1, 1), "float32"), np.array([-3.0], "float32")])
    critic = nbnet.Sequential([nbnet.Input((1,)), layers.Dense(1, activation="sigmoid")])
    critic.set_weights([np.array([[3.0]], "float32"), np.zeros(1, "float32")])
    with nbnet.GradientTape() as tape:
        loss = loss_fn(critic(generator(z)))
    grad = tape.gradient(loss, generator.trainable_weights)[1]
    return float(np.asarray(getattr(grad, "value", grad))[0])


def test_saturating_loss_vanishes_where_non_saturating_does_not():
    saturating = _generator_bias_gradient(lambda d: ops.mean(ops.log(1 - d)))
    non_saturating = _generator_bias_gradient(lambda d: -ops.mean(ops.log(d)))
    assert abs(saturating) < 1e-2 < 2.9 < abs(non_saturating)
    assert non_saturating < 0 and saturating < 0      # both push the samples towards "real"
