"""The student edition (no solutions; checks that say "Not yet.") and the teacher's (solutions, notes), from the lessons."""

import ast
from pathlib import Path

import fake_lessons
import nbformat
import pytest
import yaml
from nbclient import NotebookClient

from vaelessons import notebooks, student, teacher
from vaelessons.cli import main

ROOT = Path(__file__).resolve().parents[1]
LESSONS = sorted((ROOT / "notebooks").glob(notebooks.PATTERN))
NOTES = {
    "Lesson 04: the KL term": {"minutes": 2, "ask": ["What does a KL of 0 mean?"]},
    "1. The KL to the prior": {"minutes": 10, "ask": ["Why is the KL never negative?"], "notes": "Derive it on the board first."},
    "2. Uniform priors": {"minutes": 5.5},
    "Summary": {"minutes": 3},
}


def with_output(nb):
    """The lesson with a figure-like output on its imports cell and a committed verdict on each check cell."""
    nb.cells[1].outputs = [nbformat.v4.new_output("display_data", data={"text/plain": "<Figure size 640x480 with 1 Axes>"})]
    for cell in nb.cells:
        if cell.cell_type == "code" and notebooks.called_checks(cell.source):
            cell.outputs = [nbformat.v4.new_output("execute_result", data={"text/plain": "Not yet. Write your answer"})]
            cell.execution_count = 3
    return nb


def code_lines(cells) -> set:
    return {
        line.strip() for cell in cells if cell.cell_type == "code" for line in cell.source.splitlines() if len(line.strip()) > 8
    }


# The student edition, on a small lesson


def test_the_student_edition_has_no_solution(tmp_path):
    path = fake_lessons.write(with_output(fake_lessons.lesson()), tmp_path / "in" / "04_the_kl_term.ipynb")
    assert main(["student", str(tmp_path / "out"), "--notebooks", str(path.parent)]) == 0
    out = notebooks.read(tmp_path / "out" / path.name)
    assert not any(notebooks.is_solution(c) for c in out.cells)
    assert "solution_kl_normal" not in "".join(c.source for c in out.cells)
    assert "## Solutions" not in "".join(c.source for c in out.cells)
    assert [c.source for c in out.cells[:-1]] == [c.source for c in notebooks.read(path).cells if not notebooks.is_solution(c)]
    assert "not included" in out.cells[-1].source
    assert notebooks.lesson_meta(out) == {
        "lesson": "04",
        "edition": "student",
        "source_sha256": notebooks.content_hash(notebooks.read(path)),
    }


def test_the_student_edition_runs_top_to_bottom_and_each_check_says_not_yet(tmp_path):
    nb = student.edition(fake_lessons.lesson(), Path("04_the_kl_term.ipynb"))
    NotebookClient(nb, kernel_name="python3", timeout=600, resources={"metadata": {"path": str(tmp_path)}}).execute()
    checks = [c for c in nb.cells if c.cell_type == "code" and notebooks.called_checks(c.source)]
    said = [out.get("text", "") + str(out.get("data", {}).get("text/plain", "")) for c in checks for out in c.outputs]
    assert len(said) == 2 and all(text.startswith("Not yet.") for text in said), said


def test_the_student_edition_keeps_figures_and_clears_the_verdicts(tmp_path):
    nb = student.edition(with_output(fake_lessons.lesson()), Path("04_the_kl_term.ipynb"))
    assert nb.cells[1].outputs[0]["data"]["text/plain"].startswith("<Figure")
    checks = [c for c in nb.cells if c.cell_type == "code" and notebooks.called_checks(c.source)]
    assert len(checks) == 2 and all(c.outputs == [] and c.execution_count is None for c in checks)


def test_a_lesson_without_solution_tags_writes_no_edition(tmp_path, capsys):
    folder = tmp_path / "in"
    fake_lessons.write(fake_lessons.lesson(), folder / "04_the_kl_term.ipynb")
    fake_lessons.write(fake_lessons.lesson("05", solutions=False), folder / "05_untagged.ipynb")
    notes = ["--notes", str(ROOT / teacher.NOTES)]
    for command, extra in (("student", []), ("teacher", notes)):
        assert main([command, str(tmp_path / command), "--notebooks", str(folder), *extra]) == 2
        assert "05_untagged.ipynb has no cells tagged 'solution'" in capsys.readouterr().err
        assert not (tmp_path / command).exists()


def test_an_edition_is_never_written_over_the_lessons(tmp_path, capsys):
    folder = fake_lessons.lessons_folder(tmp_path / "in")
    assert main(["student", str(folder), "--notebooks", str(folder)]) == 2
    assert "the lessons' own folder" in capsys.readouterr().err


# The teacher's edition, on a small lesson


def notes_cells(nb) -> list:
    return [c.source for c in nb.cells if "teaching-note" in c.metadata.get("tags", [])]


def test_the_teachers_edition_puts_each_sections_notes_after_its_heading(tmp_path):
    nb = teacher.edition(fake_lessons.lesson(), Path("04_the_kl_term.ipynb"), NOTES, missing := [])
    assert missing == []
    heading = next(i for i, c in enumerate(nb.cells) if c.source == "## 1. The KL to the prior")
    note = nb.cells[heading + 1].source
    assert "about 10 minutes" in note and "- Why is the KL never negative?" in note and "Derive it on the board first." in note
    assert "Exercise 04.ex1: `check_kl_normal`" in note and "04.ex2" not in note
    assert any(c.source.startswith("---\n## Solutions") for c in nb.cells), "the teacher's edition keeps the solutions"


def test_the_plan_gives_minutes_per_section_and_the_total():
    nb = teacher.edition(fake_lessons.lesson(), Path("04_the_kl_term.ipynb"), NOTES, [])
    plan = nb.cells[1].source
    assert "| 1. The KL to the prior | 10 |" in plan and "| 2. Uniform priors | 5.5 |" in plan
    assert "**total** | **20.5**" in plan


def test_the_mistakes_a_check_catches_come_from_the_check():
    nb = teacher.edition(fake_lessons.lesson(), Path("04_the_kl_term.ipynb"), NOTES, [])
    (note,) = [s for s in notes_cells(nb) if "04.ex1" in s]
    assert "> - You return one KL per latent dimension, shape (N, Z)" in note  # a hint in vaelessons/checks/kl.py
    assert "Expected shape … (one KL per sample), got …." in note  # an f-string's values left out


@pytest.mark.parametrize("name", sorted(notebooks.checks()))
def test_every_check_has_mistakes_to_list_and_none_is_the_untouched_hint(name):
    found = teacher.mistakes(notebooks.checks()[name])
    assert found, f"{name}: no hint found in its source"
    assert not any("Write your answer" in h or "`...`" in h for h in found)


def notes_file(path: Path, notes: dict) -> Path:
    """A teaching notes file holding notes for lesson 04."""
    path.write_text(yaml.safe_dump({"04": notes}), encoding="utf-8")
    return path


def test_the_command_reads_the_notes_file(tmp_path):
    folder = fake_lessons.lessons_folder(tmp_path / "in")
    notes = notes_file(tmp_path / "notes.yml", NOTES)
    before = (folder / "04_the_kl_term.ipynb").read_bytes()
    assert main(["teacher", str(tmp_path / "out"), "--notebooks", str(folder), "--notes", str(notes)]) == 0
    nb = notebooks.read(tmp_path / "out" / "04_the_kl_term.ipynb")
    assert any("Derive it on the board first." in s for s in notes_cells(nb))
    assert (folder / "04_the_kl_term.ipynb").read_bytes() == before, "the lesson itself is not changed"


def test_a_section_without_notes_and_notes_without_a_section_are_reported(tmp_path, capsys):
    partial = {k: v for k, v in NOTES.items() if k != "2. Uniform priors"}
    partial["3. A section renamed since"] = {"minutes": 4}
    folder = tmp_path / "in"
    fake_lessons.write(fake_lessons.lesson(), folder / "04_the_kl_term.ipynb")
    args = ["teacher", str(tmp_path / "out"), "--notebooks", str(folder), "--notes", str(notes_file(tmp_path / "n.yml", partial))]
    assert main(args) == 0
    err = capsys.readouterr().err
    assert "2 sections and teaching notes do not match" in err and "04: 2. Uniform priors: no notes" in err
    assert "04: 3. A section renamed since: notes for a section the lesson does not have" in err
    assert main([*args, "--strict"]) == 1


def test_malformed_notes_name_the_lesson_and_section():
    bad = {**NOTES, "2. Uniform priors": {"minutes": "ten", "questions": []}}
    with pytest.raises(notebooks.LessonError, match=r"lesson 04, section '2. Uniform priors'.*unknown keys.*'minutes'"):
        teacher.edition(fake_lessons.lesson(), Path("04_the_kl_term.ipynb"), bad, [])


def test_a_notes_file_of_the_wrong_shape_is_a_clear_error(tmp_path, capsys):
    folder = fake_lessons.lessons_folder(tmp_path / "in")
    (tmp_path / "bad.yml").write_text("- minutes: 3\n", encoding="utf-8")
    assert main(["teacher", str(tmp_path / "out"), "--notebooks", str(folder), "--notes", str(tmp_path / "bad.yml")]) == 2
    assert "expected a lesson number" in capsys.readouterr().err


# The real lessons, statically: every lesson, in milliseconds


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_a_lessons_student_edition_holds_none_of_its_solutions(path):
    out = student.edition(notebooks.read(path), path)  # fails if the lesson's Solutions section is not tagged
    assert not any(notebooks.is_solution(c) for c in out.cells)
    assert not any(notebooks.heading(c) == "Solutions" for c in out.cells)
    assert not {name for name in defined(out.cells) if name.startswith("solution")}, "a solution outside the tagged cells"
    calls = [n for c in out.cells if c.cell_type == "code" for n in notebooks.called_checks(c.source)]
    assert len(calls) >= 2 and len(calls) == len(set(calls)), "each exercise's check is called once, by the exercise"
    shown = [o for c in out.cells if c.cell_type == "code" for o in c.outputs]
    assert not any("Correct!" in str(o.get("data", {}).get("text/plain", "")) + str(o.get("text", "")) for o in shown)


def parsed(cells) -> list:
    """The code cells' code as syntax trees, IPython's % and ! lines left out."""
    code = (c for c in cells if c.cell_type == "code")
    sources = ("\n".join(line for line in c.source.splitlines() if not line.lstrip().startswith(("%", "!"))) for c in code)
    return [ast.parse(source) for source in sources]


def defined(cells) -> set:
    """The names the cells' code assigns, defines or imports."""
    names = set()
    for node in (n for tree in parsed(cells) for n in ast.walk(tree)):
        if isinstance(node, ast.FunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.alias):
            names.add((node.asname or node.name).split(".")[0])
    return names


def used(cells) -> set:
    """The names the cells' code reads."""
    return {n.id for tree in parsed(cells) for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_no_cell_of_a_student_edition_needs_a_name_only_the_solutions_define(path):
    nb = notebooks.read(path)
    code = [c for c in nb.cells if c.cell_type == "code"]
    kept = [c for c in code if not notebooks.is_solution(c)]
    only_in_solutions = defined(c for c in code if notebooks.is_solution(c)) - defined(kept)
    assert used(kept) & only_in_solutions == set()


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_a_lessons_teachers_edition_builds_with_notes_for_every_section(path):
    notes = teacher.load_notes(ROOT / teacher.NOTES).get(notebooks.number(path), {})
    nb = teacher.edition(notebooks.read(path), path, notes, missing := [])
    assert missing == [], "notebooks/teaching_notes.yml and the lesson's sections differ"
    notes = notes_cells(nb)
    assert "| **total** |" in notes[0]
    for exercise in notebooks.exercise_ids(path.name[:2], nb).values():
        assert sum(f"Exercise {exercise}:" in note for note in notes) == 1, f"{exercise}: its mistakes in one section's note"
