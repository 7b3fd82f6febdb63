"""Live public datasets: fetch a source's own file into the cache, then parse it into a tidy, typed frame.

Each dataset is a typed entry of the registry (`registry.live(name)`, read from `[live.<name>]` of registry.toml):
where it lives, its licence and citation, its pinned sha256 (or `changes_daily = true`), and the fields of the
tidy frame, each with the source headers it may come from (`from`, so renamed columns between snapshots land in
the same field), its type (the registry's one vocabulary) and how to read it. This module only downloads and
parses: one CSV reader that copes with banner rows, BOMs and CRLF, and one typing step driven by those fields.
Only what no field can express (wide-to-long series, a block of boolean tag columns) has its own small step.

Nothing here touches the network at import; `fetch` does, through `download.retrieve`.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import logging
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit

import polars as pl

from workbench import lineage, paths
from workbench.datasets import registry
from workbench.datasets.download import Fetched, Progress, Remote, read_record, retrieve
from workbench.datasets.entries import FieldSpec, LiveEntry
from workbench.errors import DatasetError, Problem, SchemaError

__all__ = [
    "NULL_TOKENS", "cached_path", "download", "fetch", "fetch_agora", "fetch_ai_index_investment",
    "fetch_ai_index_policy", "fetch_aiaaic", "fetch_aiid_incidents", "fetch_command", "fetch_epoch_models", "parse",
    "provenance", "read_csv", "schema", "tidy",
]

log = logging.getLogger(__name__)

NULL_TOKENS = ("", "NA", "N/A", "n/a", "NaN", "nan", "null", "NULL", "None")
_MAX_PROBLEMS = 20
_CHECK = "__bad__"  # prefix of the per-field "cell failed to convert" columns
_TRUE = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}



def schema(name: str) -> pl.Schema:
    """The schema of the tidy frame that `fetch(name)` returns."""
    return registry.live(name).schema


# --- files and cache ----------------------------------------------------------------------------------


def _remotes(name: str, url: str | None) -> list[Remote]:
    """The files of a dataset. `url` replaces the registry's URL (a folder URL for several files)."""
    spec = registry.live(name)
    folder = paths.cache_dir() / "live" / name
    if url and url != spec.url:
        folder = folder / f"url-{hashlib.sha256(url.encode()).hexdigest()[:12]}"
    base = url or spec.url
    common: dict[str, Any] = {
        "kind": "csv",
        "allowed_hosts": spec.allowed_hosts,
        "max_bytes": int(spec.max_mb * 1024 * 1024),
    }
    if not spec.files:
        filename = unquote(urlsplit(spec.url).path.rsplit("/", 1)[-1])
        return [Remote(url=base, dest=folder / filename, sha256=spec.sha256, **common)]
    return [
        Remote(url=base.rstrip("/") + "/" + quote(f.name), dest=folder / f.name, sha256=f.sha256, **common)
        for f in spec.files
    ]


def fetch_command(name: str, url: str | None = None) -> str:
    """The shell command that fills the cache for `name` (quoted by OfflineError)."""
    return f"python -m workbench datasets fetch {name}" + (f" --url {url}" if url else "")


def download(
    name: str,
    *,
    offline: bool = False,
    refresh: bool = False,
    url: str | None = None,
    timeout: float = 30.0,
    progress: Progress = None,
) -> list[Fetched]:
    """Make sure every file of `name` is in the cache and verified; returns their records.

    Pinned files are checked against the registry's sha256; files that change daily have their sha256
    recorded in a sidecar and logged, so a saved output can cite exactly which bytes it used.
    """
    fetched = [
        retrieve(
            remote,
            fetch_command=fetch_command(name, url),
            offline=offline,
            refresh=refresh,
            timeout=timeout,
            progress=progress,
        )
        for remote in _remotes(name, url)
    ]
    for record in fetched:
        if not record.from_cache:
            policy = "matches the pin" if record.pinned else "recorded (the source changes daily)"
            log.info("%s: fetched %s, %d bytes, sha256 %s %s", name, record.url, record.bytes,
                     record.sha256, policy)
    return fetched


def fetch(
    name: str,
    *,
    offline: bool = False,
    refresh: bool = False,
    url: str | None = None,
    timeout: float = 30.0,
    progress: Progress = None,
) -> pl.DataFrame:
    """Download (or reuse from the cache) the live dataset `name` and return its tidy frame.

    offline=True never touches the network (an OfflineError says what to run); refresh=True
    re-downloads even a valid cached file; url= fetches from another address (a mirror, or for a dataset
    without a pin a newer file of the same layout; for multi-file datasets, the folder URL). Pinned
    files must match their pin whatever the URL; an overridden URL gets its own cache folder.
    """
    files = download(name, offline=offline, refresh=refresh, url=url, timeout=timeout, progress=progress)
    return parse(name, {record.path.name: record.path for record in files})


def cached_path(name: str, url: str | None = None) -> Path | None:
    """The cached file (or, for multi-file datasets, the cache folder); None if not fetched yet.

    A file counts as fetched when it and its sidecar are present; `fetch` still verifies its hash.
    """
    remotes = _remotes(name, url)
    if not all(read_record(remote.dest) for remote in remotes):
        return None
    return remotes[0].dest if len(remotes) == 1 else remotes[0].dest.parent


def provenance(name: str, url: str | None = None) -> dict[str, Any]:
    """Licence, citation and origin of a live dataset, plus the hashes of the cached files if fetched.

    This is what an output's `.meta.json` sidecar should carry for rows taken from the dataset.
    """
    spec = registry.live(name)
    files = []
    for remote in _remotes(name, url):
        record = read_record(remote.dest)
        files.append(
            {"name": remote.dest.name, "url": remote.url, "sha256": remote.sha256, "pinned": bool(remote.sha256)}
            | ({} if record is None else {"sha256": record.sha256, "bytes": record.bytes,
                                         "retrieved": record.retrieved})
        )
    keys = ("title", "licence", "licence_url", "citation", "homepage", "url")
    return {"name": name, **{k: getattr(spec, k) for k in keys if getattr(spec, k) is not None},
            "changes_daily": spec.changes_daily, "files": files}


# --- parsing ------------------------------------------------------------------------------------------


def parse(name: str, source: Path | str | Mapping[str, Path]) -> pl.DataFrame:
    """Parse files already on disk into the tidy frame of `name` (no network).

    `source` is a CSV file, a folder holding the dataset's files, or a {filename: path} mapping. The frame is tagged
    with the dataset (`workbench.lineage`), so what is computed from it cites the dataset.
    """
    spec = registry.live(name)
    frame = _PARSERS[spec.parser](spec, _resolve(spec, source))
    return lineage.loaded(frame, lineage.Lineage(live=frozenset({name})))


def _resolve(spec: LiveEntry, source: Path | str | Mapping[str, Path]) -> dict[str, Path]:
    if isinstance(source, Mapping):
        return {key: Path(value) for key, value in source.items()}
    source = Path(source)
    if source.is_dir():
        return {f.name: source / f.name for f in spec.files}
    return {source.name: source}


def _parse_csv(spec: LiveEntry, files: dict[str, Path]) -> pl.DataFrame:
    (path,) = files.values()
    return tidy(read_csv(path, header_hint=_header_hint(spec)), spec.fields, path)


def _parse_boolean_block(spec: LiveEntry, files: dict[str, Path]) -> pl.DataFrame:
    """A CSV whose many 'true'/'false' columns (named by prefix) collapse into one list of names."""
    (path,) = files.values()
    raw = read_csv(path, header_hint=_header_hint(spec))
    block = spec.boolean_block
    assert block is not None  # the registry requires it of a boolean_block dataset
    columns = [c for c in raw.columns if c.startswith(block.prefixes)]
    flags = raw.select(
        pl.col(c).str.strip_chars().str.to_lowercase().replace_strict(_TRUE, default=None, return_dtype=pl.Boolean)
        for c in columns
    )
    bad = [c for c in columns if (flags[c].is_null() & raw[c].str.strip_chars().ne("")).any()]
    if bad:
        raise SchemaError(
            f"{path.name}: tag columns that should hold true/false hold something else",
            [Problem("not true/false", fix="check the file's version", file=str(path), column=c) for c in bad],
        )
    collapsed = raw.with_columns(
        pl.concat_list(pl.when(flags[c]).then(pl.lit(c)) for c in columns).list.drop_nulls().alias(block.into)
    )
    return tidy(collapsed, spec.fields, path)


def _parse_wide_series(spec: LiveEntry, files: dict[str, Path]) -> pl.DataFrame:
    """Several entity × year CSVs with one column per series → one long frame (entity, year, series, value)."""
    layout = spec.series
    assert layout is not None  # the registry requires it of a wide_series dataset
    index, suffix, units = list(layout.index), layout.adjusted_suffix, dict(layout.units)
    frames = []
    for f in spec.files:
        raw = read_csv(files[f.name], header_hint=index[0])
        frames.append(
            raw.unpivot(index=index, variable_name="column", value_name="value")
            .filter(~pl.col("value").str.strip_chars().is_in(NULL_TOKENS) & pl.col("value").is_not_null())
            .with_columns(pl.lit(f.name).alias("file"))
        )
    long = pl.concat(frames, how="diagonal").with_columns(
        pl.col("column").str.ends_with(suffix).alias("inflation_adjusted"),
        pl.col("column").str.strip_suffix(suffix).str.strip_prefix(layout.strip_prefix).alias("series"),
    )
    long = long.with_columns(
        pl.col("series").replace_strict(units, default=units["default"], return_dtype=pl.String).alias("unit")
    )
    return tidy(long, spec.fields, Path(", ".join(files)))


_PARSERS: dict[str, Callable[[LiveEntry, dict[str, Path]], pl.DataFrame]] = {
    "csv": _parse_csv,
    "boolean_block": _parse_boolean_block,
    "wide_series": _parse_wide_series,
}


def _header_hint(spec: LiveEntry) -> str:
    """A header cell that must appear in the real header row: the first source name of the first field."""
    return spec.fields[0].headers[0]


def read_csv(path: Path, *, header_hint: str) -> pl.DataFrame:
    """Read a CSV as strings, finding the real header below any banner rows.

    The header is the first of the top rows holding `header_hint`. A following row with an empty first
    cell and labels elsewhere is a sub-header (grouped columns, as in spreadsheet exports): its labels
    join the last group name to their left ("External harms: Individual"). BOMs and CRLF are handled by
    polars; header names are stripped of spaces; repeated names get a numeric suffix; blank rows go.
    """
    try:
        raw = pl.read_csv(path, has_header=False, infer_schema_length=0, raise_if_empty=True)
    except (pl.exceptions.PolarsError, OSError) as error:
        raise DatasetError(
            f"cannot read as CSV: {error}",
            fix="the cached file may be damaged: re-download it with `--refresh` (refresh=True).",
            file=str(path),
        ) from error
    top = raw.head(12).rows()
    start = next((i for i, row in enumerate(top) if header_hint in _clean(row)), None)
    if start is None:
        raise SchemaError(
            f"{path.name}: no header row holds the column {header_hint!r}",
            [Problem(f"first row is {_clean(top[0])[:8]}", fix="check that the URL serves this dataset",
                     file=str(path), column=header_hint)],
        )
    names = _clean(top[start])
    below = _clean(top[start + 1]) if start + 1 < len(top) else []
    body_start = start + 1
    if below and not below[0] and any(below):
        names, body_start = _join_subheader(names, below), start + 2
    body = raw.slice(body_start).rename(dict(zip(raw.columns, _unique(names))))
    return body.filter(pl.any_horizontal(pl.all().is_not_null()))  # drop blank spreadsheet rows


def _clean(row: tuple) -> list[str]:
    return [(cell or "").strip().lstrip("\ufeff") for cell in row]


def _join_subheader(groups: list[str], subs: list[str]) -> list[str]:
    names, group = [], ""
    for top, sub in zip(groups, subs):
        group = top or group
        names.append(f"{group}: {sub}" if sub else top)
    return names


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    result = []
    for i, name in enumerate(names):
        name = name or f"column_{i + 1}"
        seen[name] = seen.get(name, 0) + 1
        result.append(name if seen[name] == 1 else f"{name}_{seen[name]}")
    return result


# --- typing -------------------------------------------------------------------------------------------


def tidy(raw: pl.DataFrame, fields: tuple[FieldSpec, ...] | list[FieldSpec], path: Path) -> pl.DataFrame:
    """Select, rename and type the registry `fields` from a frame of strings; list every bad cell.

    A field takes the first of its `from` headers present; a missing optional field becomes a typed
    null column (so every snapshot has one schema); a missing required field, or a cell that cannot be
    read as its type, is a SchemaError naming the file, column, record and value.
    """
    problems: list[Problem] = []
    exprs, checks = [], []
    for field in fields:
        source = next((c for c in field.headers if c in raw.columns), None)
        dtype = field.dtype
        if source is None:
            if field.required:
                near = difflib.get_close_matches(field.headers[0], raw.columns, n=3)
                problems.append(Problem(
                    f"required column missing (looked for {list(field.headers)}; nearest: {near})",
                    fix=f"add the new header to `from` of field {field.name!r} in the registry",
                    file=str(path), column=field.headers[0]))
            exprs.append(pl.lit(None, dtype=dtype).alias(field.name))
            continue
        value, bad = _typed(pl.col(source), field, dtype, raw.schema[source])
        exprs.append(value.alias(field.name))
        if bad is not None:  # computed in the same pass as the values, kept only while checking
            checks.append((field, source, _CHECK + field.name))
            exprs.append(bad.alias(_CHECK + field.name))
    if problems:
        raise SchemaError(f"{path.name} does not have the columns the registry expects", problems)
    try:
        frame = raw.select(exprs)
    except pl.exceptions.ComputeError:  # malformed JSON lists: find the cells
        problems = _json_problems(raw, fields, path)
        if not problems:
            raise
    else:
        problems = _cell_problems(raw, frame, checks, path)
    if problems:
        shown = problems[:_MAX_PROBLEMS]
        raise SchemaError(
            f"{path.name}: {len(problems)} cell(s) cannot be read as their registry type"
            + (f" (first {_MAX_PROBLEMS} listed)" if len(problems) > _MAX_PROBLEMS else ""),
            shown,
        )
    return frame.drop(check for _, _, check in checks)


def _typed(
    col: pl.Expr, field: FieldSpec, dtype: pl.DataType, source_dtype: pl.DataType
) -> tuple[pl.Expr, pl.Expr | None]:
    """(typed expression, expression true where a non-empty cell failed to convert, or None)."""
    if source_dtype != pl.String:
        return col.cast(dtype), None
    text = col.str.strip_chars()
    if field.extract is not None:
        text = text.str.extract(field.extract, 1)
    text = pl.when(text == "").then(None).otherwise(text)
    if isinstance(dtype, pl.List):
        if field.json:
            return text.str.json_decode(dtype), None
        items = text.str.split(field.sep or ",").list.eval(pl.element().str.strip_chars())
        return items.list.filter(pl.element() != "").cast(dtype), None
    if dtype in (pl.String, pl.Categorical):  # CRLF files also put \r\n inside multi-line cells
        return text.str.replace_all("\r\n", "\n", literal=True).cast(dtype), None
    present = pl.when(text.is_in(NULL_TOKENS)).then(None).otherwise(text)
    if dtype == pl.Float64 and field.several is not None:  # "a,b": one value per stage; keep the max/min/...
        parts = present.str.split(field.sep or ",").list.eval(
            pl.element().str.strip_chars().cast(pl.Float64, strict=False)
        )
        value = getattr(parts.list, field.several)()
        return value, present.is_not_null() & (value.is_null() | parts.list.contains(None))
    if dtype == pl.Float64:
        value = present.cast(pl.Float64, strict=False)
    elif dtype == pl.Int64:
        number = present.cast(pl.Float64, strict=False)
        value = pl.when(number == number.round(0)).then(number.cast(pl.Int64, strict=False))
    elif dtype == pl.Date:
        value = present.str.to_date(field.format or "%Y-%m-%d", strict=False)
    else:  # boolean
        value = present.str.to_lowercase().replace_strict(_TRUE, default=None, return_dtype=pl.Boolean)
    return value, present.is_not_null() & value.is_null()


def _cell_problems(raw: pl.DataFrame, frame: pl.DataFrame, checks: list, path: Path) -> list[Problem]:
    problems = []
    for field, source, check in checks:
        for row in frame.get_column(check).arg_true().head(_MAX_PROBLEMS).to_list():
            problems.append(Problem(
                f"record {row + 1}: not a valid {field.type}",
                fix="correct the source or widen the field's type in the registry",
                file=str(path), column=source, value=raw[row, source]))
    return problems


def _json_problems(raw: pl.DataFrame, fields: tuple[FieldSpec, ...] | list[FieldSpec], path: Path) -> list[Problem]:
    problems = []
    for field in fields:
        source = next((c for c in field.headers if c in raw.columns), None)
        if not field.json or source is None:
            continue
        for row, cell in enumerate(raw[source].to_list()):
            try:
                ok = cell is None or not cell.strip() or isinstance(json.loads(cell), list)
            except ValueError:
                ok = False
            if not ok:
                problems.append(Problem(f"record {row + 1}: not a JSON list", fix="correct the source",
                                        file=str(path), column=source, value=cell))
    return problems


# --- one function per dataset, for discoverability (altair.datasets / scikit-learn style) ---------------


def fetch_epoch_models(**options: Any) -> pl.DataFrame:
    """Epoch AI's notable AI models (compute, parameters, cost, organisation, date); CC BY 4.0."""
    return fetch("epoch_models", **options)


def fetch_aiid_incidents(**options: Any) -> pl.DataFrame:
    """AI Incident Database incidents (date, title, alleged deployers/developers/harmed); CC BY-SA 4.0."""
    return fetch("aiid_incidents", **options)


def fetch_ai_index_investment(**options: Any) -> pl.DataFrame:
    """Stanford AI Index 2022 investment series via Our World in Data, as one long frame."""
    return fetch("ai_index_investment", **options)


def fetch_ai_index_policy(**options: Any) -> pl.DataFrame:
    """Stanford AI Index 2022 AI bills and legislative mentions (25 countries) via Our World in Data."""
    return fetch("ai_index_policy", **options)


def fetch_aiaaic(**options: Any) -> pl.DataFrame:
    """AIAAIC Repository of AI, algorithmic and automation incidents and controversies; CC BY-SA 4.0."""
    return fetch("aiaaic_incidents", **options)


def fetch_agora(**options: Any) -> pl.DataFrame:
    """CSET/ETO AGORA AI governance documents (laws, regulations, policies) with thematic tags."""
    return fetch("agora_documents", **options)
