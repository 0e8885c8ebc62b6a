"""The top-level conftest.py: in CI (CI=true) a skipped test fails the session and is named; elsewhere a skip is a skip."""

from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parents[1]
TESTS = """
import pytest

def test_runs():
    pass

def test_needs_a_missing_thing():
    pytest.skip("no such thing here")

@pytest.fixture
def browser():
    pytest.skip("no browser")

def test_widget(browser):
    pass
"""


@pytest.fixture
def project(pytester, monkeypatch):
    """A project with the real conftest.py, a passing test, two skipping ones and a module that skips at import."""
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")  # the inner pytest needs no plugin: it starts in a second
    pytester.makeconftest((ROOT / "conftest.py").read_text())
    pytester.makepyfile(test_some=TESTS)
    pytester.makepyfile(test_module_skip="import pytest\npytest.importorskip('no_such_module_here')\n")
    return pytester


def test_in_ci_a_skip_fails_the_session_and_names_each_skipped_test(project, monkeypatch):
    monkeypatch.setenv("CI", "true")
    result = project.runpytest_subprocess("-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        [
            "CI=true: 3 skipped, and in CI nothing may skip:",
            "*SKIPPED test_module_skip.py: *no_such_module_here*",
            "*SKIPPED test_some.py::test_needs_a_missing_thing: Skipped: no such thing here",
            "*SKIPPED test_some.py::test_widget: Skipped: no browser",
        ],
        consecutive=False,
    )


def test_outside_ci_a_skip_is_only_reported(project, monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    result = project.runpytest_subprocess("-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.OK
    result.assert_outcomes(passed=1, skipped=3)
    assert "nothing may skip" not in result.stdout.str()
