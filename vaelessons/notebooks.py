"""The lessons as files: where they are, their solution cells, sections, exercises and teaching notes.

What the classroom tools need to know about a lesson is stated once, in the notebook itself: the cells of its
"## Solutions" section carry the cell tag "solution"; a section's heading cell may carry its teaching notes in
`metadata.vaelessons.teaching`; its exercises are the checks of `vaelessons.checks` its cells call.
"""

import copy
import functools
import hashlib
import importlib
import json
import pkgutil
import re
from pathlib import Path

import nbformat

SOLUTION_TAG = "solution"
PATTERN = "[0-9][0-9]_*.ipynb"  # a lesson's file name: its two-digit number, then its name
CALL = re.compile(r"(?<![\w])(?:\w+\.)?(check_\w+)\s*\(")  # a call of a check, plain or through a module


class LessonError(ValueError):
    """A lesson file or folder is not what the tools expect; the message says what to do."""


def find(folder: Path) -> list:
    """The lesson notebooks in folder, in reading order; a LessonError if there are none."""
    folder = Path(folder)
    paths = sorted(folder.glob(PATTERN))
    if not paths:
        raise LessonError(
            f"no lessons (files named like 00_start_here.ipynb) in {folder.resolve()}: run this from the vaelessons "
            "folder, or name the lessons' folder with --notebooks"
        )
    return paths


def number(path: Path) -> str:
    """A lesson's two-digit number, from its file name: '03' for 03_one_posterior_per_sample.ipynb."""
    return Path(path).name[:2]


def read(path: Path) -> nbformat.NotebookNode:
    """A notebook, read as nbformat version 4."""
    return nbformat.read(path, as_version=4)


def content_hash(nb) -> str:
    """A hash of what a lesson says (each cell's type and source), blind to outputs and run metadata."""
    cells = [(cell.cell_type, cell.source) for cell in nb.cells]
    return hashlib.sha256(json.dumps(cells).encode()).hexdigest()


def is_solution(cell) -> bool:
    """True for a cell of the Solutions section (tagged "solution")."""
    return SOLUTION_TAG in cell.get("metadata", {}).get("tags", [])


def require_solutions(nb, name: str):
    """Raise a LessonError if the notebook has no solution cells (its Solutions section is not tagged)."""
    if not any(is_solution(cell) for cell in nb.cells):
        raise LessonError(
            f"{name} has no cells tagged {SOLUTION_TAG!r}: tag every cell of its Solutions section, heading included "
            "(JupyterLab: the cell's property inspector, Common Tools > Cell Tag)"
        )


def without_solutions(nb, name: str):
    """A copy of the notebook without its solution cells; a LessonError if it has none (the tags are missing)."""
    require_solutions(nb, name)
    out = copy.deepcopy(nb)
    out.cells = [cell for cell in out.cells if not is_solution(cell)]
    return out


def lesson_meta(nb) -> dict:
    """The notebook's own vaelessons metadata (lesson number, where a copy came from); {} if none."""
    return dict(nb.metadata.get("vaelessons", {}))


def stamp(nb, **facts):
    """Add facts to the notebook's vaelessons metadata, keeping what is there."""
    nb.metadata["vaelessons"] = {**lesson_meta(nb), **facts}


@functools.cache
def checks() -> dict:
    """{name: check} of every public check in vaelessons.checks (the functions the exercises call)."""
    from . import checks as package

    found = {}
    for info in pkgutil.iter_modules(package.__path__):
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        for name, value in vars(module).items():
            if (
                name.startswith("check_")
                and callable(value)
                and hasattr(value, "__wrapped__")
                and value.__module__ == module.__name__
            ):
                if name in found:
                    raise LessonError(f"two checks are named {name}: in {found[name].__module__} and {module.__name__}")
                found[name] = value
    return found


def called_checks(source: str) -> list:
    """The names of the vaelessons checks a cell's source calls, in order, each once."""
    names = [m.group(1) for m in CALL.finditer(source)]
    known = checks()
    return list(dict.fromkeys(n for n in names if n in known))


def exercises(nb) -> list:
    """The checks a lesson's exercises use, outside its solutions, in the order it first calls them."""
    names = [n for cell in nb.cells if cell.cell_type == "code" and not is_solution(cell) for n in called_checks(cell.source)]
    return list(dict.fromkeys(names))


def exercise_ids(lesson: str, nb) -> dict:
    """{check name: exercise id}, e.g. {"check_kl_weights": "03.ex1"}, numbered in the lesson's order."""
    return {name: f"{lesson}.ex{k}" for k, name in enumerate(exercises(nb), start=1)}


def heading(cell):
    """The title of a markdown cell's first level-1 or -2 heading ('# ...', '## ...', outside code blocks), or None."""
    if cell.cell_type != "markdown":
        return None
    fenced = False
    for line in cell.source.splitlines():
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
        elif not fenced and re.match(r"#{1,2} ", line):
            return line.lstrip("#").strip()
    return None


def sections(nb) -> list:
    """[(index of the heading cell, title)] of the lesson's sections, solutions left out.

    A section starts at a markdown cell with a level-1 or -2 heading and is named by that cell's first one.
    """
    return [(i, heading(cell)) for i, cell in enumerate(nb.cells) if heading(cell) and not is_solution(cell)]


def write_edition(folder: Path, out: Path, build) -> list:
    """Write build(nb, path) of every lesson in folder into out (built first, so a bad lesson writes nothing); the paths."""
    lessons = find(folder)
    out = Path(out)
    if out.resolve() == Path(folder).resolve():
        raise LessonError(f"{out} is the lessons' own folder: write the edition somewhere else")
    built = [(path.name, build(read(path), path)) for path in lessons]
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, nb in built:
        nbformat.write(nb, out / name)
        written.append(out / name)
    return written
