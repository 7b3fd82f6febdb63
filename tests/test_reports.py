"""Reports open offline: no script is loaded by address, widget views become a note (their saved state is left out),
text stays escaped."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from workbench.reports import write_index, write_report


def test_report_loads_nothing_by_address_and_explains_widget_views(tmp_path: Path) -> None:
    widget = new_output("display_data", data={"application/vnd.jupyter.widget-view+json": {"model_id": "abc"},
                                              "text/plain": "FundingExplorer(...)"})
    hostile = new_output("stream", name="stdout", text="<script>alert(1)</script>")
    cell = new_code_cell("explorer", outputs=[widget, hostile], execution_count=1)
    executed = tmp_path / "nb.ipynb"
    state = {"application/vnd.jupyter.widget-state+json": {"version_major": 2, "version_minor": 0, "state": {
        "abc": {"model_name": "AnyModel", "model_module": "anywidget", "model_module_version": "*",
                "state": {"_esm": "const vegaBundle = 'megabytes of script';"}}}}}
    nbformat.write(new_notebook(cells=[new_markdown_cell("# Title"), cell],
                                metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                         "language": "python"}, "widgets": state}), executed)
    report = write_report(executed, tmp_path / "reports" / "nb.html").read_text()
    assert "widget-state+json" not in report and "megabytes of script" not in report  # no manager reads it
    assert nbformat.read(executed, as_version=4).metadata["widgets"] == state  # JupyterLab still shows the widgets
    assert not re.search(r"<script[^>]*\ssrc=", report)
    assert "html-manager" not in report and "addWidgetsRenderer" not in report
    assert "open this notebook in JupyterLab" in report
    assert "<script>alert(1)</script>" not in report and "&lt;script&gt;alert(1)&lt;/script&gt;" in report


def test_index_of_an_empty_data_folder_says_what_to_run(tmp_path: Path) -> None:
    index = write_index(tmp_path).read_text()
    assert "make run" in index and "<a href" in index  # the manifest link only


def test_the_index_is_a_gallery_with_take_aways_thumbnails_row_counts_and_citations(data_dir: Path) -> None:
    import json

    import altair as alt
    import polars as pl

    import workbench as wb
    from workbench.provenance import set_context

    set_context(notebook="02-funding", parameters={})
    try:
        frame = pl.DataFrame({"year": [2019, 2023], "amount_usd": [1e9, 1e10]})
        wb.save(frame, "02-funding/deals", meta={"title": "Deals <b>"})
        wb.save(alt.Chart(frame).mark_point().encode(x="year:O", y="amount_usd:Q"), "02-funding/points",
                meta={"title": "Points"})
    finally:
        set_context(notebook="", parameters={})
    (data_dir / "notebooks").mkdir()
    executed = {"cells": [{"cell_type": "code", "outputs": [
        {"output_type": "stream", "name": "stdout", "text": ["Take-away: money <moves>.\n", "other line\n"]}]}]}
    (data_dir / "notebooks/02-funding.ipynb").write_text(json.dumps(executed))
    page = write_index(data_dir).read_text()
    assert "<li>Take-away: money &lt;moves&gt;.</li>" in page and "other line" not in page
    assert "<img src='figures/02-funding/points.png'" in page and "<a href='figures/02-funding/points.html'>" in page
    assert ("Deals &lt;b&gt;</b> <small>(table, 2 rows)" in page and "points.bib" in page
            and "<summary>Cite</summary>" in page)
    for src in re.findall(r"src='([^']+)'", page):
        assert (data_dir / src).is_file()
    assert write_index(data_dir).read_text() == page  # no clock time: two identical runs, one index
