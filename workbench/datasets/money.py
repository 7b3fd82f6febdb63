"""Money as it moves: what each funding row's money is (asset), how far it got (status), and on which date.

A pledge is not a payment, and Azure credits are not cash. So every funding row states the `asset` the giver
hands over and the `status` the money had when first reported; later changes (a conditional tranche paid, a
letter of intent that lapsed, a round reduced) are dated rows of `funding_status_changes`. The status of a row
on a date is the last change known by then, which is how `datasets.load("funding_events", as_of=...)` shows
status as it was.

Every total in the package counts through a `Counting`: which statuses and which assets it adds, and whether
rows below the sourcing bar count. `Counting()` (the default) is cash that is paid or committed, new money
only, from rows that meet the bar; `counting.caption()` says so in words for a chart or table.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import polars as pl

from workbench.errors import DatasetError

__all__ = [
    "ASSETS", "ASSET_LABELS", "DEFAULT_ASSETS", "DEFAULT_STATUSES", "NOT_NEW_MONEY", "PIECES", "REST_OF_ROUND",
    "STATUSES", "STATUS_LABELS", "Counting", "counted", "flows", "with_status",
]

#: How far money got. The first four describe money when reported; the last three only come as later changes.
STATUSES = ("announced", "committed", "conditional", "paid", "reduced", "cancelled", "superseded")
STATUS_LABELS = {
    "announced": "announced (intent, letter, 'up to')", "committed": "committed (binding)",
    "conditional": "conditional (on a stated event)", "paid": "paid", "reduced": "reduced",
    "cancelled": "cancelled", "superseded": "superseded by a later deal",
}
#: What the giver hands over. compute_purchase is the other direction: a lab buying compute from a provider.
ASSETS = ("cash", "cloud_credits", "compute_purchase", "chips_or_hardware", "warrants_or_equity", "debt",
          "secondary_sale", "stock_merger", "in_kind", "mixed", "undisclosed")
ASSET_LABELS = {
    "cash": "cash", "cloud_credits": "cloud credits", "compute_purchase": "compute bought from the provider",
    "chips_or_hardware": "chips or hardware", "warrants_or_equity": "warrants or equity in the investor",
    "debt": "debt", "secondary_sale": "secondary sale (no new money)", "stock_merger": "all-stock merger",
    "in_kind": "in kind", "mixed": "mixed (split not disclosed)", "undisclosed": "undisclosed",
}
#: Assets that bring no new money to the recipient: existing shares change hands, or shares are swapped.
NOT_NEW_MONEY = ("secondary_sale", "stock_merger")
DEFAULT_STATUSES = ("paid", "committed")
DEFAULT_ASSETS = ("cash",)


@dataclass(frozen=True)
class Counting:
    """Which money a total adds up: statuses, assets and whether rows below the sourcing bar count.

    The default counts cash that is paid or committed, from rows that meet the bar. Pass other statuses or
    assets to count them too; `caption()` always names what was counted, so no total mixes kinds silently.
    """

    statuses: tuple[str, ...] = DEFAULT_STATUSES
    assets: tuple[str, ...] = DEFAULT_ASSETS
    include_below_bar: bool = False

    def __post_init__(self) -> None:
        from workbench.errors import UsageError

        for name, given, valid in (("statuses", self.statuses, STATUSES), ("assets", self.assets, ASSETS)):
            if isinstance(given, str) or not given:
                raise UsageError(f"{name} must be a non-empty tuple of names.", fix=f"e.g. {name}={valid[:2]!r}",
                                 column=name, value=given)
            unknown = [value for value in given if value not in valid]
            if unknown:
                raise UsageError(f"{unknown[0]!r} is not one of the {name}.", fix=f"use any of {', '.join(valid)}",
                                 column=name, value=unknown[0])

    @classmethod
    def everything(cls, *, include_below_bar: bool = False) -> Counting:
        """Every status and asset that is money still standing (for breakdowns that show each kind apart)."""
        return cls(statuses=("announced", "committed", "conditional", "paid", "reduced"), assets=ASSETS,
                   include_below_bar=include_below_bar)

    def mask(self) -> pl.Expr:
        """True for the rows of funding_events (with `current_status`) this counting adds up."""
        rows = (pl.col("countable").fill_null(False) & pl.col("current_status").cast(pl.String).is_in(self.statuses)
                & pl.col("asset").cast(pl.String).is_in(self.assets))
        return rows if self.include_below_bar else rows & pl.col("meets_bar").fill_null(False)

    def caption(self) -> str:
        """What a total counts, in words: 'Counts cash, paid or committed, from rows that meet the sourcing bar.'"""
        if set(self.assets) == set(ASSETS):
            assets = "money in every form"
        elif set(self.assets) == set(ASSETS) - set(NOT_NEW_MONEY):
            assets = "new money in every form (no secondary sales or share swaps)"
        else:
            assets = _words(ASSET_LABELS[a] for a in self.assets)
        statuses = _words(self.statuses, last="or")
        bar = "every row, including those below the sourcing bar" if self.include_below_bar else \
            "rows that meet the sourcing bar"
        return f"Counts {assets}, {statuses}, from {bar}; one row per deal (no totals twice, no alternative accounts)."


def _words(items: Iterable[str], last: str = "and") -> str:
    items = list(items)
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} {last} {items[-1]}"


def with_status(funding: pl.DataFrame, changes: pl.DataFrame, as_of: date | None = None) -> pl.DataFrame:
    """`funding` with `current_status` and `current_amount_usd`: the last status change known by `as_of` (every
    change when None), else the status and amount as first reported. A change that gives no amount keeps the
    amount; a cancelled or superseded row keeps its amount too (the status says it no longer stands).

    Returns
    -------
    polars.DataFrame
        `funding` row for row; columns: its columns, with current_status (an Enum of `STATUSES`) and current_amount_usd
        replaced in place, or appended at the end when absent.
    """
    known = changes if as_of is None else changes.filter(pl.col("known_from") <= as_of)
    latest = (known.sort("date", "change_id").group_by("event_id", maintain_order=True)
              .agg(pl.col("status").last().alias("_status"),
                   pl.col("amount_usd").drop_nulls().last().alias("_amount")))
    order = [*funding.columns, *[c for c in ("current_status", "current_amount_usd") if c not in funding.columns]]
    joined = funding.drop("current_status", "current_amount_usd", strict=False).join(latest, on="event_id", how="left")
    return joined.with_columns(
        pl.coalesce(pl.col("_status").cast(pl.String), pl.col("status").cast(pl.String))
        .cast(pl.Enum(STATUSES)).alias("current_status"),
        pl.coalesce("_amount", "amount_usd").alias("current_amount_usd"),
    ).select(order)


PIECES = ("deal", "part", "rest")
REST_OF_ROUND = "Multiple investors"  # who holds the part of a round that no per-investor row accounts for
_MAX_DEPTH = 4  # a round, an investor's part, its tranches: deeper nesting is a data error caught here


def flows(funding: pl.DataFrame) -> pl.DataFrame:
    """One row per piece of money that may be summed without counting anything twice.

    A deal with no parts is one piece. A deal recorded as a total with parts (`part_of`: per-investor rows of a
    round, tranches of an investor's money) is replaced by its parts, each with its own status and asset, plus the
    rest (the total less the disclosed parts, with the total's status and asset), and so on down (a round, an
    investor's part, its tranches). The rest of a round with several investors is held by 'Multiple investors';
    the rest of one investor's tranched money stays that investor's. Alternative accounts of the same money are left
    out. Returns the funding columns, with `amount_usd` set to the piece's current amount, plus `flow_of` (the
    top deal's event_id) and `piece` (deal, part, rest).

    Returns
    -------
    polars.DataFrame
        One row per piece of money, by date, event_id and piece; columns: the funding columns (as
        `datasets.load('funding_events')`), with amount_usd the piece's current amount, then flow_of (the event_id of
        the top deal it belongs to) and piece ('deal', 'part' or 'rest'). current_amount_usd equals amount_usd; the rest
        of a round has investor 'Multiple investors'.
    """
    pieces = pl.Enum(PIECES)
    parts = funding.filter(pl.col("part_of").is_not_null() & pl.col("alternative_to").is_null())
    current = (funding.filter(pl.col("countable").fill_null(False))
               .with_columns(pl.col("event_id").alias("flow_of"), pl.lit("deal").cast(pieces).alias("piece")))
    done = []
    for _ in range(_MAX_DEPTH):
        children = parts.join(current.select(pl.col("event_id").alias("part_of"), "flow_of"), on="part_of", how="inner")
        if children.is_empty():
            break
        summed = children.group_by("part_of").agg(pl.col("current_amount_usd").sum().alias("_parts"),
                                                  pl.col("investor").n_unique().alias("_investors"),
                                                  pl.col("investor").first().alias("_investor"))
        split = current.join(summed, left_on="event_id", right_on="part_of", how="inner")
        done.append(current.join(summed.select(pl.col("part_of").alias("event_id")), on="event_id", how="anti"))
        same_investor = (pl.col("_investors") == 1) & (pl.col("_investor") == pl.col("investor"))
        done.append(split.with_columns((pl.col("current_amount_usd") - pl.col("_parts")).alias("current_amount_usd"))
                    .filter(pl.col("current_amount_usd") > 0)
                    .with_columns(pl.when(same_investor).then(pl.col("investor")).otherwise(pl.lit(REST_OF_ROUND))
                                  .alias("investor"), pl.lit("rest").cast(pieces).alias("piece"))
                    .drop("_parts", "_investors", "_investor"))
        current = children.with_columns(pl.lit("part").cast(pieces).alias("piece"), pl.lit(True).alias("countable"))
    else:
        raise DatasetError(f"funding rows nest deeper than {_MAX_DEPTH} levels through part_of.",
                           fix="point each tranche at its deal and each deal at its round, without cycles",
                           column="part_of")
    return (pl.concat([*done, current], how="vertical_relaxed")
            .with_columns(pl.col("current_amount_usd").alias("amount_usd"))
            .sort("date", "event_id", "piece"))


def counted(funding: pl.DataFrame, counting: Counting | None = None) -> pl.DataFrame:
    """The pieces of money (`flows`) that `counting` adds up (default: cash, paid or committed, meeting the bar).
    A piece `within` a programme that is counted too is left out: the programme's money already holds it.

    Returns
    -------
    polars.DataFrame
        One row per piece of money counted; columns: as `flows`: the funding columns (as
        `datasets.load('funding_events')`), with amount_usd the piece's current amount, then flow_of (the event_id of
        the top deal it belongs to) and piece ('deal', 'part' or 'rest').
    """
    pieces = flows(funding).filter((counting or Counting()).mask())
    programmes = pieces.select(pl.col("flow_of").alias("within")).unique()
    inside = pl.col("within").is_in(programmes["within"].implode()).fill_null(False) if "within" in pieces.columns \
        else pl.lit(False)
    return pieces.filter(~inside)
