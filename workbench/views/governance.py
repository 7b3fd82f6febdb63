"""Governance (notebook 03-governance): a lab's legal structures over time (for OpenAI: nonprofit 2015, capped
profit 2019, the Nov 2023 board crisis, the 2025 recapitalisation), the events of each phase, and how other labs
are structured.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from workbench import datasets
from workbench.charts import BOARD_CRISIS, Highlight
from workbench.lineage import traced
from workbench.views.common import canonical_org

__all__ = [
    "CONTROL_EVENTS", "EVENTS", "STRUCTURES", "THEN", "crisis_takeaway", "events_in", "governance_focus",
    "lab_structures", "milestones", "phases", "phases_takeaway", "structure_history", "structure_on",
    "structures_takeaway", "window",
]

STRUCTURES, EVENTS = "org_structures", "governance_events"
CONTROL_EVENTS = ("board_change", "leadership_change")
THEN = dt.date(2019, 7, 22)  # the seed article's date: "the record as its readers knew it"


def governance_focus(org: str) -> str:
    """`org` as the canonical name of a lab with a recorded structure or governance event."""
    structures = datasets.load(STRUCTURES)["org"]
    named = datasets.load(EVENTS)["organizations"].explode()
    return canonical_org(org, [*structures.drop_nulls(), *named.drop_nulls()])


@traced
def structure_history(org: str, *, as_of: dt.date | str | None = None, today: dt.date | None = None) -> pl.DataFrame:
    """Each recorded legal structure of `org` (as known on `as_of`), with the date the next one replaced it
    (`until`, else `today`) and the years it lasted.

    Returns
    -------
    polars.DataFrame
        One row per structure, oldest first; columns: structure_id, date, until, years, legal_form, legal_form_detail,
        controlled_by, profit_cap, confidence, source_ids.
    """
    org = governance_focus(org)
    end = today or dt.date.today()
    rows = datasets.load(STRUCTURES, as_of=as_of).filter(pl.col("org") == org).sort("date", "structure_id")
    return rows.with_columns(
        pl.col("date").shift(-1).fill_null(end).alias("until"),
        pl.col("legal_form").cast(pl.String),
    ).with_columns(
        ((pl.col("until") - pl.col("date")).dt.total_days() / 365.25).round(1).alias("years"),
    ).select("structure_id", "date", "until", "years", "legal_form", "legal_form_detail", "controlled_by",
             "profit_cap", "confidence", "source_ids")


def structure_on(org: str, day: dt.date) -> str | None:
    """The legal form of `org` in force on `day` (None before its first recorded structure)."""
    history = structure_history(org).filter(pl.col("date") <= day)
    return history["legal_form"][-1] if history.height else None


@traced
def milestones(org: str, *, as_of: dt.date | str | None = None) -> pl.DataFrame:
    """The governance events naming `org`, each with the legal structure in force on its date (`structure`;
    null before the first recorded one).

    Returns
    -------
    polars.DataFrame
        One row per governance event, by date and event_id; columns: event_id, date, date_precision, event_type,
        structure (the legal form in force), summary, organizations, people, confidence, source_ids.
    """
    org = governance_focus(org)
    events = (datasets.load(EVENTS, as_of=as_of).filter(pl.col("organizations").list.contains(org))
              .sort("date", "event_id"))
    forms = (structure_history(org, as_of=as_of).select("date", pl.col("legal_form").alias("structure"))
             .sort("date"))
    return events.join_asof(forms, on="date", strategy="backward").select(
        "event_id", "date", "date_precision", "event_type", "structure", "summary", "organizations", "people",
        "confidence", "source_ids")


@traced
def phases(org: str, *, today: dt.date | None = None) -> pl.DataFrame:
    """One row per structure of `org`: its span, and the governance events recorded while it was in force
    (all, board or leadership changes, legal actions, partnership terms).

    Returns
    -------
    polars.DataFrame
        One row per structure, oldest first; columns: structure_id, legal_form, date, until, years, controlled_by, then
        counts of the events recorded while it was in force: events, board_or_leadership, legal, partnership_terms.
    """
    history = structure_history(org, today=today)
    events = milestones(org)
    counts = (events.filter(pl.col("structure").is_not_null())
              .join_asof(history.select("date", "structure_id").sort("date"), on="date", strategy="backward")
              .group_by("structure_id")
              .agg(pl.len().alias("events"),
                   pl.col("event_type").is_in(CONTROL_EVENTS).sum().alias("board_or_leadership"),
                   (pl.col("event_type") == "legal").sum().alias("legal"),
                   (pl.col("event_type") == "partnership_terms").sum().alias("partnership_terms")))
    return (history.select("structure_id", "legal_form", "date", "until", "years", "controlled_by")
            .join(counts, on="structure_id", how="left")
            .with_columns(pl.col("events", "board_or_leadership", "legal", "partnership_terms").fill_null(0)))


@traced
def lab_structures(focus: str, *, as_of: dt.date | str | None = None) -> pl.DataFrame:
    """Every lab's latest legal structure as known on `as_of` (default: now), with how many structures it has had
    by then; `is_focus` marks `focus`.

    Returns
    -------
    polars.DataFrame
        One row per organisation with a recorded structure, by first_recorded then org; columns: org, since (the date of
        its latest structure), legal_form, controlled_by, profit_cap, structures (how many by then), first_recorded,
        confidence and source_ids (of the latest structure), is_focus.
    """
    focus = governance_focus(focus)
    rows = datasets.load(STRUCTURES, as_of=as_of).sort("org", "date", "structure_id")
    return (rows.group_by("org", maintain_order=True)
            .agg(pl.len().alias("structures"), pl.col("date").first().alias("first_recorded"),
                 pl.all().exclude("org").last())
            .select("org", pl.col("date").alias("since"), pl.col("legal_form").cast(pl.String), "controlled_by",
                    "profit_cap", "structures", "first_recorded", "confidence", "source_ids",
                    (pl.col("org") == focus).alias("is_focus"))
            .sort("first_recorded", "org"))


def window(highlight: Highlight = BOARD_CRISIS, *, margin_days: int = 0) -> tuple[dt.date, dt.date]:
    """A highlighted span widened by `margin_days` on each side (a chart's zoom around it)."""
    margin = dt.timedelta(days=margin_days)
    return highlight.start - margin, highlight.end + margin


@traced
def events_in(highlight: Highlight = BOARD_CRISIS, *, margin_days: int = 0) -> pl.DataFrame:
    """The governance events dated inside a highlighted span (default: the Nov 2023 OpenAI board crisis).

    Returns
    -------
    polars.DataFrame
        One row per governance event in the span, by date and event_id; columns: those of
        `datasets.load('governance_events')` (its registry fields, then known_from, headline, strongest_source,
        meets_bar, bar_reason, confidence, origin).
    """
    return (datasets.load(EVENTS).filter(pl.col("date").is_between(*window(highlight, margin_days=margin_days)))
            .sort("date", "event_id"))


def phases_takeaway(focus: str) -> str:
    """The phases in words: structures and governance events of `focus`, each structure's span and events by kind,
    and the busiest phase (earliest on a tie); one line each, no busiest phase when no structure is recorded."""
    focus = governance_focus(focus)
    table = phases(focus)
    lines = [f"Take-away: {focus} has had {structure_history(focus).height} recorded structures and "
             f"{milestones(focus).height} governance events."]
    lines += [f"  {row['date']} → {row['until']} ({row['years']} years) {row['legal_form']}: {row['events']} events, "
              f"{row['board_or_leadership']} board or leadership changes, {row['legal']} legal actions, "
              f"{row['partnership_terms']} changes to partnership terms" for row in table.iter_rows(named=True)]
    if table.height:
        busiest = table.sort("events", descending=True, maintain_order=True).row(0, named=True)
        lines.append(f"The busiest phase is the {busiest['legal_form']} from {busiest['date']}: {busiest['events']} "
                     f"events in {busiest['years']} years.")
    return "\n".join(lines)


def crisis_takeaway(focus: str, highlight: Highlight = BOARD_CRISIS) -> str:
    """The highlighted span (default: the Nov 2023 board crisis) in words: its events and days, events by type
    (most first), and the legal form of `focus` when it began and when it ended."""
    focus = governance_focus(focus)
    crisis = events_in(highlight)
    days = (highlight.end - highlight.start).days
    kinds = (crisis["event_type"].cast(pl.String).value_counts()
             .sort(["count", "event_type"], descending=[True, False]))
    began, ended = (structure_on(focus, day) for day in (highlight.start, highlight.end))
    return "\n".join([
        f"Take-away: {crisis.height} recorded events in {days} days ({highlight.start} to {highlight.end}); by type: "
        + ", ".join(f"{r['event_type']} {r['count']}" for r in kinds.iter_rows(named=True)) + ".",
        f"{focus}'s legal form when the crisis began: {began}; when it ended: {ended}."])


def structures_takeaway(focus: str, then: dt.date | str = THEN) -> str:
    """Every lab's structure in words: how many labs the record knew on `then` (default: the seed article's date)
    and knows now, legal forms now (most common first), and the labs that changed structure."""
    structures_then = lab_structures(focus, as_of=then)
    structures_now = lab_structures(focus)
    forms_now = (structures_now["legal_form"].value_counts()
                 .sort(["count", "legal_form"], descending=[True, False]))
    changed = structures_now.filter(pl.col("structures") > 1)
    return "\n".join([
        f"Take-away: on {then} the record knew the structure of {structures_then.height} lab(s) "
        f"({', '.join(structures_then['org'])}); now it knows {structures_now.height}: "
        + ", ".join(f"{r['count']} {r['legal_form']}" for r in forms_now.iter_rows(named=True)) + ".",
        "Labs that changed structure: " + (", ".join(
            f"{r['org']} ({r['structures']} structures, now {r['legal_form']})" for r in changed.iter_rows(named=True))
            or "none")])
