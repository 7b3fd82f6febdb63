"""FundingExplorer: who put how much into which lab, when, in what form; the chart and the exact rows behind it.

Deals are drawn one point each while they fit in a chart spec; a larger table (a synthetic million rows, a
user overlay) is summed in polars by year and recipient first, from a summary built once at load (see
`summarised`). Money is summed over `countable` rows only.
"""

from __future__ import annotations

from typing import Any

import altair as alt
import ipywidgets as widgets
import polars as pl
import traitlets

from workbench.charts import funding as charts
from workbench.charts.base import when
from workbench.charts.theme import captioned, money_axis
from workbench.widgets.base import (
    Explorer,
    ExplorerInputError,
    is_in,
    options_of,
    selectable,
    subset_of,
    usable_rows,
    where,
)

DEALS_DRAWN = 2000  # above this many rows the chart shows yearly sums instead of one point per deal
COMPUTE = {"any": None, "tied": True, "not tied": False}
# every column a filter reads: the summary keeps them as group keys, so the filters apply to it unchanged
SUMMARY_KEYS = ("year", "investor", "recipient", "instrument", "amount_kind", "compute_link", "confidence")


class FundingExplorer(Explorer):
    """Filter the funding record by investor, recipient, years, instrument, amount kind and compute tie."""

    name = "funding-explorer"
    title = "Funding explorer"
    datasets = ("funding_events",)
    columns = ("event_id", "date", "investor", "recipient", "amount_usd", "amount_kind", "instrument", "countable",
               "compute_link", "valuation_usd", "confidence", "source_ids")
    filters = ("investors", "recipients", "years", "instruments", "amount_kinds", "compute", "confidence",
               "view")
    aliases = {"group": "recipient"}  # compute_link_share calls its recipients `group`

    investors = traitlets.Tuple(help="investors kept (empty: all)")
    recipients = traitlets.Tuple(help="recipients kept (empty: all)")
    years = traitlets.Tuple(traitlets.Int(), traitlets.Int(), help="first and last year kept")
    instruments = traitlets.Tuple(help="instruments kept (empty: all)")
    amount_kinds = traitlets.Tuple(help="amount kinds kept (empty: all)")
    compute = traitlets.Enum(tuple(COMPUTE), "any", help="money tied to the investor's cloud or compute?")
    view = traitlets.Enum(("timeline", "cumulative", "matrix", "valuation", "compute"), "timeline",
                          help="which chart: deals by date, cumulative by recipient, who funds whom, valuations, "
                               "compute-tied share")
    confidence = traitlets.Tuple(help="confidence levels kept (empty: all)")

    def __init__(self, *, data: pl.DataFrame | None = None, as_of: str | None = None, **state: Any) -> None:
        """`data`: a frame with the funding_events schema (default: the shipped table, as known on `as_of`)."""
        if data is None:
            from workbench import datasets

            data = datasets.load("funding_events", as_of=as_of)
        data = usable_rows(data, self.columns, dataset="funding_events", as_of=as_of)
        self._choices = {column: options_of(data[column].unique())
                         for column in ("investor", "recipient", "instrument", "amount_kind", "confidence")}
        self._data = data.sort("date").with_columns(pl.col("date").dt.year().alias("year"))
        self._span = int(self._data["year"].min()), int(self._data["year"].max())
        self._summary = summarised(self._data)
        super().__init__(**state)

    @traitlets.default("years")
    def _all_years(self) -> tuple[int, int]:
        return self._span

    @traitlets.validate("investors", "recipients", "instruments", "amount_kinds", "confidence")
    def _known(self, proposal: dict) -> tuple[str, ...]:
        column = {"investors": "investor", "recipients": "recipient", "instruments": "instrument",
                  "amount_kinds": "amount_kind", "confidence": "confidence"}[proposal["trait"].name]
        return subset_of(proposal, self._choices[column])

    @traitlets.validate("years")
    def _ordered(self, proposal: dict) -> tuple[int, int]:
        first, last = proposal["value"]
        if first > last:
            raise ExplorerInputError(f"the first year {first} is after the last year {last}.",
                                     fix="give (first, last) with first <= last, e.g. years=(2019, 2023).",
                                     column="years", value=(first, last))
        return first, last

    def _controls(self) -> list[widgets.Widget]:
        low, high = self._span

        def pick(trait: str, column: str, label: str) -> widgets.SelectMultiple:
            return self._bind(trait, widgets.SelectMultiple(options=self._choices[column], value=getattr(self, trait),
                                                            description=label, rows=5))

        return [
            self._bind("view", widgets.ToggleButtons(options=list(VIEWS), value=self.view, description="Chart")),
            widgets.HBox([pick("investors", "investor", "Investor"), pick("recipients", "recipient", "Recipient"),
                          pick("instruments", "instrument", "Instrument")]),
            widgets.HBox([pick("amount_kinds", "amount_kind", "Amount is"), pick("confidence", "confidence", "Confidence"),
                          widgets.VBox([
                              self._bind("years", widgets.IntRangeSlider(min=low, max=high, value=self.years,
                                                                         description="Years")),
                              self._bind("compute", widgets.ToggleButtons(options=list(COMPUTE), value=self.compute,
                                                                          description="Compute tie"))])]),
        ]

    def _conditions(self) -> list[pl.Expr | None]:
        """The controls as row conditions, on columns that both the rows and their summary have."""
        tie = COMPUTE[self.compute]
        return [is_in("investor", self.investors), is_in("recipient", self.recipients),
                is_in("instrument", self.instruments), is_in("amount_kind", self.amount_kinds),
                is_in("confidence", self.confidence),
                pl.col("year").is_between(*self.years) if self.years != self._span else None,
                None if tie is None else pl.col("compute_link") == tie]

    def _filtered(self) -> pl.DataFrame:
        return where(self._data, *self._conditions())

    def _chart_for(self, rows: pl.DataFrame) -> alt.TopLevelMixin:
        build, fields, brush = VIEWS[self.view]
        if fields == ("event_id",) and rows.height > DEALS_DRAWN:  # too many deals to draw one by one
            summary = where(self._summary, *self._conditions())
            chart, fields, brush = yearly_sums(summary), ("year", "recipient"), True
        else:
            chart = build(rows)
        return selectable(chart, fields, brush)


def _compute_share(rows: pl.DataFrame) -> alt.TopLevelMixin:
    return charts.compute_link_share(rows, by="recipient")


# view -> (builder, fields a click picks, whether an x-brush picks a date range)
VIEWS = {
    "timeline": (charts.funding_timeline, ("event_id",), True),
    "cumulative": (charts.cumulative_by_recipient, ("event_id",), True),
    "matrix": (charts.investor_recipient_matrix, ("investor", "recipient"), False),
    "valuation": (charts.valuation_steps, ("recipient", "date"), True),
    "compute": (_compute_share, ("group",), False),
}


def summarised(data: pl.DataFrame) -> pl.DataFrame:
    """Rows, countable deals and their money per combination of `SUMMARY_KEYS` values.

    The filters keep or drop whole groups of it, so `yearly_sums` of the filtered summary equals that of the
    filtered rows. At a million rows this costs ~0.2 s once at load and turns ~60 ms of grouping on every
    redraw into ~2 ms (under a thousand groups).
    """
    summed = pl.col("countable").fill_null(False) & (pl.col("amount_usd") > 0)
    return data.group_by(SUMMARY_KEYS).agg(pl.len().alias("rows"), pl.col("amount_usd").filter(summed).sum(),
                                           summed.sum().alias("deals"))


def yearly_sums(summary: pl.DataFrame) -> alt.Chart:
    """Countable money by year and recipient, from a (filtered) `summarised` table too big to draw deal by deal."""
    sums = (summary.group_by("year", "recipient")
            .agg(pl.col("amount_usd").sum(), pl.col("deals").sum(),
                 pl.col("confidence").is_in(["low", "unsourced"]).any().alias("low_confidence"))
            .filter(pl.col("deals") > 0)
            .sort("year", "recipient"))
    caption = (f"Source: funding_events ({summary['rows'].sum():,} rows, summed by year and recipient over "
               "countable rows; hollow: some rows low confidence)")
    return (alt.Chart(sums).mark_point(filled=True, size=80)
            .encode(x=alt.X("year:Q", title=None, axis=alt.Axis(format="d"), scale=alt.Scale(zero=False)),
                    y=alt.Y("amount_usd:Q", scale=alt.Scale(type="log"), axis=money_axis("Countable US$ (log)")),
                    color=alt.Color("recipient:N", title="Recipient"),
                    fillOpacity=when(alt.FillOpacityValue, "datum.low_confidence", 0, 1),
                    tooltip=[alt.Tooltip("year:Q"), alt.Tooltip("recipient:N"),
                             alt.Tooltip("amount_usd:Q", format="$,.0f"), alt.Tooltip("deals:Q")])
            .properties(title=captioned("Funding by year and recipient", caption), width=560, height=300))
