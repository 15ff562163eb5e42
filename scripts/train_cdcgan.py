"""Train chapter 11's conditional DCGAN on MNIST, and the independent CNN that judges it.

The chapter (book/11_generative.ipynb) loads what this script writes and checks its claims on it:

* ``book/weights/cdcgan_generator.weights.zip`` — the generator G(z, y): noise and a one-hot label
  in, a 28×28 digit out (Dense → 7×7×64, two stride-2 transposed convolutions);
* ``book/weights/cdcgan_discriminator.weights.zip`` — the discriminator D(x, y): two stride-2
  convolutions, a projection of the label onto the features (Miyato & Koyama 2018) for the
  real/fake logit, and an auxiliary 10-way classifier head (Odena et al. 2017);
* ``book/weights/cdcgan_judge.weights.zip`` — a CNN classifier trained on real MNIST only, by a
  separate seed and a separate optimizer: the judge of "is this the digit that was asked for?";
* ``book/weights/cdcgan.log`` — the progress of the full run (copy of stdout).

Training is seeded and runs with one BLAS thread, so a rerun on the same machine reproduces the files.

    OPENBLAS_NUM_THREADS=1 python scripts/train_cdcgan.py                      # full run
    python scripts/train_cdcgan.py --steps 3 --judge-epochs 0 --limit 256 --out /tmp/cdcgan  # smoke
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402

import nbnet  # noqa: E402
from nbnet import layers, ops  # noqa: E402

OUT = Path(__file__).resolve().parents[1] / "book" / "weights"
LATENT, CLASSES, BATCH = 64, 10, 64


def build_generator(latent_dim: int = LATENT) -> nbnet.Model:
    """G(z, y): ``[(N, latent_dim), (N, 10)] -> (N, 28, 28, 1)`` in [-1, 1]."""
    z, y = nbnet.Input((latent_dim,), name="z"), nbnet.Input((CLASSES,), name="label")
    h = layers.Concatenate()([z, y])
    h = layers.Dense(7 * 7 * 64)(h)
    h = layers.LeakyReLU(0.2)(layers.BatchNormalization()(h))
    h = layers.Reshape((7, 7, 64))(h)
    h = layers.Conv2DTranspose(32, 4, strides=2, padding="same")(h)          # 14×14×32
    h = layers.LeakyReLU(0.2)(layers.BatchNormalization()(h))
    x = layers.Conv2DTranspose(1, 4, strides=2, padding="same", activation="tanh")(h)   # 28×28×1
    return nbnet.Model([z, y], x, name="generator")


def build_discriminator() -> nbnet.Model:
    """D(x, y): ``[(N, 28, 28, 1), (N, 10)] -> [(N, 1) real/fake logit, (N, 10) class logits]``.

    The real/fake logit is ``w·h + b + e_y·h``: a linear score plus the projection of the features
    ``h`` on the label's embedding ``e_y``, so the label changes what "real" looks like.
    """
    x, y = nbnet.Input((28, 28, 1), name="image"), nbnet.Input((CLASSES,), name="label")
    h = layers.LeakyReLU(0.2)(layers.Conv2D(32, 4, strides=2, padding="same")(x))     # 14×14×32
    h = layers.LeakyReLU(0.2)(layers.Conv2D(64, 4, strides=2, padding="same")(h))     # 7×7×64
    h = layers.LeakyReLU(0.2)(layers.Dense(128)(layers.Flatten()(h)))
    embedded = layers.Dense(128, use_bias=False, name="label_embedding")(y)
    logit = layers.Add(name="real_logit")([layers.Dense(1)(h), layers.Dot(axes=1)([h, embedded])])
    classes = layers.Dense(CLASSES, name="class_logits")(h)
    return nbnet.Model([x, y], [logit, classes], name="discriminator")


def build_judge() -> nbnet.Sequential:
    """The independent classifier: a small LeNet-style CNN, softmax over the ten digits."""
    return nbnet.Sequential([
        nbnet.Input((28, 28, 1)),
        layers.Conv2D(32, 3, activation="relu"), layers.MaxPooling2D(2),
        layers.Conv2D(64, 3, activation="relu"), layers.MaxPooling2D(2),
        layers.Flatten(), layers.Dropout(0.3), layers.Dense(10, activation="softmax"),
    ], name="judge")


class ConditionalGAN(nbnet.Model):
    """The Keras 3 way: a ``Model`` whose ``train_step`` updates D, then G, with their own Adams.

    Losses (non-saturating, binary cross-entropy on logits, plus the auxiliary class term):
    D minimises ``BCE(1, D(x, y)) + BCE(0, D(G(z, y'), y')) + CE(y, C(x))`` on real ``x``;
    G minimises ``BCE(1, D(G(z, y'), y')) + CE(y', C(G(z, y')))``.
    """

    def __init__(self, generator, discriminator, latent_dim: int = LATENT, seed: int = 0):
        super().__init__()
        self.generator, self.discriminator, self.latent_dim = generator, discriminator, latent_dim
        self.seed_generator = nbnet.random.SeedGenerator(seed)
        self.d_loss_tracker = nbnet.metrics.Mean(name="d_loss")
        self.g_loss_tracker = nbnet.metrics.Mean(name="g_loss")
        self.bce = nbnet.losses.BinaryCrossentropy(from_logits=True)
        self.ce = nbnet.losses.CategoricalCrossentropy(from_logits=True)

    def compile(self, d_optimizer, g_optimizer):
        super().compile()
        self.d_optimizer, self.g_optimizer = d_optimizer, g_optimizer

    @property
    def metrics(self):
        return [self.d_loss_tracker, self.g_loss_tracker]

    def _noise_and_labels(self, n: int):
        z = nbnet.random.normal((n, self.latent_dim), seed=self.seed_generator)
        labels = nbnet.random.randint((n,), 0, CLASSES, seed=self.seed_generator)
        return z, np.eye(CLASSES, dtype=np.float32)[labels]

    def train_step(self, data):
        real, y_real = data
        n = ops.shape(real)[0]
        z, y_fake = self._noise_and_labels(n)
        fake = self.generator([z, y_fake], training=True)          # outside the tape: a constant
        ones, zeros = ops.ones((n, 1)), ops.zeros((n, 1))
        d_weights = self.discriminator.trainable_weights
        with nbnet.GradientTape() as tape:
            logit_real, class_real = self.discriminator([real, y_real], training=True)
            logit_fake, _ = self.discriminator([fake, y_fake], training=True)
            d_loss = (self.bce(ones, logit_real) + self.bce(zeros, logit_fake)
                      + self.ce(y_real, class_real))
        self.d_optimizer.apply(tape.gradient(d_loss, d_weights), d_weights)

        z, y_fake = self._noise_and_labels(n)
        g_weights = self.generator.trainable_weights
        with nbnet.GradientTape() as tape:
            logit, classes = self.discriminator([self.generator([z, y_fake], training=True), y_fake])
            g_loss = self.bce(ones, logit) + self.ce(y_fake, classes)   # non-saturating: "call it real"
        self.g_optimizer.apply(tape.gradient(g_loss, g_weights), g_weights)
        self.d_loss_tracker.update_state(d_loss)
        self.g_loss_tracker.update_state(g_loss)
        return {m.name: m.result() for m in self.metrics}


def mnist_scaled(limit: int | None = None):
    """MNIST as float32 ``(n, 28, 28, 1)`` in [-1, 1] (the generator's tanh range), one-hot labels."""
    (x, y), (xt, yt) = nbnet.datasets.mnist.load_data()
    scale = lambda a: (a.astype(np.float32)[..., None] / 127.5 - 1.0)  # noqa: E731
    return (scale(x[:limit]), y[:limit]), (scale(xt), yt)


def train_judge(x, y, xt, yt, epochs: int, out: Path) -> None:
    """Seed 1, Adam 1e-3, batch 128, on real training digits only."""
    nbnet.utils.set_random_seed(1)
    judge = build_judge()
    judge.compile(optimizer=nbnet.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    judge.fit(x, y, batch_size=128, epochs=epochs, validation_data=(xt, yt), verbose=2)
    judge.save_weights(out / "cdcgan_judge.weights.zip")


def train_gan(x, y, steps: int, out: Path, start: float) -> None:
    """Seed 0, Adam 2e-4 / beta_1 0.5 for both players, batch 64, ``steps`` updates of each."""
    nbnet.utils.set_random_seed(0)
    gan = ConditionalGAN(build_generator(), build_discriminator())
    gan.compile(nbnet.optimizers.Adam(2e-4, beta_1=0.5), nbnet.optimizers.Adam(2e-4, beta_1=0.5))
    onehot = np.eye(CLASSES, dtype=np.float32)[y]
    rng = np.random.default_rng(0)
    order, pos = rng.permutation(len(x)), 0
    for step in range(1, steps + 1):
        if pos + BATCH > len(x):
            order, pos = rng.permutation(len(x)), 0
        idx = order[pos:pos + BATCH]
        pos += BATCH
        logs = gan.train_step((x[idx], onehot[idx]))
        if step % 250 == 0 or step == steps:
            print(f"step {step}/{steps}  d_loss {float(logs['d_loss']):.3f}  "
                  f"g_loss {float(logs['g_loss']):.3f}  {time.perf_counter() - start:.0f}s", flush=True)
            gan.d_loss_tracker.reset_state()
            gan.g_loss_tracker.reset_state()
        if step % 1000 == 0 or step == steps:
            gan.generator.save_weights(out / "cdcgan_generator.weights.zip")
            gan.discriminator.save_weights(out / "cdcgan_discriminator.weights.zip")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=2000, help="updates of each player")
    parser.add_argument("--judge-epochs", type=int, default=2)
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    (x, y), (xt, yt) = mnist_scaled(args.limit)
    start = time.perf_counter()
    if args.judge_epochs:
        train_judge(x, y, xt, yt, args.judge_epochs, args.out)
        print(f"judge done after {time.perf_counter() - start:.0f}s", flush=True)
    train_gan(x, y, args.steps, args.out, start)
    print(f"all done after {time.perf_counter() - start:.0f}s", flush=True)


if __name__ == "__main__":
    main()
