"""The money (notebook 02-funding): what a focus organisation received, how far each dollar got (paid, committed,
conditional, announced) and in what form (cash, credits, compute, shares), from whom, at what valuation,
against the peer labs.

Every total counts through a `Counting` (workbench.datasets.money): by default cash that is paid or committed,
from rows that meet the sourcing bar, one piece of money per deal (a round split into its per-investor and
tranche rows plus the rest of the round, never a total and its parts, never two accounts of the same money).
`counting.caption()` says what a total counts and `left_out(focus)` what it leaves out. A compute commitment's
`investor` is the buyer: money a lab commits to spend on someone's compute shows as `committed to spend`, never
as money received (the deal ledger in `views.ledger` sets the two against each other).
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from workbench import datasets
from workbench.datasets.money import ASSET_LABELS, NOT_NEW_MONEY, STATUSES, Counting, flows
from workbench.lineage import traced
from workbench.views.common import canonical_org

__all__ = [
    "DEAL_COLUMNS", "FUNDING", "PEERS", "POOLED", "RECEIVED", "SINCE", "SPEND", "STANDING", "Counting", "backers",
    "comparison_takeaway", "focus_deals", "format_usd", "funding_focus", "lab_comparison", "left_out",
    "money_by_status", "peer_rows", "received_pieces", "status_pieces", "status_takeaway",
]

FUNDING = "funding_events"
RECEIVED, SPEND = "received", "committed to spend"
SINCE, PEERS = "2019-01-01", 5  # the peer comparison: from the year of Microsoft–OpenAI, against five labs
POOLED = "Multiple investors"  # syndicates without a named lead: never anyone's "largest backer"
DEAL_COLUMNS = ("direction", "event_id", "date", "investor", "recipient", "deal", "amount_usd", "status",
                "current_status", "condition", "asset", "asset_detail", "instrument", "countable", "compute_link",
                "valuation_usd", "confidence", "source_ids")
_TIED = pl.col("compute_link").fill_null(False)


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


@traced
def focus_deals(focus: str) -> pl.DataFrame:
    """Every deal in which `focus` received money, and every compute commitment it made (`direction`), by date,
    with each row's status as first reported and now, its asset and condition.

    Returns
    -------
    polars.DataFrame
        One row per funding_events row, by date and event_id; columns: direction (`RECEIVED` or `SPEND`), event_id,
        date, investor, recipient, deal, amount_usd, status (as first reported), current_status (now), condition, asset,
        asset_detail, instrument, countable, compute_link, valuation_usd, confidence, source_ids (`DEAL_COLUMNS`).
    """
    focus = funding_focus(focus)
    direction = (pl.when(pl.col("recipient") == focus).then(pl.lit(RECEIVED))
                 .when((pl.col("investor") == focus) & (pl.col("instrument") == "compute_commitment"))
                 .then(pl.lit(SPEND)))
    return (datasets.load(FUNDING).with_columns(direction.alias("direction")).filter(pl.col("direction").is_not_null())
            .select(DEAL_COLUMNS).sort("date", "event_id"))


@traced
def received_pieces(focus: str | None = None, *, since: dt.date | str | None = None) -> pl.DataFrame:
    """The pieces of money (`money.flows`) received by `focus` (every recipient when None) since `since`: compute
    commitments left out. All statuses and assets; filter with a `Counting`'s `mask()`.

    Returns
    -------
    polars.DataFrame
        One row per piece of money received; columns: the funding columns (as `datasets.load('funding_events')`), with
        amount_usd the piece's current amount, then flow_of (the event_id of the top deal it belongs to) and piece
        ('deal', 'part' or 'rest').
    """
    pieces = flows(datasets.load(FUNDING)).filter(pl.col("instrument") != "compute_commitment")
    if focus is not None:
        pieces = pieces.filter(pl.col("recipient") == funding_focus(focus))
    if since is not None:
        pieces = pieces.filter(pl.col("date") >= _date(since))
    return pieces


@traced
def money_by_status(focus: str, *, include_below_bar: bool = False) -> pl.DataFrame:
    """What `focus` received, by status now and asset: one row per (status, asset) with pieces, disclosed money,
    undisclosed pieces and whether the default total counts it. Paid, committed, conditional and announced money
    stay apart, and so do cash, credits, mixed money and secondary sales.

    Returns
    -------
    polars.DataFrame
        One row per (status, asset), sorted by both; columns: status (the status now), asset, pieces, amount_usd
        (disclosed money; null when none is disclosed), undisclosed (pieces without an amount), in_default_total
        (whether the default `Counting()` counts the row's pieces), source_ids (the sources of its pieces).
    """
    default = Counting(include_below_bar=include_below_bar)
    everything = Counting(statuses=STATUSES, assets=tuple(ASSET_LABELS), include_below_bar=include_below_bar)
    pieces = received_pieces(focus).filter(everything.mask())
    return (pieces.with_columns(default.mask().alias("in_default_total"))
            .group_by(pl.col("current_status").alias("status"), "asset")
            .agg(pl.len().alias("pieces"), _disclosed_sum().alias("amount_usd"),
                 pl.col("amount_usd").null_count().alias("undisclosed"), pl.col("in_default_total").all(),
                 _sources_of_group())
            .sort("status", "asset"))


def left_out(focus: str, counting: Counting | None = None) -> str:
    """What a total of money received by `focus` under `counting` leaves out, in words: pieces at other statuses or
    in other assets, and pieces below the sourcing bar, with their disclosed money."""
    counting = counting or Counting()
    pieces = received_pieces(focus)
    outside = pieces.filter(~counting.mask())
    if outside.is_empty():
        return "Nothing is left out: every piece of money received is counted."
    groups = (outside.with_columns(pl.when(~pl.col("meets_bar") & ~pl.lit(counting.include_below_bar))
                                   .then(pl.lit("below the sourcing bar"))
                                   .otherwise(pl.concat_str(pl.col("current_status").cast(pl.String), pl.lit(" "),
                                                            pl.col("asset").cast(pl.String).replace(ASSET_LABELS)))
                                   .alias("why"))
              .group_by("why").agg(pl.len().alias("pieces"), _disclosed_sum().alias("amount_usd"))
              .sort("amount_usd", "why", descending=[True, False], nulls_last=True))
    parts = [f"{row['why']}: {format_usd(row['amount_usd']) if row['amount_usd'] is not None else 'amount undisclosed'}"
             f" ({row['pieces']} piece{'s' * (row['pieces'] > 1)})" for row in groups.iter_rows(named=True)]
    return "Left out of this total: " + "; ".join(parts) + "."


@traced
def backers(focus: str, counting: Counting | None = None) -> pl.DataFrame:
    """Who put money into `focus`: per investor, the pieces `counting` counts (deals), their money, the part tied to
    the investor's cloud, first and last date, and `other_usd`: money from the same investor that this counting
    leaves out (announced, conditional, credits, mixed...).

    Returns
    -------
    polars.DataFrame
        One row per investor, most counted money first; columns: investor, deals (pieces counted), undisclosed (counted
        pieces without an amount), amount_usd (counted disclosed money), tied_usd (the part tied to the investor's cloud
        or compute), first and last (dates of the counted pieces), other_usd (the investor's money this counting leaves
        out). Cancelled and superseded money is in neither.
    """
    counting = counting or Counting()
    pieces = received_pieces(focus).filter(
        pl.col("current_status").cast(pl.String).is_in(["cancelled", "superseded"]).not_())
    counted = pieces.filter(counting.mask())
    other = (pieces.filter(~counting.mask()).group_by("investor").agg(_disclosed_sum().alias("other_usd")))
    return (counted.group_by("investor")
            .agg(pl.len().alias("deals"), pl.col("amount_usd").null_count().alias("undisclosed"),
                 _disclosed_sum().alias("amount_usd"), pl.col("amount_usd").filter(_TIED).sum().alias("tied_usd"),
                 pl.col("date").min().alias("first"), pl.col("date").max().alias("last"))
            .join(other, on="investor", how="full", coalesce=True)
            .with_columns(pl.col("deals", "undisclosed").fill_null(0))
            .sort(["amount_usd", "other_usd", "investor"], descending=[True, True, False], nulls_last=True))


@traced
def lab_comparison(focus: str, *, since: dt.date | str = SINCE, peers: int = PEERS,
                   counting: Counting | None = None) -> pl.DataFrame:
    """`focus` and the `peers` labs that received the most counted money since `since`, one row each.

    Columns: counted money received, money tied to the investor's cloud or compute and its share, the largest named
    backer, the latest reported valuation and how many times the first one it is, and the compute the lab itself
    committed to buy (commitments still standing, meeting the bar unless the counting includes rows below it);
    `is_focus` marks the focus.

    Returns
    -------
    polars.DataFrame
        One row per lab, `focus` first; columns: lab, is_focus, deals, amount_usd (counted money received), tied_usd and
        tied_share (tied to the investor's cloud or compute), largest_backer and largest_backer_usd,
        first_valuation_usd, valuation_usd and valuation_date (the latest), valuation_multiple (latest over first),
        committed_to_spend_usd (compute the lab committed to buy), source_ids (the sources of the rows behind the
        money, valuations and commitments of the row).
    """
    focus = funding_focus(focus)
    counting = counting or Counting()
    pieces = received_pieces(since=since)
    counted = pieces.filter(counting.mask())
    labs = set(datasets.load("entities").filter(pl.col("kind") == "lab")["name"])
    totals = (counted.filter(pl.col("recipient").is_in(labs)).group_by("recipient")
              .agg(_disclosed_sum().alias("amount_usd"))
              .sort(["amount_usd", "recipient"], descending=[True, False], nulls_last=True))
    chosen = [focus, *[lab for lab in totals["recipient"] if lab != focus][:peers]]
    valuations = (pieces.filter(pl.col("valuation_usd").is_not_null()).sort("date", "event_id")
                  .group_by("recipient").agg(pl.col("valuation_usd").first().alias("first_valuation_usd"),
                                             pl.col("valuation_usd").last().alias("valuation_usd"),
                                             pl.col("date").last().alias("valuation_date")))
    largest = (counted.filter(pl.col("investor") != POOLED, pl.col("amount_usd").is_not_null())
               .group_by("recipient", "investor").agg(pl.col("amount_usd").sum())
               .sort(["amount_usd", "investor"], descending=[True, False])
               .group_by("recipient", maintain_order=True).first()
               .rename({"investor": "largest_backer", "amount_usd": "largest_backer_usd"}))
    money = (counted.group_by("recipient")
             .agg(pl.len().alias("deals"), _disclosed_sum().alias("amount_usd"),
                  pl.col("amount_usd").filter(_TIED).sum().alias("tied_usd")))
    standing = ~pl.col("current_status").cast(pl.String).is_in(["cancelled", "superseded"])
    sourced = pl.col("meets_bar") | pl.lit(counting.include_below_bar)
    committed = (flows(datasets.load(FUNDING)).filter(pl.col("instrument") == "compute_commitment", standing, sourced,
                                                      pl.col("date") >= _date(since))
                 .rename({"recipient": "supplier", "investor": "recipient"}))
    spend = committed.group_by("recipient").agg(_disclosed_sum().alias("committed_to_spend_usd"))
    behind = [rows.select("recipient", "source_ids")
              for rows in (counted, pieces.filter(pl.col("valuation_usd").is_not_null()), committed)]
    cited = pl.concat(behind).group_by("recipient").agg(_sources_of_group())
    table = (pl.DataFrame({"recipient": chosen}).join(money, on="recipient", how="left")
             .join(largest, on="recipient", how="left").join(valuations, on="recipient", how="left")
             .join(spend, on="recipient", how="left").join(cited, on="recipient", how="left"))
    return table.with_columns(
        (pl.col("tied_usd") / pl.col("amount_usd")).alias("tied_share"),
        (pl.col("valuation_usd") / pl.col("first_valuation_usd")).alias("valuation_multiple"),
        (pl.col("recipient") == focus).alias("is_focus"),
    ).rename({"recipient": "lab"}).select(
        "lab", "is_focus", "deals", "amount_usd", "tied_usd", "tied_share", "largest_backer", "largest_backer_usd",
        "first_valuation_usd", "valuation_usd", "valuation_date", "valuation_multiple", "committed_to_spend_usd",
        "source_ids")


@traced
def peer_rows(focus: str, *, since: dt.date | str = SINCE, peers: int = PEERS,
              counting: Counting | None = None) -> pl.DataFrame:
    """The pieces of money `counting` counts for the labs in `lab_comparison`, dated on or after `since` (for charts:
    `amount_usd` is each piece's current amount and every row is countable).

    Returns
    -------
    polars.DataFrame
        One row per counted piece of money received by those labs; columns: as `received_pieces`: the funding columns
        (as `datasets.load('funding_events')`), with amount_usd the piece's current amount, then flow_of (the event_id
        of the top deal it belongs to) and piece ('deal', 'part' or 'rest').
    """
    counting = counting or Counting()
    labs = lab_comparison(focus, since=since, peers=peers, counting=counting)["lab"]
    return received_pieces(since=since).filter(counting.mask(), pl.col("recipient").is_in(labs.implode()))


def _date(value: dt.date | str) -> dt.date:
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


def _sources_of_group() -> pl.Expr:
    """The distinct sources of a group's rows, sorted: what an aggregated row cites."""
    return pl.col("source_ids").explode().drop_nulls().unique().sort().alias("source_ids")


def _disclosed_sum() -> pl.Expr:
    """Sum of the disclosed amounts: null when none is disclosed (unknown, not zero)."""
    return pl.when(pl.col("amount_usd").count() > 0).then(pl.col("amount_usd").sum())


#: What the status chart and table of one lab show: every piece of new money still standing, in any form.
STANDING = Counting(statuses=("paid", "committed", "conditional", "announced", "reduced"),
                    assets=tuple(a for a in ASSET_LABELS if a not in NOT_NEW_MONEY))


@traced
def status_pieces(focus: str, *, include_below_bar: bool = False) -> pl.DataFrame:
    """The pieces of new money `focus` received that still stand (any asset, every status short of cancelled or
    superseded): what `charts.received_by_status` stacks. Its caption: `STANDING.caption()`.

    Returns
    -------
    polars.DataFrame
        One row per standing piece of new money; columns: as `received_pieces`: the funding columns (as
        `datasets.load('funding_events')`), with amount_usd the piece's current amount, then flow_of (the event_id of
        the top deal it belongs to) and piece ('deal', 'part' or 'rest').
    """
    counting = Counting(STANDING.statuses, STANDING.assets, include_below_bar)
    return received_pieces(focus).filter(counting.mask())


def status_takeaway(focus: str) -> str:
    """One paragraph: how much of the new money promised to `focus` is paid, committed, conditional or only
    announced, and how much of it is not plain cash."""
    pieces = status_pieces(focus)
    if pieces.is_empty():
        return f"{funding_focus(focus)} has no new money in the record that meets the sourcing bar."
    by_status = dict(pieces.group_by(pl.col("current_status").cast(pl.String)).agg(pl.col("amount_usd").sum())
                     .iter_rows())
    total = sum(by_status.values())
    parts = [f"{format_usd(by_status[s])} {s}" for s in ("paid", "committed", "conditional", "announced", "reduced")
             if by_status.get(s)]
    not_cash = pieces.filter(pl.col("asset").cast(pl.String) != "cash")
    conditions = (pieces.filter(pl.col("current_status").cast(pl.String) == "conditional",
                                pl.col("amount_usd").is_not_null())
                  ["condition"].drop_nulls().str.split(";").list.first())
    text = (f"Take-away: of the {format_usd(total)} of new money promised to {funding_focus(focus)} "
            f"(rows that meet the sourcing bar), {', '.join(parts)}.")
    if not_cash.height:
        text += (f" {format_usd(not_cash['amount_usd'].sum())} of it is not plain cash "
                 f"({', '.join(sorted(set(not_cash['asset'].cast(pl.String))))}).")
    if conditions.len():
        text += f" Conditional money depends on: {'; '.join(conditions.unique(maintain_order=True).to_list())}."
    return text


def comparison_takeaway(comparison: pl.DataFrame, focus: str, since: dt.date | str,
                        counting: Counting | None = None) -> str:
    """The focus against its peers, in words, from a `lab_comparison` table."""
    counting = counting or Counting()
    me = comparison.filter(pl.col("is_focus")).row(0, named=True)
    rank = comparison.sort("amount_usd", descending=True, nulls_last=True)["lab"].to_list().index(me["lab"]) + 1
    lines = [f"Take-away: since {since}, {me['lab']} counted {format_usd(me['amount_usd'])} in {me['deals'] or 0} "
             f"piece(s) of money, rank {rank} of the {comparison.height} labs compared; "
             f"{format_usd(me['tied_usd'])} of it ({(me['tied_share'] or 0):.0%}) is tied to the investor's cloud or "
             f"compute. {counting.caption()}"]
    if me["valuation_usd"] is not None:
        lines.append(f"Its latest reported valuation is {format_usd(me['valuation_usd'])} ({me['valuation_date']}), "
                     f"{me['valuation_multiple']:.1f}× the first one recorded since {since} "
                     f"({format_usd(me['first_valuation_usd'])}).")
    if me["committed_to_spend_usd"] and me["amount_usd"]:
        lines.append(f"Money flows back: {me['lab']} committed {format_usd(me['committed_to_spend_usd'])} to buying "
                     f"compute since {since}, {me['committed_to_spend_usd'] / me['amount_usd']:.1f}× the money counted "
                     "here.")
    lines += [f"  {row['lab']}: {format_usd(row['amount_usd'])} counted, {(row['tied_share'] or 0):.0%} tied, latest "
              f"valuation {format_usd(row['valuation_usd'])}"
              for row in comparison.filter(~pl.col("is_focus")).iter_rows(named=True)]
    return "\n".join(lines)
