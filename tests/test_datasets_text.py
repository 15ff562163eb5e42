"""Tests for nbnet.datasets.text (the pydoc_data.topics corpus) and chapter 9's training script."""

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from nbnet.datasets import text

ROOT = Path(__file__).resolve().parents[1]


def test_corpus_is_english_prose_of_useful_size():
    corpus = text.load_text()
    assert len(corpus) > 100_000
    assert "the" in corpus and "def " in corpus
    assert corpus == text.load_text()          # deterministic order


def test_split_is_contiguous_and_proportional():
    corpus = text.load_text()
    train, val, test = text.load_data(val_fraction=0.05, test_fraction=0.10)
    assert train + val + test == corpus
    assert abs(len(test) / len(corpus) - 0.10) < 1e-3
    assert abs(len(val) / len(corpus) - 0.05) < 1e-3


@pytest.mark.parametrize("kwargs", [{"val_fraction": 0.0}, {"test_fraction": 1.0},
                                    {"val_fraction": 0.6, "test_fraction": 0.5}])
def test_bad_fractions_are_refused(kwargs):
    with pytest.raises(ValueError, match="load_data"):
        text.load_data(**kwargs)


def test_encode_decode_round_trip():
    vocab = text.vocabulary("hello, world")
    ids = text.encode("world", vocab)
    assert ids.dtype == np.int64 and ids.shape == (5,)
    assert vocab == sorted(vocab) and text.decode(ids, vocab) == "world"
    with pytest.raises(ValueError, match="not in the vocabulary"):
        text.encode("xyz", vocab)


def _script():
    spec = importlib.util.spec_from_file_location("train_char_lstm", ROOT / "scripts" / "train_char_lstm.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_windows_shift_targets_by_one():
    ids = np.arange(25)
    x, y = _script().windows(ids, 10)
    assert x.shape == y.shape == (2, 10)
    np.testing.assert_array_equal(y, x + 1)


def test_training_script_runs_a_few_steps_and_writes_loadable_weights(tmp_path):
    # a subprocess with one BLAS thread, as the script is meant to run (many threads on a busy
    # machine make it ten times slower)
    out = tmp_path / "w.zip"
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    run = subprocess.run([sys.executable, str(ROOT / "scripts" / "train_char_lstm.py"), "--epochs", "1",
                          "--max-batches", "2", "--val-chars", "1000", "--out", str(out)],
                         env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert "epoch 1: validation" in run.stdout and out.exists()
    script = _script()
    train, val, test = text.load_data()
    model = script.build_model(len(text.vocabulary(train + val + test)))
    model.load_weights(out)
    assert len(model.get_weights()) == 6
