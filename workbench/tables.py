"""Tables people read: every polars frame a notebook or report shows, formatted by great_tables.

A raw polars repr shows a dtype row, strings in quotes, money as `2.9000e10` and source ids instead of sources.
`display_table(frame)` formats by column name and type: money (`*_usd`) as "$13.0B", shares as percentages,
ratios as "19.2×", missing values as a dash, verdicts as coloured labels, `source_ids` as the publishers and dates
linked to their pages, `source_urls` as links, long text wrapped, and a note under the table saying how many rows
it shows. `setup()` registers it as the HTML display of every polars DataFrame in a notebook, so reports built
from executed notebooks show the same tables; saved CSV and Parquet stay raw.

Why great_tables: it formats polars frames directly (no pandas), renders self-contained HTML that works offline,
and escapes cell text, so article and record text never becomes markup.

`explore(frame)` is the other kind of table: the whole record, searched, sorted and paged in JupyterLab (itables'
DataTables widget, which ships its JavaScript, so it works offline); a headless report notes that it is there.
"""

from __future__ import annotations

import functools
import hashlib
import re
from pathlib import Path
from typing import Any

import polars as pl

from workbench.charts import theme
from workbench.charts.theme import VERDICT_TINTS
from workbench.hashing import code_key

__all__ = ["MAX_ROWS", "MAX_SCROLLED_ROWS", "display_table", "explore", "install", "table_html"]

# The two row limits of the package, side by side. They differ on purpose: a static table (a notebook's output, a
# report page) cannot scroll, so it shows the first MAX_ROWS and its note gives the count; an explorer's table
# scrolls in a fixed box and is rebuilt on every click, so it shows more rows, up to what redraws in the explorers'
# 50 ms budget. (`charts.MAX_ROWS` is not a display limit: it is how many rows a chart spec may embed.)
MAX_ROWS = 40
MAX_SCROLLED_ROWS = 200
_VERDICT_COLUMNS = ("verdict", "verdict_then", "verdict_now")
_RATIO_COLUMNS = ("back_ratio", "valuation_multiple", "spread")
_LONG_TEXT = 60  # mean characters above which a text column gets a fixed width and wraps
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>])")


def display_table(frame: pl.DataFrame, *, title: str | None = None, note: str | None = None,
                  max_rows: int = MAX_ROWS) -> Any:
    """`frame` as a great_tables GT, formatted for people (see the module docstring)."""
    return _formatted(_cells_for_display(frame.head(max_rows)), frame.height, title=title, note=note,
                      max_rows=max_rows)


def _formatted(shown: pl.DataFrame, rows_in_all: int, *, title: str | None, note: str | None, max_rows: int) -> Any:
    """The GT of the cells `display_table` shows (`rows_in_all`: the frame's height, for the note under it)."""
    from great_tables import GT, loc, style

    # great_tables draws a random id per table; one derived from the cells keeps two identical runs identical
    table = GT(shown, id="t" + hashlib.sha1(shown.write_csv().encode("utf-8")).hexdigest()[:12])
    table = table.sub_missing(missing_text="–")
    dates = [c for c in shown.columns if shown.schema[c] in (pl.Date, pl.Datetime)]
    if dates:
        table = table.tab_style(style=style.css("white-space: nowrap"), locations=loc.body(columns=dates))
    money = [c for c in shown.columns if c.endswith("_usd") and shown.schema[c].is_numeric()]
    if money:
        table = table.fmt_currency(columns=money, currency="USD", compact=True, decimals=1)
    shares = [c for c in shown.columns if c.endswith("_share") and shown.schema[c].is_numeric()]
    if shares:
        table = table.fmt_percent(columns=shares, decimals=0)
    ratios = [c for c in shown.columns if c in _RATIO_COLUMNS and shown.schema[c].is_numeric()]
    if ratios:
        table = table.fmt_number(columns=ratios, decimals=1, pattern="{x}×")
    linked = [c for c in ("source_ids", "source_urls", "sources_linked") if c in shown.columns]
    if linked:
        table = table.fmt_markdown(columns=linked)
    for column in (c for c in _VERDICT_COLUMNS if c in shown.columns):
        table = table.data_color(columns=column, palette=list(VERDICT_TINTS.values()),
                                 domain=list(VERDICT_TINTS), na_color="#ffffff")
    wide = [c for c in shown.columns if shown.schema[c] == pl.String and c not in linked
            and (shown[c].str.len_chars().mean() or 0) > _LONG_TEXT]
    if wide:
        table = table.cols_width(cases={c: "320px" for c in wide})
    if title:
        table = table.tab_header(title=title)
    rows = f"{rows_in_all} row{'s' * (rows_in_all != 1)}"
    shown_note = rows if rows_in_all <= max_rows else f"the first {max_rows} of {rows_in_all} rows"
    table = table.tab_source_note(f"{shown_note}." + (f" {note}" if note else ""))
    return table.tab_options(table_font_size="12px", column_labels_font_weight="bold", data_row_padding="3px")


def explore(frame: pl.DataFrame, *, caption: str | None = None, page_length: int = 15) -> Any:
    """`frame` as an interactive table: type in its search box (e.g. "SoftBank") to filter every column, click a
    header to sort, page through. Lists are joined and source ids shown as publishers, so the search finds them."""
    from itables.widget import ITable

    shown = _cells_for_display(frame).with_columns(
        pl.col(name).str.replace_all(r"\[([^\]]*)\]\([^)]*\)", "$1").str.replace_all(r"\\(.)", "$1")
        for name in ("source_ids", "source_urls") if name in frame.columns)  # plain text: the widget shows no links
    layout = {"topStart": "pageLength", "topEnd": "search", "bottomStart": "info", "bottomEnd": "paging"}
    return ITable(shown, caption=caption, pageLength=page_length, classes="display compact", layout=layout,
                  show_dtypes=False, maxBytes=0)


def table_html(frame: pl.DataFrame) -> str:
    """The HTML a notebook shows for `frame` (registered by `install`). great_tables formats cell by cell in Python,
    a few hundredths of a second a table; the HTML is a function of the cells shown and of the code and libraries
    that format them (`_FORMATTING_CODE`), so it is kept with the drawings (`figure_cache`) under a key made of
    both, and a table that did not change is read back."""
    from workbench.outputs.figure_cache import kept

    shown = _cells_for_display(frame.head(MAX_ROWS))
    key = _FORMATTING_CODE + "\0".join([repr(shown.schema), str(frame.height), shown.write_csv()]).encode("utf-8")
    drawn = kept("table", key, lambda: _formatted(shown, frame.height, title=None, note=None, max_rows=MAX_ROWS)
                 .as_raw_html().encode("utf-8"))
    return drawn.decode("utf-8")


#: What formats a table, for the table cache's key: great_tables and the libraries it renders cells with (markdown,
#: HTML, locale data, icons) and reads frames with, and the source of this module and the theme. Worked out on import,
#: so that a kernel never keeps HTML drawn by code older than the key says.
_FORMATTING_CODE = code_key([Path(__file__), Path(theme.__file__)],
                            ("great_tables", "multimark", "htmltools", "Babel", "faicons", "polars"))


def install(ipython: Any) -> None:
    """Show every polars DataFrame as a formatted table in this IPython session (text displays stay polars')."""
    ipython.display_formatter.formatters["text/html"].for_type(pl.DataFrame, table_html)


def _cells_for_display(frame: pl.DataFrame) -> pl.DataFrame:
    """Lists joined, structs as JSON, source ids as linked publishers and dates, source URLs as links."""
    columns = []
    for name, dtype in frame.schema.items():
        if name == "source_ids" and isinstance(dtype, pl.List):
            columns.append(pl.col(name).list.eval(pl.element().replace_strict(_source_links(), default=pl.element()))
                           .list.join("; ").alias(name))
        elif name == "source_ids" and dtype == pl.String:
            columns.append(pl.col(name).str.split("; ").list.eval(
                pl.element().replace_strict(_source_links(), default=pl.element())).list.join("; ").alias(name))
        elif name == "source_urls" and dtype == pl.String:
            columns.append(pl.col(name).map_elements(_url_links, return_dtype=pl.String).alias(name))
        elif isinstance(dtype, pl.List):
            columns.append(pl.col(name).list.eval(pl.element().cast(pl.String)).list.join("; ").alias(name))
        elif isinstance(dtype, pl.Struct):
            columns.append(pl.col(name).struct.json_encode().alias(name))
        elif isinstance(dtype, pl.Enum | pl.Categorical):
            columns.append(pl.col(name).cast(pl.String))
    return frame.with_columns(columns) if columns else frame


@functools.cache
def _source_links_for(version: str) -> dict[str, str]:
    from workbench import datasets

    sources = datasets.load("sources").select("source_id", "publisher", "published", "url")
    return {row["source_id"]: _link(f"{row['publisher'] or 'source'}"
                                    + (f" {row['published']}" if row["published"] else ""), row["url"])
            for row in sources.iter_rows(named=True)}


def _source_links() -> dict[str, str]:
    """source_id -> '[Publisher 2019-07-22](url)', for the record as it is now (overlays included)."""
    from workbench import datasets

    return _source_links_for(datasets.data_version())


def _url_links(text: str | None) -> str | None:
    if text is None:
        return None
    return "; ".join(_link(re.sub(r"^https?://(www\.)?", "", url).split("/")[0], url)
                     for url in text.split("; ") if url)


def _link(label: str, url: str | None) -> str:
    """A Markdown link with its label escaped; only http(s) addresses become links."""
    escaped = _MARKDOWN_SPECIAL.sub(r"\\\1", label)
    if isinstance(url, str) and url.startswith(("https://", "http://")):
        return f"[{escaped}]({url.replace(')', '%29').replace(' ', '%20')})"
    return escaped
