"""A disk cache of checked curated tables, shared by every process that reads the same record.

Reading the record means typing every cell, checking ids, references, row rules and the sourcing bar, and deriving
columns: about half a second of work that each new process repeated (each notebook's kernel in `workbench run`,
each test worker). A table that passed its checks is kept under the cache folder (data/.cache/datasets/), keyed by
a digest of everything the result depends on: the bytes and paths of the registry, its lock, every shipped table
and every overlay, and the source of the workbench package that checks and derives them. Any edit to one of those
makes a new key, so a stale table is never served and a broken record is checked (and reported) again each time.
Only successes are stored, written with `atomic_write` like every output; a cache that cannot be read or written
is skipped.
`WORKBENCH_DATASET_CACHE=off` turns it off (benchmarks measure a cold load that way).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from workbench import paths
from workbench.hashing import sha256_of

if TYPE_CHECKING:
    from workbench.datasets.curated import Assembled

__all__ = ["KEEP", "PACKAGE", "SWITCH", "code_fingerprint", "enabled", "key", "read", "write"]

SWITCH = "WORKBENCH_DATASET_CACHE"
PACKAGE = Path(__file__).resolve().parents[1]
KEEP = 8  # versions of the record kept; older ones are removed when a new one is written


def enabled() -> bool:
    return paths.cache_enabled(SWITCH)


def key(files: Sequence[Path]) -> str:
    """The digest of the files' paths and bytes (a missing file counts as missing), of the package's source as it
    was when this process imported it, and of the versions of polars and Python that read and wrote the tables."""
    import sys

    import polars as pl

    digest = hashlib.sha256(f"{_CODE}\0{pl.__version__}\0{sys.version}".encode())
    for path in files:
        digest.update(f"\0{path}\0".encode())
        digest.update(_bytes_digest(path))
    return digest.hexdigest()[:32]


def _bytes_digest(path: Path) -> bytes:
    try:
        return sha256_of(path).encode()
    except OSError:  # missing (no overlay), or going away mid-read: counts as such
        return b"missing"


def code_fingerprint(package: Path = PACKAGE) -> str:
    """The source of every module of the package: the checks and derivations may live in any of them. Taken once,
    on import, so that a process whose code is older than the files on disk (a kernel open across a `git pull`)
    never stores its tables under the new code's key."""
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        digest.update(str(path.relative_to(package)).encode())
        digest.update(_bytes_digest(path))  # an editor's lock file (a dangling `.#name.py`) must not break loading
    return digest.hexdigest()


_CODE = code_fingerprint()


def _folder(version: str) -> Path:
    return paths.cache_dir() / "datasets" / version


def read(version: str, name: str) -> Assembled | None:
    """The cached table `name` of this version of the record, or None."""
    import polars as pl

    from workbench.datasets.curated import Assembled

    folder = _folder(version)
    try:
        about = json.loads((folder / f"{name}.json").read_text(encoding="utf-8"))
        frame = pl.read_ipc(folder / f"{name}.arrow")
    except (OSError, ValueError, pl.exceptions.PolarsError):
        return None
    user_path = Path(about["user_path"]) if about.get("user_path") else None
    return Assembled(name, frame, user_path, list(about.get("user_ids", [])), list(about.get("replaced_ids", [])))


def write(version: str, assembled: Assembled) -> None:
    """Keep a checked table for other processes; any failure leaves the cache as it was."""
    import io

    from workbench.atomic_write import write_files_atomically

    folder = _folder(version)
    about = {"user_path": str(assembled.user_path) if assembled.user_path else None,
             "user_ids": assembled.user_ids, "replaced_ids": assembled.replaced_ids}
    try:
        fresh = not folder.is_dir()
        table = io.BytesIO()
        assembled.frame.write_ipc(table)
        write_files_atomically({folder / f"{assembled.name}.arrow": table.getvalue(),
                                folder / f"{assembled.name}.json": json.dumps(about).encode("utf-8")})
    except Exception:  # noqa: BLE001 - a cache that cannot be written is only slower
        return
    if fresh:
        paths.keep_newest(folder.parent, KEEP)
