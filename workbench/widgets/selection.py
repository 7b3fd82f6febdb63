"""A click or brush on an explorer's chart as a filter on its rows.

altair's `JupyterChart` parses what the front end sends into `JupyterChart.selections` (a `PointSelection` whose
value is the points clicked, an `IntervalSelection` whose value maps a field to its range); this turns those
values into a polars condition on the explorer's rows. What altair does not do is done here: a chart field that
names a row column otherwise (`aliases`), temporal values (epoch milliseconds or ISO strings) against date columns,
a year drawn as text against a number, and a click on a list element (a concern) picking the rows that name it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import polars as pl
from altair.utils.selection import IndexSelection, IntervalSelection, PointSelection

__all__ = ["DAY_MS", "Selection", "selection_filter"]

DAY_MS = 86_400_000
Selection = PointSelection | IntervalSelection | IndexSelection


def selection_filter(selections: Iterable[Selection], schema: pl.Schema, aliases: dict[str, str] | None = None
                     ) -> pl.Expr | None:
    """A polars condition from JupyterChart's selections (`jchart.selections.trait_values().values()`), or None
    when nothing is picked.

    Points are ORed (a point's fields ANDed), selections ANDed. Fields that are not columns of the rows (a chart's
    own aggregates) are ignored; so are index selections (a point without fields: none of the explorers' charts).
    """
    aliases = aliases or {}
    conditions = []
    for selection in selections:
        if isinstance(selection, PointSelection):
            points = [{aliases.get(f, f): v for f, v in point.items() if v is not None}  # a datum lacking a field
                      for point in selection.value]
            points = [[_equals(f, v, schema[f]) for f, v in point.items() if f in schema] for point in points]
            points = [pl.all_horizontal(terms) for terms in points if terms]
            if points:
                conditions.append(pl.any_horizontal(points))
        elif isinstance(selection, IntervalSelection):
            value = {aliases.get(f, f): bounds for f, bounds in selection.value.items()}
            conditions += [_within(f, bounds, schema[f]) for f, bounds in value.items()
                           if f in schema and isinstance(bounds, list) and bounds]
    return pl.all_horizontal(conditions) if conditions else None


def _equals(field: str, value: Any, dtype: pl.DataType) -> pl.Expr:
    if isinstance(dtype, pl.List):  # a chart cell per list element (a concern) picks the rows that name it
        return pl.col(field).cast(pl.List(pl.String)).list.contains(str(value))
    if dtype.is_temporal():
        return _epoch_ms(field, dtype) == _to_ms(value)
    if dtype.is_numeric():
        return pl.col(field) == float(value)  # a chart may carry a year as text
    if dtype == pl.Boolean:
        return pl.col(field) == bool(value)
    return pl.col(field).cast(pl.String) == str(value)


def _within(field: str, bounds: list, dtype: pl.DataType) -> pl.Expr:
    if dtype.is_temporal():
        return _epoch_ms(field, dtype).is_between(_to_ms(min(bounds, key=_to_ms)), _to_ms(max(bounds, key=_to_ms)))
    if dtype.is_numeric() and len(bounds) == 2:
        return pl.col(field).is_between(min(bounds), max(bounds))
    return pl.col(field).cast(pl.String).is_in([str(b) for b in bounds])  # a brush over a band scale


def _epoch_ms(field: str, dtype: pl.DataType) -> pl.Expr:
    if dtype == pl.Date:
        return pl.col(field).cast(pl.Int64) * DAY_MS
    return pl.col(field).dt.epoch("ms")


def _to_ms(value: Any) -> int:
    if isinstance(value, (int, float)):
        return int(value)
    parsed = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return int(parsed.timestamp() * 1000)
