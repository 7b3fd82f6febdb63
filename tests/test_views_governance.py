"""The governance views behind notebook 03-governance, on the shipped record."""

from __future__ import annotations

import datetime as dt
import re

import polars as pl
import pytest

from workbench.charts import BOARD_CRISIS
from workbench.errors import UsageError
from workbench.views import governance


def test_openai_goes_from_nonprofit_to_capped_profit_to_public_benefit_corp() -> None:
    history = governance.structure_history("OpenAI", today=dt.date(2026, 1, 1))
    assert history["legal_form"].to_list() == ["nonprofit", "capped_profit_lp", "capped_profit_lp",
                                               "public_benefit_corp"]
    assert history["date"].to_list()[:2] == [dt.date(2015, 12, 11), dt.date(2019, 3, 11)]
    assert history["until"].to_list()[:-1] == history["date"].to_list()[1:]
    assert history["until"][-1] == dt.date(2026, 1, 1)
    assert history["years"][0] == pytest.approx(3.2)


def test_as_of_the_article_date_openai_was_a_capped_profit() -> None:
    history = governance.structure_history("OpenAI", as_of="2019-07-22")
    assert history["legal_form"].to_list() == ["nonprofit", "capped_profit_lp"]
    assert governance.structure_on("OpenAI", dt.date(2019, 7, 22)) == "capped_profit_lp"
    assert governance.structure_on("OpenAI", dt.date(2015, 1, 1)) is None


def test_milestones_carry_the_structure_in_force() -> None:
    events = governance.milestones("OpenAI")
    assert events.filter(pl.col("event_id") == "GOV-001")["structure"][0] == "nonprofit"
    assert events.filter(pl.col("event_id") == "GOV-008")["structure"][0] == "capped_profit_lp"
    assert events.filter(pl.col("event_id") == "GOV-029")["structure"][0] == "public_benefit_corp"
    assert events["organizations"].list.contains("OpenAI").all()
    anthropic = governance.milestones("Anthropic")
    assert anthropic.filter(pl.col("event_id") == "GOV-034")["structure"][0] is None  # founded before 2023 record


def test_phases_count_every_event_under_a_structure_once() -> None:
    phases = governance.phases("OpenAI")
    events = governance.milestones("OpenAI")
    assert phases["events"].sum() == events.filter(pl.col("structure").is_not_null()).height
    capped = phases.filter(pl.col("structure_id") == "openai-2019-03-11").row(0, named=True)
    assert capped["board_or_leadership"] >= 4  # the Nov 2023 crisis falls in this phase


def test_board_crisis_has_six_events_in_twelve_days() -> None:
    crisis = governance.events_in(BOARD_CRISIS)
    assert crisis.height == 6 and crisis["date"].min() == dt.date(2023, 11, 17)
    assert governance.window(BOARD_CRISIS, margin_days=7) == (dt.date(2023, 11, 10), dt.date(2023, 12, 6))
    assert governance.events_in(BOARD_CRISIS, margin_days=7).height >= crisis.height


def test_lab_structures_then_and_now() -> None:
    then = governance.lab_structures("Anthropic", as_of="2019-07-22")
    assert set(then["org"]) == {"DeepMind", "OpenAI"} and not then["is_focus"].any()
    now = governance.lab_structures("Anthropic")
    anthropic = now.filter(pl.col("is_focus")).row(0, named=True)
    assert (anthropic["org"], anthropic["legal_form"]) == ("Anthropic", "public_benefit_corp")
    assert now.filter(pl.col("org") == "OpenAI")["structures"][0] == 4


def test_phases_takeaway_reads_the_phase_table() -> None:
    phases = governance.phases("OpenAI")
    lines = governance.phases_takeaway("openai").split("\n")
    structures, events = governance.structure_history("OpenAI").height, governance.milestones("OpenAI").height
    assert lines[0] == f"Take-away: OpenAI has had {structures} recorded structures and {events} governance events."
    assert len(lines) == 2 + phases.height
    for line, row in zip(lines[1:-1], phases.iter_rows(named=True), strict=True):
        assert line.startswith(f"  {row['date']} → {row['until']} ({row['years']} years) {row['legal_form']}: "
                               f"{row['events']} events, {row['board_or_leadership']} board or leadership changes")
    busiest = phases.filter(pl.col("events") == phases["events"].max()).row(0, named=True)
    assert lines[-1] == (f"The busiest phase is the {busiest['legal_form']} from {busiest['date']}: "
                         f"{busiest['events']} events in {busiest['years']} years.")


def test_phases_takeaway_of_a_lab_without_a_recorded_structure_has_no_busiest_phase() -> None:
    events = governance.milestones("Microsoft")
    assert governance.phases_takeaway("Microsoft") == (
        f"Take-away: Microsoft has had 0 recorded structures and {events.height} governance events.")


def test_crisis_takeaway_counts_the_crisis_events_by_type() -> None:
    crisis = governance.events_in(BOARD_CRISIS)
    first, second = governance.crisis_takeaway("OpenAI", BOARD_CRISIS).split("\n")
    assert first.startswith(f"Take-away: {crisis.height} recorded events in 12 days (2023-11-17 to 2023-11-29)")
    by_type = {kind: int(n) for kind, n in re.findall(r"(\w+) (\d+)", first.split("by type: ")[1])}
    assert by_type == dict(crisis["event_type"].cast(pl.String).value_counts().iter_rows())
    assert list(by_type.values()) == sorted(by_type.values(), reverse=True)
    began = governance.structure_on("OpenAI", BOARD_CRISIS.start)
    assert second == f"OpenAI's legal form when the crisis began: {began}; when it ended: capped_profit_lp."


def test_structures_takeaway_reads_the_record_then_and_now() -> None:
    then = governance.lab_structures("OpenAI", as_of=governance.THEN)
    now = governance.lab_structures("OpenAI")
    first, second = governance.structures_takeaway("OpenAI").split("\n")
    assert first.startswith(f"Take-away: on 2019-07-22 the record knew the structure of {then.height} lab(s) "
                            f"({', '.join(then['org'])}); now it knows {now.height}: ")
    forms = {form: int(n) for n, form in re.findall(r"(\d+) (\w+)", first.split(f"now it knows {now.height}: ")[1])}
    assert forms == dict(now["legal_form"].value_counts().iter_rows()) and sum(forms.values()) == now.height
    changed = now.filter(pl.col("structures") > 1)
    assert second.count("structures, now") == changed.height
    assert "OpenAI (4 structures, now public_benefit_corp)" in second


def test_unknown_lab_names_the_nearest() -> None:
    with pytest.raises(UsageError, match="'xAI'"):
        governance.structure_history("xA1")
