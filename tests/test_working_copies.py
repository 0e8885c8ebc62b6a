"""`make lessons` opens working copies, never the tracked lessons: made once, kept, flagged when the lesson changed, reset."""

from pathlib import Path

import fake_lessons
import nbformat
import pytest

from vaelessons import lessons, notebooks, reset
from vaelessons.cli import main

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def folders(tmp_path):
    return fake_lessons.lessons_folder(tmp_path / "notebooks"), tmp_path / "my-lessons"


def student_edits(path: Path, text="# my answer\n"):
    """Save a change to a working copy, as JupyterLab would."""
    nb = nbformat.read(path, as_version=4)
    nb.cells[3].source = text
    nbformat.write(nb, path)


def test_the_first_start_copies_every_lesson_and_leaves_the_originals_alone(folders):
    originals, copies = folders
    before = {p.name: p.read_bytes() for p in originals.iterdir()}
    lines = lessons.sync(originals, copies)
    assert sorted(p.name for p in copies.glob("*.ipynb")) == sorted(before)
    assert any("Made a copy of each of the 2 lessons" in line for line in lines)
    assert {p.name: p.read_bytes() for p in originals.iterdir()} == before
    copy = notebooks.read(copies / "04_the_kl_term.ipynb")
    assert [c.source for c in copy.cells] == [c.source for c in notebooks.read(originals / "04_the_kl_term.ipynb").cells]
    assert notebooks.lesson_meta(copy)["lesson"] == "04"


def test_a_later_start_keeps_the_students_work(folders):
    originals, copies = folders
    lessons.sync(originals, copies)
    student_edits(copies / "04_the_kl_term.ipynb")
    lines = lessons.sync(originals, copies)
    assert notebooks.read(copies / "04_the_kl_term.ipynb").cells[3].source == "# my answer\n"
    assert not any("has changed since" in line for line in lines), "the student's own edits are not a change of the lesson"


def test_a_changed_lesson_is_reported_and_the_copy_kept(folders):
    originals, copies = folders
    lessons.sync(originals, copies)
    student_edits(copies / "04_the_kl_term.ipynb")
    fake_lessons.write(fake_lessons.lesson(title="the KL term, revised"), originals / "04_the_kl_term.ipynb")
    lines = lessons.sync(originals, copies)
    (stale,) = [line for line in lines if "has changed since" in line]
    assert "Lesson 04" in stale and "make reset LESSON=04" in stale
    assert notebooks.read(copies / "04_the_kl_term.ipynb").cells[3].source == "# my answer\n"


def test_only_outputs_changing_is_no_change(folders):
    originals, copies = folders
    lessons.sync(originals, copies)
    nb = notebooks.read(originals / "04_the_kl_term.ipynb")
    nb.cells[4].outputs = [nbformat.v4.new_output("stream", text="Not yet.\n")]
    nbformat.write(nb, originals / "04_the_kl_term.ipynb")
    assert not lessons.changed(originals / "04_the_kl_term.ipynb", copies / "04_the_kl_term.ipynb")


def test_a_new_lesson_is_copied_on_the_next_start(folders):
    originals, copies = folders
    lessons.sync(originals, copies)
    fake_lessons.write(fake_lessons.lesson("06", "new"), originals / "06_new.ipynb")
    lines = lessons.sync(originals, copies)
    assert (copies / "06_new.ipynb").exists()
    assert any("New lessons" in line and "06" in line for line in lines)


def test_reset_restores_the_lesson_and_keeps_the_old_copy_as_a_backup(folders):
    originals, copies = folders
    lessons.sync(originals, copies)
    student_edits(copies / "04_the_kl_term.ipynb")
    fake_lessons.write(fake_lessons.lesson(title="revised"), originals / "04_the_kl_term.ipynb")
    backup = reset.reset(originals, copies, "4")
    assert notebooks.read(backup).cells[3].source == "# my answer\n"
    assert backup.parent == copies / "backups"
    fresh = copies / "04_the_kl_term.ipynb"
    assert not lessons.changed(originals / "04_the_kl_term.ipynb", fresh)
    assert notebooks.read(fresh).cells[0].source.startswith("# Lesson 04: revised")
    assert not any("has changed since" in line for line in lessons.sync(originals, copies))


def test_reset_of_an_unknown_lesson_says_which_exist(folders, capsys):
    originals, copies = folders
    status = main(["reset", "9", "--notebooks", str(originals), "--copies", str(copies)])
    assert status == 2
    assert "there is no lesson '9': choose one of 04, 05" in capsys.readouterr().err


def test_the_command_makes_the_copies_without_lab(folders, capsys):
    originals, copies = folders
    assert main(["lessons", "--no-lab", "--notebooks", str(originals), "--copies", str(copies), "--", "--allow-root"]) == 0
    assert f"Your working copies of the lessons are in {copies}/" in capsys.readouterr().out
    assert (copies / "05_more_kl.ipynb").exists()


def test_a_folder_without_lessons_is_a_clear_error(tmp_path, capsys):
    assert main(["lessons", "--no-lab", "--notebooks", str(tmp_path), "--copies", str(tmp_path / "c")]) == 2
    assert "no lessons" in capsys.readouterr().err


def test_git_ignores_the_working_copies_and_the_generated_editions():
    ignored = {line.strip() for line in (ROOT / ".gitignore").read_text().splitlines()}
    assert {"/my-lessons/", "/student-edition/", "/teacher-edition/", "/grades.csv"} <= ignored
