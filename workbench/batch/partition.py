"""One partition, start to finish: read it, analyse it, write its frames, then mark it done.

`run_partition` is the whole unit of work of a corpus run, a pure function of the partition, the record and the
options, so the local engine and Dask workers run the very same code and write the very same bytes. Its files
land atomically (each written beside its target and renamed into place) and its marker
(`partitions/part-NNNNN.json`: the input's sha256, the digest of what it was analysed with, and what was written)
comes last: a partition without a marker, or whose marker names another input or another record, lexicon, model or
code (`analysis_cache.inputs_digest`), is simply done again, and a killed run loses at most the partitions in
flight.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from workbench.analysis.claims import Record
from workbench.atomic_write import write_files_atomically
from workbench.batch.sources import MAX_DOCUMENT_MB, Partition, read

__all__ = ["FRAMES", "Outcome", "done", "marker_path", "run_partition"]

#: The frames a corpus run writes, each sorted by its keys: `documents` (one row per analysed document),
#: then the analysis (`workbench.analysis.FRAMES` without `sentences`, whose text the claims already carry), and
#: `errors` (the documents left out, with why).
FRAMES = ("documents", "paragraphs", "evidence", "entities", "amounts", "dates", "claims", "matches", "errors")
_KEYS = {"documents": ["doc_id"], "paragraphs": ["doc_id", "paragraph"], "claims": ["doc_id", "sentence"],
         "errors": ["doc_id", "where", "reason"]}


@dataclass(frozen=True)
class Outcome:
    """What one partition did: skipped (already done with the same input) or analysed, and how much."""

    index: int
    skipped: bool
    documents: int
    errors: int
    megabytes: float


def marker_path(out: Path, partition: Partition) -> Path:
    return out / "partitions" / f"{partition.name}.json"


def done(out: Path, partition: Partition, input_sha256: str, analysed_with: str) -> dict | None:
    """The partition's marker if it finished with this very input, record, lexicons, model and code, else None."""
    try:
        marker = json.loads(marker_path(out, partition).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    same = marker.get("input_sha256") == input_sha256 and marker.get("analysed_with") == analysed_with
    return marker if same else None


def run_partition(partition: Partition, record: Record, out: str | Path, *,
                  max_document_mb: float = MAX_DOCUMENT_MB, analysed_with: str | None = None) -> Outcome:
    """Analyse one partition into `out` unless it is already done with the same input and the same
    `analysed_with` (`analysis_cache.inputs_digest()`, taken here when not given)."""
    from workbench.analysis.analysis_cache import inputs_digest

    out = Path(out)
    analysed_with = analysed_with or inputs_digest()
    found = read(partition, max_document_mb=max_document_mb)
    marker = done(out, partition, found.input_sha256, analysed_with)
    if marker is not None:
        return Outcome(partition.index, True, marker["documents"], marker["errors"], found.megabytes)
    frames = {**_analysed(found.documents, record), "errors": found.errors}
    files = {out / "frames" / name / f"{partition.name}.parquet": _parquet(_sorted(name, frame))
             for name, frame in frames.items()}
    write_files_atomically(files)  # the frames first ...
    summary = {"partition": partition.name, "input_sha256": found.input_sha256, "analysed_with": analysed_with,
               "documents": found.documents.height, "errors": found.errors.height,
               "rows": {name: frame.height for name, frame in frames.items()}}
    write_files_atomically({marker_path(out, partition): (json.dumps(summary, indent=1) + "\n").encode()})  # ... last
    return Outcome(partition.index, False, found.documents.height, found.errors.height, found.megabytes)


def _analysed(documents: pl.DataFrame, record: Record) -> dict[str, pl.DataFrame]:
    from workbench.analysis import analyze_batch
    from workbench.corpus.spans import paragraphs_of

    paragraphs = (paragraphs_of(documents).join(documents.select("doc_id", "published"), on="doc_id",
                                                maintain_order="left")
                  .select("doc_id", "paragraph", "text", "published"))
    frames = analyze_batch(paragraphs, record)
    counts = paragraphs.group_by("doc_id").len("paragraphs").with_columns(pl.col("paragraphs").cast(pl.Int64))
    summary = documents.select("doc_id", "published", "title", "publisher", "url",
                               chars=pl.col("text").str.len_chars().cast(pl.Int64))
    summary = summary.join(counts, on="doc_id", how="left")
    return {"documents": summary.with_columns(pl.col("paragraphs").fill_null(0)),
            **{name: frames[name] for name in FRAMES if name in frames}}


def _sorted(name: str, frame: pl.DataFrame) -> pl.DataFrame:
    keys = [key for key in _KEYS.get(name, frame.columns) if key in frame.columns]
    sortable = [key for key in keys if not isinstance(frame.schema[key], (pl.List, pl.Struct))]
    return frame.sort(sortable, nulls_last=True, maintain_order=True) if sortable else frame


def _parquet(frame: pl.DataFrame) -> bytes:
    import io

    buffer = io.BytesIO()
    frame.write_parquet(buffer, statistics=False)
    return buffer.getvalue()
