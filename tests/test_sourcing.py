"""The sourcing bar, rule by rule, on small synthetic sources; then the audit command on the shipped record."""

from __future__ import annotations

import json

import polars as pl
import pytest

from workbench.datasets import sourcing
from workbench.datasets.sourcing import assess


def source(kind: str, publisher: str = "P", *, via: str | None = None, partisan: bool = False, host: str = "h.test"):
    tier = sourcing.source_tier(sourcing.tier_of(kind, partisan), via)
    return {"tier": tier, "kind": kind, "publisher": publisher, "via": via, "host": host}


def test_a_primary_source_meets_the_bar_with_high_confidence_even_for_a_headline_row():
    result = assess([source("regulator")], headline=True)
    assert (result.meets_bar, result.confidence, result.strongest, result.reason) == (True, "high", "primary", None)


def test_one_originating_outlet_is_medium_for_an_ordinary_row_but_too_little_for_a_headline_row():
    assert assess([source("wire", "Reuters")], headline=False).confidence == "medium"
    headline = assess([source("wire", "Reuters")], headline=True)
    assert not headline.meets_bar and headline.confidence == "low" and "headline" in headline.reason


def test_two_independent_outlets_carry_a_headline_row_but_two_copies_of_one_story_do_not():
    both = assess([source("wire", "Reuters"), source("major_outlet", "Bloomberg")], headline=True)
    assert both.meets_bar and both.confidence == "high"
    same_story = assess([source("wire", "Reuters"), source("major_outlet", "CNBC", via="Reuters")], headline=True)
    assert not same_story.meets_bar


def test_a_copy_is_tiered_by_its_host_and_is_never_the_originating_report():
    assert source("major_outlet", "Regional Daily", via="Bloomberg")["tier"] == "secondary"
    assert source("aggregator", "Nasdaq", via="Reuters")["tier"] == "not_citable"
    assert not assess([source("major_outlet", "Regional Daily", via="Bloomberg")], headline=False).meets_bar


def test_secondary_sources_alone_stay_below_the_bar():
    result = assess([source("trade_press"), source("law_firm"), source("blog")], headline=False)
    assert not result.meets_bar and result.strongest == "secondary" and "no primary or originating" in result.reason


@pytest.mark.parametrize("bad", [source("mirror", host="copy.netlify.app"), source("aggregator", host="digest.test"),
                                 source("major_outlet", host="partisan.test", partisan=True)])
def test_any_mirror_aggregator_or_partisan_host_breaks_the_bar_even_beside_a_primary_source(bad):
    result = assess([source("company"), bad], headline=False)
    assert not result.meets_bar and result.confidence == "low" and bad["host"] in result.reason


def test_weak_support_caps_confidence_at_low_without_failing_the_bar():
    result = assess([source("company")], headline=False, weak=True)
    assert result.meets_bar and result.confidence == "low"


def test_no_source_is_unsourced():
    assert assess([], headline=False).confidence == "unsourced"


@pytest.mark.parametrize("host, expected", [("blogs.microsoft.com", "microsoft.com"),
                                            ("microsoft.com", "microsoft.com"),
                                            ("copy.netlify.app", "netlify.app"), ("notmicrosoft.com", None)])
def test_a_host_matches_itself_or_its_nearest_parent_domain_only(host, expected):
    assert sourcing.match_host(host, {"microsoft.com", "netlify.app"}) == expected


def test_host_of_drops_www_case_and_a_trailing_dot():
    assert sourcing.host_of("https://WWW.Reuters.com./world/x?ref=1") == "reuters.com"


def test_headline_rows_by_table():
    funding = pl.DataFrame({"amount_usd": [1e9, 5e8, None], "amount_usd_high": [None, 2e9, None]})
    assert sourcing.headline_mask("funding_events", funding).to_list() == [True, True, False]
    policy = pl.DataFrame({"instrument_type": ["law", "law", "executive_order", "framework"],
                           "status": ["in_force", "proposed", "revoked", "adopted"]})
    assert sourcing.headline_mask("policy_events", policy).to_list() == [True, False, True, False]
    governance = pl.DataFrame({"event_type": ["structure_change", "board_change"]})
    assert sourcing.headline_mask("governance_events", governance).to_list() == [True, False]
    assert sourcing.headline_mask("entities", governance).to_list() == [False, False]


def test_official_url_comes_from_the_first_identifier_with_an_address():
    assert sourcing.official_url(["eo:14110", "fr:2023-24283"]) == "https://www.federalregister.gov/d/2023-24283"
    assert sourcing.official_url(["celex:32024R1689"]).endswith("CELEX:32024R1689")
    assert sourcing.official_url(["bill:CA SB 53 (2025-2026)"]) is None and sourcing.official_url(None) is None


def test_audit_json_reports_every_event_table_and_the_summary(capsys, tmp_path, monkeypatch):
    from workbench.cli import main

    monkeypatch.setenv("WORKBENCH_DATA_DIR", str(tmp_path / "data"))
    assert main(["datasets", "audit", "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert set(report["tables"]) == set(sourcing.EVENT_TABLES)
    summary = report["summary"]
    assert summary["rows"] == sum(t["rows"] for t in report["tables"].values())
    assert summary["event_and_structure_rows"] + summary["figure_rows"] == summary["rows"]
    assert summary["figure_rows"] == sum(report["tables"][name]["rows"] for name in sourcing.FIGURE_TABLES)
    assert summary["rows_citing_not_citable_hosts"] == 0
    for table in report["tables"].values():
        assert table["pairs_without_citation_shipped"] == 0
        assert len(table["below_bar"]) == table["rows"] - table["meeting_bar"]
        assert all(row["note"] for row in table["below_bar"])  # every shipped row below the bar says why
    assert report["hosts"] and all(h["kind"] for h in report["hosts"])
    undated = report["tables"]["funding_events"]["date_not_stated_by_a_citation"]  # a list a reviewer works through
    dated = {row for row, supports in _citations("funding_events") if "date" in supports}
    assert undated and not set(undated) & dated


def test_audit_table_ends_with_the_summary(capsys, tmp_path, monkeypatch):
    from workbench.cli import main

    monkeypatch.setenv("WORKBENCH_DATA_DIR", str(tmp_path / "data"))
    assert main(["datasets", "audit"]) == 0
    text = capsys.readouterr().out
    assert "funding_events:" in text and text.rstrip().splitlines()[-8] == "summary"


def test_one_page_cited_twice_with_tracking_parameters_is_refused(tmp_path, monkeypatch):
    from workbench import datasets
    from workbench.datasets import curated
    from workbench.errors import SchemaError

    assert sourcing.same_page_key("https://www.theverge.com/a/b?ref=feed") == sourcing.same_page_key("http://theverge.com/a/b/")
    assert sourcing.same_page_key("https://x.test/a?id=1") != sourcing.same_page_key("https://x.test/a?id=2")
    user = tmp_path / "data" / "user"
    user.mkdir(parents=True)
    monkeypatch.setenv("WORKBENCH_DATA_DIR", str(tmp_path / "data"))
    shipped = datasets.load("sources", with_user=False).filter(pl.col("host") == "theverge.com")["url"][0]
    (user / "sources.csv").write_text(f"source_id,url,title\nmy-copy,{shipped}?ref=homepage,Same story\n",
                                      encoding="utf-8")
    curated.clear_cache()
    with pytest.raises(SchemaError) as caught:
        datasets.load("sources")
    assert any("same page" in p.what and p.line == 2 for p in caught.value.problems)


@pytest.mark.parametrize("table", sourcing.EVENT_TABLES)
def test_every_shipped_row_lists_its_sources_strongest_first(table, tmp_path, monkeypatch):
    """source_ids are read in order (the brief cites the first ones first): primary, then originating, then the rest."""
    from workbench import datasets

    monkeypatch.setenv("WORKBENCH_DATA_DIR", str(tmp_path / "data"))  # the shipped rows, no overlay
    tier_of = dict(datasets.load("sources").select("source_id", pl.col("tier").cast(pl.String)).iter_rows())
    rank = {tier: number for number, tier in enumerate(sourcing.TIERS)}
    frame = datasets.load(table)
    out_of_order = [row[0] for row in frame.select(frame.columns[0], "source_ids").iter_rows()
                    if [rank[tier_of[i]] for i in row[1] or []] != sorted(rank[tier_of[i]] for i in row[1] or [])]
    assert out_of_order == [], f"{table}: list sources primary first, then originating, then the rest"


def _citations(dataset: str) -> list[tuple[str, list[str]]]:
    from workbench.datasets import curated

    rows = curated.assemble("citations").frame.filter(pl.col("dataset") == dataset)
    return list(rows.select("row_id", "supports").iter_rows())
