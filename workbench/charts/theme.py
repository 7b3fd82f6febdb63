"""The one look every workbench chart shares: theme, colour-blind-safe palettes, money formats and titles."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from itertools import cycle

import altair as alt

THEME = "workbench"
FONT = "Inter, 'Helvetica Neue', Arial, sans-serif"
# Okabe–Ito: distinguishable with the common colour-vision deficiencies.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
THEME_COLOURS = {"funding": "#0072B2", "governance": "#009E73", "ai_risk": "#D55E00", "none": "#999999"}
# Single-hue ramps for heatmaps, one per record theme (single hue reads under every colour-vision deficiency).
THEME_RAMPS = {"funding": "blues", "governance": "greens", "ai_risk": "oranges"}
GREY = THEME_COLOURS["none"]
# Series colours in the order categories get them: Okabe–Ito with yellow last (it fades on white).
SERIES = [c for c in PALETTE if c != "#F0E442"] + ["#F0E442"]
# d3's SI prefixes say G for 10^9; readers of money expect B.
MONEY_FORMAT = "replace(format({value}, '$.3~s'), 'G', 'B')"


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


CAPTION_WIDTH = 130  # characters per subtitle line: a long caption wraps instead of widening the figure


def captioned(title: str, caption: str) -> alt.TitleParams:
    """A title whose subtitle carries the source caption, wrapped into lines of at most CAPTION_WIDTH."""
    return alt.TitleParams(text=title, subtitle=textwrap.wrap(caption, CAPTION_WIDTH) or [caption])


def colour_scale(domain: Sequence[str], *, other: str | None = None) -> alt.Scale:
    """Series colours fixed to a domain, so a category keeps its colour when filters change; `other` is grey."""
    colours = cycle(SERIES)
    return alt.Scale(domain=list(domain), range=[GREY if value == other else next(colours) for value in domain])


def money_axis(title: str) -> alt.Axis:
    """An axis labelled $10M, $1B, $100B."""
    return alt.Axis(title=title, labelExpr=MONEY_FORMAT.format(value="datum.value"))


def money_label(field: str) -> str:
    """A Vega expression that writes `field` as $1.25B, or 'undisclosed' (for tooltips and cell labels)."""
    value = f"datum[{field!r}]"
    return f"{value} == null ? 'undisclosed' : " + MONEY_FORMAT.format(value=value)
