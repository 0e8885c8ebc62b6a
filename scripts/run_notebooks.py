"""Execute lessons in place, keeping their outputs and widget state, as they are committed.

python scripts/run_notebooks.py [--quick] [NOTEBOOK ...]   (default: every notebook, full mode)
"""

import argparse
import os
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


def run(path: Path, quick: bool):
    """Run one notebook top to bottom in its folder and save it with its outputs."""
    os.environ["VAELESSONS_QUICK"] = "1" if quick else "0"
    os.environ.setdefault("OMP_NUM_THREADS", "1")  # the kernel inherits it: one torch thread, steady on small machines
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    NotebookClient(
        nb, timeout=3600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}, store_widget_state=True
    ).execute()
    nbformat.write(nb, path)
    print(f"{path.name}: {time.perf_counter() - start:.1f} s ({'quick' if quick else 'full'} mode)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="run in quick mode (VAELESSONS_QUICK=1)")
    parser.add_argument("notebooks", nargs="*", type=Path)
    args = parser.parse_args()
    for nb in args.notebooks or sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")):
        run(Path(nb).resolve(), args.quick)
