"""Sentences of a whole batch of paragraphs at once, with the same rules and offsets as `text.split_sentences`.

Corpus mode cannot afford a Python call per paragraph; here sentence ends are found in one scan of the
column and the spans between them are cut and trimmed with polars expressions.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from workbench.analysis.scan import find_all
from workbench.text import SENTENCE_END

__all__ = ["PYTHON_WHITESPACE", "sentences_of"]

# What Python's str.isspace() (and so `text.split_sentences`) trims. polars' default strip uses Rust's
# char::is_whitespace, which leaves the separators \x1c-\x1f in place: the two splitters would disagree.
PYTHON_WHITESPACE = "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680" + "".join(map(chr, range(0x2000, 0x200B))) + (
    "\u2028\u2029\u202f\u205f\u3000")


def sentences_of(paragraphs: pl.DataFrame, *, id_columns: Sequence[str] = ("doc_id", "paragraph"),
                 text_column: str = "text") -> pl.DataFrame:
    """id columns + sentence (numbered from 1 per document), paragraph_start, paragraph_end, text."""
    rows = (paragraphs.select(*id_columns, pl.col(text_column).alias("paragraph_text"))
            .with_row_index("row").with_columns(pl.col("row").cast(pl.Int64)))
    ends = find_all(paragraphs[text_column], SENTENCE_END).select("row", pl.col("end").alias("cut"))
    last = rows.select("row", pl.col("paragraph_text").str.len_chars().cast(pl.Int64).alias("cut"))
    cuts = (pl.concat([ends, last]).unique().sort("row", "cut")
            .with_columns(begin=pl.col("cut").shift(1, fill_value=0).over("row")))
    raw = pl.col("paragraph_text").str.slice(pl.col("begin"), pl.col("cut") - pl.col("begin"))
    lead = raw.str.len_chars() - raw.str.strip_chars_start(PYTHON_WHITESPACE).str.len_chars()
    trail = raw.str.len_chars() - raw.str.strip_chars_end(PYTHON_WHITESPACE).str.len_chars()
    spans = (cuts.join(rows, on="row")
             .with_columns(paragraph_start=pl.col("begin") + lead, paragraph_end=pl.col("cut") - trail)
             .filter(pl.col("paragraph_end") > pl.col("paragraph_start"))
             .sort("row", "paragraph_start"))
    document = id_columns[0]
    return spans.select(
        *id_columns,
        pl.int_range(1, pl.len() + 1, dtype=pl.Int64).over(document).alias("sentence"),
        pl.col("paragraph_start").cast(pl.Int64), pl.col("paragraph_end").cast(pl.Int64),
        pl.col("paragraph_text").str.slice(pl.col("paragraph_start"),
                                           pl.col("paragraph_end") - pl.col("paragraph_start")).alias("text"),
    )
