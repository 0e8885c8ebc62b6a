"""Write the teacher's edition: every lesson with its solutions and, per section, the teaching notes.

The notes are data, kept beside the lessons in notebooks/teaching_notes.yml (--notes names another file), keyed by
the lesson's number and then by the section's title, as its heading ("# " or "## ") says it:

    "03":
      "2. Reconstruction alone: sigma collapses":
        minutes: 10
        ask:
          - Why does sigma go to 0 when nothing but reconstruction is asked for?
        notes: Optional, anything else to say or show.

The mistakes each exercise's check catches are read from the check itself, so they need no notes. A section
without notes, or notes for a section a lesson no longer has (its heading was renamed), is listed as a warning
(an error with --strict).
"""

import ast
import inspect
import re
import sys
import textwrap
from pathlib import Path

import nbformat
import yaml

from . import notebooks

NOTES = Path("notebooks") / "teaching_notes.yml"

KEYS = {"minutes", "ask", "notes"}
UNTOUCHED = ("`...`", "Write your answer")  # hints for an exercise not yet started, not mistakes


def add_arguments(parser):
    """The `teacher` command's arguments."""
    parser.add_argument("out", type=Path, help="the folder to write the lessons into (e.g. teacher-edition)")
    parser.add_argument("--notebooks", type=Path, default=Path("notebooks"), help="the lessons' folder (default: notebooks)")
    parser.add_argument("--notes", type=Path, default=NOTES, help=f"the teaching notes (default: {NOTES})")
    parser.add_argument("--strict", action="store_true", help="fail if a section has no teaching notes")


def load_notes(path: Path) -> dict:
    """{lesson number: {section title: notes}} read from the notes file; a LessonError if it is not that shape."""
    try:
        found = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        raise notebooks.LessonError(f"no teaching notes at {path}: name the notes file with --notes") from None
    except yaml.YAMLError as err:
        raise notebooks.LessonError(f"{path} is not valid YAML: {err}") from None
    if not isinstance(found, dict) or not all(isinstance(v, dict) for v in found.values()):
        raise notebooks.LessonError(f'{path}: expected a lesson number ("03") holding section titles, each its notes')
    return {str(lesson).zfill(2): sections for lesson, sections in found.items()}


def teaching(notes, where: str):
    """One section's teaching notes {"minutes", "ask", "notes"}, checked; None if it has none."""
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
        raise notebooks.LessonError(f"{where}: {'; '.join(problems)}")
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


def edition(nb, path: Path, notes: dict, missing: list):
    """The teacher's edition of one lesson: a plan after its title, a note cell after each section's heading.

    notes: {section title: its notes}. Sections without notes, and notes for no section, are appended to missing.
    """
    notebooks.require_solutions(nb, path.name)
    lesson = notebooks.number(path)
    ids = notebooks.exercise_ids(lesson, nb)
    sections = notebooks.sections(nb)
    starts = [i for i, _ in sections] + [len(nb.cells)]
    plan, notes_after = [], {}
    for (start, title), end in zip(sections, starts[1:], strict=False):
        said = teaching(notes.get(title), f"teaching notes of lesson {lesson}, section {title!r}")
        if said is None:
            missing.append(f"{lesson}: {title}: no notes")
        cells = [cell for cell in nb.cells[start:end] if cell.cell_type == "code" and not notebooks.is_solution(cell)]
        in_section = [n for cell in cells for n in notebooks.called_checks(cell.source)]
        found = [(ids[n], n) for n in dict.fromkeys(in_section) if n in ids]
        if said or found:
            notes_after[start] = _note(said, found)
        plan.append((title, said["minutes"] if said else None))
    titles = {title for _, title in sections}
    missing += [f"{lesson}: {title}: notes for a section the lesson does not have" for title in notes if title not in titles]
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

    def build(nb, path):
        return edition(nb, path, notes.get(notebooks.number(path), {}), missing)

    try:
        notes = load_notes(args.notes)
        written = notebooks.write_edition(args.notebooks, args.out, build)
    except notebooks.LessonError as err:
        print(f"vaelessons teacher: {err}", file=sys.stderr)
        return 2
    print(f"Wrote the teacher's edition of {len(written)} lessons (solutions and teaching notes) into {args.out}/.")
    if missing:
        print(
            f"warning: {len(missing)} sections and teaching notes do not match (write the notes in {args.notes}, under "
            "the lesson's number and the section's title; see `vaelessons teacher --help`):\n  " + "\n  ".join(missing),
            file=sys.stderr,
        )
        return 1 if args.strict else 0
    return 0
