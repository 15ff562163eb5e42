"""Chapter 9's character-level LSTM script: streams, scoring, a smoke run, and the saved vocabulary."""

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from nbnet.datasets import text

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def script():
    spec = importlib.util.spec_from_file_location("train_char_lstm", ROOT / "scripts" / "train_char_lstm.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_windows_shift_targets_by_one(script):
    x, y = script.windows(np.arange(25), 10)
    assert x.shape == y.shape == (2, 10)
    np.testing.assert_array_equal(y, x + 1)


def test_streams_continue_each_row_from_one_window_to_the_next(script):
    ids = np.arange(1000)
    wins = list(script.streams(ids, n_streams=4, seq_len=10, offset=3))
    assert len(wins) == (996 // 4) // 10 and all(x.shape == (4, 10) for x, _ in wins)
    x0, y0 = wins[0]
    x1, _ = wins[1]
    np.testing.assert_array_equal(y0, x0 + 1)
    np.testing.assert_array_equal(x1[:, 0], x0[:, -1] + 1)      # row i of window 1 continues row i
    np.testing.assert_array_equal(x0[:, 0], 3 + np.arange(4) * (996 // 4))
    with pytest.raises(ValueError, match="too few"):
        list(script.streams(np.arange(30), n_streams=4, seq_len=10))


def test_char_bits_scores_every_character_with_its_context(script):
    """char_bits equals −log₂ p read off one long forward pass over warm-up + text."""
    vocab = 7
    model = script.build_model(vocab, units=5, n_layers=1, embed=3, dropout=0.0)
    rng = np.random.default_rng(0)
    before, ids = rng.integers(0, vocab, 40), rng.integers(0, vocab, 23)
    bits = script.char_bits(model, before, ids, n_chunks=1, warmup=10)
    full = np.concatenate([before[-10:], ids])
    p = model.predict_on_batch(full[None, :-1])[0, 9:]
    np.testing.assert_allclose(bits, -np.log2(p[np.arange(23), ids]), rtol=1e-5)
    chunked = script.char_bits(model, before, ids, n_chunks=4, warmup=10)   # 4 pieces, shorter context
    assert chunked.shape == (23,) and np.all(chunked > 0)
    np.testing.assert_allclose(chunked[:6], bits[:6], rtol=1e-5)            # the first piece is the same


def test_training_script_writes_weights_vocabulary_and_loads(script, tmp_path):
    # a subprocess with one BLAS thread, as the script is meant to run
    out = tmp_path / "w.weights.zip"
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    args = ["--epochs", "2", "--max-batches", "2", "--val-chars", "500", "--units", "16", "--out", str(out)]
    run = subprocess.run([sys.executable, str(ROOT / "scripts" / "train_char_lstm.py"), *args],
                         env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert "epoch 2: train" in run.stdout and out.exists()
    meta = json.loads((tmp_path / "w.json").read_text())
    corpus = text.load_text()
    assert meta["vocab"] == text.vocabulary(corpus) and meta["corpus_sha256"] == script.corpus_sha256(corpus)
    assert meta["model"]["units"] == 16 and meta["model"]["n_layers"] == 2
    model, vocab, _ = script.load_trained(out)
    assert vocab == meta["vocab"] and len(model.get_weights()) == 1 + 3 * 2 + 2


def test_load_trained_explains_a_foreign_text(script, tmp_path, capsys):
    out = tmp_path / "m.weights.zip"
    vocab = sorted(set("abc "))
    model = script.build_model(len(vocab), units=4, n_layers=1, embed=3, dropout=0.0)
    model.save_weights(out)
    meta = {"vocab": vocab, "corpus_sha256": script.corpus_sha256("abc abc"), "python": "3.0.0",
            "model": {"units": 4, "n_layers": 1, "embed": 3, "dropout": 0.0}}
    (tmp_path / "m.json").write_text(json.dumps(meta))
    with pytest.raises(ValueError, match=r"characters \['x'\] that the weights never saw"):
        script.load_trained(out, corpus="abc x")
    script.load_trained(out, corpus="cab ab")                  # a different text that fits: a note
    assert "different one" in capsys.readouterr().out
    with pytest.raises(FileNotFoundError, match="vocabulary and settings"):
        script.load_trained(tmp_path / "none.weights.zip")
