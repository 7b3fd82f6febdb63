"""Notebook 04's view: the seed's concerns, what answered them, the GPT-2 stages, and the live datasets."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from conftest import SEED_ID
from live_server import shared_external

from workbench import datasets
from workbench.analysis import analyze
from workbench.attribution import attribute
from workbench.datasets import live
from workbench.views import risk

PUBLISHED = dt.date(2019, 7, 22)
EXTERNAL = shared_external()
needs_external = pytest.mark.skipif(EXTERNAL is None, reason="../shared/external is absent")


@pytest.fixture(scope="module")
def raised() -> pl.DataFrame:
    return risk.concerns_raised(analyze(SEED_ID))


def test_the_seed_raises_the_concerns_of_its_paragraph_on_regulation_and_fake_news(raised: pl.DataFrame) -> None:
    assert {"transparency", "bias", "military_use", "misinformation"} <= set(raised["concern"])
    fake_news = raised.filter(pl.col("concern") == "misinformation").row(0, named=True)
    assert fake_news["sentence"] == 13 and "fake news" in fake_news["evidence"]


def test_trace_splits_instruments_at_publication_and_names_the_first_since(raised: pl.DataFrame) -> None:
    answered = risk.responses(raised["concern"], PUBLISHED)
    assert answered.filter(pl.col("date") <= PUBLISHED)["since_article"].not_().all()
    trace = risk.concern_trace(raised, answered).filter(pl.col("concern") == "military_use").row(0, named=True)
    # Google's 2018 principles came before; OpenAI's 2024 usage-policy rewrite is the first since
    assert trace["instruments_before"] == 1
    assert trace["first_since"] == dt.date(2024, 1, 10) and "military" in trace["first_since_title"]
    assert trace["instruments_since"] == answered.filter(
        pl.col("since_article") & pl.col("concerns_shared").list.contains("military_use")).height


def test_staged_release_counts_days_from_the_article() -> None:
    stages = risk.staged_release(PUBLISHED)
    assert stages["days_from_article"].to_list() == [-158, -82, 29, 106]


def test_staged_release_keeps_to_the_model_named() -> None:
    """The record holds other staged releases (GPT-6 Astra's, 2026): GPT-2's stages must not take them in."""
    policy = datasets.load("policy_events").filter(pl.col("instrument_type") == "staged_release")
    assert policy.filter(~pl.col("title").str.contains("GPT-2")).height > 0
    assert risk.staged_release(PUBLISHED)["title"].str.contains("GPT-2").all()
    assert risk.staged_release(None, model="GPT-6")["event_id"].to_list() == ["POL-154"]


def test_a_live_dataset_not_in_the_cache_is_skipped_with_the_fetch_command(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("WORKBENCH_CACHE_DIR", str(tmp_path / "empty-cache"))
    item = risk.load_live("epoch_models")
    assert not item.loaded and "python -m workbench datasets fetch epoch_models" in item.note
    assert risk.live_charts([item]) == {}


@needs_external
def test_loaded_live_datasets_give_compute_growth_and_charts() -> None:
    epoch = live.parse("epoch_models", EXTERNAL / "epoch-ai-models/notable_ai_models.csv")
    aiid = live.parse("aiid_incidents", EXTERNAL / "aiid-ai-incident-database/incidents.csv")
    growth = risk.compute_growth(epoch)
    assert growth.filter(pl.col("year") == 2020)["largest_model"][0] == "GPT-3 175B (davinci)"
    assert 3 < risk.doubling_months(epoch) < 12  # Epoch reports roughly six months for notable models
    assert risk.times_model(epoch, "GPT-2 (1.5B)") == pytest.approx(epoch["training_compute_flop"].max() / 1.92e21)
    assert risk.compute_takeaway(epoch) == (
        f"Since 2010, training compute of notable models doubled every {risk.doubling_months(epoch):.1f} months; "
        f"the largest model in the data used {risk.times_model(epoch, 'GPT-2 (1.5B)'):,.0f} times GPT-2's compute.")
    drawn = risk.live_charts([risk.Live("epoch_models", epoch, ""), risk.Live("aiid_incidents", aiid, "")])
    assert set(drawn) == {"epoch_models", "aiid_incidents"}
    compute, incidents = (attribute(drawn[name]) for name in ("epoch_models", "aiid_incidents"))
    assert compute["licences"] == ["CC-BY-4.0"] and "Epoch AI" in compute["sources"][0]["citation"]
    assert [s["name"] for s in compute["sources"]] == ["epoch_models"]  # each chart cites its own dataset only
    assert incidents["licence"]["expression"] == "CC-BY-SA-4.0" and "share-alike" in incidents["licence"]["statement"]
    assert attribute(growth)["licences"] == ["CC-BY-4.0"]


def test_curated_rows_cite_their_sources() -> None:
    rows = risk.staged_release(PUBLISHED)
    cited = attribute(rows)
    assert {s["source_id"] for s in cited["sources"]} == set(rows["source_ids"].explode())
    assert all(s["url"].startswith("http") for s in cited["sources"])


def test_markdown_escaping_makes_hostile_text_inert() -> None:
    text = risk.md("<script>alert(1)</script> costs $1 billion, see [x](javascript:alert(1)) *now*")
    assert "<script>" not in text and "&lt;script&gt;" in text
    assert "\\$1" in text and "\\[x\\]\\(javascript" in text and "\\*now\\*" in text


def test_takeaways_count_from_the_trace_and_cope_with_an_article_raising_nothing(raised: pl.DataFrame) -> None:
    answered = risk.responses(raised["concern"], PUBLISHED)
    trace = risk.concern_trace(raised, answered)
    text = risk.takeaways(trace, answered, risk.staged_release(PUBLISHED), PUBLISHED)
    assert f"**{answered['since_article'].sum()}** instruments" in text and "**106** days" in text
    nothing = risk.concerns_raised(analyze(SEED_ID)).clear()
    empty = risk.concern_trace(nothing, risk.responses([], PUBLISHED))
    assert "nothing to trace" in risk.takeaways(empty, risk.responses([], PUBLISHED), risk.staged_release(None), None)
