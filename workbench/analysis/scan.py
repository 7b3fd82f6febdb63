"""Find every regex match across a whole column of texts, with exact per-row character offsets.

Two scanners, both without a Python loop per paragraph:
- `find_spans` runs a Rust regex inside polars (all cores, no look-around): the fast path.
- `find_all` runs a Python `re` pattern (look-arounds allowed) over the batch joined into one string,
  and maps each match back to its row with a sorted search; the loop runs per *match*.
Offsets are Python string indices into each row's own text.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable

import polars as pl

__all__ = ["SEPARATOR", "ascii_boundaries", "find_all", "find_spans"]

SEPARATOR = "\x00"
# `\b` not already escaped or written as `(?u:\b)`
_WORD_BOUNDARY = re.compile(r"(?<!\\)(?<!\(\?u:)\\b")


def ascii_boundaries(pattern: str) -> str:
    """Rewrite `\\b` as an ASCII word boundary (`(?u:\\b)` stays Unicode).

    Rust's fast regex engine gives up on any text with a non-ASCII character (a curly quote) when a Unicode
    boundary is asked for; English cue words need only ASCII ones.
    """
    return _WORD_BOUNDARY.sub(r"(?-u:\\b)", pattern)


def find_all(texts: pl.Series | Iterable[str], pattern: re.Pattern[str], *, groups: Iterable[str] = ()
             ) -> pl.DataFrame:
    """One row per match: `row` (position in `texts`), `start`, `end`, `match`, and the named `groups`.

    Offsets index into the row's own text: `texts[row][start:end] == match`. For patterns that need
    look-arounds (sentence ends); prefer `find_spans` where a Rust regex can say it. A match that runs across
    the separator into the next row (a pattern such as `\\W+` matches NUL) belongs to no row and is dropped.
    """
    series = texts if isinstance(texts, pl.Series) else pl.Series(list(texts), dtype=pl.String)
    values = [text or "" for text in series.to_list()]
    group_names = list(groups)
    joined = SEPARATOR.join(values)
    row_starts = pl.Series("row_start", _row_starts(values), dtype=pl.Int64)

    starts, ends, matched = [], [], []
    captured: dict[str, list[str | None]] = {name: [] for name in group_names}
    row_ends = _row_ends(values)
    for match in pattern.finditer(joined):
        if match.start() == match.end() or (SEPARATOR in match.group(0) and _crosses_rows(match, row_ends)):
            continue
        starts.append(match.start())
        ends.append(match.end())
        matched.append(match.group(0))
        for name in group_names:
            captured[name].append(match.group(name))

    absolute = pl.Series("absolute", starts, dtype=pl.Int64)
    rows = (row_starts.search_sorted(absolute, side="right") - 1).cast(pl.Int64)
    offsets = row_starts.gather(rows) if len(rows) else pl.Series(dtype=pl.Int64)
    return pl.DataFrame({
        "row": rows,
        "start": absolute - offsets,
        "end": pl.Series(ends, dtype=pl.Int64) - offsets,
        "match": pl.Series(matched, dtype=pl.String),
        **{name: pl.Series(values_, dtype=pl.String) for name, values_ in captured.items()},
    })


def _row_ends(values: list[str]) -> list[int]:
    """Where each row's text ends in the joined string (ascending, one per row)."""
    return [start + len(text) for start, text in zip(_row_starts(values), values)]


def _crosses_rows(match: re.Match[str], row_ends: list[int]) -> bool:
    """Whether a match runs past the end of the row it starts in (only possible through a separator)."""
    row = bisect.bisect_left(row_ends, match.start())
    return row < len(row_ends) and match.end() > row_ends[row]


def _row_starts(values: list[str]) -> list[int]:
    starts, position = [], 0
    for text in values:
        starts.append(position)
        position += len(text) + len(SEPARATOR)
    return starts


def find_spans(texts: pl.Series, pattern: str) -> pl.DataFrame:
    """Every match of a Rust regex in every text: `row`, `start`, `end` (Python string indices), `term`.

    polars reports byte offsets, and Python indexes characters; instead of converting, each match is
    extracted with the text before it (`(?s:.)*?` + pattern), and the character lengths of those pieces add
    up to its end. The matches themselves come from a second scan of the plain pattern, which finds the
    same matches in the same order: cutting them out of the pieces instead (an end-anchored search of each
    piece) is cheaper but wrong, because a word boundary at a piece's edge then sees the edge of the piece,
    not the neighbouring character ("abc" with `ab\\b|b` would report "ab"). The pattern must not match
    empty text. The streaming engine spreads the scan over every core.
    """
    text = pl.col("text")
    return (
        pl.LazyFrame({"text": texts.fill_null("").cast(pl.String)}).with_row_index("row")
        .select(pl.col("row").cast(pl.Int64), term=text.str.extract_all(pattern),
                end=text.str.extract_all(f"(?s:.)*?(?:{pattern})")
                .list.eval(pl.element().str.len_chars().cast(pl.Int64).cum_sum()))
        .explode("term", "end").drop_nulls("term")
        .select("row", start=pl.col("end") - pl.col("term").str.len_chars().cast(pl.Int64), end="end", term="term")
        .collect(engine="streaming")
    )
