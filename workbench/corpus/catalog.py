"""seeds/catalog.csv: one row of bibliographic facts per article, validated as a whole.

Validation gathers every problem before raising, so a researcher fixes a bad catalog in one pass; a
catalog with any problem never loads half-way.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from workbench.corpus.reading import SUPPORTED_SUFFIXES
from workbench.errors import Problem, UsageError

__all__ = [
    "CITATION_FIELDS", "COLUMNS", "EARLIEST_PUBLISHED", "OPTIONAL_COLUMNS", "REQUIRED_COLUMNS", "CatalogEntry",
    "parse_published", "read_catalog",
]

REQUIRED_COLUMNS = ("doc_id", "file", "title", "publisher", "author", "published", "url", "language")
OPTIONAL_COLUMNS = ("syndicated_urls", "notes")
COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
# Fields a reader needs for citing a document; an uncatalogued file lacks them all.
CITATION_FIELDS = ("title", "publisher", "author", "published", "url")
EARLIEST_PUBLISHED = dt.date(1800, 1, 1)
_DOC_ID = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")  # what csv, reading with newline="", counts as a line


@dataclass(frozen=True)
class CatalogEntry:
    """One article's catalog row: what an output cites it by, where the row is and which citation fields it lacks."""

    doc_id: str
    file: str
    title: str = ""
    publisher: str = ""
    author: str = ""
    published: dt.date | None = None
    url: str = ""
    language: str = "en"
    syndicated_urls: tuple[str, ...] = ()
    notes: str = ""
    line: int | None = None  # where the row sits in catalog.csv; None for an uncatalogued file
    missing: tuple[str, ...] = field(default=())  # citation fields that are empty


def read_catalog(path: Path, *, today: dt.date | None = None) -> tuple[list[CatalogEntry], list[Problem]]:
    """Parse and check catalog.csv; returns the entries and every problem found (empty when all is well)."""
    if not path.exists():
        return [], []
    today = today or dt.date.today()
    where = str(path)
    try:
        content = path.read_bytes().decode("utf-8-sig")  # no newline translation: csv needs "\r\n" in cells as is
    except UnicodeDecodeError as error:
        return [], [Problem(f"the catalog is not valid UTF-8 (byte offset {error.start}).",
                            "re-save catalog.csv as UTF-8.", file=where)]
    except OSError as error:  # a folder named catalog.csv, or no permission to read it
        return [], [Problem(f"the catalog cannot be read ({error.strerror or error}).",
                            "make seeds/catalog.csv a readable UTF-8 text file.", file=where)]
    reader = csv.DictReader(io.StringIO(content, newline=""), strict=True)
    try:
        header = [name.strip() for name in reader.fieldnames or []]
    except csv.Error as error:
        return [], [_unreadable(error, where, 1)]
    problems = _check_header(header, where)
    if problems:
        return [], problems

    entries: list[CatalogEntry] = []
    seen: dict[str, int] = {}
    for row in _rows(reader, where, problems):
        line = _first_line(row, reader.line_num)
        cells = _cell_count(row, len(header))
        if cells != len(header):  # a cell too many or too few shifts every value after it into the wrong column
            problems.append(Problem(f"the row has {cells} cells but the header has {len(header)} columns.",
                                    "quote cells that contain commas, close every opening quote, and give "
                                    "every row one cell per column (empty cells included).",
                                    file=where, line=line))
            continue
        values = {key.strip(): (value or "").strip() for key, value in row.items()}
        entry, row_problems = _parse_row(values, where, line, today)
        problems.extend(row_problems)
        if entry is None:
            continue
        if entry.doc_id in seen:
            problems.append(Problem(f"duplicate doc_id (first used on line {seen[entry.doc_id]}).",
                                    "give every document its own doc_id.", file=where, line=line,
                                    column="doc_id", value=entry.doc_id))
            continue
        seen[entry.doc_id] = line
        entries.append(entry)
    return entries, problems


def _rows(reader: csv.DictReader, where: str, problems: list[Problem]) -> Iterator[dict]:
    """The rows up to the first one the csv module cannot read, which becomes a problem: csv.Error (a quote
    never closed, a cell over the module's 131072-character limit) would otherwise escape as a raw exception."""
    while True:
        before = reader.line_num
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            problems.append(_unreadable(error, where, before + 1))
            return
        yield row


def _unreadable(error: csv.Error, where: str, line: int) -> Problem:
    return Problem(f"the catalog is not valid CSV from here on ({error}).",
                   "close every quote you open, and double quotes inside a quoted cell (\"\").",
                   file=where, line=line)


def _first_line(row: dict, last_line: int) -> int:
    """The physical line a row starts on. csv counts the lines read so far, the row's last; a quoted cell may
    hold line breaks (kept verbatim, so counting them gives back the first line)."""
    cells = [cell for value in row.values() for cell in (value if isinstance(value, list) else [value]) if cell]
    return last_line - sum(len(_LINE_BREAK.findall(cell)) for cell in cells)


def _cell_count(row: dict, columns: int) -> int:
    """Cells csv.DictReader actually read: extra cells land under None, missing ones are filled with None."""
    if None in row:
        return columns + len(row[None])
    return sum(value is not None for value in row.values())


def _check_header(header: list[str], where: str) -> list[Problem]:
    problems = []
    repeated = sorted({name for name in header if header.count(name) > 1})
    if repeated:  # csv.DictReader would keep only the last of them, silently
        problems.append(Problem(f"the header repeats column(s) {', '.join(repeated)}.",
                                "keep one column of each name.", file=where, line=1))
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    extra = [name for name in header if name not in COLUMNS]
    if missing:
        problems.append(Problem(f"the header lacks column(s) {', '.join(missing)}.",
                                f"the header must be: {','.join(COLUMNS)} (the last "
                                f"{len(OPTIONAL_COLUMNS)} optional).", file=where, line=1))
    if extra:
        problems.append(Problem(f"the header has unknown column(s) {', '.join(extra)}.",
                                f"remove them or rename them to one of: {', '.join(COLUMNS)}.",
                                file=where, line=1))
    return problems


def _parse_row(values: dict[str, str], where: str, line: int, today: dt.date
               ) -> tuple[CatalogEntry | None, list[Problem]]:
    problems = []
    doc_id = values.get("doc_id", "")
    if not _DOC_ID.match(doc_id):
        problems.append(Problem("doc_id must be lower-case letters, digits, '.', '_' or '-'.",
                                "use a slug such as 'bloomberg-2019-07-22-microsoft-openai'.",
                                file=where, line=line, column="doc_id", value=doc_id))
    file_name = values.get("file", "")
    if not file_name or Path(file_name).name != file_name:
        problems.append(Problem("file must be a plain file name inside seeds/.",
                                "put the article in seeds/ and write only its name here.",
                                file=where, line=line, column="file", value=file_name))
    elif Path(file_name).suffix.lower() not in SUPPORTED_SUFFIXES:
        problems.append(Problem("only .txt and .md articles are supported.",
                                "save the article as UTF-8 text with a .txt or .md name.",
                                file=where, line=line, column="file", value=file_name))
    published = _parse_published(values.get("published", ""), where, line, today, problems)
    if problems:
        return None, problems
    missing = tuple(name for name in CITATION_FIELDS if not values.get(name))
    return CatalogEntry(
        doc_id=doc_id,
        file=file_name,
        title=values.get("title", ""),
        publisher=values.get("publisher", ""),
        author=values.get("author", ""),
        published=published,
        url=values.get("url", ""),
        language=values.get("language") or "en",
        syndicated_urls=tuple(u.strip() for u in values.get("syndicated_urls", "").split(";") if u.strip()),
        notes=values.get("notes", ""),
        line=line,
        missing=missing,
    ), []


def parse_published(value: str, *, where: str, today: dt.date | None = None) -> dt.date | None:
    """A publication date given on the command line or in code, checked like a catalog cell."""
    problems: list[Problem] = []
    date = _parse_published(value.strip(), where, None, today or dt.date.today(), problems)
    if problems:
        problem = problems[0]
        raise UsageError(problem.what, fix=problem.fix, column=where, value=value)
    return date


def _parse_published(value: str, where: str, line: int | None, today: dt.date, problems: list[Problem]
                     ) -> dt.date | None:
    if not value:
        return None
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        problems.append(Problem("published must be a date written YYYY-MM-DD.",
                                "write for example 2019-07-22, or leave it empty if unknown.",
                                file=where, line=line, column="published", value=value))
        return None
    try:
        date = dt.date.fromisoformat(value)
    except ValueError as error:
        problems.append(Problem(f"published is not a real date ({error}).",
                                "check the day and month.", file=where, line=line, column="published",
                                value=value))
        return None
    if not EARLIEST_PUBLISHED <= date <= today:
        problems.append(Problem(f"published must lie between {EARLIEST_PUBLISHED} and today ({today}).",
                                "check the year.", file=where, line=line, column="published", value=value))
        return None
    return date
