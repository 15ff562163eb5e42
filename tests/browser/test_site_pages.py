"""Every page the table of contents lists, opened from disk (file://) in headless Chromium.

For each page: it loads with no console error, no failed request and no request outside the site's
own folder; every image decodes; every formula is typeset by MathJax (served from the site); the
previous/next, table-of-contents and in-text links resolve; chapters have a notebook download, the
"run in JupyterLab" note, no dead widget controls, and numbered, captioned figures with alt text.
Search finds each chapter by a word that only that chapter uses. A full-page screenshot of each page
is saved under _build/screenshots/.
"""

from __future__ import annotations

import html
import re
from functools import cache
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
import yaml

from .conftest import ARTEFACTS, ROOT, SITE


def toc_pages() -> list[str]:
    """Document names in _toc.yml, in reading order (``book/preface``, ``book/01_neurons``, ...)."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    names = [toc["root"]]

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                names.append(entry["file"])
            walk(entry.get("sections"))

    for part in toc.get("parts", []):
        walk(part.get("chapters"))
    walk(toc.get("chapters"))
    return [re.sub(r"\.(md|ipynb)$", "", name) for name in names]


PAGES = toc_pages()
CHAPTERS = [p for p in PAGES if (ROOT / f"{p}.ipynb").is_file()]
MATH_CLASS = re.compile(r'class="math notranslate nohighlight"')


def page_file(docname: str) -> Path:
    return SITE / f"{docname}.html"


def wait_for_mathjax(page) -> None:
    """Wait until MathJax has typeset the page (Sphinx adds MathJax only to pages with formulas)."""
    if page.locator("script[src*='mathjax/']").count() == 0:
        return
    page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise", timeout=30_000)
    page.evaluate("() => MathJax.startup.promise")


class PageVisit:
    """Opens one page and records everything the browser asked for and complained about."""

    def __init__(self, browser, path: Path):
        self.page = browser.new_page(viewport={"width": 1280, "height": 900})
        self.requests: list[str] = []
        self.problems: list[str] = []
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("requestfailed", lambda r: self.problems.append(f"request failed: {r.url} ({r.failure})"))
        self.page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        self.page.on("console", self._console)
        self.page.goto(path.as_uri(), wait_until="load")
        wait_for_mathjax(self.page)
        # Output images load lazily: ask for all of them, then wait until each has arrived.
        self.page.evaluate("() => document.querySelectorAll('img[loading=lazy]').forEach(i => i.loading = 'eager')")
        self.page.wait_for_function("() => [...document.images].every(i => i.complete)", timeout=30_000)

    def _console(self, message) -> None:
        if message.type == "error":
            self.problems.append(f"console error: {message.text}")

    def external_requests(self) -> list[str]:
        root = SITE.as_uri() + "/"
        return [u for u in self.requests if not (u.startswith(root) or u.startswith(("data:", "blob:")))]


@pytest.fixture(scope="module")
def visits(browser, site):
    """One visit per page, shared by the tests below; each page's screenshot is saved on the way."""
    opened = {}
    for docname in PAGES:
        visit = PageVisit(browser, page_file(docname))
        shot = ARTEFACTS / f"{docname.replace('/', '_')}.png"
        visit.page.screenshot(path=str(shot), full_page=True)
        opened[docname] = visit
    yield opened
    for visit in opened.values():
        visit.page.close()


def test_toc_lists_the_chapters():
    assert PAGES[0] == "book/preface" and "book/01_neurons" in PAGES and "book/glossary" in PAGES, PAGES
    missing = [p for p in PAGES if not page_file(p).is_file()]
    assert not missing, f"pages in _toc.yml that the build did not write: {missing}"


@pytest.mark.parametrize("docname", PAGES)
def test_page_loads_offline_without_errors(visits, docname):
    visit = visits[docname]
    assert not visit.problems, f"{docname}: " + "; ".join(visit.problems)
    outside = visit.external_requests()
    assert not outside, f"{docname} requested files outside the site folder {SITE}: {outside}"
    assert (ARTEFACTS / f"{docname.replace('/', '_')}.png").stat().st_size > 10_000


@pytest.mark.parametrize("docname", PAGES)
def test_every_image_decodes(visits, docname):
    images = visits[docname].page.evaluate(
        "() => [...document.images].map(i => ({src: i.src.slice(0, 80), w: i.naturalWidth, h: i.naturalHeight,"
        " ok: i.complete, alt: i.alt}))")
    broken = [i["src"] for i in images if not (i["ok"] and i["w"] > 0 and i["h"] > 0)]
    assert not broken, f"{docname}: images that do not decode: {broken}"


@pytest.mark.parametrize("docname", PAGES)
def test_every_formula_is_rendered(visits, docname):
    source = page_file(docname).read_text(encoding="utf-8")
    expected = len(MATH_CLASS.findall(source))
    page = visits[docname].page
    rendered = page.evaluate("() => document.querySelectorAll('mjx-container').length")
    unrendered = page.evaluate("() => document.querySelectorAll('.math:not(:has(mjx-container))').length")
    assert rendered == expected and unrendered == 0, (
        f"{docname}: {expected} formulas in the page source, {rendered} typeset, {unrendered} left as text")
    # Whatever is left in the text outside code must not be raw TeX.
    prose = page.evaluate(
        "() => { const a = document.querySelector('article').cloneNode(true);"
        " a.querySelectorAll('pre, code, mjx-container, .highlight, .output').forEach(e => e.remove());"
        " return a.innerText; }")
    raw = [m for m in ("\\(", "\\[", "$$", "\\frac", "\\sum") if m in prose]
    assert not raw, f"{docname}: raw TeX left in the rendered text: {raw}"


def _resolves(from_page: Path, href: str) -> str | None:
    """None when a relative link points to an existing file (and anchor); else what is wrong."""
    parts = urlsplit(href)
    if parts.scheme or href.startswith("//"):
        return None if parts.scheme == "mailto" else f"external link {href}"
    target = (from_page.parent / unquote(parts.path)).resolve() if parts.path else from_page
    if not target.is_file():
        return f"{href}: no file {target}"
    if parts.fragment and target.suffix == ".html":
        ids = set(re.findall(r'\bid="([^"]+)"', target.read_text(encoding="utf-8")))
        if html.unescape(unquote(parts.fragment)) not in ids:
            return f"{href}: no anchor #{parts.fragment} in {target.name}"
    return None


@pytest.mark.parametrize("docname", PAGES)
def test_navigation_links_resolve(visits, docname):
    page = visits[docname].page
    links = page.evaluate(
        "() => ({toc: [...document.querySelectorAll('nav.bd-docs-nav a')].map(a => a.getAttribute('href')),"
        " prevnext: [...document.querySelectorAll('a.left-prev, a.right-next')].map(a => a.getAttribute('href')),"
        " text: [...document.querySelectorAll('article a.reference.internal')].map(a => a.getAttribute('href'))})")
    index = PAGES.index(docname)
    assert len(links["prevnext"]) == (index > 0) + (index < len(PAGES) - 1), (docname, links["prevnext"])
    assert len(links["toc"]) >= len(PAGES) - 1, f"{docname}: the sidebar lists {len(links['toc'])} links"
    bad = [why for href in links["toc"] + links["prevnext"] + links["text"]
           if (why := _resolves(page_file(docname), href))]
    assert not bad, f"{docname}: links that do not resolve: {bad}"


@pytest.mark.parametrize("docname", CHAPTERS)
def test_chapter_offers_its_notebook_and_no_dead_widgets(visits, docname):
    page = visits[docname].page
    downloads = page.evaluate(
        "() => [...document.querySelectorAll('a')].map(a => a.getAttribute('href') || '')"
        ".filter(h => h.endsWith('.ipynb'))")
    assert downloads, f"{docname}: no link to download the notebook"
    assert _resolves(page_file(docname), downloads[0]) is None, downloads
    note = page.locator(".nbnet-run-note")
    assert note.count() == 1 and "JupyterLab" in note.inner_text(), f"{docname}: no 'run in JupyterLab' note"
    dead = page.evaluate(
        "() => document.querySelectorAll('input[type=range], .widget-slider, .jupyter-widgets,"
        " script[type=\"application/vnd.jupyter.widget-view+json\"]').length")
    assert dead == 0, f"{docname}: {dead} widget elements on the static page (they cannot work there)"


@pytest.mark.parametrize("docname", CHAPTERS)
def test_figures_have_numbered_captions_and_alt_text(visits, docname):
    figures = visits[docname].page.evaluate(
        "() => [...document.querySelectorAll('article .cell_output img')].map(i => ({"
        " alt: i.alt, number: i.closest('figure')?.querySelector('.caption-number')?.innerText || '',"
        " caption: i.closest('figure')?.querySelector('figcaption')?.innerText || ''}))")
    assert figures, f"{docname} shows no figure"
    for k, fig in enumerate(figures, 1):
        assert re.match(r"Fig\. \d+", fig["number"]), f"{docname}: output image {k} has no numbered caption"
        assert len(fig["caption"]) > 20 and len(fig["alt"]) > 20, f"{docname}: image {k}: caption/alt too short {fig}"


@cache
def unique_words() -> dict[str, str]:
    """For each chapter, a word of its prose that no other page's text contains (longest first)."""
    def words(docname: str) -> set[str]:
        text = page_file(docname).read_text(encoding="utf-8")
        text = re.sub(r"(?s)<(script|style|pre)\b.*?</\1>", " ", text)
        paras = re.findall(r"(?s)<p>(.*?)</p>", text)
        return set(re.findall(r"\b[a-z]{7,}\b", html.unescape(re.sub(r"<[^>]+>", " ", " ".join(paras)))))
    everything = {p: page_file(p).read_text(encoding="utf-8").lower() for p in PAGES}
    chosen = {}
    for docname in CHAPTERS:
        others = [t for p, t in everything.items() if p != docname]
        candidates = sorted((w for w in words(docname) if not any(w[:6] in t for t in others)),
                            key=lambda w: (-len(w), w))
        assert candidates, f"{docname} uses no word that the other pages lack"
        chosen[docname] = candidates[0]
    return chosen


@pytest.mark.parametrize("docname", CHAPTERS)
def test_search_finds_the_chapter(browser, site, docname):
    word = unique_words()[docname]
    page = browser.new_page()
    try:
        page.goto((site / "search.html").as_uri() + f"?q={word}", wait_until="load")
        page.wait_for_selector("#search-results ul.search li", timeout=30_000)
        hits = page.evaluate("() => [...document.querySelectorAll('#search-results ul.search li a')]"
                             ".map(a => a.getAttribute('href'))")
    finally:
        page.close()
    targets = [urlsplit(h).path for h in hits]
    assert f"{docname}.html" in [t.split("../")[-1] for t in targets], (
        f"searching {word!r} (only in {docname}) returned {hits}")
