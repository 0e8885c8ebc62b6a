"""The static site of `make site` in Chromium, with every request to another address aborted: the pages load
nothing from outside, log no error, typeset their math, and their widgets move with no kernel, painting the
torch decode of the code they show; the same from file://; a widget that needs Python shows its saved image;
the slides step section by section with their widgets live.

The site is built from a small notebook this test writes and executes (saving its widget state), not from
the lessons, so it runs in seconds and needs nothing but the package."""

import functools
import http.server
import json
import re
import sys
import threading
from pathlib import Path
from types import SimpleNamespace

import nbformat
import numpy as np
import pytest
from test_widgets_browser import READ, assert_painted, press, wait_shows

from conftest import SETUP

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
import build_site  # noqa: E402

LESSON_ONE = [
    ("markdown", "# Site lesson one\n\nThe KL of two normals is "
     "$\\mathrm{KL}(q \\,\\|\\, p) = \\tfrac12(\\mu^2 + \\sigma^2 - \\log \\sigma^2 - 1)$.\n\n$$\\int q(z)\\, dz = 1$$"),
    ("code", SETUP),
    ("markdown", "## The latent plane\n\nDrag $z$."),
    ("code", "LatentExplorer(vae, test)"),
    ("code", "Interpolation(vae, test, a=0, b=1)"),
    ("markdown", "## Classes and the KL"),
    ("code", "ClassExplorer(cvae, test, digit=3)"),
    ("code", "KLPlayground(mu=1.0, sigma=0.5)"),
    ("markdown", "## A control that needs Python"),
    ("code", "import matplotlib.pyplot as plt\nfrom ipywidgets import interact\n\n"
     "def draw(n=3):\n    plt.plot(range(n))\n    plt.title(f'{n} points')\n    plt.show()\n\ninteract(draw, n=(1, 5))"),
]
LESSON_TWO = [("markdown", "# Site lesson two\n\nNothing to move here: $e^{i\\pi} = -1$.")]
PAGES = ["index.html", "01_one.html", "02_two.html", "01_one.slides.html"]

# every widget view drawn and every decoder widget painted once, and the math typeset
READY = """() => document.documentElement.dataset.widgets === 'rendered'
  && document.documentElement.dataset.math === 'typeset'
  && [...document.querySelectorAll('.vl-root')].every(r => r.dataset.frame)"""


HEIGHT = "() => new Promise(r => requestAnimationFrame(() => r(document.scrollingElement.scrollHeight)))"
SKIPPED = """() => [...document.querySelectorAll('main > .jp-Cell')]
  .filter(c => !c.firstElementChild.checkVisibility({contentVisibilityAuto: true})).length"""  # cells not drawn


def write_and_run(path: Path, cells: list, folder: Path):
    """Write a notebook of (kind, source) cells at path and execute it in folder, saving its widget state as Jupyter does."""
    from nbclient import NotebookClient

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_markdown_cell(s) if kind == "markdown" else nbformat.v4.new_code_cell(s) for kind, s in cells]
    where = {"metadata": {"path": str(folder)}}
    client = NotebookClient(nb, timeout=300, kernel_name="python3", store_widget_state=True, resources=where)
    client.execute()
    nbformat.write(nb, path)


@pytest.fixture(scope="module")
def site(workdir, models):
    """The site built from two executed notebooks, served on 127.0.0.1: SimpleNamespace(folder, http, models)."""
    write_and_run(workdir / "01_one.ipynb", LESSON_ONE, workdir)
    write_and_run(workdir / "02_two.ipynb", LESSON_TWO, workdir)
    folder = workdir / "site"
    build_site.build([workdir / "01_one.ipynb", workdir / "02_two.ipynb"], folder)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield SimpleNamespace(folder=folder, http=f"http://127.0.0.1:{server.server_port}", models=models)
    server.shutdown()


def test_a_page_carries_the_package_front_end_not_the_copy_saved_in_its_notebook(site, workdir, tmp_path):
    # a committed notebook's widget state holds widgets.js and widgets.css as they were on the day it ran
    nb = nbformat.read(workdir / "01_one.ipynb", as_version=4)
    ours = [m["state"] for m in nb.metadata["widgets"][build_site.WIDGET_STATE]["state"].values() if "_esm" in m["state"]]
    assert len(ours) == 4
    for state in ours:
        state["_esm"] += "\n// an older front end"
        state["_css"] += "\n/* an older style */"
    nbformat.write(nb, tmp_path / "01_old.ipynb")
    build_site.build([tmp_path / "01_old.ipynb"], tmp_path / "site")
    page = (tmp_path / "site" / "01_old.html").read_text()
    saved = re.search(f'<script type="{re.escape(build_site.WIDGET_STATE)}">(.*?)</script>', page, re.S).group(1)
    pages = [m["state"] for m in json.loads(saved)["state"].values() if "_esm" in m["state"]]
    assert len(pages) == 4
    for state in pages:
        assert state["_esm"] == (build_site.STATIC / "widgets.js").read_text()
        assert state["_css"] == (build_site.STATIC / "widgets.css").read_text()


def open_offline(browser, url: str):
    """A page at url with every request that is not to 127.0.0.1, the disk or the page itself aborted; (page, remote urls)."""
    page, remote = browser.page(), []

    def route(r):
        if r.request.url.startswith(("file:", "blob:", "data:", "http://127.0.0.1:")):
            r.continue_()
        else:
            remote.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    browser.errors.clear()
    page.goto(url, wait_until="commit")
    return page, remote


def url_of(site, how: str, name: str) -> str:
    return f"{site.http}/{name}" if how == "http" else (site.folder / name).as_uri()


@pytest.mark.parametrize("how", ["http", "file"])
@pytest.mark.parametrize("name", PAGES)
def test_page_loads_nothing_from_outside_and_logs_no_error(site, browser, how, name):
    page, remote = open_offline(browser, url_of(site, how, name))
    try:
        if name == "index.html":
            page.wait_for_load_state("load")
            assert [a.get_attribute("href") for a in page.locator(".vl-lessons td a").all()] == [
                "01_one.html", "01_one.slides.html", "02_two.html", "02_two.slides.html"]
            assert "make lessons" in page.locator("#run ~ pre").inner_text()
        else:
            page.wait_for_function(READY, timeout=90_000)
            page.wait_for_load_state("load")
        assert remote == [], f"{name} asked for addresses beyond this machine: {remote}"
        assert browser.errors == [], f"{name} logged errors: {browser.errors}"
    finally:
        page.close()


@pytest.mark.parametrize("how", ["http", "file"])
def test_lesson_page_typesets_math_links_lessons_and_freezes_what_needs_python(site, browser, how):
    page, _ = open_offline(browser, url_of(site, how, "01_one.html"))
    try:
        page.wait_for_function(READY, timeout=90_000)
        prose = page.locator(".jp-MarkdownCell").first
        assert prose.locator("mjx-container svg").count() == 2  # the inline formula and the display one
        assert "\\mathrm" not in prose.inner_text() and "$" not in prose.inner_text()
        assert page.locator(".vl-next").first.get_attribute("href") == "02_two.html"
        assert page.locator(".vl-prev").count() == 0
        assert page.locator(".vaelessons-latent-explorer, .vaelessons-interpolation, .vaelessons-class-explorer, "
                            ".vaelessons-kl-playground").count() == 4
        # the interact: its saved figure and the line that says it needs a live notebook, no dead slider
        note = page.locator(".vl-needs-kernel")
        assert note.count() == 1
        note.scroll_into_view_if_needed()  # as a reader does: a cell off screen is not rendered (content-visibility)
        page.wait_for_function("e => e.innerText.includes('run the notebook')", arg=note.element_handle(), timeout=10_000)
        cell = page.locator(".jp-CodeCell").last
        assert cell.locator("img").count() == 1 and cell.locator(".widget-slider, input[type=range]").count() == 0
        # cells off screen are skipped but keep their size: the page is as tall as with every cell drawn
        page.evaluate("window.scrollTo(0, 0)")
        skipping = page.evaluate(HEIGHT)
        assert page.evaluate(SKIPPED) > 0  # the page is taller than the window: the cells at its end are skipped
        page.add_style_tag(content="main > .jp-Cell { content-visibility: visible !important; }")
        assert page.evaluate(HEIGHT) == skipping
    finally:
        page.close()
    page, _ = open_offline(browser, url_of(site, how, "02_two.html"))
    try:
        page.wait_for_function("() => document.documentElement.dataset.math === 'typeset'", timeout=90_000)
        assert page.locator(".vl-prev").first.get_attribute("href") == "01_one.html"
    finally:
        page.close()


def check_widgets_move(page, models):
    """Move each widget's controls with keys and check what it paints: the torch decode of the new code, the KL's closed form."""
    vae, cvae = models["vae"], models["cvae"]
    explorer = page.locator(".vaelessons-latent-explorer").first
    before = explorer.evaluate(READ)
    press(page, explorer.locator("input[type=range]").nth(0), "ArrowRight", 6)
    press(page, explorer.locator("input[type=range]").nth(1), "ArrowLeft", 3)
    wait_shows(page, explorer, [before["z"][0] + 6 * 0.05, before["z"][1] - 3 * 0.05])
    state = explorer.evaluate(READ)
    assert state["frame"] > before["frame"]
    assert_painted(vae, state["z"], state["images"][0])

    walk = page.locator(".vaelessons-interpolation").first
    test = __import__("vaelessons").load_data("mnist-mini", "test")
    import torch

    with torch.no_grad():
        means = vae.encode(test.x[:2])[0].numpy()
    press(page, walk.locator("input[type=range]"), "ArrowRight", 20)
    wait_shows(page, walk, 0.3 * means[0] + 0.7 * means[1])
    state = walk.evaluate(READ)
    assert_painted(vae, state["z"], state["images"][0])

    classes = page.locator(".vaelessons-class-explorer").first
    classes.locator("button.vl-class", has_text="7").click()
    press(page, classes.locator("input[type=range]").nth(0), "ArrowRight", 8)
    mu7 = cvae.class_means.weight[7].detach().numpy()
    wait_shows(page, classes, mu7 + np.array([8 * 0.05, 0.0]))
    state = classes.evaluate(READ)
    assert_painted(cvae, state["z"], state["images"][0])

    kl = page.locator(".vaelessons-kl-playground").first
    press(page, kl.locator("input[type=range]").nth(0), "ArrowLeft", 25)
    press(page, kl.locator("input[type=range]").nth(1), "ArrowRight", 30)
    m, s = 1.0 - 25 * 0.01, 0.5 + 30 * 0.01
    closed = 0.5 * (m**2 + s**2 - np.log(s**2) - 1)
    shows = "([root, v]) => root.querySelector('.vl-kl').textContent === v"
    page.wait_for_function(shows, arg=[kl.element_handle(), f"{closed:.3f}"])
    assert float(kl.locator(".vl-t1").inner_text()) == round(-0.5 * np.log(s**2), 3)
    assert float(kl.locator(".vl-t2").inner_text()) == round(0.5 * (m**2 + s**2), 3)


@pytest.mark.parametrize("how", ["http", "file"])
def test_widgets_move_with_no_kernel(site, browser, how):
    page, remote = open_offline(browser, url_of(site, how, "01_one.html"))
    try:
        page.wait_for_function(READY, timeout=90_000)
        check_widgets_move(page, site.models)
        assert remote == [] and browser.errors == []
    finally:
        page.close()


def test_slides_step_section_by_section_with_live_widgets(site, browser):
    page, remote = open_offline(browser, url_of(site, "file", "01_one.slides.html"))
    try:
        page.wait_for_function(READY + " && document.documentElement.dataset.deck === 'ready'", timeout=90_000)
        sections = page.locator(".reveal .slides > section")
        assert sections.count() == 4  # one per markdown heading
        titles = []
        for k in range(4):
            assert page.evaluate("Reveal.getIndices().h") == k
            current = page.locator(".reveal .slides > section.present")
            titles.append(current.locator("h1, h2").first.text_content().strip("¶ "))
            if k == 1:
                assert current.locator(".vaelessons-latent-explorer").count() == 1
            page.keyboard.press("ArrowRight")
        assert titles == ["Site lesson one", "The latent plane", "Classes and the KL", "A control that needs Python"]
        page.evaluate("Reveal.slide(1)")
        explorer = page.locator(".reveal .slides > section.present .vaelessons-latent-explorer")
        before = explorer.evaluate(READ)
        press(page, explorer.locator("input[type=range]").nth(0), "ArrowRight", 4)
        wait_shows(page, explorer, [before["z"][0] + 4 * 0.05, before["z"][1]])
        state = explorer.evaluate(READ)
        assert_painted(site.models["vae"], state["z"], state["images"][0])
        assert remote == [] and browser.errors == []
    finally:
        page.close()
