"""Dates in news prose, absolute and relative, resolved against the article's publication date.

"July 22, 2019" and "2015" are absolute; "last year", "In February", "on Monday", "Nov. 17" and "earlier this
year" are relative and resolve against the publication date (DESIGN §4): in an article of Monday
2019-07-22, "last year" is 2018, "In February" 2019-02, "on Monday" 2019-07-22, and "Nov. 17" the most
recent 17 November not after publication (2018-11-17). Without a publication date relative dates stay
unresolved (value null) and say so in `note`.

The column is scanned in one pass; resolution runs once per distinct (expression, publication date) pair,
which is a handful per corpus, never once per paragraph.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Sequence

import polars as pl

from workbench.analysis.scan import find_all

_MONTHS = {name.lower(): number for number, name in enumerate(calendar.month_name) if name}
_MONTHS.update({name.lower(): number for number, name in enumerate(calendar.month_abbr) if name})
_MONTHS["sept"] = 9
_MONTH = (r"(?:January|February|March|April|May|June|July|August|September|October|November|December"
          r"|(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\.?)")
_WEEKDAYS = [day.lower() for day in calendar.day_name]
_YEAR = r"(?:1[89]\d\d|20\d\d)"
_DAY = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?"
_NOT_NUMBER_AFTER = r"(?![\w%]|[.,]\d)"

# Rows with none of these cannot hold a date (checked by polars before the Python scan).
PREFILTER = (r"\d{4}|(?i:\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?|\b(?:year|month|yesterday|"
             r"monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b)")
PATTERN = re.compile(
    rf"""
    \b(?=[0-9A-Z]|(?:in|since|by|until|from|last|this|early|late|mid|earlier|later|next|past|yesterday|on)\b)
    (?:
      (?P<iso>(?<![\w-]){_YEAR}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])(?![\w-]))
    | (?P<month_day_year>\b{_MONTH}\s+{_DAY},?\s+{_YEAR}{_NOT_NUMBER_AFTER})
    | (?P<day_month_year>\b{_DAY}\s+{_MONTH},?\s+{_YEAR}{_NOT_NUMBER_AFTER})
    | (?P<month_year>\b{_MONTH},?\s+{_YEAR}{_NOT_NUMBER_AFTER})
    | (?P<month_day>\b{_MONTH}\s+{_DAY}(?![\w,]|,\s*\d))
    | (?P<bare_month>\b(?:[Ii]n|[Ss]ince|[Bb]y|[Uu]ntil|[Ff]rom|[Ll]ast|[Tt]his|[Ee]arly|[Ll]ate|[Mm]id-?)\s+
                     (?:early\s+|late\s+|mid-?)?{_MONTH}\b(?!\s+\d))
    | (?P<relative_year>\b(?:(?:[Ee]arlier|[Ll]ater)\s+this|[Ll]ast|[Tt]his|[Nn]ext|[Pp]ast)\s+year\b)
    | (?P<relative_month>\b(?:[Ll]ast|[Tt]his|[Nn]ext)\s+month\b)
    | (?P<yesterday>\b[Yy]esterday\b)
    | (?P<weekday>\b(?:[Oo]n|[Ll]ast|[Tt]his|[Ss]ince)\s+(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b)
    | (?P<year>(?:\b(?:[Ee]arly|[Ll]ate|[Mm]id)[\s-]+)?(?<![\w$€£¥.,-]){_YEAR}{_NOT_NUMBER_AFTER})
    )
    """,
    re.VERBOSE,
)
KINDS = ("iso", "month_day_year", "day_month_year", "month_year", "month_day", "bare_month", "relative_year",
         "relative_month", "yesterday", "weekday", "year")
RELATIVE_KINDS = frozenset({"month_day", "bare_month", "relative_year", "relative_month", "yesterday", "weekday"})
SCHEMA = {"text": pl.String, "value": pl.String, "precision": pl.String, "relative": pl.Boolean,
          "note": pl.String, "start": pl.Int64, "end": pl.Int64}


def extract_dates(frame: pl.DataFrame, *, published: dt.date | None = None,
                  id_columns: Sequence[str] = ("doc_id", "paragraph"), text_column: str = "text") -> pl.DataFrame:
    """One row per date expression: id columns, text, value (YYYY[-MM[-DD]]), precision, relative, note, offsets.

    The publication date comes from a `published` column of the frame when there is one (corpus mode, one
    date per document), else from `published`.
    """
    matches = find_all(frame[text_column], PATTERN, groups=KINDS, prefilter=PREFILTER)
    kind = pl.coalesce(*[pl.when(pl.col(k).is_not_null()).then(pl.lit(k)) for k in KINDS])
    dates_of_rows = (frame["published"].cast(pl.Date) if "published" in frame.columns
                     else pl.Series("published", [published] * frame.height, dtype=pl.Date))
    ids = (frame.select(id_columns).with_columns(published=dates_of_rows)
           .with_row_index("row").with_columns(pl.col("row").cast(pl.Int64)))
    found = ids.join(matches.with_columns(kind=kind), on="row", how="inner")
    distinct = found.select("match", "kind", "published").unique()
    resolved = pl.DataFrame(
        [resolve(row["match"], row["kind"], row["published"]) for row in distinct.iter_rows(named=True)],
        schema={"value": pl.String, "precision": pl.String, "note": pl.String}, orient="row",
    )
    lookup = pl.concat([distinct, resolved], how="horizontal")
    return (
        found.join(lookup, on=["match", "kind", "published"], how="left", nulls_equal=True)
        .filter(pl.col("precision").is_not_null())
        .sort("row", "start")
        .select(*id_columns, pl.col("match").alias("text"), "value", "precision",
                pl.col("kind").is_in(list(RELATIVE_KINDS)).alias("relative"), "note", "start", "end")
    )


def resolve(text: str, kind: str, published: dt.date | None) -> tuple[str | None, str | None, str | None]:
    """(value, precision, note) of one expression; precision None drops an impossible date ("Feb. 30")."""
    tokens = re.findall(r"[A-Za-z]+|\d+", text)
    numbers = [int(t) for t in tokens if t.isdigit()]
    month = next((_MONTHS[t.lower()] for t in tokens if t.lower() in _MONTHS), None)
    year = next((n for n in numbers if n >= 1800), None)
    day = next((n for n in numbers if n <= 31), None)

    if kind == "year":
        return f"{year:04d}", "year", None
    if kind == "month_year":
        return f"{year:04d}-{month:02d}", "month", None
    if kind in ("iso", "month_day_year", "day_month_year"):
        if kind == "iso":
            year, month, day = numbers
        return _day_value(year, month, day, None)
    if published is None:
        return None, _RELATIVE_PRECISION[kind], "relative date left unresolved: the document has no publication date"
    note = f"resolved against the publication date {published.isoformat()}"
    words = {t.lower() for t in tokens}
    if kind == "month_day":
        year = published.year if (month, day) <= (published.month, published.day) else published.year - 1
        return _day_value(year, month, day, note)
    if kind == "bare_month":
        year = published.year if month <= published.month else published.year - 1
        if "last" in words and month == published.month:
            year -= 1
        return f"{year:04d}-{month:02d}", "month", note
    if kind == "relative_year":
        shift = -1 if words & {"last", "past"} else 1 if "next" in words else 0
        return f"{published.year + shift:04d}", "year", note
    if kind == "relative_month":
        shift = -1 if "last" in words else 1 if "next" in words else 0
        index = published.year * 12 + published.month - 1 + shift
        return f"{index // 12:04d}-{index % 12 + 1:02d}", "month", note
    if kind == "yesterday":
        return (published - dt.timedelta(days=1)).isoformat(), "day", note
    weekday = next(_WEEKDAYS.index(w) for w in words if w in _WEEKDAYS)
    back = (published.weekday() - weekday) % 7
    if back == 0 and "last" in words:
        back = 7
    return (published - dt.timedelta(days=back)).isoformat(), "day", note


_RELATIVE_PRECISION = {"month_day": "day", "bare_month": "month", "relative_year": "year",
                       "relative_month": "month", "yesterday": "day", "weekday": "day"}


def _day_value(year: int, month: int, day: int, note: str | None) -> tuple[str | None, str | None, str | None]:
    try:
        return dt.date(year, month, day).isoformat(), "day", note
    except ValueError:
        return None, None, None
