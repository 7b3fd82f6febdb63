"""Benchmark: parsing Epoch AI's notable-models CSV into the tidy frame vs a bare all-strings read.

The baseline `pl.read_csv(path, infer_schema_length=0)` only splits the file into strings; the ratio says
what the typing, renaming and cell checks of `workbench.datasets.live.parse` cost on top of that.
Reads ../shared/external (or $WORKBENCH_SHARED_DIR/external); skips with a note when it is absent.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import polars as pl
from run import median_seconds  # bench/run.py: one warm-up, then the median

from workbench import paths
from workbench.datasets import live

sys.path.insert(0, str(paths.root() / "tests"))  # one place knows where ../shared is: tests/live_server.py
from live_server import shared_external  # noqa: E402

REPEATS = 7
RELATIVE = Path("epoch-ai-models/notable_ai_models.csv")


def run() -> dict:
    """Median seconds of both parses over REPEATS runs, and their ratio."""
    external = shared_external()
    path = None if external is None else external / RELATIVE
    if path is None or not path.is_file():
        return {"name": "live_parse_epoch_notable", "skipped": f"{RELATIVE} not found under ../shared/external"}
    parser = median_seconds(lambda: live.parse("epoch_models", path), REPEATS)
    baseline = median_seconds(lambda: pl.read_csv(path, infer_schema_length=0), REPEATS)
    return {
        "name": "live_parse_epoch_notable",
        "file": str(RELATIVE),
        "bytes": path.stat().st_size,
        "repeats": REPEATS,
        "parser_median_s": round(parser, 5),
        "baseline_read_csv_median_s": round(baseline, 5),
        "ratio": round(parser / baseline, 2),
    }


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
