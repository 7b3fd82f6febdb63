"""Pure chart builders (frame in, `alt.Chart` out) and the one theme every workbench chart shares.

Builders never touch files or widgets. Every chart names the data it was drawn from in a caption, so a
figure cut out of a report still says where its numbers come from.
"""

from __future__ import annotations

import altair as alt
import polars as pl

THEME = "workbench"
FONT = "Inter, 'Helvetica Neue', Arial, sans-serif"
# Okabe–Ito: distinguishable with the common colour-vision deficiencies.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
THEME_COLOURS = {"funding": "#0072B2", "governance": "#009E73", "ai_risk": "#D55E00", "none": "#999999"}


@alt.theme.register(THEME, enable=False)
def workbench_theme() -> alt.theme.ThemeConfig:
    return {
        "config": {
            "font": FONT,
            "view": {"continuousWidth": 560, "continuousHeight": 300, "stroke": None},
            "title": {"fontSize": 15, "anchor": "start", "subtitleFontSize": 11, "subtitleColor": "#555555"},
            "axis": {"labelFontSize": 11, "titleFontSize": 12, "gridColor": "#e6e6e6"},
            "legend": {"labelFontSize": 11, "titleFontSize": 12},
            "range": {"category": PALETTE},
            "bar": {"color": PALETTE[0]},
        }
    }


def captioned(title: str, caption: str) -> alt.TitleParams:
    """A title whose subtitle carries the source caption."""
    return alt.TitleParams(text=title, subtitle=[caption])


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
