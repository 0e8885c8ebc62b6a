"""pyproject.toml and environment.yml ask for the same packages with the same version ranges; the wheel carries its data."""

import fnmatch
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

try:
    import tomllib
except ImportError:  # Python 3.10: pytest itself depends on tomli there
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]


def read_environment(text: str) -> dict:
    """The parts of a conda environment.yml used here: name, channels, conda dependencies, pip dependencies.

    A small line reader for the file's plain layout (keys, "- item" lists, one nested "- pip:" list), so
    the test needs no YAML library; test_the_line_reader_agrees_with_yaml checks it against PyYAML when present.
    """
    env = {"name": None, "channels": [], "dependencies": [], "pip": []}
    section = None
    for line in text.splitlines():
        content = line.split(" #", 1)[0].rstrip() if not line.lstrip().startswith("#") else ""
        if not content:
            continue
        if not line.startswith(" ") and ":" in content:
            key, value = (part.strip() for part in content.split(":", 1))
            section = key
            if key == "name":
                env["name"] = value
            continue
        item = content.strip().removeprefix("- ").strip()
        if item == "pip:":
            section = "pip"
        elif section == "pip" and len(line) - len(line.lstrip()) <= 2:  # back to the conda list
            section = "dependencies"
            env[section].append(item)
        else:
            env[section].append(item)
    return env


@pytest.fixture(scope="module")
def pyproject():
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


@pytest.fixture(scope="module")
def environment():
    return read_environment((ROOT / "environment.yml").read_text())


def by_name(requirements) -> dict:
    """{canonical name: specifier set} of PEP 508 requirement strings."""
    parsed = [Requirement(r) for r in requirements]
    return {canonicalize_name(r.name): r.specifier for r in parsed}


def test_the_environment_is_named_and_uses_conda_forge(environment):
    assert environment["name"] == "vaelessons"
    assert environment["channels"] == ["conda-forge"]


def test_pip_in_the_environment_installs_what_pyproject_asks_for(pyproject, environment):
    wanted = pyproject["project"]["dependencies"] + pyproject["project"]["optional-dependencies"]["test"]
    pip = [r for r in environment["pip"] if not r.startswith("-e")]
    assert len(pip) == len(set(by_name(pip)))  # no package listed twice
    assert by_name(pip) == by_name(wanted)
    assert "-e ." in environment["pip"]  # and then the package itself


def test_the_environment_python_is_the_one_pyproject_supports(pyproject, environment):
    conda = {Requirement(d).name: Requirement(d).specifier for d in environment["dependencies"]}
    assert set(conda) == {"python", "pip"}
    assert conda["python"] == SpecifierSet(pyproject["project"]["requires-python"])


def test_python_310_and_newer_are_supported(pyproject):
    supported = SpecifierSet(pyproject["project"]["requires-python"])
    assert all(v in supported for v in ("3.10", "3.11", "3.12", "3.13", "3.14"))
    assert "3.9" not in supported


def test_the_torch_requirement_is_a_range(pyproject):
    (torch,) = [Requirement(r) for r in pyproject["project"]["dependencies"] if Requirement(r).name == "torch"]
    operators = {s.operator for s in torch.specifier}
    assert ">=" in operators and "<" in operators, "torch needs a lower and an upper bound"
    assert not operators & {"==", "==="}, "torch must not be pinned to one version"
    # 2.4 is the oldest torch with fused Adam on the CPU (fit uses it); 2.13.0 is the one tested here
    assert "2.4" in torch.specifier and "2.3" not in torch.specifier and "2.13.0" in torch.specifier


def test_every_file_the_package_reads_goes_into_the_wheel(pyproject):
    """mnist-mini, its licence note and the widgets' static files must be package data, or an install lacks them."""
    patterns = pyproject["tool"]["setuptools"]["package-data"]["vaelessons"]
    package = ROOT / "vaelessons"
    files = [p.relative_to(package).as_posix() for folder in ("_data", "static") for p in (package / folder).rglob("*")]
    files = [f for f in files if (package / f).is_file() and "__pycache__" not in f]
    assert any(f.startswith("_data/mnist_mini/") for f in files)
    missing = [f for f in files if not any(fnmatch.fnmatch(f, pattern) for pattern in patterns)]
    assert missing == []


def test_the_line_reader_agrees_with_yaml():
    yaml = pytest.importorskip("yaml")
    text = (ROOT / "environment.yml").read_text()
    loaded = yaml.safe_load(text)
    conda = [d for d in loaded["dependencies"] if isinstance(d, str)]
    (pip,) = [d["pip"] for d in loaded["dependencies"] if isinstance(d, dict)]
    assert read_environment(text) == {"name": loaded["name"], "channels": loaded["channels"], "dependencies": conda, "pip": pip}
