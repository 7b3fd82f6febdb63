"""Find every regex match across a whole column of texts, with exact per-row character offsets.

`find_spans` runs a Rust regex inside polars (all cores, no look-around), without a Python loop per paragraph.
Offsets are Python string indices into each row's own text. (Sentences, whose ends need look-arounds, are cut by
`corpus.spans` with Python's `re`.)
"""

from __future__ import annotations

import re

import polars as pl

__all__ = ["ascii_boundaries", "find_spans"]

# `\b` not already escaped or written as `(?u:\b)`
_WORD_BOUNDARY = re.compile(r"(?<!\\)(?<!\(\?u:)\\b")


def ascii_boundaries(pattern: str) -> str:
    """Rewrite `\\b` as an ASCII word boundary (`(?u:\\b)` stays Unicode).

    Rust's fast regex engine gives up on any text with a non-ASCII character (a curly quote) when a Unicode
    boundary is asked for; English cue words need only ASCII ones.
    """
    return _WORD_BOUNDARY.sub(r"(?-u:\\b)", pattern)


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
