"""The money views behind notebook 02-funding, on the shipped record (OpenAI and Anthropic)."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from workbench import datasets
from workbench.attribution import attribute
from workbench.datasets.money import ASSET_LABELS, STATUSES, Counting, flows
from workbench.errors import UsageError
from workbench.views import funding


def test_openai_deals_hold_the_2019_microsoft_billion_with_its_status_and_asset() -> None:
    deals = funding.focus_deals("OpenAI")
    msft = deals.filter(pl.col("event_id") == "msft-openai-2019-07").row(0, named=True)
    assert (msft["date"], msft["investor"], msft["amount_usd"], msft["direction"]) == (
        dt.date(2019, 7, 22), "Microsoft", 1e9, funding.RECEIVED)
    assert msft["compute_link"] is True and msft["asset"] == "mixed" and "credits" in msft["asset_detail"]
    spend = deals.filter(pl.col("direction") == funding.SPEND)
    assert set(spend["recipient"]) >= {"Azure", "Oracle Cloud Infrastructure", "Amazon Web Services"}
    assert (spend["investor"] == "OpenAI").all() and (spend["asset"] == "compute_purchase").all()
    assert deals["date"].is_sorted()


def test_backers_count_only_what_the_counting_names_and_show_the_rest_apart() -> None:
    counting = Counting()
    table = funding.backers("OpenAI", counting)
    pieces = funding.received_pieces("OpenAI")
    counted = pieces.filter(counting.mask())
    assert table["amount_usd"].sum() == pytest.approx(counted["amount_usd"].sum())
    # Microsoft's money is mixed cash and credits (2019, 2023) or of undisclosed form: none of it is plain cash
    msft = table.filter(pl.col("investor") == "Microsoft").row(0, named=True)
    assert msft["amount_usd"] is None and msft["other_usd"] >= 13e9
    # Nvidia's $100B letter of intent was superseded: it is no one's money any more
    assert table.filter(pl.col("investor") == "Nvidia")["other_usd"].sum() < 100e9


def test_money_by_status_keeps_paid_committed_conditional_and_announced_apart() -> None:
    for focus in ("OpenAI", "Anthropic"):
        table = funding.money_by_status(focus, include_below_bar=True)
        statuses = set(table["status"].cast(pl.String))
        assert {"paid", "committed", "conditional"} <= statuses, focus
        assert table.select(pl.struct("status", "asset").is_unique().all()).item()
        default = table.filter(pl.col("in_default_total"))
        assert (set(default["status"].cast(pl.String)) <= {"paid", "committed"}
                and set(default["asset"].cast(pl.String)) == {"cash"})


def test_the_2025_softbank_round_shows_its_tranches_paid_and_the_rest_of_the_round() -> None:
    pieces = flows(datasets.load("funding_events")).filter(pl.col("flow_of") == "openai-2025-03-round")
    softbank = pieces.filter(pl.col("investor") == "SoftBank")
    assert softbank["amount_usd"].sum() == pytest.approx(30e9) and (softbank["current_status"] == "paid").all()
    rest = pieces.filter(pl.col("piece") == "rest").row(0, named=True)
    assert rest["investor"] == "Multiple investors" and rest["amount_usd"] == pytest.approx(11e9)  # $41B in all
    then = flows(datasets.load("funding_events", as_of="2025-06-30")).filter(
        pl.col("flow_of") == "openai-2025-03-round")
    assert then.filter(pl.col("event_id") == "softbank-openai-2025-04")["current_status"].item() == "paid"
    assert set(then.filter(pl.col("piece") == "rest")["current_status"].cast(pl.String)) == {"conditional"}


def test_left_out_names_every_kind_of_money_a_total_skips() -> None:
    note = funding.left_out("OpenAI")
    assert note.startswith("Left out of this total:")
    assert "superseded cash: $100.0B" in note and "conditional cash" in note and "mixed" in note
    assert funding.left_out("OpenAI", Counting.everything(include_below_bar=True)).count(";") < note.count(";")


def test_lab_comparison_for_anthropic_counts_its_pieces_and_names_the_focus() -> None:
    table = funding.lab_comparison("Anthropic", since="2019-01-01", peers=3)
    assert table["lab"].to_list()[0] == "Anthropic" and table.height == 4
    assert table.filter(pl.col("is_focus"))["lab"].to_list() == ["Anthropic"]
    me = table.row(0, named=True)
    expected = funding.received_pieces("Anthropic", since="2019-01-01").filter(Counting().mask())
    assert me["amount_usd"] == pytest.approx(expected["amount_usd"].sum())
    assert me["tied_usd"] == pytest.approx(expected.filter(pl.col("compute_link"))["amount_usd"].sum())
    assert me["largest_backer"] != funding.POOLED
    assert "OpenAI" in table["lab"].to_list()


def test_since_drops_earlier_money() -> None:
    everything = Counting.everything(include_below_bar=True)
    before = funding.lab_comparison("OpenAI", since="2015-01-01", counting=everything).row(0, named=True)["amount_usd"]
    after = funding.lab_comparison("OpenAI", since="2019-01-01", counting=everything).row(0, named=True)["amount_usd"]
    early = funding.received_pieces("OpenAI").filter(everything.mask(), pl.col("date") < dt.date(2019, 1, 1))
    assert before - after == pytest.approx(early["amount_usd"].sum()) and early.height > 0


def test_takeaways_say_what_they_count() -> None:
    text = funding.status_takeaway("OpenAI")
    assert "paid" in text and "conditional" in text and "not plain cash" in text
    comparison = funding.lab_comparison("OpenAI")
    assert Counting().caption() in funding.comparison_takeaway(comparison, "OpenAI", funding.SINCE)


def test_aliases_resolve_and_unknown_names_say_the_nearest() -> None:
    assert funding.funding_focus("openai lp") == "OpenAI"
    with pytest.raises(UsageError) as raised:
        funding.focus_deals("Antropic")
    assert "'Anthropic'" in str(raised.value) and "--param focus=Anthropic" in str(raised.value)


def test_format_usd() -> None:
    assert [funding.format_usd(v) for v in (1e9, 6.5e8, 1.2e12, None)] == ["$1.0B", "$650.0M", "$1.2T", "undisclosed"]


def test_aggregates_cite_the_sources_of_the_rows_they_add_up() -> None:
    pieces = funding.received_pieces("OpenAI")
    by_status = funding.money_by_status("OpenAI")
    counted = pieces.filter(Counting(statuses=STATUSES, assets=tuple(ASSET_LABELS)).mask())
    assert set(by_status["source_ids"].explode()) == set(counted["source_ids"].explode())
    assert set(attribute(by_status)["licences"]) == {"CC-BY-4.0"}
    comparison = funding.lab_comparison("OpenAI")
    rows = funding.peer_rows("OpenAI")
    assert set(rows["source_ids"].explode()) <= set(comparison["source_ids"].explode())
