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
