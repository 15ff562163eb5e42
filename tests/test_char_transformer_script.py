"""Chapter 12's long-training script runs end to end for a few steps and writes weights the chapter can load."""

import subprocess
import sys
from pathlib import Path

import numpy as np

SCRIPTS = Path(__file__).resolve().parents[1] / "scripts"
SCRIPT = SCRIPTS / "train_char_transformer.py"


def test_train_char_transformer_script_smoke(tmp_path):
    out = tmp_path / "w.weights.zip"
    cmd = [sys.executable, str(SCRIPT), "--epochs", "1", "--max-batches", "2", "--val-chars", "600",
           "--out", str(out)]
    run = subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=300)
    assert run.stdout.startswith("epoch 1: validation") and "CPU" in run.stdout
    sys.path.insert(0, str(SCRIPTS))
    try:
        import train_char_transformer as tct
    finally:
        sys.path.remove(str(SCRIPTS))
    model = tct.build_model(103)
    model.load_weights(out)
    x = np.zeros((2, tct.SEQ_LEN), np.int64)
    assert model.predict(x, verbose=0).shape == (2, tct.SEQ_LEN, 103)
    assert model.count_params() == 340_967


def test_causal_self_attention_matches_multi_head_attention():
    sys.path.insert(0, str(SCRIPTS))
    try:
        import train_char_transformer as tct
    finally:
        sys.path.remove(str(SCRIPTS))
    from nbnet import layers
    x = np.random.default_rng(0).standard_normal((2, 9, 16)).astype("float32")
    ours = tct.CausalSelfAttention(num_heads=2, key_dim=8)
    y, a = ours(x, return_attention_scores=True)
    ref = layers.MultiHeadAttention(num_heads=2, key_dim=8)
    ref(x, x)
    ref.set_weights(ours.get_weights())
    y_ref, a_ref = ref(x, x, use_causal_mask=True, return_attention_scores=True)
    assert np.allclose(y, y_ref, atol=1e-5) and np.allclose(a, a_ref, atol=1e-6)
    assert np.all(np.asarray(a)[..., np.triu_indices(9, 1)[0], np.triu_indices(9, 1)[1]] == 0)
