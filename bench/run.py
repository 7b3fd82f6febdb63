"""`make bench`: measure what the issues promise, with medians and a baseline from the same run.

Each bench/bench_*.py module defines `run() -> dict`; this script runs them all and writes
bench/results.json (machine-readable) and prints a short table. `python bench/run.py loops run` re-measures only
the named benchmarks and keeps the others' last results. Timings are never asserted in unit tests.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results.json"


def median_seconds(action: Callable[[], object], repeats: int = 7) -> float:
    """Median wall time of `action` over `repeats` calls (after one warm-up call)."""
    action()
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def median_subprocess_seconds(code: str, repeats: int = 11) -> float:
    """Median wall time of a fresh interpreter running `code` (what a user feels on `import`)."""
    return median_seconds(lambda: subprocess.run([sys.executable, "-c", code], check=True), repeats)


def in_subprocess(script: str, *args: object) -> dict:
    """Run `script args...` in a fresh interpreter and read the JSON on its last line of output.

    A fresh process per measurement makes peak memory (see `peak_rss_mb`) comparable between sizes.
    """
    completed = subprocess.run([sys.executable, script, *map(str, args)], capture_output=True, text=True,
                               cwd=HERE, check=False)
    if completed.returncode != 0:
        lines = completed.stderr.strip().splitlines()
        return {"error": lines[-1] if lines else f"exit code {completed.returncode}"}
    return json.loads(completed.stdout.strip().splitlines()[-1])


def peak_rss_mb() -> float:
    """Peak resident memory of this process (counts Rust allocations, which tracemalloc does not)."""
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def main(only: list[str]) -> int:
    now = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    results = {
        "measured_at": now,
        "machine": {"python": platform.python_version(), "platform": platform.platform(),
                    "cpus": os.cpu_count()},
        "benchmarks": {},
    }
    if only and RESULTS.is_file():  # re-measure some, keep the rest as they were last measured
        results["benchmarks"] = json.loads(RESULTS.read_text()).get("benchmarks", {})
    for path in sorted(HERE.glob("bench_*.py")):
        if only and path.stem.removeprefix("bench_") not in only:
            continue
        spec = importlib.util.spec_from_file_location(path.stem, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)  # type: ignore[union-attr]
        print(f"running {path.stem} ...", flush=True)
        results["benchmarks"][path.stem.removeprefix("bench_")] = {**module.run(), "measured_at": now}
    tmp = RESULTS.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(results, indent=2) + "\n")
    tmp.replace(RESULTS)
    print(json.dumps(results["benchmarks"], indent=2))
    print(f"written to {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(HERE))
    raise SystemExit(main(sys.argv[1:]))
