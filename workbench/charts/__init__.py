"""Pure chart builders (frame in, altair chart out) and the one theme every workbench chart shares.

Builders never touch files or widgets. Every chart names the data it was drawn from in a caption that counts
the rows drawn and their distinct sources, so a figure cut out of a report still says where its numbers come
from. Each builder takes the frame of one dataset (filtered as the caller likes; columns kept), aggregates in
polars, and embeds only what it draws. Empty input gives a chart that says there is nothing to draw.

    from workbench import charts, datasets
    charts.funding_timeline(datasets.load("funding_events"))
"""

from workbench.charts.article import paragraph_themes, theme_strip, verdict_bars, verdict_shift
from workbench.charts.base import MAX_ROWS, distinct_count, source_caption
from workbench.charts.corpus import actors_named, amounts_per_year, paragraph_lengths, themes_per_year
from workbench.charts.funding import (
    compute_link_share,
    cumulative_by_recipient,
    funding_timeline,
    investor_recipient_matrix,
    matrix_of_summary,
    valuation_steps,
    yearly_sums,
)
from workbench.charts.governance import BOARD_CRISIS, Highlight, governance_timeline, structure_bands
from workbench.charts.live import incidents_per_year, training_compute
from workbench.charts.money import deal_flows, received_by_status
from workbench.charts.policy import concern_instrument_matrix, policy_timeline
from workbench.charts.profile import profile_timeline
from workbench.charts.theme import FONT, PALETTE, THEME, THEME_COLOURS, captioned, workbench_theme

__all__ = [
    "THEME", "FONT", "PALETTE", "THEME_COLOURS", "MAX_ROWS", "workbench_theme", "captioned", "source_caption",
    "distinct_count", "paragraph_lengths", "themes_per_year", "actors_named", "amounts_per_year",
    "funding_timeline", "cumulative_by_recipient", "investor_recipient_matrix", "valuation_steps",
    "compute_link_share", "received_by_status", "deal_flows", "structure_bands", "governance_timeline", "Highlight",
    "BOARD_CRISIS",
    "policy_timeline", "concern_instrument_matrix", "training_compute", "incidents_per_year",
    "theme_strip", "paragraph_themes", "verdict_shift", "verdict_bars", "profile_timeline", "yearly_sums",
    "matrix_of_summary",
]
