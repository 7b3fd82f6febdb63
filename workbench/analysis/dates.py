"""Dates in news prose, absolute and relative, resolved against the article's publication date.

"July 22, 2019" and "2015" are absolute; "last year", "In February", "on Monday", "Nov. 17" and "earlier this
year" are relative and resolve against the publication date (DESIGN §4): in an article of Monday
2019-07-22, "last year" is 2018, "In February" 2019-02, "on Monday" 2019-07-22, and "Nov. 17" the most
recent 17 November not after publication (2018-11-17). Without a publication date relative dates stay
unresolved (value null) and say so in `note`.

The column is scanned in one pass by a Rust regex; resolution runs once per distinct (expression,
publication date) pair, which is a handful per corpus, never once per paragraph.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Sequence

import polars as pl

from workbench.analysis.scan import find_spans

__all__ = ["KINDS", "PATTERN", "SCHEMA", "extract_dates", "resolve"]

_MONTHS = {name.lower(): number for number, name in enumerate(calendar.month_name) if name}
_MONTHS.update({name.lower(): number for number, name in enumerate(calendar.month_abbr) if name})
_MONTHS["sept"] = 9
_MONTH = (r"(?:January|February|March|April|May|June|July|August|September|October|November|December"
          r"|(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\.?)")
_WEEKDAYS = [day.lower() for day in calendar.day_name]
_YEAR = r"(?:1[89]\d\d|20\d\d)"
_DAY = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?"
_EDGE = r"(?-u:\b)"  # ASCII word boundary: keeps Rust's fast engine on text with curly quotes
_PREPOSITION = r"(?:[Ii]n|[Ss]ince|[Bb]y|[Uu]ntil|[Ff]rom|[Ll]ast|[Tt]his|[Ee]arly|[Ll]ate|[Mm]id-?)"
_WEEKDAY = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
# A Rust regex run inside polars (no look-around): the checks a look-around would make — no digit, '%' or
# currency sign glued to a year, no word glued to a date — are made on the neighbouring characters after.
# At one position the first alternative that matches wins, so a month phrase swallows its day and year
# ("In February 2019"): `resolve` reads what it holds.
PATTERN = (
    rf"(?P<iso>{_YEAR}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01]))"
    rf"|(?P<day_month_year>{_EDGE}{_DAY}\s+{_MONTH},?\s+{_YEAR})"
    rf"|(?P<month>{_EDGE}(?:{_PREPOSITION}\s+(?:early\s+|late\s+|mid-?)?)?{_MONTH}"
    rf"(?:\s+{_DAY}{_EDGE})?(?:,?\s+{_YEAR})?)"
    rf"|(?P<relative_year>{_EDGE}(?:(?:[Ee]arlier|[Ll]ater)\s+this|[Ll]ast|[Tt]his|[Nn]ext|[Pp]ast)\s+year{_EDGE})"
    rf"|(?P<relative_month>{_EDGE}(?:[Ll]ast|[Tt]his|[Nn]ext)\s+month{_EDGE})"
    rf"|(?P<yesterday>{_EDGE}[Yy]esterday{_EDGE})"
    rf"|(?P<weekday>{_EDGE}(?:[Oo]n|[Ll]ast|[Tt]his|[Ss]ince)\s+{_WEEKDAY}{_EDGE})"
    rf"|(?P<year>(?:{_EDGE}(?:[Ee]arly|[Ll]ate|[Mm]id)[\s-]+)?{_YEAR})"
)
KINDS = ("iso", "day_month_year", "month", "relative_year", "relative_month", "yesterday", "weekday", "year")
# kinds that must not run on into a word or number ("2015%", "2019.5", "12019", "Mayor")
_ENDS_IN_NUMBER = ("iso", "day_month_year", "month", "year")
SCHEMA = {"text": pl.String, "value": pl.String, "precision": pl.String, "relative": pl.Boolean,
          "note": pl.String, "start": pl.Int64, "end": pl.Int64}


def extract_dates(frame: pl.DataFrame, *, published: dt.date | None = None,
                  id_columns: Sequence[str] = ("doc_id", "paragraph"), text_column: str = "text") -> pl.DataFrame:
    """One row per date expression: id columns, text, value (YYYY[-MM[-DD]]), precision, relative, note, offsets.

    The publication date comes from a `published` column of the frame when there is one (corpus mode, one
    date per document), else from `published`.
    """
    spans = find_spans(frame[text_column], PATTERN)
    groups = spans["term"].str.extract_groups(PATTERN).struct.unnest()
    kind = pl.coalesce(*[pl.when(pl.col(k).is_not_null()).then(pl.lit(k)) for k in KINDS])
    dates_of_rows = (frame["published"].cast(pl.Date) if "published" in frame.columns
                     else pl.Series("published", [published] * frame.height, dtype=pl.Date))
    ids = (frame.select(*id_columns, pl.col(text_column).alias("row_text")).with_columns(published=dates_of_rows)
           .with_row_index("row").with_columns(pl.col("row").cast(pl.Int64)))
    found = (ids.join(pl.concat([spans.rename({"term": "match"}), groups], how="horizontal")
                      .with_columns(kind=kind), on="row", how="inner")
             .filter(_stands_alone()).drop("row_text"))
    distinct = found.select("match", "kind", "published").unique()
    resolved = pl.DataFrame(
        [resolve(row["match"], row["kind"], row["published"]) for row in distinct.iter_rows(named=True)],
        schema={"value": pl.String, "precision": pl.String, "relative": pl.Boolean, "note": pl.String},
        orient="row",
    )
    lookup = pl.concat([distinct, resolved], how="horizontal")
    return (
        found.join(lookup, on=["match", "kind", "published"], how="left", nulls_equal=True)
        .filter(pl.col("precision").is_not_null())
        .sort("row", "start")
        .select(*id_columns, pl.col("match").alias("text"), "value", "precision", "relative", "note", "start", "end")
    )


def _stands_alone() -> pl.Expr:
    """Not glued to a number, a word or a currency sign on either side (what look-arounds would check)."""
    before = pl.col("row_text").str.slice(pl.col("start") - 1, 1).fill_null("")
    before = pl.when(pl.col("start") > 0).then(before).otherwise(pl.lit(""))
    after = pl.col("row_text").str.slice(pl.col("end"), 2)
    glued_before = before.str.contains(r"^[\w$€£¥.,-]$") & pl.col("kind").is_in(["iso", "year"])
    glued_after = after.str.contains(r"^(?:[\w%]|[.,]\d)") & pl.col("kind").is_in(list(_ENDS_IN_NUMBER))
    return ~(glued_before | glued_after)


def resolve(text: str, kind: str, published: dt.date | None
            ) -> tuple[str | None, str | None, bool, str | None]:
    """(value, precision, relative, note) of one expression; precision None drops it ("Feb. 30", "you may")."""
    tokens = re.findall(r"[A-Za-z]+|\d+", text)
    numbers = [int(t) for t in tokens if t.isdigit()]
    month = next((_MONTHS[t.lower().rstrip(".")] for t in tokens if t.lower() in _MONTHS), None)
    year = next((n for n in numbers if n >= 1800), None)
    day = next((n for n in numbers if n <= 31), None)
    words = {t.lower() for t in tokens}

    if kind == "year":
        return f"{year:04d}", "year", False, None
    if kind == "iso":
        year, month, day = numbers
        return _day_value(year, month, day, False, None)
    if kind in ("month", "day_month_year"):
        if year is not None:
            if day is not None:
                return _day_value(year, month, day, False, None)
            return f"{year:04d}-{month:02d}", "month", False, None
        if day is None and not words & _PREPOSITIONS:
            return None, None, False, None  # "You may go", "we march on": a bare month word is not a date
        if day is not None and day > _LONGEST_MONTH[month]:
            return None, None, False, None  # "Nov. 31" is no day in any year, publication date or not
        kind = "month_day" if day is not None else "bare_month"
    if published is None:
        return None, _RELATIVE_PRECISION[kind], True, "relative date left unresolved: no publication date"
    note = f"resolved against the publication date {published.isoformat()}"
    if kind == "month_day":
        year = published.year if (month, day) <= (published.month, published.day) else published.year - 1
        while (month, day) == (2, 29) and not calendar.isleap(year):  # the most recent Feb 29 is in a leap year
            year -= 1
        return _day_value(year, month, day, True, note)
    if kind == "bare_month":
        year = published.year if month <= published.month else published.year - 1
        if "last" in words and month == published.month:
            year -= 1
        return f"{year:04d}-{month:02d}", "month", True, note
    if kind == "relative_year":
        shift = -1 if words & {"last", "past"} else 1 if "next" in words else 0
        return f"{published.year + shift:04d}", "year", True, note
    if kind == "relative_month":
        shift = -1 if "last" in words else 1 if "next" in words else 0
        index = published.year * 12 + published.month - 1 + shift
        return f"{index // 12:04d}-{index % 12 + 1:02d}", "month", True, note
    if kind == "yesterday":
        return (published - dt.timedelta(days=1)).isoformat(), "day", True, note
    weekday = next(_WEEKDAYS.index(w) for w in words if w in _WEEKDAYS)
    back = (published.weekday() - weekday) % 7
    if back == 0 and "last" in words:
        back = 7
    return (published - dt.timedelta(days=back)).isoformat(), "day", True, note


_PREPOSITIONS = frozenset({"in", "since", "by", "until", "from", "last", "this", "early", "late", "mid"})
_RELATIVE_PRECISION = {"month_day": "day", "bare_month": "month", "relative_year": "year",
                       "relative_month": "month", "yesterday": "day", "weekday": "day"}
_LONGEST_MONTH = {month: calendar.monthrange(2000, month)[1] for month in range(1, 13)}  # 2000: a leap year


def _day_value(year: int, month: int, day: int, relative: bool, note: str | None
               ) -> tuple[str | None, str | None, bool, str | None]:
    try:
        return dt.date(year, month, day).isoformat(), "day", relative, note
    except ValueError:
        return None, None, relative, None
