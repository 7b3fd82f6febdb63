"""Typed entries of the dataset registry, with one vocabulary of field types for curated and live datasets.

Why typed: registry.toml is written by hand. Turning it once into frozen dataclasses checks every key, type and
cross-reference where it is read, and reports every mistake at once with the file, line, key and fix, instead of a
KeyError deep inside a loader. Curated tables and live datasets share `FieldSpec` and one vocabulary of types
(`TYPES`); each kind's reader handles part of it (`CURATED_TYPES`: the checked CSV reader of schema.py;
`LIVE_TYPES`: the typing step of live.py). Reading the files (registry.toml and its generated lock) is
registry.py's job; this module only turns their parsed content into entries.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl

from workbench.errors import DatasetError, Problem, ProblemsError

__all__ = [
    "CURATED_TYPES", "LIVE_TYPES", "PARSERS", "REDUCERS", "SCALARS", "SCHEMA_VERSION", "TYPES", "BooleanBlock",
    "CuratedEntry", "Entries", "FieldSpec", "LiveEntry", "LiveFile", "Locked", "RegistryError", "SeriesLayout", "build",
    "dtype_of",
]

SCHEMA_VERSION = 2  # 2: checksums moved to the generated lock; one type vocabulary for curated and live fields
SCALARS = ("string", "category", "enum", "int", "float", "bool", "date")
TYPES = SCALARS + tuple(f"list[{scalar}]" for scalar in SCALARS)
CURATED_TYPES = ("string", "date", "float", "bool", "enum", "list[string]", "list[enum]")
LIVE_TYPES = tuple(kind for kind in TYPES if "enum" not in kind)  # a live source's values are not ours to list
PARSERS = ("csv", "boolean_block", "wide_series")  # live.py has one parser per name
REDUCERS = ("max", "min", "mean", "median", "sum", "first", "last")  # `several`: one number from 'a,b'
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


class RegistryError(ProblemsError, DatasetError):
    """registry.toml (or its lock) is wrong; lists every problem, each with file, line, key and fix."""


def dtype_of(type_name: str, values: tuple[str, ...] = ()) -> pl.DataType:
    """The polars dtype of a field type ('float', 'list[enum]', ...); `values` are an enum's allowed values."""
    if type_name.startswith("list[") and type_name.endswith("]"):
        return pl.List(dtype_of(type_name[5:-1], values))
    scalars: dict[str, pl.DataType] = {"string": pl.String(), "category": pl.Categorical(), "int": pl.Int64(),
                                       "float": pl.Float64(), "bool": pl.Boolean(), "date": pl.Date()}
    if type_name == "enum":
        return pl.Enum(list(values))
    if type_name not in scalars:
        raise DatasetError(f"unknown field type {type_name!r}.", fix=f"use one of {', '.join(TYPES)}.",
                           value=type_name)
    return scalars[type_name]


@dataclass(frozen=True)
class FieldSpec:
    """One column as the registry describes it, for curated and live datasets alike (unused keys stay empty)."""

    name: str
    type: str
    description: str = ""
    required: bool = False
    unique: bool = False
    derived: bool = False
    values: tuple[str, ...] = ()
    references: str | None = None
    pattern: str | None = None
    precision: str | None = None
    min: Any = None
    max: Any = None
    unit: str | None = None
    # live datasets: which source header the column comes from, and how its text is read
    headers: tuple[str, ...] = ()  # `from` in registry.toml: the first header present wins (absorbs renames)
    sep: str | None = None
    json: bool = False
    extract: str | None = None
    several: str | None = None
    format: str | None = None

    @classmethod
    def from_mapping(cls, raw: Mapping[str, Any]) -> FieldSpec:
        """A field from its registry table (`from` becomes `headers`); keys it does not know are ignored."""
        known: dict[str, Any] = {k: raw[k] for k in cls.__dataclass_fields__ if k in raw and k != "headers"}
        if "values" in known:
            known["values"] = tuple(known["values"])
        if "from" in raw:
            known["headers"] = tuple(raw["from"])
        return cls(**known)

    @property
    def dtype(self) -> pl.DataType:
        """The polars type of the loaded column."""
        return dtype_of(self.type, self.values)


@dataclass(frozen=True)
class Locked:
    """What the generated lock records for one curated file: its hash and size, and the table's version."""

    file: str
    sha256: str
    bytes: int
    version: str | None = None


@dataclass(frozen=True)
class CuratedEntry:
    """A curated table shipped with the package (`[datasets.<name>]`), with its checksum from the lock."""

    name: str
    title: str
    description: str
    licence: str
    citation: str
    sources: tuple[str, ...]
    file: str  # relative to the registry's folder
    primary_key: tuple[str, ...]
    fields: tuple[FieldSpec, ...]
    folder: Path
    coverage: str | None = None
    complete_through: str | None = None
    date_column: str | None = None
    disclosed_column: str | None = None
    precision_column: str | None = None
    lock: Locked | None = None  # None until `--rehash` has recorded the file

    @property
    def path(self) -> Path:
        return self.folder / self.file

    @property
    def stored_fields(self) -> list[FieldSpec]:
        return [f for f in self.fields if not f.derived]

    @property
    def sha256(self) -> str | None:
        return self.lock.sha256 if self.lock else None

    @property
    def bytes(self) -> int | None:
        return self.lock.bytes if self.lock else None


@dataclass(frozen=True)
class LiveFile:
    """One file of a multi-file live dataset (its name under the folder URL) and its pinned hash."""

    name: str
    sha256: str | None = None


@dataclass(frozen=True)
class SeriesLayout:
    """wide_series: entity × year files with one column per series, read into one long frame."""

    index: tuple[str, ...]
    adjusted_suffix: str
    units: Mapping[str, str] = field(hash=False)  # series -> unit, with a `default`
    strip_prefix: str = ""


@dataclass(frozen=True)
class BooleanBlock:
    """boolean_block: many true/false columns (named by prefix) collapsed into one list of their names."""

    prefixes: tuple[str, ...]
    into: str


@dataclass(frozen=True)
class LiveEntry:
    """A public dataset fetched on demand (`[live.<name>]`): where it lives, how it is pinned, how it is read."""

    name: str
    title: str
    description: str
    licence: str
    citation: str
    url: str  # a folder URL when `files` lists several
    fields: tuple[FieldSpec, ...]
    parser: str = "csv"
    licence_url: str | None = None
    homepage: str | None = None
    sha256: str | None = None  # pinned hash of a single-file dataset
    changes_daily: bool = False  # no pin: the hash is recorded at download instead
    max_mb: float = 200
    allowed_hosts: tuple[str, ...] = ()
    files: tuple[LiveFile, ...] = ()
    series: SeriesLayout | None = None
    boolean_block: BooleanBlock | None = None

    @property
    def pinned(self) -> bool:
        """Every file's sha256 is pinned (else the source changes daily and hashes are recorded at download)."""
        return bool(self.sha256) or (bool(self.files) and all(f.sha256 for f in self.files))

    @property
    def schema(self) -> pl.Schema:
        """The schema of the tidy frame the dataset parses into."""
        return pl.Schema({f.name: f.dtype for f in self.fields})


@dataclass(frozen=True)
class Entries:
    """Every entry of the registry, in file order."""

    curated: dict[str, CuratedEntry]
    live: dict[str, LiveEntry]


# --- checking the parsed TOML ---------------------------------------------------------------------------------

_Check = tuple[Callable[[Any], bool], str]


def _texts(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, str) and v.strip() for v in value)


def _is_date(value: Any) -> bool:
    try:
        date.fromisoformat(value)
    except (TypeError, ValueError):
        return False
    return True


_KINDS: dict[str, _Check] = {
    "text": (lambda v: isinstance(v, str) and bool(v.strip()), "a non-empty string"),
    "str": (lambda v: isinstance(v, str), "a string"),
    "bool": (lambda v: isinstance(v, bool), "true or false"),
    "int": (lambda v: isinstance(v, int) and not isinstance(v, bool), "a whole number"),
    "size": (lambda v: isinstance(v, int | float) and not isinstance(v, bool) and v > 0, "a positive number"),
    "texts": (_texts, "a non-empty list of strings"),
    "key": (lambda v: (isinstance(v, str) and bool(v)) or _texts(v), "a column name or a list of them"),
    "bound": (lambda v: isinstance(v, str | int | float) and not isinstance(v, bool), "a number, a date or 'today'"),
    "date": (_is_date, "a date written YYYY-MM-DD"),
    "url": (lambda v: isinstance(v, str) and v.startswith(("https://", "http://")), "an http(s) URL"),
    "sha256": (lambda v: isinstance(v, str) and bool(_SHA256.match(v)), "64 lowercase hex digits (a sha256)"),
    "table": (lambda v: isinstance(v, dict), "a table"),
    "tables": (lambda v: isinstance(v, list) and all(isinstance(i, dict) for i in v), "a list of tables"),
    "units": (lambda v: isinstance(v, dict) and all(isinstance(i, str) for i in v.values()) and "default" in v,
              "a table of series = unit with a `default`"),
}


def _is(kind: str, value: Any) -> bool:
    return _KINDS[kind][0](value)


# key -> (kind, required)
_CURATED_KEYS = {
    "title": ("text", True), "description": ("text", True), "licence": ("text", True), "citation": ("text", True),
    "sources": ("texts", True), "file": ("text", True), "primary_key": ("key", True), "fields": ("tables", True),
    "coverage": ("text", False), "complete_through": ("date", False), "date_column": ("text", False),
    "disclosed_column": ("text", False), "precision_column": ("text", False),
}
_CURATED_FIELD_KEYS = {
    "name": ("text", True), "type": ("text", True), "description": ("text", True), "required": ("bool", False),
    "unique": ("bool", False), "derived": ("bool", False), "values": ("texts", False), "references": ("text", False),
    "pattern": ("text", False), "precision": ("text", False), "min": ("bound", False), "max": ("bound", False),
    "unit": ("text", False),
}
_LIVE_KEYS = {
    "title": ("text", True), "description": ("text", True), "licence": ("text", True), "citation": ("text", True),
    "url": ("url", True), "fields": ("tables", True), "parser": ("text", False), "licence_url": ("url", False),
    "homepage": ("url", False), "sha256": ("sha256", False), "changes_daily": ("bool", False),
    "max_mb": ("size", False), "allowed_hosts": ("texts", False), "files": ("tables", False),
    "series": ("table", False), "boolean_block": ("table", False),
}
_LIVE_FIELD_KEYS = {
    "name": ("text", True), "type": ("text", True), "description": ("text", True), "from": ("texts", True),
    "required": ("bool", False), "sep": ("text", False), "json": ("bool", False), "extract": ("text", False),
    "several": ("text", False), "format": ("text", False),
}
_FILE_KEYS = {"name": ("text", True), "sha256": ("sha256", False)}
_SERIES_KEYS = {"index": ("texts", True), "adjusted_suffix": ("text", True), "units": ("units", True),
                "strip_prefix": ("str", False)}
_BLOCK_KEYS = {"prefixes": ("texts", True), "into": ("text", True)}
_TOP_KEYS = {"schema_version": ("int", True), "datasets": ("table", True), "live": ("table", False)}


class _Checker:
    """Collects every problem of one registry text, each placed on the line of the table or key it is about."""

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.lines = [line.strip() for line in text.splitlines()]
        self.problems: list[Problem] = []

    def line_of(self, table: str | None, key: str | None = None, field_name: str | None = None) -> int | None:
        """The line of `table`'s header, of `key =` in it, or of its field `field_name` (and that field's `key`)."""
        if table is None:
            return next((i + 1 for i, line in enumerate(self.lines) if key and line.startswith(f"{key} ")), None)
        start = next((i for i, line in enumerate(self.lines) if line == f"[{table}]"), None)
        if start is None:
            return None
        name = re.compile(rf'(^|{{\s*)name\s*=\s*"{re.escape(field_name or "")}"')
        for i in range(start + 1, len(self.lines)):
            line = self.lines[i]
            if line.startswith("[") and line != f"[[{table}.fields]]":
                break
            if field_name is None:
                if key and re.match(rf"{re.escape(key)}\s*=", line):
                    return i + 1
            elif name.search(line):
                if key is None or "{" in line:  # an inline field table holds all its keys on one line
                    return i + 1
                for j in range(i + 1, len(self.lines)):
                    if self.lines[j].startswith("["):
                        break
                    if re.match(rf"{re.escape(key)}\s*=", self.lines[j]):
                        return j + 1
                return i + 1
        return start + 1

    def add(self, what: str, fix: str, table: str | None, key: str | None = None, field_name: str | None = None,
            value: Any = None, sub: str | None = None) -> None:
        """One problem at `table` (its `key`, of its field `field_name` or of its sub-table `sub` such as files)."""
        parts = (table, "fields" if field_name else None, field_name, sub, key)
        line = self.line_of(table, sub, None) if sub else self.line_of(table, key, field_name)
        self.problems.append(Problem(what=what, fix=fix, file=str(self.path), line=line,
                                     column=".".join(part for part in parts if part) or None, value=value))

    def keys(self, raw: Mapping[str, Any], spec: Mapping[str, tuple[str, bool]], table: str | None,
             field_name: str | None = None, where: str = "", sub: str | None = None) -> bool:
        """Required keys present, every value of its kind, no unknown key (a typo would be ignored silently)."""
        ok = True
        for key, (kind, required) in spec.items():
            check, word = _KINDS[kind]
            if key not in raw:
                if required:
                    ok = False
                    self.add(f"{where or 'the entry'} has no {key!r}.", f"add {key} = ... ({word})", table, key,
                             field_name, sub=sub)
            elif not check(raw[key]):
                ok = False
                self.add(f"{key!r} is not {word}.", f"write {key} as {word}", table, key, field_name, raw[key], sub)
        for key in raw:
            if key not in spec:
                ok = False
                near = difflib.get_close_matches(key, list(spec), n=1, cutoff=0.6)
                hint = f"did you mean {near[0]!r}? " if near else ""
                self.add(f"{key!r} is not a key of {where or 'this entry'}.",
                         f"{hint}the keys are: {', '.join(spec)}", table, key, field_name, raw[key], sub)
        return ok


def _fields(check: _Checker, table: str, raw: list[dict[str, Any]], live: bool) -> tuple[FieldSpec, ...] | None:
    spec, allowed = (_LIVE_FIELD_KEYS, LIVE_TYPES) if live else (_CURATED_FIELD_KEYS, CURATED_TYPES)
    reader = "live.py's typing step" if live else "the curated CSV reader"
    fields, ok, seen = [], bool(raw), set()
    if not raw:
        check.add("has no fields.", "list the columns as fields (name, type, description)", table, "fields")
    for index, item in enumerate(raw):
        name = item.get("name") if isinstance(item.get("name"), str) else f"#{index + 1}"
        if not check.keys(item, spec, table, name, where=f"field {name!r}"):
            ok = False
            continue
        kind = item["type"]
        if kind not in allowed:
            ok = False
            other = " (a type of the other kind of dataset)" if kind in TYPES else ""
            check.add(f"type {kind!r} is not one {reader} reads{other}.", f"use one of {', '.join(allowed)}",
                      table, "type", name, kind)
        if ("enum" in kind) != bool(item.get("values")) and kind in allowed:
            ok = False
            check.add("an enum needs its `values`, and only an enum has them.",
                      "list the allowed values in values = [...]" if "enum" in kind
                      else "remove values, or make the type enum", table, "values", name)
        if name in seen:
            ok = False
            check.add("repeats a field name.", "give each field its own name", table, "name", name, name)
        seen.add(name)
        for key in ("pattern", "extract"):
            if key in item:
                try:
                    compiled = re.compile(item[key])
                except re.error as error:
                    ok = False
                    check.add(f"{key} is not a valid regular expression ({error}).", "fix the expression", table,
                              key, name, item[key])
                    continue
                if key == "extract" and compiled.groups < 1:
                    ok = False
                    check.add("extract has no group to keep.", "wrap the wanted part in ( )", table, key, name,
                              item[key])
        if item.get("several") is not None and item["several"] not in REDUCERS:
            ok = False
            check.add("several names no reduction.", f"use one of {', '.join(REDUCERS)}", table, "several", name,
                      item["several"])
        fields.append(FieldSpec.from_mapping(item))
    return tuple(fields) if ok else None


def _curated(check: _Checker, name: str, raw: Any, folder: Path, lock: Locked | None) -> CuratedEntry | None:
    table = f"datasets.{name}"
    if not isinstance(raw, dict):
        check.add("is not a table.", f"write the entry as [{table}]", None, f"datasets.{name}")
        return None
    ok = check.keys(raw, _CURATED_KEYS, table, where=f"curated dataset {name!r}")
    fields = _fields(check, table, raw["fields"], live=False) if _is("tables", raw.get("fields")) else None
    if not ok or fields is None:
        return None
    names = [f.name for f in fields]
    key = (raw["primary_key"],) if isinstance(raw["primary_key"], str) else tuple(raw["primary_key"])
    for column, label in [*((k, "primary_key") for k in key),
                          *((raw.get(c), c) for c in ("date_column", "disclosed_column", "precision_column"))]:
        if column is not None and column not in names:
            ok = False
            check.add(f"{label} names {column!r}, which is not a field.", f"use one of: {', '.join(names)}", table,
                      label, value=column)
    for spec in fields:
        if spec.precision and spec.precision not in names:
            ok = False
            check.add(f"precision names {spec.precision!r}, which is not a field.", "name this table's precision "
                      "column", table, "precision", spec.name, spec.precision)
    if not ok:
        return None
    if lock is not None and lock.file != raw["file"]:
        lock = None  # the file was renamed since the lock was written: unchecked until rehashed
    return CuratedEntry(
        name=name, title=raw["title"], description=raw["description"], licence=raw["licence"],
        citation=raw["citation"], sources=tuple(raw["sources"]), file=raw["file"], primary_key=key, fields=fields,
        folder=folder, coverage=raw.get("coverage"), complete_through=raw.get("complete_through"),
        date_column=raw.get("date_column"), disclosed_column=raw.get("disclosed_column"),
        precision_column=raw.get("precision_column"), lock=lock,
    )


def _references(check: _Checker, curated: dict[str, CuratedEntry]) -> None:
    """Every `references = "table.column"` names a curated table and one of its fields."""
    for entry in curated.values():
        for spec in entry.fields:
            if not spec.references:
                continue
            table, _, column = spec.references.partition(".")
            target = curated.get(table)
            if target is None or column not in [f.name for f in target.fields]:
                check.add(f"references {spec.references!r}, which is not a table.column of the registry.",
                          f"write the curated table and its field, e.g. sources.source_id (tables: "
                          f"{', '.join(curated)})", f"datasets.{entry.name}", "references", spec.name, spec.references)


def _live(check: _Checker, name: str, raw: Any) -> LiveEntry | None:
    table = f"live.{name}"
    if not isinstance(raw, dict):
        check.add("is not a table.", f"write the entry as [{table}]", None, f"live.{name}")
        return None
    ok = check.keys(raw, _LIVE_KEYS, table, where=f"live dataset {name!r}")
    fields = _fields(check, table, raw["fields"], live=True) if _is("tables", raw.get("fields")) else None
    files: list[LiveFile] = []
    for item in raw["files"] if _is("tables", raw.get("files")) else []:
        if check.keys(item, _FILE_KEYS, table, where="a file of `files`", sub="files"):
            files.append(LiveFile(item["name"], item.get("sha256")))
        else:
            ok = False
    parser = raw.get("parser", "csv")
    if parser not in PARSERS:
        ok = False
        check.add(f"parser {parser!r} is not one live.py has.", f"use one of {', '.join(PARSERS)}", table, "parser",
                  value=parser)
    series = block = None
    if parser == "wide_series":
        if not isinstance(raw.get("series"), dict) or not files:
            ok = False
            check.add("a wide_series dataset needs `series` (its layout) and `files`.",
                      "add series = { index = [...], adjusted_suffix = ..., units = { default = ... } } and files",
                      table, "parser", value=parser)
        elif check.keys(raw["series"], _SERIES_KEYS, table, where="series", sub="series"):
            layout = raw["series"]
            series = SeriesLayout(tuple(layout["index"]), layout["adjusted_suffix"], dict(layout["units"]),
                                  layout.get("strip_prefix", ""))
        else:
            ok = False
    elif files:
        ok = False
        check.add(f"only a wide_series dataset reads several files; the {parser} parser reads one.",
                  "remove files (and pin sha256 on the entry), or use parser = \"wide_series\"", table, "files")
    if parser == "boolean_block":
        if not isinstance(raw.get("boolean_block"), dict):
            ok = False
            check.add("a boolean_block dataset needs `boolean_block`.",
                      "add boolean_block = { prefixes = [...], into = \"<field>\" }", table, "parser", value=parser)
        elif check.keys(raw["boolean_block"], _BLOCK_KEYS, table, where="boolean_block", sub="boolean_block"):
            block = BooleanBlock(tuple(raw["boolean_block"]["prefixes"]), raw["boolean_block"]["into"])
        else:
            ok = False
    pinned = bool(raw.get("sha256")) or (bool(files) and all(f.sha256 for f in files))
    if pinned == bool(raw.get("changes_daily")):
        ok = False
        check.add("must either pin its file's sha256 or say changes_daily = true (and not both)." if not pinned else
                  "pins a sha256 and also says changes_daily = true.",
                  "pin sha256 (per file in `files`) for a versioned source; set changes_daily = true (the hash is then "
                  "recorded at download) for one that changes", table, "sha256")
    if not ok or fields is None:
        return None
    return LiveEntry(
        name=name, title=raw["title"], description=raw["description"], licence=raw["licence"],
        citation=raw["citation"], url=raw["url"], fields=fields, parser=parser, licence_url=raw.get("licence_url"),
        homepage=raw.get("homepage"), sha256=raw.get("sha256"), changes_daily=bool(raw.get("changes_daily")),
        max_mb=raw.get("max_mb", 200), allowed_hosts=tuple(raw.get("allowed_hosts", ())), files=tuple(files),
        series=series, boolean_block=block,
    )


def build(raw: Mapping[str, Any], *, path: Path, text: str, locked: Mapping[str, Locked]) -> Entries:
    """The typed entries of a parsed registry (curated checksums from `locked`); every mistake at once.

    Raises
    ------
    RegistryError
        Listing each problem with the registry file, the line, the key (`datasets.<name>.fields.<field>.<key>`) and
        the fix.
    """
    check = _Checker(path, text)
    check.keys(raw, _TOP_KEYS, None, where="the registry")
    if raw.get("schema_version") not in (None, SCHEMA_VERSION):
        check.add(f"schema_version is {raw['schema_version']!r}; this workbench reads version {SCHEMA_VERSION}.",
                  f"write schema_version = {SCHEMA_VERSION} once the entries follow this version's keys", None,
                  "schema_version", value=raw["schema_version"])
    tables = {kind: raw.get(kind) if isinstance(raw.get(kind), dict) else {} for kind in ("datasets", "live")}
    clash = set(tables["datasets"]) & set(tables["live"])
    for name in sorted(clash):
        check.add(f"{name!r} is both a curated and a live dataset.", "rename one of them", f"live.{name}")
    curated = {name: entry for name, item in tables["datasets"].items()
               if (entry := _curated(check, name, item, path.parent, locked.get(name))) is not None}
    live = {name: entry for name, item in tables["live"].items()
            if (entry := _live(check, name, item)) is not None}
    _references(check, curated)
    if check.problems:
        raise RegistryError(f"{path.name} has {len(check.problems)} mistake(s)", check.problems)
    return Entries(curated, live)
