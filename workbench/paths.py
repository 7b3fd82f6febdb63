"""Where things live: the repository, seeds/, notebooks/, data/ and the download cache.

Notebooks and the CLI ask here instead of using the working directory, so a notebook runs the same from
JupyterLab, from `make run` or from a test. Each folder can be moved with an environment variable:
WORKBENCH_ROOT, WORKBENCH_SEEDS_DIR, WORKBENCH_NOTEBOOKS_DIR, WORKBENCH_DATA_DIR, WORKBENCH_CACHE_DIR.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

from workbench.errors import ConfigurationError

__all__ = [
    "cache_dir", "cache_enabled", "catalog_path", "data_dir", "keep_newest", "manifest_path", "notebooks_dir", "root",
    "seeds_dir", "user_data_dir",
]

_PACKAGE_DIR = Path(__file__).resolve().parent


def _from_env(variable: str) -> Path | None:
    value = os.path.expanduser(os.environ.get(variable, "").strip())
    if not value:
        return None
    return _resolved(value, "" if os.path.isabs(value) else os.getcwd())


@functools.lru_cache(maxsize=16)
def _resolved(value: str, working_dir: str) -> Path:
    """A folder named in the environment, resolved once per value and working folder (against which a relative one
    resolves): a notebook asks for data_dir() thousands of times, and each resolve walks the file system. A symbolic
    link on the way is followed once per process: pointed elsewhere later, it is seen by the next process."""
    return (Path(working_dir) / value).resolve()


def root() -> Path:
    """The repository checkout: the folder holding pyproject.toml and seeds/."""
    configured = _from_env("WORKBENCH_ROOT")
    if configured is not None:
        return configured
    candidate = _PACKAGE_DIR.parent
    if (candidate / "pyproject.toml").is_file() and (candidate / "seeds").is_dir():
        return candidate
    raise ConfigurationError(
        f"cannot find the workbench repository next to the installed package ({candidate}).",
        fix="install the package from a checkout with `pip install -e .`, or set WORKBENCH_ROOT "
        "to the checkout folder.",
        column="WORKBENCH_ROOT",
    )


def seeds_dir() -> Path:
    """Primary sources: article files and catalog.csv."""
    return _from_env("WORKBENCH_SEEDS_DIR") or root() / "seeds"


def catalog_path() -> Path:
    return seeds_dir() / "catalog.csv"


def notebooks_dir() -> Path:
    return _from_env("WORKBENCH_NOTEBOOKS_DIR") or root() / "notebooks"


def data_dir() -> Path:
    """Outputs only: tables, figures, reports and manifest.json."""
    return _from_env("WORKBENCH_DATA_DIR") or root() / "data"


def cache_dir() -> Path:
    """Downloaded public datasets, and what processes keep for each other (never committed)."""
    return _from_env("WORKBENCH_CACHE_DIR") or data_dir() / ".cache"


def keep_newest(folder: Path, keep: int) -> None:
    """Remove all but the `keep` most recently modified entries (files or folders) of a cache folder; one that
    cannot be listed or removed is left as it is (a cache is only ever slower without pruning)."""
    import contextlib
    import shutil

    with contextlib.suppress(OSError):
        entries = sorted(folder.iterdir(), key=lambda path: path.stat().st_mtime_ns, reverse=True)
        for stale in entries[keep:]:
            if stale.is_dir() and not stale.is_symlink():
                shutil.rmtree(stale, ignore_errors=True)
            else:
                stale.unlink(missing_ok=True)


def cache_enabled(switch: str) -> bool:
    """Whether the cache that the environment variable `switch` controls is on (it is unless set to off, 0, false
    or no)."""
    return os.environ.get(switch, "").strip().lower() not in {"off", "0", "false", "no"}


def user_data_dir() -> Path:
    """A researcher's own rows that overlay the shipped datasets (data/user/<dataset>.csv)."""
    return data_dir() / "user"


def manifest_path() -> Path:
    return data_dir() / "manifest.json"
