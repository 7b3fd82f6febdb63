"""The deal ledger: for each investor and lab, the money that went in against the compute the lab committed to buy
back from the same investor (Microsoft -> OpenAI -> Azure, Amazon -> Anthropic -> AWS, ...).

Money in is every piece of new money still standing (announced, committed, conditional, paid or reduced; no
secondary sales or share swaps), split by status and asset, so a pledge is never read as a payment. Money back
is the lab's compute commitments to the investor's own cloud or chips: a supplier counts as its parent
company (Azure as Microsoft, Google Cloud as Google). `net_usd` is money in less money committed back;
`back_ratio` is money committed back per dollar in (above 1: the lab promised to spend more with the investor
than the investor put in). Compute bought from a supplier that invested nothing shows too, with no money in.
"""

from __future__ import annotations

import polars as pl

from workbench import datasets
from workbench.datasets.money import NOT_NEW_MONEY, flows
from workbench.lineage import traced

__all__ = ["IN", "BACK", "IN_STATUSES", "ledger", "ledger_flows", "left_out", "takeaway", "usd_text"]

IN, BACK = "money in", "committed back"
IN_STATUSES = ("paid", "committed", "conditional", "announced")
_STANDING = ("announced", "committed", "conditional", "paid", "reduced")
_FLOW_COLUMNS = ("direction", "investor", "lab", "year", "status", "asset", "amount_usd", "compute_link",
                 "event_id", "deal", "date", "meets_bar", "source_ids")


_FLOWS: dict[tuple[str, bool], pl.DataFrame] = {}  # keyed on the data version: an edited overlay shows up


@traced
def ledger_flows(*, include_below_bar: bool = False) -> pl.DataFrame:
    """One row per piece of money between an investor group and a lab: `direction` money in (investor to lab) or
    committed back (the lab's compute commitment to the investor group's cloud or chips), with year, status now,
    asset, amount, the deal and its sources. Cancelled and superseded money, secondary sales and share swaps
    are left out, and so are pieces below the sourcing bar unless `include_below_bar` (see `left_out`).

    Returns
    -------
    polars.DataFrame
        One row per piece of money, by investor, lab, date and event_id; columns: direction (`IN` or `BACK`), investor
        (the investor group; for money back, the supplier's parent), lab, year, status (now), asset, amount_usd,
        compute_link, event_id, deal, date, meets_bar, source_ids.
    """
    version = datasets.data_version()
    if any(cached != version for cached, _ in _FLOWS):
        _FLOWS.clear()
    key = (version, include_below_bar)
    if key not in _FLOWS:
        _FLOWS[key] = _ledger_flows(include_below_bar)
    return _FLOWS[key]


def _ledger_flows(include_below_bar: bool) -> pl.DataFrame:
    labs = datasets.load("entities").filter(pl.col("kind") == "lab")["name"].implode()
    pieces = flows(datasets.load("funding_events")).filter(
        pl.col("current_status").cast(pl.String).is_in(_STANDING),
        ~pl.col("asset").cast(pl.String).is_in(NOT_NEW_MONEY))
    money_in = (pieces.filter(pl.col("instrument") != "compute_commitment", pl.col("recipient").is_in(labs))
                .with_columns(pl.lit(IN).alias("direction"), pl.col("recipient").alias("lab")))
    back = (pieces.filter(pl.col("instrument") == "compute_commitment", pl.col("investor").is_in(labs))
            .with_columns(pl.lit(BACK).alias("direction"), pl.col("investor").alias("lab"),
                          pl.col("recipient").replace(_supplier_groups()).alias("investor")))
    rows = pl.concat([money_in, back], how="vertical_relaxed")
    if not include_below_bar:
        rows = rows.filter(pl.col("meets_bar"))
    return (rows
            .with_columns(pl.col("date").dt.year().alias("year"),
                          pl.col("current_status").cast(pl.String).alias("status"),
                          pl.col("asset").cast(pl.String))
            .select(_FLOW_COLUMNS).sort("investor", "lab", "date", "event_id"))


@traced
def ledger(*, by_year: bool = False, lab: str | None = None, include_below_bar: bool = False) -> pl.DataFrame:
    """For each investor group and lab (and year, with `by_year`): money in by status, its assets, the money
    committed back, the net and the ratio, whether the money goes round (`circular`), and the sources.

    Columns: investor, lab[, year], in_usd (all standing money in), paid_usd, committed_usd, conditional_usd,
    announced_usd, in_assets (asset and amount), tied_in_usd (money in tied to the investor's cloud or chips),
    back_usd, back_assets, net_usd, back_ratio, circular, undisclosed (pieces with no amount), first, last,
    event_ids, source_ids. Sorted by the larger of money in and back, biggest first.

    Returns
    -------
    polars.DataFrame
        One row per investor group and lab (and year with `by_year`); columns: investor, lab, year (with `by_year`
        only), in_usd, paid_usd, committed_usd, conditional_usd, announced_usd, in_assets, tied_in_usd, back_usd,
        back_assets, net_usd, back_ratio, circular, undisclosed, first, last, event_ids, source_ids (described above).
    """
    rows = ledger_flows(include_below_bar=include_below_bar)
    rows = rows if lab is None else rows.filter(pl.col("lab") == lab)
    keys = ["investor", "lab", *(["year"] if by_year else [])]
    money_in, back = pl.col("direction") == IN, pl.col("direction") == BACK
    amount = pl.col("amount_usd").fill_null(0)
    table = rows.group_by(keys).agg(
        amount.filter(money_in).sum().alias("in_usd"),
        *[amount.filter(money_in & (pl.col("status") == s)).sum().alias(f"{s}_usd") for s in IN_STATUSES],
        amount.filter(money_in & pl.col("compute_link").fill_null(False)).sum().alias("tied_in_usd"),
        amount.filter(back).sum().alias("back_usd"),
        pl.col("amount_usd").is_null().sum().alias("undisclosed"),
        pl.col("date").min().alias("first"), pl.col("date").max().alias("last"),
        pl.col("event_id").unique().sort().alias("event_ids"),
        pl.col("source_ids").list.explode(keep_nulls=False, empty_as_null=False).unique().sort().alias("source_ids"),
    )
    assets = (rows.group_by(*keys, "direction", "asset").agg(amount.sum())
              .sort("amount_usd", "asset", descending=[True, False])
              .with_columns(pl.concat_str("asset", pl.lit(" "), usd_text("amount_usd")).alias("text"))
              .group_by(*keys, "direction", maintain_order=True).agg(pl.col("text").str.join("; ")))
    for direction, column in ((IN, "in_assets"), (BACK, "back_assets")):
        table = table.join(assets.filter(pl.col("direction") == direction).drop("direction").rename({"text": column}),
                           on=keys, how="left")
    return (table.with_columns(
        (pl.col("in_usd") - pl.col("back_usd")).alias("net_usd"),
        pl.when(pl.col("in_usd") > 0).then(pl.col("back_usd") / pl.col("in_usd")).alias("back_ratio"),
        ((pl.col("in_usd") > 0) & (pl.col("back_usd") > 0)).alias("circular"))
        .select(*keys, "in_usd", *[f"{s}_usd" for s in IN_STATUSES], "in_assets", "tied_in_usd", "back_usd",
                "back_assets", "net_usd", "back_ratio", "circular", "undisclosed", "first", "last", "event_ids",
                "source_ids")
        .sort(pl.max_horizontal("in_usd", "back_usd"), *keys, descending=[True, *[False] * len(keys)]))


def left_out(lab: str | None = None) -> str:
    """What the default ledger leaves out as below the sourcing bar (money in and back), in words."""
    from workbench.views.funding import format_usd

    every = ledger_flows(include_below_bar=True).filter(~pl.col("meets_bar"))
    every = every if lab is None else every.filter(pl.col("lab") == lab)
    if every.is_empty():
        return "Every piece of money in the ledger meets the sourcing bar."
    parts = [f"{format_usd(rows['amount_usd'].sum())} {direction} ({rows.height} piece(s))"
             for (direction,), rows in every.group_by("direction", maintain_order=True)]
    return ("Left out as below the sourcing bar: " + ", ".join(parts)
            + "; ledger(include_below_bar=True) counts them (their reasons: bar_reason in funding_events).")


def usd_text(column: str) -> pl.Expr:
    """$1.0B, $650.0M, $1.2T as an expression (format_usd for a whole column); '(undisclosed)' for 0."""
    value = pl.col(column)
    scaled = [(1e12, "T"), (1e9, "B"), (1e6, "M")]
    text = pl.lit("(undisclosed)")
    for size, suffix in reversed(scaled):
        text = pl.when(value.abs() >= size).then(
            pl.concat_str(pl.lit("$"), (value / size).round(1).cast(pl.String), pl.lit(suffix))).otherwise(text)
    return pl.when((value > 0) & (value < 1e6)).then(
        pl.concat_str(pl.lit("$"), value.round(0).cast(pl.Int64).cast(pl.String))).otherwise(text)


def _supplier_groups() -> dict[str, str]:
    """Cloud platforms and products named as their parent company, so money back meets the money in."""
    entities = datasets.load("entities").filter(pl.col("kind").cast(pl.String).is_in(["cloud_provider", "product"]),
                                                pl.col("parent").is_not_null())
    return dict(entities.select("name", "parent").iter_rows())


def takeaway(table: pl.DataFrame, lab: str) -> str:
    """The money that goes round for `lab`, in words, from the pair-level `ledger()` table."""
    from workbench.views.funding import format_usd

    mine = table.filter(pl.col("lab") == lab)
    loops = mine.filter(pl.col("circular"))
    if mine.is_empty():
        return f"{lab} has no money in or compute commitments in the ledger."
    back = mine["back_usd"].sum()
    lines = [f"Take-away: {lab} took {format_usd(mine['in_usd'].sum())} of new money from "
             f"{mine.filter(pl.col('in_usd') > 0).height} investor(s) (every status, see the columns) and committed "
             f"{format_usd(back)} to buying compute from "
             f"{mine.filter(pl.col('back_usd') > 0).height} supplier(s)."]
    for row in loops.iter_rows(named=True):
        statuses = ", ".join(f"{format_usd(row[f'{s}_usd'])} {s}" for s in IN_STATUSES if row[f"{s}_usd"])
        lines.append(f"  {row['investor']} put in {format_usd(row['in_usd'])} ({statuses}; {row['in_assets']}) and "
                     f"{lab} committed {format_usd(row['back_usd'])} back to {row['investor']}'s cloud or chips: "
                     f"{row['back_ratio']:.1f}× what came in.")
    if loops.is_empty():
        lines.append(f"  None of {lab}'s investors is also one of its compute suppliers in the record.")
    return "\n".join(lines)
