"""AI-risk and policy charts over `policy_events`: instruments by jurisdiction over time, and which concerns
each kind of instrument addresses."""

from __future__ import annotations

import altair as alt
import polars as pl

from workbench.charts.base import (
    CONFIDENCE_TIP,
    DATE_TIP,
    HOLLOW,
    PRECISION_TIP,
    Chart,
    builder,
    categories,
    embeddable,
    finish,
    framing,
    layer,
    low_confidence,
    omitted,
    paint,
    placeholder,
    require,
    source_caption,
    time_x,
    when,
)
from workbench.charts.theme import THEME_RAMPS, colour_scale

__all__ = ["COLUMNS", "DATASET", "concern_instrument_matrix", "policy_timeline"]

DATASET = "policy_events"
COLUMNS = ("event_id", "date", "date_precision", "jurisdiction", "instrument_type", "title", "concerns", "status",
           "confidence", "source_ids")


@builder
def policy_timeline(policy_events: pl.DataFrame, *, title: str | None = None) -> Chart:
    """Each policy instrument at its date, one row per jurisdiction, coloured by kind and shaped by status.

    Expects `policy_events` columns. Colours and rows follow the full vocabularies, so they hold under filters.
    """
    title = title or "Policy instruments by jurisdiction"
    rows = require(policy_events, COLUMNS, "policy_timeline")
    drawn = rows.filter(pl.col("date").is_not_null()).sort("date", "event_id")
    caption = source_caption(drawn, DATASET, notes=[HOLLOW, omitted(rows, drawn, "rows without a date")])
    if drawn.is_empty():
        return placeholder(title, caption)
    chart = alt.Chart(embeddable(drawn.with_columns(low_confidence()), "policy_timeline")).mark_point(
        filled=True, size=90, strokeWidth=1.6, opacity=1,
    ).encode(
        x=time_x(),
        y=alt.Y("jurisdiction:N", title=None, sort=categories(rows, "jurisdiction")),
        shape=alt.Shape("status:N", title="Status", scale=alt.Scale(domain=categories(rows, "status"))),
        tooltip=[DATE_TIP, PRECISION_TIP, alt.Tooltip("jurisdiction:N", title="Jurisdiction"),
                 alt.Tooltip("title:N", title="Instrument"), alt.Tooltip("instrument_type:N", title="Kind"),
                 alt.Tooltip("status:N", title="Status"), alt.Tooltip("concerns:N", title="Concerns"),
                 alt.Tooltip("event_id:N", title="Event"), CONFIDENCE_TIP],
        **paint("instrument_type:N", "Kind of instrument",
                colour_scale(categories(rows, "instrument_type"), other="other")),
    )
    return finish(chart, title, caption, height=alt.Step(32))


@builder
def concern_instrument_matrix(policy_events: pl.DataFrame, *, title: str | None = None) -> Chart:
    """How often each concern is addressed by each kind of instrument (an event counts once per concern).

    Expects `policy_events` columns. Events that name no concern are left out, and the caption says so.
    """
    title = title or "Concerns addressed, by kind of instrument"
    rows = require(policy_events, COLUMNS, "concern_instrument_matrix")
    drawn = rows.filter(pl.col("concerns").list.len() > 0)
    caption = source_caption(drawn, DATASET, notes=[omitted(rows, drawn, "rows naming no concern")])
    if drawn.is_empty():
        return placeholder(title, caption)
    cells = (drawn.with_columns(low_confidence()).explode("concerns").drop_nulls("concerns")
             .group_by(pl.col("concerns").alias("concern"), "instrument_type")
             .agg(pl.len().alias("events"), pl.col("low_confidence").sum().alias("weak"),
                  pl.col("event_id").sort().str.join(", ").alias("event_ids"))
             .sort("concern", "instrument_type"))
    dark = pl.col("events") > 0.6 * pl.col("events").max()
    base = alt.Chart(embeddable(cells.with_columns(dark.alias("dark")), "concern_instrument_matrix")).encode(
        x=alt.X("instrument_type:N", title=None, sort=categories(rows, "instrument_type"),
                axis=alt.Axis(labelAngle=-35, orient="top")),
        y=alt.Y("concern:N", title=None, sort=categories(rows, "concerns")),
    )
    tiles = base.mark_rect(stroke="white").encode(
        color=alt.Color("events:Q", title="Events", scale=alt.Scale(scheme=THEME_RAMPS["ai_risk"])),
        tooltip=[alt.Tooltip("concern:N", title="Concern"), alt.Tooltip("instrument_type:N", title="Kind"),
                 alt.Tooltip("events:Q", title="Events"), alt.Tooltip("weak:Q", title="Low-confidence events"),
                 alt.Tooltip("event_ids:N", title="Event ids")],
    )
    labels = base.mark_text(fontSize=11).encode(
        text=alt.Text("events:Q"), color=when(alt.ColorValue, "datum.dark", "white", "black"))
    return layer(tiles, labels, **framing(title, caption, width=alt.Step(58), height=alt.Step(26)))
