"""Curated, sourced tables shipped with the package, and live public datasets fetched on demand.

In the style of `altair.datasets` and scikit-learn:

    from workbench import datasets
    datasets.list_datasets()                       # names, curated and live
    datasets.summary()                             # one row per dataset: rows, licence, source count
    datasets.load("funding_events")                # typed polars frame (Date, Enum, Float64)
    datasets.load("funding_events", as_of="2019-07-22")   # only what had happened and was public then
    print(datasets.info("funding_events"))         # provenance card
    datasets.load_funding(), load_governance(), load_org_structures(), load_policy(), load_sources(), load_entities()
    datasets.fetch("epoch_models")                 # live datasets (workbench/datasets/live.py)

Your own rows go in data/user/<dataset>.csv: checked against the same schema and overlaid (a row with a
shipped id replaces it); loaded frames carry `origin` = 'package' | 'user'. The registry
(registry.toml) is the single source of truth for names, fields, licences and sources; the checksums of the
shipped files are in its generated lock (registry.lock.json).
"""

from __future__ import annotations

import importlib
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    import polars as pl

__all__ = [
    "list_datasets", "summary", "load", "info", "validate", "user_path", "data_version",
    "load_funding", "load_governance", "load_org_structures", "load_policy", "load_sources", "load_entities",
    "fetch", "cached_path", "fetch_epoch_models", "fetch_aiid_incidents", "fetch_ai_index_investment",
    "fetch_ai_index_policy", "fetch_agora", "fetch_aiaaic",
]

# names re-exported lazily from the live module (imported on first use: `import workbench.datasets` stays light)
_LIVE_EXPORTS = {"fetch", "cached_path", "fetch_epoch_models", "fetch_aiid_incidents", "fetch_ai_index_investment",
                 "fetch_ai_index_policy", "fetch_agora", "fetch_aiaaic"}


def list_datasets(kind: str | None = None) -> list[str]:
    """Names of every dataset in the registry: curated tables first, then live ones (`kind` filters)."""
    from workbench.datasets import registry as reg

    if kind not in (None, "curated", "live"):
        from workbench.errors import UsageError

        raise UsageError("kind must be None, 'curated' or 'live'.",
                         fix="call list_datasets() for every name, or pass kind='curated' or kind='live'.",
                         column="kind", value=kind)
    names = [] if kind == "live" else reg.curated_names()
    return names + ([] if kind == "curated" else reg.live_names())


def summary() -> pl.DataFrame:
    """One row per dataset: name, kind, title, rows (None when a live dataset is not fetched), licence, sources.

    Returns
    -------
    polars.DataFrame
        One row per dataset, curated first, then live; columns: name, kind ('curated' or 'live'), title, rows (None for
        a live dataset not fetched or unreadable), user_rows (rows from your overlay), licence, sources (distinct
        sources cited), status ('shipped'; for a live dataset 'cached', 'not fetched' or 'cached but unreadable').
    """
    from workbench.datasets import cards

    return cards.summary()


def load(name: str, as_of: str | date | None = None, *, with_user: bool = True) -> pl.DataFrame:
    """A curated table as a typed polars frame (your overlay included unless with_user=False).

    as_of='YYYY-MM-DD' keeps only rows that had happened AND were public by that date: a row counts from
    `known_from` = its `disclosed` date if later, else the last day of its date's precision period.
    Entities have no date and are returned whole; sources keep those published by then.

    Returns
    -------
    polars.DataFrame
        One row per record row, shipped or from your overlay (only those known by `as_of` when given); columns: the
        dataset's fields in the order of its registry entry (registry.toml; `info(name)` describes each), stored fields
        first, then the derived ones. Derived when loading: origin ('package' or 'user') on every table; the sourcing
        bar's headline, strongest_source, meets_bar, bar_reason and confidence (docs/sourcing.md) on entities,
        funding_events, governance_events, org_structures, policy_events, funding_status_changes, reported_figures and
        company_financials; known_from (the first day the row was public) on the dated ones of those (not entities or
        reported_figures); countable, current_status and current_amount_usd (status and amount as known on `as_of`, else
        now) on funding_events; official_url on policy_events; host, publisher, kind and tier on sources; tier on
        publishers.
    """
    from workbench import lineage
    from workbench.datasets import curated as cur
    from workbench.datasets import registry as reg

    entry = reg.curated(name)  # a live or unknown name raises, saying what to do instead
    frame = cur.assemble(name).frame.drop("_file", "_line")
    if not with_user:
        if cur.assemble(name).replaced_ids:  # a user row replaced a shipped one: re-read the shipped file alone
            frame = _package_only(name)
        else:
            frame = frame.filter(frame["origin"] == "package")
    if as_of is not None:
        day = cur.parse_as_of(as_of)
        frame = cur.as_of_filter(entry, frame, day)
        if "current_status" in frame.columns:  # money's status as it was known that day
            from workbench.datasets import money

            frame = money.with_status(frame, load("funding_status_changes", day, with_user=with_user), day)
    return lineage.loaded(frame, lineage.Lineage(datasets=frozenset({name, *cur.derived_inputs(entry)})))


def _package_only(name: str) -> pl.DataFrame:
    import polars as pl

    from workbench.datasets import curated as cur
    from workbench.datasets import registry as reg
    from workbench.datasets.schema import read_table

    entry = reg.curated(name)
    parsed = read_table(entry.path, entry.fields)
    frame = parsed.frame.with_columns(pl.lit("package").cast(pl.Enum(cur.ORIGINS)).alias("origin"),
                                      pl.lit(str(entry.path)).alias("_file"),
                                      pl.Series("_line", parsed.lines, dtype=pl.Int64))
    return cur.derive(entry, frame).drop("_file", "_line")


def info(name: str) -> Any:
    """The provenance card of a dataset (print it, or display it in a notebook)."""
    from workbench.datasets import cards

    return cards.card(name)


def validate(path: str | Path, dataset: str | None = None) -> pl.DataFrame:
    """Check a CSV against a curated dataset's schema and references; returns its typed rows or raises SchemaError.

    The dataset is named by `dataset` or by the file name (funding_events.csv). References may point at the
    shipped tables, your overlays, or other rows of the same file.

    Returns
    -------
    polars.DataFrame
        The file's typed rows; columns: the dataset's stored fields in registry order (a column the file leaves out
        comes back null), then origin ('user'). The derived columns of `load` are not added.
    """
    from workbench.datasets import validation as _validate

    return _validate.validate_file(Path(path), dataset)


def data_version() -> str:
    """A fingerprint of the record, your overlays and the seeds: it changes whenever one of them is edited."""
    from workbench.datasets import curated as cur

    return cur.data_version()


def user_path(name: str) -> Path:
    """Where your own rows for `name` go: data/user/<name>.csv."""
    from workbench.datasets import curated as cur

    return cur.user_path(name)


def load_funding(as_of: str | date | None = None) -> pl.DataFrame:
    """Funding events (deals, rounds, pledges, donations, compute commitments).

    Returns
    -------
    polars.DataFrame
        One row per funding event; columns: the stored fields of funding_events in registry.toml (event_id, date,
        investor, recipient, amount_usd, instrument, status, asset, deal, part_of, valuation_usd, compute_link,
        source_ids, ...), then the derived countable (summable without counting twice), current_status and
        current_amount_usd (after later status changes), known_from, headline, strongest_source, meets_bar, bar_reason
        and confidence (the sourcing bar: docs/sourcing.md), and origin.
    """
    return load("funding_events", as_of)


def load_governance(as_of: str | date | None = None) -> pl.DataFrame:
    """Governance events (foundings, boards, structure changes, partnership terms, litigation).

    Returns
    -------
    polars.DataFrame
        One row per governance event; columns: the stored fields of governance_events in registry.toml (event_id, date,
        organizations, event_type, summary, people, source_ids, ...), then the derived known_from, headline,
        strongest_source, meets_bar, bar_reason and confidence (the sourcing bar: docs/sourcing.md), and origin.
    """
    return load("governance_events", as_of)


def load_org_structures(as_of: str | date | None = None) -> pl.DataFrame:
    """Dated legal form and control of AI labs.

    Returns
    -------
    polars.DataFrame
        One row per recorded structure of an organisation; columns: the stored fields of org_structures in registry.toml
        (structure_id, org, date, legal_form, controlled_by, profit_cap, safeguards, source_ids, ...), then the derived
        known_from, headline, strongest_source, meets_bar, bar_reason and confidence (the sourcing bar:
        docs/sourcing.md), and origin.
    """
    return load("org_structures", as_of)


def load_policy(as_of: str | date | None = None) -> pl.DataFrame:
    """AI-risk and policy events.

    Returns
    -------
    polars.DataFrame
        One row per policy event; columns: the stored fields of policy_events in registry.toml (event_id, date,
        jurisdiction, instrument_type, title, concerns, status, official_ids, source_ids, ...), then the derived
        known_from, official_url (from the first official identifier), headline, strongest_source, meets_bar, bar_reason
        and confidence (the sourcing bar: docs/sourcing.md), and origin.
    """
    return load("policy_events", as_of)


def load_sources(as_of: str | date | None = None) -> pl.DataFrame:
    """Every cited page, with its host, publisher, kind and tier (from the publishers table).

    Returns
    -------
    polars.DataFrame
        One row per cited page; columns: the stored fields of sources in registry.toml (source_id, url, via, title,
        published), then the derived host, publisher, kind and tier (through the publishers table) and origin.
    """
    return load("sources", as_of)


def load_entities() -> pl.DataFrame:
    """Canonical organisations and people, with aliases (List[String]) and parent.

    Returns
    -------
    polars.DataFrame
        One row per organisation or person; columns: the stored fields of entities in registry.toml (entity_id, name,
        kind, parent, aliases, source_ids, ...), then the derived headline, strongest_source, meets_bar, bar_reason and
        confidence (the sourcing bar: docs/sourcing.md), and origin.
    """
    return load("entities")


def __getattr__(attribute: str) -> Any:
    if attribute in _LIVE_EXPORTS:
        return getattr(importlib.import_module("workbench.datasets.live"), attribute)
    raise AttributeError(f"module 'workbench.datasets' has no attribute {attribute!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
