"""Reset one working copy to its lesson as committed now; your old copy is moved to my-lessons/backups/ first.

Close the lesson's tab in JupyterLab before resetting it, or JupyterLab may save the old version over the new one.
"""

import os
import sys
from datetime import datetime
from pathlib import Path

from . import notebooks
from .lessons import COPIES, copy_lesson


def add_arguments(parser):
    """The `reset` command's arguments."""
    parser.add_argument("lesson", help="the lesson's number, e.g. 03")
    parser.add_argument("--notebooks", type=Path, default=Path("notebooks"), help="the lessons' folder (default: notebooks)")
    parser.add_argument("--copies", type=Path, default=COPIES, help="your working copies' folder (default: my-lessons)")


def reset(folder: Path, copies: Path, lesson: str):
    """Replace copies/NN_*.ipynb by a fresh copy of the lesson; the path of the backup of the old copy, or None."""
    lessons = {notebooks.number(p): p for p in notebooks.find(folder)}
    key = lesson.zfill(2)
    if key not in lessons:
        raise notebooks.LessonError(f"there is no lesson {lesson!r}: choose one of {', '.join(lessons)}")
    original = lessons[key]
    copy = copies / original.name
    backup = None
    if copy.exists():
        when = datetime.now().strftime("%Y%m%d-%H%M%S")
        backup = copies / "backups" / f"{original.stem}.{when}.ipynb"
        backup.parent.mkdir(parents=True, exist_ok=True)
        os.replace(copy, backup)
    copy_lesson(original, copy)
    return backup


def run(args) -> int:
    """Reset the lesson and say where the old copy went."""
    try:
        backup = reset(args.notebooks, args.copies, args.lesson)
    except notebooks.LessonError as err:
        print(f"vaelessons reset: {err}", file=sys.stderr)
        return 2
    saved = f"; your previous copy is in {backup}" if backup else ""
    print(f"Lesson {args.lesson.zfill(2)} in {args.copies}/ is the committed version again{saved}.")
    return 0
