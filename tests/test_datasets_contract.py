"""Contract test over every registry entry (scikit-learn's common-test style), plus facts the analysis relies on."""

from __future__ import annotations

import hashlib
import json
import shutil
import tomllib

import polars as pl
import pytest

from workbench import datasets
from workbench.datasets import entries
from workbench.datasets import registry as reg
from workbench.datasets.schema import FieldSpec

RAW = tomllib.loads(reg.REGISTRY_PATH.read_text(encoding="utf-8"))
CURATED = list(RAW["datasets"])


@pytest.fixture(autouse=True)
def _no_user_overlays(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_DATA_DIR", str(tmp_path / "data"))


def test_registry_has_the_issue_datasets_and_generated_values_only_in_the_lock():
    assert {"funding_events", "governance_events", "org_structures", "policy_events", "sources",
            "entities"} <= set(CURATED)
    assert RAW["schema_version"] == entries.SCHEMA_VERSION
    assert not any({"sha256", "bytes"} & set(entry) for entry in RAW["datasets"].values()), \
        "curated checksums are generated into registry.lock.json, never written into registry.toml"
    lock = json.loads(reg.lock_path().read_text(encoding="utf-8"))
    assert list(lock["datasets"]) == CURATED


def test_the_lock_is_what_rehash_would_write():
    """Checksums, sizes and record versions are current: a reviewed edit was followed by `--rehash`."""
    assert reg.lock_text() == reg.lock_path().read_text(encoding="utf-8"), (
        "registry.lock.json is stale: run python -m workbench.datasets.registry --rehash after a reviewed edit")


@pytest.mark.parametrize("name", CURATED)
def test_metadata_complete(name):
    entry = reg.curated(name)
    for key in ("title", "description", "licence", "citation", "sources", "file", "primary_key", "fields"):
        assert getattr(entry, key), f"{name}: registry key {key!r} is missing or empty"
    names = [f.name for f in entry.fields]
    assert len(names) == len(set(names)), f"{name}: duplicate field names"
    for spec in entry.fields:
        assert spec.description.strip(), f"{name}.{spec.name} has no description"
        assert spec.type in entries.CURATED_TYPES and spec.dtype is not None
        if spec.type in ("enum", "list[enum]"):
            assert spec.values, f"{name}.{spec.name} is an enum without values"
    assert set(entry.primary_key) <= set(names)


@pytest.mark.parametrize("name", CURATED)
def test_hash_and_size_match(name):
    entry = reg.curated(name)
    data = entry.path.read_bytes()
    assert entry.file == RAW["datasets"][name]["file"]
    assert hashlib.sha256(data).hexdigest() == entry.sha256
    assert len(data) == entry.bytes


@pytest.mark.parametrize("name", CURATED)
def test_loads_with_the_registry_schema(name):
    frame = datasets.load(name)
    fields = [FieldSpec.from_mapping(f) for f in RAW["datasets"][name]["fields"]]
    assert frame.columns == [f.name for f in fields]
    for spec in fields:
        assert frame.schema[spec.name] == spec.dtype, f"{name}.{spec.name}: {frame.schema[spec.name]} != {spec.dtype}"
        if spec.required:
            assert frame[spec.name].null_count() == 0, f"{name}.{spec.name} is required but has nulls"
    assert frame.height > 0
    assert set(frame["origin"].cast(pl.String)) == {"package"}


@pytest.mark.parametrize("name", CURATED)
def test_ids_unique(name):
    entry = RAW["datasets"][name]
    frame = datasets.load(name)
    for field in entry["fields"]:
        if field.get("unique") or field["name"] == entry["primary_key"]:
            assert frame[field["name"]].is_duplicated().sum() == 0, f"{name}.{field['name']} has duplicates"


@pytest.mark.parametrize("name", CURATED)
def test_foreign_keys_resolve(name):
    """Checked here independently of the loader's own check."""
    frame = datasets.load(name)
    for field in RAW["datasets"][name]["fields"]:
        if not field.get("references"):
            continue
        table, column = field["references"].split(".")
        valid = set(datasets.load(table)[column].to_list())
        values = frame[field["name"]]
        items = values.explode().drop_nulls() if isinstance(values.dtype, pl.List) else values.drop_nulls()
        missing = set(items.to_list()) - valid
        assert not missing, f"{name}.{field['name']} -> {field['references']}: {sorted(missing)[:5]}"


SOURCED = [n for n in CURATED if any(f["name"] == "source_ids" for f in RAW["datasets"][n]["fields"])]
EVENT_TABLES = ["funding_events", "governance_events", "org_structures", "policy_events"]


@pytest.mark.parametrize("name", SOURCED)
def test_every_row_resolves_to_a_source_with_a_url(name):
    frame = datasets.load(name)
    urls = dict(datasets.load("sources").select("source_id", "url").iter_rows())
    for row in frame.iter_rows(named=True):
        if not row["source_ids"]:
            assert row["unsourced_reason"], f"{name}: row {row} has no source and no unsourced_reason"
            continue
        assert all(urls[i].startswith(("http://", "https://")) for i in row["source_ids"])
    # a row whose every earlier source was a copy or mirror stays, unsourced, with the reason (never silently)
    unsourced = frame.filter(pl.col("source_ids").list.len() == 0)
    assert set(unsourced["confidence"].cast(pl.String)) <= {"unsourced"}
    assert unsourced["unsourced_reason"].null_count() == 0


def test_confidence_follows_the_bar():
    """Recomputed here from the sources' kinds, independently of workbench.datasets.sourcing."""
    primary = {"company", "regulator", "legislature", "court", "official_journal", "filing", "intergovernmental"}
    sources = {r["source_id"]: r for r in datasets.load("sources").iter_rows(named=True)}
    partisan = set(datasets.load("publishers").filter(pl.col("partisan"))["host"])
    for name in EVENT_TABLES:
        for row in datasets.load(name).iter_rows(named=True):
            cited = [sources[i] for i in row["source_ids"]]
            kinds = [str(s["kind"]) for s in cited]
            banned = any(k in ("aggregator", "mirror") or s["host"] in partisan for k, s in zip(kinds, cited))
            outlets = {s["via"] or s["publisher"] for k, s in zip(kinds, cited)
                       if k in ("wire", "major_outlet") and not s["via"]}
            has_primary = bool(primary & set(kinds))
            meets = (not banned and (has_primary or bool(outlets))
                     and (not row["headline"] or has_primary or len(outlets) >= 2))
            assert row["meets_bar"] == meets, (name, row)
            expected = ("unsourced" if not cited else "low" if not meets or row["weak_support"]
                        else "high" if has_primary or len(outlets) >= 2 else "medium")
            assert str(row["confidence"]) == expected, (name, row)


@pytest.mark.parametrize("name", EVENT_TABLES)
def test_no_shipped_row_is_below_the_bar_without_saying_why(name):
    below = datasets.load(name).filter(~pl.col("meets_bar"))
    sourced = below.filter(pl.col("source_ids").list.len() > 0)
    assert sourced.filter(pl.col("confidence_note").is_null()).height == 0
    assert set(sourced["confidence"].cast(pl.String)) <= {"low"}
    assert below.filter((pl.col("source_ids").list.len() == 0) & pl.col("unsourced_reason").is_null()).height == 0


@pytest.mark.parametrize("name", EVENT_TABLES)
def test_every_shipped_row_source_pair_has_a_citation(name):
    key = RAW["datasets"][name]["primary_key"]
    pairs = (datasets.load(name).select(pl.col(key).alias("row_id"), pl.col("source_ids").alias("source_id"))
             .explode("source_id"))
    cited = datasets.load("citations").filter(pl.col("dataset") == name).select("row_id", "source_id")
    assert pairs.join(cited, on=["row_id", "source_id"], how="anti").height == 0


def test_every_shipped_source_is_cited_and_every_host_classified():
    cited = set()
    for name in SOURCED:
        cited |= set(datasets.load(name)["source_ids"].explode().drop_nulls())
    sources = datasets.load("sources")
    assert set(sources["source_id"]) == cited, "a source no row cites is dead weight; remove it"
    assert sources["tier"].null_count() == 0 and sources["publisher"].null_count() == 0


def test_link_only_and_excerpt_citations_name_the_page_they_were_seen_through():
    citations = datasets.load("citations")
    assert citations.filter(pl.col("seen").is_in(["link_only", "excerpt"]) & pl.col("seen_via").is_null()).height == 0
    assert citations.filter((pl.col("seen") == "read") & pl.col("seen_via").is_not_null()).height == 0


def test_policy_rows_have_an_identifier_or_say_why_none_exists():
    policy = datasets.load("policy_events")
    assert policy.filter((pl.col("official_ids").list.len() == 0)
                         & pl.col("no_identifier_reason").is_null()).height == 0
    eu_act = policy.filter(pl.col("event_id") == "POL-016").row(0, named=True)
    assert "celex:32024R1689" in eu_act["official_ids"]
    assert eu_act["official_url"] == "https://eur-lex.europa.eu/legal-content/EN/TXT/?uri=CELEX:32024R1689"


def test_seed_deal_is_a_row():
    funding = datasets.load_funding()
    row = funding.filter(pl.col("event_id") == "msft-openai-2019-07").row(0, named=True)
    assert (row["investor"], row["recipient"], str(row["date"]), row["amount_usd"]) == (
        "Microsoft", "OpenAI", "2019-07-22", 1e9)
    assert row["compute_link"] is True and row["confidence"] == "high"
    assert "cash" in row["disagreement"].lower() and "azure" in row["disagreement"].lower()
    seed_urls = datasets.load("sources").filter(pl.col("source_id").is_in(row["source_ids"]))["url"].to_list()
    assert any("bloomberg.com/news/articles/2019-07-22" in u for u in seed_urls)


def test_reference_nuance_is_kept():
    funding = datasets.load_funding().filter(pl.col("recipient") == "OpenAI")
    by_id = {r["event_id"]: r for r in funding.iter_rows(named=True)}
    assert by_id["openai-founding-pledge-2015-12"]["amount_kind"] == "pledged"
    assert by_id["openai-donations-total-2015-2021"]["amount_usd"] == pytest.approx(133.2e6)
    assert by_id["openai-donations-musk-2024-03"]["amount_usd"] == 45e6
    assert by_id["openai-donations-musk-traceable-2023-05"]["amount_usd"] == 15e6
    # pledge, OpenAI's account and TechCrunch's trace are never summed together
    donations = funding.filter(pl.col("instrument") == "grant")
    assert donations.filter("countable")["amount_usd"].sum() == pytest.approx(133.2e6)


def test_parts_never_exceed_their_totals():
    funding = datasets.load_funding()
    parts = funding.filter(pl.col("part_of").is_not_null()).group_by("part_of").agg(pl.col("amount_usd").sum())
    totals = funding.filter("is_total").select("event_id", "amount_usd")
    joined = parts.join(totals, left_on="part_of", right_on="event_id", suffix="_total")
    assert joined.height == parts.height  # every part_of points at a total
    assert (joined["amount_usd"] <= joined["amount_usd_total"]).all()


def test_entities_cover_the_seed_and_design_aliases():
    entities = datasets.load_entities()
    alias_to_name = {a: n for n, aliases in entities.select("name", "aliases").iter_rows() for a in aliases}
    names = set(entities["name"])
    for actor in ("Microsoft", "OpenAI", "Elon Musk", "Peter Thiel", "Google", "Meta", "Azure"):
        assert actor in names
    assert alias_to_name["Musk"] == "Elon Musk"
    assert alias_to_name["Microsoft Corp."] == "Microsoft"
    assert alias_to_name["MSFT"] == "Microsoft"
    assert alias_to_name["AWS"] == "Amazon Web Services"
    assert alias_to_name["Facebook"] == "Meta"
    azure = entities.filter(pl.col("name") == "Azure").row(0, named=True)
    assert (azure["kind"], azure["parent"]) == ("product", "Microsoft")


def test_aliases_are_unambiguous():
    entities = datasets.load_entities()
    names = set(entities["name"])
    aliases = entities.select(pl.col("aliases").explode().drop_nulls())["aliases"]
    assert aliases.is_duplicated().sum() == 0
    assert not (set(aliases) & names), "an alias must not also be a canonical name"


def test_every_seed_actor_appears_in_the_seed_text():
    """Guards the list above against drift: the actors really are named in the seed article."""
    from workbench import paths

    text = "".join(p.read_text(encoding="utf-8") for p in paths.seeds_dir().glob("*.txt"))
    entities = datasets.load_entities()
    for name in ("Microsoft", "OpenAI", "Elon Musk", "Peter Thiel", "Google", "Azure"):
        aliases = entities.filter(pl.col("name") == name)["aliases"].to_list()[0]
        assert any(t in text for t in [name, *aliases])
    assert "Facebook" in text


def test_list_includes_live_entries_and_unknown_name_suggests():
    names = datasets.list_datasets()
    assert names[: len(CURATED)] == CURATED
    assert datasets.list_datasets("live") == list(RAW.get("live", {}))
    with pytest.raises(Exception) as caught:
        datasets.load("funding_event")
    assert "funding_events" in str(caught.value) and "did you mean" in str(caught.value)


def test_wrappers_match_load():
    for wrapper, name in ((datasets.load_funding, "funding_events"), (datasets.load_governance, "governance_events"),
                          (datasets.load_org_structures, "org_structures"), (datasets.load_policy, "policy_events"),
                          (datasets.load_sources, "sources"), (datasets.load_entities, "entities")):
        assert wrapper().equals(datasets.load(name))


def test_checksum_mismatch_is_reported(tmp_path, monkeypatch):
    from workbench.datasets import curated

    copy = tmp_path / "registry.toml"
    shutil.copytree(reg.REGISTRY_PATH.parent / "data", tmp_path / "data")
    shutil.copy(reg.REGISTRY_PATH, copy)
    shutil.copy(reg.lock_path(), reg.lock_path(copy))
    with open(tmp_path / "data" / "policy_events.csv", "a", encoding="utf-8") as fh:
        fh.write("\n")
    monkeypatch.setattr(reg, "REGISTRY_PATH", copy)
    curated.clear_cache()
    with pytest.raises(datasets_error()) as caught:
        datasets.load("policy_events")
    assert "--rehash" in str(caught.value) and "policy_events.csv" in str(caught.value)
    assert "does not match its registry lock" in str(caught.value)
    curated.clear_cache()


def datasets_error():
    from workbench.errors import DatasetError

    return DatasetError


def test_import_workbench_does_not_import_polars():
    import subprocess
    import sys

    code = "import sys, workbench, workbench.datasets; print('polars' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "False"
