"""Patterns from the public Keras guides and examples (keras.io), condensed to CPU size, run twice:
with ``import keras`` (Keras 3, torch backend) and with ``import nbnet as keras`` (and ``from keras
import layers`` read as ``from nbnet import layers``) — the only change.

Each ``g_*.py`` script leaves a ``RESULT`` dict: exact values (names, History keys, shapes) must be
equal; floats must agree within the script's ``TOL``.  Metric names printed by ``fit(verbose=2)``
must be the same.  A script that cannot run unchanged on nbnet sets ``NBNET_DIFFERS`` to the reason
(also listed in docs/keras_differences.md); its nbnet run must fail — so the list stays true.
"""

import contextlib
import io
import re
from pathlib import Path

import numpy as np
import pytest

HERE = Path(__file__).parent
GUIDES = sorted(p.stem for p in HERE.glob("g_*.py"))
PRINTED = re.compile(r"\b([a-z_]+): -?\d")


def run_guide(stem: str, lib: str) -> tuple[dict, set]:
    source = (HERE / f"{stem}.py").read_text()
    if lib == "nbnet":   # the only change: the imports
        changed = re.sub(r"^import keras$", "import nbnet as keras", source, flags=re.M)
        assert changed != source, f"{stem} must have a line 'import keras'"
        source = re.sub(r"^from keras(\.\w+)* import", lambda m: m.group(0).replace("keras", "nbnet", 1),
                        changed, flags=re.M)
    namespace = {"__name__": f"keras_guide_{stem}_{lib}"}
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(source, str(HERE / f"{stem}.py"), "exec"), namespace)   # noqa: S102 - our own files
    return namespace, set(PRINTED.findall(out.getvalue()))


def compare(ours, theirs, tol, where=""):
    if isinstance(theirs, float) or isinstance(ours, float):
        assert abs(float(ours) - float(theirs)) <= tol, f"{where}: nbnet {ours} vs Keras {theirs} (tol {tol})"
    elif isinstance(theirs, dict):
        assert sorted(ours) == sorted(theirs), f"{where}: keys {sorted(ours)} vs {sorted(theirs)}"
        for k in theirs:
            compare(ours[k], theirs[k], tol, f"{where}.{k}")
    elif isinstance(theirs, (list, tuple)):
        assert len(ours) == len(theirs), f"{where}: {ours} vs {theirs}"
        for i, (a, b) in enumerate(zip(ours, theirs)):
            compare(a, b, tol, f"{where}[{i}]")
    elif isinstance(theirs, np.ndarray):
        np.testing.assert_allclose(ours, theirs, atol=tol, err_msg=where)
    else:
        assert ours == theirs, f"{where}: nbnet {ours!r} vs Keras {theirs!r}"


@pytest.mark.parametrize("stem", GUIDES)
def test_guide_runs_the_same(stem):
    theirs, printed_theirs = run_guide(stem, "keras")
    reason = theirs.get("NBNET_DIFFERS")
    if reason:
        with pytest.raises(Exception):  # noqa: B017 - any failure: the point is that it does not run
            run_guide(stem, "nbnet")
        pytest.xfail(f"does not run unchanged on nbnet: {reason}")
    ours, printed_ours = run_guide(stem, "nbnet")
    compare(ours["RESULT"], theirs["RESULT"], theirs.get("TOL", 1e-5), stem)
    assert printed_ours == printed_theirs, f"printed metric names: {printed_ours} vs {printed_theirs}"
