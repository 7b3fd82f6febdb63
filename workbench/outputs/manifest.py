"""data/manifest.json: the index of every output, and the lock that keeps two writers from interleaving.

A save and its manifest entry land together: the caller stages the new manifest (`merged_manifest`) with its files
and renames it last, holding `manifest_lock`. Its only field that changes between identical runs is `updated_at`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import fcntl
import json
import os
from collections.abc import Iterator
from pathlib import Path

from workbench import paths
from workbench.atomic_write import FILE_MODE, write_error, write_files_atomically
from workbench.errors import OutputError
from workbench.outputs.rendering import json_bytes

__all__ = ["MANIFEST_VERSION", "manifest_lock", "merged_manifest", "read_manifest", "update_manifest"]

MANIFEST_VERSION = 1


def update_manifest(root: Path, entries: dict[str, dict]) -> None:
    """Merge entries into data/manifest.json under a lock, so two runs never interleave their writes."""
    with manifest_lock(root):
        write_files_atomically({root / "manifest.json": merged_manifest(root, entries)})


def merged_manifest(root: Path, entries: dict[str, dict]) -> bytes:
    """The manifest with `entries` added or replaced, as bytes to write; call it holding `manifest_lock`."""
    outputs = {**read_manifest(root).get("outputs", {}), **entries}
    return json_bytes({
        "manifest_version": MANIFEST_VERSION,
        "updated_at": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        "outputs": dict(sorted(outputs.items())),
    })


def read_manifest(root: Path | None = None) -> dict:
    """The manifest as a dict (empty when nothing was saved yet)."""
    manifest = (Path(root) if root is not None else paths.data_dir()) / "manifest.json"
    if manifest.is_symlink():  # reading through it would copy another file's JSON into data/manifest.json
        raise OutputError("the manifest is a symbolic link, so it could read or index a file outside data/.",
                          fix="remove the link from data/ and run again (make run rebuilds the manifest).",
                          file=manifest)
    if not manifest.exists():
        return {"manifest_version": MANIFEST_VERSION, "outputs": {}}
    try:
        return json.loads(manifest.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise OutputError(f"the manifest is not valid JSON ({error}).",
                          fix="delete it and run `make run` to rebuild it from the notebooks.",
                          file=manifest) from None


@contextlib.contextmanager
def manifest_lock(root: Path) -> Iterator[None]:
    """Hold data/.manifest.lock (flock, released by the system even if the holder is killed)."""
    lock = root / ".manifest.lock"
    try:
        root.mkdir(parents=True, exist_ok=True)
        # O_NOFOLLOW: a link planted as the lock file must not make us create or open a file outside data/
        handle = os.fdopen(os.open(lock, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_NOFOLLOW, FILE_MODE), "a")
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise OutputError(f"{lock} is a symbolic link, so locking it could touch a file outside data/.",
                              fix="remove the link from data/ and save again.", file=lock) from None
        raise write_error(lock, error) from None
    with handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
