"""Notebook 07's views: a corpus analysed in partitions, read back as themes by year, actors, amounts and claims."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from live_server import shared_external

from workbench.attribution import attribute
from workbench.datasets import live
from workbench.views import corpus_trends as trends
from workbench.views.risk import Live

EXTERNAL = shared_external()


@pytest.fixture
def record_corpus(data_dir: Path) -> trends.Corpus:
    corpus = trends.prepare(trends.RECORD_SOURCE)
    trends.run(corpus)
    return corpus


def test_without_the_live_texts_the_record_is_the_corpus_and_the_take_aways_say_so(
        record_corpus: trends.Corpus, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(trends, "load_live", lambda name: Live(name, None, "not cached"))
    corpus = trends.prepare()  # the default source, not cached here
    assert corpus.name == trends.RECORD_SOURCE and "not in the download cache" in corpus.description
    manifest = trends.run(corpus)
    text = trends.takeaways(corpus, manifest)
    assert text.startswith("Take-away: the record's own descriptions") and "Most named: OpenAI" in text


def test_the_views_count_what_the_analysis_wrote(record_corpus: trends.Corpus) -> None:
    by_year = trends.themes_by_year(record_corpus)
    paragraphs = pl.read_parquet(record_corpus.out / "analysis/frames/paragraphs/*.parquet")
    assert by_year.filter(pl.col("theme") == "ai_risk")["paragraphs"].sum() <= paragraphs.height
    assert set(by_year["theme"]) == {"funding", "governance", "ai_risk"}
    assert (by_year["share"] <= 1).all() and by_year["year"].is_sorted()
    named = trends.actors(record_corpus, top=5)
    assert named.height == 5 and named["documents"].is_sorted(descending=True)
    claims = trends.claims_matched(record_corpus)
    assert claims["share"].sum() == pytest.approx(1, abs=1e-3)
    cited = attribute(by_year)
    assert cited["licence"]["expression"] == "CC-BY-4.0" and len(cited["sources"]) > 100  # the rows read as texts


@pytest.mark.skipif(EXTERNAL is None, reason="../shared/external (copies of the live files) is not beside the checkout")
def test_the_incident_and_law_texts_make_a_share_alike_corpus(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files = {"aiid_incidents": EXTERNAL / "aiid-ai-incident-database/incidents.csv",
             "agora_documents": EXTERNAL / "agora-ai-governance/documents.csv"}
    monkeypatch.setattr(trends, "load_live", lambda name: Live(name, live.parse(name, files[name]), "parsed"))
    corpus = trends.prepare()
    assert corpus.name == trends.DEFAULT_SOURCE and "AI Incident Database" in corpus.description
    table = pl.read_parquet(corpus.path)
    assert table.height > 2_000 and table["doc_id"].str.starts_with("aiid-").sum() > 1_000
    assert table["published"].null_count() < table.height // 10
    licence = attribute(corpus)["licence"]  # what every output of it inherits
    assert licence["expression"] == "CC-BY-SA-4.0 AND LicenseRef-ETO-terms-of-use"
