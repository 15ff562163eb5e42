"""Tests for nbnet.datasets.text (the pydoc_data.topics corpus); the char-LSTM script: test_train_char_lstm.py."""


import numpy as np
import pytest

from nbnet.datasets import text


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
