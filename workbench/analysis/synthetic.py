"""A deterministic corpus of news-like paragraphs of any size, for benchmarks.

Sentences come from the seed article and the themes evaluation set (which holds the seed's paragraphs plus
hand-written ones across funding, governance, AI risk and hard negatives), so the mix of themes, traps,
non-ASCII characters (curly quotes, non-breaking spaces, €) and paragraph lengths resembles real input.
"""

from __future__ import annotations

import functools
import random

import polars as pl

from workbench.analysis.themes import EVALUATION_FILE
from workbench.corpus.spans import split_sentences

__all__ = ["synthetic_paragraphs"]

# How many sentences a paragraph holds, and how often: news paragraphs are short.
_SENTENCES_PER_PARAGRAPH = (1, 2, 3, 4)
_WEIGHTS = (3, 4, 2, 1)


def synthetic_paragraphs(n: int, seed: int = 0, *, paragraphs_per_document: int = 20) -> pl.DataFrame:
    """`n` paragraphs (doc_id, paragraph, text), the same for the same `seed`; paragraphs number from 1."""
    if n < 0 or paragraphs_per_document < 1:
        raise ValueError("n must be >= 0 and paragraphs_per_document >= 1")
    pool = _sentence_pool()
    rng = random.Random(seed)
    sizes = rng.choices(_SENTENCES_PER_PARAGRAPH, weights=_WEIGHTS, k=n)
    texts = [" ".join(rng.choices(pool, k=size)) for size in sizes]
    return pl.DataFrame({"text": texts}, schema={"text": pl.String}).with_row_index("i").select(
        doc_id=pl.format("synthetic-{}", (pl.col("i") // paragraphs_per_document).cast(pl.String).str.zfill(7)),
        paragraph=(pl.col("i") % paragraphs_per_document + 1).cast(pl.Int64),
        text=pl.col("text"),
    )


@functools.cache
def _sentence_pool() -> tuple[str, ...]:
    paragraphs = pl.read_csv(EVALUATION_FILE, columns=["text"])["text"].to_list()
    return tuple(span.text for paragraph in paragraphs for span in split_sentences(paragraph))
