"""The lessons as a reader on the web sees them: run top to bottom, clean outputs, goals first, solutions checked."""

from pathlib import Path

import nbformat
import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def test_there_are_eight_lessons_in_reading_order():
    assert [p.name[:2] for p in NOTEBOOKS] == [f"{k:02d}" for k in range(8)]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_a_committed_lesson_ran_top_to_bottom_with_clean_outputs(path):
    cells = [c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]
    counts = [c.execution_count for c in cells]
    assert counts == list(range(1, len(cells) + 1)), "commit the outputs of one run, top to bottom (scripts/run_notebooks.py)"
    for cell in cells:
        for out in cell.outputs:
            assert out.output_type != "error", f"In[{cell.execution_count}] raised {out.get('ename')}"
            assert out.get("name") != "stderr", f"In[{cell.execution_count}] wrote to stderr: {out.get('text', '')[:200]}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_a_lesson_opens_with_its_goals_and_checks_its_solutions(path):
    cells = nbformat.read(path, as_version=4).cells
    assert cells[0].cell_type == "markdown" and cells[0].source.startswith(f"# Lesson {path.name[:2]}")
    assert "you will be able to" in cells[0].source
    assert any(c.cell_type == "markdown" and "## Summary" in c.source for c in cells)
    verdicts = [c for c in cells if c.cell_type == "code" and "nbval-check-output" in c.metadata.get("tags", [])]
    shown = "".join(o.get("data", {}).get("text/plain", "") + o.get("text", "") for c in verdicts for o in c.outputs)
    assert shown.count("Not yet.") >= 2, "two or more exercises, each checked while still untouched"
    assert shown.count("Correct!") >= 2, "the solutions section runs the exercises' checks and they pass"
