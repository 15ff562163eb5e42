"""docs/custom_training.md: its Python blocks run, in order, and print what the comments say."""

import contextlib
import io
import re
from pathlib import Path

import nbnet

DOC = Path(__file__).resolve().parents[1] / "docs" / "custom_training.md"


def test_custom_training_doc_runs_and_prints_what_it_says():
    text = DOC.read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    assert len(blocks) == 3
    nbnet.utils.set_random_seed(0)
    namespace: dict = {}
    for block in blocks:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(block, str(DOC), "exec"), namespace)  # noqa: S102
        expected = re.findall(r"print\(.*\)\s+# (.*)", block)
        assert out.getvalue().split("\n")[:-1] == expected
    gan_history = namespace["gan"].history.history
    assert all(len(v) == 3 for v in gan_history.values())
    vae_losses = namespace["vae"].history.history["loss"]
    assert vae_losses[-1] < vae_losses[0]
