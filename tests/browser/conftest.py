"""Browser tests: the built site in headless Chromium, and a chapter run in a real JupyterLab.

They run in ``make test`` (target ``test-browser``), after the site has been built from the outputs
nbval has just checked. They need the built site and a Chromium; a plain ``pytest tests`` does not
collect them (it runs before the site exists). Run them alone with::

    make test-browser           # builds the site (book-verified) and runs them
    NBNET_BROWSER_TESTS=1 .venv/bin/python -m pytest tests/browser -q    # site already built

Where Chromium is missing, every test here fails with a message that says how to install it.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SITE = Path(os.environ.get("NBNET_SITE", ROOT / "_build" / "html")).resolve()
ARTEFACTS = ROOT / "_build" / "screenshots"

if os.environ.get("NBNET_BROWSER_TESTS") != "1":
    collect_ignore_glob = ["test_*.py"]

INSTALL_HINT = (
    "The browser tests need Chromium. On Debian/Ubuntu, as root: "
    "`apt-get update && apt-get install -y chromium` (`make setup-browser` does this when run as root), "
    "or set CHROMIUM=/path/to/chromium. Playwright's own browser download is not needed.")


def chromium_path() -> str:
    """The Chromium executable: $CHROMIUM, else `chromium` or `chromium-browser` on PATH."""
    candidates = [os.environ.get("CHROMIUM"), shutil.which("chromium"), shutil.which("chromium-browser")]
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            return candidate
    pytest.fail(f"No Chromium found (looked at $CHROMIUM, chromium, chromium-browser). {INSTALL_HINT}",
                pytrace=False)


@pytest.fixture(scope="session")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("The browser tests need Playwright for Python: pip install -e '.[test]'.", pytrace=False)
    executable = chromium_path()
    with sync_playwright() as playwright:
        # --no-sandbox: Chromium refuses to start as root with its sandbox (CI runs as root).
        browser = playwright.chromium.launch(executable_path=executable, headless=True,
                                             args=["--no-sandbox"])
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def site() -> Path:
    if not (SITE / "index.html").is_file():
        pytest.fail(f"No built site at {SITE}: run `make book-verified` (after `make test-notebooks`) "
                    "or `make book` first.", pytrace=False)
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    return SITE
