"""Where sources disagree: reported_figures, side by side."""

from __future__ import annotations

import polars as pl

from workbench import datasets
from workbench.views import disagreements

NAMED_IN_THE_ISSUE = ("musk_donations_openai", "msft_openai_total_investment", "msft_openai_stake",
                      "msft_2019_credit_share", "softbank_openai_2025_round", "thrive_openai_2024_check",
                      "openai_2025_valuation")


def test_every_disputed_quantity_has_two_sources_or_more() -> None:
    table = disagreements.side_by_side()
    sources = dict(table.group_by("quantity_id").agg(pl.col("sources").sum()).iter_rows())
    for quantity in NAMED_IN_THE_ISSUE:
        assert sources.get(quantity, 0) >= 2, quantity


def test_valuations_keep_pre_and_post_money_apart() -> None:
    rows = disagreements.figures().filter(pl.col("quantity_id") == "openai_2025_valuation")
    assert {"pre_money", "post_money"} <= set(rows["basis"])
    assert rows.filter(pl.col("used_by_record"))["basis"].unique().to_list() == ["post_money"]


def test_the_value_the_record_uses_matches_the_record_row() -> None:
    figures = datasets.load("reported_figures").filter(pl.col("used_by_record"), pl.col("record_row").is_not_null())
    funding = datasets.load("funding_events")
    assert figures.height >= 5
    for row in figures.filter(pl.col("unit") == "usd").iter_rows(named=True):
        dataset, row_id = row["record_row"].split(":")
        assert dataset == "funding_events"
        record = funding.filter(pl.col("event_id") == row_id).row(0, named=True)
        candidates = [v for v in (record["amount_usd"], record["current_amount_usd"], record["amount_usd_high"],
                                  record["valuation_usd"]) if v]
        assert any(abs(row["value"] - v) <= 0.01 * v for v in candidates), row["figure_id"]
        assert row["why"]


def test_side_by_side_for_one_actor_and_values_in_words() -> None:
    musk = disagreements.side_by_side("Elon Musk")
    assert musk["quantity_id"].to_list() == ["musk_donations_openai"]
    assert "up to $45.0M" in musk["record_uses"][0] and musk["spread"][0] > 1
    stake = disagreements.figures("Microsoft").filter(pl.col("quantity_id") == "msft_openai_stake")
    assert set(stake["shown"]) >= {"27.0%", "49.0%"}
