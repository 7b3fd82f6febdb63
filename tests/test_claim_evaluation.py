"""Claim matching scored on the frozen labelled claims: the file is unchanged, the report is fresh, the test split
meets the targets (precision >= 0.95 with no confirmation on a wrong row, recall >= 0.9)."""

from __future__ import annotations

import polars as pl
import pytest

from workbench.analysis import claim_evaluation as evaluation
from workbench.errors import DatasetError


@pytest.fixture(scope="module")
def found() -> pl.DataFrame:
    return evaluation.predictions("all")


def test_the_labelled_claims_are_frozen() -> None:
    frozen = evaluation.HASH_FILE.read_text(encoding="utf-8").split()[0]
    assert evaluation.file_hash() == frozen, "labelled/claims.csv changed after it was frozen: restore it"


def test_the_labelled_claims_are_split_by_id_and_hold_rows_and_no_rows() -> None:
    labelled = evaluation.labelled_claims()
    assert labelled["id"].is_unique().all() and labelled.height >= 200
    assert labelled["split"].to_list() == [evaluation.split_of(i) for i in labelled["id"]]
    test = labelled.filter(pl.col("split") == "test")
    assert 0.35 <= test.height / labelled.height <= 0.55
    assert test.filter(pl.col("rows").list.len() == 0).height >= 20  # claims whose event the record lacks
    with pytest.raises(DatasetError):
        evaluation.labelled_claims("train")


def test_the_committed_scores_are_fresh(found: pl.DataFrame) -> None:
    assert evaluation.SCORES_FILE.read_text(encoding="utf-8") == evaluation.render_scores(found), (
        "regenerate with: python -m workbench.analysis.claim_evaluation")


def test_the_test_split_meets_the_targets(found: pl.DataFrame) -> None:
    scores = evaluation.evaluate("test", found)
    assert scores["precision"] >= evaluation.TARGETS["precision"], scores
    assert scores["recall"] >= evaluation.TARGETS["recall"], scores
    assert scores["no_row_unverifiable"] >= 0.95, scores
