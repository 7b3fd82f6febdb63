"""What an explorer accepts and keeps: checked control values and the row conditions they become.

Explorers validate every control and constructor value here, so a wrong one fails with the trait, the value and
the nearest known ones (`ExplorerInputError`) instead of deep inside polars; `is_in` and `where` turn the values
into polars conditions that leave the frame untouched when nothing is chosen.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Any

import polars as pl

from workbench.errors import UsageError
from workbench.widgets.base import ExplorerInputError

__all__ = ["is_in", "options_of", "subset_of", "usable_rows", "where"]


def options_of(values: Iterable[Any]) -> list[str]:
    """Sorted distinct non-null strings, for a control's options."""
    return sorted({str(v) for v in values if v is not None})


def subset_of(proposal: dict, allowed: Iterable[str]) -> tuple[str, ...]:
    """A validated multi-choice trait value: unknown names are an error that lists the nearest known ones."""
    allowed = list(allowed)
    for value in proposal["value"]:
        if value not in allowed:
            near = difflib.get_close_matches(str(value), allowed, n=3) or allowed[:5]
            raise ExplorerInputError(f"unknown value {value!r}.",
                                     fix=f"choose known values; nearest: {near}.",
                                     column=proposal["trait"].name, value=value)
    return tuple(proposal["value"])


def usable_rows(frame: pl.DataFrame, needed: Iterable[str], *, dataset: str, as_of: object = None) -> pl.DataFrame:
    """`frame` if it has the columns an explorer reads and at least one row; else a UsageError saying why.

    Without this, a frame of another table fails deep inside polars, and an empty one (an `as_of` before the
    record starts) fails on the first minimum or maximum it takes.
    """
    missing = [column for column in needed if column not in frame.columns]
    if missing:
        raise UsageError(f"the rows given lack the {dataset} column(s) {', '.join(missing)}.",
                         fix=f"pass a frame with the {dataset} schema, e.g. workbench.datasets.load({dataset!r}).",
                         column=missing[0])
    if frame.is_empty():
        known = f" known on {as_of}" if as_of is not None else ""
        raise UsageError(f"{dataset} has no rows{known}, so there is nothing to explore.",
                         fix="pass a later as_of (e.g. as_of='2019-07-22'), or leave it out for the record as "
                             "known today.", column="data" if as_of is None else "as_of", value=as_of)
    return frame


def is_in(column: str, chosen: tuple[str, ...]) -> pl.Expr | None:
    """Keep rows whose `column` is one of `chosen`; None (no filter) when nothing is chosen."""
    return pl.col(column).is_in(list(chosen)) if chosen else None  # no cast: Enum columns compare as integers


def where(frame: pl.DataFrame, *conditions: pl.Expr | None) -> pl.DataFrame:
    """`frame` filtered by the conditions that are set (a frame with no condition is returned as is)."""
    conditions = [c for c in conditions if c is not None]
    return frame.filter(*conditions) if conditions else frame
