"""Money amounts in news prose: "$1 billion", "more than $100 billion", "€35 million", "$6.6bn", "1 billion dollars".

Each amount carries value, ISO currency and a qualifier (DESIGN §4): exact, at_least, more_than, up_to,
about. Only figures tied to a currency are money, so "7%" and "770 employees" are never amounts. The whole
column is scanned at once by a Rust regex (see `scan.find_spans`); the captured parts are parsed with polars
expressions.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from workbench.analysis.scan import find_spans

__all__ = ["PATTERN", "QUALIFIERS", "SCHEMA", "extract_amounts"]

QUALIFIERS = ("exact", "at_least", "more_than", "up_to", "about")
_QUALIFIER_WORDS = {
    "at least": "at_least", "no less than": "at_least", "a minimum of": "at_least",
    "more than": "more_than", "over": "more_than", "in excess of": "more_than", "upwards of": "more_than",
    "up to": "up_to", "as much as": "up_to", "less than": "up_to", "under": "up_to", "as many as": "up_to",
    "about": "about", "roughly": "about", "nearly": "about", "almost": "about", "some": "about",
    "around": "about", "approximately": "about", "an estimated": "about", "close to": "about",
}
_SCALES = {
    "thousand": 1e3, "k": 1e3, "million": 1e6, "mn": 1e6, "m": 1e6, "mln": 1e6, "billion": 1e9, "bn": 1e9,
    "b": 1e9, "trillion": 1e12, "tn": 1e12, "t": 1e12,
}
_SYMBOLS = {"$": "USD", "us$": "USD", "usd": "USD", "€": "EUR", "eur": "EUR", "£": "GBP", "gbp": "GBP",
            "¥": "JPY", "jpy": "JPY", "c$": "CAD", "a$": "AUD"}
_CURRENCY_WORDS = {"dollar": "USD", "dollars": "USD", "us dollars": "USD", "euro": "EUR", "euros": "EUR",
                   "pound": "GBP", "pounds": "GBP", "pounds sterling": "GBP", "yen": "JPY"}
_NUMBER_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
                 "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "twenty": 20, "fifty": 50,
                 "hundred": 100}


def _alternation(phrases: Sequence[str]) -> str:
    """Phrases longest first, any run of white space between their words."""
    return "|".join(r"\s+".join(pl.escape_regex(word) for word in phrase.split())
                    for phrase in sorted(phrases, key=len, reverse=True))


_NUMBER = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_EDGE = r"(?-u:\b)"  # ASCII word boundary: keeps Rust's fast engine on text with curly quotes
# A Rust regex (run inside polars, no look-around); the qualifier is optional and comes first.
PATTERN = (
    rf"(?i)(?:{_EDGE}(?P<qualifier>{_alternation(list(_QUALIFIER_WORDS))})\s+)?"
    rf"(?:(?P<symbol>US\$|C\$|A\$|\$|€|£|¥|(?:USD|EUR|GBP|JPY)\s?)(?P<number>{_NUMBER})"
    rf"(?:[\s-]?(?P<scale>trillion|billion|million|thousand|mln|bn|mn|tn|[kmbt]){_EDGE})?"
    rf"|{_EDGE}(?P<number_words>{_NUMBER}|{_alternation(list(_NUMBER_WORDS))})"
    rf"[\s-]?(?P<word_scale>trillion|billion|million|thousand)?\s+"
    rf"(?P<currency_word>{_alternation(list(_CURRENCY_WORDS))}){_EDGE})"
)
SCHEMA = {"text": pl.String, "value": pl.Float64, "currency": pl.String, "qualifier": pl.String,
          "start": pl.Int64, "end": pl.Int64}


def extract_amounts(frame: pl.DataFrame, *, id_columns: Sequence[str] = ("doc_id", "paragraph"),
                    text_column: str = "text") -> pl.DataFrame:
    """One row per amount: the id columns, then text, value, currency, qualifier, start, end.

    A pure function of its batch, so corpus mode can map it over batches unchanged.
    """
    spans = find_spans(frame[text_column], PATTERN)
    groups = spans["term"].str.extract_groups(PATTERN).struct.unnest()
    matches = pl.concat([spans.rename({"term": "match"}), groups], how="horizontal")
    ids = frame.select(id_columns).with_row_index("row").with_columns(pl.col("row").cast(pl.Int64))
    number_text = pl.coalesce("number", "number_words").str.to_lowercase()
    scale_text = pl.coalesce("scale", "word_scale").str.to_lowercase()
    parsed = matches.with_columns(
        value=(
            pl.when(number_text.str.contains(r"^\d"))
            .then(number_text.str.replace_all(",", "").cast(pl.Float64, strict=False))
            .otherwise(number_text.replace_strict(_NUMBER_WORDS, default=None, return_dtype=pl.Float64))
            * scale_text.replace_strict(_SCALES, default=1.0, return_dtype=pl.Float64)
        ),
        currency=pl.coalesce(
            pl.col("symbol").str.strip_chars().str.to_lowercase().replace_strict(_SYMBOLS, default=None),
            pl.col("currency_word").str.to_lowercase().str.replace_all(r"\s+", " ")
            .replace_strict(_CURRENCY_WORDS, default=None),
        ),
        qualifier=pl.col("qualifier").str.to_lowercase().str.replace_all(r"\s+", " ")
        .replace_strict(_QUALIFIER_WORDS, default="exact").fill_null("exact"),
    ).filter(_has_a_value())
    return (
        ids.join(parsed, on="row", how="inner")
        .sort("row", "start")
        .select(*id_columns, pl.col("match").alias("text"), *[pl.col(c).cast(t) for c, t in SCHEMA.items()
                                                               if c != "text"])
    )


def _has_a_value() -> pl.Expr:
    """A figure polars cannot read as a number (digits of another script, "$١٢٣ million") or one beyond any
    float ("$" and 400 nines) is not an amount: it would reach the JSON of `workbench analyze` as null or as
    Infinity, which is not JSON at all."""
    return pl.col("value").is_finite().fill_null(False)
