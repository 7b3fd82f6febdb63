"""Themes that generalise: a linear model over words, word pairs and the lexicon's hits, next to the lexicon.

The lexicon (themes.py) finds the terms a reader can check, with their offsets, but a hand list misses what a
news paragraph says in other words: a round described only by who led it, a law named only by its title, a
worry about safety without the word "risk". The model reads every paragraph as a bag of features — its
lower-cased words, pairs of adjacent words, and one feature per lexicon sub-theme that matched — and scores
each theme with a logistic regression over their counts, trained on the labelled paragraphs of the `train` split
(evaluation/labelled/, see evaluation/README.md). A theme is tagged when its probability reaches THRESHOLD (0.4).

The model is a small CSV of weights (models/themes.csv), trained by `python -m workbench.analysis.theme_model
train` with scikit-learn, which only training needs: scoring is a join and a sum in polars. The same
paragraphs give the same file, byte for byte (a test retrains and compares).

Evidence stays readable: a tagged theme keeps the lexicon's hits for it; when the lexicon found none, its
evidence is the paragraph's words and pairs that weigh most towards the theme, with their offsets.
"""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl

from workbench.analysis.scan import find_spans
from workbench.analysis.themes import (
    AMOUNT_PATTERN,
    LEXICON_DIR,
    THEMES,
    ThemeTags,
    _tag_evidence,
    load_lexicon,
    tag_themes,
)
from workbench.errors import DatasetError

__all__ = [
    "AMOUNT_TOKEN", "EVIDENCE_PER_THEME", "LABELLED_DIR", "MODEL_FILE", "PRUNE", "SEED_WEIGHT", "SHAPES", "STEM",
    "THRESHOLD", "classify_themes", "features",
    "labelled_paragraphs", "load_model", "probabilities", "scores", "train", "training_paragraphs", "write_model",
]

MODEL_FILE = Path(__file__).resolve().parent / "models" / "themes.csv"
LABELLED_DIR = Path(__file__).resolve().parent / "evaluation" / "labelled"
THRESHOLD = 0.4  # chosen by 5-fold cross-validation on the train split (evaluation/README.md)
EVIDENCE_PER_THEME = 3  # model evidence: the words that weigh most towards a theme the lexicon did not see
AMOUNT_TOKEN = "zzamount"  # every money amount reads as one word: "$1 billion" and "€385m" weigh the same
_TOKEN = r"[a-z0-9]+(?:['’][a-z]+)?"
#: Shapes of text that words alone miss: a law's title ("the Digital Systems Accountability Act"), an amount written
#: with a scale word in any currency ("90 billion won", "15m zloty").
SHAPES = {
    "law_title": r"(?:[A-Z][\w-]*\s+){1,6}(?:Act|Bill|Law|Directive|Regulation|Ordinance|Code)(?-u:\b)",
    "scaled_amount": r"(?i)(?-u:\b)[0-9][0-9.,]*\s?(?:million|billion|trillion|bn|mn|m|b)(?-u:\b)",
}
STEM = 5  # a word's first five letters also count as a feature: regulator, regulation, regulatory share "~regul"
#: A feature whose weights all stay below this (in absolute value) is left out of the model file: scoring joins every
#: word of a corpus with the file, so a smaller file is faster; 0.03 keeps the cross-validated scores of 0.01
#: (evaluation/README.md) with a sixth fewer features.
PRUNE = 0.03
_BIAS = "(bias)"


def features(frame: pl.DataFrame, lexicon_evidence: pl.DataFrame, *, row: str = "row",
             vocabulary: pl.Series | None = None) -> pl.DataFrame:
    """One row per occurrence of a feature in a row (a word said twice counts twice): words, adjacent word pairs
    ("led by"), the first letters of long words ("~regul"), `lex:<subtheme>` for each lexicon hit and
    `shape:<name>` for each `SHAPES` pattern. `frame` has `row` and `text`; `lexicon_evidence` has `row` and
    `subtheme`. Given a `vocabulary` (the model's features), the others are dropped."""
    tokens = (frame.select(row, token=pl.col("text").fill_null("").str.to_lowercase()
                           .str.replace_all(f"(?i){AMOUNT_PATTERN}", f" {AMOUNT_TOKEN} ").str.extract_all(_TOKEN))
              .explode("token").drop_nulls("token"))
    same_row = pl.col(row).shift(-1) == pl.col(row)
    grams = [tokens.select(row, feature="token"),
             tokens.select(row, feature=pl.when(same_row).then(pl.col("token") + " " + pl.col("token").shift(-1))),
             tokens.select(row, feature=pl.when(pl.col("token").str.len_chars() > STEM)
                           .then(pl.lit("~") + pl.col("token").str.slice(0, STEM)))]
    lexicon = lexicon_evidence.select(row, feature=pl.lit("lex:") + pl.col("subtheme"))
    shapes = [frame.filter(pl.col("text").str.contains(pattern)).select(row, feature=pl.lit(f"shape:{name}"))
              for name, pattern in SHAPES.items()]
    parts = [*grams, lexicon, *shapes]
    if vocabulary is not None:  # each part on its own, before concatenating: same rows, same order, less copying
        known = vocabulary.implode()
        parts = [part.filter(pl.col("feature").is_in(known)) for part in parts]
    return pl.concat(parts).drop_nulls()


def load_model(path: Path = MODEL_FILE) -> pl.DataFrame:
    """The weights: one row per feature with a column per theme; the row `(bias)` holds the intercepts."""
    if not path.is_file():
        raise DatasetError("the theme model is missing.", file=path,
                           fix="restore it from git, or train it: python -m workbench.analysis.theme_model train")
    return _model_of(str(path), path.stat().st_mtime_ns)


_models: dict[tuple[str, int], pl.DataFrame] = {}


def _model_of(path: str, stamp: int) -> pl.DataFrame:
    if (path, stamp) not in _models:
        _models[(path, stamp)] = pl.read_csv(path, schema_overrides={t: pl.Float64 for t in THEMES})
    return _models[(path, stamp)]


def scores(found: pl.DataFrame, rows: int, model: pl.DataFrame) -> pl.DataFrame:
    """Probability of each theme for rows 0..rows-1, from their features (`row`, `feature`)."""
    bias = model.filter(pl.col("feature") == _BIAS).row(0, named=True)
    sums = (found.join(model, on="feature").group_by("row")
            .agg(pl.col(theme).sum() for theme in THEMES))
    every = pl.DataFrame({"row": pl.arange(0, rows, dtype=pl.Int64, eager=True)})
    totals = every.join(sums, on="row", how="left", maintain_order="left").with_columns(pl.col(THEMES).fill_null(0.0))
    return totals.select("row", *[(1 / (1 + (-(pl.col(t) + bias[t])).exp())).alias(t) for t in THEMES])


def probabilities(frame: pl.DataFrame, model: pl.DataFrame | None = None, *,
                  lexicon: pl.DataFrame | None = None) -> pl.DataFrame:
    """Each theme's probability for every row of `frame` (a `text` column), in order: one column per theme."""
    lexicon = lexicon if lexicon is not None else load_lexicon()
    weights = model if model is not None else load_model()
    numbered = frame.select("text").with_row_index("row").with_columns(pl.col("row").cast(pl.Int64))
    found = features(numbered, _lexicon_hits(numbered, lexicon), vocabulary=weights["feature"])
    return scores(found, frame.height, weights).drop("row")


def classify_themes(frame: pl.DataFrame, *, id_columns: tuple[str, ...] | list[str] = ("doc_id", "paragraph"),
                    model: pl.DataFrame | None = None, lexicon: pl.DataFrame | None = None) -> ThemeTags:
    """Themes of every row of `frame` (id columns + `text`): the model decides, from words, pairs and the lexicon's
    hits; a term from a researcher's own lexicon file (data/user/lexicons/) tags its theme whatever the model says.

    Returns the same frames as `tag_themes`: `labels` (ids, themes, subthemes) and `evidence` (ids, theme,
    subtheme, term, start, end): the lexicon's hits for each tagged theme, else the model's strongest words
    (sub-theme `model`).
    """
    ids = list(id_columns)
    lexicon = lexicon if lexicon is not None else load_lexicon()
    weights = model if model is not None else load_model()
    numbered = frame.select(*ids, "text").with_row_index("row").with_columns(pl.col("row").cast(pl.Int64))
    hits = _lexicon_hits(numbered, lexicon)
    found = features(numbered, hits, vocabulary=weights["feature"])
    probability = scores(found, frame.height, weights)
    decided = probability.unpivot(index="row", variable_name="theme", value_name="p").filter(pl.col("p") >= THRESHOLD)
    own = lexicon.filter(~pl.col("file").str.starts_with(str(LEXICON_DIR)))  # the researcher's own terms
    own_hits = _lexicon_hits(numbered, own) if own.height else hits.clear()
    tagged = pl.concat([decided.select("row", "theme"), own_hits.select("row", "theme")]).unique()
    lexicon_evidence = hits.join(tagged, on=["row", "theme"], how="semi")
    model_evidence = _model_evidence(numbered, found, tagged.join(lexicon_evidence.select("row", "theme").unique(),
                                                                  on=["row", "theme"], how="anti"), weights)
    evidence = (pl.concat([lexicon_evidence.select("row", "theme", "subtheme", "term", "start", "end"),
                           model_evidence], how="vertical_relaxed")
                .sort("row", "start", "theme"))
    evidence = numbered.select("row", *ids).join(evidence, on="row", maintain_order="right").drop("row")
    return ThemeTags(labels=_labels(numbered, ids, tagged, lexicon_evidence), evidence=evidence)


def _lexicon_hits(numbered: pl.DataFrame, lexicon: pl.DataFrame | None) -> pl.DataFrame:
    """The lexicon's evidence keyed by `row` (the tagger numbers rows itself, so it gets them as `_row`)."""
    frame = numbered.select(pl.col("row").alias("_row"), "text")
    # every term counts here, even an everyday word outside an AI context: the model weighs the context itself
    ungated = None if lexicon is None else lexicon.with_columns(needs_context=pl.lit(False))
    if ungated is None:
        return tag_themes(frame, id_columns=["_row"]).evidence.rename({"_row": "row"})
    return _tag_evidence(frame, ungated, ["_row"]).rename({"_row": "row"})


def _labels(numbered: pl.DataFrame, ids: list[str], tagged: pl.DataFrame, evidence: pl.DataFrame) -> pl.DataFrame:
    rank = {theme: index for index, theme in enumerate(THEMES)}
    themes = (tagged.with_columns(rank=pl.col("theme").replace_strict(rank, return_dtype=pl.Int32))
              .sort("row", "rank").group_by("row", maintain_order=True).agg(themes="theme"))
    subthemes = (evidence.select("row", "subtheme").unique().sort("row", "subtheme")
                 .group_by("row", maintain_order=True).agg(subthemes="subtheme"))
    empty = pl.lit([], dtype=pl.List(pl.String))
    return (numbered.select("row", *ids).join(themes, on="row", how="left", maintain_order="left")
            .join(subthemes, on="row", how="left", maintain_order="left")
            .with_columns(pl.col("themes").fill_null(empty), pl.col("subthemes").fill_null(empty))
            .select(*ids, "themes", "subthemes"))


def _model_evidence(numbered: pl.DataFrame, found: pl.DataFrame, wanted: pl.DataFrame,
                    model: pl.DataFrame) -> pl.DataFrame:
    """For each (row, theme) tagged without a lexicon hit: its strongest word features, found in the text."""
    schema = {"row": pl.Int64, "theme": pl.String, "subtheme": pl.String, "term": pl.String, "start": pl.Int64,
              "end": pl.Int64}
    if wanted.is_empty():
        return pl.DataFrame(schema=schema)
    weights = model.unpivot(index="feature", variable_name="theme", value_name="weight")
    words = ~pl.col("feature").str.contains(":", literal=True) & (pl.col("feature") != AMOUNT_TOKEN)
    strongest = (found.join(wanted.select("row").unique(), on="row", how="semi").filter(words)
                 .join(wanted, on="row").unique(["row", "theme", "feature"]).join(weights, on=["feature", "theme"])
                 .filter(pl.col("weight") > 0)
                 .sort(["row", "theme", "weight", "feature"], descending=[False, False, True, False])
                 .group_by("row", "theme", maintain_order=True).head(EVIDENCE_PER_THEME))
    located = []
    for (theme,), picked in strongest.partition_by("theme", as_dict=True).items():
        rows = picked["row"].unique().sort()  # only the rows it is wanted for: each row is searched on its own
        texts = numbered["text"].gather(rows).fill_null("")
        terms = sorted(set(picked["feature"]), key=len, reverse=True)
        pattern = "(?i)(?-u:\\b)(?:" + "|".join(re.escape(t).replace(r"\ ", r"\s+") for t in terms) + ")(?-u:\\b)"
        spans = find_spans(texts, pattern)
        spans = spans.with_columns(row=rows.gather(spans["row"]),
                                   feature=pl.col("term").str.to_lowercase().str.replace_all(r"\s+", " "))
        located.append(spans.join(picked.select("row", "feature"), on=["row", "feature"])
                       .unique(["row", "feature"], keep="first", maintain_order=True)
                       .select("row", theme=pl.lit(theme), subtheme=pl.lit("model"), term="term", start="start",
                               end="end"))
    return pl.concat(located) if located else pl.DataFrame(schema=schema)


# --- training ---------------------------------------------------------------------------------------------


def labelled_paragraphs(split: str | None = None) -> pl.DataFrame:
    """The labelled paragraphs (evaluation/labelled/paragraphs_*.csv) with their frozen split (split.csv).

    Returns
    -------
    polars.DataFrame
        One row per paragraph; columns: id, split ('train' or 'test'), event_kind, text, and per theme its gold label
        ('yes', 'no' or 'either' where the codebook accepts both), note.
    """
    parts = [pl.read_csv(path, schema_overrides={t: pl.String for t in THEMES}, infer_schema=False)
             for path in sorted(LABELLED_DIR.glob("paragraphs_*.csv"))]
    splits = pl.read_csv(LABELLED_DIR / "split.csv", infer_schema=False)
    table = pl.concat(parts).join(splits, on="id", how="left")
    if table["split"].null_count():
        missing = table.filter(pl.col("split").is_null())["id"].to_list()
        raise DatasetError(f"{len(missing)} labelled paragraphs have no split, e.g. {missing[0]}.",
                           file=LABELLED_DIR / "split.csv",
                           fix="assign new paragraphs to `train` only: the test split is frozen.")
    table = table.select("id", "split", "event_kind", "text", *THEMES, "note")
    return table if split is None else table.filter(pl.col("split") == split)


#: How much a paragraph of the seed article weighs in training against one labelled paragraph: the seed is the
#: primary source and must read as its gold labels say.
SEED_WEIGHT = 3.0


def training_paragraphs() -> pl.DataFrame:
    """What the model is fitted on: the `train` split, plus the lexicon's own evaluation set (the seed article's
    paragraphs, weighted SEED_WEIGHT, and paragraphs written for the lexicon), never the test split.

    Returns
    -------
    polars.DataFrame
        One row per paragraph; columns: id, text, the label per theme ('yes', 'no' or 'either'), weight.
    """
    from workbench.analysis.themes import EVALUATION_FILE

    lexicon_set = pl.read_csv(EVALUATION_FILE, schema_overrides={"themes": pl.String}).select(
        "id", "text", *[pl.when(pl.col("themes").fill_null("").str.contains(t)).then(pl.lit("yes"))
                        .otherwise(pl.lit("no")).alias(t) for t in THEMES],
        weight=pl.when(pl.col("id").str.starts_with("seed-")).then(SEED_WEIGHT).otherwise(1.0))
    labelled = labelled_paragraphs("train").select("id", "text", *THEMES, weight=pl.lit(1.0))
    return pl.concat([labelled, lexicon_set])


def train(paragraphs: pl.DataFrame | None = None, *, c: float = 1.0) -> pl.DataFrame:
    """Fit one logistic regression per theme on `training_paragraphs()` (a theme labelled `either` leaves that
    paragraph out of that theme's fit) and return the weights, rounded so the file is stable."""
    from sklearn.linear_model import LogisticRegression
    from threadpoolctl import threadpool_limits

    training = paragraphs if paragraphs is not None else training_paragraphs()
    if "weight" not in training.columns:
        training = training.with_columns(weight=pl.lit(1.0))
    numbered = training.with_row_index("row").with_columns(pl.col("row").cast(pl.Int64))
    found = features(numbered, _lexicon_hits(numbered, load_lexicon(with_user=False)))
    vocabulary = sorted(set(found.group_by("feature").len().filter(pl.col("len") >= 2)["feature"]))
    index = {feature: column for column, feature in enumerate(vocabulary)}
    matrix = _binary_matrix(found, index, training.height)
    columns = {"feature": [*vocabulary, _BIAS]}
    for theme in THEMES:
        gold = training[theme].to_list()
        keep = [i for i, label in enumerate(gold) if label in ("yes", "no")]
        # liblinear shuffles with numpy's global generator unless given its own: same data, same weights
        fitted = LogisticRegression(C=c, solver="liblinear", class_weight="balanced", max_iter=1000, random_state=0)
        with threadpool_limits(limits=1):  # BLAS sums in one thread: the same weights on any machine
            fitted.fit(matrix[keep], [gold[i] == "yes" for i in keep], sample_weight=training["weight"].gather(keep))
        columns[theme] = [*fitted.coef_[0].tolist(), float(fitted.intercept_[0])]
    weights = pl.DataFrame(columns).with_columns(pl.col(THEMES).round(4))
    return weights.filter(pl.any_horizontal(pl.col(THEMES).abs() >= PRUNE) | (pl.col("feature") == _BIAS))


def _binary_matrix(found: pl.DataFrame, index: dict[str, int], rows: int):  # noqa: ANN202 (scipy sparse)
    from scipy.sparse import csr_matrix

    kept = found.filter(pl.col("feature").is_in(list(index)))
    columns = kept["feature"].replace_strict(index, return_dtype=pl.Int64).to_list()
    return csr_matrix(([1.0] * kept.height, (kept["row"].to_list(), columns)), shape=(rows, len(index)))


def write_model(path: Path = MODEL_FILE) -> Path:
    """Train on the `train` split and write the weights file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(train().write_csv(float_precision=4), encoding="utf-8")
    return path


if __name__ == "__main__":
    import sys

    if sys.argv[1:] != ["train"]:
        sys.exit("usage: python -m workbench.analysis.theme_model train")
    print(f"written {write_model()}")
