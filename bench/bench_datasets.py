"""Load time of each curated table: validated load (cold and cached) against a plain `pl.read_csv` baseline.

`cold` clears the in-process cache first, with the disk cache of checked tables off, so it pays for the sha256
check, reading and typing every cell, the overlay, all cross-table reference checks and the derived columns
(including assembling the tables it references). `from_disk` is what a new process (a notebook's kernel) pays once
another has checked the same record: the disk cache on, the in-process cache cleared. `cached` is a repeat `load()`
in the same process. The baseline reads the same file with
`pl.read_csv` and no validation, measured in the same run.
"""

from __future__ import annotations

import os
import tempfile

from run import median_seconds


def run() -> dict:
    import polars as pl

    from workbench import datasets
    from workbench.datasets import assembled_cache, curated, registry

    previous = os.environ.get("WORKBENCH_DATA_DIR")
    with tempfile.TemporaryDirectory() as empty:  # measure the shipped tables, not whatever overlay is lying around
        os.environ["WORKBENCH_DATA_DIR"] = empty
        os.environ[assembled_cache.SWITCH] = "off"
        try:
            results: dict = {"repeats": 7, "unit": "seconds (median)", "tables": {}}
            for name in registry.curated_names():
                path = registry.curated(name).path

                def cold(name=name):
                    curated.clear_cache()
                    return datasets.load(name)

                baseline = median_seconds(lambda path=path: pl.read_csv(path))
                cold_s = median_seconds(cold)
                cached_s = median_seconds(lambda name=name: datasets.load(name))
                results["tables"][name] = {
                    "rows": datasets.load(name).height,
                    "bytes": path.stat().st_size,
                    "load_cold": round(cold_s, 6),
                    "load_cached": round(cached_s, 6),
                    "baseline_pl_read_csv": round(baseline, 6),
                    "ratio_cold_to_baseline": round(cold_s / baseline, 1),
                    "ratio_cached_to_baseline": round(cached_s / baseline, 2),
                }
            curated.clear_cache()
            every_table = registry.curated_names()
            results["all_curated_cold"] = round(median_seconds(
                lambda: [curated.clear_cache(), [datasets.load(n) for n in every_table]]), 6)
            os.environ[assembled_cache.SWITCH] = "on"
            results["all_curated_from_disk"] = round(median_seconds(
                lambda: [curated.clear_cache(), [datasets.load(n) for n in every_table]]), 6)
            results["ratio_cold_to_from_disk"] = round(
                results["all_curated_cold"] / results["all_curated_from_disk"], 1)
        finally:
            os.environ.pop(assembled_cache.SWITCH, None)
            if previous is None:
                os.environ.pop("WORKBENCH_DATA_DIR", None)
            else:
                os.environ["WORKBENCH_DATA_DIR"] = previous
            curated.clear_cache()
    return results


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=2))
