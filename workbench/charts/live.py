"""Charts of the live public datasets: Epoch AI's training compute and the AI Incident Database."""

from __future__ import annotations

import altair as alt
import polars as pl

from workbench.charts.base import (
    Chart,
    builder,
    embeddable,
    finish,
    framing,
    layer,
    omitted,
    placeholder,
    require,
    source_caption,
    time_x,
    when,
)
from workbench.charts.theme import GREY, PALETTE, THEME_COLOURS

__all__ = ["EPOCH_COLUMNS", "MAX_POINTS", "RECORD_JUMP", "incidents_per_year", "training_compute"]

EPOCH_COLUMNS = ("model", "organization", "publication_date", "training_compute_flop", "confidence", "link")
MAX_POINTS = 3000
# Name a highlighted model when it beats the organisation's previous compute record at least this many times
# over: the big steps (GPT-2, GPT-3, GPT-4, ...) without a label on every point.
RECORD_JUMP = 3


@builder
def training_compute(epoch_models: pl.DataFrame, *, highlight: str = "OpenAI", max_points: int = MAX_POINTS,
                     title: str | None = None) -> Chart:
    """Training compute (FLOP, log) of each model by publication date; `highlight`'s models marked, and named
    where they jump its own compute record (see RECORD_JUMP).

    Expects an `epoch_models` frame. A model is `highlight`'s when its organisation list names it. Beyond
    `max_points` models the others are thinned evenly in date order (the caption says so).
    """
    title = title or f"Training compute of notable AI models, {highlight} marked"
    rows = require(epoch_models, EPOCH_COLUMNS, "training_compute")
    drawn = rows.filter(pl.col("training_compute_flop") > 0, pl.col("publication_date").is_not_null())
    marked = pl.col("organization").str.contains(highlight, literal=True).fill_null(False)
    models = drawn.sort("publication_date", "model").with_columns(marked.alias("marked"))
    shown, thinning = _thinned(models, max_points)
    caption = source_caption(shown, "epoch_models", sources="link", noun="references", notes=[
        f"{models['marked'].sum()} {highlight} models marked",
        omitted(rows, drawn, "models without a compute estimate or date"), thinning])
    if shown.is_empty():
        return placeholder(title, caption)
    compute = pl.col("training_compute_flop")
    previous = compute.cum_max().shift(1).over("marked")
    record = pl.col("marked") & (previous.is_null() | (compute >= RECORD_JUMP * previous))
    data = shown.with_columns(record.alias("record"),
                              pl.when("marked").then(pl.lit(highlight)).otherwise(pl.lit("Others")).alias("who"))
    base = alt.Chart().encode(
        x=time_x("publication_date"),
        y=alt.Y("training_compute_flop:Q", title="Training compute (FLOP, log scale)",
                scale=alt.Scale(type="log"), axis=alt.Axis(format=".0e")),
    )
    points = base.mark_circle(opacity=0.85).encode(
        color=alt.Color("who:N", title=None, scale=alt.Scale(domain=[highlight, "Others"],
                                                             range=[PALETTE[5], GREY])),
        size=when(alt.SizeValue, "datum.marked", 70, 18),
        order=alt.Order("marked:O"),
        tooltip=[alt.Tooltip("model:N", title="Model"), alt.Tooltip("organization:N", title="Organisation"),
                 alt.Tooltip("publication_date:T", title="Published", format="%Y-%m-%d"),
                 alt.Tooltip("training_compute_flop:Q", title="Training FLOP", format=".2e"),
                 alt.Tooltip("confidence:N", title="Epoch's confidence")],
    )
    names = (base.mark_text(align="right", dx=-7, fontSize=10, color=PALETTE[5]).encode(text=alt.Text("model:N"))
             .transform_filter("datum.record"))
    return layer(points, names, data=embeddable(data, "training_compute"), **framing(title, caption, height=340))


def _thinned(models: pl.DataFrame, max_points: int) -> tuple[pl.DataFrame, str | None]:
    """Every marked model plus every k-th other one, so at most `max_points` rows reach the chart."""
    if models.height <= max_points:
        return models, None
    others = models.filter(~pl.col("marked"))
    step = -(-others.height // max(max_points - (models.height - others.height), 1))
    kept = pl.concat([models.filter("marked"), others.gather_every(step)]).sort("publication_date", "model")
    return kept, f"1 in {step} other models shown"


@builder
def incidents_per_year(aiid_incidents: pl.DataFrame, *, title: str | None = None) -> Chart:
    """Incidents recorded in the AI Incident Database per year of the incident's date.

    Expects an `aiid_incidents` frame; the caption counts the distinct news reports behind the bars.
    """
    title = title or "AI incidents per year"
    rows = require(aiid_incidents, ("incident_id", "date", "report_ids"), "incidents_per_year")
    drawn = rows.filter(pl.col("date").is_not_null())
    caption = source_caption(drawn, "aiid_incidents", sources="report_ids", noun="reports",
                             notes=[omitted(rows, drawn, "incidents without a date")])
    if drawn.is_empty():
        return placeholder(title, caption)
    years = (drawn.group_by(pl.col("date").dt.year().alias("year"))
             .agg(pl.len().alias("incidents"), pl.col("report_ids").list.len().sum().alias("reports"))
             .sort("year"))
    chart = alt.Chart(embeddable(years, "incidents_per_year")).mark_bar(color=THEME_COLOURS["ai_risk"]).encode(
        x=alt.X("year:O", title=None, axis=alt.Axis(labelAngle=0)),
        y=alt.Y("incidents:Q", title="Incidents"),
        tooltip=[alt.Tooltip("year:O", title="Year"), alt.Tooltip("incidents:Q", title="Incidents"),
                 alt.Tooltip("reports:Q", title="Reports")],
    )
    return finish(chart, title, caption, height=280)
