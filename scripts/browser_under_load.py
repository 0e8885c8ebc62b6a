"""Run the browser tests several times in a row under the load that once broke them, and report each run.

python scripts/browser_under_load.py [--runs 10] [--logs DIR]

Each run starts with cold imports (every __pycache__ under the venv and the checkout removed, so the test's
JupyterLab, its kernel and pytest all compile their imports again), while beside it run another JupyterLab
whose kernel is busy in a loop and a training job (fit on full MNIST, or mnist-mini if that is all there is).
With --logs, each run's server logs (--debug), browser consoles and harness trace are kept in DIR/run-N, and
each run's line says how many kernels each server started, interrupted in start-up, or answered 500 for.
At the end the venv's bytecode is compiled again.
"""

import argparse
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "browser"))
from harness import LOGS_ENV, JupyterServer  # noqa: E402

BUSY_LOOP = "import time\nwhile True:\n    sum(i * i for i in range(10**6))\n"
TRAINING = """\
import vaelessons as vl
name = vl.default_dataset()
train = vl.load_data(name, "train")
print("training on", name, len(train), flush=True)
while True:
    vl.fit(vl.VAE(), train, epochs=1, progress=False)
"""


def cold_imports() -> int:
    """Remove every __pycache__ folder under the venv (sys.prefix) and the checkout; how many were removed."""
    folders = {p for base in (Path(sys.prefix), ROOT) for p in base.rglob("__pycache__") if ".git" not in p.parts}
    for folder in folders:
        shutil.rmtree(folder, ignore_errors=True)
    return len(folders)


def evidence(folder: Path) -> str:
    """From a run's kept logs: per server, kernels started, kernels interrupted in start-up, 500 answers, dialogs."""
    parts = []
    for log in sorted(folder.glob("server-*.log")):
        text = log.read_text(errors="replace")
        counts = [text.count("Kernel started:"), text.count("KeyboardInterrupt"), text.count(" 500 ")]
        parts.append(f"{log.stem.split('-')[1]}: {counts[0]} kernel(s) started, {counts[1]} interrupted, {counts[2]} HTTP 500")
    trace = folder / "trace.log"
    dialogs = trace.read_text().count("dialog") if trace.exists() else 0
    return "; ".join(parts) + f"; {dialogs} dialog(s)"


def keep_busy(server: JupyterServer):
    """Start a kernel in that JupyterLab (through its REST API) and set it running a CPU loop (with jupyter_client)."""
    from jupyter_client import BlockingKernelClient

    kernel = server.api("POST", "/api/kernels", {"name": "python3"})
    client = BlockingKernelClient(connection_file=str(Path(server.env["JUPYTER_RUNTIME_DIR"]) / f"kernel-{kernel['id']}.json"))
    client.load_connection_file()
    client.start_channels(hb=False)  # no heartbeat: on a loaded machine it calls a slow-starting kernel dead
    asked = client.kernel_info()
    while client.get_shell_msg(timeout=300)["parent_header"].get("msg_id") != asked:
        pass
    client.execute(BUSY_LOOP)
    client.stop_channels()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--logs", type=Path, help="keep each run's server log, browser console and trace here")
    parser.add_argument("pytest_args", nargs="*", default=["tests/browser", "-x", "-q", "-p", "no:cacheprovider"])
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="vaelessons-load-"))
    training = subprocess.Popen([sys.executable, "-c", TRAINING], cwd=folder)
    lab = None
    results = []
    try:
        lab = JupyterServer(folder, app="lab")  # another JupyterLab beside the tests' own
        keep_busy(lab)
        print(f"load: JupyterLab on port {lab.port} with a busy kernel; training job PID {training.pid}", flush=True)
        if sys.flags.dont_write_bytecode:
            print("PYTHONDONTWRITEBYTECODE is set: no run writes bytecode back, so every import stays cold", flush=True)
        for run in range(1, args.runs + 1):
            removed = cold_imports()
            env = dict(os.environ)
            if args.logs:
                env[LOGS_ENV] = str((args.logs / f"run-{run}").resolve())
            start = time.monotonic()
            command = [sys.executable, "-m", "pytest", *args.pytest_args]
            done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
            seconds = time.monotonic() - start
            summary = (done.stdout.strip().splitlines() or ["(no output)"])[-1]
            results.append((done.returncode == 0, seconds))
            print(f"run {run}: {'PASS' if done.returncode == 0 else 'FAIL'} in {seconds:.0f} s "
                  f"({removed} __pycache__ removed; training alive: {training.poll() is None}): {summary}", flush=True)
            if args.logs:
                print(f"    {evidence(args.logs / f'run-{run}')}", flush=True)
            if done.returncode != 0:
                print(done.stdout[-6000:], done.stderr[-3000:], sep="\n", flush=True)
    finally:
        training.kill()
        training.wait()
        if lab is not None:
            lab.stop()
        shutil.rmtree(folder, ignore_errors=True)
        subprocess.run([sys.executable, "-m", "compileall", "-q", sysconfig.get_paths()["purelib"]], capture_output=True)
    passed = sum(ok for ok, _ in results)
    times = sorted(s for _, s in results)
    if times:
        median = times[len(times) // 2]
        print(f"{passed} of {len(results)} passed; durations {times[0]:.0f}-{times[-1]:.0f} s, median {median:.0f} s")
    sys.exit(0 if results and passed == len(results) else 1)


if __name__ == "__main__":
    main()
