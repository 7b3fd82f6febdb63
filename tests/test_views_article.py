"""The article views behind notebook 01-the-article, on the seed article."""

from __future__ import annotations

import polars as pl
import pytest
from conftest import SEED_ID

from workbench.errors import UsageError
from workbench.views import article


def test_theme_profile_of_the_seed_is_mostly_funding() -> None:
    profile = article.theme_profile(SEED_ID)
    assert profile["theme"].to_list() == ["funding", "governance", "ai_risk", "none"]
    funding = profile.row(0, named=True)
    assert funding["paragraphs"] == 7 and funding["share_of_paragraphs"] == pytest.approx(0.7)
    assert "cloud" in funding["subthemes"]
    assert profile.filter(pl.col("theme") == "none")["paragraph_numbers"][0].to_list() == [9]
    assert profile.filter(pl.col("theme") == "none")["evidence_terms"][0] == 0
    words = article.load_corpus().paragraphs_of(SEED_ID)["n_words"].sum()
    assert profile.filter(pl.col("theme") == "funding")["words"][0] / words == pytest.approx(funding["share_of_words"])


def test_actors_are_canonical_and_counted() -> None:
    actors = article.actors(SEED_ID)
    assert actors.row(0, named=True)["canonical"] == "OpenAI"
    musk = actors.filter(pl.col("canonical") == "Elon Musk").row(0, named=True)
    assert musk["label"] == "PERSON" and musk["paragraphs"] == [2, 3, 4] and "Musk" in musk["written_as"]


def test_amounts_keep_qualifiers_and_the_record_row_they_were_checked_against() -> None:
    amounts = article.amounts(SEED_ID)
    billion = amounts.filter(pl.col("text") == "$1 billion")
    assert billion["value"][0] == 1e9 and billion["qualifier"][0] == "exact"
    assert "msft-openai-2019-07" in billion["row_id"].to_list()
    assert set(amounts["qualifier"]) == {"exact", "at_least", "more_than"}


def test_then_and_now_marks_what_hindsight_changed() -> None:
    checks = article.then_and_now(SEED_ID)
    assert checks["changed"].to_list() == (checks["verdict_at_publication"] != checks["verdict"]).to_list()
    eu_act = checks.filter(pl.col("row_id") == "POL-014").row(0, named=True)
    assert (eu_act["verdict_at_publication"], eu_act["verdict"], eu_act["changed"]) == (
        "unverifiable", "consistent", True)
    counts = article.verdict_counts(SEED_ID)
    assert counts.height == 8
    for reading in article.READINGS.values():
        assert counts.filter(pl.col("reading") == reading)["checks"].sum() == checks.height


def test_charts_carry_a_source_caption() -> None:
    for chart in (article.theme_strip(SEED_ID), article.verdict_shift(SEED_ID)):
        subtitle = chart.to_dict()["title"]["subtitle"][0]
        assert subtitle.startswith("Source: seeds/bloomberg-2019-07-22-microsoft-openai.txt")


def test_cite_article_names_the_article_and_with_record_the_tables() -> None:
    meta = article.cite_article(SEED_ID, title="t", description="d", record=True)
    assert meta["sources"][0]["publisher"] == "Bloomberg" and meta["sources"][0]["date"] == "2019-07-22"
    assert {d["dataset"] for d in meta["derived_from"][1:]} == set(article.RECORD)
    assert "licences" not in article.cite_article(SEED_ID, title="t", description="d")


def test_unknown_doc_id_names_the_nearest() -> None:
    with pytest.raises(UsageError, match="bloomberg-2019-07-22-microsoft-openai"):
        article.theme_profile("bloomberg-2019-07-22")
