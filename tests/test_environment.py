"""pyproject.toml and environment.yml must name the same packages with the same version specifiers."""

import difflib
import re
import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?\s*(.*)$")


def _normalize(requirement: str) -> tuple[str, str]:
    """``"Jupyter_Book >= 1.0.4, <2"`` → ``("jupyter-book", ">=1.0.4,<2")`` (PEP 503 name, sorted specs)."""
    requirement = requirement.split(";")[0].strip()
    match = _NAME.match(requirement)
    assert match, f"cannot parse requirement {requirement!r}"
    name = re.sub(r"[-_.]+", "-", match.group(1)).lower()
    specs = sorted(s.replace(" ", "") for s in match.group(3).split(",") if s.strip())
    return name, ",".join(specs)


def pyproject_requirements(text: str) -> dict[str, str]:
    project = tomllib.loads(text)["project"]
    found: dict[str, str] = {}
    for req in [*project.get("dependencies", []),
                *(r for group in project.get("optional-dependencies", {}).values() for r in group)]:
        name, spec = _normalize(req)
        assert found.get(name, spec) == spec, f"pyproject.toml gives {name} two specifiers"
        found[name] = spec
    return found


def environment_pip_requirements(text: str) -> dict[str, str]:
    """The ``- pip:`` list of a conda environment file (no YAML library needed)."""
    found: dict[str, str] = {}
    pip_indent = None
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].rstrip()
        if not line.strip():
            continue
        indent = len(line) - len(line.lstrip())
        item = line.strip()
        if pip_indent is None:
            if item in ("- pip:", "-pip:"):
                pip_indent = indent
            continue
        if indent <= pip_indent:
            break
        assert item.startswith("- "), f"unexpected line in the pip list: {raw!r}"
        entry = item[2:].strip().strip("'\"")
        if entry.startswith("-e ") or entry in (".", "-e."):
            continue
        name, spec = _normalize(entry)
        found[name] = spec
    assert pip_indent is not None, "environment.yml has no '- pip:' list"
    return found


def environment_python(text: str) -> str | None:
    for raw in text.splitlines():
        item = raw.split("#", 1)[0].strip()
        if item.startswith("- python") and not item.startswith("- pip"):
            return _normalize(item[2:])[1]
    return None


def _diff(a: dict, b: dict) -> str:
    lines = lambda d: [f"{k}{v}\n" for k, v in sorted(d.items())]
    return "".join(difflib.unified_diff(lines(a), lines(b), "pyproject.toml", "environment.yml"))


def test_parsers_on_known_text():
    toml = ('[project]\nrequires-python = ">=3.10"\ndependencies = ["NumPy >= 1.26"]\n'
            '[project.optional-dependencies]\nx = ["jupyter_book>=1.0.4,<2", "torch==2.13.0"]\n')
    yml = ("dependencies:\n  - python>=3.10\n  - pip\n  - pip:\n      - numpy>=1.26  # core\n"
           "      # x\n      - Jupyter-Book<2,>=1.0.4\n      - torch==2.13.0\n      - -e .\n"
           "# trailing comment\n")
    assert pyproject_requirements(toml) == environment_pip_requirements(yml) == {
        "numpy": ">=1.26", "jupyter-book": "<2,>=1.0.4", "torch": "==2.13.0"}
    assert environment_python(yml) == ">=3.10"


def test_drift_is_reported_as_a_readable_diff():
    a, b = {"numpy": ">=1.26", "torch": "==2.13.0"}, {"numpy": ">=1.26", "torch": "==2.12.0"}
    diff = _diff(a, b)
    assert "-torch==2.13.0" in diff and "+torch==2.12.0" in diff and "numpy" not in diff.replace(" numpy", "")


def test_environment_yml_matches_pyproject():
    pyproject = pyproject_requirements((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    environment = environment_pip_requirements((ROOT / "environment.yml").read_text(encoding="utf-8"))
    assert pyproject == environment, (
        "pyproject.toml (dependencies + all optional-dependencies) and environment.yml's pip list "
        "have drifted apart:\n" + _diff(pyproject, environment))


def test_python_requirement_consistent():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    requires = pyproject["project"]["requires-python"]
    env_python = environment_python((ROOT / "environment.yml").read_text(encoding="utf-8"))
    assert env_python is not None, "environment.yml does not pin python"
    assert env_python == requires.replace(" ", ""), (
        f"pyproject.toml requires-python {requires!r} but environment.yml has python{env_python}")
    assert pyproject["tool"]["ruff"]["target-version"] == "py" + requires.split(">=")[1].replace(".", "")
