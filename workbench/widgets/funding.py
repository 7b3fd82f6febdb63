"""FundingExplorer: who put how much into which lab, when, in what form and how far it got; the chart and the
exact rows behind it.

The explorer works on pieces of money (`datasets.money.flows`): a round split into its per-investor and
tranche rows plus the rest of the round, so nothing counts twice and each piece keeps its own status and
asset. Status and asset are filters; the "status" chart stacks money received by status (paid, committed,
conditional, announced) instead of calling a pledge received; `as_of` shows the record, and each piece's
status, as known on a date. Deals are drawn one point each while they fit in a chart spec; a larger table (a
synthetic million rows, a user overlay) is summed in polars by year and recipient first, from a summary built
once per as-of date (see `summarised`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import altair as alt
import ipywidgets as widgets
import polars as pl
import traitlets

from workbench.charts import funding as charts
from workbench.charts.base import selectable
from workbench.charts.money import received_by_status
from workbench.datasets.money import flows, with_status
from workbench.widgets.base import Explorer, ExplorerInputError
from workbench.widgets.inputs import is_in, options_of, subset_of, usable_rows, where

__all__ = [
    "COMPUTE", "DEALS_DRAWN", "SUMMARY_KEYS", "TODAY", "VIEWS", "FundingExplorer", "as_of_dates", "summarised",
]

DEALS_DRAWN = 2000  # above this many rows the chart shows yearly sums instead of one point per deal
COMPUTE = {"any": None, "tied": True, "not tied": False}
# every column a filter reads: the summary keeps them as group keys, so the filters apply to it unchanged
SUMMARY_KEYS = ("year", "investor", "recipient", "instrument", "current_status", "asset", "compute_link", "confidence")
TODAY = "today"


class FundingExplorer(Explorer):
    """Filter the funding record by investor, recipient, years, instrument, status, asset and compute tie, as known
    on any date."""

    name = "funding-explorer"
    title = "Funding explorer"
    datasets = ("funding_events",)
    columns = ("event_id", "date", "investor", "recipient", "amount_usd", "status", "current_status", "asset",
               "amount_kind", "instrument", "countable", "compute_link", "valuation_usd", "confidence", "source_ids")
    needed = (*columns, "known_from", "part_of", "alternative_to", "current_amount_usd", "meets_bar")
    filters = ("investors", "recipients", "years", "instruments", "statuses", "assets", "compute", "confidence",
               "as_of", "view")
    aliases = {"group": "recipient", "status": "current_status"}  # the chart fields that name a column otherwise

    investors = traitlets.Tuple(help="investors kept (empty: all)")
    recipients = traitlets.Tuple(help="recipients kept (empty: all)")
    years = traitlets.Tuple(traitlets.Int(), traitlets.Int(), help="first and last year kept")
    instruments = traitlets.Tuple(help="instruments kept (empty: all)")
    statuses = traitlets.Tuple(help="statuses kept, as known on as_of (empty: all)")
    assets = traitlets.Tuple(help="assets kept (empty: all)")
    compute = traitlets.Enum(tuple(COMPUTE), "any", help="money tied to the investor's cloud or compute?")
    as_of = traitlets.Unicode(TODAY, help="the record as known on this date (YYYY-MM-DD), or 'today'")
    view = traitlets.Enum(("timeline", "status", "cumulative", "matrix", "valuation", "compute"), "timeline",
                          help="which chart: deals by date, money received by status, cumulative by recipient, who "
                               "funds whom, valuations, compute-tied share")
    confidence = traitlets.Tuple(help="confidence levels kept (empty: all)")

    def __init__(self, *, data: pl.DataFrame | None = None, as_of: str | None = None, **state: Any) -> None:
        """`data`: a frame with the funding_events schema (default: the shipped table); `as_of`: the first date shown
        (the slider moves it)."""
        from workbench import datasets

        if data is None:
            data = datasets.load("funding_events")
        self._all = usable_rows(data, self.needed, dataset="funding_events")
        self._changes = datasets.load("funding_status_changes")
        self._prepared: dict[str, tuple[pl.DataFrame, pl.DataFrame]] = {}
        self._dates = as_of_dates(self._all)
        if as_of is not None:
            state["as_of"] = str(as_of)
            known = self._all.filter(pl.col("known_from") <= dt.date.fromisoformat(str(as_of)))
            if known.is_empty():
                raise ExplorerInputError(f"no funding rows were public by {as_of}.",
                                         fix="pass a later as_of (e.g. as_of='2019-07-22'), or leave it out for the "
                                             "record as known today.", column="as_of", value=str(as_of))
            self._dates = sorted({*self._dates[:-1], str(as_of)}) + [TODAY]
        self._choices = {column: options_of(self._all[column].unique())
                         for column in ("investor", "recipient", "instrument", "asset", "confidence")}
        self._choices["current_status"] = options_of(
            self._changes["status"].unique().append(self._all["status"].unique().cast(self._changes["status"].dtype)))
        years = self._all["date"].dt.year()
        self._span = int(years.min()), int(years.max())
        super().__init__(**state)

    @property
    def _data(self) -> pl.DataFrame:
        return self._as_known()[0]

    @property
    def _summary(self) -> pl.DataFrame:
        return self._as_known()[1]

    def _as_known(self) -> tuple[pl.DataFrame, pl.DataFrame]:
        """Pieces of money as known on `as_of` (status as it was then) and their summary, built once per date."""
        if self.as_of not in self._prepared:
            rows = self._all
            if self.as_of != TODAY:
                day = dt.date.fromisoformat(self.as_of)
                rows = with_status(rows.filter(pl.col("known_from") <= day), self._changes, day)
            pieces = flows(rows).sort("date").with_columns(pl.col("date").dt.year().alias("year"))
            if pieces.is_empty():
                raise ExplorerInputError(f"no funding rows were public by {self.as_of}.",
                                         fix="pass a later as_of (e.g. as_of='2019-07-22').", column="as_of",
                                         value=self.as_of)
            self._prepared[self.as_of] = (pieces, summarised(pieces))
        return self._prepared[self.as_of]

    @traitlets.validate("as_of")
    def _a_date(self, proposal: dict) -> str:
        value = str(proposal["value"]).strip() or TODAY
        if value != TODAY:
            try:
                dt.date.fromisoformat(value)
            except ValueError:
                raise ExplorerInputError(f"as_of={value!r} is not a date.", fix="give YYYY-MM-DD, e.g. "
                                         "as_of='2019-07-22', or 'today'.", column="as_of", value=value) from None
        return value

    @traitlets.default("years")
    def _all_years(self) -> tuple[int, int]:
        return self._span

    @traitlets.validate("investors", "recipients", "instruments", "statuses", "assets", "confidence")
    def _known(self, proposal: dict) -> tuple[str, ...]:
        column = {"investors": "investor", "recipients": "recipient", "instruments": "instrument",
                  "statuses": "current_status", "assets": "asset", "confidence": "confidence"}[proposal["trait"].name]
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
            widgets.HBox([pick("statuses", "current_status", "Status"), pick("assets", "asset", "Asset"),
                          pick("confidence", "confidence", "Confidence")]),
            widgets.HBox([self._bind("years", widgets.IntRangeSlider(min=low, max=high, value=self.years,
                                                                     description="Years")),
                          self._bind("as_of", widgets.SelectionSlider(options=self._dates, value=self.as_of,
                                                                      description="As of")),
                          self._bind("compute", widgets.ToggleButtons(options=list(COMPUTE), value=self.compute,
                                                                      description="Compute tie"))]),
        ]

    def _conditions(self) -> list[pl.Expr | None]:
        """The controls as row conditions, on columns that both the rows and their summary have."""
        tie = COMPUTE[self.compute]
        return [is_in("investor", self.investors), is_in("recipient", self.recipients),
                is_in("instrument", self.instruments), is_in("current_status", self.statuses),
                is_in("asset", self.assets),
                is_in("confidence", self.confidence),
                pl.col("year").is_between(*self.years) if self.years != self._span else None,
                None if tie is None else pl.col("compute_link") == tie]

    def _filtered(self) -> pl.DataFrame:
        return where(self._data, *self._conditions())

    def _chart_for(self, rows: pl.DataFrame) -> alt.TopLevelMixin:
        build, fields, brush = VIEWS[self.view]
        if fields == ("event_id",) and rows.height > DEALS_DRAWN:  # too many deals to draw one by one
            summary = where(self._summary, *self._conditions())
            chart, fields, brush = charts.yearly_sums(summary), ("year", "recipient"), True
        elif self.view == "matrix" and rows.height > DEALS_DRAWN:  # sum the summary, not a million rows
            chart = charts.matrix_of_summary(where(self._summary, *self._conditions()))
        else:
            chart = build(rows)
        return selectable(chart, fields, brush)


def _compute_share(rows: pl.DataFrame) -> alt.TopLevelMixin:
    return charts.compute_link_share(rows, by="recipient")


def _by_status(rows: pl.DataFrame) -> alt.TopLevelMixin:
    return received_by_status(rows.filter(pl.col("instrument") != "compute_commitment"),
                              title="Money received, by status as known then",
                              counts="compute commitments left out; filters as set above")


def as_of_dates(rows: pl.DataFrame) -> list[str]:
    """The As of slider's stops: the end of every year with a row, the seed article's date, and today."""
    years = range(int(rows["date"].dt.year().min()), dt.date.today().year)
    return sorted({f"{year}-12-31" for year in years} | {"2019-07-22"}) + [TODAY]


# view -> (builder, fields a click picks, whether an x-brush picks a date range)
VIEWS = {
    "timeline": (charts.funding_timeline, ("event_id",), True),
    "status": (_by_status, ("status",), False),
    "cumulative": (charts.cumulative_by_recipient, ("event_id",), True),
    "matrix": (charts.investor_recipient_matrix, ("investor", "recipient"), False),
    "valuation": (charts.valuation_steps, ("recipient", "date"), True),
    "compute": (_compute_share, ("group",), False),
}


def summarised(data: pl.DataFrame) -> pl.DataFrame:
    """Rows, countable deals and their money per combination of `SUMMARY_KEYS` values.

    The filters keep or drop whole groups of it, so `charts.yearly_sums` of the filtered summary equals that of the
    filtered rows. At a million rows this costs ~0.2 s once at load and turns ~60 ms of grouping on every
    redraw into ~2 ms (under a thousand groups).
    """
    countable = pl.col("countable").fill_null(False)
    summed = countable & (pl.col("amount_usd") > 0)
    return data.group_by(SUMMARY_KEYS).agg(pl.len().alias("rows"), pl.col("amount_usd").filter(summed).sum(),
                                           summed.sum().alias("deals"), countable.sum().alias("countable_rows"),
                                           (countable & pl.col("amount_usd").is_null()).sum().alias("undisclosed"))
