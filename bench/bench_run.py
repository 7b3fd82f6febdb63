"""`make run` end to end against its floor: the same notebooks emptied to their first cell.

The floor is what running notebooks costs before they do anything (kernel start, papermill, reports,
index); the ratio says how much the notebooks' own work adds. Target: within 2x of the floor.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parents[1]
TARGET_RATIO = 2.0


def run() -> dict:
    notebooks = sorted((REPO / "notebooks").glob("[0-9][0-9]-*.ipynb"))
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        full = _timed_run(scratch / "full-data", REPO / "notebooks")
        emptied = scratch / "emptied"
        emptied.mkdir()
        for path in notebooks:
            notebook = nbformat.read(path, as_version=4)
            notebook.cells = [next(cell for cell in notebook.cells if cell.cell_type == "code")]
            nbformat.write(notebook, emptied / path.name)
        floor = _timed_run(scratch / "floor-data", emptied)
    return {"notebooks": len(notebooks), "make_run_seconds": round(full, 1), "floor_seconds": round(floor, 1),
            "ratio": round(full / floor, 2), "target_ratio": TARGET_RATIO, "meets_target": full / floor <= TARGET_RATIO}


def _timed_run(data_dir: Path, notebooks_dir: Path) -> float:
    environment = dict(os.environ, WORKBENCH_DATA_DIR=str(data_dir), WORKBENCH_NOTEBOOKS_DIR=str(notebooks_dir))
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "workbench", "run"], env=environment, check=True, capture_output=True)
    return time.perf_counter() - started
