"""The one registry reader: typed entries for curated and live datasets, its mistakes reported with file, line, key
and fix, and the generated lock that `--rehash` writes (registry.toml itself is never rewritten)."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import polars as pl
import pytest

from workbench import datasets
from workbench.datasets import curated, entries, live, versions
from workbench.datasets import registry as reg
from workbench.errors import DatasetError


@pytest.fixture(autouse=True)
def _no_user_overlays(data_dir):
    """No researcher overlay changes what is loaded."""


@pytest.fixture
def copy(tmp_path, monkeypatch) -> Path:
    """The registry, its lock and the shipped CSVs copied to a scratch folder and in use."""
    folder = tmp_path / "package"
    shutil.copytree(reg.REGISTRY_PATH.parent / "data", folder / "data")
    shutil.copy(reg.REGISTRY_PATH, folder / "registry.toml")
    shutil.copy(reg.lock_path(), folder / "registry.lock.json")
    monkeypatch.setattr(reg, "REGISTRY_PATH", folder / "registry.toml")
    curated.clear_cache()
    yield folder
    curated.clear_cache()


# --- typed entries, one vocabulary ------------------------------------------------------------------------------


def test_curated_and_live_entries_are_typed_with_one_field_vocabulary():
    registry = reg.read()
    assert registry.lock_problem is None
    for entry in registry.curated.values():
        assert isinstance(entry, entries.CuratedEntry) and entry.path.is_file() and entry.lock is not None
        assert all(isinstance(f, entries.FieldSpec) and f.type in entries.CURATED_TYPES for f in entry.fields)
    for name, entry in registry.live.items():
        assert isinstance(entry, entries.LiveEntry)
        assert all(isinstance(f, entries.FieldSpec) and f.type in entries.LIVE_TYPES and f.headers
                   for f in entry.fields)
        assert live.schema(name) == entry.schema
        assert entry.changes_daily != entry.pinned
    assert set(entries.CURATED_TYPES) | set(entries.LIVE_TYPES) <= set(entries.TYPES)
    assert set(live._PARSERS) == set(entries.PARSERS)  # every parser the registry allows exists, and only those


def test_dtype_of_the_one_vocabulary():
    assert entries.dtype_of("list[int]") == pl.List(pl.Int64)
    assert entries.dtype_of("enum", ("a", "b")) == pl.Enum(["a", "b"])
    assert entries.dtype_of("category") == pl.Categorical()
    with pytest.raises(DatasetError, match="unknown field type"):
        entries.dtype_of("float64")


def test_a_live_name_where_a_curated_one_is_expected_says_what_to_do():
    live_name, curated_name = reg.live_names()[0], reg.curated_names()[0]
    with pytest.raises(DatasetError, match=r"datasets\.fetch"):
        reg.curated(live_name)
    with pytest.raises(DatasetError, match=r"datasets\.load"):
        live.fetch(curated_name, offline=True)
    with pytest.raises(DatasetError, match="did you mean 'funding_events'"):
        reg.live("funding_event")


# --- mistakes in registry.toml ----------------------------------------------------------------------------------

GOOD = '''schema_version = 2

[datasets.things]
title = "Things"
description = "Test things."
licence = "CC-BY-4.0"
citation = "Us."
sources = ["made up"]
file = "data/things.csv"
primary_key = "thing_id"

[[datasets.things.fields]]
name = "thing_id"
type = "string"
description = "Id."
required = true

[[datasets.things.fields]]
name = "kind"
type = "enum"
description = "Kind."
values = ["a", "b"]

[live.feed]
title = "Feed"
description = "A feed."
licence = "CC-BY-4.0"
citation = "Them."
url = "https://example.org/feed.csv"
changes_daily = true
fields = [
  { name = "n", type = "int", from = ["N"], description = "A count." },
]
'''


def registry_error(tmp_path: Path, text: str) -> list:
    path = tmp_path / "registry.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(entries.RegistryError) as caught:
        reg.read(path)
    assert isinstance(caught.value, DatasetError)
    for problem in caught.value.problems:
        assert problem.file == str(path) and problem.line and problem.column and problem.fix, problem
    return caught.value.problems


def test_a_good_registry_reads(tmp_path):
    path = tmp_path / "registry.toml"
    path.write_text(GOOD, encoding="utf-8")
    registry = reg.read(path)
    assert list(registry.curated) == ["things"] and list(registry.live) == ["feed"]
    assert registry.curated["things"].primary_key == ("thing_id",)
    assert registry.curated["things"].lock is None and "missing" in registry.lock_problem
    assert registry.live["feed"].schema == pl.Schema({"n": pl.Int64})


@pytest.mark.parametrize(("old", "new", "column", "line", "words"), [
    ("required = true", "requird = true", "datasets.things.fields.thing_id.requird", 16, "did you mean 'required'"),
    ('type = "enum"', 'type = "int"', "datasets.things.fields.kind.type", 20, "the curated CSV reader"),
    ('values = ["a", "b"]\n', "", "datasets.things.fields.kind.values", 19, "needs its `values`"),
    ('primary_key = "thing_id"', 'primary_key = "id"', "datasets.things.primary_key", 10, "'id', which is not a field"),
    ('type = "int", from', 'type = "int64", from', "live.feed.fields.n.type", 32, "int64"),
    ("changes_daily = true\n", "", "live.feed.sha256", 24, "changes_daily"),
    ('url = "https://example.org/feed.csv"', 'url = "example.org/feed.csv"', "live.feed.url", 29, "http(s) URL"),
    ('required = true', 'required = true\nreferences = "stuff.id"', "datasets.things.fields.thing_id.references", 17,
     "not a table.column"),
])
def test_a_mistake_names_the_file_line_key_and_fix(tmp_path, old, new, column, line, words):
    assert old in GOOD
    (problem,) = registry_error(tmp_path, GOOD.replace(old, new, 1))
    assert (problem.column, problem.line) == (column, line) and words in str(problem), problem


def test_every_mistake_is_listed_at_once(tmp_path):
    text = GOOD.replace("required = true", "requird = true").replace("changes_daily = true\n", "")
    assert len(registry_error(tmp_path, text)) == 2


# --- the generated lock -----------------------------------------------------------------------------------------


def test_rehash_writes_only_the_lock(copy):
    toml = (copy / "registry.toml").read_bytes()
    assert reg.rehash() == []  # nothing changed: the lock is not even rewritten
    with open(copy / "data" / "policy_events.csv", "a", encoding="utf-8") as stream:
        stream.write("\n")  # a blank line: the rows (and the changelog) stay the same, the bytes do not
    with pytest.raises(DatasetError, match="does not match its registry lock"):
        datasets.load("policy_events")
    assert reg.rehash() == ["policy_events"]
    assert (copy / "registry.toml").read_bytes() == toml
    assert reg.curated("policy_events").bytes == (copy / "data" / "policy_events.csv").stat().st_size
    assert datasets.load("policy_events").height > 0
    assert reg.lock_text() == (copy / "registry.lock.json").read_text(encoding="utf-8")


def test_the_command_logs_the_edit_then_refreshes_the_lock(copy, capsys):
    assert reg.main(["--rehash"]) == 0 and "nothing changed" in capsys.readouterr().out
    path = copy / "data" / "entities.csv"
    rows = list(csv.DictReader(path.open(encoding="utf-8", newline="")))
    rows[1]["note"] = "An edited note."
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    assert reg.main(["--rehash"]) == 1  # an edit that is not in the changelog is refused
    assert f"entities:{rows[1]['entity_id']} (changed)" in capsys.readouterr().err
    assert reg.main(["--rehash", "--reason", "correction", "--note", "a test edit"]) == 0
    out = capsys.readouterr().out
    assert "logged 1 row change(s) as correction" in out and "rehashed: entities, changelog" in out
    lock = json.loads((copy / "registry.lock.json").read_text(encoding="utf-8"))
    assert lock["record_version"] == versions.record_version() == lock["datasets"]["entities"]["version"]
    assert versions.pending() == [] and datasets.load("entities").height == len(rows)


def test_a_damaged_lock_is_named_and_rehash_regenerates_it(copy):
    lock = copy / "registry.lock.json"
    text = lock.read_text(encoding="utf-8")
    lock.write_text("<<<<<<< HEAD\n" + text + "=======\n" + text + ">>>>>>> other\n", encoding="utf-8")
    with pytest.raises(DatasetError) as caught:
        datasets.load("entities")
    assert "registry.lock.json is damaged" in str(caught.value) and "--rehash" in str(caught.value)
    assert set(reg.rehash()) == set(reg.curated_names())  # every table was unchecked
    assert lock.read_text(encoding="utf-8") == text
    assert datasets.load("entities").height > 0
