"""As-of views: what had happened AND was public by a date ("as known then" vs "as known now")."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from workbench import datasets
from workbench.datasets.schema import end_of_period


@pytest.fixture(autouse=True)
def _no_user_overlays(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_DATA_DIR", str(tmp_path / "data"))


def test_seed_date_view_hides_later_disclosures():
    then = datasets.load_funding(as_of="2019-07-22")
    now = datasets.load_funding()
    assert "msft-openai-2019-07" in then["event_id"].to_list()
    # Musk's donations happened in 2016 but the figures became public in 2023/2024
    for event in ("openai-donations-musk-2024-03", "openai-donations-musk-traceable-2023-05",
                  "openai-donations-total-2015-2021"):
        assert event in now["event_id"].to_list() and event not in then["event_id"].to_list()
    assert (then["known_from"] <= date(2019, 7, 22)).all() and (then["date"] <= date(2019, 7, 22)).all()
    assert then.height < now.height


def test_disclosure_date_decides():
    row = datasets.load_funding().filter(pl.col("event_id") == "msft-openai-2021").row(0, named=True)
    assert row["date"] < row["disclosed"] == row["known_from"]
    assert "msft-openai-2021" not in datasets.load_funding(
        as_of=row["disclosed"].replace(day=row["disclosed"].day - 1))["event_id"].to_list()
    assert "msft-openai-2021" in datasets.load_funding(as_of=row["disclosed"])["event_id"].to_list()


def test_month_precision_counts_from_month_end():
    gov = datasets.load_governance()
    musk_exit = gov.filter(pl.col("event_id") == "GOV-002").row(0, named=True)
    assert musk_exit["date_precision"] == "month" and musk_exit["known_from"] == date(2018, 2, 28)
    assert "GOV-002" not in datasets.load_governance(as_of="2018-02-10")["event_id"].to_list()
    assert "GOV-002" in datasets.load_governance(as_of="2018-03-01")["event_id"].to_list()


def test_as_of_accepts_dates_and_covers_every_dated_table():
    for name in ("funding_events", "governance_events", "org_structures", "policy_events"):
        view = datasets.load(name, as_of=date(2019, 7, 22))
        assert (view["known_from"] <= date(2019, 7, 22)).all()
    sources = datasets.load_sources(as_of="2019-07-22")
    assert sources.height > 0 and (sources["published"] <= date(2019, 7, 22)).all()
    assert datasets.load_entities().equals(datasets.load("entities", as_of="2019-07-22"))


def test_end_of_period():
    assert end_of_period(date(2024, 2, 1), "month") == date(2024, 2, 29)
    assert end_of_period(date(2023, 12, 1), "month") == date(2023, 12, 31)
    assert end_of_period(date(2021, 1, 1), "year") == date(2021, 12, 31)
    assert end_of_period(date(2021, 5, 6), "day") == date(2021, 5, 6)
