"""Open the lessons: your own working copies in my-lessons/, made on the first run and never overwritten.

The lessons in notebooks/ stay as they are committed, so `git pull` never conflicts with your work. A copy
remembers which version of its lesson it was made from; when the lesson has changed since, this says so, and
`vaelessons reset NN` replaces your copy by the new version (keeping yours as a backup).
"""

import os
import sys
from datetime import datetime, timezone
from pathlib import Path

import nbformat

from . import notebooks

COPIES = Path("my-lessons")
FIRST = "00_start_here.ipynb"


def add_arguments(parser):
    """The `lessons` command's arguments."""
    parser.add_argument("--notebooks", type=Path, default=Path("notebooks"), help="the lessons' folder (default: notebooks)")
    parser.add_argument("--copies", type=Path, default=COPIES, help="your working copies' folder (default: my-lessons)")
    parser.add_argument("--no-lab", action="store_true", help="make the copies and report, but do not start JupyterLab")
    parser.add_argument("lab_args", nargs="*", metavar="-- LAB_ARG", help="after --: arguments for `jupyter lab`")


def copy_lesson(original: Path, target: Path):
    """Write a working copy of the original lesson at target, stamped with the original's name and content hash."""
    nb = notebooks.read(original)
    made = datetime.now(timezone.utc).isoformat(timespec="seconds")
    notebooks.stamp(
        nb, lesson=notebooks.number(original), copy_of=original.name, copy_of_sha256=notebooks.content_hash(nb), copied=made
    )
    target.parent.mkdir(parents=True, exist_ok=True)
    part = target.with_name(target.name + ".part")
    nbformat.write(nb, part)
    os.replace(part, target)  # a copy is whole or absent, never half-written


def changed(original: Path, copy: Path) -> bool:
    """True if the lesson's content is no longer what the copy was made from."""
    made_from = notebooks.lesson_meta(notebooks.read(copy)).get("copy_of_sha256")
    return made_from != notebooks.content_hash(notebooks.read(original))


def sync(folder: Path, copies: Path) -> list:
    """Make the missing working copies; the lines that tell the student what was made and what changed."""
    lessons = notebooks.find(folder)
    first_run = not copies.exists()
    made, stale = [], []
    for original in lessons:
        copy = copies / original.name
        if not copy.exists():
            copy_lesson(original, copy)
            made.append(notebooks.number(original))
        elif changed(original, copy):
            stale.append(notebooks.number(original))
    names = {p.name for p in lessons}
    orphans = sorted(p.name for p in copies.glob(notebooks.PATTERN) if p.name not in names)
    lines = [
        f"Your working copies of the lessons are in {copies}/: edit and save them freely. "
        f"The originals in {folder}/ stay as committed, so `git pull` never conflicts with your work."
    ]
    if first_run:
        lines.append(f"Made a copy of each of the {len(made)} lessons (this happens once; later runs keep your copies).")
    elif made:
        lines.append(f"New lessons since your last start, copied: {', '.join(made)}.")
    for lesson in stale:
        lines.append(
            f"Lesson {lesson} has changed since your copy was made. Your copy is kept as it is; to get the new version, "
            f"run `make reset LESSON={lesson}` (your copy is moved to {copies}/backups/ first)."
        )
    if orphans:
        lines.append(f"No lesson matches these copies any more (renamed or removed upstream): {', '.join(orphans)}.")
    return lines


def run(args) -> int:
    """Make the working copies, say what changed, then start JupyterLab on them (unless --no-lab)."""
    try:
        lines = sync(args.notebooks, args.copies)
    except notebooks.LessonError as err:
        print(f"vaelessons lessons: {err}", file=sys.stderr)
        return 2
    print("\n".join(lines), flush=True)
    if args.no_lab:
        return 0
    lab_args = [a for a in args.lab_args if a != "--"]
    first = args.copies.resolve() / FIRST
    start = [str(first)] if first.exists() else []
    print(f"Starting JupyterLab on {args.copies}/ (stop it with Ctrl-C) ...", flush=True)
    command = [sys.executable, "-m", "jupyterlab", f"--ServerApp.root_dir={args.copies.resolve()}", *lab_args, *start]
    os.execv(sys.executable, command)
