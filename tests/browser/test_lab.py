"""The "run it interactively" promise: chapter 1 in a real JupyterLab, driven by headless Chromium.

JupyterLab starts on localhost with a fresh kernel and fresh settings; the test opens a copy of
chapter 1 with its outputs cleared, runs all cells from the Run menu, moves the first slider of the
neuron explorer, and checks that the figure under it changed. It then saves the notebook and checks
that every code cell ran and that no cell raised, and that the kernel is alive and idle.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from .conftest import ARTEFACTS, ROOT

CHAPTER = "01_neurons.ipynb"
STARTUP_S = 120
RUN_ALL_S = int(os.environ.get("NBNET_LAB_TIMEOUT", 300))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def cleared_copy(folder: Path) -> Path:
    """The chapter with no outputs, execution counts or saved widget state."""
    notebook = json.loads((ROOT / "book" / CHAPTER).read_text(encoding="utf-8"))
    for cell in notebook["cells"]:
        if cell["cell_type"] == "code":
            cell["outputs"], cell["execution_count"] = [], None
    notebook["metadata"].pop("widgets", None)
    path = folder / CHAPTER
    path.write_text(json.dumps(notebook, indent=1), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A JupyterLab server on localhost: (base URL, token, notebook folder)."""
    home = tmp_path_factory.mktemp("lab")
    notebooks = home / "notebooks"
    notebooks.mkdir()
    cleared_copy(notebooks)
    # Render every cell (JupyterLab 4 otherwise leaves cells outside the view unrendered), and no
    # news pop-up.
    settings = home / "settings" / "@jupyterlab"
    (settings / "notebook-extension").mkdir(parents=True)
    (settings / "notebook-extension" / "tracker.jupyterlab-settings").write_text('{"windowingMode": "none"}')
    (settings / "apputils-extension").mkdir(parents=True)
    (settings / "apputils-extension" / "notification.jupyterlab-settings").write_text('{"fetchNews": "false"}')
    port, token = free_port(), secrets.token_hex(16)
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(home / "config"), "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
           "JUPYTERLAB_SETTINGS_DIR": str(home / "settings"), "JUPYTERLAB_WORKSPACES_DIR": str(home / "ws"),
           "PYTHONHASHSEED": "0"}
    command = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
               f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={notebooks}"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")
    log = (home / "server.log").open("w")
    server = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + STARTUP_S
    while True:
        try:
            urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
            break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                pytest.fail(f"JupyterLab did not start:\n{(home / 'server.log').read_text()[-3000:]}")
            time.sleep(0.5)
    yield base, token, notebooks
    server.terminate()
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()
    log.close()
    shutil.rmtree(home / "runtime", ignore_errors=True)


def api(base: str, token: str, path: str):
    with urllib.request.urlopen(f"{base}{path}?token={token}", timeout=10) as response:
        return json.loads(response.read())


def wait_until_idle(base: str, token: str, timeout: float = 60) -> None:
    """Until the kernel has been idle on three checks in a row (the slider's redraws have run)."""
    deadline, quiet = time.monotonic() + timeout, 0
    while quiet < 3:
        assert time.monotonic() < deadline, "the kernel stayed busy after the slider moved"
        kernels = api(base, token, "/api/kernels")
        quiet = quiet + 1 if kernels and kernels[0]["execution_state"] == "idle" else 0
        time.sleep(0.5)


def explorer_image(page) -> str:
    """The src of the figure drawn by the neuron explorer (the widget's output area)."""
    image = page.locator(".widget-interact .jp-OutputArea-output img").first
    image.wait_for(timeout=60_000)
    return image.get_attribute("src")


def test_chapter_runs_and_the_slider_redraws_the_figure(browser, lab):
    base, token, notebooks = lab
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto(f"{base}/lab/tree/{CHAPTER}?token={token}", wait_until="domcontentloaded")
        page.locator(".jp-Notebook .jp-Cell").first.wait_for(timeout=STARTUP_S * 1000)
        # Run only once the fresh kernel is connected and idle (cells sent earlier can be lost).
        page.wait_for_function("() => /Python 3 \\(ipykernel\\) \\| Idle/.test("
                               "document.querySelector('.jp-StatusBar-Widget')?.parentElement?.innerText || '')",
                               timeout=STARTUP_S * 1000)
        wait_until_idle(base, token, timeout=STARTUP_S)

        page.locator(".lm-MenuBar-item", has_text="Run").first.click()
        page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
        # Done when every code cell shows an execution count and none is still queued ("[*]").
        try:
            page.wait_for_function(
                """() => { const p = [...document.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt')]
                           .map(e => e.innerText.trim());
                           return p.length > 0 && p.every(t => /^\\[\\d+\\]:$/.test(t)); }""",
                timeout=RUN_ALL_S * 1000)
        except Exception:
            page.screenshot(path=str(ARTEFACTS / "jupyterlab_run_all_timeout.png"))
            prompts = page.evaluate("() => [...document.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt')]"
                                    ".map(e => e.innerText.trim())")
            pytest.fail(f"Run All Cells did not finish in {RUN_ALL_S} s; prompts: {prompts}")

        before = explorer_image(page)
        handle = page.locator(".widget-interact .widget-slider .noUi-handle").first
        handle.focus()
        for _ in range(8):                       # w1: 1.0 -> 3.0 in steps of 0.25
            handle.press("ArrowRight")
        page.wait_for_function(
            "(old) => { const i = document.querySelector('.widget-interact .jp-OutputArea-output img');"
            " return i && i.getAttribute('src') !== old; }", arg=before, timeout=60_000)
        wait_until_idle(base, token)
        after = explorer_image(page)
        readout = page.locator(".widget-interact .widget-readout").first.inner_text()
        page.screenshot(path=str(ARTEFACTS / "jupyterlab_01_neurons.png"), full_page=True)

        page.keyboard.press("Control+s")
        page.wait_for_timeout(2000)
    finally:
        page.close()

    assert after != before and after.startswith("data:image/png"), "moving the slider did not redraw the figure"
    assert readout.strip() in ("3.00", "3.0", "3"), f"the slider reads {readout!r} after 8 steps of 0.25 from 1"
    assert not errors, f"JavaScript errors in JupyterLab: {errors}"

    saved = json.loads((notebooks / CHAPTER).read_text(encoding="utf-8"))
    code = [c for c in saved["cells"] if c["cell_type"] == "code"]
    assert all(c["execution_count"] for c in code), "some code cells did not run"
    raised = [c["source"][:1] for c in code if any(o["output_type"] == "error" for o in c["outputs"])]
    assert not raised, f"cells that raised in JupyterLab: {raised}"
    kernels = api(base, token, "/api/kernels")
    assert len(kernels) == 1 and kernels[0]["execution_state"] == "idle", kernels
