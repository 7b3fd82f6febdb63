"""Tables people read (workbench.tables): formatted by great_tables, escaped, sources linked."""

from __future__ import annotations

import datetime as dt
import re

import polars as pl
import pytest

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


def test_a_table_is_formatted_once_and_read_back_until_its_cells_change(tmp_path, monkeypatch) -> None:
    # the notebook's HTML of a table is kept with the drawings: the same cells give the same bytes without
    # great_tables, and any change of a cell (or of the row count the note states) formats afresh
    monkeypatch.setenv("WORKBENCH_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("WORKBENCH_FIGURE_CACHE", "on")
    frame = pl.DataFrame({"amount_usd": [1e9, 2.5e10, None], "verdict": ["consistent", "partly", None]})
    first = tables.table_html(frame)
    assert first == tables.display_table(frame).as_raw_html()
    assert len(list((tmp_path / "figures" / "table").iterdir())) == 1
    monkeypatch.setattr(tables, "_formatted", lambda *args, **kwargs: pytest.fail("formatted again"))
    assert tables.table_html(frame) == first
    monkeypatch.undo()
    monkeypatch.setenv("WORKBENCH_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("WORKBENCH_FIGURE_CACHE", "on")
    changed = frame.with_columns(pl.col("amount_usd").fill_null(3e9))
    assert tables.table_html(changed) == tables.display_table(changed).as_raw_html() != first
    longer = pl.concat([frame] * 20)  # 60 rows: the first 40 are shown, the note says 60
    assert "the first 40 of 60 rows" in tables.table_html(longer)
