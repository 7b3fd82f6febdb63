"""Charts of one organisation across the record (notebook 06-lab-profile): its whole timeline, track by track."""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import polars as pl

from workbench.charts.base import (
    CONFIDENCE_TIP,
    DATE_TIP,
    HOLLOW,
    builder,
    embeddable,
    finish,
    low_confidence,
    paint,
    placeholder,
    source_caption,
    time_x,
)
from workbench.charts.theme import THEME_COLOURS, THEME_ORDER, colour_scale

__all__ = ["profile_timeline"]


@builder
def profile_timeline(timeline: pl.DataFrame, org: str, *, tracks: Sequence[str]) -> alt.Chart:
    """Every dated row of an organisation's timeline, one line per track (in `tracks` order), coloured by the
    track's theme; low-confidence rows hollow.

    `timeline`: `views.profile.timeline` (track, theme, date, what, amount_usd, dataset, row_id, confidence,
    source_ids); the caption names the datasets its dated rows come from.
    """
    title = f"{org} across funding, governance and AI risk"
    drawn = timeline.filter(pl.col("date").is_not_null())
    datasets_used = drawn["dataset"].unique(maintain_order=True).to_list() or ["no rows"]
    caption = source_caption(drawn, datasets_used, notes=[HOLLOW])
    if drawn.is_empty():
        return placeholder(title, caption)
    chart = alt.Chart(embeddable(drawn.with_columns(low_confidence()), "profile_timeline")).mark_point(
        filled=True, size=80, strokeWidth=1.5, opacity=0.9,
    ).encode(
        x=time_x(),
        y=alt.Y("track:N", title=None, sort=list(tracks)),
        tooltip=[DATE_TIP, alt.Tooltip("track:N", title="Track"),
                 alt.Tooltip("what:N", title="What"), alt.Tooltip("amount_usd:Q", title="USD", format="$,.0f"),
                 alt.Tooltip("row_id:N", title="Row"), CONFIDENCE_TIP],
        **paint("theme:N", "Theme", colour_scale(THEME_ORDER, fixed=THEME_COLOURS)),
    )
    return finish(chart, title, caption, height=alt.Step(34))
