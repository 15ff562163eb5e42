"""Train chapter 9's character-level LSTM language model on ``pydoc_data.topics`` and save its weights.

The chapter (book/09_recurrent.ipynb) loads what this script writes, checks its claims on it, and
builds the same model.  Training is seeded and runs with one BLAS thread, so a rerun on the same
machine repeats the same computation.

The model: Embedding(vocab, 48) → LSTM(256) → Dropout → LSTM(256) → Dropout → Dense(vocab, softmax).
The training text is cut into ``batch_size`` contiguous streams read side by side, ``seq_len``
characters at a time, with the LSTM states carried from one window to the next (``stateful``
layers; truncated BPTT: the gradient stops at the window's start, the state does not).  Each epoch
starts the streams at a fresh random offset from zero states.  After each epoch the validation bits
per character are measured with the preceding text as context (:func:`char_bits`) and the weights
are kept when they improve.  The learning rate is halved after ``patience`` epochs without
improvement (training stops after ``max_halvings`` halvings), or, with ``--decay-after K``, after
every epoch from the K-th on; ``--max-minutes`` stops after the epoch that passes it.

The chapter's weights come from two runs (the log, ``book/weights/char_lstm.log``, has both)::

    OPENBLAS_NUM_THREADS=1 python scripts/train_char_lstm.py --out stage1.weights.zip
    OPENBLAS_NUM_THREADS=1 python scripts/train_char_lstm.py --init-weights stage1.weights.zip \
        --learning-rate 0.0015 --decay-after 1 --epochs 4 --seed 2

the first at a constant learning rate (its weights after epoch 7 were continued), the second
halving the learning rate after every epoch.  A smoke run:
``python scripts/train_char_lstm.py --epochs 1 --max-batches 2 --val-chars 1000 --out /tmp/w.zip``.

Next to the weights go ``<out stem>.json`` (the vocabulary, a SHA-256 of the corpus, the Python
version, the model's settings and the validation score) and the log.  :func:`load_trained` checks
the vocabulary against the text it is asked to encode, so on a Python whose ``pydoc_data`` differs
the weights still load (with the stored vocabulary) or fail with a message that says why.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402

import nbnet  # noqa: E402
from nbnet import layers  # noqa: E402
from nbnet.datasets import text  # noqa: E402

DEFAULT_OUT = Path(__file__).resolve().parents[1] / "book" / "weights" / "char_lstm.weights.zip"
UNITS, N_LAYERS, EMBED, DROPOUT = 256, 2, 48, 0.25


def build_model(vocab_size: int, units: int = UNITS, n_layers: int = N_LAYERS, embed: int = EMBED,
                dropout: float = DROPOUT, stateful: bool = False) -> nbnet.Model:
    """Embedding → ``n_layers`` × (LSTM(units) → Dropout) → Dense(vocab, softmax), per character.

    Input (N, T) character ids, any T; output (N, T, vocab_size) next-character probabilities.
    ``stateful=True`` carries the LSTM states from one call to the next (training by streams).
    """
    stack = [layers.Input((None,)), layers.Embedding(vocab_size, embed)]
    for _ in range(n_layers):
        stack.append(layers.LSTM(units, return_sequences=True, stateful=stateful))
        if dropout:
            stack.append(layers.Dropout(dropout))
    stack.append(layers.Dense(vocab_size, activation="softmax"))
    return nbnet.Sequential(stack, name="char_lstm")


def corpus_sha256(corpus: str) -> str:
    """Hex SHA-256 of the corpus's UTF-8 bytes: tells whether a Python ships the text trained on."""
    return hashlib.sha256(corpus.encode("utf-8")).hexdigest()


def windows(ids: np.ndarray, seq_len: int, offset: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Non-overlapping input/target windows: targets are the inputs shifted by one character."""
    starts = np.arange(offset, len(ids) - seq_len - 1, seq_len)
    x = np.stack([ids[s:s + seq_len] for s in starts])
    y = np.stack([ids[s + 1:s + seq_len + 1] for s in starts])
    return x, y


def streams(ids: np.ndarray, n_streams: int, seq_len: int, offset: int = 0):
    """Cut ``ids[offset:]`` into ``n_streams`` contiguous rows; yield (x, y) windows side by side.

    Window k is columns ``k·seq_len … (k+1)·seq_len − 1`` of every row, so row i of window k + 1
    continues row i of window k: a stateful model reads each stream from start to end.
    Yields x, y of shape (n_streams, seq_len), y = x shifted by one character.
    """
    per = (len(ids) - offset - 1) // n_streams
    n_win = per // seq_len
    if n_win < 1:
        raise ValueError(f"streams: {len(ids) - offset} characters are too few for {n_streams} streams "
                         f"of at least seq_len={seq_len}")
    rows = offset + np.arange(n_streams)[:, None] * per
    for k in range(n_win):
        cols = rows + k * seq_len + np.arange(seq_len)
        yield ids[cols], ids[cols + 1]


def char_bits(model, before: np.ndarray, ids: np.ndarray, n_chunks: int = 16, warmup: int = 500):
    """−log₂ p of every character of ``ids``, each predicted after reading at least ``warmup`` earlier ones.

    ``ids`` is cut into ``n_chunks`` contiguous chunks scored side by side (one batch); each chunk is
    preceded by the ``warmup`` characters before it (taken from ``before`` for the first chunk), read
    from zero states and not scored.  Returns shape ``(len(ids),)`` float64.
    """
    full = np.concatenate([np.asarray(before[-warmup:], dtype=np.int64), ids])
    off = len(full) - len(ids)
    size = -(-len(ids) // n_chunks)
    starts = [off + k * size for k in range(n_chunks) if k * size < len(ids)]
    x = np.zeros((len(starts), warmup + size), dtype=np.int64)
    target = np.zeros((len(starts), size), dtype=np.int64)
    for r, s in enumerate(starts):
        seg = full[s - warmup:s + size]                  # warm-up + chunk (the last may be short)
        x[r, :len(seg)] = seg
        nxt = full[s:s + size]
        target[r, :len(nxt)] = nxt
    p = model.predict_on_batch(x[:, :-1])[:, warmup - 1:]                # predicts chunk characters
    bits = -np.log2(np.take_along_axis(p, target[..., None], axis=-1)[..., 0]).astype(np.float64)
    return np.concatenate([b[:min(size, len(ids) - (s - off))] for b, s in zip(bits, starts)])


def load_trained(weights=DEFAULT_OUT, corpus: str | None = None):
    """Build the saved model, load its weights, and return ``(model, vocab, meta)``.

    The vocabulary is the one stored with the weights (``<stem>.json``), so ids mean what they meant
    in training.  If ``corpus`` (default: this Python's ``pydoc_data`` text) has a character outside
    it, raise a ``ValueError`` that says so; if the corpus differs from the one trained on but fits
    the vocabulary, a note is printed and the model is usable (its scores will differ).
    """
    weights = Path(weights)
    meta_path = weights.with_name(weights.name.removesuffix(".weights.zip") + ".json")
    if not meta_path.exists():
        raise FileNotFoundError(f"load_trained: {meta_path} (vocabulary and settings of {weights.name}) "
                                "is missing; rerun scripts/train_char_lstm.py")
    meta = json.loads(meta_path.read_text())
    vocab = meta["vocab"]
    corpus = text.load_text() if corpus is None else corpus
    missing = sorted(set(corpus) - set(vocab))
    if missing:
        raise ValueError(f"load_trained: this text has characters {missing[:10]!r} that the weights "
                         f"never saw (trained on Python {meta['python']}'s pydoc_data, {len(vocab)} "
                         f"characters; this is Python {sys.version.split()[0]}); retrain with "
                         "scripts/train_char_lstm.py")
    if corpus_sha256(corpus) != meta["corpus_sha256"]:
        print(f"note: the weights were trained on Python {meta['python']}'s pydoc_data text; this "
              f"Python ({sys.version.split()[0]}) ships a different one, so scores will differ")
    cfg = meta["model"]
    model = build_model(len(vocab), cfg["units"], cfg["n_layers"], cfg["embed"], cfg["dropout"])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.load_weights(weights)
    return model, vocab, meta


def _parse(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--epochs", type=int, default=100)
    p.add_argument("--max-minutes", type=float, default=None, help="stop after the epoch that passes it")
    p.add_argument("--max-batches", type=int, default=None, help="batches per epoch (smoke tests)")
    p.add_argument("--val-chars", type=int, default=None, help="validate on a prefix (smoke tests)")
    p.add_argument("--batch-size", type=int, default=32, help="streams read side by side")
    p.add_argument("--seq-len", type=int, default=50, help="truncated-BPTT window while training")
    p.add_argument("--units", type=int, default=UNITS)
    p.add_argument("--layers", type=int, default=N_LAYERS)
    p.add_argument("--dropout", type=float, default=DROPOUT)
    p.add_argument("--patience", type=int, default=2, help="epochs without improvement before lr /= 2")
    p.add_argument("--max-halvings", type=int, default=4, help="stop at the next halving after this many")
    p.add_argument("--learning-rate", type=float, default=0.003)
    p.add_argument("--decay-after", type=int, default=None,
                   help="halve the learning rate after every epoch from this one on")
    p.add_argument("--init-weights", type=Path, default=None, help="continue from these weights")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", type=Path, default=DEFAULT_OUT)
    return p.parse_args(argv)


def _save(model, args, vocab, corpus, epoch, bpc, elapsed) -> None:
    model.save_weights(args.out)
    meta = {"vocab": vocab, "corpus_sha256": corpus_sha256(corpus), "python": sys.version.split()[0],
            "model": {"units": args.units, "n_layers": args.layers, "embed": EMBED, "dropout": args.dropout},
            "training": {"batch_size": args.batch_size, "seq_len": args.seq_len, "seed": args.seed,
                         "learning_rate": args.learning_rate, "decay_after": args.decay_after,
                         "init_weights": args.init_weights and args.init_weights.name,
                         "epoch": epoch, "seconds": round(elapsed)},
            "validation_bpc": round(bpc, 5)}
    args.out.with_name(args.out.name.removesuffix(".weights.zip") + ".json").write_text(json.dumps(meta))


def main(argv=None) -> None:
    args = _parse(argv)
    corpus = text.load_text()
    train, val, _ = text.load_data()
    vocab = text.vocabulary(corpus)
    tr, va = text.encode(train, vocab), text.encode(val[:args.val_chars], vocab)
    nbnet.utils.set_random_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    model = build_model(len(vocab), args.units, args.layers, EMBED, args.dropout, stateful=True)
    scorer = build_model(len(vocab), args.units, args.layers, EMBED, args.dropout)
    opt = nbnet.optimizers.Adam(args.learning_rate, clipnorm=1.0)
    model.compile(optimizer=opt, loss="sparse_categorical_crossentropy")
    if args.init_weights:
        model.load_weights(args.init_weights)
    lstms = [layer for layer in model.layers if isinstance(layer, layers.LSTM)]
    best, start, waited, halvings = np.inf, time.time(), 0, 0
    args.out.parent.mkdir(parents=True, exist_ok=True)
    for epoch in range(1, args.epochs + 1):
        for layer in lstms:
            layer.reset_states()
        losses = []
        for k, (x, y) in enumerate(streams(tr, args.batch_size, args.seq_len, int(rng.integers(args.seq_len)))):
            if args.max_batches and k >= args.max_batches:
                break
            losses.append(float(model.train_on_batch(x, y)))
        scorer.set_weights(model.get_weights())
        bpc = float(char_bits(scorer, tr, va).mean())
        if bpc < best:
            best, waited = bpc, 0
            _save(scorer, args, vocab, corpus, epoch, bpc, time.time() - start)
        else:
            waited += 1
        lr = float(opt.learning_rate)
        print(f"epoch {epoch}: train (dropout on) {np.mean(losses) / np.log(2):.4f}, validation {bpc:.4f} bits/char "
              f"(best {best:.4f}), lr {lr:.5f}, {time.time() - start:.0f} s", flush=True)
        if args.decay_after is not None and epoch >= args.decay_after:
            opt.learning_rate = lr / 2
        elif waited >= args.patience:
            if halvings >= args.max_halvings:
                break
            opt.learning_rate, waited, halvings = lr / 2, 0, halvings + 1
        if args.max_minutes and time.time() - start > 60 * args.max_minutes:
            break


if __name__ == "__main__":
    main()
