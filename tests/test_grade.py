"""`vaelessons grade`: each submitted notebook runs in its own kernel, with a time limit and no network; a CSV of verdicts."""

import csv
import socket
import threading

import fake_lessons
import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from vaelessons import grade
from vaelessons.cli import main

ISOLATIONS = ["python", *(["namespace"] if grade.namespace_works() else [])]


@pytest.fixture
def lessons(tmp_path):
    return fake_lessons.lessons_folder(tmp_path / "notebooks")


def submitted(folder, student: str, **answers):
    """A student's copy of lesson 04 with their answers (see fake_lessons.lesson), saved in folder/student/."""
    nb = fake_lessons.lesson(**answers)
    return fake_lessons.write(nb, folder / student / "04_the_kl_term.ipynb")


def rows(path) -> dict:
    with open(path, newline="", encoding="utf-8") as file:
        return {row["student"]: row for row in csv.DictReader(file)}


def test_every_students_verdicts_come_from_the_checks(lessons, tmp_path, capsys):
    subs = tmp_path / "submitted"
    submitted(subs, "alice", kl=fake_lessons.KL_RIGHT, uniform=fake_lessons.UNIFORM_RIGHT)
    # bob forgot the 1/2 and left the second exercise untouched; his Solutions section (as committed) calls
    # check_kl_normal on the right answer, which must not count
    bob = submitted(subs, "bob", kl=fake_lessons.KL_WRONG)
    nb = nbformat.read(bob, as_version=4)
    nb.cells.insert(4, new_code_cell("undefined_name + 1"))  # a cell that raises; the rest still runs
    nbformat.write(nb, bob)
    finn = submitted(subs, "finn", kl=fake_lessons.KL_RIGHT)
    nb = nbformat.read(finn, as_version=4)
    nb.cells = [c for c in nb.cells if "check_uniform_kl(" not in c.source]  # the second exercise's check deleted
    nbformat.write(nb, finn)
    (subs / "carol").mkdir()
    (subs / "carol" / "04_the_kl_term.ipynb").write_text("{not json", encoding="utf-8")
    out = tmp_path / "grades.csv"
    assert main(["grade", str(subs), "--notebooks", str(lessons), "--out", str(out), "--timeout", "600"]) == 0
    table = rows(out)
    assert set(table) == {"alice", "bob", "carol", "finn"}
    alice, bob, carol = table["alice"], table["bob"], table["carol"]
    assert (alice["status"], alice["04.ex1"], alice["04.ex2"], alice["correct"], alice["problems"]) == (
        "ok",
        "correct",
        "correct",
        "2/2",
        "",
    )
    assert (bob["status"], bob["04.ex1"], bob["04.ex2"], bob["correct"]) == ("cell errors", "not yet", "not yet", "0/2")
    assert "code cell 3 raised NameError" in bob["problems"]
    assert carol["status"] == "unreadable" and "not a notebook" in carol["problems"]
    finn = table["finn"]
    assert (finn["status"], finn["04.ex1"], finn["04.ex2"]) == ("check removed", "correct", "missing")
    assert "04.ex2 its check was removed (check_uniform_kl)" in finn["problems"]
    printed = capsys.readouterr().out
    assert "runs your students' code" in printed
    assert "04.ex1     check_kl_normal                       2        1        0" in printed
    assert "carol (carol/04_the_kl_term.ipynb): not a notebook" in printed


def test_a_notebook_that_runs_too_long_is_stopped_and_says_where(lessons, tmp_path):
    path = submitted(tmp_path, "erin")
    nb = nbformat.read(path, as_version=4)
    nb.cells.insert(1, new_code_cell("while True:\n    pass"))
    nbformat.write(nb, path)
    row = grade.grade_one(path, None, {"04": lessons / "04_the_kl_term.ipynb"}, 3, "python")
    assert row["status"] == "timeout"
    assert row["problems"][0] == "stopped after 3 s in code cell 1"
    assert row["verdicts"] == {"04.ex1": "missing", "04.ex2": "missing"}
    assert "04.ex1 its check did not run (check_kl_normal)" in row["problems"]


@pytest.mark.parametrize("isolation", ISOLATIONS)
def test_a_graded_notebook_has_no_network(lessons, tmp_path, isolation):
    """A notebook that connects to a server on this machine never reaches it."""
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.2)
    port, reached, stop = server.getsockname()[1], [], threading.Event()

    def serve():
        while not stop.is_set():
            try:
                reached.append(server.accept())
            except TimeoutError:
                pass

    thread = threading.Thread(target=serve)
    thread.start()
    attempt = (
        "import socket\n"
        "try:\n"
        f"    socket.create_connection(('127.0.0.1', {port}), timeout=5)\n"
        "    print('connected')\n"
        "except OSError as err:\n"
        "    print('refused:', err)"
    )
    nb = new_notebook(cells=[new_code_cell(attempt)], metadata=fake_lessons.lesson().metadata)
    path = fake_lessons.write(nb, tmp_path / "04_the_kl_term.ipynb")
    try:
        row = grade.grade_one(path, "04", {"04": lessons / "04_the_kl_term.ipynb"}, 600, isolation)
    finally:
        stop.set()
        thread.join()
        server.close()
    assert reached == [], "the graded notebook reached a server"
    assert row["status"] == "check removed"  # it ran to its end; it has no checks
