"""Citable outputs: tables, figures and documents written atomically under data/ with provenance sidecars.

`save(frame, "00-start-here/paragraphs")` writes `data/tables/00-start-here/paragraphs.{parquet,csv}` and
`paragraphs.meta.json`; a chart goes to `data/figures/...` as png, svg, offline html, vl.json and the plotted
rows as csv; a `Document` (a brief) to `data/documents/...` as md and html. Next to every sidecar, the output's
citation as CSL-JSON (`.cite.json`) and BibTeX (`.bib`). Every file is first written beside its target and renamed
into place only when all of them rendered, so a failure leaves earlier outputs untouched. `data/manifest.json`
indexes every output; its only field that changes between identical runs is `updated_at`. A save and its manifest
entry land together: the new manifest is staged with the files and renamed last, under the manifest lock, and
SIGTERM or Ctrl-C arriving meanwhile waits until both are in place, so a stopped run never leaves a manifest that
disagrees with its files.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import fcntl
import hashlib
import json
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workbench import paths
from workbench.atomic_write import FILE_MODE, write_error, write_files_atomically
from workbench.attribution import attribute
from workbench.citation_formats import citation_files
from workbench.errors import OutputError, UnsafeOutputNameError
from workbench.hashing import sha256_of
from workbench.provenance import produced_by

__all__ = [
    "MANIFEST_VERSION", "META_KEYS", "Document", "SavedOutput", "announce_saves", "check_output_name", "csv_ready",
    "figure_html",
    "read_manifest", "refuse_symlinks", "safe_output_path", "save", "script_json", "update_manifest",
]

MANIFEST_VERSION = 1
META_KEYS = ("title", "description", "sources", "licences", "derived_from", "notes")
_SEGMENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
_MAX_DEPTH = 3
_MEDIA_TYPES = {
    ".parquet": "application/vnd.apache.parquet", ".csv": "text/csv", ".png": "image/png",
    ".svg": "image/svg+xml", ".html": "text/html", ".json": "application/json", ".md": "text/markdown",
}


@dataclass(frozen=True)
class Document:
    """A text people read and paste (a brief): the same content as Markdown and as a standalone HTML page.
    Build the HTML from escaped text: `save` writes both as given."""

    markdown: str
    html: str


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
    meta = _checked_meta({} if meta is None else meta, name)
    meta |= {key: value for key, value in (("title", title), ("description", description), ("notes", notes))
             if value is not None}
    kind = _kind_of(obj, name)
    folder = {"table": "tables", "figure": "figures", "document": "documents"}[kind]
    target = safe_output_path(root, f"{folder}/{name}")
    render = {"table": _render_table, "figure": _render_figure, "document": _render_document}[kind]
    rendered, description = render(obj)
    attributed = attribute(obj, licences=meta.get("licences", []))

    files = {target.with_name(target.name + suffix): content for suffix, content in rendered.items()}
    sidecar = target.with_name(target.name + ".meta.json")
    for path in (*files, sidecar):
        refuse_symlinks(root, path, name=name)
    sidecar_doc = {
        "name": name,
        "kind": kind,
        "title": meta.get("title") or name,
        "description": meta.get("description", ""),
        "files": [_file_record(path, content, root) for path, content in files.items()],
        **description,
        "sources": _unique([*attributed["sources"], *meta.get("sources", [])]),
        "licences": attributed["licences"],
        "licence": attributed["licence"],
        "derived_from": _unique([_derived_record(item)
                                 for item in (*attributed["derived_from"], *meta.get("derived_from", []))]),
        "notes": " ".join(text for text in (meta.get("notes", ""), attributed["notes"]) if text),
        "produced_by": produced_by(),
    }
    key = f"{folder}/{name}"
    sidecar_doc["manifest_id"] = key
    sidecar_doc["citation"] = _citation(sidecar_doc)
    cited = {target.with_name(target.name + suffix): content
             for suffix, content in citation_files(sidecar_doc).items()}
    sidecar_doc["citation_files"] = [path.relative_to(root).as_posix() for path in cited]
    files.update(cited)
    files[sidecar] = _json_bytes(sidecar_doc)
    entry = {
        "kind": kind,
        "title": sidecar_doc["title"],
        "sidecar": sidecar.relative_to(root).as_posix(),
        "files": sidecar_doc["files"],
        "citation_files": sidecar_doc["citation_files"],
        "produced_by": sidecar_doc["produced_by"],
    }
    # One commit for the files and their manifest entry (manifest renamed last): a full disk or a stop part-way
    # leaves the old files with the old entry, never new files under an entry that records other hashes.
    with _locked(root):
        write_files_atomically({**files, root / "manifest.json": _merged_manifest(root, {key: entry})})
    saved = SavedOutput(key=key, files=tuple(p.relative_to(root) for p in files if p != sidecar),
                        sidecar=sidecar.relative_to(root))
    if _announcing[0]:
        print(saved)
    return saved


_announcing = [False]


def announce_saves(on: bool = True) -> None:
    """Print one line per `save` (what it wrote): `setup()` turns it on, so a notebook's Save cell is only saves."""
    _announcing[0] = on


def _unique(items: list) -> list:
    """Each item once, in first-seen order (dicts compared by content)."""
    seen, kept = set(), []
    for item in items:
        key = json.dumps(item, sort_keys=True, default=str)
        if key not in seen:
            seen.add(key)
            kept.append(item)
    return kept


def check_output_name(name: object, *, depth: int = _MAX_DEPTH) -> None:
    """Refuse a name that is not a plain relative name of at most `depth` parts (see `safe_output_path`)."""
    fix = ("use letters, digits, '.', '_' and '-', with at most two '/' for sub-folders, "
           "e.g. '00-start-here/paragraphs'.")
    if not isinstance(name, str):
        raise UnsafeOutputNameError(f"an output name must be text, not {type(name).__name__}.", fix=fix, value=name)
    if not name.strip():
        raise UnsafeOutputNameError("an output name cannot be empty.", fix=fix, value=name)
    if "\\" in name or name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        raise UnsafeOutputNameError("output names are relative to data/: no absolute paths or backslashes.",
                                    fix=fix, value=name)
    segments = name.split("/")
    if ".." in segments:
        raise UnsafeOutputNameError("'..' would leave data/.", fix=fix, value=name)
    # fullmatch, not match: `$` also matches before a trailing newline, which would end up in a file name
    if len(segments) > depth or not all(_SEGMENT.fullmatch(s) for s in segments):
        raise UnsafeOutputNameError("the output name has characters or parts that are not allowed.",
                                    fix=fix, value=name)


def safe_output_path(root: Path, name: str) -> Path:
    """Resolve an output name inside `root`, refusing anything that could land elsewhere."""
    check_output_name(name, depth=_MAX_DEPTH + 1)
    segments = name.split("/")
    target = root.joinpath(*segments)
    refuse_symlinks(root, target, name=name)
    return target


def refuse_symlinks(root: Path, target: Path, *, name: str | None = None) -> None:
    """Refuse `target` if it, or any folder between `root` and it, is a symbolic link.

    A link planted in data/ (data/tables -> /elsewhere) would otherwise redirect every write below it; one
    planted in place of a file would only be replaced by the atomic rename, but says that data/ was tampered with.
    """
    probe = target
    while probe != root and probe != probe.parent:
        if probe.is_symlink():
            raise UnsafeOutputNameError(f"{probe} is a symbolic link, so writing there could leave data/.",
                                        fix="remove the link from data/ and save again.",
                                        value=name if name is not None else str(target))
        probe = probe.parent



def update_manifest(root: Path, entries: dict[str, dict]) -> None:
    """Merge entries into data/manifest.json under a lock, so two runs never interleave their writes."""
    with _locked(root):
        write_files_atomically({root / "manifest.json": _merged_manifest(root, entries)})


def _merged_manifest(root: Path, entries: dict[str, dict]) -> bytes:
    """The manifest with `entries` added or replaced; call it holding the manifest lock."""
    outputs = {**read_manifest(root).get("outputs", {}), **entries}
    return _json_bytes({
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
def _locked(root: Path) -> Iterator[None]:
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


def _kind_of(obj: Any, name: str) -> str:
    import polars as pl

    if isinstance(obj, pl.DataFrame):
        _check_storable(obj, name)
        return "table"
    if hasattr(obj, "to_dict") and any(cls.__module__.startswith("altair") for cls in type(obj).__mro__):
        return "figure"
    if isinstance(obj, Document):
        return "document"
    raise OutputError(f"cannot save an object of type {type(obj).__name__} as {name!r}.",
                      fix="pass a polars DataFrame (pl.from_pandas(df) converts pandas), an altair chart or a "
                          "workbench.outputs.Document.", value=name)


def _check_storable(frame: Any, name: str) -> None:
    """Parquet and CSV cannot hold Python objects: say which column, before anything is rendered or written."""
    import polars as pl

    for column, dtype in frame.schema.items():
        if dtype == pl.Object:
            raise OutputError(f"column {column!r} holds Python objects (polars type Object), which parquet and CSV "
                              f"cannot store, so {name!r} cannot be saved.",
                              fix=f"convert the column to text or numbers first, e.g. "
                                  f"frame.with_columns(pl.col({column!r}).map_elements(str, return_dtype=pl.String)).",
                              column=column, value=name)


def _render_document(document: Document) -> tuple[dict[str, bytes], dict]:
    return ({".md": document.markdown.encode("utf-8"), ".html": document.html.encode("utf-8")},
            {"rows": None, "fields": []})


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
    from workbench.vega_bundle import javascript_bundle

    try:
        with alt.theme.enable(THEME):
            spec = chart.to_dict()
    except alt.utils.schemapi.SchemaValidationError as error:
        first = str(error).strip().splitlines()[-1].strip() if str(error).strip() else type(error).__name__
        raise OutputError(f"the chart is not a valid Vega-Lite chart ({first}), so nothing was written.",
                          fix="build the chart until `chart.to_dict()` works (a mark and an encoding at least), "
                              "then save it.") from None
    version = ".".join(alt.SCHEMA_VERSION.lstrip("v").split(".")[:2])
    rendered = {
        ".png": vlc.vegalite_to_png(spec, vl_version=version, scale=2),
        ".svg": vlc.vegalite_to_svg(spec, vl_version=version).encode("utf-8"),
        ".html": figure_html(spec, javascript_bundle(version)).encode("utf-8"),
        ".vl.json": _json_bytes(spec),
    }
    data = getattr(chart, "data", None)
    description: dict = {"rows": None, "fields": []}
    if isinstance(data, pl.DataFrame):
        rendered[".data.csv"] = csv_ready(data).write_csv().encode("utf-8")
        description = {"rows": data.height, "fields": _fields(data)}
    return rendered, description


def figure_html(spec: dict, bundle: str) -> str:
    """A chart as one offline page: vega bundled inline, the spec embedded so that no string can escape it.

    vl-convert's own page (`vegalite_to_html`) pastes the spec into a <script> as is, so a plotted row holding
    "</script><script>..." (an article quote, a dataset note) would end the script and run as markup.
    """
    return (_FIGURE_PAGE_HEAD + bundle + "</script>\n</head>\n<body>\n<div id=\"vega-chart\"></div>\n<script>\n"
            f"vegaEmbed('#vega-chart', {script_json(spec)}, {{\"renderer\": \"svg\"}}).catch(console.error);\n"
            "</script>\n</body>\n</html>\n")


def script_json(value: Any) -> str:
    """JSON safe inside an HTML <script>: '<', '>' and '&' (and JavaScript's two line separators) only ever
    occur inside JSON strings, where their \\u escapes mean the same and cannot close the element."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
    for char in "<>&\u2028\u2029":
        text = text.replace(char, f"\\u{ord(char):04x}")
    return text


_FIGURE_PAGE_HEAD = """<!DOCTYPE html>
<html>
<head>
<meta charset="UTF-8">
<title>Chart</title>
<style>#vega-chart.vega-embed{width:100%;display:flex} #vega-chart.vega-embed details,
#vega-chart.vega-embed details summary{position:relative}</style>
<script>"""


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
        raise OutputError("an input named in derived_from does not exist (or is a folder, not a file).",
                          fix="pass the paths of files the output was computed from.", value=str(item))
    try:
        shown = path.resolve().relative_to(paths.root()).as_posix()
    except ValueError:
        shown = str(path)
    return {"path": shown, "sha256": sha256_of(path)}


def _checked_meta(meta: Any, name: str) -> dict:
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
