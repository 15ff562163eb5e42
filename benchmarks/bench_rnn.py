"""LSTM(128) and GRU(128), forward + backward: nbnet's hand-written BPTT vs PyTorch (2 threads).

Batch 64 of sequences of 50 steps × 32 features; loss = mean of the last outputs.
Then the whole training loop: ``model.fit`` of LSTM/GRU(128) → Dense(1) in nbnet and in Keras 3
(on torch), same data, same batch size.
Run: ``python benchmarks/bench_rnn.py``.
"""

from __future__ import annotations

import os
import time

os.environ.setdefault("KERAS_BACKEND", "torch")

import numpy as np
import torch

from nbnet import layers, ops
from nbnet.autograd import GradientTape, Tensor

N, T, D, U, REPEATS = 64, 50, 32, 128, 5


def _best_pair(fa, fb) -> tuple:
    """Best-of-REPEATS time of each, interleaved so both see the same machine load."""
    fa(), fb()
    ta, tb = [], []
    for _ in range(REPEATS):
        for fn, times in ((fa, ta), (fb, tb)):
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
    return min(ta), min(tb)


def nbnet_step(cls, x):
    layer = getattr(layers, cls)(U)
    layer(x)

    def step():
        with GradientTape() as tape:
            loss = ops.mean(layer(Tensor(x)))
        tape.gradient(loss, layer.trainable_weights)
    return step


def torch_step(cls, x):
    net = {"LSTM": torch.nn.LSTM, "GRU": torch.nn.GRU}[cls](D, U, batch_first=True)
    xt = torch.from_numpy(x)

    def step():
        net.zero_grad()
        out, _ = net(xt)
        out[:, -1].mean().backward()
    return step


def fit_epoch(lib, cls, x, y):
    """One epoch of ``fit`` (Adam, MSE) of Input → LSTM/GRU(128) → Dense(1) in nbnet or Keras."""
    lib.utils.set_random_seed(0)
    model = lib.Sequential([lib.Input((T, D)), getattr(lib.layers, cls)(U), lib.layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    return lambda: model.fit(x, y, batch_size=N, epochs=1, verbose=0)


def main() -> None:
    torch.set_num_threads(2)
    x = np.random.default_rng(0).standard_normal((N, T, D)).astype("float32")
    print(f"batch {N}, {T} steps x {D} features, {U} units, forward + backward, best of {REPEATS}")
    for cls in ("LSTM", "GRU"):
        ours, theirs = _best_pair(nbnet_step(cls, x), torch_step(cls, x))
        print(f"{cls:5s} nbnet {ours * 1e3:7.1f} ms/step   torch {theirs * 1e3:7.1f} ms/step   "
              f"ratio {ours / theirs:.2f}x")
    import keras

    import nbnet
    x = np.random.default_rng(1).standard_normal((10 * N, T, D)).astype("float32")
    y = x[:, -1, :1] * 0.5
    print(f"\nfit, one epoch of {len(x)} sequences (batch {N}): nbnet vs Keras 3 on torch")
    for cls in ("LSTM", "GRU"):
        ours, theirs = _best_pair(fit_epoch(nbnet, cls, x, y), fit_epoch(keras, cls, x, y))
        print(f"{cls:5s} nbnet {ours:6.2f} s   keras {theirs:6.2f} s   ratio {ours / theirs:.2f}x")


if __name__ == "__main__":
    main()
