"""One epoch of the book's small MNIST convnet: nbnet vs PyTorch (and Keras 3 on torch), same run.

    python benchmarks/bench_convnet.py [--keras-batches 60] [--epochs 3]

Conv2D(32, 3×3, relu) → MaxPool 2 → Conv2D(64, 3×3, relu) → MaxPool 2 → Flatten → Dropout 0.5
→ Dense(10, softmax); batch 128; Adam; the same number of threads everywhere.  Keras is timed on
the first ``--keras-batches`` batches and extrapolated to a full epoch (it says so).  With
``--epochs N`` (N > 1) nbnet also trains N epochs from scratch and prints the test accuracy.
Prints, does not assert.
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("KERAS_BACKEND", "torch")

import numpy as np  # noqa: E402
from common import THREADS, print_table, torch_train_epoch  # noqa: E402

BATCH = 128


def mnist_images():
    """MNIST as float32 images (N, 28, 28, 1) in [0, 1] and int64 labels."""
    import nbnet
    (x, y), (xt, yt) = nbnet.datasets.mnist.load_data()
    return ((x[..., None].astype(np.float32) / 255, y.astype(np.int64)),
            (xt[..., None].astype(np.float32) / 255, yt.astype(np.int64)))


def convnet(lib):
    """The book's small MNIST convnet in ``lib`` — nbnet or Keras, written identically."""
    lib.utils.set_random_seed(0)
    layers = lib.layers
    model = lib.Sequential([
        lib.Input((28, 28, 1)),
        layers.Conv2D(32, (3, 3), activation="relu"), layers.MaxPooling2D((2, 2)),
        layers.Conv2D(64, (3, 3), activation="relu"), layers.MaxPooling2D((2, 2)),
        layers.Flatten(), layers.Dropout(0.5), layers.Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def nbnet_model():
    import nbnet
    return convnet(nbnet)


def keras_model():
    import keras
    return convnet(keras)


def torch_epoch_seconds(x, y) -> float:
    import torch
    from torch import nn
    torch.manual_seed(0)
    torch.set_num_threads(THREADS)
    model = nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Flatten(), nn.Dropout(0.5), nn.Linear(64 * 5 * 5, 10))
    xt, yt = torch.from_numpy(x.transpose(0, 3, 1, 2).copy()), torch.from_numpy(y)
    start = time.perf_counter()
    torch_train_epoch(model, xt, yt, BATCH)
    return time.perf_counter() - start


def timed_fit(model, x, y, epochs: int = 1) -> float:
    start = time.perf_counter()
    model.fit(x, y, batch_size=BATCH, epochs=epochs, verbose=0)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--keras-batches", type=int, default=60,
                        help="Keras: time this many batches and extrapolate (0: skip Keras)")
    parser.add_argument("--epochs", type=int, default=1, help="also train nbnet this many epochs "
                        "and print the test accuracy (when > 1)")
    args = parser.parse_args()
    (x, y), (xt, yt) = mnist_images()
    print(f"threads: {THREADS} (nbnet BLAS default; torch.set_num_threads({THREADS}))")
    ours = timed_fit(nbnet_model(), x, y)
    ref = torch_epoch_seconds(x, y)
    rows = [("convnet, batch 128, 1 epoch", ours, "torch", ref)]
    if args.keras_batches:
        n = min(len(x), args.keras_batches * BATCH)
        model = keras_model()
        model.fit(x[:BATCH], y[:BATCH], batch_size=BATCH, epochs=1, verbose=0)   # warm-up step
        keras_s = timed_fit(model, x[:n], y[:n]) * len(x) / n
        rows.append((f"(Keras: {n // BATCH} batches, extrapolated)", ours, "keras", keras_s))
    print_table("MNIST convnet, seconds per epoch", rows)
    if args.epochs > 1:
        model = nbnet_model()
        seconds = timed_fit(model, x, y, args.epochs)
        loss, acc = model.evaluate(xt, yt, batch_size=1000, verbose=0)
        print(f"\nnbnet, {args.epochs} epochs in {seconds:.1f} s: test loss {loss:.4f}, "
              f"test accuracy {acc:.4f}")


if __name__ == "__main__":
    main()
