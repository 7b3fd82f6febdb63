"""The money views behind notebook 02-funding, on the shipped record (OpenAI and Anthropic)."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from workbench import datasets
from workbench.errors import UsageError
from workbench.views import funding


def test_openai_deals_hold_the_2019_microsoft_billion_and_its_compute_commitments() -> None:
    deals = funding.focus_deals("OpenAI")
    msft = deals.filter(pl.col("event_id") == "msft-openai-2019-07").row(0, named=True)
    assert (msft["date"], msft["investor"], msft["amount_usd"], msft["direction"]) == (
        dt.date(2019, 7, 22), "Microsoft", 1e9, funding.RECEIVED)
    assert msft["compute_link"] is True
    spend = deals.filter(pl.col("direction") == funding.SPEND)
    assert set(spend["recipient"]) >= {"Azure", "Oracle Cloud Infrastructure", "Amazon Web Services"}
    assert (spend["investor"] == "OpenAI").all()
    assert deals["date"].is_sorted()


def test_backers_sum_countable_rows_only() -> None:
    msft = funding.backers("OpenAI", include_below_bar=True).filter(pl.col("investor") == "Microsoft").row(0, named=True)
    # 2019 $1B + 2021 $2B + 2023 $10B; the 2024 and 2025 round participations are parts (not countable)
    assert msft["amount_usd"] == pytest.approx(13e9)
    assert msft["tied_usd"] == pytest.approx(13e9)
    assert msft["deals"] == 4 and msft["undisclosed"] == 1
    rows = datasets.load("funding_events").filter(pl.col("recipient") == "OpenAI")
    everything = rows["amount_usd"].sum()
    assert funding.backers("OpenAI", include_below_bar=True)["amount_usd"].sum() == pytest.approx(
        rows.filter(pl.col("countable"))["amount_usd"].sum())
    assert funding.backers("OpenAI", include_below_bar=True)["amount_usd"].sum() < everything


def test_totals_leave_out_rows_below_the_sourcing_bar_by_default_and_say_so() -> None:
    rows = datasets.load("funding_events").filter(pl.col("recipient") == "OpenAI", pl.col("countable"))
    below = rows.filter(~pl.col("meets_bar"))
    assert not below.is_empty()
    assert funding.backers("OpenAI")["amount_usd"].sum() == pytest.approx(rows.filter(pl.col("meets_bar"))["amount_usd"].sum())
    note = funding.below_bar_note("OpenAI")
    assert note.startswith(f"{below.height} countable row(s) below the sourcing bar") and "include_below_bar=True" in note
    assert funding.format_usd(below["amount_usd"].sum()) in note


def test_lab_comparison_for_anthropic_counts_tied_money_and_names_the_focus() -> None:
    table = funding.lab_comparison("Anthropic", since="2019-01-01", peers=3)
    assert table["lab"].to_list()[0] == "Anthropic" and table.height == 4
    assert table.filter(pl.col("is_focus"))["lab"].to_list() == ["Anthropic"]
    me = table.row(0, named=True)
    expected = datasets.load("funding_events").filter(
        pl.col("recipient") == "Anthropic", pl.col("countable"), pl.col("meets_bar"),
        pl.col("instrument") != "compute_commitment")
    assert me["amount_usd"] == pytest.approx(expected["amount_usd"].sum())
    assert me["tied_usd"] == pytest.approx(expected.filter(pl.col("compute_link"))["amount_usd"].sum())
    assert me["tied_share"] == pytest.approx(me["tied_usd"] / me["amount_usd"])
    assert me["largest_backer"] != funding.POOLED
    assert "OpenAI" in table["lab"].to_list()


def test_since_drops_earlier_money() -> None:
    before = funding.lab_comparison("OpenAI", since="2015-01-01", include_below_bar=True).row(0, named=True)["amount_usd"]
    after = funding.lab_comparison("OpenAI", since="2019-01-01", include_below_bar=True).row(0, named=True)["amount_usd"]
    assert before - after == pytest.approx(133.2e6)  # the 2015-2021 donations total, dated 2015


def test_partnerships_start_with_microsoft_openai_and_include_amazon_anthropic() -> None:
    table = funding.partnerships("Anthropic", include_below_bar=True)
    first = table.row(0, named=True)
    assert (first["investor"], first["recipient"], first["first"]) == ("Microsoft", "OpenAI", dt.date(2019, 7, 22))
    amazon = table.filter(pl.col("investor") == "Amazon", pl.col("recipient") == "Anthropic").row(0, named=True)
    expected = datasets.load("funding_events").filter(pl.col("investor") == "Amazon", pl.col("recipient") == "Anthropic",
                                                      pl.col("countable"))
    assert amazon["amount_usd"] == pytest.approx(expected["amount_usd"].sum()) and amazon["is_focus"]
    assert amazon["amount_usd"] >= 8e9  # 2023 $1.25B + 2024 $2.75B + 2024 $4B, and what came after
    assert not table.filter(pl.col("recipient") == "OpenAI")["is_focus"].any()
    rows = funding.partnership_rows("Anthropic")
    assert rows["countable"].all() and (rows["instrument"] != "compute_commitment").all()


def test_aliases_resolve_and_unknown_names_say_the_nearest() -> None:
    assert funding.funding_focus("openai lp") == "OpenAI"
    with pytest.raises(UsageError) as raised:
        funding.focus_deals("Antropic")
    assert "'Anthropic'" in str(raised.value) and "--param focus=Anthropic" in str(raised.value)


def test_flat_and_format() -> None:
    frame = funding.flat(pl.DataFrame({"source_ids": [["a", "b"]], "n": [1]}))
    assert frame.schema["source_ids"] == pl.String and frame["source_ids"][0] == "a; b"
    assert [funding.format_usd(v) for v in (1e9, 6.5e8, 1.2e12, None)] == ["$1.0B", "$650.0M", "$1.2T", "undisclosed"]


def test_cite_names_the_sources_of_the_rows() -> None:
    deals = funding.focus_deals("OpenAI").filter(pl.col("event_id") == "msft-openai-2019-07")
    meta = funding.cite(deals, ["funding_events"], title="t", description="d")
    assert {s["source_id"] for s in meta["sources"]} == set(deals["source_ids"].explode())
    assert meta["licences"] and meta["derived_from"][0]["dataset"] == "funding_events"
