"""`python -m workbench datasets list | info | validate | fetch`."""

from __future__ import annotations

import polars as pl
import pytest

from workbench import cli
from workbench.datasets import registry as reg


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("WORKBENCH_CACHE_DIR", str(tmp_path / "cache"))


def run(capsys, *argv):
    code = cli.main(["datasets", *argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_list_shows_every_dataset_with_rows_licence_and_sources(capsys):
    from workbench import datasets

    code, out, _ = run(capsys, "list")
    assert code == 0
    lines = {line.split()[0]: line for line in out.splitlines()[1:]}
    assert set(lines) == set(datasets.list_datasets())
    for name in reg.curated_names():
        frame = datasets.load(name)
        cells = lines[name].split()
        assert cells[1] == "curated" and cells[2] == str(frame.height) and cells[4] == "CC-BY-4.0"
        assert int(cells[5]) > 0 or name == "changelog"  # the changelog records edits; it cites no pages
    for name in reg.live_names():
        assert "not fetched" in lines[name]


def test_info_funding_events(capsys):
    code, out, _ = run(capsys, "info", "funding_events")
    assert code == 0
    for needle in ("licence", "sha256", "matches the registry", "confidence", "countable", "as-of", "your rows",
                   "amount_usd"):
        assert needle in out


@pytest.mark.parametrize("name", reg.curated_names())
def test_info_of_every_curated_table(capsys, name):
    code, out, _ = run(capsys, "info", name)
    assert code == 0 and out.startswith(f"{name}: {reg.curated(name).title}") and "matches the registry" in out


def test_info_live_entry_reads_the_registry(capsys):
    if not reg.live_names():
        pytest.skip("no live entries yet")
    name = reg.live_names()[0]
    code, out, _ = run(capsys, "info", name)
    assert code == 0 and name in out and "not fetched" in out


def test_unknown_name_exits_2_with_suggestion(capsys):
    code, _, err = run(capsys, "info", "funding")
    assert code == 2 and "funding_events" in err and err.startswith("error:")


def test_validate_good_and_bad(tmp_path, capsys):
    from workbench import datasets

    src = datasets.load_sources()["source_id"][0]
    header = ("event_id,date,date_precision,investor,recipient,amount_usd,amount_kind,instrument,status,asset,deal,"
              "is_total,compute_link,source_ids,weak_support")
    good = tmp_path / "funding_events.csv"
    good.write_text(f"{header}\nz,2020-01-01,day,Amazon,Anthropic,1,reported,equity,committed,cash,d,false,false,"
                    f"{src},false\n", encoding="utf-8")
    code, out, _ = run(capsys, "validate", str(good))
    assert code == 0 and "1 valid row" in out
    bad = tmp_path / "bad.csv"
    bad.write_text(f"{header}\nz,2020-01-01,day,Amazon,Anthropic,-3,reported,equity,committed,cash,d,false,false,"
                   f"{src},false\n", encoding="utf-8")
    code, _, err = run(capsys, "validate", str(bad), "--dataset", "funding_events")
    assert code == 2 and f"{bad}:2" in err and "amount_usd" in err and "'-3'" in err and "Fix:" in err


def test_fetch_calls_the_live_module(capsys, monkeypatch):
    if not reg.live_names():
        pytest.skip("no live entries yet")
    from workbench.datasets import live

    calls = []

    def fake_fetch(name, *, offline=False, refresh=False, **_):
        calls.append((name, offline, refresh))
        return pl.DataFrame({"a": [1, 2]})

    monkeypatch.setattr(live, "fetch", fake_fetch)
    name = reg.live_names()[0]
    code, out, _ = run(capsys, "fetch", name, "--offline", "--refresh")
    assert code == 0 and calls == [(name, True, True)] and "2 rows" in out


def test_fetch_offline_without_cache_is_a_clear_error(capsys):
    if not reg.live_names():
        pytest.skip("no live entries yet")
    code, _, err = run(capsys, "fetch", reg.live_names()[0], "--offline")
    assert code == 2 and err.startswith("error:")


def test_fetch_curated_or_unknown(capsys):
    code, out, _ = run(capsys, "fetch", "funding_events")
    assert code == 0 and "nothing to fetch" in out
    code, _, err = run(capsys, "fetch", "epoch_model")
    assert code == 2 and "did you mean" in err
