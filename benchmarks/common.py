"""Helpers shared by the benchmarks: data, thread settings, timing and the ratio table."""

from __future__ import annotations

import os
import time

import numpy as np

THREADS = int(os.environ.get("NBNET_BENCH_THREADS", os.cpu_count() or 1))


def mnist_flat():
    """MNIST as float32 vectors in [0, 1]: ((x_train, y_train), (x_test, y_test))."""
    import nbnet
    (x, y), (xt, yt) = nbnet.datasets.mnist.load_data()
    return ((x.reshape(-1, 784).astype(np.float32) / 255, y.astype(np.int64)),
            (xt.reshape(-1, 784).astype(np.float32) / 255, yt.astype(np.int64)))


def torch_train_epoch(model, x, y, batch_size: int) -> int:
    """One epoch of a PyTorch model on tensors ``x``, ``y`` (Adam, cross-entropy), the way nbnet's
    fit works: shuffled mini-batches, one step each, and the same accuracy metric counted."""
    import torch
    opt = getattr(model, "_bench_opt", None) or torch.optim.Adam(model.parameters(), lr=1e-3)
    model._bench_opt = opt
    loss_fn = torch.nn.CrossEntropyLoss()
    perm = torch.randperm(len(x))
    correct = 0
    for i in range(0, len(x), batch_size):
        idx = perm[i:i + batch_size]
        opt.zero_grad()
        logits = model(x[idx])
        loss = loss_fn(logits, y[idx])
        loss.backward()
        opt.step()
        correct += (logits.argmax(1) == y[idx]).sum().item()
    return correct


def best_of(fn, repeats: int = 3) -> float:
    """Fastest wall time of ``repeats`` calls of ``fn`` (seconds)."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def print_table(title: str, rows: list[tuple]) -> None:
    """rows: (label, nbnet seconds, reference name, reference seconds)."""
    print(f"\n{title}")
    print(f"{'benchmark':<38}{'nbnet':>10}{'reference':>22}{'ratio':>9}")
    for label, ours, ref_name, ref in rows:
        print(f"{label:<38}{ours:>9.3f}s{ref_name + f' {ref:.3f}s':>22}{ours / ref:>8.2f}x")
