"""Reports open offline: no script is loaded by address, widget views become a note, text stays escaped."""

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
    nbformat.write(new_notebook(cells=[new_markdown_cell("# Title"), cell],
                                metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                         "language": "python"}}), executed)
    report = write_report(executed, tmp_path / "reports" / "nb.html").read_text()
    assert not re.search(r"<script[^>]*\ssrc=", report)
    assert "html-manager" not in report and "addWidgetsRenderer" not in report
    assert "open this notebook in JupyterLab" in report
    assert "<script>alert(1)</script>" not in report and "&lt;script&gt;alert(1)&lt;/script&gt;" in report


def test_index_of_an_empty_data_folder_says_what_to_run(tmp_path: Path) -> None:
    index = write_index(tmp_path).read_text()
    assert "make run" in index and "<a href" in index  # the manifest link only
