"""Sphinx extension for the book's static site: it works offline and says how to run each chapter.

* **MathJax from the site itself.** MathJax 3.2.2 comes from the PyPI package
  ``django-static-mathjax==3.2.2.1`` (MathJax's own files, Apache-2.0; the package needs no Django
  to be installed). Its ``es5`` folder and licence are copied to ``_static/mathjax/`` and
  ``mathjax_path`` points there, so formulas render with no network.
* **No widget scripts from a CDN.** Saved widget state would make myst-nb load RequireJS and the
  widget manager from the network and draw sliders that do nothing; ``_config.yml`` sets
  ``nb_ipywidgets_js: {}`` and the chapters tag their widget cells ``remove-output`` (each is
  followed by a static figure).
* **"Run this page in JupyterLab"**: a note under the title of every notebook page; the theme's
  download button offers the notebook itself (``.ipynb``).
* **No console error**: the theme gets a default colour mode for a reader's first visit, and
  Thebe (live code through Binder, online only, and declared twice per page by this set of
  versions) is left out.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util import logging

LOGGER = logging.getLogger(__name__)
MATHJAX_SCRIPT = "mathjax/tex-chtml.js"  # relative to _static/


def _mathjax_source() -> Path:
    """The folder holding MathJax's ``es5`` build, from the ``django-static-mathjax`` package."""
    try:
        import mathjax  # the package's import name
    except ImportError as error:
        raise RuntimeError(
            "The book serves MathJax itself and needs the package django-static-mathjax==3.2.2.1 "
            "(pip install -e '.[book]' or `make setup`); it is not installed.") from error
    root = Path(mathjax.__file__).resolve().parent / "static" / "mathjax"
    if not (root / "es5" / "tex-chtml.js").is_file():
        raise RuntimeError(f"Expected MathJax's es5/tex-chtml.js under {root}; found no such file.")
    return root


def _configure(app: Sphinx, config) -> None:
    _mathjax_source()  # fail early, with the message, if the package is missing
    config.mathjax_path = MATHJAX_SCRIPT
    # pydata-sphinx-theme reports "Got invalid theme mode" as a console error on a reader's first
    # visit unless the page names a default colour mode.
    config.html_context = {**config.html_context, "default_mode": "auto"}


def _copy_mathjax(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    source = _mathjax_source()
    target = Path(app.outdir) / "_static" / "mathjax"
    shutil.copytree(source / "es5", target, dirs_exist_ok=True)
    shutil.copy2(source / "LICENSE", target / "LICENSE")
    LOGGER.info("MathJax copied to %s", target)


def _run_note(docname: str) -> nodes.Node:
    """The note that tells a reader how to run this chapter live."""
    para = nodes.paragraph()
    para += nodes.strong(text="Run this page in JupyterLab. ")
    para += nodes.Text("Download the notebook with the download button at the top of the page (")
    para += nodes.literal(text=".ipynb")
    para += nodes.Text("), or, in a clone of the repository, run ")
    para += nodes.literal(text="make lab")
    para += nodes.Text(" and open ")
    para += nodes.literal(text=f"{docname}.ipynb")
    para += nodes.Text(". Every cell runs offline; the sliders of the interactive figures work there, "
                       "and this site shows a static figure in their place.")
    note = nodes.note()
    note["classes"].append("nbnet-run-note")
    note += para
    return note


def _add_run_note(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    source = app.env.doc2path(docname)
    if str(source).endswith(".ipynb"):
        section = next(iter(doctree.findall(nodes.section)), None)
        if section is not None:
            title = next(iter(section.findall(nodes.title)), None)
            section.insert(section.index(title) + 1 if title is not None else 0, _run_note(docname))


def _is_thebe(asset) -> bool:
    name = str(getattr(asset, "filename", "") or "")
    body = str(getattr(asset, "attributes", {}).get("body", ""))
    return "thebe" in name or "THEBE_JS_URL" in body


def _drop_thebe(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    """Remove Thebe (live code through Binder, which needs the network) from every page.

    Jupyter Book adds it by default, and with this set of versions it declares ``THEBE_JS_URL``
    twice on each page: a JavaScript error in every reader's console.
    """
    for key in ("script_files", "css_files"):
        if context.get(key):
            context[key] = [asset for asset in context[key] if not _is_thebe(asset)]


def setup(app: Sphinx) -> dict:
    app.connect("config-inited", _configure)
    app.connect("doctree-resolved", _add_run_note)
    app.connect("html-page-context", _drop_thebe, priority=900)
    app.connect("build-finished", _copy_mathjax)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
