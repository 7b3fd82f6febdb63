"""Notebook 05's view: the brief lists each checkable claim with both verdicts and its sources."""

from __future__ import annotations

import polars as pl
import pytest
from conftest import SEED_ID

from workbench.analysis import analyze
from workbench.views import hindsight


@pytest.fixture(scope="module")
def seed():
    analysis = analyze(SEED_ID)
    return analysis, hindsight.evidence(analysis), hindsight.brief(analysis)


def test_the_microsoft_deal_is_consistent_then_and_now_with_a_source_url(seed) -> None:
    _, evidence, _ = seed
    deal = evidence.filter(pl.col("row_id") == "msft-openai-2019-07").row(0, named=True)
    assert (deal["verdict_then"], deal["verdict_now"]) == ("consistent", "consistent")
    assert deal["sentence"] == 1 and "$1 billion" in deal["claim"]
    assert "https://" in deal["source_urls"] and deal["source_ids"].startswith("src-")


def test_the_brief_has_one_row_per_claim_with_both_verdicts_and_sources(seed) -> None:
    analysis, _, brief = seed
    assert brief["sentence"].to_list() == analysis.claims["sentence"].to_list()
    assert brief["verdict_then"].is_in(["consistent", "partly", "inconsistent", "unverifiable"]).all()
    matched = brief.filter(pl.col("record_rows") != "")
    assert matched["source_urls"].str.contains("https://").all()
    assert not any(isinstance(t, pl.List) for t in brief.schema.values())  # saves as CSV


def test_what_was_learnt_since_publication_is_named_per_claim(seed) -> None:
    _, evidence, brief = seed
    release = brief.filter(pl.col("sentence") == 14).row(0, named=True)
    assert "Full GPT-2 1.5B model released" in release["since_publication"]
    assert brief.filter(pl.col("sentence") == 1)["since_publication"][0] == ""
    counts = hindsight.verdict_counts(evidence)
    now = dict(counts.filter(pl.col("as_of") == "now").select("verdict", "rows").iter_rows())
    assert now["partly"] == evidence.filter(pl.col("verdict_now") == "partly").height > 0


def test_the_chart_caption_counts_rows_and_source_urls(seed) -> None:
    _, evidence, brief = seed
    spec = hindsight.verdict_chart(brief, unit="claims").to_dict()
    assert f"({brief.height} claims;" in spec["title"]["subtitle"][0]


def test_takeaways_escape_hostile_article_text(tmp_path) -> None:
    article = tmp_path / "hostile.txt"
    article.write_text("Amazon agreed to invest $4 billion in Anthropic <img src=x onerror=alert(1)> "
                       "in September 2023.\n", encoding="utf-8")
    analysis = analyze(article, published="2025-01-01")
    brief, evidence = hindsight.brief(analysis), hindsight.evidence(analysis)
    assert brief.height == 1 and "<img" in brief["claim"][0]  # the table keeps the text as it is
    text = hindsight.takeaways(brief.with_columns(since_publication=pl.lit("later")), evidence)
    assert "<img" not in text and "&lt;img src=x onerror=alert\\(1\\)&gt;" in text


def test_each_claim_cites_primary_and_originating_sources_first_with_publisher_date_and_kind(seed) -> None:
    from workbench import datasets

    _, _, brief = seed
    sources = datasets.load("sources")
    kind_of = dict(sources.select("url", pl.col("kind").cast(pl.String)).iter_rows())
    tier_of = dict(sources.select("url", pl.col("tier").cast(pl.String)).iter_rows())
    order = {"primary": 0, "originating": 1, "secondary": 2, "not_citable": 3}
    deal = brief.filter(pl.col("sentence") == 1).row(0, named=True)
    cited = deal["sources"].split("; ")
    urls = [entry.rsplit(": ", 1)[1] for entry in cited]
    assert [order[tier_of[u]] for u in urls] == sorted(order[tier_of[u]] for u in urls)
    first = cited[0]
    assert f", {kind_of[urls[0]].replace('_', ' ')}): " in first and "(20" in first  # "Publisher (date, kind): URL"
    assert tier_of[urls[0]] in ("primary", "originating")


def test_the_brief_document_is_ready_to_paste_with_linked_sources(seed) -> None:
    from workbench import load_corpus

    _, evidence, brief = seed
    document = hindsight.brief_document(load_corpus().document(SEED_ID), brief, evidence)
    assert document.markdown.startswith("# Hindsight brief: Move Over Elon Musk")
    assert document.markdown.count("### Sentence ") == brief.height
    assert "- **Verdict:** consistent at publication, consistent now" in document.markdown
    assert "](https://" in document.markdown and "## Take-aways" in document.markdown
    assert document.html.startswith("<!DOCTYPE html>") and document.html.count("<section>") == brief.height
    assert "<a href='https://" in document.html and "class='v-consistent'" in document.html


def test_the_brief_document_escapes_hostile_article_text(tmp_path) -> None:
    article = tmp_path / "hostile.txt"
    article.write_text("Amazon agreed to invest $4 billion in Anthropic <img src=x onerror=alert(1)> "
                       "[click](javascript:alert(2)) in September 2023.\n", encoding="utf-8")
    analysis = analyze(article, published="2025-01-01")
    document = hindsight.brief_document({"doc_id": "hostile", "title": "<script>x</script>",
                                         "url": "javascript:alert(3)"},
                                        hindsight.brief(analysis), hindsight.evidence(analysis))
    assert "<img" not in document.html and "<script>x" not in document.html and "href='javascript" not in document.html
    assert "&lt;img src=x onerror=alert(1)&gt;" in document.html
    assert "<img" not in document.markdown and "](javascript:" not in document.markdown


def test_the_takeaway_line_counts_claims_and_what_changed(seed) -> None:
    _, _, brief = seed
    line = hindsight.takeaway_line(brief)
    assert line.startswith(f"Take-away: {brief.height} checkable claims;")
    assert f"{brief.filter(pl.col('since_publication') != '').height} read differently with hindsight." in line


def test_a_brief_never_confirms_a_claim_whose_figure_the_record_does_not_state(tmp_path) -> None:
    """Microsoft's part in OpenAI's October 2024 round is recorded without an amount: the row of the event is
    found, but a claim stating a figure for it stays unverifiable, and says which part."""
    article = tmp_path / "round.txt"
    article.write_text("Microsoft invested $5 billion in OpenAI in October.\n", encoding="utf-8")
    analysis = analyze(article, published="2024-10-20")
    brief = hindsight.brief(analysis)
    claim = brief.row(0, named=True)
    assert claim["event_row"] == "funding_events:msft-openai-2024-10"
    assert (claim["verdict_now"], claim["verdict_part_now"]) == ("unverifiable", "amount")
    assert "amount unverifiable ($5 billion)" in claim["parts"]
    document = hindsight.brief_document({"doc_id": "round"}, brief, hindsight.evidence(analysis))
    assert "- **Verdict:** unverifiable (amount) at publication, unverifiable (amount) now" in document.markdown


def test_no_table_shows_a_claims_best_verdict(seed) -> None:
    """The call for regulation is answered by laws (related rows, consistent now), but no record row is its event:
    the brief says unverifiable, not the best verdict among the rows."""
    _, evidence, brief = seed
    call = evidence.filter(pl.col("claim").str.contains("called for regulation"))
    assert set(call.filter(pl.col("role") == "related")["verdict_now"]) == {"consistent"}
    row = brief.filter(pl.col("claim").str.contains("called for regulation")).row(0, named=True)
    assert (row["verdict_now"], row["verdict_part_now"], row["event_row"]) == ("unverifiable", "event", "")
