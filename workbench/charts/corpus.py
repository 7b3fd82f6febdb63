"""Charts of a corpus: paragraphs as `corpus` splits them (seeds/), and a whole corpus over time (07-corpus)."""

from __future__ import annotations

import altair as alt
import polars as pl

from workbench.charts.base import builder
from workbench.charts.theme import GREY, THEME_COLOURS, captioned, colour_scale

_THEMES = [theme for theme in THEME_COLOURS if theme != "none"]

__all__ = ["actors_named", "amounts_per_year", "paragraph_lengths", "themes_per_year"]


@builder
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


@builder
def themes_per_year(trend: pl.DataFrame, *, caption: str, title: str = "Themes per year") -> alt.Chart:
    """The share of each year's paragraphs carrying each theme (a paragraph may carry several), a line per theme."""
    return (
        alt.Chart(trend).mark_line(point=True)
        .encode(x=alt.X("year:O", title="Year of publication"),
                y=alt.Y("share:Q", title="Share of the year's paragraphs", axis=alt.Axis(format="%")),
                color=alt.Color("theme:N", title="Theme", scale=colour_scale(_THEMES, fixed=THEME_COLOURS)),
                tooltip=[alt.Tooltip("year:O"), alt.Tooltip("theme:N"), alt.Tooltip("paragraphs:Q"),
                         alt.Tooltip("year_paragraphs:Q", title="Paragraphs that year"),
                         alt.Tooltip("share:Q", format=".1%")])
        .properties(title=captioned(title, caption), width=560, height=260)
    )


@builder
def actors_named(named: pl.DataFrame, *, caption: str, title: str = "The actors most named") -> alt.Chart:
    """Documents naming each actor, most first; actors the record knows are marked."""
    data = named.with_columns(known=pl.when(pl.col("in_record")).then(pl.lit("in the record"))
                              .otherwise(pl.lit("not in the record")))
    return (
        alt.Chart(data).mark_bar()
        .encode(y=alt.Y("actor:N", title=None, sort="-x"), x=alt.X("documents:Q", title="Documents naming it"),
                color=alt.Color("known:N", title=None, scale=alt.Scale(domain=["in the record", "not in the record"],
                                                                        range=[THEME_COLOURS["funding"], GREY])),
                tooltip=[alt.Tooltip("actor:N"), alt.Tooltip("label:N", title="Kind"), alt.Tooltip("documents:Q"),
                         alt.Tooltip("mentions:Q")])
        .properties(title=captioned(title, caption), width=480, height=alt.Step(18))
    )


@builder
def amounts_per_year(amounts: pl.DataFrame, *, caption: str,
                     title: str = "Money amounts mentioned per year") -> alt.Chart:
    """How many amounts each year's documents mention, by currency (mentions, not money: a deal recurs)."""
    return (
        alt.Chart(amounts).mark_bar()
        .encode(x=alt.X("year:O", title="Year of publication"), y=alt.Y("amounts:Q", title="Amounts mentioned"),
                color=alt.Color("currency:N", title="Currency"),
                tooltip=[alt.Tooltip("year:O"), alt.Tooltip("currency:N"), alt.Tooltip("amounts:Q"),
                         alt.Tooltip("documents:Q"), alt.Tooltip("median:Q", title="Median amount", format=",.0f")])
        .properties(title=captioned(title, caption), width=560, height=240)
    )
