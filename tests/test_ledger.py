"""The deal ledger (views.ledger) and its flow diagram (charts.deal_flows)."""

from __future__ import annotations

import altair as alt
import polars as pl
import pytest

from workbench import charts
from workbench.views import ledger


def test_microsoft_openai_goes_round_through_azure() -> None:
    table = ledger.ledger()
    pair = table.filter(pl.col("investor") == "Microsoft", pl.col("lab") == "OpenAI").row(0, named=True)
    assert pair["circular"] and pair["back_usd"] >= 250e9  # OpenAI's Azure commitment, Azure counted as Microsoft
    assert pair["in_usd"] == pytest.approx(sum(pair[f"{s}_usd"] for s in ledger.IN_STATUSES))
    assert pair["net_usd"] == pytest.approx(pair["in_usd"] - pair["back_usd"])
    assert pair["back_ratio"] == pytest.approx(pair["back_usd"] / pair["in_usd"])
    assert "mixed" in pair["in_assets"] and "compute_purchase" in pair["back_assets"]
    assert "msft-openai-2019-07" in pair["event_ids"] and pair["source_ids"]


def test_amazon_anthropic_shows_conditional_money_apart_from_paid() -> None:
    # the conditional USD 20B of April 2026 (Anthropic's own post) counts apart from the money paid
    pair = ledger.ledger().filter(pl.col("investor") == "Amazon", pl.col("lab") == "Anthropic").row(0, named=True)
    assert pair["conditional_usd"] >= 20e9 and pair["paid_usd"] > 0 and pair["circular"]
    every = ledger.ledger(include_below_bar=True)
    wider = every.filter(pl.col("investor") == "Amazon", pl.col("lab") == "Anthropic").row(0, named=True)
    assert wider["paid_usd"] >= pair["paid_usd"] and wider["conditional_usd"] >= pair["conditional_usd"]


def test_years_partition_the_pairs() -> None:
    pairs, years = ledger.ledger(include_below_bar=True), ledger.ledger(by_year=True, include_below_bar=True)
    summed = years.group_by("investor", "lab").agg(pl.col("in_usd", "back_usd").sum())
    joined = pairs.join(summed, on=["investor", "lab"])
    assert joined.height == pairs.height
    assert ((joined["in_usd"] - joined["in_usd_right"]).abs().max() < 1
            and (joined["back_usd"] - joined["back_usd_right"]).abs().max() < 1)


def test_below_bar_money_is_left_out_and_said() -> None:
    every, default = ledger.ledger_flows(include_below_bar=True), ledger.ledger_flows()
    assert default.height < every.height and default["meets_bar"].all()
    assert ledger.left_out().startswith("Left out as below the sourcing bar:")
    assert "Microsoft put in" in ledger.takeaway(ledger.ledger(), "OpenAI")


def test_the_flow_diagram_puts_an_organisation_on_both_sides_on_one_row() -> None:
    chart = charts.deal_flows(ledger.ledger(), top=12)
    with alt.theme.enable(charts.THEME):
        spec = chart.to_dict()
    edges = next(pl.DataFrame(values) for values in spec["datasets"].values() if "kind" in values[0])
    assert set(edges["kind"]) <= set(charts.money.FLOW_KINDS)
    both = edges.filter(pl.col("kind") == "committed back (compute)", pl.col("target") == "Microsoft")
    left = edges.filter(pl.col("source") == "Microsoft", pl.col("kind").str.starts_with("in"))
    assert both.height and left.height and both["y2"][0] == left["y"][0]  # same row left and right
    assert "smaller pair(s) not drawn" in " ".join(spec["title"]["subtitle"])


def test_an_empty_ledger_draws_a_placeholder() -> None:
    chart = charts.deal_flows(ledger.ledger().head(0))
    assert "Nothing to draw" in str(chart.to_dict())
