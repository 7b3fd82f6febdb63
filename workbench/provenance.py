"""Who produced an output: the notebook, its parameters, the package version, the git commit and the environment
(the dependency lock it was installed from, and the versions of the libraries that shape tables and figures).

`workbench run` tells the notebook's kernel its name and parameters through environment variables; a
notebook opened by hand in JupyterLab may name itself with `setup(notebook=...)`.
"""

from __future__ import annotations

import functools
import json
import os
import subprocess

__all__ = [
    "LOCK_FILE", "NOTEBOOK_VARIABLE", "PARAMETERS_VARIABLE", "SHAPING_PACKAGES", "environment", "git_commit",
    "produced_by", "set_context",
]

NOTEBOOK_VARIABLE = "WORKBENCH_NOTEBOOK"
PARAMETERS_VARIABLE = "WORKBENCH_PARAMETERS"
_context: dict = {}


def set_context(notebook: str | None = None, parameters: dict | None = None) -> None:
    """Record the running notebook (explicit values win over what `workbench run` passed)."""
    if notebook is not None:
        _context["notebook"] = notebook
    if parameters is not None:
        _context["parameters"] = parameters


def produced_by() -> dict:
    from workbench import __version__

    parameters = _context.get("parameters")
    if parameters is None:
        parameters = json.loads(os.environ.get(PARAMETERS_VARIABLE) or "{}")
    return {
        "notebook": _context.get("notebook") or os.environ.get(NOTEBOOK_VARIABLE) or None,
        "parameters": parameters,
        "package": "ai-record-workbench",
        "version": __version__,
        "git_commit": git_commit(),
        "environment": environment(),
    }


#: The libraries whose version changes what a table or figure looks like.
SHAPING_PACKAGES = ("polars", "altair", "vl-convert-python", "ipywidgets", "nbconvert", "papermill")
LOCK_FILE = "requirements/run.lock"


@functools.cache
def environment() -> dict:
    """The lock the environment was installed from (path and sha256, None outside a checkout) and the
    installed versions of the libraries that shape outputs."""
    import hashlib
    from importlib import metadata

    from workbench import paths
    from workbench.errors import WorkbenchError

    versions = {}
    for name in SHAPING_PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    try:
        lock = paths.root() / LOCK_FILE
        digest = hashlib.sha256(lock.read_bytes()).hexdigest() if lock.is_file() else None
    except (OSError, WorkbenchError):
        digest = None
    return {"lock": LOCK_FILE if digest else None, "lock_sha256": digest, "packages": versions}


@functools.cache
def git_commit() -> str | None:
    """The checkout's commit, or None outside a git checkout."""
    from workbench import paths
    from workbench.errors import WorkbenchError

    try:
        result = subprocess.run(["git", "rev-parse", "HEAD"], cwd=paths.root(), capture_output=True,
                                text=True, timeout=5, check=False)
    except (OSError, subprocess.SubprocessError, WorkbenchError):
        return None
    return result.stdout.strip() or None if result.returncode == 0 else None
