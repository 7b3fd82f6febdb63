"""Versions of the record: a changelog row for every row added, changed or removed, and diffs between versions.

Every curated table's rows are fingerprinted (`row_sha`: the sha256 of the row's stored cells as written in the
CSV). The changelog table holds, per row, the fingerprint after each change with the version, date and a reason
code, so `pending()` can tell every edit that is not logged yet: a test keeps that list empty, and
`python -m workbench.datasets.registry --rehash --reason CODE --note TEXT` logs the edits before refreshing the
checksums. The record version is the latest version in the changelog; saved outputs name it.

`diff(old, new)` compares two snapshots of the record, each a folder of CSVs (`workbench datasets export DIR`),
a git revision of this repository (`git:HEAD~3`), or `current`: rows added, removed and changed per table, and
the old and new value of every changed cell.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import hashlib
import io
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from workbench.datasets import registry as reg
from workbench.errors import DatasetError, UsageError

__all__ = [
    "CHANGELOG", "CURRENT", "REASONS", "Change", "Diff", "Snapshot", "changelog_path", "diff", "export", "log_changes",
    "next_version", "pending", "record_version", "require_logged", "row_sha", "snapshot", "table_version", "tracked",
]

CHANGELOG = "changelog"
REASONS = ("baseline", "new_event", "correction", "new_source", "status_change", "reclassified")
CURRENT = "current"


def row_sha(cells: list[str]) -> str:
    """First 16 hex digits of the sha256 of a row's stored cells (unit separator between them)."""
    return hashlib.sha256("\x1f".join(cells).encode("utf-8")).hexdigest()[:16]


def tracked() -> list[str]:
    """The curated tables whose rows the changelog follows (all but the changelog itself)."""
    return [name for name in reg.curated_names() if name != CHANGELOG]


Snapshot = dict[str, dict[str, dict[str, str]]]  # table -> row key -> column -> cell as written


def snapshot(where: str | Path = CURRENT) -> Snapshot:
    """Every tracked table's rows keyed by primary key, cells as written: from the shipped CSVs (`current`), a folder
    of exported CSVs, or a git revision of this repository (`git:REV`)."""
    tables = {}
    for name in tracked():
        text = _table_text(name, where)
        if text is not None:
            tables[name] = _rows(name, text)
    return tables


def _table_text(name: str, where: str | Path) -> str | None:
    entry = reg.curated(name)
    if str(where) == CURRENT:
        return entry.path.read_text(encoding="utf-8")
    if str(where).startswith("git:"):
        revision = str(where)[4:]
        relative = entry.path.relative_to(_repository_root())
        shown = subprocess.run(["git", "show", f"{revision}:{relative.as_posix()}"], cwd=_repository_root(),
                               capture_output=True, text=True, timeout=60)
        if shown.returncode != 0:
            if "exists on disk, but not in" in shown.stderr or "does not exist in" in shown.stderr:
                return None  # the table is newer than that revision
            raise UsageError(f"git could not read {relative} at {revision!r}: {shown.stderr.strip()}",
                             fix="give a revision of this repository (e.g. git:HEAD~1, git:v1.0) or an exported folder",
                             value=str(where))
        return shown.stdout
    folder = Path(where)
    if not folder.is_dir():
        raise UsageError(f"{where!s} is neither a folder of exported tables, a git revision (git:REV) nor 'current'.",
                         fix="export a snapshot with `workbench datasets export DIR`, or write git:HEAD~1",
                         value=str(where))
    path = folder / f"{name}.csv"
    return path.read_text(encoding="utf-8") if path.is_file() else None


def _repository_root() -> Path:
    root = reg.REGISTRY_PATH.parents[2]
    if not (root / ".git").exists():
        raise UsageError("git revisions need the workbench's git checkout, and this installation has none.",
                         fix="compare exported folders instead (`workbench datasets export DIR`)")
    return root


def _rows(name: str, text: str) -> dict[str, dict[str, str]]:
    entry = reg.curated(name)
    stored = [spec.name for spec in entry.stored_fields]
    key = entry.primary_key
    reader = csv.DictReader(io.StringIO(text))
    rows = {}
    for row in reader:
        cells = {column: row.get(column) or "" for column in stored}
        rows["|".join(cells[k] for k in key)] = cells
    return rows


@dataclass(frozen=True)
class Change:
    """One row added, changed or removed since its last changelog entry."""

    dataset: str
    row_id: str
    change: str
    row_sha: str
    fields: tuple[str, ...] = ()


def pending(base: str | Path | None = None) -> list[Change]:
    """Rows of the shipped tables whose fingerprint differs from their last changelog entry (or that have none),
    and logged rows that are gone. With `base` (a snapshot as in `snapshot`), changed rows name their changed
    columns."""
    current, last = snapshot(CURRENT), _last_entries()
    before = snapshot(base) if base is not None else {}
    changes = []
    for name, rows in current.items():
        stored = [spec.name for spec in reg.curated(name).stored_fields]
        for key, cells in rows.items():
            sha = row_sha([cells[c] for c in stored])
            entry = last.get((name, key))
            if entry is None or entry["change"] == "removed":
                changes.append(Change(name, key, "added", sha))
            elif entry["row_sha"] != sha:
                old = before.get(name, {}).get(key)
                fields = tuple(c for c in stored if old is not None and old.get(c, "") != cells[c])
                changes.append(Change(name, key, "changed", sha, fields))
        for (dataset, key), entry in last.items():
            if dataset == name and entry["change"] != "removed" and key not in rows:
                changes.append(Change(name, key, "removed", ""))
    return changes


def changelog_path() -> Path:
    """The shipped changelog CSV (tests point this at a copy)."""
    return reg.curated(CHANGELOG).path


def _last_entries() -> dict[tuple[str, str], dict[str, str]]:
    """The latest changelog row per (dataset, row_id)."""
    path, stamp = _stamped_changelog()
    return _read_last_entries(path, *stamp)


def record_version() -> str | None:
    """The latest version in the changelog (YYYY.MM.DD[.N]); None before the first."""
    return max(_table_versions().values(), key=_version_key, default=None)


def table_version(name: str) -> str | None:
    """The latest version that changed a row of `name`."""
    return _table_versions().get(name)


def _stamped_changelog() -> tuple[Path, tuple[int, int]]:
    path = changelog_path()
    stat = path.stat()
    return path, (stat.st_mtime_ns, stat.st_size)


def _table_versions() -> dict[str, str]:
    """The latest version per table, re-read only when the changelog changes: every save names the record version,
    so this is asked many times per notebook, in every kernel."""
    path, stamp = _stamped_changelog()
    return _read_table_versions(path, *stamp)


@functools.lru_cache(maxsize=4)
def _read_table_versions(path: Path, _mtime_ns: int, _size: int) -> dict[str, str]:
    try:
        pairs = pl.read_csv(path, columns=["dataset", "version"], infer_schema=False).unique().rows()
    except pl.exceptions.NoDataError:  # an empty file: no version yet, as a header without rows
        return {}
    latest: dict[str, str] = {}
    for dataset, version in sorted(pairs, key=lambda pair: _version_key(pair[1])):
        latest[dataset] = version
    return latest


@functools.lru_cache(maxsize=4)
def _read_last_entries(path: Path, _mtime_ns: int, _size: int) -> dict[tuple[str, str], dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        entries = sorted(csv.DictReader(handle), key=lambda row: _version_key(row["version"]))
    return {(row["dataset"], row["row_id"]): row for row in entries}


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def next_version(today: dt.date | None = None) -> str:
    """Today's version, with .N when the record already has a version of that day."""
    day = (today or dt.date.today()).strftime("%Y.%m.%d")
    latest = record_version()
    if latest is None or not latest.startswith(day):
        return day
    parts = latest.split(".")
    return f"{day}.{int(parts[3]) + 1 if len(parts) > 3 else 2}"


def log_changes(reason: str, note: str, *, base: str | Path | None = None,
                today: dt.date | None = None) -> list[Change]:
    """Append a changelog row (one version) for every pending change, with `reason` and `note`; returns them."""
    if reason not in REASONS:
        raise UsageError(f"{reason!r} is not a changelog reason.", fix=f"use one of {', '.join(REASONS)}",
                         column="reason", value=reason)
    if not note.strip():
        raise UsageError("a changelog entry needs a note.", fix="say in a few words what changed and why",
                         column="note", value=note)
    changes = pending(base)
    if not changes:
        return []
    version, day = next_version(today), (today or dt.date.today()).isoformat()
    with changelog_path().open("a", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        for change in changes:
            writer.writerow([change.dataset, change.row_id, version, day, change.change, reason,
                             ";".join(change.fields), change.row_sha, note])
    return changes


def export(folder: str | Path) -> Path:
    """Write every tracked table, and the changelog, as CSV into `folder` (a snapshot `diff` can compare)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name in [*tracked(), CHANGELOG]:
        (folder / f"{name}.csv").write_bytes(reg.curated(name).path.read_bytes())
    (folder / "VERSION").write_text(f"{record_version() or 'unversioned'}\n", encoding="utf-8")
    return folder


@dataclass
class Diff:
    """What changed between two snapshots: per table, counts; per changed cell, the old and new value."""

    old: str
    new: str
    summary: pl.DataFrame = field(default_factory=pl.DataFrame)  # dataset, added, removed, changed, unchanged
    columns: pl.DataFrame = field(default_factory=pl.DataFrame)  # dataset, column, changed
    cells: pl.DataFrame = field(default_factory=pl.DataFrame)  # dataset, row_id, change, column, old, new

    def to_text(self, limit: int = 40) -> str:
        lines = [f"Record diff: {self.old} -> {self.new}"]
        for row in self.summary.iter_rows(named=True):
            lines.append(f"  {row['dataset']}: +{row['added']} added, -{row['removed']} removed, "
                         f"~{row['changed']} changed, {row['unchanged']} unchanged")
            for column in self.columns.filter(pl.col("dataset") == row["dataset"]).iter_rows(named=True):
                lines.append(f"      {column['column']}: {column['changed']} row(s)")
        shown = self.cells.head(limit)
        if not shown.is_empty():
            lines.append("Changes:")
            for cell in shown.iter_rows(named=True):
                if cell["change"] == "changed":
                    lines.append(f"  {cell['dataset']} {cell['row_id']} {cell['column']}: "
                                 f"{cell['old']!r} -> {cell['new']!r}")
                else:
                    lines.append(f"  {cell['dataset']} {cell['row_id']}: {cell['change']}")
            if self.cells.height > limit:
                lines.append(f"  ... and {self.cells.height - limit} more (use --format json for all)")
        return "\n".join(lines)

    def to_json(self) -> dict:
        return {"old": self.old, "new": self.new, "summary": self.summary.to_dicts(),
                "columns": self.columns.to_dicts(), "cells": self.cells.to_dicts()}


def diff(old: str | Path, new: str | Path = CURRENT) -> Diff:
    """Row- and cell-level differences between two snapshots (folders, git:REV or current)."""
    before, after = snapshot(old), snapshot(new)
    summary, columns, cells = [], [], []
    for name in sorted(set(before) | set(after)):
        rows_before, rows_after = before.get(name, {}), after.get(name, {})
        added = sorted(set(rows_after) - set(rows_before))
        removed = sorted(set(rows_before) - set(rows_after))
        changed, per_column = 0, {}
        for key in sorted(set(rows_before) & set(rows_after)):
            old_row, new_row = rows_before[key], rows_after[key]
            differing = [c for c in dict.fromkeys([*old_row, *new_row]) if old_row.get(c, "") != new_row.get(c, "")]
            if differing:
                changed += 1
                for column in differing:
                    per_column[column] = per_column.get(column, 0) + 1
                    cells.append({"dataset": name, "row_id": key, "change": "changed", "column": column,
                                  "old": old_row.get(column), "new": new_row.get(column)})
        cells += [{"dataset": name, "row_id": key, "change": "added", "column": None, "old": None, "new": None}
                  for key in added]
        cells += [{"dataset": name, "row_id": key, "change": "removed", "column": None, "old": None, "new": None}
                  for key in removed]
        summary.append({"dataset": name, "added": len(added), "removed": len(removed), "changed": changed,
                        "unchanged": len(set(rows_before) & set(rows_after)) - changed})
        columns += [{"dataset": name, "column": c, "changed": n} for c, n in sorted(per_column.items())]
    schema = {"dataset": pl.String, "row_id": pl.String, "change": pl.String, "column": pl.String, "old": pl.String,
              "new": pl.String}
    return Diff(str(old), str(new), pl.DataFrame(summary), pl.DataFrame(columns, schema={"dataset": pl.String,
                "column": pl.String, "changed": pl.Int64}), pl.DataFrame(cells, schema=schema))


def require_logged() -> None:
    """Raise naming the rows whose edits are not in the changelog (used before refreshing checksums)."""
    changes = pending()
    if changes:
        listed = ", ".join(f"{c.dataset}:{c.row_id} ({c.change})" for c in changes[:8])
        raise DatasetError(f"{len(changes)} row edit(s) are not in the changelog: {listed}"
                           + (" ..." if len(changes) > 8 else ""),
                           fix="log them: python -m workbench.datasets.registry --rehash --reason CODE --note TEXT "
                               f"(CODE one of {', '.join(REASONS[1:])})")
