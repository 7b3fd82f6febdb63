"""How well claims are matched to the record row of the event they describe, on labelled claims.

`evaluation/labelled/claims.csv` holds news-style sentences, each with its publication date and the record
rows of the event it states (`dataset:row_id`, "; "-separated), or none when the record has no row for it.
Each sentence is analysed as a one-paragraph article published on its date, exactly as `analyze` reads any
article, and the row each claim is matched to as its event (`role == "event"`) is compared with the labels:

- precision: of the event rows matched with a verdict of consistent, partly or inconsistent, the share that
  are labelled rows of the sentence's event (a wrong row confirmed or contradicted is the error that matters);
- recall: of the sentences whose event is in the record, the share matched to one of its rows;
- no-row claims left unverifiable: of the sentences with no row, the share whose claims all end unverifiable.

The labelled file is frozen (its sha256 is in claims.sha256; a test checks it) and split before any tuning:
`test` when the sha256 of the id ends in 0-6, `dev` otherwise. Matching was tuned on `dev` rows only.
`python -m workbench.analysis.claim_evaluation` rewrites evaluation/claims_scores.md; a test fails when it is
stale.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from workbench.errors import DatasetError

if TYPE_CHECKING:
    from workbench.analysis.claims import Record

__all__ = [
    "HASH_FILE", "LABELLED_FILE", "SCORES_FILE", "SPLITS", "TARGETS", "evaluate", "file_hash", "labelled_claims",
    "predictions", "render_scores", "split_of", "write_scores",
]

_EVALUATION_DIR = Path(__file__).resolve().parent / "evaluation"
LABELLED_FILE = _EVALUATION_DIR / "labelled" / "claims.csv"
HASH_FILE = _EVALUATION_DIR / "labelled" / "claims.sha256"
SCORES_FILE = _EVALUATION_DIR / "claims_scores.md"
SPLITS = ("dev", "test", "all")
TARGETS = {"precision": 0.95, "recall": 0.9}
_CHECKED = ("consistent", "partly", "inconsistent")


def split_of(claim_id: str) -> str:
    """The split a labelled claim belongs to, fixed by its id alone (about 45% test)."""
    return "test" if hashlib.sha256(claim_id.encode("utf-8")).hexdigest()[-1] in "0123456" else "dev"


def file_hash(path: Path = LABELLED_FILE) -> str:
    """The sha256 of the labelled file as stored, to compare with the frozen one in claims.sha256."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def labelled_claims(split: str = "all") -> pl.DataFrame:
    """The labelled claims of a split: id, split, published (Date), sentence, rows (a list), note."""
    if split not in SPLITS:
        raise DatasetError("is not a split of the labelled claims.", column="split", value=split,
                           fix=f"use one of {', '.join(SPLITS)}.")
    frame = pl.read_csv(LABELLED_FILE, schema_overrides={"rows": pl.String, "note": pl.String}).with_columns(
        pl.col("published").str.to_date("%Y-%m-%d"),
        rows=pl.col("rows").fill_null("").str.split("; ").list.eval(pl.element().filter(pl.element() != "")))
    return frame if split == "all" else frame.filter(pl.col("split") == split)


def predictions(split: str = "all", record: Record | None = None) -> pl.DataFrame:
    """One row per labelled claim: its labels, the event rows it was matched to (each with its verdict), and
    its claim verdicts.

    Returns
    -------
    polars.DataFrame
        One row per labelled claim, by id; columns: id, split, sentence, rows (labelled, a list), claims (how many
        claims the analysis found in the sentence), matched (event rows matched, as 'dataset:row_id', a list),
        checked (those with verdict consistent, partly or inconsistent, a list), verdicts (each claim's verdict
        now, a list), parts (the part deciding each claim's verdict, a list).
    """
    from workbench.analysis.claims import Record, summarise

    gold = labelled_claims(split)
    paragraphs = gold.select(pl.col("id").alias("doc_id"), pl.lit(1, pl.Int64).alias("paragraph"),
                             pl.col("sentence").alias("text"), "published")
    claims, matches = _checked(paragraphs, record or Record.load())
    events = matches.filter(pl.col("role") == "event", pl.col("row_id").is_not_null()).select(
        "doc_id", pl.format("{}:{}", "dataset", "row_id").alias("row"), "verdict")
    per_doc = events.group_by("doc_id").agg(
        pl.col("row").unique().sort().alias("matched"),
        pl.col("row").filter(pl.col("verdict").is_in(_CHECKED)).unique().sort().alias("checked"))
    verdicts = summarise(matches).group_by("doc_id").agg(
        pl.col("verdict_now").sort_by("sentence").alias("verdicts"),
        pl.col("verdict_part").sort_by("sentence").alias("parts"))
    claims = claims.group_by("doc_id").len("claims")
    empty = pl.lit([], dtype=pl.List(pl.String))
    return (gold.select("id", "split", "sentence", "rows")
            .join(claims, left_on="id", right_on="doc_id", how="left")
            .join(per_doc, left_on="id", right_on="doc_id", how="left")
            .join(verdicts, left_on="id", right_on="doc_id", how="left")
            .with_columns(pl.col("claims").fill_null(0), pl.col("matched", "checked", "verdicts", "parts")
                          .fill_null(empty))
            .sort("id"))


def _checked(paragraphs: pl.DataFrame, record: Record) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Claims and matches of one-paragraph articles, by the steps `analyze_batch` runs for them (themes, which
    matching does not read, left out)."""
    from workbench.analysis.amounts import extract_amounts
    from workbench.analysis.claims import check_claims, find_claims
    from workbench.analysis.dates import extract_dates
    from workbench.analysis.entities import extract_entities
    from workbench.corpus.spans import sentences_of

    keys = ("doc_id", "paragraph")
    claims = find_claims(sentences_of(paragraphs, id_columns=keys),
                         extract_entities(paragraphs, record.entities, id_columns=keys),
                         extract_amounts(paragraphs, id_columns=keys), extract_dates(paragraphs, id_columns=keys))
    return claims, check_claims(claims, paragraphs.select("doc_id", "published"), record)


def evaluate(split: str = "all", found: pl.DataFrame | None = None) -> dict[str, float | int]:
    """Matching precision and recall, and the share of no-row claims left unverifiable, on a split (of `found`,
    the predictions of every labelled claim, when given)."""
    if found is None:
        found = predictions(split)
    elif split != "all":
        found = found.filter(pl.col("split") == split)
    checked = found.select("rows", pl.col("checked").alias("row")).explode("row").drop_nulls("row")
    right = checked.filter(pl.col("rows").list.contains(pl.col("row"))).height
    in_record = found.filter(pl.col("rows").list.len() > 0)
    recalled = in_record.filter(pl.col("matched").list.set_intersection(pl.col("rows")).list.len() > 0).height
    no_row = found.filter(pl.col("rows").list.len() == 0)
    quiet = no_row.filter(pl.col("checked").list.len() == 0
                          & pl.col("verdicts").list.eval(pl.element() != "unverifiable").list.any().not_()).height
    consistent = in_record.filter(pl.col("verdicts").list.contains("consistent")).height
    return {
        "claims": found.height, "in_record": in_record.height, "no_row": no_row.height,
        "checked_rows": checked.height, "checked_right": right,
        "precision": round(right / checked.height, 3) if checked.height else 1.0,
        "recall": round(recalled / in_record.height, 3) if in_record.height else 1.0,
        "no_row_unverifiable": round(quiet / no_row.height, 3) if no_row.height else 1.0,
        "in_record_consistent": round(consistent / in_record.height, 3) if in_record.height else 1.0,
    }


def render_scores(found: pl.DataFrame | None = None) -> str:
    """The scores report as Markdown (what `python -m workbench.analysis.claim_evaluation` writes), from
    `predictions("all")` (computed when not given)."""
    found = predictions("all") if found is None else found
    lines = [
        "# Claim matching: precision and recall",
        "",
        "Generated by `python -m workbench.analysis.claim_evaluation` from `labelled/claims.csv` and the curated "
        "record (do not edit by hand; a test fails when this file is stale).",
        "",
        f"Labelled claims: {found.height} sentences ({_split_counts(found)}), "
        f"{found.filter(pl.col('rows').list.len() == 0).height} of them about events the record has no row for. "
        f"Frozen file sha256: `{file_hash()}`. Matching was tuned on `dev` rows only; `test` rows were written "
        "with them, before any change to the matching, and never tuned on.",
        "",
        "- precision: of the event rows matched with a verdict of consistent, partly or inconsistent, the share "
        "that are a labelled row of the sentence's event;",
        "- recall: of the sentences whose event is in the record, the share matched to one of its rows;",
        "- no-row unverifiable: of the sentences whose event the record lacks, the share whose claims all end "
        "unverifiable (none is confirmed or contradicted on a neighbouring row);",
        "- in-record consistent: of the sentences whose event is in the record (each states only what its rows "
        "say), the share with a claim whose verdict is consistent.",
        "",
        f"Targets: precision >= {TARGETS['precision']}, recall >= {TARGETS['recall']}. Measured once on the same "
        "set with the matcher this replaced (best verdict over actor joins, commit 59e6010): test precision 0.622, "
        "recall 0.495, no-row unverifiable 0.88; dev 0.873, 0.574 and 1.0.",
        "",
        "| split | claims | in record | no row | precision | recall | no-row unverifiable | in-record consistent |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for split in SPLITS:
        s = evaluate(split, found)
        lines.append(f"| {split} | {s['claims']} | {s['in_record']} | {s['no_row']} | {s['precision']} "
                     f"({s['checked_right']}/{s['checked_rows']}) | {s['recall']} | {s['no_row_unverifiable']} "
                     f"| {s['in_record_consistent']} |")
    misses = found.filter(
        (pl.col("rows").list.len() > 0) & (pl.col("matched").list.set_intersection(pl.col("rows")).list.len() == 0)
        | (pl.col("checked").list.set_difference(pl.col("rows")).list.len() > 0))
    lines += ["", "## Sentences matched wrongly or not at all", "",
              "| id | split | labelled | matched | verdicts |", "|---|---|---|---|---|"]
    lines += [f"| {r['id']} | {r['split']} | {', '.join(r['rows']) or '(none)'} | {', '.join(r['matched']) or '-'} "
              f"| {', '.join(f'{v} ({p})' if p else v for v, p in zip(r['verdicts'], r['parts'])) or '-'} |"
              for r in misses.iter_rows(named=True)]
    return "\n".join(lines) + "\n"


def write_scores(path: Path = SCORES_FILE) -> Path:
    """Regenerate the committed scores report."""
    path.write_text(render_scores(), encoding="utf-8")
    return path


def _split_counts(found: pl.DataFrame) -> str:
    counts = found.group_by("split").len().sort("split").rows()
    return ", ".join(f"{n} {name}" for name, n in counts)


if __name__ == "__main__":
    print(f"written {write_scores()}")
