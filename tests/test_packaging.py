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


def _pins(lock: str) -> dict[str, str]:
    text = (REPO / "requirements" / lock).read_text()
    entries = re.findall(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^ \\\n]+)"
                         r"((?:\s*\\\n\s+--hash=sha256:[0-9a-f]{64})+)", text, re.M)
    assert len(entries) == len(re.findall(r"^[A-Za-z0-9][^ ]*==", text, re.M)), f"{lock}: a pin without hashes"
    return {name.lower().replace("_", "-"): version for name, version, _ in entries}


def test_locks_pin_every_dependency_inside_pyproject_ranges_with_hashes() -> None:
    from packaging.version import Version

    project = _pyproject()["project"]
    run, test, bench = _pins("run.lock"), _pins("test.lock"), _pins("bench.lock")
    for lock, pins, requirements in (("run.lock", run, project["dependencies"]),
                                     ("test.lock", test,
                                      project["dependencies"] + project["optional-dependencies"]["test"]),
                                     ("bench.lock", bench, project["optional-dependencies"]["bench"])):
        for line in requirements:
            requirement = Requirement(line)
            name = requirement.name.lower().replace("_", "-")
            assert name in pins, f"{lock} does not pin {name}: run `make lock`"
            assert Version(pins[name]) in requirement.specifier, (
                f"{lock}: {name}=={pins[name]} is outside {requirement}")
    # one resolution: what run and bench share with test is pinned to the same version
    assert all(test[name] == version for name, version in run.items())
    assert all(test[name] == version for name, version in bench.items() if name in test)


def test_make_installs_from_the_locks() -> None:
    makefile = (REPO / "Makefile").read_text()
    for lock in ("run", "test", "bench"):
        assert f"--require-hashes -r requirements/{lock}.lock" in makefile
    assert "install -e ." not in makefile.replace("--no-deps -e .", "")


def test_every_output_names_the_lock_and_the_versions_that_shape_it() -> None:
    import hashlib
    from importlib import metadata

    from workbench.provenance import produced_by

    environment = produced_by()["environment"]
    assert environment["lock"] == "requirements/run.lock"
    assert environment["lock_sha256"] == hashlib.sha256((REPO / "requirements/run.lock").read_bytes()).hexdigest()
    assert environment["packages"]["polars"] == metadata.version("polars") == _pins("run.lock")["polars"]
