"""Peak resident memory of a whole nbnet MNIST training run (load data, 784-256-256-10, 1 epoch).

    python benchmarks/bench_memory.py
"""

from __future__ import annotations

import resource
import sys

from common import mnist_flat


def main() -> None:
    import nbnet
    (x, y), (xt, yt) = mnist_flat()
    nbnet.utils.set_random_seed(0)
    model = nbnet.Sequential([nbnet.Input((784,)), nbnet.layers.Dense(256, activation="relu"),
                              nbnet.layers.Dense(256, activation="relu"),
                              nbnet.layers.Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, y, batch_size=128, epochs=1, verbose=0)
    acc = model.evaluate(xt, yt, verbose=0)[1]
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"\nPeak memory of an nbnet MNIST training run: {peak_kb / 1024:.0f} MB "
          f"(target < 1024 MB); test accuracy after 1 epoch {acc:.4f}")
    sys.exit(0)


if __name__ == "__main__":
    main()
