"""One CD-1 epoch of an RBM with 500 hidden units on binarised MNIST: nbnet vs scikit-learn.

    python benchmarks/bench_rbm.py [--repeats 1] [--batch-sizes 10 100]

Same hyperparameters (``n_components=500``, ``learning_rate``, ``batch_size``, ``n_iter=1``, PCD with
one Gibbs step as ``BernoulliRBM`` does), same data (60,000 binarised training images, float32 for
both: scikit-learn keeps float32 input in float32).  Prints seconds per epoch and the ratio
nbnet / scikit-learn (below 1.0: nbnet is faster).  At batch 10 both libraries are dominated by
BLAS thread start-up: ``OPENBLAS_NUM_THREADS=1`` makes both about ten times faster there.

Measured on the 2-core machine (2026-12, quiet): one BLAS thread, batch 10: 8.3 s vs 13.9 s
(0.60x), batch 100: 2.5 s vs 3.4 s (0.74x); default threads, batch 10: 76 s vs 103 s (0.74x),
batch 100: 2.0 s vs 2.8 s (0.70x).
"""

from __future__ import annotations

import argparse

import numpy as np
from common import best_of, mnist_flat, print_table


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[10, 100])
    args = parser.parse_args()
    from sklearn.neural_network import BernoulliRBM

    from nbnet.estimators import RBM
    (x, _), _ = mnist_flat()
    x = (x > 0.5).astype(np.float32)
    rows = []
    for batch in args.batch_sizes:
        settings = dict(n_components=500, learning_rate=0.05, batch_size=batch, n_iter=1, random_state=0)
        ours = best_of(lambda s=settings: RBM(**s).fit(x), args.repeats)
        ref = best_of(lambda s=settings: BernoulliRBM(**s).fit(x), args.repeats)
        rows.append((f"RBM 784-500, PCD-1, batch {batch}", ours, "sklearn", ref))
    print_table("One epoch of RBM training on MNIST (60,000 images)", rows)


if __name__ == "__main__":
    main()
