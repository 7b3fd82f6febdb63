"""Citable outputs: tables and figures written atomically under data/ with provenance sidecars.

`save(frame, "00-start-here/paragraphs")` writes `data/tables/00-start-here/paragraphs.{parquet,csv}` and
`paragraphs.meta.json`; a chart goes to `data/figures/...` as png, svg, offline html, vl.json and the plotted
rows as csv. Every file is first written beside its target and renamed into place only when all of them
rendered, so a failure leaves earlier outputs untouched. `data/manifest.json` indexes every output; its only
field that changes between identical runs is `updated_at`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import json
import os
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workbench import paths
from workbench.errors import OutputError, UnsafeOutputNameError
from workbench.provenance import produced_by

MANIFEST_VERSION = 1
META_KEYS = ("title", "description", "sources", "licences", "derived_from", "notes")
_SEGMENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
_MAX_DEPTH = 3
_UMASK = os.umask(0o022)
os.umask(_UMASK)
_FILE_MODE = 0o666 & ~_UMASK  # what open() would give; mkstemp alone makes files private (0600)
_MEDIA_TYPES = {
    ".parquet": "application/vnd.apache.parquet", ".csv": "text/csv", ".png": "image/png",
    ".svg": "image/svg+xml", ".html": "text/html", ".json": "application/json",
}


@dataclass(frozen=True)
class SavedOutput:
    """What one `save` call wrote: the files (relative to data/), the sidecar and its manifest key."""

    key: str
    files: tuple[Path, ...]
    sidecar: Path

    def __str__(self) -> str:
        return f"{self.key}: " + ", ".join(p.name for p in (*self.files, self.sidecar))


def save(obj: Any, name: str, *, meta: dict | None = None, data_dir: Path | None = None) -> SavedOutput:
    """Write a polars DataFrame or an altair chart under data/ with its sidecar, and index it."""
    root = Path(data_dir) if data_dir is not None else paths.data_dir()
    meta = _checked_meta(meta or {}, name)
    kind = _kind_of(obj, name)
    folder = "tables" if kind == "table" else "figures"
    target = safe_output_path(root, f"{folder}/{name}")
    rendered, description = (_render_table(obj) if kind == "table" else _render_figure(obj))

    files = {target.with_name(target.name + suffix): content for suffix, content in rendered.items()}
    sidecar = target.with_name(target.name + ".meta.json")
    sidecar_doc = {
        "name": name,
        "kind": kind,
        "title": meta.get("title") or name,
        "description": meta.get("description", ""),
        "files": [_file_record(path, content, root) for path, content in files.items()],
        **description,
        "sources": meta.get("sources", []),
        "licences": meta.get("licences", []),
        "derived_from": [_derived_record(item) for item in meta.get("derived_from", [])],
        "notes": meta.get("notes", ""),
        "produced_by": produced_by(),
    }
    key = f"{folder}/{name}"
    sidecar_doc["manifest_id"] = key
    sidecar_doc["citation"] = _citation(sidecar_doc)
    files[sidecar] = _json_bytes(sidecar_doc)
    write_files_atomically(files)

    entry = {
        "kind": kind,
        "title": sidecar_doc["title"],
        "sidecar": sidecar.relative_to(root).as_posix(),
        "files": sidecar_doc["files"],
        "produced_by": sidecar_doc["produced_by"],
    }
    update_manifest(root, {key: entry})
    return SavedOutput(key=key, files=tuple(p.relative_to(root) for p in files if p != sidecar),
                       sidecar=sidecar.relative_to(root))


def safe_output_path(root: Path, name: str) -> Path:
    """Resolve an output name inside `root`, refusing anything that could land elsewhere."""
    fix = ("use letters, digits, '.', '_' and '-', with at most two '/' for sub-folders, "
           "e.g. '00-start-here/paragraphs'.")
    if not isinstance(name, str) or not name.strip():
        raise UnsafeOutputNameError("an output name cannot be empty.", fix=fix, value=name)
    if "\\" in name or name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        raise UnsafeOutputNameError("output names are relative to data/: no absolute paths or backslashes.",
                                    fix=fix, value=name)
    segments = name.split("/")
    if ".." in segments:
        raise UnsafeOutputNameError("'..' would leave data/.", fix=fix, value=name)
    if len(segments) > _MAX_DEPTH + 1 or not all(_SEGMENT.match(s) for s in segments):
        raise UnsafeOutputNameError("the output name has characters or parts that are not allowed.",
                                    fix=fix, value=name)
    target = root.joinpath(*segments)
    # A symlink planted anywhere on the way (or as the target itself) must not redirect the write.
    probe = target
    while probe != root:
        if probe.is_symlink():
            raise UnsafeOutputNameError(f"{probe} is a symbolic link, so writing there could leave data/.",
                                        fix="remove the link from data/ and save again.", value=name)
        probe = probe.parent
    return target


def write_files_atomically(files: dict[Path, bytes]) -> None:
    """Write every file to a temporary sibling first; rename them into place only once all are written."""
    staged: list[tuple[Path, Path]] = []
    try:
        for path, content in files.items():
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                handle, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
            except OSError as error:
                raise _write_error(path, error) from None
            staged.append((Path(temp_name), path))
            os.chmod(temp_name, _FILE_MODE)
            with os.fdopen(handle, "wb") as stream:
                stream.write(content)
                stream.flush()
                os.fsync(stream.fileno())
        for temp, path in staged:
            os.replace(temp, path)
    except OSError as error:
        raise _write_error(staged[-1][1] if staged else next(iter(files)), error) from None
    finally:
        for temp, _ in staged:
            with contextlib.suppress(FileNotFoundError):
                temp.unlink()


def update_manifest(root: Path, entries: dict[str, dict]) -> None:
    """Merge entries into data/manifest.json under a lock, so two runs never interleave their writes."""
    manifest = root / "manifest.json"
    with _locked(root):
        current = read_manifest(root)
        outputs = {**current.get("outputs", {}), **entries}
        document = {
            "manifest_version": MANIFEST_VERSION,
            "updated_at": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
            "outputs": dict(sorted(outputs.items())),
        }
        write_files_atomically({manifest: _json_bytes(document)})


def read_manifest(root: Path | None = None) -> dict:
    """The manifest as a dict (empty when nothing was saved yet)."""
    manifest = (Path(root) if root is not None else paths.data_dir()) / "manifest.json"
    if not manifest.exists():
        return {"manifest_version": MANIFEST_VERSION, "outputs": {}}
    try:
        return json.loads(manifest.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise OutputError(f"the manifest is not valid JSON ({error}).",
                          fix="delete it and run `make run` to rebuild it from the notebooks.",
                          file=manifest) from None


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@contextlib.contextmanager
def _locked(root: Path) -> Iterator[None]:
    try:
        root.mkdir(parents=True, exist_ok=True)
        handle = open(root / ".manifest.lock", "a")
    except OSError as error:
        raise _write_error(root / ".manifest.lock", error) from None
    with handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _kind_of(obj: Any, name: str) -> str:
    import polars as pl

    if isinstance(obj, pl.DataFrame):
        return "table"
    if hasattr(obj, "to_dict") and type(obj).__module__.startswith("altair"):
        return "figure"
    raise OutputError(f"cannot save an object of type {type(obj).__name__} as {name!r}.",
                      fix="pass a polars DataFrame (pl.from_pandas(df) converts pandas) or an altair chart.",
                      value=name)


def _render_table(frame: Any) -> tuple[dict[str, bytes], dict]:
    import io

    parquet, csv = io.BytesIO(), io.BytesIO()
    frame.write_parquet(parquet, statistics=False)
    csv_ready(frame).write_csv(csv)
    return ({".parquet": parquet.getvalue(), ".csv": csv.getvalue()},
            {"rows": frame.height, "fields": _fields(frame)})


def csv_ready(frame: Any) -> Any:
    """CSV has no lists or structs: lists become '; '-joined text, structs JSON; parquet keeps the types."""
    import polars as pl

    flat = []
    for name, dtype in frame.schema.items():
        if isinstance(dtype, pl.List):
            flat.append(pl.col(name).list.eval(pl.element().cast(pl.String)).list.join("; "))
        elif isinstance(dtype, pl.Struct):
            flat.append(pl.col(name).struct.json_encode())
    return frame.with_columns(flat) if flat else frame


def _render_figure(chart: Any) -> tuple[dict[str, bytes], dict]:
    import altair as alt
    import polars as pl
    import vl_convert as vlc

    from workbench.charts import THEME

    with alt.theme.enable(THEME):
        spec = chart.to_dict()
    version = ".".join(alt.SCHEMA_VERSION.lstrip("v").split(".")[:2])
    rendered = {
        ".png": vlc.vegalite_to_png(spec, vl_version=version, scale=2),
        ".svg": vlc.vegalite_to_svg(spec, vl_version=version).encode("utf-8"),
        ".html": vlc.vegalite_to_html(spec, vl_version=version, bundle=True).encode("utf-8"),
        ".vl.json": _json_bytes(spec),
    }
    data = getattr(chart, "data", None)
    description: dict = {"rows": None, "fields": []}
    if isinstance(data, pl.DataFrame):
        rendered[".data.csv"] = csv_ready(data).write_csv().encode("utf-8")
        description = {"rows": data.height, "fields": _fields(data)}
    return rendered, description


def _fields(frame: Any) -> list[dict]:
    return [{"name": name, "type": str(dtype)} for name, dtype in frame.schema.items()]


def _file_record(path: Path, content: bytes, root: Path) -> dict:
    suffix = ".json" if path.name.endswith(".vl.json") else path.suffix
    return {"path": path.relative_to(root).as_posix(), "media_type": _MEDIA_TYPES.get(suffix, "text/csv"),
            "bytes": len(content), "sha256": hashlib.sha256(content).hexdigest()}


def _derived_record(item: Any) -> dict:
    if isinstance(item, dict):
        return item
    path = Path(item)
    if not path.is_file():
        raise OutputError("an input named in derived_from does not exist.",
                          fix="pass the paths of files the output was computed from.", value=str(item))
    try:
        shown = path.resolve().relative_to(paths.root()).as_posix()
    except ValueError:
        shown = str(path)
    return {"path": shown, "sha256": sha256_of(path)}


def _checked_meta(meta: dict, name: str) -> dict:
    unknown = sorted(set(meta) - set(META_KEYS))
    if unknown:
        raise OutputError(f"meta has unknown key(s) {', '.join(unknown)} for output {name!r}.",
                          fix=f"use only: {', '.join(META_KEYS)}.", value=name)
    for key in ("sources", "licences", "derived_from"):
        if key in meta and not isinstance(meta[key], (list, tuple)):
            raise OutputError(f"meta[{key!r}] must be a list.", fix=f"wrap it: {key}=[...].", value=name)
    return meta


def _citation(sidecar: dict) -> str:
    """A suggested citation: the output, its exact bytes, what produced it, and the sources behind it."""
    produced = sidecar["produced_by"]
    commit = f", commit {produced['git_commit'][:12]}" if produced.get("git_commit") else ""
    main_file = sidecar["files"][0]
    sources = [source.get("publisher") or source.get("url") for source in sidecar["sources"]
               if isinstance(source, dict)] or [str(source) for source in sidecar["sources"]]
    cited = f" Sources: {'; '.join(dict.fromkeys(s for s in sources if s))}." if sources else ""
    return (f"{sidecar['title']}. AI record workbench {produced['version']}{commit}, output {sidecar['manifest_id']} "
            f"({main_file['path']}, sha256 {main_file['sha256'][:16]}).{cited}")


def _json_bytes(document: Any) -> bytes:
    return (json.dumps(document, indent=2, ensure_ascii=False, sort_keys=False, default=str) + "\n").encode()


def _write_error(path: Path, error: OSError) -> OutputError:
    return OutputError(f"cannot write the output ({error.strerror or error}); nothing was changed.",
                       fix="check that data/ is writable and the disk has space, then run again.", file=path)
