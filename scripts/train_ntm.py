"""Train the neural Turing machine of the network-zoo chapter on the copy task; write its weights.

Seeded and single-threaded (``OPENBLAS_NUM_THREADS=1``), so a rerun repeats the same computation.
Each step draws one length ``L`` uniformly from ``1 … max_length`` and a batch of sequences of that
length (``nbnet.datasets.sequence_tasks``); the loss is the binary cross-entropy of the ``L`` copied
vectors (Adam at 10⁻³, multiplied by ``--decay`` = 0.2 from step ``--decay-at`` = 6000 on: the
larger rate learns the procedure, the smaller one stops the occasional loss spikes).  Every
``--log-every`` steps the script appends a line to the log (the step, the mean loss and the bit
error rate since the last line, and the seconds so far) and rewrites the weights.

    python scripts/train_ntm.py                       # the full run (book/weights/ntm.*): 9,000 steps,
                                                      # 23 minutes on the 2-core machine under heavy load
    python scripts/train_ntm.py --steps 5 --out /tmp/ntm   # a smoke run
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402

import nbnet  # noqa: E402
from nbnet import layers, ops  # noqa: E402
from nbnet.datasets.sequence_tasks import make_copy_task  # noqa: E402
from nbnet.layers.recurrent.ntm import NTMCell  # noqa: E402

CONFIG = {"bits": 8, "max_length": 8, "controller_units": 100, "memory_size": 20,
          "memory_width": 12, "shift_range": 1, "batch_size": 32, "learning_rate": 1e-3,
          "decay_at": 6000, "decay": 0.2, "clipnorm": 10.0, "seed": 0}


def build(config: dict) -> nbnet.Sequential:
    """The model the book loads: ``RNN(NTMCell)`` over (N, T, bits + 1) → logits (N, T, bits)."""
    cell = NTMCell(config["bits"], controller_units=config["controller_units"],
                   memory_size=config["memory_size"], memory_width=config["memory_width"],
                   shift_range=config["shift_range"])
    return nbnet.Sequential([nbnet.Input((None, config["bits"] + 1)),
                             layers.RNN(cell, return_sequences=True)], name="ntm")


def train_step(model, optimizer, x, y, length: int) -> tuple[float, float]:
    """One Adam step on a batch; returns (loss, bit error rate) of the copied part."""
    weights = model.trainable_weights
    with nbnet.GradientTape() as tape:
        logits = model(x)[:, length + 1:]
        loss = ops.mean(nbnet.losses.binary_crossentropy(y[:, length + 1:], logits, from_logits=True))
    optimizer.apply(tape.gradient(loss, weights), weights)
    errors = (ops.convert_to_numpy(logits) > 0) != (y[:, length + 1:] > 0.5)
    return float(ops.convert_to_numpy(loss)), float(errors.mean())


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=9000)
    parser.add_argument("--log-every", type=int, default=250)
    parser.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "book", "weights", "ntm"))
    for key, value in CONFIG.items():
        parser.add_argument(f"--{key.replace('_', '-')}", type=type(value), default=value)
    args = parser.parse_args(argv)
    config = {k: getattr(args, k) for k in CONFIG}
    nbnet.utils.set_random_seed(config["seed"])
    rng = np.random.default_rng(config["seed"])
    model = build(config)
    optimizer = nbnet.optimizers.Adam(config["learning_rate"], clipnorm=config["clipnorm"])
    start, window = time.time(), []
    with open(args.out + ".log", "w") as log:
        log.write(f"# {config}\n# step, loss, bit error rate, seconds\n")
        for step in range(1, args.steps + 1):
            if step == config["decay_at"]:                   # a last, gentler stretch
                optimizer.learning_rate = config["learning_rate"] * config["decay"]
            length = int(rng.integers(1, config["max_length"] + 1))
            x, y = make_copy_task(config["batch_size"], length, config["bits"], random_state=rng)
            window.append(train_step(model, optimizer, x, y, length))
            if step % args.log_every == 0 or step == args.steps:
                loss, ber = np.mean(window, axis=0)
                log.write(f"{step}, {loss:.5f}, {ber:.5f}, {time.time() - start:.0f}\n")
                log.flush()
                window = []
                model.save_weights(args.out + ".weights.zip")        # a checkpoint at every log line


if __name__ == "__main__":
    main()
