"""The network-zoo chapter's NTM training script runs a few steps and writes weights the book can load."""

import subprocess
import sys
from pathlib import Path

import numpy as np

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "train_ntm.py"


def test_train_ntm_script_smoke(tmp_path):
    out = tmp_path / "ntm"
    cmd = [sys.executable, str(SCRIPT), "--steps", "4", "--log-every", "2", "--out", str(out)]
    subprocess.run(cmd, check=True, capture_output=True, timeout=300)
    log = (tmp_path / "ntm.log").read_text().splitlines()
    assert log[0].startswith("# {") and [line.split(",")[0] for line in log[2:]] == ["2", "4"]
    sys.path.insert(0, str(SCRIPT.parent))
    try:
        import train_ntm
    finally:
        sys.path.remove(str(SCRIPT.parent))
    model = train_ntm.build(train_ntm.CONFIG)
    model.load_weights(tmp_path / "ntm.weights.zip")
    x = np.zeros((2, 5, train_ntm.CONFIG["bits"] + 1), np.float32)
    assert model.predict(x, verbose=0).shape == (2, 5, train_ntm.CONFIG["bits"])
