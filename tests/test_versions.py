"""Record versions: the changelog covers every shipped row, and diffs between versions or snapshots."""

from __future__ import annotations

import csv
import datetime as dt
import json
import shutil
import subprocess

import polars as pl
import pytest

from workbench import datasets
from workbench.datasets import registry as reg
from workbench.datasets import versions


def test_the_changelog_covers_every_shipped_row() -> None:
    """Every row's fingerprint matches its last changelog entry: no edit of the record goes unlogged."""
    assert versions.pending() == []
    log = datasets.load("changelog")
    assert set(log["dataset"]) <= set(versions.tracked())
    assert log.filter(pl.col("reason") == "baseline")["version"].unique().to_list() == ["2026.12.07"]
    assert versions.record_version() == max(log["version"], key=lambda v: tuple(map(int, v.split("."))))


def test_an_edit_shows_as_pending_until_logged(tmp_path, monkeypatch) -> None:
    log = tmp_path / "changelog.csv"
    shutil.copy(versions.changelog_path(), log)
    monkeypatch.setattr(versions, "changelog_path", lambda: log)
    rows = list(csv.DictReader(log.open()))
    first = next(r for r in rows if r["dataset"] == "entities")
    rows = [r for r in rows if r is not first]  # as if that row had never been logged
    with log.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(first), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    pending = versions.pending()
    assert [(c.dataset, c.row_id, c.change) for c in pending] == [("entities", first["row_id"], "added")]
    with pytest.raises(Exception) as caught:
        versions.require_logged()
    assert f"entities:{first['row_id']} (added)" in str(caught.value) and "--reason" in str(caught.value)
    logged = versions.log_changes("new_event", "a test entry", today=dt.date(2030, 1, 2))
    assert len(logged) == 1 and versions.pending() == []
    assert versions.record_version() == "2030.01.02" and versions.next_version(dt.date(2030, 1, 2)) == "2030.01.02.2"
    with pytest.raises(Exception, match="reason"):
        versions.log_changes("because", "x")


def test_diff_between_two_exported_snapshots(tmp_path) -> None:
    old = versions.export(tmp_path / "old")
    assert (old / "VERSION").read_text().strip() == versions.record_version()
    new = tmp_path / "new"
    shutil.copytree(old, new)
    path = new / "funding_events.csv"
    rows = list(csv.DictReader(path.open()))
    fields = list(rows[0])
    rows[0]["amount_usd"], rows[0]["note"] = "2000000000", "a corrected figure"
    removed = rows.pop(1)["event_id"]
    rows.append({**rows[2], "event_id": "a-new-deal"})
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    result = versions.diff(old, new)
    funding = result.summary.filter(pl.col("dataset") == "funding_events").row(0, named=True)
    assert (funding["added"], funding["removed"], funding["changed"]) == (1, 1, 1)
    assert (result.summary.filter(pl.col("dataset") != "funding_events")[["added", "removed", "changed"]]
            .sum_horizontal().sum() == 0)
    cells = result.cells.filter(pl.col("change") == "changed")
    assert set(cells["column"]) == {"amount_usd", "note"} and "2000000000" in cells["new"].to_list()
    assert set(result.cells.filter(pl.col("change") == "removed")["row_id"]) == {removed}
    assert result.columns.filter(pl.col("dataset") == "funding_events")["column"].to_list() == ["amount_usd", "note"]
    text = result.to_text()
    assert "funding_events: +1 added, -1 removed, ~1 changed" in text and "amount_usd" in text


def test_the_diff_command_prints_json_and_names_bad_arguments(tmp_path, capsys) -> None:
    from workbench.cli import main

    versions.export(tmp_path / "snap")
    assert main(["datasets", "diff", str(tmp_path / "snap"), "current", "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert all(row["added"] == row["removed"] == row["changed"] == 0 for row in report["summary"])
    assert main(["datasets", "diff", str(tmp_path / "missing")]) != 0
    assert "git:HEAD~1" in capsys.readouterr().err


@pytest.mark.skipif(not (reg.REGISTRY_PATH.parents[2] / ".git").exists(), reason="needs the git checkout")
def test_diff_against_a_git_revision() -> None:
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=reg.REGISTRY_PATH.parents[2],
                          capture_output=True, text=True)
    if head.returncode != 0:
        pytest.skip("git cannot read this checkout")
    result = versions.diff("git:HEAD", "current")
    assert set(result.summary["dataset"]) <= set(versions.tracked()) and result.summary.height > 0


def test_saved_outputs_name_the_record_version() -> None:
    from workbench.datasets import citing

    (entry,) = citing.derived_from(["funding_events"])
    assert (entry["record_version"] == versions.record_version()
            and entry["version"] == versions.table_version("funding_events"))
