"""Money by status and asset: status over time, pieces of money, and totals that never mix kinds unless asked."""

from __future__ import annotations

import polars as pl
import pytest

from workbench import datasets
from workbench.datasets import money
from workbench.errors import UsageError
from workbench.views import funding, ledger, profile

HEADER = ("event_id,date,date_precision,investor,recipient,amount_usd,amount_kind,instrument,status,condition,asset,"
          "asset_detail,deal,is_total,compute_link,source_ids,weak_support")


def primary_source() -> str:
    sources = datasets.load("sources", with_user=False)
    return sources.filter(pl.col("tier") == "primary")["source_id"][0]


def test_counting_refuses_unknown_kinds_and_says_what_it_counts() -> None:
    with pytest.raises(UsageError) as caught:
        money.Counting(statuses=("paid", "pledged"))
    assert "'pledged'" in str(caught.value) and "announced" in str(caught.value)
    with pytest.raises(UsageError):
        money.Counting(assets="cash")  # a string is not a tuple of assets
    assert money.Counting().caption().startswith("Counts cash, paid or committed, from rows that meet the sourcing bar")
    assert "every form" in money.Counting.everything().caption()


def test_status_follows_the_date_it_is_seen_from() -> None:
    """Nvidia's $100B letter of intent: announced in September 2025, superseded by the 2026 round."""
    row = pl.col("event_id") == "nvidia-openai-2025-09"
    assert datasets.load("funding_events", as_of="2025-12-31").filter(row)["current_status"].item() == "announced"
    now = datasets.load("funding_events").filter(row).row(0, named=True)
    assert (now["status"], now["current_status"]) == ("announced", "superseded")
    restated = datasets.load("funding_events").filter(pl.col("event_id") == "openai-2025-03-round").row(0, named=True)
    assert (restated["amount_usd"], restated["current_amount_usd"]) == (40e9, 41e9)  # the round closed at $41B


def test_every_piece_is_counted_once_and_a_round_adds_up_to_its_total() -> None:
    funding_rows = datasets.load("funding_events")
    pieces = money.flows(funding_rows)
    assert (pieces["event_id"].is_unique().all()
            or pieces.filter(pl.col("piece") == "rest")["event_id"].is_unique().all())
    assert pieces.select(pl.struct("event_id", "piece").is_unique().all()).item()
    rounds = funding_rows.filter(pl.col("countable"), pl.col("current_amount_usd").is_not_null())
    per_round = pieces.group_by("flow_of").agg(pl.col("amount_usd").sum())
    joined = rounds.join(per_round, left_on="event_id", right_on="flow_of")
    assert (joined["amount_usd_right"] <= joined["current_amount_usd"] * 1.001).all()
    assert not pieces.filter(pl.col("alternative_to").is_not_null()).height  # alternative accounts never count


def test_stargate_and_oracle_are_never_added_together() -> None:
    rows = datasets.load("funding_events").filter(
        pl.col("event_id").is_in(["stargate-2025-01", "openai-oracle-2025-09"]))
    assert set(rows["asset"].cast(pl.String)) == {"mixed", "compute_purchase"}
    assert rows.filter(pl.col("event_id") == "openai-oracle-2025-09")["within"].item() == "stargate-2025-01"
    for counting in (money.Counting(), money.Counting.everything(include_below_bar=True)):
        counted = set(money.counted(datasets.load("funding_events"), counting)["event_id"])
        assert not {"stargate-2025-01", "openai-oracle-2025-09"} <= counted
    assert money.counted(rows).is_empty()  # neither is cash paid or committed
    spend = funding.lab_comparison("OpenAI")["committed_to_spend_usd"][0]
    stargate = rows.filter(pl.col("event_id") == "stargate-2025-01")["amount_usd"].item()
    assert spend < stargate + 300e9  # Stargate's $500B plan is not OpenAI's commitment


def totals() -> dict[str, float]:
    """Every money total the package shows for OpenAI, as numbers."""
    summary = profile.summary(profile.record_timeline("OpenAI"))
    return {
        "backers": funding.backers("OpenAI")["amount_usd"].sum(),
        "comparison": funding.lab_comparison("OpenAI")["amount_usd"][0],
        "peer_rows": funding.peer_rows("OpenAI").filter(pl.col("recipient") == "OpenAI")["amount_usd"].sum(),
        "profile": summary.filter(pl.col("track") == "funding")["countable_usd"].item(),
        "ledger_paid_or_committed": ledger.ledger(lab="OpenAI").select(
            pl.col("paid_usd").sum() + pl.col("committed_usd").sum()).item(),
    }


def test_no_total_mixes_statuses_or_assets_unless_asked(user_dir) -> None:
    """A trillion of conditional credits, and a trillion changing hands in a secondary sale, change no default
    total; a trillion of paid cash changes each of them by exactly a trillion (so the test can fail)."""
    before = totals()
    src = primary_source()
    (user_dir / "funding_events.csv").write_text(
        f"{HEADER}\n"
        f"test-credits,2025-06-01,day,Amazon,OpenAI,1e12,committed,other,conditional,a test condition,cloud_credits,,"
        f"test,false,true,{src},false\n"
        f"test-secondary,2025-06-01,day,Thrive Capital,OpenAI,1e12,committed,equity,paid,,secondary_sale,,test,false,"
        f"false,{src},false\n", encoding="utf-8")
    assert totals() == pytest.approx(before)
    table = funding.money_by_status("OpenAI")
    credits = table.filter(pl.col("asset") == "cloud_credits", pl.col("status") == "conditional").row(0, named=True)
    assert credits["amount_usd"] >= 1e12 and not credits["in_default_total"]
    assert ledger.ledger(lab="OpenAI")["conditional_usd"].sum() >= 1e12  # shown apart, in its own column

    (user_dir / "funding_events.csv").write_text(
        f"{HEADER}\ntest-cash,2025-06-01,day,Amazon,OpenAI,1e12,committed,equity,paid,,cash,,test,false,false,{src},"
        "false\n", encoding="utf-8")
    after = totals()
    assert {name: after[name] - before[name] for name in before} == pytest.approx({name: 1e12 for name in before})


def test_user_rows_must_state_status_and_asset(user_dir) -> None:
    from workbench.errors import SchemaError

    (user_dir / "funding_events.csv").write_text(
        "event_id,date,date_precision,investor,recipient,amount_usd,amount_kind,instrument,deal,is_total,compute_link,"
        f"source_ids,weak_support\nx,2020-01-01,day,Amazon,Anthropic,1,reported,equity,d,false,false,{primary_source()},"
        "false\n", encoding="utf-8")
    with pytest.raises(SchemaError) as caught:
        datasets.load("funding_events")
    assert {p.column for p in caught.value.problems} == {"status", "asset"}
    assert all("add the column" in p.fix for p in caught.value.problems)


def test_money_rules_name_the_missing_condition_and_mix(user_dir) -> None:
    from workbench.errors import SchemaError

    src = primary_source()
    (user_dir / "funding_events.csv").write_text(
        f"{HEADER}\n"
        f"a,2020-01-01,day,Amazon,Anthropic,1,reported,equity,conditional,,cash,,d,false,false,{src},false\n"
        f"b,2020-01-01,day,Amazon,Anthropic,1,reported,equity,paid,,mixed,,d,false,false,{src},false\n"
        f"c,2020-01-01,day,Amazon,Anthropic,1,reported,equity,paid,,compute_purchase,,d,false,false,{src},false\n",
        encoding="utf-8")
    with pytest.raises(SchemaError) as caught:
        datasets.load("funding_events")
    found = {(p.line, p.column) for p in caught.value.problems}
    assert found == {(2, "condition"), (3, "asset_detail"), (4, "asset")}


def test_a_status_change_must_name_a_funding_row(user_dir) -> None:
    from workbench.errors import SchemaError

    header = "change_id,event_id,date,date_precision,status,superseded_by,source_ids,weak_support\n"
    changes = user_dir / "funding_status_changes.csv"
    changes.write_text(f"{header}x--paid,msft-openai-2019-7,2020-01-01,day,paid,,{primary_source()},false\n",
                       encoding="utf-8")
    with pytest.raises(SchemaError) as caught:
        datasets.load("funding_events")
    assert "'msft-openai-2019-7'" in str(caught.value) and "did you mean 'msft-openai-2019-07'" in str(caught.value)
    changes.write_text(f"{header}y--superseded,msft-openai-2019-07,2020-01-01,day,superseded,,{primary_source()},false\n",
                       encoding="utf-8")
    with pytest.raises(SchemaError) as caught:
        datasets.load("funding_events")
    assert caught.value.problems[0].column == "superseded_by"
