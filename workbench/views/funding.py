"""The money (notebook 02-funding): what a focus organisation received, from whom, tied to whose cloud, at what
valuation, against the peer labs and the other cloud-tied partnerships since Microsoft–OpenAI in 2019.

Money is summed over `countable` rows only (a round's total and its parts, and alternative accounts of the same
money, are all recorded), and by default only over rows that meet the sourcing bar (docs/sourcing.md): in the
frames these views return, `countable` is false for a row below the bar unless `include_below_bar=True`, and
`below_bar_note` says how many rows and how much money that leaves out. A compute commitment's `investor` is the
buyer: money a lab commits to spend on someone's compute shows as `committed to spend`, never as money received.

`cite` and `flat` (the CSV-ready frame of `workbench.outputs`) are used by the other views.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import polars as pl

from workbench import datasets
from workbench.outputs import csv_ready as flat  # noqa: F401  (notebooks save flat tables through funding.flat)
from workbench.views.common import canonical_org, citation

FUNDING = "funding_events"
RECEIVED, SPEND = "received", "committed to spend"
SINCE, PEERS = "2019-01-01", 5  # the peer comparison: from the year of Microsoft–OpenAI, against five labs
POOLED = "Multiple investors"  # syndicates without a named lead: never anyone's "largest backer"
DEAL_COLUMNS = ("direction", "event_id", "date", "investor", "recipient", "deal", "amount_usd", "amount_kind",
                "instrument", "countable", "compute_link", "valuation_usd", "confidence", "source_ids")
_COUNTABLE = pl.col("countable").fill_null(False)
_TIED = pl.col("compute_link").fill_null(False)


def cite(frame: pl.DataFrame, names: Sequence[str], *, title: str, description: str) -> dict:
    """`meta` for `workbench.save`: title and description, plus what the frame's rows cite."""
    return {"title": title, "description": description, **citation(frame, names)}


def format_usd(value: float | None) -> str:
    """$1.0B, $650M, $300B; 'undisclosed' for a missing amount."""
    if value is None:
        return "undisclosed"
    for size, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M")):
        if abs(value) >= size:
            return f"${value / size:,.1f}{suffix}"
    return f"${value:,.0f}"


def funding_focus(focus: str) -> str:
    """`focus` as the canonical name of an organisation that received money in funding_events."""
    return canonical_org(focus, datasets.load(FUNDING)["recipient"].unique())


def _funding(include_below_bar: bool = False) -> pl.DataFrame:
    """funding_events with `countable` narrowed to rows that meet the sourcing bar (unless asked otherwise)."""
    funding = datasets.load(FUNDING)
    if include_below_bar:
        return funding
    return funding.with_columns(pl.col("countable") & pl.col("meets_bar"))


def below_bar_note(focus: str | None = None) -> str:
    """How many countable rows (of `focus` as recipient, or all) the totals leave out as below the sourcing bar,
    their disclosed money, and how to include them."""
    rows = datasets.load(FUNDING).filter(pl.col("countable") & ~pl.col("meets_bar"))
    if focus is not None:
        rows = rows.filter(pl.col("recipient") == funding_focus(focus))
    if rows.is_empty():
        return "Every countable row in these totals meets the sourcing bar."
    return (f"{rows.height} countable row(s) below the sourcing bar ({format_usd(rows['amount_usd'].sum())} disclosed) are "
            "left out of these totals; pass include_below_bar=True to count them (their reasons: bar_reason and "
            "confidence_note in funding_events).")


def focus_deals(focus: str, *, include_below_bar: bool = False) -> pl.DataFrame:
    """Every deal in which `focus` received money, and every compute commitment it made (`direction`), by date."""
    focus = funding_focus(focus)
    funding = _funding(include_below_bar)
    direction = (pl.when(pl.col("recipient") == focus).then(pl.lit(RECEIVED))
                 .when((pl.col("investor") == focus) & (pl.col("instrument") == "compute_commitment"))
                 .then(pl.lit(SPEND)))
    return (funding.with_columns(direction.alias("direction")).filter(pl.col("direction").is_not_null())
            .select(DEAL_COLUMNS).sort("date", "event_id"))


def backers(focus: str, *, include_below_bar: bool = False) -> pl.DataFrame:
    """Who put money into `focus`: per investor, countable deals, money, money tied to its cloud, first and last."""
    received = focus_deals(focus, include_below_bar=include_below_bar).filter((pl.col("direction") == RECEIVED) & _COUNTABLE)
    return (received.group_by("investor")
            .agg(pl.len().alias("deals"), pl.col("amount_usd").null_count().alias("undisclosed"),
                 _sum("amount_usd").alias("amount_usd"), _sum("amount_usd", _TIED).alias("tied_usd"),
                 pl.col("date").min().alias("first"), pl.col("date").max().alias("last"))
            .sort(["amount_usd", "first"], descending=[True, False], nulls_last=True))


def lab_comparison(focus: str, *, since: dt.date | str = SINCE, peers: int = PEERS,
                   include_below_bar: bool = False) -> pl.DataFrame:
    """`focus` and the `peers` labs that received the most countable money since `since`, one row each.

    Columns: money received, money tied to the investor's cloud or compute and its share, the largest named
    backer, the latest reported valuation and how many times the first one it is, and the compute the lab itself
    committed to buy; `is_focus` marks the focus.
    """
    focus = funding_focus(focus)
    rows = _received_since(since, include_below_bar)
    labs = set(datasets.load("entities").filter(pl.col("kind") == "lab")["name"])
    totals = (rows.filter(pl.col("recipient").is_in(labs)).group_by("recipient")
              .agg(_sum("amount_usd").alias("amount_usd")).sort(["amount_usd", "recipient"], descending=[True, False],
                                                                nulls_last=True))
    chosen = [focus, *[lab for lab in totals["recipient"] if lab != focus][:peers]]
    valuations = (rows.filter(pl.col("valuation_usd").is_not_null()).sort("date", "event_id")
                  .group_by("recipient").agg(pl.col("valuation_usd").first().alias("first_valuation_usd"),
                                             pl.col("valuation_usd").last().alias("valuation_usd"),
                                             pl.col("date").last().alias("valuation_date")))
    largest = (rows.filter(_COUNTABLE, pl.col("investor") != POOLED, pl.col("amount_usd").is_not_null())
               .group_by("recipient", "investor").agg(pl.col("amount_usd").sum())
               .sort(["amount_usd", "investor"], descending=[True, False])
               .group_by("recipient", maintain_order=True).first()
               .rename({"investor": "largest_backer", "amount_usd": "largest_backer_usd"}))
    money = (rows.filter(_COUNTABLE).group_by("recipient")
             .agg(pl.len().alias("deals"), _sum("amount_usd").alias("amount_usd"),
                  _sum("amount_usd", _TIED).alias("tied_usd")))
    spend = (_since(since, include_below_bar).filter(pl.col("instrument") == "compute_commitment").group_by("investor")
             .agg(_sum("amount_usd").alias("committed_to_spend_usd")).rename({"investor": "recipient"}))
    table = (pl.DataFrame({"recipient": chosen}).join(money, on="recipient", how="left")
             .join(largest, on="recipient", how="left").join(valuations, on="recipient", how="left")
             .join(spend, on="recipient", how="left"))
    return table.with_columns(
        (pl.col("tied_usd") / pl.col("amount_usd")).alias("tied_share"),
        (pl.col("valuation_usd") / pl.col("first_valuation_usd")).alias("valuation_multiple"),
        (pl.col("recipient") == focus).alias("is_focus"),
    ).rename({"recipient": "lab"}).select(
        "lab", "is_focus", "deals", "amount_usd", "tied_usd", "tied_share", "largest_backer", "largest_backer_usd",
        "first_valuation_usd", "valuation_usd", "valuation_date", "valuation_multiple", "committed_to_spend_usd")


def peer_rows(focus: str, *, since: dt.date | str = SINCE, peers: int = PEERS,
              include_below_bar: bool = False) -> pl.DataFrame:
    """The funding_events rows (all columns) of the labs in `lab_comparison`, dated on or after `since`."""
    labs = lab_comparison(focus, since=since, peers=peers, include_below_bar=include_below_bar)["lab"]
    return _received_since(since, include_below_bar).filter(pl.col("recipient").is_in(labs.implode()))


def partnerships(focus: str, *, include_below_bar: bool = False) -> pl.DataFrame:
    """Strategic partnerships: every investor–recipient pair with countable money tied to the investor's cloud or
    compute (Microsoft–OpenAI since 2019, Amazon and Google–Anthropic, ...), oldest first; `is_focus` marks the
    pairs whose recipient is `focus`. Compute commitments (a lab buying compute) are left out."""
    focus = funding_focus(focus)
    rows = _partnership_rows(include_below_bar)
    return (rows.group_by("investor", "recipient")
            .agg(pl.len().alias("deals"), pl.col("amount_usd").null_count().alias("undisclosed"),
                 _sum("amount_usd").alias("amount_usd"), _sum("amount_usd", _TIED).alias("tied_usd"),
                 pl.col("amount_kind").cast(pl.String).unique().sort().str.join(", ").alias("amount_kinds"),
                 pl.col("date").min().alias("first"), pl.col("date").max().alias("last"))
            .with_columns((pl.col("recipient") == focus).alias("is_focus"))
            .sort("first", "investor", "recipient"))


def partnership_rows(focus: str, *, include_below_bar: bool = False) -> pl.DataFrame:
    """The countable funding_events rows behind `partnerships` (for charts), all columns."""
    funding_focus(focus)
    return _partnership_rows(include_below_bar)


def _partnership_rows(include_below_bar: bool) -> pl.DataFrame:
    funding = _funding(include_below_bar).filter(_COUNTABLE, pl.col("instrument") != "compute_commitment")
    tied_pairs = funding.filter(_TIED).select("investor", "recipient").unique()
    return funding.join(tied_pairs, on=["investor", "recipient"], how="semi").sort("date", "event_id")


def _since(since: dt.date | str, include_below_bar: bool) -> pl.DataFrame:
    start = dt.date.fromisoformat(since) if isinstance(since, str) else since
    return _funding(include_below_bar).filter(pl.col("date") >= start)


def _received_since(since: dt.date | str, include_below_bar: bool) -> pl.DataFrame:
    return _since(since, include_below_bar).filter(pl.col("instrument") != "compute_commitment")


def _sum(column: str, where: pl.Expr | None = None) -> pl.Expr:
    """Sum of the disclosed amounts of countable rows. Without `where`, null when no amount is disclosed (unknown,
    not zero); with `where` (a part of the money, e.g. tied to a cloud), 0 when no such amount is disclosed."""
    if where is None:
        values = pl.col(column).filter(_COUNTABLE)
        return pl.when(values.count() > 0).then(values.sum())
    return pl.col(column).filter(_COUNTABLE & where).sum()
