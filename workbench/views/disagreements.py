"""Where sources disagree: one quantity (Musk's donations, Microsoft's stake, a round's valuation), every figure
reported for it, side by side, with the basis each was measured on and the value the record uses.

Figures on different bases (pre- and post-money, cash and credits, as-converted and diluted) are not
contradictions; the `basis` column says which is which, so a reader compares like with like.
"""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl

from workbench import datasets
from workbench.lineage import traced

__all__ = ["FIGURE_COLUMNS", "figures", "side_by_side", "format_value"]

FIGURE_COLUMNS = ("quantity_id", "quantity", "subject", "reported_by", "value", "value_low", "value_high", "unit",
                  "basis", "date_reported", "used_by_record", "record_row", "why", "confidence", "source_ids")


@traced
def figures(about: str | Iterable[str] | None = None) -> pl.DataFrame:
    """Every reported figure (reported_figures), or those whose subject names `about` (a name or several), by
    quantity and date reported; `shown` is the value in words ($45.0M, 27.0%).

    Returns
    -------
    polars.DataFrame
        One row per reported figure, by quantity_id, date_reported and reported_by; columns: quantity_id, quantity,
        subject, reported_by, value, value_low, value_high, unit, basis, date_reported, used_by_record (the figure the
        record uses), record_row, why, confidence, source_ids (`FIGURE_COLUMNS`), then shown (the value in words).
    """
    rows = datasets.load("reported_figures")
    if about is not None:
        names = [about] if isinstance(about, str) else list(about)
        rows = rows.filter(pl.any_horizontal([pl.col("subject").str.contains(name, literal=True) for name in names]))
    return (rows.select(FIGURE_COLUMNS).with_columns(format_value().alias("shown"))
            .sort("quantity_id", "date_reported", "reported_by"))


@traced
def side_by_side(about: str | Iterable[str] | None = None) -> pl.DataFrame:
    """One row per quantity: how many sources, the figures in words with their basis and who reported them (oldest
    first), the lowest and highest value, their ratio, and the value the record uses with the reason.

    Returns
    -------
    polars.DataFrame
        One row per quantity, by quantity_id; columns: quantity_id, quantity, unit, figures (how many), sources
        (distinct sources), reported (each figure in words with its basis, reporter and year, joined by '; '), lowest,
        highest, spread (highest over lowest; null when lowest is not positive), record_uses (the record's figure in
        words) and why (the reason; both null when the record uses none).
    """
    rows = figures(about)
    described = pl.format("{} ({}, {} {})", "shown", pl.col("basis").str.replace_all("_", " "), "reported_by",
                          pl.col("date_reported").dt.year())
    used = rows.filter(pl.col("used_by_record")).group_by("quantity_id", maintain_order=True).agg(
        pl.col("shown").first().alias("record_uses"), pl.col("why").first().alias("why"))
    table = (rows.group_by("quantity_id", "quantity", "unit", maintain_order=True)
             .agg(pl.len().alias("figures"), pl.col("source_ids").list.explode().n_unique().alias("sources"),
                  described.str.join("; ").alias("reported"),
                  pl.col("value").min().alias("lowest"), pl.col("value").max().alias("highest"))
             .with_columns(pl.when(pl.col("lowest") > 0).then(pl.col("highest") / pl.col("lowest")).alias("spread")))
    return table.join(used, on="quantity_id", how="left").sort("quantity_id")


def format_value() -> pl.Expr:
    """The figure in words: $45.0M, €11.7B, 27.0% (with 'up to' or 'at least' where the source gave a bound)."""
    value = pl.col("value")
    symbol = pl.col("unit").cast(pl.String).replace_strict({"usd": "$", "eur": "€", "gbp": "£", "percent": ""},
                                                            default="")
    scaled = (pl.when(value >= 1e12).then(pl.format("{}{}T", symbol, (value / 1e12).round(2)))
              .when(value >= 1e9).then(pl.format("{}{}B", symbol, (value / 1e9).round(2)))
              .when(value >= 1e6).then(pl.format("{}{}M", symbol, (value / 1e6).round(1)))
              .otherwise(pl.format("{}{}", symbol, value.round(0))))
    amount = (pl.when(pl.col("unit").cast(pl.String) == "percent").then(pl.format("{}%", value.round(1)))
              .otherwise(scaled))
    bound = (pl.when(pl.col("value_high").is_not_null() & pl.col("value_low").is_null()
                     & (pl.col("value_high") == value)).then(pl.lit("up to "))
             .when(pl.col("value_low").is_not_null() & pl.col("value_high").is_null()
                   & (pl.col("value_low") == value)).then(pl.lit("at least "))
             .otherwise(pl.lit("")))
    return pl.concat_str(bound, amount)
