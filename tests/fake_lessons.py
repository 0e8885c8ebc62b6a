"""Small lesson notebooks for the classroom tools' tests: the shape of a real lesson, two real exercise checks, no training."""

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

IMPORTS = "import math\n\nfrom vaelessons.checks.kl import check_kl_normal, check_uniform_kl"
KL_STUB = "def my_kl_normal(mu, logvar):\n    # (N, Z) -> (N,)\n    ...  # your code here"
UNIFORM_STUB = "def uniform_kl(a, b, c, d):\n    ...  # your code here"
KL_RIGHT = "def my_kl_normal(mu, logvar):\n    return 0.5 * (mu**2 + logvar.exp() - logvar - 1).sum(dim=1)"
KL_WRONG = "def my_kl_normal(mu, logvar):\n    return (mu**2 + logvar.exp() - logvar - 1).sum(dim=1)"  # the 1/2 forgotten
UNIFORM_RIGHT = "def uniform_kl(a, b, c, d):\n    return math.log((d - c) / (b - a)) if c <= a and b <= d else math.inf"
SOLUTION_CODE = "def solution_kl_normal(mu, logvar):\n    return 0.5 * (mu**2 + logvar.exp() - logvar - 1).sum(dim=1)"


def check_cell(source: str):
    return new_code_cell(source, metadata={"tags": ["nbval-check-output"]})


def solution(cell):
    cell.metadata.setdefault("tags", []).append("solution")
    return cell


def lesson(number: str = "04", title: str = "the KL term", kl=KL_STUB, uniform=UNIFORM_STUB, solutions=True):
    """A lesson notebook: title, imports, two sections with one exercise each, a summary and (tagged) solutions."""
    cells = [
        new_markdown_cell(f"# Lesson {number}: {title}\n\nAfter it you will be able to check a KL."),
        new_code_cell(IMPORTS),
        new_markdown_cell("## 1. The KL to the prior"),
        new_code_cell(kl),
        check_cell("check_kl_normal(my_kl_normal)"),
        new_markdown_cell("## 2. Uniform priors\n\n### Exercise 2"),
        new_code_cell(uniform),
        check_cell("check_uniform_kl(uniform_kl)"),
        new_markdown_cell("## Summary\n\n- The KL has a closed form."),
    ]
    if solutions:
        cells += [
            solution(new_markdown_cell("---\n## Solutions")),
            solution(check_cell(SOLUTION_CODE + "\n\n\ncheck_kl_normal(solution_kl_normal)")),
        ]
    return new_notebook(
        cells=cells, metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}
    )


def write(nb, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def lessons_folder(folder: Path, **kwargs) -> Path:
    """A lessons folder with lesson 04 (as lesson(**kwargs)) and a lesson 05 of the same shape; the folder."""
    write(lesson("04", "the KL term", **kwargs), folder / "04_the_kl_term.ipynb")
    write(lesson("05", "more KL"), folder / "05_more_kl.ipynb")
    return folder
