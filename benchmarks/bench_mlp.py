"""One epoch of MNIST on dense networks: nbnet vs PyTorch (and Keras 3 on torch), same run.

    python benchmarks/bench_mlp.py [--keras] [--repeats 3]

Same model, same batch size, same optimizer (Adam), same number of threads.  Prints seconds
per epoch and the ratio nbnet / reference (below 1.0: nbnet is faster).
"""

from __future__ import annotations

import argparse
import os

os.environ.setdefault("KERAS_BACKEND", "torch")

import numpy as np  # noqa: E402
from common import THREADS, best_of, mnist_flat, print_table, torch_train_epoch  # noqa: E402

CASES = [("784-16-10, batch 32", [16], 32), ("784-256-256-10, batch 128", [256, 256], 128)]


def nbnet_epoch(x, y, hidden, batch):
    import nbnet
    nbnet.utils.set_random_seed(0)
    model = nbnet.Sequential([nbnet.Input((784,))] + [nbnet.layers.Dense(h, activation="relu") for h in hidden]
                             + [nbnet.layers.Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return lambda: model.fit(x, y, batch_size=batch, epochs=1, verbose=0)


def torch_epoch(x, y, hidden, batch):
    import torch
    torch.manual_seed(0)
    torch.set_num_threads(THREADS)
    sizes = [784, *hidden]
    mods = []
    for a, b in zip(sizes, sizes[1:]):
        mods += [torch.nn.Linear(a, b), torch.nn.ReLU()]
    model = torch.nn.Sequential(*mods, torch.nn.Linear(sizes[-1], 10))
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    return lambda: torch_train_epoch(model, xt, yt, batch)


def keras_epoch(x, y, hidden, batch, fraction=0.2):
    import keras
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((784,))] + [keras.layers.Dense(h, activation="relu") for h in hidden]
                             + [keras.layers.Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    n = int(len(x) * fraction)
    return lambda: model.fit(x[:n], y[:n], batch_size=batch, epochs=1, verbose=0), fraction


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--keras", action="store_true", help="also time Keras 3 (on 20%% of an epoch)")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    (x, y), _ = mnist_flat()
    rows = []
    for label, hidden, batch in CASES:
        ours = best_of(nbnet_epoch(x, y, hidden, batch), args.repeats)
        ref = best_of(torch_epoch(x, y, hidden, batch), args.repeats)
        rows.append((label, ours, "torch", ref))
        if args.keras:
            fit, fraction = keras_epoch(x, y, hidden, batch)
            rows.append((label, ours, "keras", best_of(fit, 2) / fraction))
    print(f"threads: {THREADS}; numpy {np.__version__}; best of {args.repeats} epochs")
    print_table("MNIST, one epoch, Adam", rows)


if __name__ == "__main__":
    main()
