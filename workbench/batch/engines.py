"""Running every partition of a corpus: here, one after another, or on a Dask cluster, with the same results.

`analyze_source(source, out)` plans the partitions, runs `run_partition` over them — in this process
(`engine="local"`) or on Dask workers (`engine="dask"`: a `LocalCluster` by default, the scheduler at
`scheduler` when given) — and writes `manifest.json`: the input hash of every partition, the record version and
the package version. On Dask the record tables travel to each worker once (scattered, broadcast), not with every
task, and each worker writes its partitions straight into `out`, which must therefore be a path every worker
can reach (a shared file system).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterable
from pathlib import Path

from workbench.analysis.claims import Record
from workbench.atomic_write import write_files_atomically
from workbench.batch.partition import FRAMES, Outcome, run_partition
from workbench.batch.sources import MAX_DOCUMENT_MB, PARTITION_MB, Partition, plan, source_kind
from workbench.errors import UsageError

__all__ = ["ENGINES", "MANIFEST", "analyze_source"]

ENGINES = ("local", "dask")
MANIFEST = "manifest.json"
_THREAD_VARIABLES = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")


def analyze_source(source: str | Path, out: str | Path, *, engine: str = "local", scheduler: str | None = None,
                   workers: int = 2, partition_mb: float = PARTITION_MB, max_document_mb: float = MAX_DOCUMENT_MB,
                   progress: bool | None = None) -> dict:
    """Analyse every document of `source` into partitioned Parquet under `out`; returns the manifest.

    A re-run with the same source skips the partitions already done with the same input, record, lexicons, model
    and code; a document that cannot be analysed is listed in `frames/errors/` with the reason and never stops the run.
    """
    from workbench import __version__
    from workbench.analysis.analysis_cache import inputs_digest
    from workbench.datasets.versions import record_version

    source, out = Path(source), Path(out)
    if engine not in ENGINES:
        raise UsageError(f"engine={engine!r} is not an engine.", fix=f"use one of {', '.join(ENGINES)}.",
                         value=engine)
    if scheduler is not None and engine != "dask":
        raise UsageError("a scheduler address only makes sense with the Dask engine.",
                         fix="add --engine dask, or drop --scheduler.", value=scheduler)
    partitions = plan(source, partition_mb=partition_mb)
    out.mkdir(parents=True, exist_ok=True)
    _remove_stale_temporaries(out)
    record, analysed_with = Record.load(), inputs_digest()
    runner = _run_dask if engine == "dask" else _run_local
    outcomes = sorted(_progress(runner(partitions, record, out, max_document_mb, analysed_with, scheduler, workers),
                                len(partitions), progress), key=lambda outcome: outcome.index)
    manifest = {
        "source": str(source), "source_kind": source_kind(source),
        "package": "ai-record-workbench", "version": __version__, "record_version": record_version(),
        "options": {"partition_mb": partition_mb, "max_document_mb": max_document_mb},
        "frames": [f"frames/{name}/" for name in FRAMES],
        "documents": sum(o.documents for o in outcomes), "errors": sum(o.errors for o in outcomes),
        "partitions": [json.loads((out / "partitions" / f"{p.name}.json").read_text(encoding="utf-8"))
                       for p in partitions],
    }
    write_files_atomically({out / MANIFEST: (json.dumps(manifest, indent=1) + "\n").encode()})
    return manifest


def _run_local(partitions: list[Partition], record: Record, out: Path, max_document_mb: float, analysed_with: str,
               scheduler: str | None, workers: int) -> Iterable[Outcome]:
    for partition in partitions:
        yield run_partition(partition, record, out, max_document_mb=max_document_mb, analysed_with=analysed_with)


def _run_dask(partitions: list[Partition], record: Record, out: Path, max_document_mb: float, analysed_with: str,
              scheduler: str | None, workers: int) -> Iterable[Outcome]:
    from distributed import Client, LocalCluster, as_completed

    # a LocalCluster sets OMP_NUM_THREADS and the like to 1 in this process too, and leaves them: put them back
    saved = {name: os.environ.get(name) for name in _THREAD_VARIABLES}
    cluster = None if scheduler else LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                                  dashboard_address=None)
    try:
        with Client(scheduler or cluster) as client:
            shared = client.scatter(record, broadcast=True)  # the record goes to each worker once
            futures = client.map(run_partition, partitions, record=shared, out=str(out.resolve()),
                                 max_document_mb=max_document_mb, analysed_with=analysed_with, pure=False)
            for future in as_completed(futures):
                yield future.result()
    finally:
        if cluster is not None:
            cluster.close()
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _progress(outcomes: Iterable[Outcome], total: int, show: bool | None) -> Iterable[Outcome]:
    """A progress bar of partitions with documents, megabytes and the rate; yields the outcomes on."""
    from tqdm.auto import tqdm

    started, documents, megabytes = time.perf_counter(), 0, 0.0
    with tqdm(total=total, desc="corpus", unit="part", disable=show is False) as bar:
        for outcome in outcomes:
            documents += outcome.documents
            megabytes += outcome.megabytes
            rate = megabytes / max(time.perf_counter() - started, 1e-9)
            bar.set_postfix(docs=documents, MB=f"{megabytes:.1f}", rate=f"{rate:.2f} MB/s", refresh=False)
            bar.update(1)
            yield outcome


def _remove_stale_temporaries(out: Path) -> None:
    """Files a killed run left half-written beside their targets (never renamed into place, so never read)."""
    for stale in out.rglob(".*.tmp"):
        stale.unlink(missing_ok=True)

