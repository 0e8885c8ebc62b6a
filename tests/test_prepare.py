"""`vaelessons prepare`: every lesson runs once in full mode so its models are cached; the closing line says ready or not."""

import os
import signal
import subprocess
import sys
import time

import fake_lessons
import psutil
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from vaelessons import prepare
from vaelessons.cli import main
from vaelessons.settings import CACHE_ENV, QUICK_ENV

FULL_MODE = "import os\nassert os.environ['VAELESSONS_QUICK'] == '0', 'prepare runs the lessons in full mode'"
TRAINS = (
    "import torch\nimport vaelessons as vl\n\n"
    "train = vl.load_data('digits')\ntorch.manual_seed(0)\n"
    "history = vl.cached_fit(vl.VAE(x_dim=64, hidden=8), train, epochs=1, progress=False)"
)


def lesson(*sources):
    cells = [new_markdown_cell("# Lesson"), *(new_code_cell(s) for s in sources)]
    return new_notebook(cells=cells, metadata=fake_lessons.lesson().metadata)


def test_prepare_trains_and_caches_every_lessons_models_then_says_the_class_is_ready(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    monkeypatch.setenv(QUICK_ENV, "1")  # prepare runs full mode whatever the shell says
    monkeypatch.setattr(prepare, "fetch_mnist", lambda: None)  # full MNIST is not needed by these lessons
    folder = tmp_path / "notebooks"
    fake_lessons.write(lesson(FULL_MODE, TRAINS), folder / "03_trains.ipynb")
    assert main(["prepare", "--notebooks", str(folder)]) == 0
    out = capsys.readouterr().out
    assert len(list((tmp_path / "cache" / "models").glob("VAE-*.pt"))) == 1
    assert "03_trains" in out and out.splitlines()[-1].startswith("The class is ready")
    row = next(line for line in out.splitlines() if line.startswith("03_trains"))
    assert row.split()[3] == "1", "one model trained"
    assert main(["prepare", "--notebooks", str(folder)]) == 0  # the second time, nothing is trained
    row = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("03_trains"))
    assert row.split()[3] == "0"


def test_a_lesson_that_fails_makes_the_class_not_ready_and_says_where(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    monkeypatch.setattr(prepare, "fetch_mnist", lambda: None)
    folder = tmp_path / "notebooks"
    fake_lessons.write(lesson("x = 1", "raise RuntimeError('the model would not train')", "y = 2"), folder / "05_fails.ipynb")
    fake_lessons.write(lesson("z = 3"), folder / "06_fine.ipynb")
    assert main(["prepare", "--notebooks", str(folder)]) == 1
    captured = capsys.readouterr()
    assert "NOT READY: 1 lesson(s) failed" in captured.err
    assert "05_fails.ipynb stopped at code cell 2: RuntimeError: the model would not train" in captured.err
    assert "06_fine" in captured.out, "the other lessons still ran"


def test_without_full_mnist_prepare_says_how_to_get_it(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    monkeypatch.setenv("VAELESSONS_MNIST_MIRRORS", "http://127.0.0.1:9/")  # nothing listens there
    folder = fake_lessons.write(lesson("x = 1"), tmp_path / "notebooks" / "00_start.ipynb").parent
    assert main(["prepare", "--notebooks", str(folder)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("NOT READY: full MNIST is not in")
    assert "copy the four MNIST .gz files into" in err and "VAELESSONS_MNIST_MIRRORS" in err
    assert not (tmp_path / "cache" / "models").exists(), "no lesson ran"


def test_a_kill_mid_lesson_ends_the_job_with_its_kernel_and_says_how_to_finish(tmp_path):
    folder, started = tmp_path / "notebooks", tmp_path / "started"
    fake_lessons.write(lesson("x = 1"), folder / "00_first.ipynb")
    busy = f"import os, time\nopen({str(started)!r}, 'w').write(str(os.getpid()))\ntime.sleep(600)"
    fake_lessons.write(lesson(busy), folder / "01_long.ipynb")
    job = (  # the command, in its own process (the kill is its alone), with full MNIST not needed by these lessons
        "import sys\nfrom vaelessons import prepare\nfrom vaelessons.cli import main\n"
        f"prepare.fetch_mnist = lambda: None\nsys.exit(main(['prepare', '--notebooks', {str(folder)!r}]))"
    )
    env = {**os.environ, CACHE_ENV: str(tmp_path / "cache")}
    with subprocess.Popen([sys.executable, "-c", job], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as run:
        while not (started.exists() and started.read_text()) and run.poll() is None:  # the second lesson's long cell
            time.sleep(0.05)
        run.send_signal(signal.SIGTERM)
        out, err = run.communicate(timeout=120)
    assert run.returncode == 130, (out, err)
    assert "INTERRUPTED during 01_long.ipynb, after 1 of 2 lessons; its kernel was shut down" in err
    assert "run `make prepare` again to finish" in err
    kernel = int(started.read_text())
    assert not psutil.pid_exists(kernel) or psutil.Process(kernel).status() == psutil.STATUS_ZOMBIE, "its kernel was left running"
