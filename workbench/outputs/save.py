"""`save()`: one call that renders an output, works out its sidecar and citations, and writes them with the
output's manifest entry, all or nothing.

Every file is first written beside its target and renamed into place only once all of them are written, the
manifest last, under the manifest lock; SIGTERM or Ctrl-C arriving meanwhile waits until all are in place, so a
failure or a stopped run leaves the previous files with their previous entry, never a mix.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workbench import paths
from workbench.atomic_write import write_files_atomically
from workbench.attribution import attribute
from workbench.outputs.manifest import manifest_lock, merged_manifest
from workbench.outputs.names import check_output_name, refuse_symlinks, safe_output_path
from workbench.outputs.rendering import KINDS, json_bytes, kind_of, render
from workbench.outputs.sidecars import checked_meta, sidecar_files, sidecar_of

__all__ = ["SavedOutput", "announce_saves", "save"]


@dataclass(frozen=True)
class SavedOutput:
    """What one `save` call wrote: the files (relative to data/), the sidecar and its manifest key."""

    key: str
    files: tuple[Path, ...]
    sidecar: Path

    def __str__(self) -> str:
        return f"{self.key}: " + ", ".join(p.name for p in (*self.files, self.sidecar))


def save(obj: Any, name: str, *, title: str | None = None, description: str | None = None, notes: str | None = None,
         meta: dict | None = None, data_dir: Path | None = None) -> SavedOutput:
    """Write a polars DataFrame, an altair chart or a `Document` under data/ with its sidecar, and index it.

    The sidecar's sources, licences and inputs come from what `obj` was computed from (`workbench.lineage`, worked
    out by `workbench.attribution`); `meta` may add sources, licences or input files the lineage cannot see.
    """
    root = Path(data_dir) if data_dir is not None else paths.data_dir()
    check_output_name(name)  # the name as the caller wrote it, before a folder is put in front of it
    meta = checked_meta({} if meta is None else meta, name)
    meta |= {key: value for key, value in (("title", title), ("description", description), ("notes", notes))
             if value is not None}
    kind = kind_of(obj, name)
    key = f"{KINDS[kind]}/{name}"
    target = safe_output_path(root, key)
    rendered, shape = render(obj, kind)
    attributed = attribute(obj, licences=meta.get("licences", []))

    files = {target.with_name(target.name + suffix): content for suffix, content in rendered.items()}
    sidecar = target.with_name(target.name + ".meta.json")
    for path in (*files, sidecar):
        refuse_symlinks(root, path, name=name)
    document = sidecar_of(name, kind, key, meta, files, shape, attributed, root)
    files.update(sidecar_files(document, target, root))
    files[sidecar] = json_bytes(document)
    entry = {
        "kind": kind,
        "title": document["title"],
        "sidecar": sidecar.relative_to(root).as_posix(),
        "files": document["files"],
        "citation_files": document["citation_files"],
        "produced_by": document["produced_by"],
    }
    # One commit for the files and their manifest entry (manifest renamed last): a full disk or a stop part-way
    # leaves the old files with the old entry, never new files under an entry that records other hashes.
    with manifest_lock(root):
        write_files_atomically({**files, root / "manifest.json": merged_manifest(root, {key: entry})})
    saved = SavedOutput(key=key, files=tuple(p.relative_to(root) for p in files if p != sidecar),
                        sidecar=sidecar.relative_to(root))
    if _announcing[0]:
        print(saved)
    return saved


_announcing = [False]


def announce_saves(on: bool = True) -> None:
    """Print one line per `save` (what it wrote): `setup()` turns it on, so a notebook's Save cell is only saves."""
    _announcing[0] = on
