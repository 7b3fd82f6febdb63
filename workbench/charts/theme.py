"""The one look every workbench chart shares: theme, colour-blind-safe palettes, money formats and titles.

This is the palette module: a theme, an organisation, a verdict and a money status keep one colour in every chart,
explorer, table and document (`ORG_COLOURS`, `THEME_COLOURS`, `VERDICT_COLOURS` with its tints and text shades,
`STATUS_COLOURS`); other categories take the series colours in order (`colour_scale`). Charts may not import the
analysis layer, so the order of themes and verdicts is read off the palettes (`THEME_ORDER`, `VERDICT_ORDER`;
tests/test_charts.py holds them equal to `analysis.themes.THEMES` and `analysis.claims.VERDICTS`).
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from itertools import cycle

import altair as alt

__all__ = [
    "CAPTION_WIDTH", "FONT", "GREY", "MONEY_FORMAT", "ORG_COLOURS", "PALETTE", "SERIES", "STATUS_COLOURS", "THEME",
    "THEME_COLOURS", "THEME_ORDER", "THEME_RAMPS", "UNTAGGED", "VERDICT_COLOURS", "VERDICT_ORDER", "VERDICT_TEXT",
    "VERDICT_TINTS", "captioned", "colour_scale", "colours_for", "money_axis", "money_label", "workbench_theme",
]

THEME = "workbench"
FONT = "Inter, 'Helvetica Neue', Arial, sans-serif"
# Okabe–Ito: distinguishable with the common colour-vision deficiencies.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
UNTAGGED = "none"  # the theme of a paragraph that carries none
THEME_COLOURS = {"funding": "#0072B2", "governance": "#009E73", "ai_risk": "#D55E00", UNTAGGED: "#999999"}
#: The record's themes in order (`analysis.themes.THEMES`), untagged left out.
THEME_ORDER = tuple(theme for theme in THEME_COLOURS if theme != UNTAGGED)
# Single-hue ramps for heatmaps, one per record theme (single hue reads under every colour-vision deficiency).
THEME_RAMPS = {"funding": "blues", "governance": "greens", "ai_risk": "oranges"}
GREY = THEME_COLOURS[UNTAGGED]
# Series colours in the order categories get them: Okabe–Ito with yellow last (it fades on white), then four more
# distinguishable hues for charts with more categories than Okabe–Ito has colours.
SERIES = [c for c in PALETTE if c != "#F0E442"] + ["#F0E442", "#8C564B", "#9467BD", "#17BECF", "#BCBD22"]
#: The organisations charts show most, each with one colour everywhere (by chart, an organisation's rank changes).
ORG_COLOURS = {
    "OpenAI": "#0072B2", "Anthropic": "#D55E00", "Microsoft": "#009E73", "Google": "#E69F00", "Amazon": "#CC79A7",
    "Nvidia": "#56B4E9", "xAI": "#000000", "SoftBank": "#8C564B", "Mistral AI": "#9467BD", "Meta": "#17BECF",
    "Google DeepMind": "#BCBD22", "DeepMind": "#BCBD22",
}
#: Verdicts on a claim, best first: strong colours for marks, light tints for table cells, dark shades for text
#: on white (a document's verdict words).
VERDICT_COLOURS = {"consistent": "#009E73", "partly": "#D9A400", "inconsistent": "#C0392B", "unverifiable": "#9A9A9A"}
VERDICT_TINTS = {"consistent": "#CFE8D6", "partly": "#F6E3A1", "inconsistent": "#F3C2BB", "unverifiable": "#E4E4E4"}
VERDICT_TEXT = {"consistent": "#1b7a3a", "partly": "#a67c00", "inconsistent": "#b03a2e", "unverifiable": "#777"}
#: The verdicts in order (`analysis.claims.VERDICTS`).
VERDICT_ORDER = tuple(VERDICT_COLOURS)
#: How far money got, surest first (paid darkest).
STATUS_COLOURS = {"paid": PALETTE[0], "committed": PALETTE[4], "conditional": PALETTE[1], "announced": "#F3D18A",
                  "reduced": "#999999"}
# d3's SI prefixes say G for 10^9; readers of money expect B.
MONEY_FORMAT = "replace(format({value}, '$.3~s'), 'G', 'B')"


@alt.theme.register(THEME, enable=False)
def workbench_theme() -> alt.theme.ThemeConfig:
    """The config every chart is drawn and saved under (`alt.theme.enable(THEME)`), so sizes and fonts match."""
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


def colour_scale(domain: Sequence[str], *, other: str | None = None,
                 fixed: Mapping[str, str] | None = None) -> alt.Scale:
    """Series colours fixed to a domain, so a category keeps its colour when filters change; `other` is grey.
    Values in `fixed` (e.g. ORG_COLOURS) keep their own colour; the rest take the series colours those leave free."""
    return alt.Scale(domain=list(domain), range=colours_for(domain, other=other, fixed=fixed))


def colours_for(domain: Sequence[str], *, other: str | None = None,
                fixed: Mapping[str, str] | None = None) -> list[str]:
    """The colour of each value of `domain` (see `colour_scale`)."""
    fixed = fixed or {}
    taken = {fixed[value] for value in domain if value in fixed}
    free = cycle([c for c in SERIES if c not in taken] or SERIES)
    return [GREY if value == other else fixed[value] if value in fixed else next(free) for value in domain]


def money_axis(title: str) -> alt.Axis:
    """An axis labelled $10M, $1B, $100B."""
    return alt.Axis(title=title, labelExpr=MONEY_FORMAT.format(value="datum.value"))


def money_label(field: str) -> str:
    """A Vega expression that writes `field` as $1.25B, or 'undisclosed' (for tooltips and cell labels)."""
    value = f"datum[{field!r}]"
    return f"{value} == null ? 'undisclosed' : " + MONEY_FORMAT.format(value=value)
