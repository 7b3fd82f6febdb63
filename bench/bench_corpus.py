"""`workbench corpus analyze`: the local engine against Dask with one and two workers, on the same news-style text.

The input is built at bench time by news_text.py (real public text from ../shared/external when it is there, else
the repository's own) as one Parquet table of ~`MEGABYTES` MB. Each engine writes into its own fresh folder, in a
fresh interpreter, so peak memory is comparable; for Dask the peak of every worker process is read from the workers
themselves. The overhead is Dask's time over the local engine's on the same input; the target is 1.3x at two
workers (on two cores the two cannot both beat one process by much: the point is that the cluster costs little).
Memory per worker should stay flat as the corpus grows: the small run (`SMALL_MB`) is the baseline.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

from run import in_subprocess, peak_rss_mb

MEGABYTES = 100.0
SMALL_MB = 25.0
PARTITION_MB = 8.0
TARGET_OVERHEAD = 1.3
PLAN = [("local", 0, MEGABYTES), ("dask", 1, MEGABYTES), ("dask", 2, MEGABYTES), ("dask", 2, SMALL_MB)]


def run() -> dict:
    started = time.perf_counter()
    runs = [{"engine": engine, "workers": workers, **in_subprocess(__file__, engine, workers, megabytes)}
            for engine, workers, megabytes in PLAN]
    local = next(r for r in runs if r["engine"] == "local")
    two = next(r for r in runs if r["engine"] == "dask" and r["workers"] == 2 and r.get("megabytes", 0) > SMALL_MB)
    small = next(r for r in runs if r["engine"] == "dask" and r.get("megabytes", MEGABYTES) <= SMALL_MB + 1)
    overhead = two["seconds"] / local["seconds"] if "seconds" in two and "seconds" in local else None
    return {
        "runs": runs, "overhead_two_workers": None if overhead is None else round(overhead, 2),
        "target_overhead": TARGET_OVERHEAD, "meets_target": overhead is not None and overhead <= TARGET_OVERHEAD,
        "worker_peak_mb_small_vs_large": [small.get("worker_peak_rss_mb"), two.get("worker_peak_rss_mb")],
        "seconds_total": round(time.perf_counter() - started, 1),
    }


def _measure(engine: str, workers: int, megabytes: float) -> dict:
    from news_text import build

    with tempfile.TemporaryDirectory() as folder:
        text = build(Path(folder), megabytes)
        if engine == "local":
            seconds, manifest = _timed(text.table, Path(folder) / "out", engine="local")
            extra = {"peak_rss_mb": round(peak_rss_mb(), 1)}
        else:
            seconds, manifest, peak = _on_own_cluster(text.table, Path(folder) / "out", workers)
            extra = {"worker_peak_rss_mb": peak}
    return {"megabytes": round(text.megabytes, 1), "documents": manifest["documents"],
            "partitions": len(manifest["partitions"]), "seconds": round(seconds, 1),
            "mb_per_s": round(text.megabytes / seconds, 2), "source": text.source, **extra}


def _timed(table: Path, out: Path, **options: object) -> tuple[float, dict]:
    from workbench.batch import analyze_source

    begun = time.perf_counter()
    manifest = analyze_source(table, out, partition_mb=PARTITION_MB, progress=False, **options)
    return time.perf_counter() - begun, manifest


def _on_own_cluster(table: Path, out: Path, workers: int) -> tuple[float, dict, float]:
    """Dask through a scheduler address (what a real cluster gets), timed from a running cluster, so worker start
    up is not counted; then each worker's own peak RSS."""
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        seconds, manifest = _timed(table, out, engine="dask", scheduler=cluster.scheduler_address)
        peaks = client.run(_own_peak_mb)
    return seconds, manifest, round(max(peaks.values()), 1)


def _own_peak_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


if __name__ == "__main__":
    engine_name, worker_count, size = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    print(json.dumps(_measure(engine_name, worker_count, size)))
