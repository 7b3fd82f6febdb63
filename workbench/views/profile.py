"""Notebook 06-lab-profile: one timeline per organisation across funding, governance and AI risk.

An organisation is named by its canonical name or any alias in the `entities` table ("Mistral" → "Mistral
AI"). Its timeline gathers funding it received or gave, governance events and legal structures, policy
events whose title names it, and — where the live datasets are in the cache — its models with their
training compute (Epoch AI) and incidents alleging it deployed or developed the system (AI Incident Database).
Every row keeps the dataset and id it came from and what it cites (`source_ids`, or the live row's link).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import altair as alt
import polars as pl

from workbench import charts, datasets
from workbench.analysis.entities import extract_entities
from workbench.charts.base import low_confidence
from workbench.datasets.money import Counting, flows
from workbench.lineage import traced
from workbench.views.common import canonical_org
from workbench.views.risk import Live

__all__ = [
    "RECEIVED", "SPENT", "TIMELINE_SCHEMA", "TRACKS", "funding_received", "incident_rows", "model_rows",
    "money_caption", "names_of", "record_timeline", "resolve_org", "summary", "takeaway", "timeline", "timeline_chart",
]

# what the summary adds up: money received (cash, paid or committed) and compute bought (committed or paid)
RECEIVED = Counting()
SPENT = Counting(assets=("compute_purchase",))
# track -> theme it belongs to; the order is the timeline's row order
TRACKS = {"funding": "funding", "spending": "funding", "governance": "governance", "structure": "governance",
          "policy": "ai_risk", "model": "ai_risk", "incident": "ai_risk"}
TIMELINE_SCHEMA = {"track": pl.String, "theme": pl.String, "date": pl.Date, "what": pl.String,
                   "amount_usd": pl.Float64, "countable": pl.Boolean, "dataset": pl.String, "row_id": pl.String,
                   "confidence": pl.String, "source_ids": pl.List(pl.String)}


def resolve_org(org: str) -> str:
    """The canonical name of any organisation the record knows (case-insensitive, aliases accepted)."""
    entities = datasets.load("entities").filter(pl.col("kind").cast(pl.String) != "person")
    return canonical_org(org, entities["name"], parameter="org")


def names_of(org: str) -> list[str]:
    """The canonical name and aliases of `org` (already resolved)."""
    row = datasets.load("entities").filter(pl.col("name") == org).row(0, named=True)
    return [row["name"], *(row["aliases"] or [])]


@traced
def timeline(org: str, loaded: Iterable[Live] = ()) -> pl.DataFrame:
    """`org`'s whole timeline: the curated record plus its models and incidents from the live datasets loaded.

    Returns
    -------
    polars.DataFrame
        One row per record row, model or incident, by date, track and row_id; columns: track (funding, spending,
        governance, structure, policy, model or incident), theme (the track's theme: `TRACKS`), date, what (the row in
        words), amount_usd, countable (whether `summary` counts its money; null outside funding and spending), dataset,
        row_id, confidence, source_ids.
    """
    rows = {"epoch_models": model_rows, "aiid_incidents": incident_rows}
    return _timeline([record_timeline(org), *(rows[item.name](item.frame, org) for item in loaded
                                              if item.loaded and item.name in rows)])


@traced
def record_timeline(org: str) -> pl.DataFrame:
    """The curated record of `org`: funding received, money or compute it committed to others (`spending`),
    governance events, structures, and policy events whose title names it; one row each, oldest first. Funding
    comes as pieces of money (`datasets.money.flows`: a round split into its parts and the rest), so the summary's
    totals match the funding notebook's.

    Returns
    -------
    polars.DataFrame
        One row per funding piece or record row, by date, track and row_id; columns: as `timeline`: track (funding,
        spending, governance, structure, policy, model or incident), theme (the track's theme: `TRACKS`), date, what
        (the row in words), amount_usd, countable (whether `summary` counts its money; null outside funding and
        spending), dataset, row_id, confidence, source_ids.
    """
    funding = flows(datasets.load("funding_events")).filter((pl.col("recipient") == org) | (pl.col("investor") == org))
    governance = datasets.load("governance_events").filter(pl.col("organizations").list.contains(org))
    structures = datasets.load("org_structures").filter(pl.col("org") == org)
    policy = datasets.load("policy_events")
    titles = policy.select(pl.col("event_id").alias("doc_id"), pl.lit(1).alias("paragraph"),
                           pl.col("title").alias("text"))
    named = extract_entities(titles, datasets.load("entities")).filter(pl.col("canonical") == org)["doc_id"]
    policy = policy.filter(pl.col("event_id").is_in(named.implode()))
    received = pl.col("recipient") == org
    counted = pl.when(received).then(RECEIVED.mask()).otherwise(SPENT.mask())
    parts = [
        funding.select(pl.when(received).then(pl.lit("funding")).otherwise(pl.lit("spending")).alias("track"), "date",
                       pl.format("{} → {}: {} [{}, {}]", "investor", "recipient", pl.col("deal").fill_null("deal"),
                                 "current_status", "asset").alias("what"),
                       "amount_usd", counted.alias("countable"), pl.lit("funding_events").alias("dataset"),
                       pl.col("event_id").alias("row_id"), "confidence", "source_ids"),
        governance.select(pl.lit("governance").alias("track"), "date",
                          pl.format("{}: {}", "event_type", "summary").alias("what"),
                          pl.lit("governance_events").alias("dataset"), pl.col("event_id").alias("row_id"),
                          "confidence", "source_ids"),
        structures.select(pl.lit("structure").alias("track"), "date",
                          pl.format("{}, controlled by {}", "legal_form", "controlled_by").alias("what"),
                          pl.lit("org_structures").alias("dataset"), pl.col("structure_id").alias("row_id"),
                          "confidence", "source_ids"),
        policy.select(pl.lit("policy").alias("track"), "date",
                      pl.format("{} [{}, {}]", "title", "instrument_type", "status").alias("what"),
                      pl.lit("policy_events").alias("dataset"), pl.col("event_id").alias("row_id"), "confidence",
                      "source_ids"),
    ]
    return _timeline(parts)


@traced
def model_rows(epoch_models: pl.DataFrame, org: str) -> pl.DataFrame:
    """`org`'s models in Epoch AI's data (its name or an alias among the model's organisations) as timeline
    rows; `what` gives the training compute, the model's link is its source.

    Returns
    -------
    polars.DataFrame
        One row per model; columns: as `timeline` (track 'model', what the model and its training compute, row_id the
        model, source_ids its link; amount_usd and countable null).
    """
    listed = pl.col("organization").fill_null("").str.split(",").list.eval(pl.element().str.strip_chars())
    mine = epoch_models.filter(listed.list.set_intersection(names_of(org)).list.len() > 0)
    compute = pl.when(pl.col("training_compute_flop").is_null()).then(pl.lit("no estimate")).otherwise(
        pl.format("{} FLOP", pl.col("training_compute_flop").map_elements(lambda v: f"{v:.1e}",
                                                                          return_dtype=pl.String)))
    return _timeline([mine.select(
        pl.lit("model").alias("track"), pl.col("publication_date").alias("date"),
        pl.format("{} (training compute {})", "model", compute).alias("what"),
        pl.lit("epoch_models").alias("dataset"), pl.col("model").alias("row_id"),
        pl.col("confidence").cast(pl.String), pl.concat_list(pl.col("link")).list.drop_nulls().alias("source_ids"))])


@traced
def incident_rows(aiid_incidents: pl.DataFrame, org: str) -> pl.DataFrame:
    """Incidents alleging `org` deployed or developed the system (the AI Incident Database's slugs of its
    names, e.g. "openai", "mistral"), as timeline rows citing their incident page.

    Returns
    -------
    polars.DataFrame
        One row per incident; columns: as `timeline` (track 'incident', what its title, row_id the incident id,
        confidence 'not rated', source_ids its incidentdatabase.ai page; amount_usd and countable null).
    """
    slugs = [re.sub(r"[^a-z0-9]+", "-", name.casefold()).strip("-") for name in names_of(org)]
    alleged = pl.concat_list(pl.col("alleged_deployers").fill_null([]), pl.col("alleged_developers").fill_null([]))
    mine = aiid_incidents.filter(alleged.list.set_intersection(slugs).list.len() > 0)
    return _timeline([mine.select(
        pl.lit("incident").alias("track"), "date", pl.col("title").alias("what"),
        pl.lit("aiid_incidents").alias("dataset"), pl.col("incident_id").cast(pl.String).alias("row_id"),
        pl.lit("not rated").alias("confidence"),  # the database rates no confidence: not drawn hollow
        pl.concat_list(pl.format("https://incidentdatabase.ai/cite/{}", "incident_id")).alias("source_ids"))])


@traced
def summary(timeline: pl.DataFrame) -> pl.DataFrame:
    """Per track: rows, first and last date, low-confidence rows, and money: for funding, cash paid or committed
    (`RECEIVED`); for spending, compute bought, committed or paid (`SPENT`); both from countable rows that meet the
    sourcing bar, never the sum of every funding row (which counts totals and their parts twice).
    `money_caption()` says so in words.

    Returns
    -------
    polars.DataFrame
        One row per track in `timeline`, in order of first appearance; columns: track, theme, rows, first and last
        (dates), low_confidence_rows, countable_usd (the money counted; null for a track without money).
    """
    return (timeline.with_columns(low_confidence())
            .group_by("track", "theme", maintain_order=True)
            .agg(pl.len().alias("rows"), pl.col("date").min().alias("first"), pl.col("date").max().alias("last"),
                 pl.col("low_confidence").sum().alias("low_confidence_rows"),
                 pl.when(pl.col("countable").is_not_null().any())
                 .then(pl.col("amount_usd").filter(pl.col("countable").fill_null(False)).sum()).alias("countable_usd")))


def takeaway(name: str, timeline: pl.DataFrame, tracks: pl.DataFrame) -> str:
    """The profile in words: rows and tracks, the span of dates, the money counted (see `money_caption`)."""
    dated = timeline.drop_nulls("date").sort("date")
    if dated.is_empty():
        return f"Take-away: the record holds no dated row about {name}."
    first = dated.row(0, named=True)
    text = (f"Take-away: {name}: {timeline.height} rows on {tracks.height} tracks, from {first['date']} "
            f"({first['track']}) to {dated['date'].max()}.")
    received = tracks.filter(pl.col("track") == "funding")
    if received.height and received["countable_usd"][0]:
        text += (f" Funding received: ${received['countable_usd'][0] / 1e9:,.1f} billion counted over "
                 f"{received['rows'][0]} rows ({received['low_confidence_rows'][0]} low-confidence).")
    return text


def money_caption() -> str:
    """What the summary's `countable_usd` adds up, per track."""
    return f"Funding: {RECEIVED.caption()} Spending: {SPENT.caption()}"


@traced
def funding_received(org: str) -> pl.DataFrame:
    """Every funding_events row with `org` as the recipient, as the record holds it (the funding chart's rows).

    Returns
    -------
    polars.DataFrame
        The funding_events rows whose recipient is `org`; columns as `datasets.load("funding_events")`.
    """
    return datasets.load("funding_events").filter(pl.col("recipient") == org)


@traced
def timeline_chart(timeline: pl.DataFrame, org: str) -> alt.Chart:
    """Every row of the timeline at its date, one line per track, coloured by theme; low-confidence hollow
    (`charts.profile_timeline`)."""
    return charts.profile_timeline(timeline, org, tracks=list(TRACKS))


def _timeline(parts: list[pl.DataFrame]) -> pl.DataFrame:
    """Parts in the timeline's schema (missing columns null), with each track's theme, oldest first."""
    frames = [part.with_columns(pl.col(c).cast(TIMELINE_SCHEMA[c]) for c in part.columns) for part in parts]
    empty = pl.DataFrame(schema=TIMELINE_SCHEMA)
    return (pl.concat([empty, *frames], how="diagonal_relaxed")
            .with_columns(theme=pl.col("track").replace_strict(TRACKS, return_dtype=pl.String))
            .select(list(TIMELINE_SCHEMA)).sort("date", "track", "row_id", nulls_last=True))
