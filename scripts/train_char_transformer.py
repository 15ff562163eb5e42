"""Train chapter 12's character-level decoder-only Transformer, or its LSTM rival, on ``pydoc_data.topics``.

The chapter (book/12_attention.ipynb) builds the same models with :func:`build_model` and
:func:`build_lstm`, loads the weights this script writes, and checks its claims on them.  The two
models have nearly the same number of parameters (340,967 and 343,735) and are trained the same way
for the same budget of CPU seconds (``--time-budget``, 200 s): a new epoch starts only while the
CPU time so far plus the last epoch's stays inside the budget.  CPU time, unlike wall-clock time,
does not depend on how busy the shared machine is.  Training is seeded and runs with one BLAS thread;
the log records the epochs, and ``--epochs N --time-budget 0`` repeats a run of N epochs.

    OPENBLAS_NUM_THREADS=1 python scripts/train_char_transformer.py                 # the Transformer
    OPENBLAS_NUM_THREADS=1 python scripts/train_char_transformer.py --model lstm    # the LSTM
    python scripts/train_char_transformer.py --epochs 1 --max-batches 2 --val-chars 2000 --out /tmp/w.zip

Each epoch trains on windows of ``seq_len`` characters starting at a fresh random offset; after each
epoch the validation bits per character are measured, the weights are kept when they improve, and the
learning rate is halved after ``patience`` epochs without improvement.
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
from nbnet import layers, ops  # noqa: E402
from nbnet.datasets import text  # noqa: E402

DEFAULT_OUT = Path(__file__).resolve().parents[1] / "book" / "weights" / "char_transformer.weights.zip"
LSTM_OUT = DEFAULT_OUT.with_name("char_transformer_lstm.weights.zip")
SEQ_LEN, WIDTH, HEADS, BLOCKS, FF, DROPOUT = 128, 128, 4, 2, 320, 0.1
CPU_BUDGET = 200             # seconds of CPU time for either model


class CausalSelfAttention(layers.Layer):
    """Multi-head self-attention with a causal mask, written with ``nbnet.ops`` (traced by autograd).

    The weights have ``keras.layers.MultiHeadAttention``'s names, shapes and order: query, key and
    value kernels ``(d, h, k)`` with biases ``(h, k)``, the output kernel ``(h, k, d)`` and bias ``(d,)``.
    Input and output ``(batch, T, d)``.
    """

    def __init__(self, num_heads: int, key_dim: int, **kwargs):
        super().__init__(**kwargs)
        self.num_heads, self.key_dim = num_heads, key_dim

    def build(self, input_shape):
        d, h, k = input_shape[-1], self.num_heads, self.key_dim
        for name in ("query", "key", "value"):
            setattr(self, f"{name}_kernel", self.add_weight(name=f"{name}_kernel", shape=(d, h, k),
                                                          initializer="glorot_uniform"))
            setattr(self, f"{name}_bias", self.add_weight(name=f"{name}_bias", shape=(h, k),
                                                        initializer="zeros"))
        self.output_kernel = self.add_weight(name="output_kernel", shape=(h, k, d), initializer="glorot_uniform")
        self.output_bias = self.add_weight(name="output_bias", shape=(d,), initializer="zeros")

    def _heads(self, x, kernel, bias):
        """(B, T, d) → (B, h, T, k): x W + b, split into heads."""
        B, T, d = x.shape
        y = ops.matmul(x, ops.reshape(kernel, (d, -1))) + ops.reshape(bias, (-1,))
        return ops.transpose(ops.reshape(y, (B, T, self.num_heads, self.key_dim)), (0, 2, 1, 3))

    def call(self, x, return_attention_scores: bool = False):
        B, T, d = x.shape
        q = self._heads(x, self.query_kernel, self.query_bias)
        k = self._heads(x, self.key_kernel, self.key_bias)
        v = self._heads(x, self.value_kernel, self.value_bias)
        scores = ops.matmul(q, ops.transpose(k, (0, 1, 3, 2))) / np.sqrt(self.key_dim)   # (B, h, T, T)
        future = np.triu(np.ones((T, T), bool), k=1)                          # j > i: not yet seen
        a = ops.softmax(ops.where(future, -1e9, scores), axis=-1)
        o = ops.reshape(ops.transpose(ops.matmul(a, v), (0, 2, 1, 3)), (B, T, -1))
        y = ops.matmul(o, ops.reshape(self.output_kernel, (-1, d))) + self.output_bias
        return (y, a) if return_attention_scores else y

    def get_config(self):
        return {**super().get_config(), "num_heads": self.num_heads, "key_dim": self.key_dim}


class PositionEmbedding(layers.Layer):
    """Adds a learned vector per position: (B, T, d) → (B, T, d), T ≤ ``max_length``."""

    def __init__(self, max_length: int, **kwargs):
        super().__init__(**kwargs)
        self.max_length = max_length

    def build(self, input_shape):
        self.positions = self.add_weight(name="positions", shape=(self.max_length, input_shape[-1]),
                                         initializer=nbnet.initializers.RandomNormal(stddev=0.02))

    def call(self, x):
        T = x.shape[1]
        return x + (self.positions if T == self.max_length else self.positions[:T])

    def get_config(self):
        return {**super().get_config(), "max_length": self.max_length}


class TransformerBlock(layers.Layer):
    """Pre-norm block: x + CausalMHA(LN(x)), then x + FF(LN(x)); (B, T, d) → (B, T, d).

    The attention is ``layers.MultiHeadAttention(..., use_causal_mask=True)``, which computes what
    :class:`CausalSelfAttention` computes, with a fused, hand-written backward pass.
    """

    def __init__(self, width: int, num_heads: int, ff_units: int, dropout: float = 0.0, **kwargs):
        super().__init__(**kwargs)
        self.width, self.num_heads, self.ff_units, self.dropout = width, num_heads, ff_units, dropout
        self.norm1, self.norm2 = layers.LayerNormalization(), layers.LayerNormalization()
        self.attention = layers.MultiHeadAttention(num_heads, width // num_heads)
        self.ff1, self.ff2 = layers.Dense(ff_units, activation="relu"), layers.Dense(width)
        self.drop1, self.drop2 = layers.Dropout(dropout), layers.Dropout(dropout)

    def call(self, x):
        h = self.norm1(x)
        x = x + self.drop1(self.attention(h, h, use_causal_mask=True))
        return x + self.drop2(self.ff2(self.ff1(self.norm2(x))))

    def get_config(self):
        return {**super().get_config(), "width": self.width, "num_heads": self.num_heads,
                "ff_units": self.ff_units, "dropout": self.dropout}


def build_model(vocab_size: int, seq_len: int = SEQ_LEN, width: int = WIDTH, blocks: int = BLOCKS,
                dropout: float = DROPOUT) -> nbnet.Model:
    """Embedding → + positions → ``blocks`` pre-norm Transformer blocks → LayerNorm → Dense (logits)."""
    return nbnet.Sequential(
        [layers.Input((seq_len,)), layers.Embedding(vocab_size, width), PositionEmbedding(seq_len)]
        + [TransformerBlock(width, HEADS, FF, dropout) for _ in range(blocks)]
        + [layers.LayerNormalization(), layers.Dense(vocab_size)], name="char_transformer")


def build_lstm(vocab_size: int) -> nbnet.Model:
    """Chapter 9's LSTM with logits out: Embedding(vocab, 48) → LSTM(256) → Dense(vocab); about as many
    parameters as :func:`build_model`.  Trained by ``--model lstm`` as the Transformer's rival."""
    return nbnet.Sequential([layers.Input((None,)), layers.Embedding(vocab_size, 48),
                             layers.LSTM(256, return_sequences=True), layers.Dense(vocab_size)],
                            name="char_lstm_rival")


def windows(ids: np.ndarray, seq_len: int, offset: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Non-overlapping input/target windows: targets are the inputs shifted by one character."""
    starts = np.arange(offset, len(ids) - seq_len - 1, seq_len)
    x = np.stack([ids[s:s + seq_len] for s in starts])
    y = np.stack([ids[s + 1:s + seq_len + 1] for s in starts])
    return x, y


def bits_per_char(model, ids: np.ndarray, seq_len: int = SEQ_LEN) -> float:
    """Mean −log₂ p(next character) over ``ids`` cut into windows (each window starts afresh)."""
    x, y = windows(ids, seq_len)
    return float(model.evaluate(x, y, batch_size=128, verbose=0)) / np.log(2)


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--epochs", type=int, default=200, help="at most this many epochs")
    p.add_argument("--time-budget", type=float, default=CPU_BUDGET,
                   help="CPU seconds of training (0: no limit)")
    p.add_argument("--max-batches", type=int, default=None, help="batches per epoch (smoke tests)")
    p.add_argument("--val-chars", type=int, default=None, help="validate on a prefix (smoke tests)")
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--patience", type=int, default=2, help="epochs without improvement before lr /= 2")
    p.add_argument("--model", choices=("transformer", "lstm"), default="transformer")
    p.add_argument("--learning-rate", type=float, default=None,
                   help="Adam's step (default 0.002 for the Transformer, chapter 9's 0.003 for the LSTM)")
    p.add_argument("--out", type=Path, default=None, help=f"default {DEFAULT_OUT.name}, or "
                   f"{LSTM_OUT.name} for --model lstm, in book/weights/")
    return p.parse_args(argv)


def main(argv=None) -> None:
    args = parse_args(argv)
    lstm = args.model == "lstm"
    args.learning_rate = args.learning_rate or (0.003 if lstm else 0.002)
    args.out = args.out or (LSTM_OUT if lstm else DEFAULT_OUT)
    train, val, test = text.load_data()
    vocab = text.vocabulary(train + val + test)
    tr, va = text.encode(train, vocab), text.encode(val[:args.val_chars], vocab)
    nbnet.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    model = build_lstm(len(vocab)) if lstm else build_model(len(vocab))
    opt = nbnet.optimizers.Adam(args.learning_rate, clipnorm=1.0)
    model.compile(optimizer=opt, loss=nbnet.losses.SparseCategoricalCrossentropy(from_logits=True))
    best, start, cpu_start, waited, last = np.inf, time.time(), time.process_time(), 0, 0.0
    args.out.parent.mkdir(parents=True, exist_ok=True)
    for epoch in range(args.epochs):
        if args.time_budget and time.process_time() - cpu_start + last > args.time_budget:
            break
        began = time.process_time()
        x, y = windows(tr, SEQ_LEN, int(rng.integers(SEQ_LEN)))
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
        last = time.process_time() - began
        print(f"epoch {epoch + 1}: validation {bpc:.4f} bits/char (best {best:.4f}), "
              f"lr {float(opt.learning_rate):.5f}, CPU {time.process_time() - cpu_start:.0f} s, "
              f"wall {time.time() - start:.0f} s", flush=True)


if __name__ == "__main__":
    main()
