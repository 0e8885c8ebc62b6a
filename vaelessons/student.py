"""Write the student edition: every lesson without its solutions, each exercise's check ready to say "Not yet."

Built from the committed lessons: the cells tagged "solution" (the Solutions section, heading included) are left
out. Figures and printed results stay, so a student can read a lesson before running it; the exercises' check
cells are cleared, so every verdict a student sees comes from their own run.
"""

import sys
from pathlib import Path

import nbformat

from . import notebooks

NOTE = "*Student edition: the solutions of the exercises are not included. Your teacher has them.*"


def add_arguments(parser):
    """The `student` command's arguments."""
    parser.add_argument("out", type=Path, help="the folder to write the lessons into (e.g. student-edition)")
    parser.add_argument("--notebooks", type=Path, default=Path("notebooks"), help="the lessons' folder (default: notebooks)")


def edition(nb, path: Path):
    """The student edition of one lesson: no solution cell, the check cells' outputs cleared, a closing note."""
    out = notebooks.without_solutions(nb, path.name)
    for cell in out.cells:
        if cell.cell_type == "code" and notebooks.called_checks(cell.source):
            cell.outputs, cell.execution_count = [], None
    out.cells.append(nbformat.v4.new_markdown_cell(NOTE))
    notebooks.stamp(out, lesson=notebooks.number(path), edition="student", source_sha256=notebooks.content_hash(nb))
    return out


def run(args) -> int:
    """Write the student edition and say where."""
    try:
        written = notebooks.write_edition(args.notebooks, args.out, edition)
    except notebooks.LessonError as err:
        print(f"vaelessons student: {err}", file=sys.stderr)
        return 2
    print(f"Wrote the student edition of {len(written)} lessons (no solutions) into {args.out}/.")
    return 0
