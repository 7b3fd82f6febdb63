"""Themes that generalise: the model next to the lexicon, trained and scored on a split frozen before tuning."""

from __future__ import annotations

import polars as pl
import pytest
from conftest import SEED_ID

from workbench.analysis import theme_evaluation, theme_model
from workbench.analysis.themes import EVALUATION_FILE, THEMES, load_lexicon
from workbench.corpus import load_corpus

# Measured on the frozen test split when the model was shipped (0.931 macro F1, recall 0.931-0.962; see
# evaluation/themes_scores.md): a change that loses more than a little of it fails here. The macro-F1
# target (theme_evaluation.TARGETS: 0.95) is not met yet; its recall target (0.93) is.
FLOOR = {"macro_f1": 0.90, "recall": 0.87}


def test_the_test_split_is_frozen_and_never_trained_on() -> None:
    assert theme_evaluation.frozen_digest() == theme_evaluation.FROZEN_FILE.read_text().strip()
    test_ids = set(theme_model.labelled_paragraphs("test")["id"])
    assert len(test_ids) >= 200
    assert not test_ids & set(theme_model.training_paragraphs()["id"])


@pytest.mark.slow
def test_cross_validation_reads_the_train_split_only() -> None:
    """Every modelling decision was judged by this cross-validation (evaluation/README.md): it must hold out each
    train paragraph once and never read a test paragraph (with any number of folds: two is the cheapest)."""
    held = theme_evaluation.cross_validate(folds=2, probabilities=True)
    train_ids = theme_model.labelled_paragraphs("train")["id"]
    assert held.height == train_ids.len() and set(held["id"]) == set(train_ids)
    assert held.select(pl.col("p_funding", "p_governance", "p_ai_risk").is_between(0, 1).all()).row(0) == (True,) * 3


@pytest.mark.slow
def test_the_shipped_model_is_what_the_training_command_writes(tmp_path) -> None:
    """In a fresh interpreter: a library loaded earlier in the session (Dask's stack) may change how floats round,
    and moves the fourth decimal of a few thousand weights."""
    import hashlib
    import subprocess
    import sys

    written = tmp_path / "themes.csv"
    subprocess.run([sys.executable, "-c", "import sys; from pathlib import Path; from workbench.analysis import "
                    "theme_model; theme_model.write_model(Path(sys.argv[1]))", str(written)], check=True, timeout=300)
    digests = [hashlib.sha256(path.read_bytes()).hexdigest() for path in (written, theme_model.MODEL_FILE)]
    assert digests[0] == digests[1], "retrain with: python -m workbench.analysis.theme_model train"


def test_committed_scores_file_is_up_to_date() -> None:
    assert theme_evaluation.SCORES_FILE.read_text(encoding="utf-8") == theme_evaluation.render_scores(), (
        "regenerate with: python -m workbench.analysis.theme_evaluation")


def test_scores_on_the_frozen_test_split_hold_the_floor() -> None:
    table = theme_evaluation.scores(theme_evaluation.predictions("test"))
    scores, recall = dict(zip(table["theme"], table["f1"])), dict(zip(table["theme"], table["recall"]))
    assert scores["macro"] >= FLOOR["macro_f1"], scores
    assert all(recall[theme] >= FLOOR["recall"] for theme in THEMES), recall


def test_the_seed_reads_as_its_gold_labels() -> None:
    gold = pl.read_csv(EVALUATION_FILE, schema_overrides={"themes": pl.String}).filter(
        pl.col("id").str.starts_with("seed-"))["themes"].fill_null("").to_list()
    tags = theme_model.classify_themes(load_corpus().paragraphs_of(SEED_ID)).labels
    assert [list(themes) for themes in tags["themes"]] == [[t for t in THEMES if t in g.split(";")] for g in gold]


@pytest.mark.parametrize(("text", "theme"), [
    ("The raise was oversubscribed, with Kittering Partners leading and two chipmakers joining.", "funding"),
    ("The Digital Systems Accountability Act takes effect on Monday.", "ai_risk"),
    ("The competition regulator opened an inquiry into the partnership.", "governance"),
])
def test_paragraphs_in_other_words_get_their_theme_with_evidence_in_the_text(text: str, theme: str) -> None:
    frame = pl.DataFrame({"doc_id": ["d"], "paragraph": [1], "text": [text]})
    tags = theme_model.classify_themes(frame)
    assert theme in tags.labels["themes"][0].to_list()
    evidence = tags.evidence.filter(pl.col("theme") == theme)
    assert evidence.height and all(text[r["start"]:r["end"]] == r["term"] for r in evidence.iter_rows(named=True))


def test_a_term_from_a_researchers_own_lexicon_tags_its_theme(tmp_path) -> None:
    (tmp_path / "themes.csv").write_text("theme,subtheme,term,forms,needs_context\n"
                                         "ai_risk,own_terms,glimmerwork,exact,false\n", encoding="utf-8")
    frame = pl.DataFrame({"doc_id": ["d"], "paragraph": [1], "text": ["The glimmerwork shipped on time."]})
    assert theme_model.classify_themes(frame).labels["themes"][0].to_list() == []
    tags = theme_model.classify_themes(frame, lexicon=load_lexicon(tmp_path))
    assert tags.labels["themes"][0].to_list() == ["ai_risk"]
    assert tags.evidence["term"].to_list() == ["glimmerwork"]


def test_empty_and_blank_paragraphs_get_no_theme() -> None:
    frame = pl.DataFrame({"doc_id": ["d", "d"], "paragraph": [1, 2], "text": ["", None]})
    tags = theme_model.classify_themes(frame)
    assert tags.labels["themes"].to_list() == [[], []] and tags.evidence.is_empty()
