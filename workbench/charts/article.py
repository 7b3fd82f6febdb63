"""Charts of one article: its themes paragraph by paragraph, and its claims' verdicts as of publication and now.

The views compute what these draw (`views.article`, `views.hindsight`) and the article reader reuses the theme tiles;
themes and verdicts keep the palette's colours and order (`THEME_COLOURS`, `VERDICT_COLOURS`).
"""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import polars as pl

from workbench.charts.base import WIDTH, builder, finish
from workbench.charts.theme import THEME_COLOURS, THEME_ORDER, VERDICT_COLOURS, VERDICT_ORDER, captioned

__all__ = ["paragraph_themes", "theme_strip", "verdict_bars", "verdict_shift"]


def _theme_scale(themes: Sequence[str]) -> alt.Scale:
    return alt.Scale(domain=list(themes), range=[THEME_COLOURS[theme] for theme in themes])


def _verdict_scale() -> alt.Scale:
    return alt.Scale(domain=list(VERDICT_ORDER), range=[VERDICT_COLOURS[v] for v in VERDICT_ORDER])


@builder
def theme_strip(paragraphs: pl.DataFrame, *, caption: str) -> alt.Chart:
    """Which themes each paragraph carries, in reading order: one tile per paragraph and theme.

    `paragraphs`: an analysis' paragraphs (paragraph, themes, subthemes, text); every paragraph keeps its column,
    so untagged ones show as gaps.
    """
    tiles = (paragraphs.select("paragraph", "themes", "subthemes", pl.col("text").str.slice(0, 90).alias("opening"))
             .explode("themes").drop_nulls("themes").rename({"themes": "theme"})
             .with_columns(pl.col("subthemes").list.join(", ")))
    return alt.Chart(tiles).mark_rect(stroke="white", strokeWidth=2).encode(
        x=alt.X("paragraph:O", title="Paragraph", axis=alt.Axis(labelAngle=0),
                scale=alt.Scale(domain=paragraphs["paragraph"].to_list())),
        y=alt.Y("theme:N", title=None, sort=list(THEME_ORDER), scale=alt.Scale(domain=list(THEME_ORDER))),
        color=alt.Color("theme:N", legend=None, scale=_theme_scale(THEME_ORDER)),
        tooltip=[alt.Tooltip("paragraph:O", title="Paragraph"), alt.Tooltip("theme:N", title="Theme"),
                 alt.Tooltip("subthemes:N", title="Sub-themes"), alt.Tooltip("opening:N", title="Opens with")],
    ).properties(title=captioned("Themes, paragraph by paragraph", caption), width=WIDTH, height=alt.Step(34))


@builder
def paragraph_themes(evidence: pl.DataFrame, *, doc_id: str) -> alt.Chart:
    """Lexicon terms found per paragraph and theme, a click on a tile picking its paragraph (the article reader).

    `evidence`: an analysis' theme evidence (paragraph, theme, term).
    """
    strip = (evidence.group_by("paragraph", "theme").agg(pl.len().alias("terms"),
                                                        pl.col("term").unique().sort().str.join(", "))
             .sort("paragraph", "theme"))
    pick = alt.selection_point(name="pick", fields=["paragraph"], on="click")
    caption = f"Source: seeds/ ({doc_id}); theme lexicon terms found per paragraph."
    return (alt.Chart(strip).mark_rect().encode(
        x=alt.X("paragraph:O", title="Paragraph", axis=alt.Axis(labelAngle=0)),
        y=alt.Y("theme:N", title=None, sort=list(THEME_ORDER)),
        color=alt.Color("theme:N", scale=_theme_scale(list(THEME_COLOURS)), legend=None),
        # channel objects, not alt.condition's dict or string shorthands: altair resolves those through a
        # schema lookup that costs ~30 ms on every redraw
        opacity=alt.OpacityValue(0.3, condition={"param": pick.name, "value": 1.0}),
        tooltip=[alt.Tooltip("paragraph:O"), alt.Tooltip("theme:N"), alt.Tooltip("terms:Q"),
                 alt.Tooltip("term:N", title="Terms")])
        .add_params(pick)
        .properties(title=captioned("Themes by paragraph (click to filter the claims)", caption),
                    width=WIDTH, height=90))


@builder
def verdict_shift(counts: pl.DataFrame, *, readings: Sequence[str], caption: str) -> alt.Chart:
    """An article's claim × record checks by verdict, one stacked bar per reading (as of publication, as known now).

    `counts`: reading, verdict, checks (`views.article.verdict_counts`); `readings`: the bars' order, top first.
    """
    return alt.Chart(counts).mark_bar().encode(
        x=alt.X("checks:Q", title="Claim × record checks", stack="zero", axis=alt.Axis(tickMinStep=1)),
        y=alt.Y("reading:N", title=None, sort=list(readings)),
        color=alt.Color("verdict:N", title="Verdict", scale=_verdict_scale(), legend=alt.Legend(orient="bottom")),
        order=alt.Order("order:Q"),
        tooltip=[alt.Tooltip("reading:N", title="Read"), alt.Tooltip("verdict:N", title="Verdict"),
                 alt.Tooltip("checks:Q", title="Checks")],
    ).transform_calculate(order=f"indexof({list(VERDICT_ORDER)!r}, datum.verdict)").properties(
        title=captioned("How the article's claims read then and now", caption), width=WIDTH, height=alt.Step(40))


@builder
def verdict_bars(counts: pl.DataFrame, *, unit: str, title: str, caption: str) -> alt.Chart:
    """Rows per verdict, at publication above now, a bar per verdict side by side (the hindsight brief).

    `counts`: as_of ('at publication' or 'now'), verdict, rows (`views.hindsight.verdict_counts`); `unit` names
    the rows counted (claims, record matches).
    """
    chart = alt.Chart(counts).mark_bar().encode(
        x=alt.X("rows:Q", title=unit.capitalize()),
        y=alt.Y("as_of:N", title=None, sort=["at publication", "now"]),
        yOffset=alt.YOffset("verdict:N", sort=list(VERDICT_ORDER)),
        color=alt.Color("verdict:N", title="Verdict", sort=list(VERDICT_ORDER), scale=_verdict_scale()),
        tooltip=[alt.Tooltip("as_of:N", title="As of"), alt.Tooltip("verdict:N", title="Verdict"),
                 alt.Tooltip("rows:Q", title=unit.capitalize())])
    return finish(chart, title, caption, height=alt.Step(14))
