"""Charts of the article corpus (seeds/): paragraphs as `corpus` splits them."""

from __future__ import annotations

import altair as alt
import polars as pl

from workbench.charts.theme import captioned
from workbench.lineage import traced

__all__ = ["paragraph_lengths"]


@traced
def paragraph_lengths(paragraphs: pl.DataFrame, *, title: str | None = None) -> alt.Chart:
    """Words per paragraph of one or more documents, one bar per paragraph in reading order."""
    documents = paragraphs["doc_id"].unique(maintain_order=True).to_list()
    data = paragraphs.select("doc_id", "paragraph", "n_words", "n_sentences",
                             pl.col("text").str.slice(0, 90).alias("opening"))
    caption = (f"Source: seeds/ corpus ({', '.join(documents)}); "
               f"{data.height} paragraphs, split on blank lines.")
    return (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X("paragraph:O", title="Paragraph", axis=alt.Axis(labelAngle=0)),
            y=alt.Y("n_words:Q", title="Words"),
            color=alt.Color("doc_id:N", title="Document", legend=None if len(documents) == 1 else alt.Legend()),
            tooltip=[alt.Tooltip("doc_id:N", title="Document"), alt.Tooltip("paragraph:O"),
                     alt.Tooltip("n_words:Q", title="Words"), alt.Tooltip("n_sentences:Q", title="Sentences"),
                     alt.Tooltip("opening:N", title="Opens with")],
        )
        .properties(title=captioned(title or "Words per paragraph", caption), width=560, height=260)
    )
