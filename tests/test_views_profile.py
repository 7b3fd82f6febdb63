"""Notebook 06's view: one organisation's timeline across the record and the live datasets."""

from __future__ import annotations

import polars as pl
import pytest
from live_server import shared_external

from workbench import datasets
from workbench.datasets import live
from workbench.errors import UsageError
from workbench.views import profile
from workbench.views.risk import Live

EXTERNAL = shared_external()


def test_names_and_aliases_resolve_and_unknown_names_suggest_the_nearest() -> None:
    assert profile.resolve_org("mistral") == "Mistral AI"
    assert profile.resolve_org("ANTHROPIC") == "Anthropic"
    with pytest.raises(UsageError, match="such as .Anthropic."):
        profile.resolve_org("Antropic")


def test_anthropic_has_amazons_investments_and_only_countable_money_is_summed() -> None:
    timeline = profile.timeline("Anthropic")
    amazon = timeline.filter(pl.col("what").str.starts_with("Amazon → Anthropic"))
    assert amazon["row_id"].to_list()[:3] == ["amazon-anthropic-2023-09", "amazon-anthropic-2024-03",
                                              "amazon-anthropic-2024-11"]
    assert set(amazon["track"]) == {"funding"} and set(amazon["theme"]) == {"funding"}
    assert {"governance", "structure", "policy", "spending"} <= set(timeline["track"])
    summary = profile.summary(timeline).filter(pl.col("track") == "funding").row(0, named=True)
    received = timeline.filter((pl.col("track") == "funding") & pl.col("countable"))
    assert summary["countable_usd"] == pytest.approx(received["amount_usd"].sum())
    assert timeline["date"].is_sorted()


def test_a_row_below_the_bar_is_drawn_but_not_summed() -> None:
    # the timeline's `countable` also requires the sourcing bar (whichever lab has such a row in the record)
    below = datasets.load("funding_events").filter(pl.col("countable"), ~pl.col("meets_bar"))
    assert not below.is_empty()
    lab = below["recipient"][0]
    drawn = profile.timeline(lab).filter(pl.col("row_id").is_in(below["event_id"].implode()))
    assert not drawn.is_empty() and not drawn["countable"].any()


def test_policy_events_are_those_whose_title_names_the_organisation() -> None:
    ids = profile.record_timeline("Google DeepMind").filter(pl.col("track") == "policy")["row_id"].to_list()
    assert ids == ["POL-053"]  # "Google" alone (POL-011) is another organisation


@pytest.mark.skipif(EXTERNAL is None, reason="../shared/external is absent")
def test_live_rows_add_models_with_compute_and_incidents() -> None:
    epoch = live.parse("epoch_models", EXTERNAL / "epoch-ai-models/notable_ai_models.csv")
    aiid = live.parse("aiid_incidents", EXTERNAL / "aiid-ai-incident-database/incidents.csv")
    loaded = [Live("epoch_models", epoch, ""), Live("aiid_incidents", aiid, "")]
    timeline = profile.timeline("OpenAI", loaded)
    models = timeline.filter(pl.col("track") == "model")
    assert models.height == 56
    assert (models.filter(pl.col("row_id") == "GPT-2 (1.5B)")["what"][0]
            == "GPT-2 (1.5B) (training compute 1.9e+21 FLOP)")
    incidents = timeline.filter(pl.col("track") == "incident")
    assert incidents.height == 140 and incidents["source_ids"].list.first().str.starts_with(
        "https://incidentdatabase.ai/cite/").all()
    assert profile.timeline("Mistral AI", loaded).filter(pl.col("track") == "incident").height == 4  # slug "mistral"
    profile.timeline_chart(timeline, "OpenAI").to_dict()


def test_timeline_chart_cites_the_rows_it_draws() -> None:
    timeline = profile.timeline("xAI")
    spec = profile.timeline_chart(timeline, "xAI").to_dict()
    assert "xAI" in spec["title"]["text"]
    assert f"({timeline.height} rows, " in spec["title"]["subtitle"][0]


def test_the_takeaway_says_rows_span_and_money_counted() -> None:
    timeline = profile.timeline("OpenAI")
    tracks = profile.summary(timeline)
    text = profile.takeaway("OpenAI", timeline, tracks)
    counted = tracks.filter(tracks["track"] == "funding")["countable_usd"][0]
    assert text.startswith(f"Take-away: OpenAI: {timeline.height} rows on {tracks.height} tracks")
    assert f"${counted / 1e9:,.1f} billion counted" in text
