"""`make lessons` says what it installs, and installs again only when pyproject.toml's content changes.

The Makefile runs for real, in a copy of the project's Makefile and pyproject.toml, with a stand-in venv whose
python, ruff and vaelessons only write down how they were called.
"""

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RECORDER = '#!/bin/sh\necho "$(basename "$0") $*" >> "$(dirname "$0")/../../calls.log"\n'


@pytest.fixture
def project(tmp_path):
    if shutil.which("make") is None:
        pytest.fail("make is not installed: the README's two commands need it")
    for name in ("Makefile", "pyproject.toml"):
        shutil.copy(ROOT / name, tmp_path / name)
    bin_ = tmp_path / ".venv" / "bin"
    bin_.mkdir(parents=True)
    for tool in ("python", "ruff", "vaelessons"):
        (bin_ / tool).write_text(RECORDER)
        (bin_ / tool).chmod(0o755)
    return tmp_path


def make(project: Path, target: str) -> tuple:
    """Run make target; (what it printed, the commands the stand-in venv ran)."""
    log = project / "calls.log"
    log.unlink(missing_ok=True)
    done = subprocess.run(["make", "-s", target], cwd=project, capture_output=True, text=True, check=True)
    return done.stdout, log.read_text().splitlines() if log.exists() else []


def installs(calls: list) -> list:
    return [c for c in calls if "pip install" in c]


def test_the_first_start_installs_and_says_how_long_it_takes(project):
    out, calls = make(project, "lessons")
    assert installs(calls) == ["python -m pip install --quiet -e ."]
    assert "the first time takes a few minutes" in out
    assert calls[-1].startswith("vaelessons lessons --")


def test_a_later_start_skips_the_install(project):
    make(project, "lessons")
    out, calls = make(project, "lessons")
    assert installs(calls) == [] and "Installing" not in out
    assert calls == [c for c in calls if c.startswith("vaelessons lessons")]


def test_touching_pyproject_is_no_change_but_editing_it_is(project):
    make(project, "lessons")
    (project / "pyproject.toml").touch()
    assert installs(make(project, "lessons")[1]) == []
    with open(project / "pyproject.toml", "a") as file:
        file.write("\n# a new dependency, say\n")
    assert installs(make(project, "lessons")[1]) == ["python -m pip install --quiet -e ."]
    assert installs(make(project, "lessons")[1]) == []


def test_the_test_install_covers_the_lessons_one(project):
    out, calls = make(project, "test")
    assert installs(calls) == ["python -m pip install --quiet -e .[test]"]
    assert installs(make(project, "lessons")[1]) == []
    assert installs(make(project, "test")[1]) == []


def test_a_failed_install_is_tried_again(project):
    python = project / ".venv" / "bin" / "python"
    python.write_text(RECORDER + "exit 1\n")
    with pytest.raises(subprocess.CalledProcessError):
        make(project, "lessons")
    python.write_text(RECORDER)
    assert installs(make(project, "lessons")[1]) == ["python -m pip install --quiet -e ."]
