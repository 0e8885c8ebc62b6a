"""A real JupyterLab (or Notebook 7) server and Debian's Chromium driven by Playwright, for the browser tests and benchmarks.

Everything lives in one temporary folder (notebooks, models, Jupyter's config/data/runtime dirs, HOME),
the server listens on 127.0.0.1 with a random token; it and its kernels are stopped at the end.
"""

import datetime
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
LOGS_ENV = "VAELESSONS_BROWSER_LOGS"  # a folder: keep each server's --debug log, each page's console and the harness's steps
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
        # window.jupyterapp, as JupyterLab's own Galata tests have it: the harness reads the notebook's kernel from it
        page_config = home / "config/labconfig/page_config.json"
        page_config.parent.mkdir(parents=True, exist_ok=True)
        page_config.write_text('{"exposeAppInBrowser": true}')
        if app == "lab":  # no news pop-up over the widgets
            no_news = home / "config/lab/user-settings/@jupyterlab/apputils-extension/notification.jupyterlab-settings"
            no_news.parent.mkdir(parents=True, exist_ok=True)
            no_news.write_text('{"fetchNews": "false", "checkForUpdates": false}')
        app_class = "LabApp" if app == "lab" else "JupyterNotebookApp"
        cmd = [sys.executable, "-m", "jupyter", app, "--no-browser", "--allow-root", "--ip=127.0.0.1", f"--port={self.port}"]
        cmd += [f"--IdentityProvider.token={self.token}", f"--ServerApp.root_dir={self.root}", "--ServerApp.port_retries=0"]
        cmd += [f"--{app_class}.news_url=None", f"--{app_class}.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
        if logs_folder():
            cmd += ["--debug"]
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

    def api(self, method: str, path: str, body: dict = None):
        """Call the server's REST API; the JSON answer (None if empty)."""
        data = None if body is None else json.dumps(body).encode()
        headers = {} if body is None else {"Content-Type": "application/json"}
        request = urllib.request.Request(f"{self.base}{path}?token={self.token}", data=data, headers=headers, method=method)
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
        if logs_folder():
            shutil.copy(self.log.name, logs_folder() / f"server-{self.app}-{self.port}.log")

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
        if logs_folder():
            record_page(page, logs_folder() / f"console-{time.strftime('%H%M%S')}-{id(page)}.log")
        return page

    def close(self):
        self.browser.close()
        self._playwright.stop()


def logs_folder():
    """The folder named by $VAELESSONS_BROWSER_LOGS (created), or None when it is not set."""
    folder = os.environ.get(LOGS_ENV)
    if not folder:
        return None
    Path(folder).mkdir(parents=True, exist_ok=True)
    return Path(folder)


def _now() -> str:
    return datetime.datetime.now().strftime("%H:%M:%S.%f")[:-3]


def trace(message: str):
    """A timestamped line in the logs folder's trace.log (nothing when $VAELESSONS_BROWSER_LOGS is not set)."""
    if logs_folder():
        with open(logs_folder() / "trace.log", "a") as f:
            f.write(f"{_now()} {message}\n")


def record_page(page, path: Path):
    """Log the page's console, errors, websockets, REST calls that change state, and failed answers, timestamped."""
    out = open(path, "a", buffering=1)  # noqa: SIM115 - open as long as the page

    def write(line):
        out.write(f"{_now()} {line}\n")

    def changes(request):  # session and kernel starts, renames and shutdowns
        if "/api/" in request.url and request.method not in ("GET", "PUT"):
            write(f"{request.method} {request.url} {request.post_data}")

    page.on("console", lambda m: write(f"{m.type}: {m.text}"))
    page.on("pageerror", lambda e: write(f"page error: {e}"))
    page.on("websocket", lambda ws: write(f"websocket {ws.url}") or ws.on("close", lambda w: write(f"websocket closed {w.url}")))
    page.on("request", changes)
    page.on("response", lambda r: r.status >= 400 and write(f"HTTP {r.status} {r.request.method} {r.url}"))
    page.on("close", lambda _: out.close())


def write_notebook(path: Path, cells: list):
    """A notebook of code cells (python3 kernel) at path."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(source) for source in cells]
    nbformat.write(nb, path)


# What the page shows, read from JupyterLab's own objects (window.jupyterapp, exposed by expose_app_in_browser as
# JupyterLab's Galata tests do): the notebook's kernel as its session context holds it, dialogs, painted widgets.
STATE = """([path, sel]) => {
  const app = window.jupyterapp;
  const panel = app && [...app.shell.widgets('main')].find(w => w.context && w.context.path === path);
  const context = panel && panel.sessionContext;
  const kernel = context && context.session && context.session.kernel;
  const widgets = [...document.querySelectorAll(sel)];
  return {
    kernel: kernel ? {id: kernel.id, connection: kernel.connectionStatus, status: kernel.status} : null,
    display: context ? context.kernelDisplayStatus : 'no notebook panel yet',
    dialogs: [...document.querySelectorAll('.jp-Dialog')].map(d => d.innerText),
    painted: widgets.filter(e => e.dataset.frame).length,
  };
}"""


def run_all(page):
    """Run > Run All Cells, clicked in the menu bar as a person does."""
    page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
    page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()


def open_and_run(page, server: JupyterServer, notebook: str, widget_selector: str, count: int, timeout: float = 150):
    """Open a notebook, wait until its kernel is connected and idle, Run All Cells once, and wait until `count`
    widgets matching the selector have painted.

    Run All must wait for the kernel: until the notebook's session has one, JupyterLab's Run All finds "No
    Kernel", starts a second kernel beside the one being started (the loser is shut down mid start-up, and its
    websocket answers 500), drops the cells, and may ask "Select Kernel". The toolbar's execution indicator reads
    "idle" from the moment the page loads, before any kernel exists, so it cannot tell; the session context can.
    Any dialog, a kernel replaced during the run, or a second kernel started for the notebook is a failure.
    """
    log_start = len(server.log_text(limit=None))
    page.goto(server.url(notebook))
    deadline, args = time.monotonic() + timeout, [notebook, widget_selector]

    def wait(done, what: str) -> dict:
        while True:
            state = page.evaluate(STATE, args)
            if state["dialogs"]:
                _fail(page, server, f"JupyterLab showed a dialog while {what}: {state['dialogs']}", state)
            if done(state):
                return state
            if time.monotonic() > deadline:
                _fail(page, server, f"no {what} within {timeout} s", state)
            time.sleep(0.1)

    kernel = wait(lambda s: s["kernel"] and s["kernel"]["connection"] == "connected" and s["kernel"]["status"] == "idle",
                  "the notebook's kernel connected and idle")["kernel"]
    trace(f"kernel {kernel['id']} connected and idle")
    run_all(page)
    trace("run all")

    def painted(state):
        if state["kernel"] is None or state["kernel"]["id"] != kernel["id"]:
            _fail(page, server, f"the notebook's kernel changed during Run All, from {kernel['id']} to {state['kernel']}", state)
        return state["painted"] >= count

    wait(painted, f"{count} painted widgets matching {widget_selector!r} after Run All")
    trace("widgets painted")
    started = server.log_text(limit=None)[log_start:].count("Kernel started:")
    if started != 1:
        _fail(page, server, f"opening {notebook} and running it started {started} kernels, not one", page.evaluate(STATE, args))


def _fail(page, server: JupyterServer, what: str, state: dict):
    """Raise an AssertionError saying what went wrong and what the page showed, with a screenshot and the server log."""
    trace(f"failure: {what}")
    shot = Path(tempfile.gettempdir()) / "vaelessons-browser-failure.png"
    page.screenshot(path=str(shot), full_page=True)
    log = shot.with_suffix(".log")
    log.write_text(server.log_text(limit=None))
    outputs = page.locator(".jp-OutputArea-output").all_inner_texts()
    raise AssertionError(
        f"{what}. The page showed: kernel {state['kernel']} ({state['display']}), {state['painted']} painted widgets; "
        f"the cell outputs read: {outputs} (screenshot {shot}, server log {log})"
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
