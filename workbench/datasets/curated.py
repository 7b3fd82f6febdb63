"""Assemble a curated table: the shipped CSV, checked against its registry entry, plus the user's overlay.

Order of work for one table: verify the shipped file's sha256 -> read and type every cell -> read
data/user/<name>.csv with the same schema -> overlay (user rows added, or replacing shipped rows with the
same id) -> check ids, cross-table references and row rules -> add derived columns (origin, confidence,
known_from, countable). Every problem found is reported at once, with file, line, column, value and fix.
Results are cached per process and invalidated when any curated or user file changes.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import polars as pl

from workbench import paths
from workbench.datasets import registry as reg
from workbench.datasets.schema import FieldSpec, ParsedTable, end_of_period, read_table
from workbench.errors import DatasetError, Problem, SchemaError

ORIGINS = ["package", "user"]
CONFIDENCE = ["high", "medium", "low", "unsourced"]


@dataclass
class Assembled:
    """One curated table after overlay and checks; `frame` keeps `_file`/`_line` for later messages."""

    name: str
    frame: pl.DataFrame
    user_path: Path | None = None
    user_ids: list[str] = field(default_factory=list)
    replaced_ids: list[str] = field(default_factory=list)


_CACHE: dict[str, tuple[tuple, Assembled]] = {}


def clear_cache() -> None:
    """Forget assembled tables (tests and benchmarks call this to measure a cold load)."""
    _CACHE.clear()


def user_path(name: str) -> Path:
    """Where a researcher's own rows for `name` live: data/user/<name>.csv."""
    return paths.user_data_dir() / f"{name}.csv"


def _stat(path: Path) -> tuple:
    try:
        st = path.stat()
        return (str(path), st.st_mtime_ns, st.st_size)
    except OSError:
        return (str(path), None, None)


def _signature() -> tuple:
    sig = [_stat(reg.REGISTRY_PATH)]
    for name in reg.curated_names():
        sig += [_stat(reg.curated(name).path), _stat(user_path(name))]
    return tuple(sig)


def assemble(name: str) -> Assembled:
    """The checked, overlaid table `name` (cached until a curated or user file changes)."""
    signature = _signature()
    cached = _CACHE.get(name)
    if cached and cached[0] == signature:
        return cached[1]
    result = _assemble(name)
    _CACHE[name] = (signature, result)
    return result


def verify_checksum(entry: reg.CuratedEntry) -> None:
    if not entry.path.is_file():
        raise DatasetError(f"the shipped file of {entry.name!r} is missing.", fix="reinstall the package (`pip install -e .`)", file=entry.path)
    digest, size = reg.file_digest(entry.path)
    if digest != entry.get("sha256") or size != entry.get("bytes"):
        raise DatasetError(
            f"{entry.path.name} does not match its registry entry (sha256 {digest[:12]}..., {size} bytes; the registry says "
            f"{str(entry.get('sha256'))[:12]}..., {entry.get('bytes')} bytes).",
            fix="if the edit was reviewed, run `python -m workbench.datasets.registry --rehash`; otherwise restore the file "
            "(to add your own rows, use data/user/<dataset>.csv instead)",
            file=entry.path,
        )


def _with_place(parsed: ParsedTable, origin: str) -> pl.DataFrame:
    return parsed.frame.with_columns(
        pl.lit(origin).cast(pl.Enum(ORIGINS)).alias("origin"),
        pl.lit(str(parsed.path)).alias("_file"),
        pl.Series("_line", parsed.lines, dtype=pl.Int64) if parsed.lines else pl.lit(None, dtype=pl.Int64).alias("_line"),
    )


def _duplicates(frame: pl.DataFrame, key: str, fix: str) -> list[Problem]:
    problems = []
    seen: dict[str, int] = {}
    for value, file, line in frame.select(key, "_file", "_line").iter_rows():
        if value is None:
            continue
        if value in seen:
            problems.append(Problem(what=f"repeats the id already used on line {seen[value]}.", fix=fix, file=file, line=line, column=key, value=value))
        else:
            seen[value] = line
    return problems


def _assemble(name: str) -> Assembled:
    entry = reg.curated(name)
    verify_checksum(entry)
    fields = entry.fields
    stored = entry.stored_fields
    key = entry.primary_key
    package = read_table(entry.path, fields)
    problems = list(package.problems)
    frame = _with_place(package, "package") if not package.problems else None
    problems += _duplicates(frame, key, "give each row its own id") if frame is not None else []

    overlay_path = user_path(name)
    user_ids: list[str] = []
    replaced: list[str] = []
    if overlay_path.is_file():
        user = read_table(overlay_path, fields, partial_columns=True)
        problems += user.problems
        if not user.problems:
            missing = [pl.lit(None, dtype=spec.dtype).alias(spec.name) for spec in stored if spec.name not in user.frame.columns]
            user.frame = user.frame.with_columns(missing).select([spec.name for spec in stored])
            user_frame = _with_place(user, "user")
            problems += _duplicates(user_frame, key, "keep one row per id in your overlay (a row with a shipped id replaces the shipped row)")
            user_ids = user_frame[key].to_list()
            if frame is not None:
                replaced = sorted(set(user_ids) & set(frame[key].to_list()))
                frame = pl.concat([frame.filter(~pl.col(key).is_in(user_ids)), user_frame], how="vertical")
    elif overlay_path.exists():  # a folder in its place would otherwise leave the researcher's rows out silently
        problems.append(Problem(what="is not a file, so no rows could be read from it.",
                                fix=f"put your rows in a CSV file named {overlay_path.name} (move the folder away)",
                                file=str(overlay_path)))
    if problems or frame is None:
        raise SchemaError(f"dataset {name!r} has rows that do not fit its schema", problems)

    problems += _row_rules(name, frame, stored)
    problems += _references(name, frame, stored, key)
    if problems:
        raise SchemaError(f"dataset {name!r} has rows that break its rules or references", problems)
    frame = _derive(entry, frame)
    return Assembled(name, frame, overlay_path if overlay_path.is_file() else None, user_ids, replaced)


def _row_rules(name: str, frame: pl.DataFrame, stored: list[FieldSpec]) -> list[Problem]:
    """Rules that span cells: sourcing, amount consistency, totals."""
    problems: list[Problem] = []
    columns = set(frame.columns)
    rows = frame.to_dicts()
    if {"source_ids", "unsourced_reason"} <= columns:
        for row in rows:
            if not row["source_ids"] and not row["unsourced_reason"]:
                problems.append(Problem(what="cites no source.", fix="add source ids (add the source to data/user/sources.csv first if it is new), or explain in unsourced_reason", file=row["_file"], line=row["_line"], column="source_ids", value=""))
    if name == "funding_events":
        totals = {row["event_id"]: row for row in rows}
        parts: dict[str, float] = {}
        for row in rows:
            place = dict(file=row["_file"], line=row["_line"])
            if (row["amount_original"] is None) != (row["currency_original"] is None):
                problems.append(Problem(what="amount_original and currency_original must be given together.", fix="fill both or neither", column="currency_original", value=row["currency_original"], **place))
            if row["amount_kind"] == "undisclosed" and row["amount_usd"] is not None:
                problems.append(Problem(what="has an amount but amount_kind is 'undisclosed'.", fix="set amount_kind to reported/committed/estimated, or empty amount_usd", column="amount_kind", value="undisclosed", **place))
            if row["amount_usd"] is None and row["amount_kind"] != "undisclosed" and row["amount_original"] is None:
                problems.append(Problem(what="has no amount but amount_kind is not 'undisclosed'.", fix="give amount_usd (or amount_original + currency_original), or set amount_kind to undisclosed", column="amount_usd", value="", **place))
            low, high = row["amount_usd_low"], row["amount_usd_high"]
            if low is not None and high is not None and low > high:
                problems.append(Problem(what="amount_usd_low is above amount_usd_high.", fix="swap them", column="amount_usd_low", value=low, **place))
            if row["part_of"] and row["part_of"] == row["event_id"]:
                problems.append(Problem(what="points at itself.", fix="name the total row's event_id", column="part_of", value=row["part_of"], **place))
            if row["alternative_to"] and row["alternative_to"] == row["event_id"]:
                problems.append(Problem(what="points at itself.", fix="name the other row's event_id", column="alternative_to", value=row["alternative_to"], **place))
            target = totals.get(row["part_of"]) if row["part_of"] else None
            if target is not None and not target["is_total"]:
                problems.append(Problem(what=f"points at {row['part_of']!r}, which is not a total row.", fix="set is_total=true on that row or fix part_of", column="part_of", value=row["part_of"], **place))
            if target is not None and row["amount_usd"] is not None:
                parts[row["part_of"]] = parts.get(row["part_of"], 0.0) + row["amount_usd"]
        for total_id, summed in parts.items():
            total = totals[total_id]
            if total["amount_usd"] is not None and summed > total["amount_usd"] * 1.001:
                problems.append(Problem(what=f"its parts (part_of) add up to {summed:,.0f} USD, more than the total {total['amount_usd']:,.0f}.", fix="check the per-investor amounts or the total", file=total["_file"], line=total["_line"], column="amount_usd", value=total["amount_usd"]))
    return problems


def _references(name: str, frame: pl.DataFrame, stored: list[FieldSpec], key: str) -> list[Problem]:
    """Every reference (`table.column`) must resolve, within the overlaid tables."""
    problems: list[Problem] = []
    for spec in stored:
        if not spec.references:
            continue
        table, column = spec.references.split(".", 1)
        target = frame if table == name else assemble(table).frame
        valid = set(target[column].drop_nulls().to_list())
        values = frame.select(spec.name, "_file", "_line").iter_rows()
        for value, file, line in values:
            items = value if isinstance(value, list) else ([value] if value is not None else [])
            for item in items:
                if item not in valid:
                    near = difflib.get_close_matches(item, list(valid), n=1, cutoff=0.6)
                    hint = f" (did you mean {near[0]!r}?)" if near else ""
                    problems.append(Problem(
                        what=f"refers to {item!r}, which is not a {column} in {table}.",
                        fix=f"use an existing {column}{hint}, or add a row for it to {user_path(table)}",
                        file=file, line=line, column=spec.name, value=item))
    return problems


def _derive(entry: reg.CuratedEntry, frame: pl.DataFrame) -> pl.DataFrame:
    wanted = {f.name for f in entry.fields if f.derived}
    extra = []
    if "confidence" in wanted:
        tiers = dict(assemble("sources").frame.select("source_id", pl.col("tier").cast(pl.String)).iter_rows())
        levels = []
        for ids, weak in frame.select("source_ids", "weak_support").iter_rows():
            levels.append(confidence_from_tiers([tiers[i] for i in ids or []], bool(weak)))
        extra.append(pl.Series("confidence", levels, dtype=pl.Enum(CONFIDENCE)))
    if "countable" in wanted:
        extra.append((pl.col("part_of").is_null() & pl.col("alternative_to").is_null()).alias("countable"))
    if "known_from" in wanted:
        column, disclosed, precision = entry.get("date_column"), entry.get("disclosed_column"), entry.get("precision_column")
        ends = [end_of_period(d, p) if d is not None else None for d, p in frame.select(column, precision).iter_rows()]
        extra.append(pl.coalesce(pl.col(disclosed), pl.Series("_end", ends, dtype=pl.Date)).alias("known_from"))
    frame = frame.with_columns(extra)
    order = [f.name for f in entry.fields] + ["_file", "_line"]
    return frame.select(order)


def confidence_from_tiers(tiers: list[str], weak: bool) -> str:
    """high: a primary source or two major outlets/wires; medium: one; low: only secondary, or weak support."""
    if not tiers:
        return "unsourced"
    if weak:
        return "low"
    if "primary" in tiers or tiers.count("major_outlet") >= 2:
        return "high"
    if "major_outlet" in tiers:
        return "medium"
    return "low"


def parse_as_of(as_of: object) -> date:
    if isinstance(as_of, date):
        return as_of if type(as_of) is date else as_of.date()  # datetime -> date
    try:
        return date.fromisoformat(str(as_of))
    except ValueError as error:
        raise DatasetError("as_of is not a date.", fix="pass a date or 'YYYY-MM-DD', e.g. as_of='2019-07-22'", column="as_of", value=as_of) from error


def as_of_filter(entry: reg.CuratedEntry, frame: pl.DataFrame, as_of: date) -> pl.DataFrame:
    """Rows that had happened AND were public by `as_of` (sources: published by then; entities: all)."""
    column = entry.get("date_column")
    if column is None:
        return frame
    condition = pl.col(column).is_not_null() & (pl.col(column) <= as_of)
    if "known_from" in frame.columns:
        condition = condition & (pl.col("known_from") <= as_of)
    return frame.filter(condition)
