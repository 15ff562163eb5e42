"""Chapter 10's long-training script runs end to end on a few hundred images and writes loadable files."""

import subprocess
import sys
from pathlib import Path

import numpy as np

import nbnet
from nbnet.estimators import DBN, load_estimator

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "train_dbn_mnist.py"


def test_train_dbn_script_smoke(tmp_path):
    cmd = [sys.executable, str(SCRIPT), "--rbm-epochs", "1", "--epochs", "1", "--limit", "300",
           "--out", str(tmp_path)]
    subprocess.run(cmd, check=True, capture_output=True, timeout=300)
    dbn = load_estimator(tmp_path / "dbn_mnist.estimator.zip")
    assert isinstance(dbn, DBN) and [r.n_components for r in dbn.rbms_] == [500, 500]
    model = dbn.to_sequential(10)
    model.load_weights(tmp_path / "dbn_finetuned.weights.zip")
    baseline = dbn.to_sequential(10)
    baseline.load_weights(tmp_path / "mlp_random_init.weights.zip")
    x = np.zeros((2, 784), np.float32)
    assert model.predict(x, verbose=0).shape == (2, 10)
    assert not np.allclose(model.layers[0].get_weights()[0], baseline.layers[0].get_weights()[0])
    assert isinstance(model, nbnet.Sequential)
