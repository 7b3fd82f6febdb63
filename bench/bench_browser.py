"""What a reader waits for: from opening a notebook in JupyterLab (Run All Cells) to its last chart on screen.

Measured in Debian's Chromium with the helpers of tests/browser_support.py, against a floor measured in the
same run: a notebook that only calls `workbench.setup()` and draws one chart (page load, kernel start-up and
the chart machinery, nothing of ours). The app (`workbench app`) is timed from the request to its fourth chart.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

import browser_support as bs  # noqa: E402  (lives with the tests, which share it)

REPEATS = 3
FLOOR = "floor"
FLOOR_CELLS = ["import altair as alt\nimport polars as pl\n\nimport workbench as wb\n\nwb.setup()",
               'alt.Chart(pl.DataFrame({"x": [1, 2, 3]})).mark_point().encode(x="x:Q")']


def run() -> dict:
    if bs.chromium() is None:
        return {"skipped": bs.HOW_TO_ENABLE}
    from playwright.sync_api import sync_playwright

    notebooks = [FLOOR] + sorted(p.stem for p in (bs.REPO / "notebooks").glob("[0-9][0-9]-*.ipynb"))
    with tempfile.TemporaryDirectory(prefix="bench-browser-") as folder, sync_playwright() as playwright:
        root = bs.scratch_workbench(Path(folder))
        bs.write_notebook(root / "notebooks" / f"{FLOOR}.ipynb", FLOOR_CELLS)
        browser = playwright.chromium.launch(executable_path=bs.chromium(), args=bs.CHROMIUM_ARGS)
        try:
            lab = bs.start_lab(root)
            try:
                runs = {name: [_open_to_last_chart(browser, lab, name) for _ in range(REPEATS)] for name in notebooks}
            finally:
                lab.stop()
            app = bs.start_app(root)
            try:
                app_runs = [_app_to_last_chart(browser, app) for _ in range(REPEATS)]
            finally:
                app.stop()
        finally:
            browser.close()
    floor = statistics.median(runs.pop(FLOOR))
    return {
        "what": "seconds from opening a notebook (fresh workspace, Run All Cells) to every chart drawn; median of "
                f"{REPEATS}",
        "floor_s": round(floor, 2),
        "notebooks": {name: {"median_s": round(statistics.median(times), 2), "runs_s": [round(t, 2) for t in times],
                             "ratio_to_floor": round(statistics.median(times) / floor, 2)}
                      for name, times in runs.items()},
        "app_to_fourth_chart_s": round(statistics.median(app_runs), 2),
    }


def _open_to_last_chart(browser, server: bs.Server, name: str) -> float:
    with bs.browser_page(browser) as (page, _watch):
        started = time.perf_counter()
        bs.open_notebook(page, server, f"{name}.ipynb")
        bs.run_all_cells(page)
        bs.wait_for_charts(page, ".jp-NotebookPanel")
        elapsed = time.perf_counter() - started
    server.shutdown_kernels()
    return elapsed


def _app_to_last_chart(browser, server: bs.Server) -> float:
    with bs.browser_page(browser) as (page, _watch):
        started = time.perf_counter()
        page.goto(f"{server.base}/?token={server.token}")
        page.wait_for_selector(".wb-dashboard", timeout=bs.RUN_TIMEOUT_MS)
        bs.wait_for_charts(page, "body")
        return time.perf_counter() - started


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
