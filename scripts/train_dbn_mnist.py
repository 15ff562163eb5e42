"""Train chapter 10's deep belief network on binarised MNIST, fine-tune it, and train the baseline.

The chapter (book/10_energy_models.ipynb) loads what this script writes and checks its claims on it:

* ``book/weights/dbn_mnist.estimator.zip`` — the greedily trained DBN 784-500-500 (two RBMs, CD-1);
* ``book/weights/dbn_finetuned.weights.zip`` — the Sequential 784-500-500-10 initialised from the
  DBN (``DBN.to_sequential(10)``) and fine-tuned by backpropagation;
* ``book/weights/mlp_random_init.weights.zip`` — the same network and training from random weights.

Training is seeded and runs with one BLAS thread, so a rerun on the same machine reproduces the files.

    OPENBLAS_NUM_THREADS=1 python scripts/train_dbn_mnist.py                    # full run
    python scripts/train_dbn_mnist.py --rbm-epochs 1 --epochs 1 --limit 500 --out /tmp/dbn  # smoke test
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
from nbnet.estimators import DBN, load_estimator  # noqa: E402

OUT = Path(__file__).resolve().parents[1] / "book" / "weights"
HIDDEN = (500, 500)
RBM_SETTINGS = dict(learning_rate=0.05, batch_size=100, k=1, persistent=False)


def binarised_mnist(limit: int | None = None):
    """MNIST pixels thresholded at half intensity, float32 ``(n, 784)``, with integer labels."""
    (x, y), (xt, yt) = nbnet.datasets.mnist.load_data()
    x, xt = ((a.reshape(len(a), -1) > 127).astype(np.float32) for a in (x, xt))
    return (x[:limit], y[:limit]), (xt, yt)


DROPOUT, EPOCHS, DECAY_EPOCHS = 0.0, 20, 12


def random_init_model(dropout: float = DROPOUT) -> nbnet.Sequential:
    """784-500-500-10 with sigmoid hidden layers (and Dropout if DROPOUT > 0), Keras's default init."""
    stack = [nbnet.Input((784,))]
    for n in HIDDEN:
        stack += [nbnet.layers.Dense(n, activation="sigmoid")]
        stack += [nbnet.layers.Dropout(dropout)] if dropout else []
    return nbnet.Sequential(stack + [nbnet.layers.Dense(10, activation="softmax")])


def fine_tune(model, x, y, xt, yt, epochs: int, decay_epochs: int = DECAY_EPOCHS,
              batch_size: int = 100) -> dict:
    """Adam, learning rate 1e-3 decaying smoothly tenfold every DECAY_EPOCHS epochs, cross-entropy."""
    steps = int(np.ceil(len(x) / batch_size))
    lr = nbnet.optimizers.schedules.ExponentialDecay(1e-3, decay_steps=decay_epochs * steps,
                                                     decay_rate=0.1)
    model.compile(optimizer=nbnet.optimizers.Adam(lr), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model.fit(x, y, batch_size=batch_size, epochs=epochs, validation_data=(xt, yt),
                     verbose=2).history


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rbm-epochs", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=EPOCHS)
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--part", choices=["all", "dbn", "baseline"], default="all",
                        help="train only the DBN (and its fine-tuning) or only the baseline")
    parser.add_argument("--dropout", type=float, default=DROPOUT)
    parser.add_argument("--decay-epochs", type=int, default=DECAY_EPOCHS)
    parser.add_argument("--tag", default="", help="suffix for the fine-tuned weight files")
    parser.add_argument("--skip-pretraining", action="store_true",
                        help="fine-tune the DBN already saved in --out instead of training it again")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    (x, y), (xt, yt) = binarised_mnist(args.limit)
    start = time.perf_counter()
    if args.part in ("all", "dbn"):
        train_dbn(args, x, y, xt, yt, start)
    if args.part in ("all", "baseline"):
        nbnet.utils.set_random_seed(0)
        baseline = random_init_model(args.dropout)
        fine_tune(baseline, x, y, xt, yt, args.epochs, args.decay_epochs)
        baseline.save_weights(args.out / f"mlp_random_init{args.tag}.weights.zip")
    print(f"all done after {time.perf_counter() - start:.0f}s", flush=True)


def train_dbn(args, x, y, xt, yt, start) -> None:
    """Greedy pre-training, then fine-tuning of the unrolled stack."""
    path = args.out / "dbn_mnist.estimator.zip"
    if args.skip_pretraining:
        dbn = load_estimator(path)
    else:
        nbnet.utils.set_random_seed(0)
        dbn = DBN(HIDDEN, n_iter=args.rbm_epochs, verbose=1, random_state=0, **RBM_SETTINGS).fit(x)
        dbn.save(path)
    print(f"pre-training done after {time.perf_counter() - start:.0f}s", flush=True)
    nbnet.utils.set_random_seed(0)
    tuned = dbn.to_sequential(10, dropout=args.dropout)
    fine_tune(tuned, x, y, xt, yt, args.epochs, args.decay_epochs)
    tuned.save_weights(args.out / f"dbn_finetuned{args.tag}.weights.zip")
    print(f"fine-tuning done after {time.perf_counter() - start:.0f}s", flush=True)


if __name__ == "__main__":
    main()
