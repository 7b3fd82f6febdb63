"""The set-up promises: one dependency list, the README's commands in the Makefile, a fast import."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib

import yaml
from conftest import REPO
from packaging.requirements import Requirement


def _pyproject() -> dict:
    return tomllib.loads((REPO / "pyproject.toml").read_text())


def test_environment_yml_mirrors_pyproject() -> None:
    project = _pyproject()["project"]
    wanted = {Requirement(r).name: str(Requirement(r).specifier)
              for r in project["dependencies"] + project["optional-dependencies"]["test"]}
    environment = yaml.safe_load((REPO / "environment.yml").read_text())
    assert environment["channels"] == ["conda-forge"]
    conda = {}
    pip_section = []
    for item in environment["dependencies"]:
        if isinstance(item, dict):
            pip_section = item["pip"]
            continue
        requirement = Requirement(item.replace(" ", ""))
        conda[requirement.name] = str(requirement.specifier)
    python = conda.pop("python")
    assert python == str(Requirement(f"python{project['requires-python']}").specifier)
    conda.pop("pip")
    assert conda == wanted
    assert pip_section == ["-e .[test]"]


def test_readme_commands_are_makefile_targets_and_ci_runs_the_test_command() -> None:
    readme = (REPO / "README.md").read_text()
    makefile = (REPO / "Makefile").read_text()
    targets = set(re.findall(r"^([a-z][a-z-]*):", makefile, flags=re.M))
    commands = set(re.findall(r"`make ([a-z-]+)`", readme)) | set(re.findall(r"^make ([a-z-]+)$", readme, re.M))
    assert {"run", "test"} <= commands
    assert commands <= targets
    assert re.search(r"^run: .*\n\t\$\(PY\) -m workbench run$", makefile, re.M)
    assert re.search(r"^test: .*\n\t\$\(PY\) -m pytest", makefile, re.M)
    assert "make test" in (REPO / ".ci/run").read_text()


def test_import_is_lazy_about_heavy_libraries() -> None:
    code = ("import sys, workbench; heavy = [m for m in ('polars', 'altair', 'vl_convert', 'papermill', "
            "'ipywidgets') if m in sys.modules]; print(heavy)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_public_face_resolves() -> None:
    import workbench

    for name in ("setup", "load_corpus", "save", "Corpus", "paths", "errors"):
        assert getattr(workbench, name) is not None
