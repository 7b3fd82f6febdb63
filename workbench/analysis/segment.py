"""Paragraphs and sentences of a whole column of texts at once, with the same rules and offsets as
`text.split_paragraphs` and `text.split_sentences`.

Corpus mode cannot afford a Python call per paragraph; here the breaks are found in one scan of the column and
the spans between them are cut and trimmed with polars expressions.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from workbench.analysis.scan import find_all, find_spans
from workbench.text import SENTENCE_END

__all__ = ["PARAGRAPH_BREAK", "PYTHON_WHITESPACE", "paragraphs_of", "sentences_of"]

# What Python's str.isspace() (and so `text.split_sentences`) trims. polars' default strip uses Rust's
# char::is_whitespace, which leaves the separators \x1c-\x1f in place: the two splitters would disagree.
PYTHON_WHITESPACE = "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680" + "".join(map(chr, range(0x2000, 0x200B))) + (
    "\u2028\u2029\u202f\u205f\u3000")
# `text.split_paragraphs`' rule: a line holding nothing but spaces or tabs (CRLF files included). No look-around,
# so it runs as a Rust regex; a test holds the two splitters equal.
PARAGRAPH_BREAK = r"\r?\n(?:[ \t]*\r?\n)+"


def paragraphs_of(documents: pl.DataFrame, *, id_column: str = "doc_id", text_column: str = "text") -> pl.DataFrame:
    """id column + paragraph (numbered from 1 per document), start, end (offsets into the document), text.

    A document whose text is null or only white space has no paragraphs.
    """
    texts = documents[text_column].fill_null("")
    breaks = find_spans(texts, PARAGRAPH_BREAK).select("row", pl.col("end").alias("cut"))
    spans = _trimmed_spans(texts, breaks)
    ids = documents.select(id_column).with_row_index("row").with_columns(pl.col("row").cast(pl.Int64))
    return spans.join(ids, on="row", how="left", maintain_order="left").select(
        id_column,
        pl.int_range(1, pl.len() + 1, dtype=pl.Int64).over("row").alias("paragraph"),
        "start", "end", "text",
    )


def sentences_of(paragraphs: pl.DataFrame, *, id_columns: Sequence[str] = ("doc_id", "paragraph"),
                 text_column: str = "text") -> pl.DataFrame:
    """id columns + sentence (numbered from 1 per document), paragraph_start, paragraph_end, text."""
    texts = paragraphs[text_column]
    ends = find_all(texts, SENTENCE_END).select("row", pl.col("end").alias("cut"))
    spans = _trimmed_spans(texts, ends)
    ids = paragraphs.select(*id_columns).with_row_index("row").with_columns(pl.col("row").cast(pl.Int64))
    document = id_columns[0]
    return spans.join(ids, on="row", how="left", maintain_order="left").select(
        *id_columns,
        pl.int_range(1, pl.len() + 1, dtype=pl.Int64).over(document).alias("sentence"),
        pl.col("start").alias("paragraph_start"), pl.col("end").alias("paragraph_end"), "text",
    )


def _trimmed_spans(texts: pl.Series, cuts: pl.DataFrame) -> pl.DataFrame:
    """row, start, end, text of the pieces of each text between consecutive cuts (and its start and end), trimmed
    of Python white space; empty pieces are dropped. Sorted by row, then start.

    The pieces are cut by Python slicing, one per piece: polars' `str.slice` counts characters from the start of
    the string, so cutting thousands of pieces out of one long text that way grows with their product.
    """
    values = texts.fill_null("").to_list()
    lengths = pl.DataFrame({"cut": [len(text) for text in values]}, schema={"cut": pl.Int64}).with_row_index("row")
    cuts = (pl.concat([cuts.select(pl.col("row").cast(pl.Int64), pl.col("cut").cast(pl.Int64)),
                       lengths.select(pl.col("row").cast(pl.Int64), "cut")])
            .unique().sort("row", "cut")
            .with_columns(begin=pl.col("cut").shift(1, fill_value=0).over("row")))
    pieces = pl.Series("piece", [values[row][begin:cut] for row, begin, cut in
                                 zip(cuts["row"].to_list(), cuts["begin"].to_list(), cuts["cut"].to_list())],
                       dtype=pl.String)
    piece = pl.col("piece")
    lead = piece.str.len_chars() - piece.str.strip_chars_start(PYTHON_WHITESPACE).str.len_chars()
    trimmed = piece.str.strip_chars(PYTHON_WHITESPACE)
    return (cuts.with_columns(pieces)
            .select("row", start=pl.col("begin") + lead.cast(pl.Int64), text=trimmed)
            .filter(pl.col("text").str.len_bytes() > 0)
            .select("row", "start", end=pl.col("start") + pl.col("text").str.len_chars().cast(pl.Int64), text="text"))
