"""How well themes are read, measured on paragraphs never used to tune a term or a weight.

The labelled paragraphs (evaluation/labelled/paragraphs_*.csv, labelled by ../shared/CODEBOOK.md) were split
before any tuning, by a hash of their id (split.csv): `test` is frozen — its rows and their labels are hashed in
evaluation/labelled/FROZEN.sha256 and a test fails if either changes — and only `train` rows fit the model.
Scores on `test` are the scores; scores on `train` are shown only to say how much the model memorised.

A label the codebook leaves open (`either`: penalties under an AI law may be ai_risk and governance) counts
neither for nor against a prediction of that theme. `python -m workbench.analysis.theme_evaluation` rewrites
evaluation/themes_scores.md; a test fails when it is stale. `python -m workbench.analysis.theme_evaluation cv` prints
the 5-fold cross-validation on the train split by which every modelling and data decision was judged.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import polars as pl

from workbench.analysis.markdown import table as markdown_table
from workbench.analysis.theme_model import LABELLED_DIR, classify_themes, labelled_paragraphs
from workbench.analysis.themes import EVALUATION_DIR, THEMES, evaluate_themes, load_lexicon, tag_themes

__all__ = ["FOLDS", "FROZEN_FILE", "SCORES_FILE", "TARGETS", "cross_validate", "fold_of", "frozen_digest",
           "predictions", "render_scores", "scores", "write_scores"]

SCORES_FILE = EVALUATION_DIR / "themes_scores.md"
FROZEN_FILE = LABELLED_DIR / "FROZEN.sha256"
TARGETS = {"macro_f1": 0.95, "recall": 0.93}  # issue 15, on the frozen test split
FOLDS = 5  # cross-validation on the train split: how every modelling decision was judged (evaluation/README.md)


def frozen_digest() -> str:
    """sha256 of the test split as labelled: ids, texts and the three labels, in id order."""
    test = labelled_paragraphs("test").sort("id").select("id", "text", *THEMES)
    return hashlib.sha256(test.write_csv().encode("utf-8")).hexdigest()


def predictions(split: str, *, reader: str = "model") -> pl.DataFrame:
    """Gold labels and predicted themes of one split; `reader` is `model` (the shipped tagger) or `lexicon`.

    Returns
    -------
    polars.DataFrame
        One row per paragraph of the split; columns: id, event_kind, text, the gold label per theme ('yes', 'no',
        'either'), themes (the predicted list).
    """
    gold = labelled_paragraphs(split)
    lexicon = load_lexicon(with_user=False)  # a researcher's own terms must not move the committed scores
    if reader == "model":
        tags = classify_themes(gold.select("id", "text"), id_columns=["id"], lexicon=lexicon).labels
    else:
        tags = tag_themes(gold.select("id", "text"), lexicon=lexicon, id_columns=["id"]).labels
    return gold.join(tags.select("id", "themes"), on="id", maintain_order="left")


def scores(predicted: pl.DataFrame) -> pl.DataFrame:
    """Precision, recall, F1 and support per theme and their macro average (`either` labels left out).

    Returns
    -------
    polars.DataFrame
        One row per theme, then `macro`; columns: theme, precision, recall, f1, support (paragraphs labelled yes).
    """
    rows = []
    for theme in THEMES:
        decided = predicted.filter(pl.col(theme) != "either")
        gold = decided[theme] == "yes"
        said = decided["themes"].list.contains(theme)
        hits = int((gold & said).sum())
        precision = hits / said.sum() if said.sum() else 0.0
        recall = hits / gold.sum() if gold.sum() else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        rows.append((theme, precision, recall, f1, int(gold.sum())))
    table = pl.DataFrame(rows, schema={"theme": pl.String, "precision": pl.Float64, "recall": pl.Float64,
                                       "f1": pl.Float64, "support": pl.Int64}, orient="row")
    macro = table.select(theme=pl.lit("macro"), precision=pl.col("precision").mean(), recall=pl.col("recall").mean(),
                         f1=pl.col("f1").mean(), support=pl.col("support").sum())
    return pl.concat([table, macro]).with_columns(pl.col("precision", "recall", "f1").round(3))


def fold_of(ids: pl.Series, folds: int = FOLDS) -> list[int]:
    """The cross-validation fold of each id: a hash of the id, so a paragraph keeps its fold when sets are added."""
    return [int(hashlib.sha256(i.encode("utf-8")).hexdigest(), 16) % folds for i in ids]


def cross_validate(*, folds: int = FOLDS, thresholds: dict[str, float] | float | None = None,
                   probabilities: bool = False, **options) -> pl.DataFrame:
    """Scores of the model by `folds`-fold cross-validation on the `train` split only (the test split is never
    read): each fold of the labelled train paragraphs is read by a model fitted on the other folds plus the
    lexicon's own set (`theme_model.training_paragraphs`). `options` go to `theme_model.train` (e.g. `c`);
    `thresholds` (one, or one per theme) default to the shipped `theme_model.THRESHOLD`.

    Returns
    -------
    polars.DataFrame
        As `scores` (one row per theme, then `macro`); with `probabilities=True`, instead the held-out probability
        of each theme for every train paragraph (id, event_kind, gold labels, `p_<theme>`), to choose thresholds.
    """
    from workbench.analysis import theme_model

    every = theme_model.training_paragraphs()
    labelled = set(theme_model.labelled_paragraphs("train")["id"])
    every = every.with_columns(fold=pl.Series(fold_of(every["id"], folds)),
                               held=pl.col("id").is_in(list(labelled)))
    lexicon = load_lexicon(with_user=False)
    parts = []
    for fold in range(folds):
        fitting = every.filter(~pl.col("held") | (pl.col("fold") != fold))
        weights = theme_model.train(fitting.drop("fold", "held"), **options)
        held = every.filter(pl.col("held") & (pl.col("fold") == fold))
        read = theme_model.probabilities(held.select("id", "text"), weights, lexicon=lexicon)
        parts.append(held.select("id", *THEMES).hstack(read.select(pl.col(THEMES).name.prefix("p_"))))
    held_out = pl.concat(parts).join(theme_model.labelled_paragraphs("train").select("id", "event_kind"), on="id")
    if probabilities:
        return held_out.select("id", "event_kind", *THEMES, *[f"p_{t}" for t in THEMES])
    cut = theme_model.THRESHOLD if thresholds is None else thresholds
    cut = cut if isinstance(cut, dict) else dict.fromkeys(THEMES, cut)
    themes = pl.concat_list([pl.when(pl.col(f"p_{t}") >= cut[t]).then(pl.lit(t)) for t in THEMES]).list.drop_nulls()
    return scores(held_out.with_columns(themes=themes))


def _errors(predicted: pl.DataFrame) -> pl.DataFrame:
    wrong = [((pl.col(t) == "yes") & ~pl.col("themes").list.contains(t))
             | ((pl.col(t) == "no") & pl.col("themes").list.contains(t)) for t in THEMES]
    gold = pl.concat_list([pl.when(pl.col(t) == "yes").then(pl.lit(t)).when(pl.col(t) == "either")
                           .then(pl.lit(f"({t})")) for t in THEMES]).list.drop_nulls().list.join(", ")
    return predicted.filter(pl.any_horizontal(wrong)).select(
        "id", "event_kind", gold=gold, predicted=pl.col("themes").list.join(", "),
        text=pl.col("text").str.slice(0, 140))


def render_scores() -> str:
    """The scores report as Markdown (what `python -m workbench.analysis.theme_evaluation` writes)."""
    table = labelled_paragraphs()
    counts = dict(table.group_by("split").len().iter_rows())
    test = predictions("test")
    lexicon_only = predictions("test", reader="lexicon")
    train = predictions("train")
    lines = [
        "# Themes: precision and recall",
        "",
        "Generated by `python -m workbench.analysis.theme_evaluation` (do not edit by hand; a test fails when this "
        "file is stale). Gold labels follow ../shared/CODEBOOK.md; `either` labels are left out of a theme's count.",
        "",
        f"Labelled paragraphs: {table.height} ({counts.get('train', 0)} train, {counts.get('test', 0)} test), "
        f"{table.filter(pl.all_horizontal(pl.col(t) == 'no' for t in THEMES)).height} of them with no theme. "
        f"The test split is frozen (sha256 {frozen_digest()[:16]}…) and was never used to fit or tune anything.",
        "",
        f"Targets on the test split: macro F1 ≥ {TARGETS['macro_f1']}, every theme's recall ≥ {TARGETS['recall']}.",
        "",
        "## Test split: the shipped tagger (model over words, pairs and lexicon hits)",
        "",
        markdown_table(scores(test)),
        "",
        "## Test split: the lexicon alone (for comparison)",
        "",
        markdown_table(scores(lexicon_only)),
        "",
        "## Train split (fitted on: a measure of memorising, not of accuracy)",
        "",
        markdown_table(scores(train)),
        "",
        "## Test paragraphs read wrong",
        "",
        markdown_table(_errors(test)),
        "",
        "## The lexicon alone on its own set (themes_eval.csv: the seed article and paragraphs written for it)",
        "",
        "The set the lexicon was first tuned on (`dev`) and checked against (`heldout`); the model trains on it too, "
        "so it says nothing about the model.",
        "",
        markdown_table(evaluate_themes("all")),
        "",
    ]
    return "\n".join(lines)


def write_scores(path: Path = SCORES_FILE) -> Path:
    """Regenerate the committed scores report."""
    path.write_text(render_scores(), encoding="utf-8")
    return path


if __name__ == "__main__":
    import sys

    if sys.argv[1:] == ["cv"]:  # how every decision was judged: the train split only, the test split never read
        print(markdown_table(cross_validate()))
    elif sys.argv[1:]:
        sys.exit("usage: python -m workbench.analysis.theme_evaluation [cv]")
    else:
        print(f"written {write_scores()}")
