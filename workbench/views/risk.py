"""Notebook 04-ai-risk: the AI-risk concerns an article raises, traced to what was done about them since.

The concerns come from the article's own claims and ai_risk theme terms, in the record's vocabulary; the
answers are the `policy_events` naming those concerns (staged releases, laws, orders, frameworks,
commitments), split at the article's publication date. Epoch AI's training compute and the AI Incident
Database are live datasets: they are read from the download cache only, and when a file is not cached the
view says which command fetches it instead of failing (`load_live`).

`load_live` is shared by the other notebook views; `citation` and `md` live in `views.common`.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass

import altair as alt
import polars as pl

from workbench import charts, datasets
from workbench.analysis import Analysis
from workbench.datasets import live, registry
from workbench.errors import OfflineError
from workbench.lineage import traced
from workbench.views.common import md  # noqa: F401  (re-exported for the notebooks)

__all__ = [
    "GROWTH_SINCE", "LIVE", "Live", "compute_growth", "compute_takeaway", "concern_trace", "concerns_raised",
    "doubling_months", "live_charts", "load_live", "md", "responses", "staged_release", "takeaways", "times_model",
]

LIVE = ("epoch_models", "aiid_incidents")
GROWTH_SINCE = 2010  # the deep-learning era: Epoch's compute trend is fitted from here


# --- the article's concerns and what answered them ------------------------------------------------------


@traced
def concerns_raised(analysis: Analysis) -> pl.DataFrame:
    """One row per (concern, sentence or paragraph) where the article raises a concern of the record's vocabulary.

    Claims name concerns per sentence; ai_risk theme terms per paragraph (their `term` is the evidence).

    Returns
    -------
    polars.DataFrame
        One row per (concern, paragraph, sentence, evidence), in the vocabulary's order, then by paragraph; columns:
        concern, paragraph, sentence (null for a theme-term row), evidence (the claim's sentence, or the theme term).
    """
    vocabulary = _concern_vocabulary()
    by_claims = (analysis.claims.select("paragraph", "sentence", "text", pl.col("concerns").alias("concern"))
                 .explode("concern").select("concern", "paragraph", "sentence", pl.col("text").alias("evidence")))
    by_terms = (analysis.evidence.filter(pl.col("theme") == "ai_risk")
                .select(pl.col("subtheme").alias("concern"), "paragraph", pl.lit(None, pl.Int64).alias("sentence"),
                        pl.format("theme term “{}”", "term").alias("evidence")))
    found = pl.concat([by_claims, by_terms]).filter(pl.col("concern").is_in(vocabulary))
    # a paragraph already quoted through one of its claims needs no term row for the same concern
    quoted = found.filter(pl.col("sentence").is_not_null()).select("concern", "paragraph")
    return (pl.concat([found.filter(pl.col("sentence").is_not_null()),
                       found.filter(pl.col("sentence").is_null())
                       .join(quoted, on=["concern", "paragraph"], how="anti")])
            .unique(["concern", "paragraph", "sentence", "evidence"], maintain_order=True)
            .sort(pl.col("concern").replace_strict({c: i for i, c in enumerate(vocabulary)}), "paragraph"))


@traced
def responses(concerns: Iterable[str], published: dt.date | None) -> pl.DataFrame:
    """Policy events naming any of `concerns`, oldest first, with `since_article` (after publication).

    Returns
    -------
    polars.DataFrame
        One row per policy event, oldest first; columns: those of `datasets.load('policy_events')`, then concerns_shared
        (which of `concerns` it names) and since_article (dated after `published`; true for every row when `published`
        is None).
    """
    wanted = sorted(set(concerns))
    policy = datasets.load("policy_events")
    named = pl.col("concerns").cast(pl.List(pl.String)).list.set_intersection(wanted)
    return (policy.with_columns(named.alias("concerns_shared"))
            .filter(pl.col("concerns_shared").list.len() > 0)
            .with_columns(since_article=pl.lit(True) if published is None else pl.col("date") > published)
            .sort("date", "event_id"))


@traced
def concern_trace(raised: pl.DataFrame, answered: pl.DataFrame) -> pl.DataFrame:
    """Per concern the article raises: where, how many instruments named it before and since, the first since.

    `raised` is `concerns_raised(...)`, `answered` is `responses(...)` for the same concerns.

    Returns
    -------
    polars.DataFrame
        One row per concern, in the order `raised` names them; columns: concern, paragraphs (where it is raised, e.g.
        '3, 5'), instruments_before, instruments_since, laws_and_orders_since (laws and executive orders since),
        first_since and first_since_title (the date and title of the first instrument since).
    """
    where = raised.group_by("concern", maintain_order=True).agg(
        pl.col("paragraph").unique().sort().cast(pl.String).str.join(", ").alias("paragraphs"))
    per = answered.select("event_id", "date", "title", "instrument_type", "since_article",
                          pl.col("concerns_shared").alias("concern")).explode("concern")
    since = per.filter("since_article").sort("date", "event_id")
    counts = per.group_by("concern").agg(
        (~pl.col("since_article")).sum().alias("instruments_before"),
        pl.col("since_article").sum().alias("instruments_since"),
        (pl.col("since_article") & pl.col("instrument_type").is_in(["law", "executive_order"]))
        .sum().alias("laws_and_orders_since"))
    first = since.group_by("concern").agg(pl.col("date").first().alias("first_since"),
                                          pl.col("title").first().alias("first_since_title"))
    return (where.join(counts, on="concern", how="left").join(first, on="concern", how="left")
            .with_columns(pl.col("instruments_before", "instruments_since", "laws_and_orders_since")
                          .fill_null(0).cast(pl.Int64)))


@traced
def staged_release(published: dt.date | None, model: str = "GPT-2") -> pl.DataFrame:
    """The stages of a model's staged release in the record (GPT-2's, the seed article's, by default), each with
    its distance in days from the article. Other staged releases in the record (a model named in a stage's title)
    are left out.

    Returns
    -------
    polars.DataFrame
        One row per stage, oldest first; columns: event_id, date, date_precision, title, status, days_from_article (null
        when `published` is None), confidence, source_ids.
    """
    rows = (datasets.load("policy_events")
            .filter(pl.col("instrument_type") == "staged_release", pl.col("title").str.contains(model, literal=True))
            .sort("date"))
    days = pl.lit(None, pl.Int64) if published is None else (pl.col("date") - published).dt.total_days()
    return rows.select("event_id", "date", "date_precision", "title", "status", days.alias("days_from_article"),
                       "confidence", "source_ids")


def takeaways(trace: pl.DataFrame, answered: pl.DataFrame, release: pl.DataFrame,
              published: dt.date | None) -> str:
    """Markdown: how many concerns the article raises, how many instruments named them since, the most named
    concern, and when GPT-2 was released in full (dataset text escaped)."""
    if trace.is_empty():
        lines = ["- The article raises none of the record's AI-risk concerns, so there is nothing to trace."]
    else:
        busiest = trace.sort("instruments_since", "concern", descending=[True, False]).row(0, named=True)
        lines = [f"- The article raises **{trace.height}** concerns ({md(', '.join(trace['concern']))}). Since "
                 f"{published or 'its (unknown) date'}, **{answered['since_article'].sum()}** instruments in the "
                 f"record name at least one of them; **{md(busiest['concern'])}** is named most often "
                 f"(**{busiest['instruments_since']}** times)."]
    if not release.is_empty():
        full = release.sort("date").row(-1, named=True)
        after = "" if full["days_from_article"] is None else f", **{full['days_from_article']}** days from the article"
        lines.append(f"- GPT-2 was released in **{release.height}** stages; the last on {full['date']}{after}.")
    return "\n".join(lines)


# --- live datasets: Epoch AI compute, AI Incident Database -----------------------------------------------


@dataclass(frozen=True)
class Live:
    """A live dataset as far as the cache holds it: `frame` is None when it is not fetched, and `note` says why."""

    name: str
    frame: pl.DataFrame | None
    note: str

    @property
    def loaded(self) -> bool:
        return self.frame is not None


@traced
def load_live(name: str) -> Live:
    """Read a live dataset from the download cache only (no network); not cached → frame None and a note
    naming the command that fetches it."""
    try:
        frame = live.fetch(name, offline=True)
    except OfflineError:
        return Live(name, None, f"{name} is not in the download cache, so its part is skipped. "
                                f"Fetch it with `{live.fetch_command(name)}` and run again.")
    title = registry.live(name).title or name
    return Live(name, frame, f"{name}: {frame.height} rows from the cache ({title}).")


@traced
def compute_growth(epoch_models: pl.DataFrame, since: int = GROWTH_SINCE) -> pl.DataFrame:
    """Per year since `since`: models with a compute estimate, the largest training compute and its model.

    Returns
    -------
    polars.DataFrame
        One row per year, oldest first; columns: year, models (with a compute estimate), largest_flop (the largest
        training compute), largest_model and organization (that model and its developer).
    """
    rows = epoch_models.filter(pl.col("training_compute_flop") > 0, pl.col("publication_date").dt.year() >= since)
    return (rows.sort("training_compute_flop", descending=True)
            .group_by(pl.col("publication_date").dt.year().alias("year"))
            .agg(pl.len().alias("models"), pl.col("training_compute_flop").first().alias("largest_flop"),
                 pl.col("model").first().alias("largest_model"), pl.col("organization").first())
            .sort("year"))


def doubling_months(epoch_models: pl.DataFrame, since: int = GROWTH_SINCE) -> float:
    """Months for training compute to double: least-squares slope of log2(FLOP) over time, models since `since`."""
    rows = epoch_models.filter(pl.col("training_compute_flop") > 0, pl.col("publication_date").dt.year() >= since)
    years = (pl.col("publication_date").dt.epoch("d") / 365.25)
    fit = rows.select(pl.cov(years, pl.col("training_compute_flop").log(2)).alias("cov"), years.var().alias("var"))
    slope = fit["cov"][0] / fit["var"][0]  # doublings per year
    return 12 / slope if slope and slope > 0 else math.inf


def times_model(epoch_models: pl.DataFrame, model: str) -> float:
    """How many times `model`'s training compute the largest model in the data used."""
    base = epoch_models.filter(pl.col("model") == model)["training_compute_flop"]
    if base.is_empty() or base[0] is None:
        return math.nan
    return epoch_models["training_compute_flop"].max() / base[0]


def compute_takeaway(epoch_models: pl.DataFrame, since: int = GROWTH_SINCE, model: str = "GPT-2 (1.5B)") -> str:
    """Training compute in one sentence: its doubling time since `since`, and the largest model against `model`."""
    return (f"Since {since}, training compute of notable models doubled every "
            f"{doubling_months(epoch_models, since):.1f} months; the largest model in the data used "
            f"{times_model(epoch_models, model):,.0f} times GPT-2's compute.")


def live_charts(loaded: Iterable[Live], *, highlight: str = "OpenAI") -> dict[str, alt.TopLevelMixin]:
    """The charts of the live datasets that are loaded: training compute (`highlight` marked), incidents a year.
    Not traced as a whole: each chart keeps the lineage of its own dataset from its builder."""
    builders = {"epoch_models": lambda f: charts.training_compute(f, highlight=highlight),
                "aiid_incidents": charts.incidents_per_year}
    return {item.name: builders[item.name](item.frame) for item in loaded if item.loaded and item.name in builders}


def _concern_vocabulary() -> list[str]:
    return list(datasets.load("policy_events").schema["concerns"].inner.categories)
