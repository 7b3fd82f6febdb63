"""Frames as Markdown tables, for the committed scores reports (themes, entities, claims)."""

from __future__ import annotations

import polars as pl

__all__ = ["table"]


def table(frame: pl.DataFrame) -> str:
    """A GitHub-flavoured Markdown table: a header row, a rule, one line per row; `|` in a cell escaped."""
    cells = [[("" if value is None else str(value).replace("|", "\\|")) for value in row] for row in frame.rows()]
    return "\n".join(["| " + " | ".join(frame.columns) + " |", "|" + "---|" * frame.width]
                     + ["| " + " | ".join(row) + " |" for row in cells])
