"""Prepare a class: fetch full MNIST, then run every lesson once in full mode, so every model it trains is cached.

The lessons run headless, one fresh kernel each, in a temporary folder, their outputs discarded: each
`cached_fit` in them trains its model once and stores it in the cache folder ($VAELESSONS_CACHE, or
~/.cache/vaelessons), where the lessons will find it in class. One progress bar covers the whole run, its steps
weighted by how long each cell took in the committed full run. Run it again to time the lessons as the class will
see them: a lesson that still trains then is named, with its slowest cell.
"""

import asyncio
import contextlib
import math
import os
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
from tqdm.auto import tqdm
from traitlets.config import Config

from . import data, notebooks
from .settings import CACHE_ENV, QUICK_ENV, cache_dir

BUDGET = 30  # seconds: a prepared lesson's Run All should take no longer


def add_arguments(parser):
    """The `prepare` command's arguments."""
    parser.add_argument("--notebooks", type=Path, default=Path("notebooks"), help="the lessons' folder (default: notebooks)")
    parser.add_argument("--timeout", type=float, default=3600, help="the longest one cell may run, in seconds (default: 3600)")


def expected_seconds(cell) -> float:
    """How long a code cell took in the lesson's committed run (its execution timestamps); 1 s if it does not say."""
    times = cell.get("metadata", {}).get("execution", {})
    try:
        start, end = (
            datetime.fromisoformat(times[k].replace("Z", "+00:00")) for k in ("iopub.execute_input", "shell.execute_reply")
        )
    except (KeyError, ValueError):
        return 1.0
    return max((end - start).total_seconds(), 0.05)


def models() -> set:
    """The trained models in the cache (file names)."""
    folder = cache_dir() / "models"
    return {p.name for p in folder.glob("*")} if folder.is_dir() else set()


def fetch_mnist() -> str:
    """Fetch (or find) full MNIST in the cache; None if it is there, else what went wrong and how to fix it."""
    try:
        for split in data.SPLITS:
            data.load("mnist", split)
    except data.DownloadError as err:
        folder = cache_dir() / "mnist"
        return (
            f"full MNIST is not in {folder} and could not be downloaded ({str(err).splitlines()[0]}).\n"
            f"Fix one of: connect to the internet; copy the four MNIST .gz files into {folder}; or serve them on your "
            f"network and name that address in {data.MIRRORS_ENV} (space-separated base URLs, e.g. "
            f'{data.MIRRORS_ENV}="http://192.168.1.10:8000/"). Then run `make prepare` again.'
        )
    return None


class Interrupted(Exception):
    """Ctrl-C or a `kill` while a lesson ran: nbclient's own signal handler has shut its kernel down."""


class Run:
    """One lesson's run: its time, the models it trained, its slowest cell, and the error that stopped it, if any."""

    def __init__(self, path: Path):
        self.path, self.seconds, self.trained, self.error = path, 0.0, 0, None
        self.slowest = (0.0, None)  # (seconds, code cell number)


def run_lesson(path: Path, bar, timeout: float) -> Run:
    """Execute one lesson top to bottom in full mode in a fresh kernel and a temporary folder, advancing bar by cell."""
    nb = notebooks.read(path)
    code = [i for i, cell in enumerate(nb.cells) if cell.cell_type == "code"]
    weights = {i: expected_seconds(nb.cells[i]) for i in code}
    result, before, started, done = Run(path), models(), {}, set()

    def start(cell, cell_index):
        if cell_index in weights:
            started[cell_index] = time.perf_counter()
            bar.set_description(f"{path.stem[:28]}, cell {code.index(cell_index) + 1}/{len(code)}")

    def executed(cell, cell_index, execute_reply):
        seconds = time.perf_counter() - started[cell_index]
        result.slowest = max(result.slowest, (seconds, code.index(cell_index) + 1))
        done.add(cell_index)
        bar.update(weights[cell_index])

    with tempfile.TemporaryDirectory(prefix="vaelessons-prepare-") as folder:
        client = NotebookClient(  # the kernel's sockets are files in the temporary folder (ipc), not TCP ports
            nb,
            config=Config({"KernelManager": {"transport": "ipc", "ip": str(Path(folder) / "kernel")}}),
            timeout=timeout,
            kernel_name="python3",
            resources={"metadata": {"path": folder}},
            on_cell_start=start,
            on_cell_executed=executed,
        )
        clock = time.perf_counter()
        try:
            client.execute()
        except CellExecutionError as err:
            result.error = f"{err.ename}: {err.evalue}"
        except BaseException as err:
            # nbclient handles SIGINT and SIGTERM itself: it shuts the kernel down (this attribute is its mark), and the
            # cell then fails as a dead kernel, or its cleanup with an AssertionError; either way the job stops here
            if getattr(client, "_async_cleanup_kernel_future", None) is not None:
                raise Interrupted(path.name) from err
            if not isinstance(err, (CellTimeoutError, DeadKernelError)):
                raise
            result.error = f"{type(err).__name__}: {err}"
        result.seconds = time.perf_counter() - clock
    bar.update(sum(w for i, w in weights.items() if i not in done))  # the cells an error skipped
    if result.error:
        stopped = [i for i in code if i in done]
        result.error = f"stopped at code cell {code.index(stopped[-1]) + 1 if stopped else 1}: {result.error}"
    result.trained = len(models() - before)
    return result


HEADER = f"{'lesson':<34} {'time':>7} {'models trained':>15}   slowest cell"


def row(r: Run) -> str:
    """One lesson's line of the table: its name, time, models trained and slowest code cell."""
    cell = f"cell {r.slowest[1]} ({r.slowest[0]:.0f} s)" if r.slowest[1] else ""
    return f"{r.path.stem:<34} {r.seconds:>5.0f} s {r.trained:>15}   {cell}"


def report(runs: list, seconds: float) -> tuple:
    """(lines of the per-lesson table, the closing line, exit status)."""
    lines = [HEADER, *map(row, runs)]
    failed = [r for r in runs if r.error]
    slow = [r for r in runs if not r.error and r.trained == 0 and r.seconds > BUDGET]
    n_models = len(models())
    where = f"{cache_dir()} ({n_models} trained models, full MNIST)"
    if failed:
        problems = "\n".join(f"  {r.path.name} {r.error}" for r in failed)
        closing = (
            f"NOT READY: {len(failed)} lesson(s) failed to run, so their models may be missing:\n{problems}\n"
            "Open the lesson in JupyterLab (make lessons), run it to see the error, fix it, then run `make prepare` again."
        )
        return lines, closing, 1
    closing = (
        f"The class is ready: every lesson ran in full mode and its models are cached in {where}. Took {seconds / 60:.1f} min."
    )
    for r in slow:
        closing += (
            f"\nNote: {r.path.name} trained nothing new yet took {r.seconds:.0f} s (over {BUDGET} s): its slowest cell, "
            f"code cell {r.slowest[1]}, took {r.slowest[0]:.0f} s; does it train a model without cached_fit?"
        )
    return lines, closing, 0


def run(args) -> int:
    """Fetch MNIST, run every lesson in full mode with one progress bar, and say whether the class is ready."""
    try:
        lessons = notebooks.find(args.notebooks)
    except notebooks.LessonError as err:
        print(f"vaelessons prepare: {err}", file=sys.stderr)
        return 2
    os.environ[QUICK_ENV] = "0"  # the kernels inherit it: full mode, whatever the shell says
    print(f"Preparing the class in {cache_dir()} (set {CACHE_ENV} to use another folder).", flush=True)
    print("Step 1 of 2: full MNIST (11 MB, downloaded once) ...", flush=True)
    problem = fetch_mnist()
    if problem:
        print(f"NOT READY: {problem}", file=sys.stderr)
        return 1
    cells = [c for p in lessons for c in notebooks.read(p).cells if c.cell_type == "code"]
    total = sum(expected_seconds(c) for c in cells)
    print(
        f"Step 2 of 2: run the {len(lessons)} lessons once in full mode ({len(cells)} cells; the bar counts seconds of "
        "the committed run, so its estimate of the time left is rough) ...",
        flush=True,
    )
    clock, runs = time.perf_counter(), []
    try:
        layout = "{desc:<40} {percentage:3.0f}%|{bar}| {elapsed} < {remaining}"
        with tqdm(total=math.ceil(total), unit="s", bar_format=layout) as bar:
            for path in lessons:
                runs.append(run_lesson(path, bar, args.timeout))
                bar.write(f"  done: {row(runs[-1])}", file=sys.stderr)  # above the bar, so an interrupted run keeps them
    except Interrupted as stopped:
        with contextlib.suppress(RuntimeError):  # nbclient's kernel poller, cut off with the kernel, need not report it
            asyncio.get_event_loop().set_exception_handler(lambda loop, context: None)
        print(
            f"\nINTERRUPTED during {stopped}, after {len(runs)} of {len(lessons)} lessons; its kernel was shut down. Every model "
            f"trained so far is kept in {cache_dir()} (a training cut short saves nothing): run `make prepare` again to "
            "finish, it trains only what is missing.",
            file=sys.stderr,
        )
        return 130
    lines, closing, status = report(runs, time.perf_counter() - clock)
    print("\n".join(lines))
    print(closing, file=sys.stderr if status else sys.stdout)
    return status
