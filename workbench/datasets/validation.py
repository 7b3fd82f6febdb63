"""Validate a CSV file against a curated dataset's schema without installing it as an overlay.

Why a separate path: `workbench datasets validate PATH` must check a file *before* a researcher drops it
into data/user/, with the same messages the overlay would give (file, line, column, value, fix).
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from workbench.datasets import curated as cur
from workbench.datasets import registry as reg
from workbench.datasets.schema import read_table
from workbench.errors import DatasetError, SchemaError

__all__ = ["dataset_for", "validate_file"]


def dataset_for(path: Path, dataset: str | None) -> str:
    name = dataset or path.stem
    if name not in reg.curated_names():
        if dataset is None:
            raise DatasetError(
                f"cannot tell which dataset {path.name} is for (its name is not a curated dataset).",
                fix="name the file <dataset>.csv or pass --dataset NAME; "
                    f"curated datasets: {', '.join(reg.curated_names())}",
                file=path,
            )
        raise reg.unknown_name_error(name)
    return name


def validate_file(path: Path, dataset: str | None = None) -> pl.DataFrame:
    """Typed rows of `path` if every cell, id, rule and reference is right; else SchemaError listing all problems."""
    if not path.is_file():
        raise DatasetError("there is no such file.", fix="check the path", file=path)
    name = dataset_for(path, dataset)
    entry = reg.curated(name)
    parsed = read_table(path, entry.fields, partial_columns=True)
    if parsed.problems:
        raise SchemaError(f"{path.name} does not fit the schema of {name!r}", parsed.problems)
    stored = entry.stored_fields
    frame = parsed.frame.with_columns(
        [pl.lit(None, dtype=s.dtype).alias(s.name) for s in stored if s.name not in parsed.frame.columns]
    ).select([s.name for s in stored])
    frame = frame.with_columns(
        pl.lit("user").cast(pl.Enum(cur.ORIGINS)).alias("origin"),
        pl.lit(str(path)).alias("_file"),
        pl.Series("_line", parsed.lines, dtype=pl.Int64),
    )
    columns = cur.key_columns(entry)
    frame = cur.keyed(frame, columns)
    problems = cur.duplicate_ids(frame, columns, "give each row its own id")
    problems += cur.row_rules(name, frame, stored)
    # self-references may point at shipped rows as well as rows of this file
    shipped = cur.keyed(cur.assemble(name).frame, columns)
    combined = pl.concat([shipped.select(frame.columns).filter(~pl.col(cur.KEY).is_in(frame[cur.KEY].to_list())),
                          frame])
    problems += [p for p in cur.references(name, combined, stored) if p.file == str(path)]
    if problems:
        raise SchemaError(f"{path.name} breaks the rules or references of {name!r}", problems)
    return frame.drop("_file", "_line", cur.KEY)
