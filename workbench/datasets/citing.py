"""What a table or chart of record rows cites: the source rows behind them, licences and input hashes.

In the datasets layer so that the views (notebook outputs) and the explorers (Save) agree on where a row comes
from without one importing the other.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

import polars as pl

from workbench import datasets

__all__ = ["SUMMARIES", "derived_from", "licences", "record_rows", "source_index", "sources_by_id", "sources_of"]

# dataset -> (primary key, one-line summary of a row) for claims that point at record rows
SUMMARIES: dict[str, tuple[str, pl.Expr]] = {
    "funding_events": ("event_id", pl.format("{} → {}: {} ({})", pl.col("investor"), pl.col("recipient"),
                                             pl.col("deal").fill_null(""), pl.col("date"))),
    "governance_events": ("event_id", pl.format("{} ({})", pl.col("summary"), pl.col("date"))),
    "org_structures": ("structure_id", pl.format("{}: {} from {}", pl.col("org"), pl.col("legal_form"),
                                                 pl.col("date"))),
    "policy_events": ("event_id", pl.format("{} [{}, {}] ({})", pl.col("title"), pl.col("jurisdiction"),
                                            pl.col("status"), pl.col("date"))),
    "company_financials": ("financial_id", pl.format("{} {}: {} {} {} (to {})", pl.col("company"),
                                                     pl.col("fiscal_period"), pl.col("metric"), pl.col("value"),
                                                     pl.col("currency"), pl.col("period_end"))),
}


def _sources_frame() -> pl.DataFrame:
    return _sources_of_version(datasets.data_version())


@lru_cache(maxsize=1)
def _sources_of_version(version: str) -> pl.DataFrame:
    return datasets.load("sources").select("source_id", "url", "publisher", pl.col("kind").cast(pl.String), "published")


def source_index() -> dict[str, dict]:
    """source_id -> {url, publisher, kind, published} for linking ids in tables."""
    return {row["source_id"]: row for row in _sources_frame().iter_rows(named=True)}


def sources_of(frame: pl.DataFrame) -> list[dict]:
    """The source rows (source_id, url, publisher, kind, date) cited by the rows of `frame`, each once."""
    if "source_ids" not in frame.columns or frame.is_empty():
        return []
    return sources_by_id(frame["source_ids"].explode().drop_nulls().unique().to_list())


def sources_by_id(source_ids: Iterable[str]) -> list[dict]:
    """The source rows (source_id, url, publisher, kind, date) of `source_ids`, by id, each once."""
    ids = pl.DataFrame({"source_id": sorted(set(source_ids))}, schema={"source_id": pl.String})
    rows = ids.join(_sources_frame(), on="source_id", how="left").sort("source_id")
    return [{"source_id": r["source_id"], "url": r["url"], "publisher": r["publisher"], "kind": r["kind"],
             "date": None if r["published"] is None else r["published"].isoformat()}
            for r in rows.iter_rows(named=True)]


def licences(names: Iterable[str]) -> list[str]:
    """Licences of the datasets used (and of the sources table that every citation goes through)."""
    from workbench.datasets import registry

    return sorted({registry.curated(name).licence for name in (*names, "sources")})


def derived_from(names: Iterable[str]) -> list[dict]:
    """The shipped files an output was computed from, with the hashes the registry checks, each table's version
    and the record's (the changelog's latest), so a reader can diff against the record they have."""
    from workbench.datasets import registry, versions

    record = versions.record_version()
    return [{"dataset": name, "path": f"workbench/datasets/{registry.curated(name).file}",
             "sha256": registry.curated(name).sha256, "version": versions.table_version(name),
             "record_version": record} for name in names]


def record_rows(matches: pl.DataFrame) -> pl.DataFrame:
    """For (dataset, row_id) pairs: a one-line summary, confidence and source ids of each record row."""
    parts = []
    for name, (key, summary) in SUMMARIES.items():
        ids = matches.filter(pl.col("dataset") == name)["row_id"].unique()
        if ids.is_empty():
            continue
        rows = datasets.load(name).filter(pl.col(key).is_in(ids.implode()))
        parts.append(rows.select(pl.lit(name).alias("dataset"), pl.col(key).alias("row_id"),
                                 summary.alias("summary"), pl.col("confidence").cast(pl.String),
                                 "source_ids"))
    schema = {"dataset": pl.String, "row_id": pl.String, "summary": pl.String, "confidence": pl.String,
              "source_ids": pl.List(pl.String)}
    return pl.concat(parts) if parts else pl.DataFrame(schema=schema)
