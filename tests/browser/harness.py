"""A real JupyterLab (or Notebook 7) server and Debian's Chromium driven by Playwright, for the browser tests and benchmarks.

Everything lives in one temporary folder (notebooks, models, Jupyter's config/data/runtime dirs, HOME),
the server listens on 127.0.0.1 with a random token; it and its kernels are stopped at the end.
"""

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import nbformat

CHROMIUM_ENV = "VAELESSONS_CHROMIUM"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-dev-shm-usage", "--no-first-run", "--disable-gpu", "--hide-scrollbars"]
VIEWPORT = {"width": 1400, "height": 1000}


def chromium_path():
    """The Chromium executable: $VAELESSONS_CHROMIUM if set, else `chromium` on PATH or /usr/bin/chromium; None if absent."""
    candidates = [os.environ[CHROMIUM_ENV]] if os.environ.get(CHROMIUM_ENV) else [shutil.which("chromium"), "/usr/bin/chromium"]
    return next((c for c in candidates if c and Path(c).is_file()), None)


def missing_browser() -> str:
    """Why the browser tests cannot run here, or "" if they can."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Python playwright is not installed (pip install -e '.[test]')"
    if chromium_path() is None:
        return f"no Chromium found (install Debian's chromium, or set {CHROMIUM_ENV} to its path)"
    return ""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class JupyterServer:
    """`jupyter lab` (app="lab") or `jupyter notebook` (app="notebook") serving `root`, isolated in a temp folder."""

    def __init__(self, root: Path, app: str = "lab", env: dict = None):
        self.root, self.app = Path(root), app
        self.token, self.port = secrets.token_hex(16), free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        home = self.root / f".home-{app}"
        dirs = {"JUPYTER_CONFIG_DIR": "config", "JUPYTER_DATA_DIR": "data", "JUPYTER_RUNTIME_DIR": "runtime"}
        dirs.update(IPYTHONDIR="ipython", MPLCONFIGDIR="mpl", XDG_CONFIG_HOME=".config")
        self.env = {**os.environ, **(env or {}), "HOME": str(home)}
        self.env.update({name: str(home / sub) for name, sub in dirs.items()})
        for sub in dirs.values():
            (home / sub).mkdir(parents=True, exist_ok=True)
        # the debugger extension logs errors when a kernel is replaced (after a "Select Kernel" dialog): not needed here
        page_config = home / "config/labconfig/page_config.json"
        page_config.parent.mkdir(parents=True, exist_ok=True)
        page_config.write_text('{"disabledExtensions": {"@jupyterlab/debugger-extension": true}}')
        if app == "lab":  # no news pop-up over the widgets
            no_news = home / "config/lab/user-settings/@jupyterlab/apputils-extension/notification.jupyterlab-settings"
            no_news.parent.mkdir(parents=True, exist_ok=True)
            no_news.write_text('{"fetchNews": "false", "checkForUpdates": false}')
        app_class = "LabApp" if app == "lab" else "JupyterNotebookApp"
        cmd = [sys.executable, "-m", "jupyter", app, "--no-browser", "--allow-root", "--ip=127.0.0.1", f"--port={self.port}"]
        cmd += [f"--IdentityProvider.token={self.token}", f"--ServerApp.root_dir={self.root}", "--ServerApp.port_retries=0"]
        cmd += [f"--{app_class}.news_url=None", f"--{app_class}.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
        self.log = open(home / "server.log", "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(cmd, env=self.env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        self._wait_ready()

    def _wait_ready(self, timeout: float = 60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"jupyter {self.app} exited with code {self.process.returncode}:\n{self.log_text()}")
            try:
                self.api("GET", "/api/status")
                return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"jupyter {self.app} did not answer within {timeout} s:\n{self.log_text()}")

    def api(self, method: str, path: str):
        request = urllib.request.Request(f"{self.base}{path}?token={self.token}", method=method)
        with urllib.request.urlopen(request, timeout=30) as response:
            answer = response.read()
        return json.loads(answer) if answer else None

    def url(self, notebook: str) -> str:
        prefix = "/lab/tree" if self.app == "lab" else "/notebooks"
        return f"{self.base}{prefix}/{notebook}?token={self.token}"

    def delete_sessions(self):
        """Shut down every kernel the server runs (a kernel outlives the page that started it)."""
        for session in self.api("GET", "/api/sessions"):
            self.api("DELETE", f"/api/sessions/{session['id']}")

    def log_text(self, limit: int = 3000) -> str:
        self.log.flush()
        return Path(self.log.name).read_text(errors="replace")[-limit if limit else 0 :]

    def stop(self):
        """Stop the server and its kernels, waiting until they are gone.

        Kernels run in their own sessions, so besides the REST shutdown and the server's own, any kernel
        still alive is found by its connection file in this server's runtime folder and killed by PID.
        """
        if self.process.poll() is None:
            try:
                self.delete_sessions()
            except OSError:
                pass
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        for pid in self.kernel_pids():
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.log.close()

    def kernel_pids(self) -> list:
        """PIDs of live processes started with a connection file from this server's runtime folder."""
        runtime, pids = self.env["JUPYTER_RUNTIME_DIR"], []
        for proc in Path("/proc").glob("[0-9]*"):
            try:
                if runtime in (proc / "cmdline").read_bytes().decode(errors="replace"):
                    pids.append(int(proc.name))
            except OSError:
                continue
        return pids


class Browser:
    """Chromium under Playwright, with a throwaway profile; collects console errors and page errors."""

    def __init__(self, folder: Path):
        from playwright.sync_api import sync_playwright

        self._playwright = sync_playwright().start()
        home = str(Path(folder) / ".chromium-home")  # crash reports and caches stay out of the user's home
        env = {**os.environ, "HOME": home, "XDG_CONFIG_HOME": home}
        self.browser = self._playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS, env=env)
        self.errors = []

    def page(self):
        page = self.browser.new_page(viewport=VIEWPORT)
        page.on("console", lambda m: m.type == "error" and self.errors.append(f"console: {m.text} ({m.location.get('url')})"))
        page.on("pageerror", lambda e: self.errors.append(f"page error: {e}"))
        return page

    def close(self):
        self.browser.close()
        self._playwright.stop()


def write_notebook(path: Path, cells: list):
    """A notebook of code cells (python3 kernel) at path."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(source) for source in cells]
    nbformat.write(nb, path)


def dismiss_dialogs(page):
    """Answer a JupyterLab dialog over the menus, saying on stderr what it was.

    "Select Kernel" gets the preferred Python 3 kernel, as a person would answer it: on a loaded machine
    JupyterLab sometimes asks although the notebook names its kernel (about one run in five here).
    Any other dialog is closed.
    """
    for dialog in page.locator(".jp-Dialog").all():
        text = dialog.inner_text()
        print(f"answering a JupyterLab dialog: {text!r}", file=sys.stderr)
        if "Select Kernel" in text:
            dialog.locator("button.jp-mod-accept").click()
        else:
            page.keyboard.press("Escape")


READY = """([sel, n]) => document.querySelectorAll(sel).length >= n
  && [...document.querySelectorAll(sel)].every(e => e.dataset.frame)"""
# the kernel idle and no cell running or waiting ([*]): a Run All has finished, or was lost
STILL = """() => !!document.querySelector(".jp-Notebook-ExecutionIndicator[data-status='idle']")
  && ![...document.querySelectorAll('.jp-InputArea-prompt')].some(p => p.textContent.includes('*'))"""


def run_all(page) -> bool:
    """Run > Run All Cells; False if something (a dialog appearing meanwhile) kept the clicks from landing."""
    try:
        page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click(timeout=5000)
        page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click(timeout=5000)
        return True
    except Exception:  # noqa: BLE001 - playwright's TimeoutError
        page.keyboard.press("Escape")
        return False


def open_and_run(page, server: JupyterServer, notebook: str, widget_selector: str, count: int, timeout: float = 150):
    """Open a notebook, Run All Cells, and wait until `count` widgets matching the selector have painted.

    If the run ends without them (on a loaded machine a kernel sometimes restarts during the first cell,
    which drops the queued cells), Run All is given again, up to three times in all.
    """
    page.goto(server.url(notebook))
    deadline = time.monotonic() + timeout
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=timeout * 1000)
    runs, quiet_since = 0, None
    while time.monotonic() < deadline:
        dismiss_dialogs(page)
        if page.evaluate(READY, [widget_selector, count]):
            return
        quiet = page.evaluate(STILL)
        quiet_since = (quiet_since or time.monotonic()) if quiet else None
        if (runs == 0 or (runs < 3 and quiet_since and time.monotonic() - quiet_since > 5)) and run_all(page):
            runs, quiet_since = runs + 1, None
        time.sleep(0.5)
    shot = Path(tempfile.gettempdir()) / "vaelessons-browser-failure.png"
    page.screenshot(path=str(shot), full_page=True)
    log = shot.with_suffix(".log")
    log.write_text(server.log_text(limit=None))
    outputs = page.locator(".jp-OutputArea-output").all_inner_texts()
    raise AssertionError(
        f"after {runs} Run All, fewer than {count} painted widgets match {widget_selector!r} within {timeout} s "
        f"(screenshot {shot}, server log {log}); the cell outputs read: {outputs}"
    )


def train_models(folder: Path, epochs: int = 1, images: int = 6000, names=("vae", "cvae")):
    """A VAE and a CVAE (z_dim 2) trained briefly on `images` of mnist-mini, saved as folder/vae.pt and folder/cvae.pt."""
    import torch

    import vaelessons as vl

    train = vl.load_data("mnist-mini", "train").take(images)
    torch.manual_seed(0)
    models = {name: {"vae": vl.VAE, "cvae": vl.CVAE}[name]() for name in names}
    for name, model in models.items():
        vl.fit(model, train, epochs=epochs, progress=False)
        vl.save(model.eval(), folder / f"{name}.pt")
    return models
