"""Grade students' notebooks: run each in its own kernel, with a time limit and no network; write a CSV of the verdicts.

SUBMISSIONS_DIR holds one folder per student with their lesson notebooks in it (alice/03_one_posterior_per_sample.ipynb),
or notebooks directly (then each file is one student's). A notebook's lesson is the one its metadata names (working
copies and editions carry it) or whose name its file name contains. Its solution cells are dropped, then it runs
top to bottom in quick mode in a fresh kernel, in a temporary folder with its own cache, and every check it calls
reports its verdict to the grader. The CSV has one row per notebook: a column per exercise ("03.ex1": correct, not
yet or missing) and, for a notebook that did not run cleanly, what went wrong (timeout, kernel death, a cell's
error, a check that was removed).

This runs your students' code, as you. The network is cut (see --isolation) and time is limited, but the code can
read and write your files and use your memory: grade on an account or machine with nothing to lose.
"""

import csv
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from traitlets import Unicode
from traitlets.config import Config

from . import notebooks
from .checks import VERDICTS_ENV
from .settings import CACHE_ENV, QUICK_ENV

NAMESPACE = ["unshare", "--user", "--map-root-user", "--net", "--"]  # a new network namespace: no interface but lo, down
ISOLATION = {
    "namespace": "none: each kernel runs in a Linux network namespace of its own (no network interface at all)",
    "python": "refused inside Python only (an audit hook on socket calls); code run outside Python is not stopped",
}
# Run first in a kernel graded with --isolation python: from then on the kernel's Python refuses every internet
# socket and name lookup (an audit hook cannot be removed). Plain source, so the kernel need not import vaelessons.
REFUSE_NETWORK = """
import socket as _s, sys as _sys
def _no_network(event, args, inet=(_s.AF_INET, _s.AF_INET6)):
    if (event in {'socket.connect', 'socket.bind', 'socket.sendto', 'socket.sendmsg'} and args[0].family in inet) or (
        event in {'socket.getaddrinfo', 'socket.gethostbyname', 'socket.gethostbyaddr'}
    ):
        raise PermissionError(f'no network while grading ({event} refused)')
_sys.addaudithook(_no_network)
del _s, _sys, _no_network
"""


def add_arguments(parser):
    """The `grade` command's arguments."""
    parser.add_argument("submissions", type=Path, metavar="SUBMISSIONS_DIR", help="the folder of submitted notebooks")
    parser.add_argument("--out", type=Path, default=Path("grades.csv"), help="the CSV to write (default: grades.csv)")
    parser.add_argument("--timeout", type=float, default=300, help="seconds each notebook may run (default: 300)")
    parser.add_argument("--notebooks", type=Path, default=Path("notebooks"), help="the lessons' folder (default: notebooks)")
    parser.add_argument(
        "--isolation",
        choices=("auto", *ISOLATION),
        default="auto",
        help="how the network is cut: 'namespace' (Linux, enforced by the kernel), 'python' (an audit hook, "
        "not enforced); 'auto' (default) takes the namespace where it works",
    )


class NoNetworkKernelManager(AsyncKernelManager):
    """A kernel with no network: started in its own network namespace, or with REFUSE_NETWORK run first."""

    isolation = Unicode("namespace").tag(config=True)

    def format_kernel_cmd(self, extra_arguments=None):
        """The kernel's command line, wrapped in unshare, or with the audit hook installed at start-up."""
        cmd = super().format_kernel_cmd(extra_arguments)
        if self.isolation == "namespace":
            return [*NAMESPACE, *cmd]
        return [*cmd, f"--IPKernelApp.exec_lines=exec({REFUSE_NETWORK!r})"]


def namespace_works() -> bool:
    """True if this user can start a process in a network namespace of its own (Linux, unprivileged user namespaces)."""
    if not sys.platform.startswith("linux") or shutil.which("unshare") is None:
        return False
    return subprocess.run([*NAMESPACE, "true"], capture_output=True).returncode == 0


def submissions(folder: Path) -> list:
    """[(student, notebook path)]: a subfolder is a student; a notebook directly in folder is one student's."""
    found = []
    for path in sorted(Path(folder).rglob("*.ipynb")):
        rel = path.relative_to(folder)
        if ".ipynb_checkpoints" not in rel.parts:
            found.append((rel.parts[0] if len(rel.parts) > 1 else path.stem, path))
    return found


def which_lesson(nb, path: Path, originals: dict):
    """The number of the lesson a notebook is a copy of: its metadata's, else the one its file name contains; or None."""
    stated = str(notebooks.lesson_meta(nb).get("lesson", ""))
    if stated in originals:
        return stated
    named = [n for n, original in originals.items() if original.stem in path.stem]
    if named:
        return named[0]
    match = re.match(r"(\d\d)_", path.name)
    return match.group(1) if match and match.group(1) in originals else None


class OutOfTime(Exception):
    """The notebook's time is up before its next cell."""


def execute(nb, folder: Path, timeout: float, isolation: str) -> tuple:
    """Run nb in a fresh kernel in folder, errors allowed; (what stopped it or None, the code cell number it was in).

    The time limit counts from the first cell, once the kernel is up (its start-up has a limit of its own).
    """
    code = [i for i, cell in enumerate(nb.cells) if cell.cell_type == "code"]
    current, deadline = [0], [math.inf]

    def start(cell, cell_index):
        deadline[0] = min(deadline[0], time.monotonic() + timeout)
        if cell_index in code:
            current[0] = code.index(cell_index) + 1
            if time.monotonic() > deadline[0]:
                raise OutOfTime

    env = {**os.environ, QUICK_ENV: "1", CACHE_ENV: str(folder / "cache"), VERDICTS_ENV: str(folder / "verdicts.jsonl")}
    config = Config({"NoNetworkKernelManager": {"transport": "ipc", "ip": str(folder / "kernel"), "isolation": isolation}})
    client = NotebookClient(
        nb,
        kernel_name="python3",
        kernel_manager_class=NoNetworkKernelManager,
        config=config,
        timeout_func=lambda cell: max(1, int(deadline[0] - time.monotonic()) + 1),
        startup_timeout=60,
        allow_errors=True,
        shutdown_kernel="immediate",
        resources={"metadata": {"path": str(folder / "work")}},
        on_cell_start=start,
    )
    (folder / "work").mkdir()
    try:
        client.execute(env=env)
    except (CellTimeoutError, OutOfTime):
        return f"timeout: stopped after {timeout:g} s", current[0]
    except DeadKernelError:
        return "kernel died", current[0]
    except Exception as err:  # noqa: BLE001 - whatever stopped the run is reported in its row
        return f"did not run: {type(err).__name__}: {str(err).strip().splitlines()[0] if str(err).strip() else ''}", current[0]
    return None, current[0]


def cell_errors(nb) -> list:
    """'code cell 3 raised NameError: ...' for every code cell whose output is an error."""
    code = [c for c in nb.cells if c.cell_type == "code"]
    return [
        f"code cell {k} raised {out.get('ename')}: {out.get('evalue', '')[:120]}"
        for k, cell in enumerate(code, start=1)
        for out in cell.get("outputs", [])
        if out.get("output_type") == "error"
    ]


def grade_one(path: Path, lesson, originals: dict, timeout: float, isolation: str) -> dict:
    """One notebook's row: status, one verdict per exercise of its lesson, and what went wrong."""
    row = {"lesson": lesson or "", "status": "ok", "problems": [], "verdicts": {}}
    try:
        nb = notebooks.read(path)
    except Exception as err:  # noqa: BLE001 - a broken file is a row, not a crash
        return {**row, "status": "unreadable", "problems": [f"not a notebook: {type(err).__name__}: {err}"]}
    lesson = lesson or which_lesson(nb, path, originals)
    if lesson is None:
        names = ", ".join(p.name for p in originals.values())
        return {**row, "status": "unknown lesson", "problems": [f"cannot tell which lesson this is: name it like one of {names}"]}
    row["lesson"] = lesson
    ids = notebooks.exercise_ids(lesson, notebooks.read(originals[lesson]))
    nb.cells = [cell for cell in nb.cells if not notebooks.is_solution(cell)]
    present = {n for cell in nb.cells if cell.cell_type == "code" for n in notebooks.called_checks(cell.source)}
    with tempfile.TemporaryDirectory(prefix="vaelessons-grade-") as tmp:
        folder = Path(tmp)
        stopped, cell = execute(nb, folder, timeout, isolation)
        verdicts = folder / "verdicts.jsonl"
        lines = verdicts.read_text(encoding="utf-8").splitlines() if verdicts.exists() else []
    for line in lines:
        with_name = json.loads(line)
        name = with_name["check"].rsplit(".", 1)[-1]
        if name in ids:
            row["verdicts"][ids[name]] = "correct" if with_name["ok"] else "not yet"
    if stopped:
        row["status"], _, detail = stopped.partition(": ")
        row["problems"].append((detail or stopped) + (f" in code cell {cell}" if cell else " before its first cell"))
    errors = cell_errors(nb)
    if errors and not stopped:
        row["status"] = "cell errors"
    row["problems"] += errors
    for name, exercise in ids.items():
        if exercise not in row["verdicts"]:
            row["verdicts"][exercise] = "missing"
            why = "its check was removed" if name not in present else "its check did not run"
            row["problems"].append(f"{exercise} {why} ({name})")
            if name not in present and row["status"] == "ok":
                row["status"] = "check removed"
    return row


def write_csv(rows: list, out: Path, exercises: list):
    """One row per notebook: student, notebook, lesson, status, correct, one column per exercise, problems."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(["student", "notebook", "lesson", "status", "correct", *exercises, "problems"])
        for r in rows:
            own = [e for e in exercises if e in r["verdicts"]]
            correct = f"{sum(r['verdicts'][e] == 'correct' for e in own)}/{len(own)}" if own else ""
            cells = [r["verdicts"].get(e, "") for e in exercises]
            writer.writerow([r["student"], r["notebook"], r["lesson"], r["status"], correct, *cells, "; ".join(r["problems"])])


def summary(rows: list, exercises: list, names: dict) -> list:
    """The lines printed after grading: per exercise how many are correct, then every notebook that did not run cleanly."""
    lines = [f"{'exercise':<10} {'check':<30} {'correct':>8} {'not yet':>8} {'missing':>8}"]
    for e in exercises:
        got = [r["verdicts"][e] for r in rows if e in r["verdicts"]]
        counts = [got.count(v) for v in ("correct", "not yet", "missing")]
        lines.append(f"{e:<10} {names.get(e, ''):<30} {counts[0]:>8} {counts[1]:>8} {counts[2]:>8}")
    trouble = [r for r in rows if r["status"] != "ok"]
    if trouble:
        lines.append(f"{len(trouble)} notebook(s) did not run cleanly:")
        lines += [f"  {r['student']} ({r['notebook']}): {'; '.join(r['problems'])}" for r in trouble]
    return lines


def run(args) -> int:
    """Grade every submitted notebook, write the CSV and print the summary."""
    try:
        originals = {notebooks.number(p): p for p in notebooks.find(args.notebooks)}
    except notebooks.LessonError as err:
        print(f"vaelessons grade: {err}", file=sys.stderr)
        return 2
    found = submissions(args.submissions)
    if not found:
        print(f"vaelessons grade: no notebooks (*.ipynb) in {args.submissions}", file=sys.stderr)
        return 2
    isolation = args.isolation
    if isolation == "auto":
        isolation = "namespace" if namespace_works() else "python"
    elif isolation == "namespace" and not namespace_works():
        print("vaelessons grade: this system cannot start a network namespace (unshare --user --net failed)", file=sys.stderr)
        return 2
    print(f"Grading {len(found)} notebooks in quick mode, {args.timeout:g} s each at most; network: {ISOLATION[isolation]}.")
    print("This runs your students' code as you: it can read and change your files.", flush=True)
    clock, rows = time.perf_counter(), []
    for student, path in found:
        start = time.perf_counter()
        row = grade_one(path, None, originals, args.timeout, isolation)
        rows.append({**row, "student": student, "notebook": str(path.relative_to(args.submissions))})
        verdicts = list(row["verdicts"].values())
        print(
            f"  {student:<16} {path.name:<40} {row['status']:<14} {verdicts.count('correct')}/{len(verdicts)} correct"
            f"  ({time.perf_counter() - start:.0f} s)",
            flush=True,
        )
    exercises = sorted({e for r in rows for e in r["verdicts"]}, key=lambda e: (e.split(".")[0], int(e.split("ex")[1])))
    names = {}
    for lesson in {r["lesson"] for r in rows if r["lesson"]}:
        names.update({e: n for n, e in notebooks.exercise_ids(lesson, notebooks.read(originals[lesson])).items()})
    write_csv(rows, args.out, exercises)
    print("\n".join(summary(rows, exercises, names)))
    print(f"Graded {len(rows)} notebooks in {time.perf_counter() - clock:.0f} s; the table is in {args.out}.")
    return 0
