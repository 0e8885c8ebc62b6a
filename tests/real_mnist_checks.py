"""Checks against the four real MNIST files, which a clone does not hold: run by .ci/run, or by hand with

    VAELESSONS_REAL_MNIST=~/.cache/vaelessons/mnist .venv/bin/python -m pytest tests/real_mnist_checks.py

(the file name keeps pytest from collecting it in `make test`). They guard what the unit tests cannot: that the
checksums a download is verified against are real MNIST's, and that mnist-mini is the documented subset of it.
"""

import importlib.util
import os
from importlib import resources
from pathlib import Path

import pytest

from vaelessons import data

ROOT = Path(__file__).resolve().parents[1]
TRAIN_LABEL_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]  # published, digits 0..9


@pytest.fixture(scope="module")
def real():
    """The folder named by VAELESSONS_REAL_MNIST, holding the four MNIST .gz files."""
    folder = Path(os.environ.get("VAELESSONS_REAL_MNIST", "")).expanduser()
    missing = [name for name in data.MNIST_FILES if not (folder / name).is_file()]
    if not os.environ.get("VAELESSONS_REAL_MNIST") or missing:
        pytest.fail(f"set VAELESSONS_REAL_MNIST to a folder holding the four MNIST files; {str(folder)!r} lacks {missing}")
    return folder


@pytest.mark.parametrize("name", list(data.MNIST_FILES))
def test_the_real_files_pass_the_packages_checksums(real, name):
    # a copy may be recompressed, so it passes on the MD5 of its uncompressed bytes, the one that matters
    assert data._is_valid(real / name, *data.MNIST_FILES[name])


def test_the_real_training_labels_have_the_published_counts(real):
    labels = data._read_idx((real / "train-labels-idx1-ubyte.gz").read_bytes())
    assert data.np.bincount(labels, minlength=10).tolist() == TRAIN_LABEL_COUNTS


def test_build_script_rebuilds_mnist_mini_byte_for_byte(real, tmp_path):
    spec = importlib.util.spec_from_file_location("build_mnist_mini", ROOT / "scripts" / "build_mnist_mini.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    script.main(real, tmp_path)
    mini = resources.files("vaelessons") / "_data" / "mnist_mini"
    shipped = sorted(f.name for f in mini.iterdir() if f.name.endswith(".gz"))
    assert sorted(p.name for p in tmp_path.iterdir()) == shipped
    for name in shipped:
        assert (tmp_path / name).read_bytes() == (mini / name).read_bytes(), name
