"""What a corpus run reads: a folder of articles or a Parquet/JSONL table, cut into partitions planned up front.

A partition is a few megabytes of documents, named by its position (`part-00012`), and described by a
`Partition` that any process can read on its own: the files it holds, or the rows of the table. The plan depends
only on the source, so a re-run, another engine or a worker on another machine cuts the same partitions.

Reading never stops at a bad document: an undecodable or binary file, an empty text, a text over the size limit or
a publication date that is not a date becomes a row of the errors table, with the reason, and the rest of the
partition goes on.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from workbench.errors import UsageError, WorkbenchError

__all__ = [
    "DOCUMENT_COLUMNS", "ERROR_SCHEMA", "MAX_DOCUMENT_MB", "PARTITION_MB", "Partition", "Read", "plan", "read",
    "source_kind",
]

PARTITION_MB = 8.0  # text per partition: a few seconds of work, small enough to lose little to a kill
MAX_DOCUMENT_MB = 5.0  # a longer "article" is almost surely a dump or a mistake: reported, not analysed
TABLE_SUFFIXES = (".parquet", ".jsonl", ".ndjson")
ARTICLE_SUFFIXES = (".txt", ".md")
DOCUMENT_COLUMNS = {"doc_id": pl.String, "text": pl.String, "published": pl.Date, "title": pl.String,
                    "publisher": pl.String, "url": pl.String}
ERROR_SCHEMA = {"partition": pl.Int64, "doc_id": pl.String, "where": pl.String, "reason": pl.String}


@dataclass(frozen=True)
class Partition:
    """One partition of a source: `files` of a folder, or `length` rows from `offset` of a table."""

    index: int
    source: str
    kind: str  # "folder", "parquet" or "jsonl"
    files: tuple[str, ...] = ()
    offset: int = 0
    length: int = 0

    @property
    def name(self) -> str:
        return f"part-{self.index:05d}"


@dataclass(frozen=True)
class Read:
    """A partition as read: its good documents, its bad ones (with reasons), and the hash of its input."""

    documents: pl.DataFrame
    errors: pl.DataFrame
    input_sha256: str
    megabytes: float


def source_kind(source: Path) -> str:
    """folder, parquet or jsonl; anything else is refused with what to pass instead."""
    if source.is_dir():
        return "folder"
    if source.is_file() and source.suffix.lower() == ".parquet":
        return "parquet"
    if source.is_file() and source.suffix.lower() in (".jsonl", ".ndjson"):
        return "jsonl"
    raise UsageError("the corpus source must be a folder of .txt/.md articles or a .parquet/.jsonl table.",
                     fix="pass a folder (with or without catalog.csv) or a table with doc_id and text columns "
                         "(and optionally published, title, publisher, url).", value=str(source))


def plan(source: Path, *, partition_mb: float = PARTITION_MB) -> list[Partition]:
    """The partitions of `source`, in order: files by name for a folder, row ranges for a table."""
    kind = source_kind(source)
    if kind == "folder":
        return _plan_folder(source, partition_mb)
    return _plan_table(source, kind, partition_mb)


def _plan_folder(folder: Path, partition_mb: float) -> list[Partition]:
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in ARTICLE_SUFFIXES)
    parts: list[list[str]] = [[]]
    size = 0
    for path in files:
        if parts[-1] and size + path.stat().st_size > partition_mb * 1e6:
            parts.append([])
            size = 0
        parts[-1].append(path.relative_to(folder).as_posix())
        size += path.stat().st_size
    return [Partition(index, str(folder), "folder", files=tuple(names))
            for index, names in enumerate(part for part in parts if part)]


def _plan_table(path: Path, kind: str, partition_mb: float) -> list[Partition]:
    table = _scan(path, kind)
    columns = table.collect_schema().names()
    missing = {"doc_id", "text"} - set(columns)
    if missing:
        raise UsageError(f"the table lacks column(s) {', '.join(sorted(missing))}.", file=path,
                         fix="give it a doc_id and a text column (and optionally published, title, publisher, url).")
    sizes = table.select(pl.col("text").cast(pl.String).str.len_bytes().fill_null(0)).collect()["text"]
    parts, start, size = [], 0, 0
    for row, length in enumerate(sizes.to_list()):
        if row > start and size + length > partition_mb * 1e6:
            parts.append((start, row - start))
            start, size = row, 0
        size += length
    if len(sizes) > start:
        parts.append((start, len(sizes) - start))
    return [Partition(index, str(path), kind, offset=offset, length=length)
            for index, (offset, length) in enumerate(parts)]


def _scan(path: Path, kind: str) -> pl.LazyFrame:
    try:
        return pl.scan_parquet(path) if kind == "parquet" else pl.scan_ndjson(path, infer_schema_length=None)
    except (pl.exceptions.PolarsError, OSError) as error:
        raise UsageError(f"the table cannot be read ({_first_line(error)}).", file=path,
                         fix="write it with polars or pandas (parquet) or as one JSON object per line.") from None


def read(partition: Partition, *, max_document_mb: float = MAX_DOCUMENT_MB) -> Read:
    """The documents of one partition (doc_id, text, published, title, publisher, url), bad ones set apart."""
    rows, errors = (_read_folder(partition) if partition.kind == "folder" else _read_table(partition))
    documents = pl.DataFrame(rows, schema={**DOCUMENT_COLUMNS, "published": pl.String}, orient="row")
    documents, bad_dates = _dated(documents, partition.index)
    limit = int(max_document_mb * 1e6)
    size = documents["text"].str.len_bytes()
    empty = documents["text"].str.strip_chars().str.len_chars() == 0
    problems = pl.concat([
        pl.DataFrame(errors, schema=ERROR_SCHEMA, orient="row"), bad_dates,
        documents.filter(empty).select(pl.lit(partition.index, dtype=pl.Int64).alias("partition"), "doc_id",
                                       where=pl.col("doc_id"), reason=pl.lit("the text is empty")),
        documents.filter(size > limit).select(
            pl.lit(partition.index, dtype=pl.Int64).alias("partition"), "doc_id", where=pl.col("doc_id"),
            reason=pl.format("the text is {} MB, over the {} MB limit (--max-document-mb)",
                             (pl.col("text").str.len_bytes() / 1e6).round(1), pl.lit(max_document_mb))),
    ])
    good = documents.filter(~empty & (size <= limit)).unique("doc_id", keep="first", maintain_order=True)
    repeated = documents.filter(~empty & (size <= limit)).filter(pl.col("doc_id").is_duplicated()).select(
        pl.lit(partition.index, dtype=pl.Int64).alias("partition"), "doc_id", where=pl.col("doc_id"),
        reason=pl.lit("the doc_id repeats an earlier document of this partition; only the first is analysed"))
    digest = hashlib.sha256(documents.write_ipc(None, compression="uncompressed").getvalue()).hexdigest()
    return Read(good, pl.concat([problems, repeated.unique("doc_id")]).sort("doc_id", "reason"), digest,
                float(size.sum()) / 1e6)


def _read_folder(partition: Partition) -> tuple[list[tuple], list[tuple]]:
    from workbench.corpus.catalog import read_catalog
    from workbench.corpus.reading import doc_id_for, read_text

    folder = Path(partition.source)
    catalog, _ = read_catalog(folder / "catalog.csv")  # a broken catalog row only costs its metadata
    by_file = {entry.file: entry for entry in catalog}
    rows, errors = [], []
    for name in partition.files:
        entry = by_file.get(name)
        doc_id = entry.doc_id if entry else doc_id_for(Path(name))
        try:
            text = read_text(folder / name)
        except WorkbenchError as error:
            errors.append((partition.index, doc_id, name, error.problem.what))
            continue
        except OSError as error:
            errors.append((partition.index, doc_id, name, f"the file cannot be read ({error.strerror})"))
            continue
        if entry:
            rows.append((doc_id, text, str(entry.published) if entry.published else None, entry.title or None,
                         entry.publisher or None, entry.url or None))
        else:
            rows.append((doc_id, text, None, None, None, None))
    return rows, errors


def _read_table(partition: Partition) -> tuple[list[tuple], list[tuple]]:
    table = _scan(Path(partition.source), partition.kind).slice(partition.offset, partition.length)
    present = table.collect_schema().names()
    columns = [pl.col(name).cast(pl.String) if name in present else pl.lit(None, pl.String).alias(name)
               for name in DOCUMENT_COLUMNS]
    frame = table.select(columns).collect()
    missing_id = frame.filter(pl.col("doc_id").is_null() | (pl.col("doc_id").str.strip_chars() == ""))
    errors = [(partition.index, None, f"row {partition.offset + i + 1}", "no doc_id")
              for i in missing_id.with_row_index("i")["i"].to_list()] if missing_id.height else []
    frame = frame.filter(pl.col("doc_id").is_not_null() & (pl.col("doc_id").str.strip_chars() != ""))
    return frame.with_columns(pl.col("text").fill_null("")).rows(), errors


def _dated(documents: pl.DataFrame, index: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    """`published` parsed as YYYY-MM-DD; a value that is not a date sets its document apart (read as no date, its
    relative dates would silently stay unresolved and its claims be judged against today's record)."""
    text = pl.col("published").str.strip_chars()
    parsed = documents.with_columns(pl.when(text != "").then(text).str.to_date("%Y-%m-%d", strict=False)
                                    .alias("_date"))
    bad = parsed.filter(pl.col("_date").is_null() & pl.col("published").is_not_null() & (text != ""))
    errors = bad.select(pl.lit(index, dtype=pl.Int64).alias("partition"), "doc_id", where=pl.col("doc_id"),
                        reason=pl.format("published is '{}', not a date written YYYY-MM-DD", "published"))
    good = parsed.join(bad.select("doc_id"), on="doc_id", how="anti").with_columns(pl.col("_date").alias("published"))
    return good.drop("_date"), errors


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
