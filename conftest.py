"""Test-session settings, inherited by the notebook kernels nbval starts."""

import os
import shutil
import tempfile

import pytest

# One torch thread per kernel: steadier notebook times on a small shared machine, and the same numbers every run.
os.environ.setdefault("OMP_NUM_THREADS", "1")
# Notebooks run in quick mode, with a fresh cache so no model trained by older code is reused.
os.environ.setdefault("VAELESSONS_QUICK", "1")
if "VAELESSONS_CACHE" not in os.environ:
    _cache = tempfile.mkdtemp(prefix="vaelessons-test-cache-")
    os.environ["VAELESSONS_CACHE"] = _cache

    def pytest_unconfigure(config):
        shutil.rmtree(_cache, ignore_errors=True)


# In CI (CI=true) nothing may skip: every test runs where the browser is installed and no test needs ../shared.
# A skip there fails the session and names the skipped tests with their reasons.
_skipped = []


def pytest_runtest_logreport(report):
    if report.skipped and not hasattr(report, "wasxfail"):
        _skipped.append(report)


def pytest_collectreport(report):
    if report.skipped:
        _skipped.append(report)


def pytest_sessionfinish(session):
    if os.environ.get("CI") != "true" or not _skipped:
        return
    lines = [f"CI=true: {len(_skipped)} skipped, and in CI nothing may skip:"]
    for report in _skipped:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        lines.append(f"  SKIPPED {report.nodeid}: {reason}")
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter:
        reporter.write_line("\n".join(lines), red=True)
    else:
        print("\n".join(lines))
    if session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
