"""The developer loops of issue 13: `make check` (target ≤ 90 s) and `make test` (target ≤ 8 min), on this machine.

`make check` is timed three times (median); `make test` once, since one run takes minutes and runs the browser
suite (it needs Debian's Chromium; without it the browser tests skip and the time says less). Both run in the
checkout against the existing .venv, so installation is not counted.
"""

from __future__ import annotations

import statistics
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGETS = {"check": 90.0, "test": 480.0}


def _make(target: str) -> float:
    started = time.perf_counter()
    done = subprocess.run(["make", target], cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode:  # a failed loop has no time worth keeping: say why, with the end of its output
        tail = "\n".join((done.stdout + done.stderr).splitlines()[-40:])
        raise RuntimeError(f"make {target} failed (exit code {done.returncode}):\n{tail}")
    return time.perf_counter() - started


def run() -> dict:
    check = [_make("check") for _ in range(3)]
    test = _make("test")
    return {
        "make_check_median_s": round(statistics.median(check), 1),
        "make_check_runs_s": [round(t, 1) for t in check],
        "make_check_target_s": TARGETS["check"],
        "make_test_s": round(test, 1),
        "make_test_target_s": TARGETS["test"],
        "note": "make test timed once (minutes per run); both against an installed .venv",
    }
