"""Train chapter 9's character-level LSTM language model on ``pydoc_data.topics`` and save its weights.

The chapter (book/09_recurrent.ipynb) loads the weights this script writes, checks its claims on
them, and builds the same model with :func:`build_model`.  Training is seeded and runs with one BLAS
thread, so a rerun on the same machine reproduces the weights.

    OPENBLAS_NUM_THREADS=1 python scripts/train_char_lstm.py            # full run, about half an hour
    python scripts/train_char_lstm.py --epochs 1 --max-batches 2 --val-chars 1000 --out /tmp/w.zip

Each epoch trains on windows of ``seq_len`` characters starting at a fresh random offset; after each
epoch the validation bits per character are measured, the weights are kept when they improve, and the
learning rate is halved after ``patience`` epochs without improvement.  The defaults are those of the
run whose weights and log the chapter uses (``book/weights/``): 23 epochs, 32 minutes on the book's
two-core machine while it was shared with other jobs.
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
from nbnet import layers  # noqa: E402
from nbnet.datasets import text  # noqa: E402

DEFAULT_OUT = Path(__file__).resolve().parents[1] / "book" / "weights" / "char_lstm.weights.zip"
SEQ_LEN, UNITS, EMBED = 100, 256, 48


def build_model(vocab_size: int, seq_len: int | None = SEQ_LEN, units: int = UNITS) -> nbnet.Model:
    """Embedding(vocab, 48) → LSTM(units, return_sequences) → Dense(vocab, softmax), per character."""
    return nbnet.Sequential([
        layers.Input((seq_len,)),
        layers.Embedding(vocab_size, EMBED),
        layers.LSTM(units, return_sequences=True),
        layers.Dense(vocab_size, activation="softmax"),
    ], name="char_lstm")


def windows(ids: np.ndarray, seq_len: int, offset: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Non-overlapping input/target windows: targets are the inputs shifted by one character."""
    starts = np.arange(offset, len(ids) - seq_len - 1, seq_len)
    x = np.stack([ids[s:s + seq_len] for s in starts])
    y = np.stack([ids[s + 1:s + seq_len + 1] for s in starts])
    return x, y


def bits_per_char(model, ids: np.ndarray, seq_len: int = SEQ_LEN) -> float:
    """Mean −log₂ p(next character) over ``ids`` cut into windows (each window starts from a zero state)."""
    x, y = windows(ids, seq_len)
    return float(model.evaluate(x, y, batch_size=256, verbose=0)) / np.log(2)


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--epochs", type=int, default=23)
    p.add_argument("--max-batches", type=int, default=None, help="batches per epoch (smoke tests)")
    p.add_argument("--val-chars", type=int, default=None, help="validate on a prefix (smoke tests)")
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--seq-len", type=int, default=50, help="truncated-BPTT window while training")
    p.add_argument("--patience", type=int, default=2, help="epochs without improvement before lr /= 2")
    p.add_argument("--learning-rate", type=float, default=0.003)
    p.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = p.parse_args(argv)
    train, val, test = text.load_data()
    vocab = text.vocabulary(train + val + test)
    tr, va = text.encode(train, vocab), text.encode(val[:args.val_chars], vocab)
    nbnet.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    model = build_model(len(vocab), seq_len=None)
    opt = nbnet.optimizers.Adam(args.learning_rate, clipnorm=1.0)
    model.compile(optimizer=opt, loss="sparse_categorical_crossentropy")
    best, start, waited = np.inf, time.time(), 0
    args.out.parent.mkdir(parents=True, exist_ok=True)
    for epoch in range(args.epochs):
        x, y = windows(tr, args.seq_len, int(rng.integers(args.seq_len)))
        order = rng.permutation(len(x))
        if args.max_batches:
            order = order[:args.max_batches * args.batch_size]
        model.fit(x[order], y[order], batch_size=args.batch_size, epochs=1, shuffle=False, verbose=0)
        bpc = bits_per_char(model, va)
        if bpc < best:
            best, waited = bpc, 0
            model.save_weights(args.out)
        else:
            waited += 1
            if waited >= args.patience:
                opt.learning_rate, waited = opt.learning_rate / 2, 0
        print(f"epoch {epoch + 1}: validation {bpc:.4f} bits/char (best {best:.4f}), "
              f"lr {float(opt.learning_rate):.5f}, {time.time() - start:.0f} s", flush=True)


if __name__ == "__main__":
    main()
