"""`workbench app` (make app): the dashboard notebook, the Voilà command and its offline template.

The browser tests (tests/test_browser.py) open the app in Chromium; these run without a browser.
"""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
import pytest
from conftest import REPO
from nbclient import NotebookClient

from workbench import app
from workbench.errors import NotebookError


def test_voila_gets_the_dashboard_and_the_offline_template() -> None:
    argv = app.voila_command(port=9000, token="t0k3n")
    assert argv[1:3] == ["-m", "voila"]
    assert Path(argv[3]) == REPO / "notebooks" / app.DASHBOARD
    assert {"--port=9000", "--token=t0k3n", f"--template={app.TEMPLATE}", "--no-browser",
            "--show_tracebacks=False"} <= set(argv)
    template = app.JUPYTER_DATA / "voila" / "templates" / app.TEMPLATE
    assert (template / "conf.json").is_file() and (template / "index.html.j2").is_file()


def test_app_environment_puts_the_template_first_and_drops_the_headless_renderer(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JUPYTER_PATH", "/elsewhere")
    monkeypatch.setenv("WORKBENCH_RENDERER", "svg")
    environment = app.app_environment()
    assert environment["JUPYTER_PATH"].split(os.pathsep) == [str(app.JUPYTER_DATA), "/elsewhere"]
    assert "WORKBENCH_RENDERER" not in environment


def test_a_missing_dashboard_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WORKBENCH_NOTEBOOKS_DIR", str(tmp_path))
    with pytest.raises(NotebookError, match="dashboard notebook is missing") as error:
        app.voila_command(port=9000, token="t")
    assert "Fix:" in str(error.value)


@pytest.mark.slow
def test_dashboard_runs_headless_with_four_explorers(data_dir: Path) -> None:
    notebook = nbformat.read(REPO / "notebooks" / app.DASHBOARD, as_version=4)
    NotebookClient(notebook, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(REPO / "notebooks")}}).execute()
    outputs = [output for cell in notebook.cells if cell.cell_type == "code" for output in cell.outputs]
    assert not [output for output in outputs if output.output_type == "error"]
    views = [output for output in outputs if "application/vnd.jupyter.widget-view+json" in output.get("data", {})]
    assert len(views) == 1  # the tab holding the four explorers
    state = notebook.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    tab = next(model for model in state.values() if model["model_name"] == "TabModel")
    assert tab["state"]["titles"] == ["The article", "Funding", "Governance", "AI risk and rules"]
