"""The sidecar beside every output (`<name>.meta.json`) and its citations: what the output is, its files with their
sha256, what it was computed from, its sources and licence, what produced it, and how to cite it.

Sources, licences and inputs come from the output's lineage (`workbench.attribution`); `meta` may add what the
lineage cannot see, and is checked first so that a bad key or a missing input file is refused before anything is
rendered. The citations (CSL-JSON and BibTeX, `workbench.citation_formats`) are built from the sidecar alone.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from workbench import paths
from workbench.citation_formats import citation_files
from workbench.errors import OutputError
from workbench.hashing import sha256_of
from workbench.provenance import produced_by

__all__ = ["MEDIA_TYPES", "META_KEYS", "checked_meta", "citation", "derived_record", "file_record", "sidecar_files",
           "sidecar_of", "unique"]

META_KEYS = ("title", "description", "sources", "licences", "derived_from", "notes")
MEDIA_TYPES = {
    ".parquet": "application/vnd.apache.parquet", ".csv": "text/csv", ".png": "image/png",
    ".svg": "image/svg+xml", ".html": "text/html", ".json": "application/json", ".md": "text/markdown",
}


def checked_meta(meta: Any, name: str) -> dict[str, Any]:
    """`meta` as a dict, refused (naming the output) unless it is a mapping of known keys with list-valued lists."""
    if not isinstance(meta, Mapping):
        raise OutputError(f"meta must be a dict, not {type(meta).__name__}, for output {name!r}.",
                          fix=f"pass meta={{'title': ..., 'sources': [...]}} with keys from: {', '.join(META_KEYS)}.",
                          value=name)
    meta = dict(meta)
    unknown = sorted(set(meta) - set(META_KEYS))
    if unknown:
        raise OutputError(f"meta has unknown key(s) {', '.join(unknown)} for output {name!r}.",
                          fix=f"use only: {', '.join(META_KEYS)}.", value=name)
    for key in ("sources", "licences", "derived_from"):
        if key in meta and not isinstance(meta[key], (list, tuple)):
            raise OutputError(f"meta[{key!r}] must be a list.", fix=f"wrap it: {key}=[...].", value=name)
    return meta


def sidecar_of(name: str, kind: str, key: str, meta: dict[str, Any], files: dict[Path, bytes],
               description: dict[str, Any], attributed: dict[str, Any], root: Path) -> dict[str, Any]:
    """The sidecar of output `key` (e.g. tables/nb/deals): its files, rows and fields (`description`), sources,
    licences and inputs (`attributed` and `meta`), what produced it and a suggested citation."""
    sidecar = {
        "name": name,
        "kind": kind,
        "title": meta.get("title") or name,
        "description": meta.get("description", ""),
        "files": [file_record(path, content, root) for path, content in files.items()],
        **description,
        "sources": unique([*attributed["sources"], *meta.get("sources", [])]),
        "licences": attributed["licences"],
        "licence": attributed["licence"],
        "derived_from": unique([derived_record(item)
                                for item in (*attributed["derived_from"], *meta.get("derived_from", []))]),
        "notes": " ".join(text for text in (meta.get("notes", ""), attributed["notes"]) if text),
        "produced_by": produced_by(),
    }
    sidecar["manifest_id"] = key
    sidecar["citation"] = citation(sidecar)
    return sidecar


def sidecar_files(sidecar: dict[str, Any], target: Path, root: Path) -> dict[Path, bytes]:
    """The citation files beside `target` (CSL-JSON and BibTeX); records their paths in `sidecar`."""
    cited = {target.with_name(target.name + suffix): content for suffix, content in citation_files(sidecar).items()}
    sidecar["citation_files"] = [path.relative_to(root).as_posix() for path in cited]
    return cited


def unique(items: list) -> list:
    """Each item once, in first-seen order (dicts compared by content)."""
    seen, kept = set(), []
    for item in items:
        key = json.dumps(item, sort_keys=True, default=str)
        if key not in seen:
            seen.add(key)
            kept.append(item)
    return kept


def file_record(path: Path, content: bytes, root: Path) -> dict[str, Any]:
    """A file as the sidecar and the manifest list it: path under data/, media type, size and sha256."""
    suffix = ".json" if path.name.endswith(".vl.json") else path.suffix
    return {"path": path.relative_to(root).as_posix(), "media_type": MEDIA_TYPES.get(suffix, "text/csv"),
            "bytes": len(content), "sha256": hashlib.sha256(content).hexdigest()}


def derived_record(item: Any) -> dict[str, Any]:
    """An input of the output: a dict as given, or a file named by path, with its sha256 (refused if missing)."""
    if isinstance(item, dict):
        return item
    path = Path(item)
    if not path.is_file():
        raise OutputError("an input named in derived_from does not exist (or is a folder, not a file).",
                          fix="pass the paths of files the output was computed from.", value=str(item))
    try:
        shown = path.resolve().relative_to(paths.root()).as_posix()
    except ValueError:
        shown = str(path)
    return {"path": shown, "sha256": sha256_of(path)}


def citation(sidecar: dict[str, Any]) -> str:
    """A suggested citation: the output, its exact bytes, what produced it, and the sources behind it."""
    produced = sidecar["produced_by"]
    commit = f", commit {produced['git_commit'][:12]}" if produced.get("git_commit") else ""
    main_file = sidecar["files"][0]
    sources = [source.get("publisher") or source.get("url") for source in sidecar["sources"]
               if isinstance(source, dict)] or [str(source) for source in sidecar["sources"]]
    cited = f" Sources: {'; '.join(dict.fromkeys(s for s in sources if s))}." if sources else ""
    return (f"{sidecar['title']}. AI record workbench {produced['version']}{commit}, output {sidecar['manifest_id']} "
            f"({main_file['path']}, sha256 {main_file['sha256'][:16]}).{cited}")
