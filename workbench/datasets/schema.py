"""The one CSV reader of curated tables, checking every cell against its registry field (`FieldSpec`).

Why a hand-rolled reader instead of `pl.read_csv`: a researcher's bad row must be reported as file:line,
column and value with a fix, and *all* bad cells at once. Python's csv module knows the physical line of
every record (even with quoted newlines); the tables are small (hundreds of rows), so this costs
milliseconds (bench/bench_datasets.py measures it against a plain `pl.read_csv`).
"""

from __future__ import annotations

import csv
import math
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import polars as pl

from workbench.datasets.entries import CURATED_TYPES, FieldSpec
from workbench.errors import Problem

__all__ = [
    "FALSE_WORDS", "LIST_SEPARATOR", "LIST_TYPES", "SCALAR_TYPES", "TRUE_WORDS", "Cell", "FieldSpec", "ParsedTable",
    "convert", "end_of_period", "read_table",
]

# the part of the registry's type vocabulary this reader converts (entries.CURATED_TYPES)
SCALAR_TYPES = tuple(kind for kind in CURATED_TYPES if not kind.startswith("list["))
LIST_TYPES = tuple(kind for kind in CURATED_TYPES if kind.startswith("list["))
LIST_SEPARATOR = ";"
TRUE_WORDS = {"true", "yes", "1"}
FALSE_WORDS = {"false", "no", "0"}
_DATE_FULL = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATE_MONTH = re.compile(r"^\d{4}-\d{2}$")
_DATE_YEAR = re.compile(r"^\d{4}$")


def _bound(value: Any, today: date) -> Any:
    if value == "today":
        return today
    if isinstance(value, str) and _DATE_FULL.match(value):
        return date.fromisoformat(value)
    return value


@dataclass
class Cell:
    """What a converter returns: the typed value, or a problem (never both)."""

    value: Any = None
    problem: tuple[str, str] | None = None  # (what, fix)
    precision: str | None = None  # a date given as YYYY or YYYY-MM implies its precision


def convert(spec: FieldSpec, raw: str, *, today: date | None = None) -> Cell:
    """Convert one CSV cell to the field's type, or say what is wrong and how to fix it."""
    today = today or date.today()
    text = raw.strip()
    if text == "":
        if spec.required:
            return Cell(problem=("is empty but required.", f"fill in {spec.name} ({spec.description})"))
        return Cell(value=[] if spec.type in LIST_TYPES else None)
    kind = spec.type
    if kind == "string":
        if spec.pattern and not re.search(spec.pattern, text):
            return Cell(problem=(f"does not match the pattern {spec.pattern!r}.",
                                 f"write {spec.name} in the form the registry describes: {spec.description}"))
        return Cell(value=text)
    if kind == "date":
        precision = None
        if _DATE_FULL.match(text):
            candidate = text
        elif _DATE_MONTH.match(text):
            candidate, precision = text + "-01", "month"
        elif _DATE_YEAR.match(text):
            candidate, precision = text + "-01-01", "year"
        else:
            return Cell(problem=("is not a date.",
                                 "write dates as YYYY-MM-DD (or YYYY-MM / YYYY when only the month or year is known)"))
        try:
            value = date.fromisoformat(candidate)
        except ValueError:
            return Cell(problem=("is not a valid calendar date.", "check the month and day"))
        low, high = _bound(spec.min, today), _bound(spec.max, today)
        if low is not None and value < low:
            return Cell(problem=(f"is before {low.isoformat()}, earlier than any record here.", "check the year"))
        if high is not None and value > high:
            return Cell(problem=(f"is after {high.isoformat()} (in the future).",
                                 "record only what has happened; check the year"))
        return Cell(value=value, precision=precision)
    if kind == "float":
        try:
            value = float(text.replace(",", "").replace("_", ""))
        except ValueError:
            return Cell(problem=("is not a number.",
                                 "write plain numbers without currency signs or words, e.g. 1000000000 for $1 billion"))
        if math.isnan(value) or math.isinf(value):
            return Cell(problem=("is not a finite number.",
                                 "write a plain number, or leave the cell empty when unknown"))
        low, high = spec.min, spec.max
        if low is not None and value < float(low):
            return Cell(problem=(f"is below {low} (amounts cannot be negative).",
                                 "write the absolute amount; use amount_kind and note for the context"))
        if high is not None and value > float(high):
            return Cell(problem=(f"is above {high:g}, an absurd amount for this field.",
                                 "check the units: amounts are plain USD, e.g. 1e9 for $1 billion"))
        return Cell(value=value)
    if kind == "bool":
        low_text = text.lower()
        if low_text in TRUE_WORDS:
            return Cell(value=True)
        if low_text in FALSE_WORDS:
            return Cell(value=False)
        return Cell(problem=("is not true or false.", "write true or false"))
    if kind == "enum":
        if text not in spec.values:
            return Cell(problem=("is not one of the allowed values.",
                                 f"use one of: {', '.join(spec.values)}{_nearest_hint(text, spec.values)}"))
        return Cell(value=text)
    if kind in LIST_TYPES:
        items = [item.strip() for item in text.split(LIST_SEPARATOR) if item.strip()]
        if kind == "list[enum]":
            bad = [item for item in items if item not in spec.values]
            if bad:
                return Cell(problem=(f"contains {', '.join(map(repr, bad))}, not in the vocabulary.",
                                     f"use only: {', '.join(spec.values)} (separated by ';')"
                                     f"{_nearest_hint(bad[0], spec.values)}"))
        if spec.required and not items:
            return Cell(problem=("is empty but required.", f"fill in {spec.name}"))
        return Cell(value=items)
    raise ValueError(f"unknown field type {kind!r}")


def _nearest_hint(text: str, choices: tuple[str, ...]) -> str:
    import difflib

    near = difflib.get_close_matches(text, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {near[0]!r}?)" if near else ""


@dataclass
class ParsedTable:
    """Typed columns of one CSV file, with the physical line of each row (for error messages)."""

    path: Path
    frame: pl.DataFrame
    lines: list[int]
    problems: list[Problem] = field(default_factory=list)


def read_table(
    path: Path,
    fields: list[FieldSpec],
    *,
    partial_columns: bool = False,
    today: date | None = None,
) -> ParsedTable:
    """Read one CSV against the stored (non-derived) fields; collect every problem instead of stopping.

    `partial_columns=True` (user overlays) lets optional columns be omitted; required ones must be there.
    Unknown columns are always a problem: a typo would otherwise silently drop data.
    """
    stored = [f for f in fields if not f.derived]
    by_name = {f.name: f for f in stored}
    where = str(path)
    problems: list[Problem] = []
    try:
        nul = _nul_offset(path)
        handle = open(path, newline="", encoding="utf-8-sig")
    except OSError as error:
        problems.append(Problem(what=f"cannot be opened ({error.strerror}).", fix="check the path", file=where))
        return ParsedTable(path, _empty(stored), [], problems)
    if nul is not None:  # Python's csv reads NUL bytes as text: a spreadsheet file would list nonsense columns
        handle.close()
        problems.append(Problem(what=f"is binary, not CSV text (a NUL byte at byte offset {nul}).",
                                fix="export it as a UTF-8 CSV file (in a spreadsheet: Save as > CSV UTF-8)",
                                file=where))
        return ParsedTable(path, _empty(stored), [], problems)
    with handle:
        reader = csv.reader(handle, strict=True)
        try:
            header = next(reader, None)
        except (csv.Error, UnicodeDecodeError) as error:
            problems.append(Problem(what=f"is not a readable CSV file ({error}).",
                                    fix="save it as UTF-8 CSV with a header row", file=where, line=1))
            return ParsedTable(path, _empty(stored), [], problems)
        if not header:
            problems.append(Problem(what="is empty (no header row).", fix=f"start with a header: {','.join(by_name)}",
                                    file=where, line=1))
            return ParsedTable(path, _empty(stored), [], problems)
        header = [h.strip() for h in header]
        for name in header:
            if name not in by_name:
                near = _nearest_hint(name, tuple(by_name))
                problems.append(Problem(what="is not a column of this dataset.",
                                        fix=f"rename or remove it{near}; the columns are: {', '.join(by_name)}",
                                        file=where, line=1, column=name))
        duplicates = {h for h in header if header.count(h) > 1}
        for name in sorted(duplicates):
            problems.append(Problem(what="appears more than once in the header.", fix="keep one column of that name",
                                    file=where, line=1, column=name))
        for spec in stored:
            if spec.name not in header and (spec.required or not partial_columns):
                problems.append(Problem(what="is missing from the header.",
                                        fix=f"add the column {spec.name} ({spec.description})",
                                        file=where, line=1, column=spec.name))
        if problems:
            return ParsedTable(path, _empty(stored), [], problems)
        columns: dict[str, list[Any]] = {spec.name: [] for spec in stored}
        lines: list[int] = []
        line_number = reader.line_num
        while True:
            start = reader.line_num + 1
            try:
                record = next(reader)
            except StopIteration:
                break
            except (csv.Error, UnicodeDecodeError) as error:
                problems.append(Problem(what=f"is malformed CSV ({error}).",
                                        fix="check quotes: a field with commas or quotes must be wrapped in double "
                                            "quotes, inner quotes doubled",
                                        file=where, line=start))
                break
            line_number = start
            if not record or all(not cell.strip() for cell in record):
                continue
            if len(record) != len(header):
                problems.append(Problem(what=f"has {len(record)} fields but the header has {len(header)}.",
                                        fix="quote fields that contain commas, or add the missing cells",
                                        file=where, line=line_number))
                continue
            raw = dict(zip(header, record))
            lines.append(line_number)
            precision_hints: dict[str, str] = {}
            for spec in stored:
                cell = convert(spec, raw.get(spec.name, ""), today=today)
                if cell.problem:
                    what, fix = cell.problem
                    problems.append(Problem(what=what, fix=fix, file=where, line=line_number, column=spec.name,
                                            value=raw.get(spec.name, "")))
                if cell.precision and spec.precision:
                    precision_hints[spec.precision] = cell.precision
                columns[spec.name].append(cell.value)
            _apply_precision(columns, stored, precision_hints, raw, where, line_number, problems)
    frame = pl.DataFrame({spec.name: pl.Series(spec.name, columns[spec.name], dtype=_load_dtype(spec))
                          for spec in stored})
    frame = _cast_enums(frame, stored)
    return ParsedTable(path, frame, lines, problems)


def _nul_offset(path: Path, limit: int = 1 << 20) -> int | None:
    """Where the first NUL byte sits in the first `limit` bytes (None for text): text CSV never holds one."""
    with open(path, "rb") as stream:
        offset = stream.read(limit).find(b"\x00")
    return None if offset < 0 else offset


def _apply_precision(columns, stored, hints, raw, where, line, problems) -> None:
    """A date written as YYYY-MM sets an empty precision to 'month'; check precision against the date."""
    for spec in stored:
        if spec.type != "date" or not spec.precision or spec.precision not in columns:
            continue
        value = columns[spec.name][-1]
        precision = columns[spec.precision][-1]
        hinted = hints.get(spec.precision)
        if hinted and precision is None:
            columns[spec.precision][-1] = precision = hinted
            # the empty-but-required problem for the precision column no longer applies
            problems[:] = [p for p in problems
                           if not (p.line == line and p.column == spec.precision and p.file == where)]
        if value is None or precision is None:
            continue
        if hinted and hinted != precision and not (hinted == "month" and precision == "year"):
            problems.append(Problem(what=f"is {precision!r} but the date {raw.get(spec.name)!r} gives only the "
                                         f"{hinted}.",
                                    fix=f"set {spec.precision} to {hinted} or write the full date",
                                    file=where, line=line, column=spec.precision, value=precision))
        elif precision == "month" and value.day != 1:
            problems.append(Problem(what="is 'month' but the date is not the 1st of the month.",
                                    fix="write month-precision dates as YYYY-MM-01 (or YYYY-MM)",
                                    file=where, line=line, column=spec.name, value=value.isoformat()))
        elif precision == "year" and (value.month, value.day) != (1, 1):
            problems.append(Problem(what="is 'year' but the date is not 1 January.",
                                    fix="write year-precision dates as YYYY-01-01 (or YYYY)",
                                    file=where, line=line, column=spec.name, value=value.isoformat()))


def _load_dtype(spec: FieldSpec) -> pl.DataType:
    # enums are built as strings first so an invalid cell (already reported) cannot abort the build
    if spec.type == "enum":
        return pl.String()
    if spec.type == "list[enum]":
        return pl.List(pl.String())
    return spec.dtype


def _cast_enums(frame: pl.DataFrame, stored: list[FieldSpec]) -> pl.DataFrame:
    casts = []
    for spec in stored:
        if spec.type == "enum":
            casts.append(pl.col(spec.name).replace_strict(list(spec.values), list(spec.values), default=None)
                         .cast(spec.dtype))
        elif spec.type == "list[enum]":
            allowed = list(spec.values)
            casts.append(pl.col(spec.name).list.eval(pl.element().replace_strict(allowed, allowed, default=None))
                         .list.drop_nulls().cast(spec.dtype))
    return frame.with_columns(casts) if casts else frame


def _empty(stored: list[FieldSpec]) -> pl.DataFrame:
    return pl.DataFrame(schema={spec.name: spec.dtype for spec in stored})


def end_of_period(value: date, precision: str | None) -> date:
    """Last day a date of this precision can mean (a month-precision fact is surely public by month end)."""
    if precision == "year":
        return date(value.year, 12, 31)
    if precision == "month":
        first_next = date(value.year + (value.month == 12), value.month % 12 + 1, 1)
        return first_next - timedelta(days=1)
    return value
