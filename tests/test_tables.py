"""Tables people read (workbench.tables): formatted by great_tables, escaped, sources linked."""

from __future__ import annotations

import datetime as dt
import re

import polars as pl

from workbench import datasets, tables


def test_money_shares_ratios_dates_and_missing_values_are_formatted() -> None:
    frame = pl.DataFrame({"lab": ["OpenAI", "Anthropic"], "amount_usd": [1.3e10, None], "tied_share": [0.15, 0.5],
                          "back_ratio": [19.23, None], "first": [dt.date(2019, 7, 22), dt.date(2021, 1, 1)]})
    html = tables.table_html(frame)
    assert "$13.0B" in html and "15%" in html and "19.2×" in html and "2019-07-22" in html and "–" in html
    assert "f64" not in html and "shape:" not in html and '"OpenAI"' not in html  # no dtype row, no quotes
    assert "2 rows." in html


def test_verdicts_are_coloured_and_source_ids_become_linked_publishers() -> None:
    source = datasets.load("sources").filter(pl.col("url").str.starts_with("https://")).row(0, named=True)
    frame = pl.DataFrame({"verdict_now": ["consistent", "partly"], "source_ids": [[source["source_id"]], []]})
    html = tables.table_html(frame)
    from workbench.charts.theme import VERDICT_TINTS

    assert VERDICT_TINTS["partly"].lower() in html.lower()
    assert f'href="{source["url"]}"' in html and source["source_id"] not in html


def test_article_text_stays_text_and_only_web_addresses_become_links() -> None:
    frame = pl.DataFrame({"claim": ["<img src=x onerror=alert(1)> [x](javascript:alert(1))"],
                          "source_urls": ["https://a.example/x; javascript:alert(2)"]})
    html = tables.table_html(frame)
    assert "<img" not in html and "&lt;img" in html
    assert re.findall(r'href="([^"]+)"', html) == ["https://a.example/x"]


def test_long_tables_show_their_first_rows_and_say_how_many_there_are() -> None:
    html = tables.table_html(pl.DataFrame({"n": list(range(100))}))
    assert f"the first {tables.MAX_ROWS} of 100 rows" in html and ">99<" not in html


def test_setup_registers_the_formatter_in_a_notebook_session() -> None:
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    try:
        tables.install(shell)
        data, _ = shell.display_formatter.format(pl.DataFrame({"amount_usd": [1e9]}))
        assert "$1.0B" in data["text/html"]
    finally:
        InteractiveShell.clear_instance()


def test_the_record_can_be_explored_with_a_search_box_and_sources_as_text() -> None:
    funding = datasets.load("funding_events").select("event_id", "investor", "amount_usd", "source_ids")
    widget = tables.explore(funding, caption="funding_events")
    assert "search" in str(widget._dt_args["layout"]) and "itables-dtype" not in widget._dt_args["table_html"]
    assert "SoftBank" in widget._dt_args["data_json"] and "src-" not in widget._dt_args["data_json"]
    assert "](http" not in widget._dt_args["data_json"]  # publishers as plain text: the widget draws no links
