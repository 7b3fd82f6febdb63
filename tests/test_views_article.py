"""The article views behind notebook 01-the-article, on the seed article."""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl
import pytest
from conftest import SEED_ID

from workbench.attribution import ARTICLE_LICENCE, attribute
from workbench.errors import UsageError
from workbench.views import article

SEED_URL = "https://www.bloomberg.com/news/articles/2019-07-22/move-over-elon-musk-microsoft-to-invest-1-billion-in-openai"


def test_theme_profile_of_the_seed_is_mostly_funding() -> None:
    profile = article.theme_profile(SEED_ID)
    assert profile["theme"].to_list() == ["funding", "governance", "ai_risk", "none"]
    funding = profile.row(0, named=True)
    # six, as the gold labels say: paragraph 6's "computing power" is big tech's power (ai_risk), not spending
    assert funding["paragraphs"] == 6 and funding["share_of_paragraphs"] == pytest.approx(0.6)
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


def test_article_outputs_cite_the_article_and_the_claims_the_record() -> None:
    table = article.paragraph_table(SEED_ID)
    text = article.load_corpus().document(SEED_ID)["text"]
    assert all(text[row["start"]:row["end"]] == row["text"] for row in table.iter_rows(named=True))
    cited = attribute(table)
    assert cited["sources"] == [{"url": SEED_URL, "publisher": "Bloomberg", "author": "Dina Bass",
                                 "title": cited["sources"][0]["title"], "date": "2019-07-22"}]
    assert cited["licence"]["expression"] == ARTICLE_LICENCE and not cited["notes"]
    assert [Path(item).name for item in cited["derived_from"]] == ["bloomberg-2019-07-22-microsoft-openai.txt"]
    checks = attribute(article.then_and_now(SEED_ID))
    assert set(article.RECORD) <= {d["dataset"] for d in checks["derived_from"] if isinstance(d, dict)}
    assert checks["licence"]["expression"] == f"CC-BY-4.0 AND {ARTICLE_LICENCE}"


def test_corpus_summary_counts_the_corpus_frames() -> None:
    corpus = article.load_corpus()
    document = corpus.document(SEED_ID)
    sentences = corpus.sentences.filter(pl.col("doc_id") == SEED_ID).height
    paragraphs = corpus.paragraphs_of(SEED_ID)
    title, byline, size = article.corpus_summary(SEED_ID).split("\n")
    assert (title, byline) == (document["title"], "Bloomberg, Dina Bass, published 2019-07-22")
    assert size.startswith(f"{paragraphs.height} paragraphs, {sentences} sentences, "
                           f"{paragraphs['n_words'].sum()} words; source: https://www.bloomberg.com/")
    assert (paragraphs.height, sentences) == (10, 16)


def test_paragraph_summary_names_the_longest_and_the_median() -> None:
    paragraphs = article.load_corpus().paragraphs_of(SEED_ID)
    longest = paragraphs.filter(pl.col("n_words") == paragraphs["n_words"].max())["paragraph"].min()
    text = article.paragraph_summary(SEED_ID)
    assert text == (f"The longest paragraph is number {longest} ({paragraphs['n_words'].max()} words); "
                    f"the median paragraph has {round(paragraphs['n_words'].median())} words.")
    assert "number 2 (47 words)" in text


def test_analysis_summary_counts_what_the_analysis_found() -> None:
    found = article.analysis(SEED_ID)
    lines = article.analysis_summary(SEED_ID).split("\n")
    assert lines[:2] == article.corpus_summary(SEED_ID).split("\n")[:2]
    numbers = [int(n) for n in re.findall(r"\d+", lines[2])]
    assert numbers == [found.paragraphs.height, found.entities.height, found.amounts.height, found.dates.height,
                       found.claims.height]


def test_theme_takeaway_reads_the_theme_profile() -> None:
    profile = article.theme_profile(SEED_ID)
    lines = article.theme_takeaway(SEED_ID).split("\n")
    funding = profile.row(0, named=True)
    assert lines[0] == (f"Take-away: this is above all a funding story — {funding['paragraphs']} of 10 paragraphs and "
                        f"{round(funding['share_of_words'] * 100)}% of the words carry it (sub-themes: "
                        f"{funding['subthemes']}).")
    others = {line.split(":")[0].strip(): line for line in lines[1:-1]}
    assert set(others) == {"governance", "ai_risk"}
    for theme, line in others.items():
        row = profile.filter(pl.col("theme") == theme).row(0, named=True)
        assert f"{row['paragraphs']} paragraphs ({round(row['share_of_words'] * 100)}% of the words)" in line
        assert line.endswith(f"paragraphs {row['paragraph_numbers']}")
    none = profile.filter(pl.col("theme") == article.UNTAGGED)["paragraphs"][0]
    assert lines[-1] == f"  {none} paragraph(s) carry no theme." and none == 1


def test_actors_takeaway_reads_the_actor_and_amount_tables() -> None:
    actors, amounts = article.actors(SEED_ID), article.amounts(SEED_ID)
    first, *rest = article.actors_takeaway(SEED_ID).split("\n")
    top = actors.row(0, named=True)
    assert first.startswith(f"Take-away: OpenAI is named {top['mentions']} times, in {len(top['paragraphs'])} of 10 ")
    assert first.endswith(f"{actors.height} actors in all, {actors['in_record'].sum()} of them known to the record.")
    assert len(rest) == amounts.select("text", "qualifier").unique().height
    billion = next(line for line in rest if line.startswith("  '$1 billion' (exact)"))
    rows = amounts.filter(pl.col("text") == "$1 billion").drop_nulls("row_id")
    assert f"checked against {rows.height} record row(s) {rows['row_id'].to_list()}" in billion
    assert billion.endswith(f"verdicts now {sorted(set(rows['verdict']))}")


def test_verdicts_takeaway_reads_the_verdict_counts_and_the_changed_checks() -> None:
    checks = article.then_and_now(SEED_ID)
    counts = {(r["reading"], r["verdict"]): r["checks"] for r in article.verdict_counts(SEED_ID).iter_rows(named=True)}
    then, now = article.READINGS.values()
    lines = article.verdicts_takeaway(SEED_ID).split("\n")
    numbers = [int(n) for n in re.findall(r"\b\d+\b", lines[0].replace("2019-07-22", ""))]
    assert numbers == [checks.height, counts[(then, "consistent")], counts[(now, "consistent")],
                       counts[(then, "unverifiable")], counts[(now, "unverifiable")], counts[(now, "inconsistent")]]
    assert lines[0].startswith("Take-away: ") and "as of 2019-07-22" in lines[0]
    changed = checks.filter(pl.col("changed"))
    assert lines[1] == f"{changed.height} checks read differently with hindsight:" and len(lines) == 2 + changed.height
    assert "  sentence 11 vs policy_events POL-014: unverifiable → consistent" in lines


def test_unknown_doc_id_names_the_nearest() -> None:
    with pytest.raises(UsageError, match="bloomberg-2019-07-22-microsoft-openai"):
        article.theme_profile("bloomberg-2019-07-22")


@pytest.mark.filterwarnings("ignore::workbench.errors.UncataloguedDocumentWarning")
def test_actors_the_record_does_not_know_each_get_their_own_row(seed_copy) -> None:
    (seed_copy / "unknowns.txt").write_text("Kestrel Labs raised $20 million from Brightwater Capital, its chief "
                                            "executive Ama Okafor said.\n", encoding="utf-8")
    table = article.actors("unknowns")
    unknown = table.filter(~pl.col("in_record"))
    assert {"Kestrel Labs", "Brightwater Capital", "Ama Okafor"} <= set(unknown["canonical"])
    assert unknown["canonical"].null_count() == 0 and unknown.height == unknown["canonical"].n_unique()
