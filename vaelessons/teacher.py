"""Write the teacher's edition: every lesson with its solutions and, per section, the teaching notes.

A section's notes live in the lesson itself, on the section's heading cell (a markdown cell starting with "# " or
"## "), as its cell metadata `vaelessons.teaching`:

    {"vaelessons": {"teaching": {"minutes": 10,
                                 "ask": ["Why does sigma collapse without the KL?"],
                                 "notes": "Optional: anything else to say or show."}}}

(JupyterLab: select the cell, open the property inspector, edit Cell Metadata.) The mistakes each exercise's
check catches are read from the check itself, so they need no notes. A section without notes is listed as a
warning (an error with --strict).
"""

import ast
import inspect
import re
import sys
import textwrap
from pathlib import Path

import nbformat

from . import notebooks

KEYS = {"minutes", "ask", "notes"}
UNTOUCHED = ("`...`", "Write your answer")  # hints for an exercise not yet started, not mistakes


def add_arguments(parser):
    """The `teacher` command's arguments."""
    parser.add_argument("out", type=Path, help="the folder to write the lessons into (e.g. teacher-edition)")
    parser.add_argument("--notebooks", type=Path, default=Path("notebooks"), help="the lessons' folder (default: notebooks)")
    parser.add_argument("--strict", action="store_true", help="fail if a section has no teaching notes")


def teaching(cell, where: str):
    """A heading cell's teaching notes {"minutes", "ask", "notes"}, checked; None if it has none."""
    notes = cell.get("metadata", {}).get("vaelessons", {}).get("teaching")
    if notes is None:
        return None
    problems = []
    if not isinstance(notes, dict):
        problems.append("it should be a dict")
    else:
        if set(notes) - KEYS:
            problems.append(f"unknown keys {sorted(set(notes) - KEYS)} (use {sorted(KEYS)})")
        minutes = notes.get("minutes")
        if isinstance(minutes, bool) or not isinstance(minutes, int | float) or minutes <= 0:
            problems.append(f"'minutes' should be a positive number, got {minutes!r}")
        ask = notes.get("ask", [])
        if not isinstance(ask, list) or not all(isinstance(q, str) and q.strip() for q in ask):
            problems.append(f"'ask' should be a list of questions (strings), got {ask!r}")
        if not isinstance(notes.get("notes", ""), str):
            problems.append(f"'notes' should be a string, got {notes['notes']!r}")
    if problems:
        raise notebooks.LessonError(f"{where}: metadata.vaelessons.teaching: {'; '.join(problems)}")
    return notes


def _text(node) -> str:
    """The literal text of a hint expression: f-string values become '…', anything computed is left out."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(_text(v) if isinstance(v, ast.Constant) else "…" for v in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _text(node.left) + _text(node.right)
    return ""


def mistakes(check) -> list:
    """The hints a check can give for a wrong answer, read from its source (its not_yet(...) and NotYet(...) calls)."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(inspect.unwrap(check))))
    calls = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) in ("not_yet", "NotYet") and node.args
    ]
    hints = [" ".join(_text(node.args[0]).split()) for node in sorted(calls, key=lambda node: (node.lineno, node.col_offset))]
    hints = [re.sub(r"\.…$", ".", h).replace("$", r"\$") for h in hints]  # a text added at the end; a $ is no maths here
    return list(dict.fromkeys(h for h in hints if h and not any(mark in h for mark in UNTOUCHED)))


def _quote(lines) -> str:
    """Markdown lines as one blockquote."""
    return "\n".join(f"> {line}".rstrip() for line in lines)


def _note(notes, found: list) -> str:
    """The markdown of one section's note cell: minutes, questions, notes, and the mistakes its exercises' checks catch."""
    lines = []
    if notes:
        lines += [f"**Teaching notes: about {notes['minutes']:g} minutes.**", ""]
        if notes.get("ask"):
            lines += ["Ask the class:", *(f"- {q}" for q in notes["ask"]), ""]
        if notes.get("notes"):
            lines += [notes["notes"], ""]
    else:
        lines += ["**Teaching notes:** none yet for this section.", ""]
    for exercise, name in found:
        lines += [f'Exercise {exercise}: `{name}` says "Not yet." (and gives a hint) when the answer shows one of these:']
        lines += [f"- {hint}" for hint in mistakes(notebooks.checks()[name])] + [""]
    return _quote(lines[:-1] if lines[-1] == "" else lines)


def edition(nb, path: Path, missing: list):
    """The teacher's edition of one lesson: a plan after its title, a note cell after each section's heading.

    Sections without notes are appended to missing as "NN: title".
    """
    notebooks.require_solutions(nb, path.name)
    lesson = notebooks.number(path)
    ids = notebooks.exercise_ids(lesson, nb)
    sections = notebooks.sections(nb)
    starts = [i for i, _ in sections] + [len(nb.cells)]
    plan, notes_after = [], {}
    for (start, title), end in zip(sections, starts[1:], strict=False):
        notes = teaching(nb.cells[start], f"{path.name}, section {title!r}")
        if notes is None:
            missing.append(f"{lesson}: {title}")
        cells = [cell for cell in nb.cells[start:end] if cell.cell_type == "code" and not notebooks.is_solution(cell)]
        in_section = [n for cell in cells for n in notebooks.called_checks(cell.source)]
        found = [(ids[n], n) for n in dict.fromkeys(in_section) if n in ids]
        if notes or found:
            notes_after[start] = _note(notes, found)
        plan.append((title, notes["minutes"] if notes else None))
    out = nbformat.v4.new_notebook(metadata=nb.metadata)
    for i, cell in enumerate(nb.cells):
        out.cells.append(cell)
        if i == 0:
            out.cells.append(_plan_cell(plan))
        if i in notes_after:
            out.cells.append(_note_cell(notes_after[i]))
    notebooks.stamp(out, lesson=lesson, edition="teacher", source_sha256=notebooks.content_hash(nb))
    return out


def _note_cell(source: str):
    return nbformat.v4.new_markdown_cell(source, metadata={"tags": ["teaching-note"]})


def _plan_cell(plan) -> nbformat.NotebookNode:
    """The lesson's plan: each section with its minutes, and the total."""
    known = [m for _, m in plan if m is not None]
    rows = [f"| {title} | {'' if m is None else f'{m:g}'} |" for title, m in plan]
    total = f"{sum(known):g}" if known else "?"
    total += "" if len(known) == len(plan) else " (not every section has notes yet)"
    lines = [
        "**Teacher's edition**: this lesson with its teaching notes (the quoted boxes) and its solutions.",
        "",
        "| section | minutes |",
        "|---|---:|",
        *rows,
        f"| **total** | **{total}** |",
    ]
    return _note_cell(_quote(lines))


def run(args) -> int:
    """Write the teacher's edition; warn about (or, with --strict, fail on) sections without notes."""
    missing = []
    try:
        written = notebooks.write_edition(args.notebooks, args.out, lambda nb, path: edition(nb, path, missing))
    except notebooks.LessonError as err:
        print(f"vaelessons teacher: {err}", file=sys.stderr)
        return 2
    print(f"Wrote the teacher's edition of {len(written)} lessons (solutions and teaching notes) into {args.out}/.")
    if missing:
        print(
            f"warning: {len(missing)} sections have no teaching notes (add metadata.vaelessons.teaching to each one's "
            "heading cell; see `vaelessons teacher --help`):\n  " + "\n  ".join(missing),
            file=sys.stderr,
        )
        return 1 if args.strict else 0
    return 0
