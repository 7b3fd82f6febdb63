"""Parsing the real public files into tidy, typed frames: facts from the files, schema drift, and quirks.

The facts asserted here come from the SOURCE.md notes beside each copy in ../shared/external.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
from live_server import shared_external

from workbench.datasets import entries, live
from workbench.errors import DatasetError, SchemaError

EXTERNAL = shared_external()
pytestmark = pytest.mark.skipif(
    EXTERNAL is None, reason="../shared/external (the real dataset copies) is absent; set WORKBENCH_SHARED_DIR"
)
EPOCH = EXTERNAL / "epoch-ai-models" if EXTERNAL else Path()


def parse(name: str, relative: str) -> pl.DataFrame:
    frame = live.parse(name, EXTERNAL / relative)
    assert frame.schema == live.schema(name)  # every file, every snapshot: the registry's schema
    return frame


def one(frame: pl.DataFrame, **where) -> dict:
    rows = frame.filter(**where).to_dicts()
    assert len(rows) == 1, rows
    return rows[0]


# --- Epoch AI ---------------------------------------------------------------------------------------


def test_epoch_notable_facts():
    frame = parse("epoch_models", "epoch-ai-models/notable_ai_models.csv")
    assert frame.height == 976
    gpt2 = one(frame, model="GPT-2 (1.5B)")
    assert gpt2["organization"] == "OpenAI"
    assert gpt2["publication_date"] == dt.date(2019, 2, 14)
    assert gpt2["training_compute_flop"] == pytest.approx(1.92e21)
    assert gpt2["parameters"] == 1.5e9
    assert gpt2["country"] == ["United States of America"]
    gpt3 = one(frame, model="GPT-3 175B (davinci)")
    assert gpt3["publication_date"] == dt.date(2020, 5, 28)
    assert gpt3["training_compute_flop"] == pytest.approx(3.14e23)
    assert frame.filter(pl.col("organization").str.contains("OpenAI")).height == 56
    assert frame["publication_date"].max() == dt.date(2025, 12, 31)
    assert frame["training_compute_cost_2023_usd"].drop_nulls().min() > 0
    assert set(frame["confidence"].drop_nulls().unique()) <= {"Confident", "Likely", "Speculative", "Unknown"}


def test_epoch_snapshots_with_renamed_columns_parse_to_one_schema():
    old = parse("epoch_models", "epoch-ai-models/snapshot-2025-02-24/notable_ai_models.csv")
    new = parse("epoch_models", "epoch-ai-models/notable_ai_models.csv")
    assert old.height == 895 and old["publication_date"].max() == dt.date(2025, 2, 17)
    # renamed upstream: 'Country (from Organization)' → 'Country (of organization)', and so on
    for column in ("country", "hardware_utilization_mfu", "training_dataset_size"):
        assert old[column].null_count() < old.height, column
    assert old["task"].null_count() == old.height  # added later: a typed null column, not a missing one
    key = ["model", "publication_date", "training_compute_flop", "parameters", "country"]
    assert {k: one(old, model="GPT-2 (1.5B)")[k] for k in key} == {k: one(new, model="GPT-2 (1.5B)")[k] for k in key}


@pytest.mark.parametrize(
    ("file", "rows"),
    [("all_ai_models.csv", 2228), ("frontier_ai_models.csv", 137), ("large_scale_ai_models.csv", 484)],
)
def test_other_epoch_tables_share_the_schema(file, rows):
    assert parse("epoch_models", f"epoch-ai-models/{file}").height == rows


def test_epoch_multi_stage_dataset_size_keeps_the_largest():
    frame = parse("epoch_models", "epoch-ai-models/notable_ai_models.csv")
    assert one(frame, model="AbLang (heavy sequences)")["training_dataset_size"] == 2290000001.0


# --- AI Incident Database -----------------------------------------------------------------------------


def test_aiid_incidents_facts():
    frame = parse("aiid_incidents", "aiid-ai-incident-database/incidents.csv")
    assert frame.height == 1367 and frame["incident_id"].n_unique() == 1367
    assert (frame["date"].min(), frame["date"].max()) == (dt.date(1983, 9, 26), dt.date(2026, 2, 17))
    assert frame.filter(pl.col("alleged_developers").list.contains("openai")).height == 140
    first = one(frame, incident_id=1)
    assert first["report_ids"][:3] == [2, 3, 4]
    assert first["alleged_deployers"] == ["youtube"] and first["alleged_harmed_parties"] == ["children"]
    assert first["object_id"] == "625763db343edc875fe639ff"


# --- AI Index via Our World in Data -----------------------------------------------------------------


def test_ai_index_investment_long_frame():
    frame = parse("ai_index_investment", "ai-index-investment-owid")
    by_country_2019 = frame.filter(
        series="private_investment_by_country", year=2019, inflation_adjusted=False
    )
    values = dict(zip(by_country_2019["entity"], by_country_2019["value"]))
    assert values["World"] == 42_572_633_211
    assert values["United States"] == 21_647_733_474
    assert values["China"] == 12_747_192_293
    assert frame["value"].null_count() == 0  # the `NA` halves of the wide files are dropped
    assert (frame["year"].min(), frame["year"].max()) == (2013, 2021)
    assert set(frame["unit"].unique()) == {"USD", "companies"}
    companies = frame.filter(series="newly_funded_ai_companies", entity="World", year=2013)
    assert companies["value"].to_list() == [419.0] and companies["unit"].to_list() == ["companies"]


def test_ai_index_policy():
    frame = parse("ai_index_policy", "ai-index-investment-owid")
    assert frame.height == 300 and frame["entity"].n_unique() == 25
    assert (frame["year"].min(), frame["year"].max()) == (2016, 2021)


# --- AIAAIC -----------------------------------------------------------------------------------------


def test_aiaaic_banner_and_grouped_header():
    frame = parse("aiaaic_incidents", "aiaaic-repository/aiaaic_incidents.csv")
    assert frame.height == 2140  # the file's blank row is dropped; AIAAIC2094 appears twice upstream
    assert frame["aiaaic_id"].n_unique() == 2139 and frame["aiaaic_id"].null_count() == 0
    stalker = one(frame, aiaaic_id="AIAAIC2151")
    assert stalker["issues"] == ["Accountability", "Safety", "Transparency"]
    assert stalker["impacts_legal_regulatory"] == ["Litigation"]
    assert stalker["harms_societal"] == ["Anxiety/distress", "Harassment", "Intimidation", "Reputational damage"]
    assert stalker["developers"] == ["OpenAI"] and stalker["occurred_from"] == 2025
    assert (frame["occurred_from"].min(), frame["occurred_from"].max()) == (2008, 2025)
    span = frame.filter(occurred="2018-2024").row(0, named=True)
    assert (span["occurred_from"], span["occurred_to"]) == (2018, 2024)
    assert frame.filter(occurred="2020-")["occurred_to"].null_count() > 0  # open-ended


# --- AGORA ------------------------------------------------------------------------------------------


def test_agora_documents_facts():
    frame = parse("agora_documents", "agora-ai-governance/documents.csv")  # UTF-8 with BOM
    assert frame.height == 951 and frame["agora_id"].null_count() == 0
    assert (frame["agora_id"].min(), frame["agora_id"].max()) == (1, 2535)
    counts = dict(frame["status"].cast(pl.String).value_counts().iter_rows())
    assert counts == {"Enacted": 434, "Defunct": 397, "Proposed": 120}
    top = frame["authority"].cast(pl.String).value_counts(sort=True).row(0)
    assert top == ("United States Congress", 571)
    assert (frame["status_date"].min(), frame["status_date"].max()) == (dt.date(2016, 12, 12), dt.date(2025, 6, 22))
    tags = frame.explode("thematic_tags")["thematic_tags"].drop_nulls().unique()
    assert 0 < tags.len() <= 77 and tags.str.contains(
        r"^(Applications|Harms|Incentives|Risk factors|Strategies): ").all()


# --- quirks and bad input, on modified copies written to tmp_path ---------------------------------------


def test_crlf_bom_and_na_strings_read_like_the_original(tmp_path):
    original = (EPOCH / "notable_ai_models.csv").read_bytes()
    variant = tmp_path / "notable_ai_models.csv"
    variant.write_bytes(b"\xef\xbb\xbf" + original.replace(b"\n", b"\r\n"))
    assert live.parse("epoch_models", variant).equals(live.parse("epoch_models", EPOCH / "notable_ai_models.csv"))


def test_na_string_in_a_number_column_is_null(tmp_path):
    path = tmp_path / "incidents.csv"
    path.write_text('incident_id,date,title,reports\nNA,2020-01-02,x,[1]\n7,NA,y,"[2,3]"\n', encoding="utf-8")
    frame = live.parse("aiid_incidents", path)
    assert frame["incident_id"].to_list() == [None, 7] and frame["date"].to_list() == [dt.date(2020, 1, 2), None]
    assert frame["report_ids"].to_list() == [[1], [2, 3]]


def test_bad_cells_are_all_listed_with_column_and_value(tmp_path):
    path = tmp_path / "incidents.csv"
    path.write_text(
        "incident_id,date,title,reports\n1,2020-13-40,x,[1]\nseven,2020-01-02,y,[2]\n", encoding="utf-8"
    )
    with pytest.raises(SchemaError) as caught:
        live.parse("aiid_incidents", path)
    problems = {(p.column, p.value) for p in caught.value.problems}
    assert problems == {("date", "2020-13-40"), ("incident_id", "seven")}


def test_malformed_json_list_names_the_cell(tmp_path):
    path = tmp_path / "incidents.csv"
    path.write_text('incident_id,date,title,reports\n1,2020-01-02,x,"[1,2"\n', encoding="utf-8")
    with pytest.raises(SchemaError, match="not a JSON list") as caught:
        live.parse("aiid_incidents", path)
    assert caught.value.problems[0].value == "[1,2"


def test_missing_required_column_suggests_the_nearest_header(tmp_path):
    path = tmp_path / "notable.csv"
    path.write_text("Model,Organization,Publication date,Training compute (FLOPs)\nA,B,2020-01-01,1e20\n")
    with pytest.raises(SchemaError, match="Training compute \\(FLOPs\\)") as caught:
        live.parse("epoch_models", path)
    assert caught.value.problems[0].column == "Training compute (FLOP)"


def test_an_html_page_is_not_taken_for_a_table(tmp_path):
    path = tmp_path / "notable.csv"
    path.write_text("<!DOCTYPE html>\n<html><body>Rate limited</body></html>\n")
    with pytest.raises(SchemaError, match="no header row holds the column 'Model'"):
        live.parse("epoch_models", path)


def test_unknown_field_type_in_the_registry_is_reported():
    with pytest.raises(DatasetError, match="unknown field type"):
        entries.dtype_of("decimal")
