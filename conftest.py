"""Test-session settings, inherited by the notebook kernels nbval starts."""

import os
import shutil
import tempfile

# One torch thread per kernel: steadier notebook times on a small shared machine, and the same numbers every run.
os.environ.setdefault("OMP_NUM_THREADS", "1")
# Notebooks run in quick mode, with a fresh cache so no model trained by older code is reused.
os.environ.setdefault("VAELESSONS_QUICK", "1")
if "VAELESSONS_CACHE" not in os.environ:
    _cache = tempfile.mkdtemp(prefix="vaelessons-test-cache-")
    os.environ["VAELESSONS_CACHE"] = _cache

    def pytest_unconfigure(config):
        shutil.rmtree(_cache, ignore_errors=True)
