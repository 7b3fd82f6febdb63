"""Funding charts over `funding_events`: deals by date, money by recipient, who funds whom, valuations, compute.

Money is only ever summed over `countable` rows: a round's total and its parts are both recorded, and
alternative estimates sit beside each other, so summing every row would count some money twice.
"""

from __future__ import annotations

from typing import Literal

import altair as alt
import polars as pl

from workbench.charts.base import (
    CONFIDENCE_TIP,
    DATE_TIP,
    HEIGHT,
    HOLLOW,
    LOW_CONFIDENCE,
    PRECISION_TIP,
    WIDTH,
    Chart,
    builder,
    categories,
    embeddable,
    finish,
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
    when,
)
from workbench.charts.theme import (
    GREY,
    ORG_COLOURS,
    PALETTE,
    THEME_RAMPS,
    captioned,
    colour_scale,
    money_axis,
    money_label,
)
from workbench.errors import UsageError

__all__ = [
    "COLUMNS", "DATASET", "DEAL_TIPS", "LINKS", "LOG", "SHARE_BY", "compute_link_share", "cumulative_by_recipient",
    "funding_timeline", "investor_recipient_matrix", "matrix_of_cells", "matrix_of_summary", "valuation_steps",
    "yearly_sums",
]

DATASET = "funding_events"
LOG = alt.Scale(type="log")
COLUMNS = ("event_id", "date", "date_precision", "investor", "recipient", "amount_usd", "amount_kind",
           "instrument", "countable", "confidence", "source_ids")
DEAL_TIPS = [alt.Tooltip("event_id:N", title="Event"), DATE_TIP, PRECISION_TIP,
             alt.Tooltip("investor:N", title="Investor"), alt.Tooltip("recipient:N", title="Recipient"),
             alt.Tooltip("amount:N", title="Amount (US$)"), alt.Tooltip("amount_kind:N", title="Amount is"),
             alt.Tooltip("instrument:N", title="Instrument"), CONFIDENCE_TIP]
LINKS = {"tied": "Tied to the investor's cloud or compute", "other": "Other money", "unknown": "Link not recorded"}
SHARE_BY = {"recipient": pl.col("recipient"), "investor": pl.col("investor"),
            "year": pl.col("date").dt.year().cast(pl.String)}


def _columns(funding: pl.DataFrame, builder: str, *extra: str) -> pl.DataFrame:
    return require(funding, [*COLUMNS, *extra], builder)


def _with_amount(frame: pl.DataFrame, *, countable: bool) -> pl.DataFrame:
    """Rows with a disclosed positive amount and a date (and, with `countable`, that may be summed)."""
    keep = (pl.col("amount_usd") > 0) & pl.col("date").is_not_null()
    return frame.filter(keep & pl.col("countable").fill_null(False) if countable else keep)


def _labelled(chart: alt.Chart, **fields: str) -> alt.Chart:
    """Money fields written as $1.25B for tooltips and labels: `label=field`."""
    return chart.transform_calculate(**{label: money_label(field) for label, field in fields.items()})


@builder
def funding_timeline(funding: pl.DataFrame, *, top_investors: int = 7, title: str | None = None) -> Chart:
    """Every deal with a disclosed amount: amount (log) by date, coloured by investor, shaped by amount kind.

    Expects `funding_events` columns. Totals and their parts are both drawn: this shows events, not sums.
    """
    title = title or "Funding events by date"
    rows = _columns(funding, "funding_timeline")
    drawn = _with_amount(rows, countable=False).sort("date", "event_id")
    caption = source_caption(drawn, DATASET, notes=[HOLLOW, omitted(rows, drawn, "rows without an amount or date")])
    if drawn.is_empty():
        return placeholder(title, caption)
    data, scale = grouped(drawn.with_columns(low_confidence()), "investor", top_investors, "Other investors")
    kinds = [kind for kind in categories(rows, "amount_kind") if kind != "undisclosed"]  # never has an amount
    chart = _labelled(alt.Chart(embeddable(data, "funding_timeline")), amount="amount_usd").mark_point(
        filled=True, size=90, strokeWidth=1.6, opacity=1,
    ).encode(
        x=time_x(),
        y=alt.Y("amount_usd:Q", scale=LOG, axis=money_axis("Amount (US$, log scale)")),
        shape=alt.Shape("amount_kind:N", title="Amount is", scale=alt.Scale(domain=kinds)),
        tooltip=DEAL_TIPS,
        **paint("investor_group:N", "Investor", scale),
    )
    return finish(chart, title, caption)


@builder
def cumulative_by_recipient(funding: pl.DataFrame, *, top_recipients: int = 7, title: str | None = None,
                            counts: str | None = None) -> Chart:
    """Money each recipient has received over time (log), a step at every countable deal.

    Expects `funding_events` columns, or pieces of money (`datasets.money.counted`); sums `countable` rows with a
    disclosed amount only. `counts` says in the caption which money the rows are (a `Counting.caption()`): pass
    pieces of one status and asset (the default counting), or the sum mixes pledges with payments.
    """
    title = title or "Cumulative money received, by recipient"
    rows = _columns(funding, "cumulative_by_recipient")
    drawn = _with_amount(rows, countable=True)
    caption = source_caption(drawn, DATASET, notes=[counts or "countable rows only", HOLLOW])
    if drawn.is_empty():
        return placeholder(title, caption)
    steps = (drawn.sort("date", "event_id")
             .with_columns(low_confidence(), pl.col("amount_usd").cum_sum().over("recipient").alias("cumulative")))
    data, scale = grouped(steps, "recipient", top_recipients, "Other recipients")
    base = _labelled(alt.Chart(embeddable(data, "cumulative_by_recipient")),
                     amount="amount_usd", total="cumulative").encode(
        x=time_x(),
        y=alt.Y("cumulative:Q", scale=LOG, axis=money_axis("Counted so far (US$, log scale)")),
        detail=alt.Detail("recipient:N"),
    )
    line = base.mark_line(interpolate="step-after", strokeWidth=2).encode(
        **paint("recipient_group:N", "Recipient", scale, hollow=False))
    points = base.mark_point(filled=True, size=50, strokeWidth=1.4, opacity=1).encode(
        tooltip=[*DEAL_TIPS, alt.Tooltip("total:N", title="Received so far")],
        **paint("recipient_group:N", "Recipient", scale))
    return layer(line, points, **framing(title, caption))


@builder
def investor_recipient_matrix(funding: pl.DataFrame, *, title: str | None = None) -> Chart:
    """Who funds whom: one cell per investor and recipient, shaded by the countable money between them.

    Expects `funding_events` columns. A pair with deals but no disclosed amount shows as a grey cell.
    """
    title = title or "Who funds whom"
    drawn = _columns(funding, "investor_recipient_matrix").filter(pl.col("countable").fill_null(False))
    caption = source_caption(drawn, DATASET, notes=["countable rows only; grey: amounts undisclosed"])
    if drawn.is_empty():
        return placeholder(title, caption)
    cells = (drawn.with_columns(pl.col("investor", "recipient").fill_null("(not recorded)"), low_confidence())
             .group_by("investor", "recipient")
             .agg(pl.when(pl.col("amount_usd").count() > 0).then(pl.col("amount_usd").sum()).alias("amount_usd"),
                  pl.len().alias("deals"), pl.col("amount_usd").null_count().alias("undisclosed"),
                  pl.col("low_confidence").sum().alias("weak")))
    return matrix_of_cells(cells, title=title, caption=caption)


@builder
def matrix_of_cells(cells: pl.DataFrame, *, title: str, caption: str) -> Chart:
    """The who-funds-whom matrix from its cells: investor, recipient, amount_usd (null: none disclosed), deals,
    undisclosed and weak (low-confidence deals). Explorers pass cells summed from a summary of a million rows."""
    cells = cells.sort("investor", "recipient").with_columns(_dark_cell("amount_usd"))  # group_by order varies
    base = _labelled(alt.Chart(embeddable(cells, "investor_recipient_matrix")), amount="amount_usd").encode(
        x=alt.X("recipient:N", title="Recipient", sort=_by_total(cells, "recipient"),
                axis=alt.Axis(labelAngle=-40, orient="top")),
        y=alt.Y("investor:N", title="Investor", sort=_by_total(cells, "investor")),
    )
    tips = [alt.Tooltip("investor:N", title="Investor"), alt.Tooltip("recipient:N", title="Recipient"),
            alt.Tooltip("amount:N", title="Countable US$"), alt.Tooltip("deals:Q", title="Deals"),
            alt.Tooltip("undisclosed:Q", title="Without an amount"),
            alt.Tooltip("weak:Q", title="Low-confidence deals")]
    shaded = base.mark_rect(stroke="white").encode(
        color=alt.Color("amount_usd:Q", title="US$ (log)", legend=alt.Legend(format="$.2~s"),
                        scale=alt.Scale(type="log", scheme=THEME_RAMPS["funding"])), tooltip=tips)
    # A null amount would drop the tile from a log colour scale: undisclosed pairs get their own grey layer.
    undisclosed = base.mark_rect(stroke="white", color="#dddddd").encode(tooltip=tips).transform_filter(
        "datum.amount_usd == null")
    labels = base.mark_text(fontSize=9).encode(
        text=alt.Text("amount:N"), color=when(alt.ColorValue, "datum.dark", "white", "black"))
    return layer(undisclosed, shaded, labels, **framing(title, caption, width=alt.Step(44), height=alt.Step(20)))


def _dark_cell(field: str) -> pl.Expr:
    """True for cells in the darker half of a log colour ramp, where labels must be white to be read."""
    log = pl.col(field).log10()
    return ((log - log.min()) > 0.55 * (log.max() - log.min())).fill_null(False).alias("dark")


def _by_total(cells: pl.DataFrame, column: str) -> list[str]:
    """Values of `column` ordered by the money they account for, largest first (undisclosed last)."""
    totals = cells.group_by(column).agg(pl.col("amount_usd").sum().alias("_total"))
    return totals.sort(["_total", column], descending=[True, False], nulls_last=True).get_column(column).to_list()


@builder
def valuation_steps(funding: pl.DataFrame, *, top_recipients: int = 7, title: str | None = None) -> Chart:
    """Each recipient's reported valuation over time (log), with the step-up from its previous valuation.

    Expects `funding_events` columns plus `valuation_usd`. Parts of one round repeat its valuation: each
    (recipient, date, valuation) is drawn once, hollow only if every row behind it is low-confidence.
    """
    title = title or "Valuations over time"
    drawn = _columns(funding, "valuation_steps", "valuation_usd").filter(
        pl.col("valuation_usd") > 0, pl.col("date").is_not_null())
    caption = source_caption(drawn, DATASET, notes=[HOLLOW])
    if drawn.is_empty():
        return placeholder(title, caption)
    steps = (drawn.with_columns(low_confidence())
             .group_by("recipient", "date", "valuation_usd")
             .agg(pl.col("event_id").sort().str.join(", ").alias("events"), pl.col("low_confidence").all())
             .sort("recipient", "date", "valuation_usd")
             .with_columns((pl.col("valuation_usd") / pl.col("valuation_usd").shift(1).over("recipient"))
                           .alias("step_up")))
    data, scale = grouped(steps, "recipient", top_recipients, "Other recipients")
    base = _labelled(alt.Chart(embeddable(data, "valuation_steps")), valuation="valuation_usd").encode(
        x=time_x(),
        y=alt.Y("valuation_usd:Q", scale=LOG, axis=money_axis("Valuation (US$, log scale)")),
        detail=alt.Detail("recipient:N"),
    )
    line = base.mark_line(strokeWidth=1.5, opacity=0.75).encode(
        **paint("recipient_group:N", "Recipient", scale, hollow=False))
    points = base.mark_point(filled=True, size=70, strokeWidth=1.6, opacity=1).encode(
        tooltip=[alt.Tooltip("recipient:N", title="Recipient"), DATE_TIP,
                 alt.Tooltip("valuation:N", title="Valuation (US$)"),
                 alt.Tooltip("step_up:Q", title="× previous valuation", format=".2f"),
                 alt.Tooltip("events:N", title="Events")],
        **paint("recipient_group:N", "Recipient", scale))
    return layer(line, points, **framing(title, caption))


@builder
def compute_link_share(funding: pl.DataFrame, *, by: Literal["recipient", "investor", "year"] = "recipient",
                       title: str | None = None, counts: str | None = None) -> Chart:
    """Share of countable money tied to the investor's own cloud or compute (`compute_link`), per `by`.

    Expects `funding_events` columns plus `compute_link` (or pieces of money, with `counts` saying which). One bar
    per group, split by the link.
    """
    if by not in SHARE_BY:
        raise UsageError(f"compute_link_share cannot group by {by!r}.", fix=f"use one of: {', '.join(SHARE_BY)}.",
                         value=by)
    title = title or f"Money tied to the investor's cloud or compute, by {by}"
    drawn = _with_amount(_columns(funding, "compute_link_share", "compute_link"), countable=True)
    caption = source_caption(drawn, DATASET, notes=[counts or "countable rows with an amount"])
    if drawn.is_empty():
        return placeholder(title, caption)
    link = (pl.when(pl.col("compute_link")).then(pl.lit(LINKS["tied"]))
            .when(pl.col("compute_link").not_()).then(pl.lit(LINKS["other"])).otherwise(pl.lit(LINKS["unknown"])))
    shares = (drawn.with_columns(SHARE_BY[by].fill_null("(not recorded)").alias("group"), link.alias("link"))
              .group_by("group", "link").agg(pl.col("amount_usd").sum(), pl.len().alias("deals"))
              .sort("group", "link")
              .with_columns((pl.col("amount_usd") / pl.col("amount_usd").sum().over("group")).alias("share")))
    order = sorted(shares.get_column("group").unique()) if by == "year" else _by_total(shares, "group")
    chart = _labelled(alt.Chart(embeddable(shares, "compute_link_share")), amount="amount_usd").mark_bar().encode(
        x=alt.X("share:Q", stack="zero", title="Share of countable money", axis=alt.Axis(format="%")),
        y=alt.Y("group:N", title=by.capitalize(), sort=order),
        color=alt.Color("link:N", title=None, legend=alt.Legend(orient="bottom", labelLimit=0),
                        scale=alt.Scale(domain=list(LINKS.values()), range=[PALETTE[1], PALETTE[0], GREY])),
        order=alt.Order("link:N", sort="descending"),
        tooltip=[alt.Tooltip("group:N", title=by.capitalize()), alt.Tooltip("link:N", title="Money"),
                 alt.Tooltip("amount:N", title="US$"), alt.Tooltip("share:Q", title="Share", format=".0%"),
                 alt.Tooltip("deals:Q", title="Deals")],
    )
    return finish(chart, title, caption, height=alt.Step(22))


# --- from a summary: rows already summed by group (the funding explorer's `summarised`, for a million rows) -----


@builder
def matrix_of_summary(summary: pl.DataFrame) -> Chart:
    """Who funds whom from a (filtered) summary of funding rows: the same cells `investor_recipient_matrix` sums
    from rows.

    `summary`: one row per group of funding rows with investor, recipient, confidence, rows, countable_rows, deals
    (countable rows with an amount), amount_usd (their sum) and undisclosed (countable rows without one).
    """
    weak = pl.col("confidence").cast(pl.String).is_in(list(LOW_CONFIDENCE))
    cells = (summary.filter(pl.col("countable_rows") > 0)
             .with_columns(pl.col("investor", "recipient").fill_null("(not recorded)"))
             .group_by("investor", "recipient")
             .agg(pl.when(pl.col("deals").sum() > 0).then(pl.col("amount_usd").sum()).alias("amount_usd"),
                  pl.col("countable_rows").sum().alias("deals"), pl.col("undisclosed").sum(),
                  pl.col("countable_rows").filter(weak).sum().alias("weak")))
    caption = (f"Source: {DATASET} ({summary['rows'].sum():,} rows, summed by investor and recipient over "
               "countable rows; grey: amounts undisclosed)")
    if cells.is_empty():
        return placeholder("Who funds whom", caption)
    return matrix_of_cells(cells, title="Who funds whom", caption=caption)


@builder
def yearly_sums(summary: pl.DataFrame) -> alt.Chart:
    """Countable money by year and recipient, from a (filtered) summary too big to draw deal by deal; a point is
    hollow when some rows behind it are low confidence.

    `summary`: as `matrix_of_summary`, with year.
    """
    sums = (summary.group_by("year", "recipient")
            .agg(pl.col("amount_usd").sum(), pl.col("deals").sum(),
                 pl.col("confidence").is_in(list(LOW_CONFIDENCE)).any().alias("low_confidence"))
            .filter(pl.col("deals") > 0)
            .sort("year", "recipient"))
    caption = (f"Source: {DATASET} ({summary['rows'].sum():,} rows, summed by year and recipient over "
               "countable rows; hollow: some rows low confidence)")
    return (alt.Chart(sums).mark_point(filled=True, size=80)
            .encode(x=alt.X("year:Q", title=None, axis=alt.Axis(format="d"), scale=alt.Scale(zero=False)),
                    y=alt.Y("amount_usd:Q", scale=alt.Scale(type="log"), axis=money_axis("Countable US$ (log)")),
                    color=alt.Color("recipient:N", title="Recipient",
                                    scale=colour_scale(sorted(sums["recipient"].unique()), fixed=ORG_COLOURS)),
                    fillOpacity=when(alt.FillOpacityValue, "datum.low_confidence", 0, 1),
                    tooltip=[alt.Tooltip("year:Q"), alt.Tooltip("recipient:N"),
                             alt.Tooltip("amount_usd:Q", format="$,.0f"), alt.Tooltip("deals:Q")])
            .properties(title=captioned("Funding by year and recipient", caption), width=WIDTH, height=HEIGHT))
