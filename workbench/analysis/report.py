"""The stable JSON of `workbench analyze` (DESIGN §4), built from an Analysis' frames.

Each match carries `verdict` (as of now) and `verdict_at_publication` (with only what was public on the
article's date); a claim the record cannot speak to has one match with dataset and row_id null.
"""

from __future__ import annotations

import polars as pl

from workbench.errors import DatasetError

__all__ = ["analysis_json"]


def analysis_json(analysis, doc_id: str | None = None) -> dict:
    documents = analysis.documents
    if documents.is_empty():
        raise DatasetError("the analysis holds no document.", fix="analyse a non-empty article.")
    doc_id = doc_id or documents["doc_id"][0]
    document = documents.filter(pl.col("doc_id") == doc_id).row(0, named=True)

    def of(frame: pl.DataFrame) -> pl.DataFrame:
        return frame.filter(pl.col("doc_id") == doc_id) if "doc_id" in frame.columns else frame

    evidence = (of(analysis.evidence).sort("paragraph", "start")
                .group_by("paragraph", maintain_order=True)
                .agg(pl.struct("theme", "term", "start", "end").alias("evidence")))
    paragraphs = (of(analysis.paragraphs).sort("paragraph").join(evidence, on="paragraph", how="left")
                  .select("paragraph", "text", "themes", "subthemes",
                          pl.col("evidence").fill_null(pl.lit([], dtype=evidence.schema["evidence"]))))
    matches = (of(analysis.matches).group_by("sentence", maintain_order=True)
               .agg(pl.struct("dataset", "row_id", "verdict", "note", "verdict_at_publication").alias("matches")))
    claims = (of(analysis.claims).sort("sentence").join(matches, on="sentence", how="left")
              .select("paragraph", "text", "kind", "matches"))
    return {
        "document": {"doc_id": doc_id, "path": document.get("file"),
                     "published": _iso(document.get("published")),
                     "paragraph_count": paragraphs.height},
        "paragraphs": paragraphs.to_dicts(),
        "entities": of(analysis.entities).select("paragraph", "text", "canonical", "label", "start", "end").to_dicts(),
        "amounts": of(analysis.amounts).select("paragraph", "text", "value", "currency", "qualifier", "start",
                                               "end").to_dicts(),
        "dates": of(analysis.dates).select("paragraph", "text", "value", "precision", "relative").to_dicts(),
        "claims": claims.to_dicts(),
        "notes": list(analysis.notes),
    }


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None
