"""HTML the explorers show, built in one place so every string from an article or a dataset is escaped.

Nothing here trusts its input: text goes through `html.escape`, and a URL becomes a link only when its
scheme is http(s) (a `javascript:` URL stays visible as escaped text, never an href).
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import polars as pl

from workbench.charts.base import LOW_CONFIDENCE
from workbench.tables import MAX_SCROLLED_ROWS

__all__ = ["badge", "cell", "esc", "link", "source_links", "table_html"]

_SAFE_SCHEMES = ("http://", "https://")


def esc(value: Any) -> str:
    """Text safe inside an element or a quoted attribute."""
    return html.escape("" if value is None else str(value), quote=True)


def link(url: str | None, text: str, title: str = "") -> str:
    """An anchor for http(s) URLs; anything else (javascript:, data:, relative) is shown as plain text."""
    if url and url.strip().lower().startswith(_SAFE_SCHEMES):
        return (f'<a href="{esc(url.strip())}" target="_blank" rel="noopener noreferrer" '
                f'title="{esc(title)}">{esc(text)}</a>')
    return esc(text)


def source_links(ids: Iterable[str] | None, sources: Mapping[str, dict]) -> str:
    """Source ids, each linked to its URL with publisher and date as a tooltip."""
    parts = []
    for source_id in ids or ():
        row = sources.get(source_id, {})
        tip = " · ".join(str(v) for v in (row.get("publisher"), row.get("published")) if v)
        parts.append(link(row.get("url"), source_id, tip))
    return ", ".join(parts)


def cell(value: Any) -> str:
    """A value as escaped cell text: lists joined, large numbers with thousands separators."""
    if isinstance(value, (list, tuple)):
        return esc(", ".join(map(str, value)))
    if isinstance(value, float):
        return esc(f"{value:,.0f}" if abs(value) >= 1000 else f"{value:g}")
    return esc(value)


def table_html(frame: pl.DataFrame, columns: Sequence[str], sources: Mapping[str, dict],
               max_rows: int = MAX_SCROLLED_ROWS) -> str:
    """The rows behind a chart: escaped cells, source ids linked, low-confidence rows marked ⚠."""
    shown = [c for c in columns if c in frame.columns]
    head = "".join(f"<th>{esc(c)}</th>" for c in shown)
    body = []
    for row in frame.head(max_rows).select(shown).iter_rows(named=True):
        flagged = str(row.get("confidence")) in LOW_CONFIDENCE
        cells = []
        for name in shown:
            value = row[name]
            if name == "source_ids":
                cells.append(f"<td>{source_links(value, sources)}</td>")
            elif name == "confidence" and flagged:
                cells.append(f'<td title="only weak sources">⚠ {esc(value)}</td>')
            else:
                cells.append(f"<td>{cell(value)}</td>")
        style = ' style="background:#fff4e5"' if flagged else ""
        body.append(f"<tr{style}>{''.join(cells)}</tr>")
    more = f" (first {max_rows} shown)" if frame.height > max_rows else ""
    return (f'<div class="wb-table"><p><b>{frame.height:,} rows</b>{more}</p>'
            f'<div style="max-height:320px;overflow:auto"><table style="font-size:12px">'
            f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div></div>")


def badge(text: str, colour: str) -> str:
    """A coloured label (a verdict in the reader's claims panel), text and colour escaped."""
    return (f'<span style="background:{esc(colour)};color:white;border-radius:3px;padding:0 4px;'
            f'font-size:11px">{esc(text)}</span>')
