"""`make run` end to end against its floor: the same notebooks emptied to their first cell, measured in one run.

The floor is what running notebooks costs before they do anything (kernel start, papermill, reports, index); the
ratio says how much the notebooks' own work adds. Target: within 2x of the floor.

Both runs go through `python -m workbench run` exactly as `make run` does (notebooks side by side, kernels forked
from the run's zygote), each into a scratch data folder of its own, with the download cache `make run` uses
(data/.cache: the Vega bundles, built once per vl-convert version, and any live datasets fetched). The full run
measured is the one a researcher sees on the second and later `make run`: into the data folder a first run wrote
(corpus partitions already analysed are skipped), charts that did not change read back from the drawings the first
kept (data/.cache/figures), articles that were analysed read back (data/.cache/analyses), and reports of unchanged
notebooks too. One untimed run of each first makes sure of that (a checkout whose code changed keys the caches
afresh). Full and floor then alternate, seven times each, and the medians are kept, so that a burst of other work
on the machine weighs on both alike (a kernel that hangs on exit costs either half a second at random: see
docs/architecture.md). One more full run with the drawing cache off
(`make_run_drawing_everything_seconds`) says what a run costs when every chart and report is drawn (a first run,
or every notebook changed); it is not part of the ratio.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parents[1]
TARGET_RATIO = 2.0
ROUNDS = 7


def run() -> dict:
    notebooks = sorted((REPO / "notebooks").glob("[0-9][0-9]-*.ipynb"))
    cache = Path(os.environ.get("WORKBENCH_CACHE_DIR") or REPO / "data" / ".cache")
    full, floor = [], []
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        emptied = scratch / "emptied"
        emptied.mkdir()
        for path in notebooks:
            notebook = nbformat.read(path, as_version=4)
            notebook.cells = [next(cell for cell in notebook.cells if cell.cell_type == "code")]
            nbformat.write(notebook, emptied / path.name)
        full_data, floor_data = scratch / "full-data", scratch / "floor-data"
        _timed_run(full_data, REPO / "notebooks", cache)  # a first run of this code: fills data/ and the caches
        _timed_run(floor_data, emptied, cache)
        for _ in range(ROUNDS):
            full.append(_timed_run(full_data, REPO / "notebooks", cache))
            floor.append(_timed_run(floor_data, emptied, cache))
        drawing = _timed_run(scratch / "full-data-drawing", REPO / "notebooks", cache, WORKBENCH_FIGURE_CACHE="off")
    full_s, floor_s = statistics.median(full), statistics.median(floor)
    return {"notebooks": len(notebooks), "jobs": _jobs(), "make_run_seconds": round(full_s, 1),
            "floor_seconds": round(floor_s, 1), "ratio": round(full_s / floor_s, 2),
            "make_run_rounds": [round(s, 1) for s in full], "floor_rounds": [round(s, 1) for s in floor],
            "make_run_drawing_everything_seconds": round(drawing, 1),
            "target_ratio": TARGET_RATIO, "meets_target": full_s / floor_s <= TARGET_RATIO}


def _jobs() -> int:
    try:
        from workbench.run_control import default_jobs
    except ImportError:  # a checkout from before notebooks ran side by side
        return 1
    return default_jobs()


def _timed_run(data_dir: Path, notebooks_dir: Path, cache: Path, **settings: str) -> float:
    environment = dict(os.environ, WORKBENCH_DATA_DIR=str(data_dir), WORKBENCH_NOTEBOOKS_DIR=str(notebooks_dir),
                       WORKBENCH_CACHE_DIR=str(cache), **settings)
    started = time.perf_counter()
    completed = subprocess.run([sys.executable, "-m", "workbench", "run"], env=environment, capture_output=True,
                               text=True, check=False)
    if completed.returncode != 0:
        raise RuntimeError(f"`workbench run` of {notebooks_dir} failed:\n{completed.stdout[-2000:]}"
                           f"{completed.stderr[-4000:]}")
    return time.perf_counter() - started
