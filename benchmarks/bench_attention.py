"""MultiHeadAttention, forward + backward: nbnet's hand-written backward vs PyTorch (2 threads by default).

Self-attention of width 128 with 4 heads (key_dim 32) on a batch of 32 sequences of 64 steps;
loss = mean of the outputs; the gradients of the inputs and of all eight weights are computed.
PyTorch runs ``nn.MultiheadAttention`` (the same projections, the same arithmetic). Then the
causal, padded variant (``use_causal_mask=True`` and a key-padding mask) of both.
Run: ``python benchmarks/bench_attention.py`` (target: ratio ≤ 1.5×); ``NBNET_BENCH_THREADS=1``
gives both libraries one thread (steadier on a shared machine).
"""

from __future__ import annotations

import os
import time

os.environ.setdefault("KERAS_BACKEND", "torch")
os.environ.setdefault("OPENBLAS_NUM_THREADS", os.environ.get("NBNET_BENCH_THREADS", "2"))   # before NumPy loads

import numpy as np
import torch

from nbnet import layers, ops
from nbnet.autograd import GradientTape, Tensor

N, T, D, HEADS, REPEATS = 32, 64, 128, 4, 10
THREADS = int(os.environ.get("NBNET_BENCH_THREADS", "2"))


def _best_pair(fa, fb) -> tuple:
    """Best-of-REPEATS wall and CPU (all threads) time of each, interleaved so both see the same load.

    On a shared machine the CPU time is the steadier measure: waiting for a core does not count.
    """
    fa(), fb()
    times: dict = {"a": [], "b": [], "a_cpu": [], "b_cpu": []}
    for _ in range(REPEATS):
        for fn, key in ((fa, "a"), (fb, "b")):
            start, cpu = time.perf_counter(), time.process_time()
            fn()
            times[key].append(time.perf_counter() - start)
            times[key + "_cpu"].append(time.process_time() - cpu)
    return tuple(min(v) for v in times.values())


def nbnet_step(x, padding=None, causal=False):
    layer = layers.MultiHeadAttention(HEADS, D // HEADS)
    layer(x, x)

    def step():
        with GradientTape() as tape:
            xt = tape.watch(Tensor(x))
            loss = ops.mean(layer(xt, xt, value_mask=padding, use_causal_mask=causal))
        tape.gradient(loss, [xt, *layer.trainable_weights])
    return step


def torch_step(x, padding=None, causal=False):
    net = torch.nn.MultiheadAttention(D, HEADS, batch_first=True)
    xt = torch.from_numpy(x).requires_grad_(True)
    pad = None if padding is None else torch.from_numpy(~padding)
    mask = torch.triu(torch.ones(T, T, dtype=torch.bool), 1) if causal else None

    def step():
        net.zero_grad()
        xt.grad = None
        out, _ = net(xt, xt, xt, key_padding_mask=pad, attn_mask=mask, need_weights=False)
        out.mean().backward()
    return step


def main() -> None:
    torch.set_num_threads(THREADS)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((N, T, D)).astype("float32")
    lengths = rng.integers(T // 2, T + 1, N)
    padding = np.arange(T)[None, :] < lengths[:, None]
    print(f"MultiHeadAttention: batch {N}, {T} steps, width {D}, {HEADS} heads; forward + backward "
          f"(input and weight gradients), best of {REPEATS}; torch threads {torch.get_num_threads()}")
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    for label, kw in (("self-attention", {}), ("causal + padding", {"padding": padding, "causal": True})):
        ours, theirs, ours_cpu, theirs_cpu = _best_pair(nbnet_step(x, **kw), torch_step(x, **kw))
        print(f"{label:17s} nbnet {ours * 1e3:7.1f} ms/step   torch {theirs * 1e3:7.1f} ms/step   "
              f"ratio {ours / theirs:.2f}x   (CPU time: {ours_cpu * 1e3:.0f} vs {theirs_cpu * 1e3:.0f} ms, "
              f"ratio {ours_cpu / theirs_cpu:.2f}x)")


if __name__ == "__main__":
    main()
