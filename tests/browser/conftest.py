"""Fixtures for the browser tests: one JupyterLab server and one Chromium per session, a notebook using every widget.

Without Chromium or Playwright these tests skip and say why; in CI (CI=true) that is a failure instead.
"""

import os
import shutil
import tempfile
from pathlib import Path
from types import SimpleNamespace

import pytest
from harness import Browser, JupyterServer, missing_browser, open_and_run, train_models, write_notebook

SETUP = """\
import vaelessons as vl
from vaelessons.widgets import ClassExplorer, Interpolation, KLPlayground, LatentExplorer

vae, cvae = vl.load("vae.pt"), vl.load("cvae.pt")
test = vl.load_data("mnist-mini", "test")"""

# (widget CSS class, the cell that shows it); the tests find the widgets by class, in this order
WIDGET_CELLS = [
    ("vaelessons-latent-explorer", "LatentExplorer(vae, test)"),
    ("vaelessons-kl-playground", "KLPlayground(mu=1.0, sigma=0.5)"),
    ("vaelessons-interpolation", "Interpolation(vae, test, a=0, b=1)"),
    ("vaelessons-class-explorer", "ClassExplorer(cvae, test, digit=3)"),
    ("vaelessons-latent-explorer", "LatentExplorer(vae, test, backend='kernel')"),
]


@pytest.fixture(scope="session")
def workdir():
    folder = Path(tempfile.mkdtemp(prefix="vaelessons-browser-"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def models(workdir):
    """The VAE and CVAE the test notebook loads, trained one epoch on 2000 mnist-mini images (a rough but digit-like decoder)."""
    return train_models(workdir, epochs=1, images=2000)


@pytest.fixture(scope="session")
def browser(workdir):
    reason = missing_browser()
    if reason:
        message = f"browser tests need Chromium and Playwright: {reason}"
        if os.environ.get("CI") == "true":
            pytest.fail(message + " (CI=true: a missing browser is a failure, not a skip)")
        pytest.skip(message)
    b = Browser(workdir)
    yield b
    b.close()


@pytest.fixture(scope="session")
def setup_cell():
    """The notebook cell that loads the models and the test set."""
    return SETUP


@pytest.fixture(scope="session")
def lab(workdir, browser, models):
    """A JupyterLab page that ran the test notebook: SimpleNamespace(page, server, browser, models, test)."""
    import vaelessons as vl

    write_notebook(workdir / "widgets.ipynb", [SETUP] + [cell for _, cell in WIDGET_CELLS])
    server = JupyterServer(workdir, app="lab")
    page = browser.page()
    try:
        open_and_run(page, server, "widgets.ipynb", ".vl-root", len(WIDGET_CELLS))
        yield SimpleNamespace(page=page, server=server, browser=browser, models=models, test=vl.load_data("mnist-mini", "test"))
    finally:
        page.close()
        server.stop()
