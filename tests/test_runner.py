"""`workbench run`: names and parameters are checked first; a failing cell is shown, with exit code 1."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from workbench.cli import main
from workbench.errors import NotebookError, UsageError
from workbench.runner import check_parameters, parse_parameters, resolve_notebooks


def _notebook(folder: Path, name: str, *cells: str, parameters: str | None = None) -> Path:
    nb_cells = []
    if parameters is not None:
        nb_cells.append(new_code_cell(parameters, metadata={"tags": ["parameters"]}))
    nb_cells += [new_code_cell(source) for source in cells]
    path = folder / f"{name}.ipynb"
    metadata = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}
    nbformat.write(new_notebook(cells=nb_cells, metadata=metadata), path)
    return path


@pytest.fixture
def notebooks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "notebooks"
    folder.mkdir()
    monkeypatch.setenv("WORKBENCH_NOTEBOOKS_DIR", str(folder))
    return folder


def test_unknown_notebook_names_the_nearest_ones(notebooks: Path) -> None:
    _notebook(notebooks, "00-start-here", "1")
    _notebook(notebooks, "01-the-article", "1")
    with pytest.raises(NotebookError, match="no notebook called '00-start'.*use one of: 00-start-here"):
        resolve_notebooks(["00-start"])
    assert resolve_notebooks(["01-the-article.ipynb"]) == [notebooks / "01-the-article.ipynb"]
    assert [p.stem for p in resolve_notebooks([])] == ["00-start-here", "01-the-article"]


def test_parameters_are_parsed_as_json_or_text() -> None:
    assert parse_parameters(["year=2023", "focus=Anthropic", "ok=true", "share=0.5", 'names=["a"]']) == {
        "year": 2023, "focus": "Anthropic", "ok": True, "share": 0.5, "names": ["a"]}
    with pytest.raises(UsageError, match="NAME=VALUE"):
        parse_parameters(["focus"])
    with pytest.raises(UsageError, match="NAME=VALUE"):
        parse_parameters(["not a name=1"])


def test_parameters_are_checked_against_the_parameters_cell(notebooks: Path) -> None:
    path = _notebook(notebooks, "00-a", "1", parameters='focus = "OpenAI"\nyear = 2019')
    assert check_parameters([path], {"year": 2023}) == {path: {"year": 2023}}
    with pytest.raises(UsageError, match="no notebook in this run declares parameter.*colour.*use one of: focus, year"):
        check_parameters([path], {"colour": "red"})
    with pytest.raises(UsageError, match="parameter year of 00-a expects int, got str"):
        check_parameters([path], {"year": "last year"})
    with pytest.raises(UsageError, match="expects int, got bool"):
        check_parameters([path], {"year": True})


@pytest.mark.slow
def test_a_failing_cell_stops_the_run_showing_the_cell_and_error(notebooks: Path, data_dir: Path, capsys) -> None:
    _notebook(notebooks, "00-first", "import workbench as wb, polars as pl\n"
                                     "wb.save(pl.DataFrame({'a': [1]}), '00-first/kept')")
    _notebook(notebooks, "01-broken", "x = 1", "total = 1 / 0  # the bad cell")
    _notebook(notebooks, "02-never", "raise SystemExit('must not run')")
    code = main(["run"])
    captured = capsys.readouterr()
    assert code == 1
    assert "[2/3] 01-broken ... failed" in captured.out
    assert "01-broken.ipynb: cell 2 failed with ZeroDivisionError: division by zero" in captured.err
    assert "total = 1 / 0  # the bad cell" in captured.err
    assert "\x1b[" not in captured.err and "02-never" not in captured.out
    assert (data_dir / "tables/00-first/kept.csv").exists()  # earlier outputs are kept


@pytest.mark.slow
def test_parameters_reach_the_kernel_and_the_provenance(notebooks: Path, data_dir: Path, capsys) -> None:
    _notebook(notebooks, "00-param", "import workbench as wb, polars as pl\n"
                                     "wb.setup()\n"
                                     "wb.save(pl.DataFrame({'focus': [focus]}), '00-param/focus')",
              parameters='focus = "OpenAI"')
    assert main(["run", "00-param", "--param", "focus=Anthropic"]) == 0
    out = capsys.readouterr().out
    assert "[1/1] 00-param ... ok" in out and "tables/00-param/focus" in out
    output_set = data_dir / "sets/00-param--focus-Anthropic"  # never the default output set
    assert (output_set / "tables/00-param/focus.csv").read_text() == "focus\nAnthropic\n"
    sidecar = json.loads((output_set / "tables/00-param/focus.meta.json").read_text())
    assert sidecar["produced_by"]["notebook"] == "00-param"
    assert sidecar["produced_by"]["parameters"] == {"focus": "Anthropic"}
    assert (output_set / "notebooks/00-param.ipynb").exists() and (output_set / "reports/00-param.html").exists()
    assert not (data_dir / "tables").exists()


def test_a_notebook_without_language_metadata_gets_a_clear_error(notebooks: Path) -> None:
    path = notebooks / "00-bare.ipynb"
    nbformat.write(new_notebook(cells=[new_code_cell("x = 1", metadata={"tags": ["parameters"]})]), path)
    with pytest.raises(NotebookError, match="00-bare.ipynb: the notebook cannot be inspected.*Python kernel"):
        check_parameters([path], {})


def test_cli_reports_bad_input_without_a_traceback(notebooks: Path) -> None:
    _notebook(notebooks, "00-start-here", "1")
    result = subprocess.run([sys.executable, "-m", "workbench", "run", "nope"], capture_output=True, text=True,
                            check=False)
    assert result.returncode == 2
    assert result.stderr.startswith("error: ") and "Traceback" not in result.stderr
    assert "use one of: 00-start-here" in result.stderr


def test_cli_usage_errors_exit_2_with_a_fix() -> None:
    result = subprocess.run([sys.executable, "-m", "workbench", "frobnicate"], capture_output=True, text=True,
                            check=False)
    assert result.returncode == 2
    assert "invalid choice" in result.stderr and "Fix: see `workbench --help`" in result.stderr


def test_executed_notebooks_keep_no_clock_times_memory_addresses_or_random_widget_ids() -> None:
    import json

    from workbench.runner import reproducible

    def notebook(ids: tuple[str, str], started: str) -> str:
        view, child = ids
        return json.dumps({
            "metadata": {"papermill": {"start_time": started, "parameters": {}},
                         "widgets": {"application/vnd.jupyter.widget-state+json": {"state": {
                             view: {"state": {"children": [f"IPY_MODEL_{child}"]}}, child: {"state": {}}}}}},
            "cells": [{"metadata": {"execution": {"iopub.execute_input": started}, "papermill": {"duration": 1.5}},
                       "outputs": [{"data": {"application/vnd.jupyter.widget-view+json": {"model_id": view},
                                             "text/plain": "<Explorer object at 0x7f00deadbeef>"}}]}]})

    first = reproducible(notebook(("a" * 32, "b" * 32), "2026-12-07T07:00:00Z"))
    second = reproducible(notebook(("c" * 32, "d" * 32), "2026-12-08T09:30:00Z"))
    assert first == second
    assert "2026-12" not in first and "0x7f" not in first and "duration" not in first and "a" * 32 not in first
    assert json.loads(first)["cells"][0]["outputs"][0]["data"]["application/vnd.jupyter.widget-view+json"][
        "model_id"] == f"{1:032x}"


def test_prints_cut_at_different_moments_give_the_same_executed_notebook() -> None:
    import json

    from workbench.runner import reproducible

    def cut(*pieces: str) -> str:
        return json.dumps({"metadata": {}, "cells": [{"metadata": {}, "outputs": [
            *({"output_type": "stream", "name": "stdout", "text": piece} for piece in pieces),
            {"output_type": "stream", "name": "stderr", "text": "warning\n"}]}]})

    once, twice = reproducible(cut("a\nb\nc\n")), reproducible(cut("a\n", "b\nc\n"))
    assert once == twice
    assert [o["name"] for o in json.loads(once)["cells"][0]["outputs"]] == ["stdout", "stderr"]
