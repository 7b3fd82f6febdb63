"""Governance charts: each lab's legal structure as dated bands (`org_structures`) and the events that changed
boards, control and partnerships (`governance_events`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import NamedTuple

import altair as alt
import polars as pl

from workbench.charts.base import (
    CONFIDENCE_TIP,
    DATE_TIP,
    HOLLOW,
    PRECISION_TIP,
    WIDTH,
    Chart,
    builder,
    categories,
    embeddable,
    framing,
    grouped,
    layer,
    low_confidence,
    omitted,
    paint,
    placeholder,
    require,
    source_caption,
    time_x,
)
from workbench.charts.theme import GREY, colour_scale

__all__ = [
    "BOARD_CRISIS", "EVENT_COLUMNS", "NOT_RECORDED", "STRUCTURE_COLUMNS", "Highlight", "governance_timeline",
    "structure_bands",
]


class Highlight(NamedTuple):
    """A dated span worth pointing at on a timeline."""

    start: dt.date
    end: dt.date
    label: str


# Altman removed on 17 Nov 2023, formally reinstated on 29 Nov: six recorded events in twelve days.
BOARD_CRISIS = Highlight(dt.date(2023, 11, 17), dt.date(2023, 11, 29), "OpenAI board crisis, Nov 2023")
STRUCTURE_COLUMNS = ("structure_id", "org", "date", "date_precision", "legal_form", "legal_form_detail",
                     "controlled_by", "profit_cap", "confidence", "source_ids")
NOT_RECORDED = "(not recorded)"
EVENT_COLUMNS = ("event_id", "date", "date_precision", "organizations", "event_type", "summary", "people",
                 "confidence", "source_ids")


@builder
def structure_bands(org_structures: pl.DataFrame, *, today: dt.date | None = None,
                    domain: tuple[dt.date, dt.date] | None = None, width: int = WIDTH,
                    title: str | None = None) -> Chart:
    """One band per legal structure of each lab, from its date to the next structure's date (or `today`).

    Expects `org_structures` columns. Labs are ordered by their first recorded structure. `domain` = (start,
    end) zooms the date axis, clamping the bands that run past it (the governance explorer zooms its bands
    and its events together).
    """
    title = title or "Legal structure of each lab over time"
    rows = require(org_structures, STRUCTURE_COLUMNS, "structure_bands")
    drawn = rows.filter(pl.col("org").is_not_null(), pl.col("date").is_not_null())
    caption = source_caption(drawn, "org_structures",
                             notes=[HOLLOW, omitted(rows, drawn, "rows without a lab or date")])
    if drawn.is_empty():
        return placeholder(title, caption, width=width)
    bands = (drawn.sort("org", "date", "structure_id")
             .with_columns(low_confidence(),
                           pl.col("date").shift(-1).over("org").fill_null(today or dt.date.today()).alias("end"),
                           pl.col("legal_form").cast(pl.String).fill_null(NOT_RECORDED)))
    labs = bands.group_by("org").agg(pl.col("date").min()).sort("date", "org").get_column("org").to_list()
    forms = categories(rows, "legal_form")
    if bands.get_column("legal_form").eq(NOT_RECORDED).any():
        forms.append(NOT_RECORDED)
    base = alt.Chart().encode(x=time_x(), y=alt.Y("org:N", title=None, sort=labs))
    band = base.mark_bar(height={"band": 0.7}, strokeWidth=2, opacity=1).encode(
        x2=alt.X2("end"),
        tooltip=[alt.Tooltip("org:N", title="Lab"), alt.Tooltip("legal_form:N", title="Legal form"),
                 alt.Tooltip("legal_form_detail:N", title="Detail"),
                 alt.Tooltip("controlled_by:N", title="Controlled by"),
                 alt.Tooltip("profit_cap:N", title="Profit cap"), DATE_TIP, PRECISION_TIP,
                 alt.Tooltip("end:T", title="Until", format="%Y-%m-%d"), CONFIDENCE_TIP],
        **paint("legal_form:N", "Legal form", colour_scale(forms, other=NOT_RECORDED)),
    )
    # A tick where each structure starts: two structures of the same form in a row stay two.
    starts = base.mark_tick(color="#333333", thickness=2, size=24)
    zoom = {"encoding": alt.FacetedEncoding(x=_clamped_x(domain))} if domain else {}
    return layer(band, starts, data=embeddable(bands, "structure_bands"), **zoom,
                 **framing(title, caption, width=width, height=alt.Step(30)))


def _clamped_x(domain: tuple[dt.date, dt.date]) -> alt.X:
    """The layer-wide date axis zoomed to `domain`; bands that start before it or end after it are cut at its edges."""
    return alt.X("date:T", title=None, scale=alt.Scale(domain=[day.isoformat() for day in domain], clamp=True))


@builder
def governance_timeline(governance_events: pl.DataFrame, *, domain: tuple[dt.date, dt.date] | None = None,
                        highlights: Sequence[Highlight] = (BOARD_CRISIS,), top_organizations: int = 7,
                        width: int = WIDTH, title: str | None = None) -> Chart:
    """Governance events by date and type, coloured by the first organisation named, with shaded highlights.

    Expects `governance_events` columns. `domain` = (start, end) zooms in: only events inside it are drawn
    and counted in the caption. The default highlight shades the Nov 2023 OpenAI board crisis.
    """
    title = title or "Governance events"
    rows = require(governance_events, EVENT_COLUMNS, "governance_timeline")
    inside = pl.col("date").is_between(*domain) if domain else pl.lit(True)
    drawn = rows.filter(pl.col("date").is_not_null() & inside).sort("date", "event_id")
    caption = source_caption(drawn, "governance_events", notes=[HOLLOW])
    if drawn.is_empty():
        return placeholder(title, caption, width=width)
    events = drawn.with_columns(low_confidence(), pl.col("organizations").list.first().alias("lead"))
    data, colours = grouped(events, "lead", top_organizations, "Other organisations")
    points = alt.Chart().mark_point(filled=True, size=110, strokeWidth=1.6, opacity=1, clip=True).encode(
        x=time_x(domain=domain),
        y=alt.Y("event_type:N", title=None, sort=categories(rows, "event_type")),
        tooltip=[DATE_TIP, PRECISION_TIP, alt.Tooltip("event_type:N", title="Type"),
                 alt.Tooltip("organizations:N", title="Organisations"), alt.Tooltip("summary:N", title="What happened"),
                 alt.Tooltip("people:N", title="People"), alt.Tooltip("event_id:N", title="Event"), CONFIDENCE_TIP],
        **paint("lead_group:N", "Organisation", colours),
    )
    span = domain or (drawn.get_column("date").min(), drawn.get_column("date").max())
    shown = [h for h in highlights if h.end >= span[0] and h.start <= span[1]]
    layers = [*_highlight_layers(shown, span), points] if shown else [points]
    return layer(*layers, data=embeddable(data, "governance_timeline"),
                 **framing(title, caption, width=width, height=alt.Step(34)))


def _highlight_layers(highlights: Sequence[Highlight], span: tuple[dt.date, dt.date]) -> list[alt.Chart]:
    """A shaded span per highlight (its outline keeps it visible however far out the axis is), labelled on the
    side with more room. The events layer owns the x scale (and any zoom); these layers share it."""
    middle = span[0] + (span[1] - span[0]) / 2
    spans = pl.DataFrame([{**h._asdict(), "align": "right" if h.start > middle else "left"} for h in highlights])
    band = alt.Chart(spans).mark_rect(color=GREY, opacity=0.25, stroke=GREY, strokeWidth=2, clip=True).encode(
        x=alt.X("start:T", title=None), x2=alt.X2("end"))
    label = alt.Chart(spans).mark_text(
        baseline="top", y=4, color="#444444", fontSize=11,
        align=alt.ExprRef("datum.align"), dx=alt.ExprRef("datum.align == 'left' ? 6 : -6"),
    ).encode(x=alt.X("anchor:T", title=None), text=alt.Text("label:N")).transform_calculate(
        anchor="datum.align == 'left' ? datum.end : datum.start")
    return [band, label]
