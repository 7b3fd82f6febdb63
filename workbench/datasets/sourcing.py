"""The sourcing bar: what kind of source each host is, which rows are headline rows, and the confidence a row earns.

A fact-checker asks of every row: who says so, and are they the ones who would know? So a source's tier comes
from its host through the `publishers` table (never typed by hand, and a copy is tiered by the host it is on,
not by the outlet it copies), and a row's confidence comes from the tiers of what it cites:

- primary: the company, regulator, legislature, court, official journal, filing or intergovernmental body;
- originating: a wire or major outlet on its own site;
- secondary: trade press, law firms, research, blogs: useful context, never enough alone;
- not_citable: aggregators, mirrors and partisan hosts: a row citing one is below the bar.

The bar: at least one primary or originating source and none not citable; a headline row (money of $1B or
more, a change of legal form or control, a law adopted or in force, an executive order) needs a primary
source or two independent originating outlets (different publishers, not two copies of one story).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit

import polars as pl

__all__ = [
    "EVENT_TABLES", "FIGURE_TABLES", "NO_IDENTIFIER_PREFIXES", "KINDS", "TIERS", "TIER_OF_KIND", "IDENTIFIER_SCHEMES",
    "Assessment", "assess", "headline_mask", "host_of",
    "match_host", "official_url", "same_page_key", "source_tier", "tier_of",
]

TIER_OF_KIND = {
    "company": "primary", "regulator": "primary", "legislature": "primary", "court": "primary",
    "official_journal": "primary", "filing": "primary", "intergovernmental": "primary",
    "wire": "originating", "major_outlet": "originating",
    "trade_press": "secondary", "law_firm": "secondary", "research": "secondary", "blog": "secondary",
    "aggregator": "not_citable", "mirror": "not_citable",
}
KINDS = tuple(TIER_OF_KIND)
TIERS = ("primary", "originating", "secondary", "not_citable")
_RANK = {tier: rank for rank, tier in enumerate(TIERS)}

#: Official identifier schemes (`scheme:value` in policy_events.official_ids) and, where an identifier alone
#: gives the official address, how.
IDENTIFIER_SCHEMES: dict[str, str | None] = {
    "celex": "https://eur-lex.europa.eu/legal-content/EN/TXT/?uri=CELEX:{}",
    "fr": "https://www.federalregister.gov/d/{}",
    "oj": None, "eo": None, "pl": None, "bill": None, "docket": None, "un": None, "cets": None, "uksi": None,
    "other": None,
}


#: How `policy_events.no_identifier_reason` begins: no identifier exists, or one exists but was not seen yet.
NO_IDENTIFIER_PREFIXES = ("None exists:", "Not yet found:")


def host_of(url: str) -> str:
    """The URL's host, lower case, without a leading 'www.'."""
    host = (urlsplit(url).hostname or "").lower().rstrip(".")
    return host[4:] if host.startswith("www.") else host


_TRACKING = ("utm_", "ref", "src", "fbclid", "gclid", "mc_", "cmpid", "guccounter")


def same_page_key(url: str) -> str:
    """The URL without scheme, www., fragment, trailing slash and tracking parameters: two sources with the
    same key are one page cited twice (e.g. a link with and without `?ref=`)."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not k.lower().startswith(_TRACKING)]
    path = parts.path.rstrip("/")
    return host_of(url) + path + (("?" + urlencode(query)) if query else "")


def match_host(host: str, known: Iterable[str]) -> str | None:
    """The publishers row for `host`: the host itself, else its nearest parent domain (blogs.microsoft.com ->
    microsoft.com); None when unknown."""
    known = set(known)
    parts = host.split(".")
    for start in range(len(parts) - 1):
        candidate = ".".join(parts[start:])
        if candidate in known:
            return candidate
    return None


def tier_of(kind: str | None, partisan: bool) -> str | None:
    """A host's tier: from its kind, and never above not_citable for a partisan site."""
    if kind is None:
        return None
    return "not_citable" if partisan else TIER_OF_KIND[kind]


def source_tier(host_tier: str | None, via: str | None) -> str | None:
    """A page's tier: its host's, except that a copy of another outlet's story on an outlet's site (`via`) is no
    longer the originating report: it counts as secondary."""
    if host_tier == "originating" and via:
        return "secondary"
    return host_tier


def official_url(identifiers: Iterable[str] | None) -> str | None:
    """The official address derived from the first identifier whose scheme gives one."""
    for identifier in identifiers or []:
        scheme, _, value = identifier.partition(":")
        pattern = IDENTIFIER_SCHEMES.get(scheme)
        if pattern and value:
            return pattern.format(value.strip())
    return None


@dataclass(frozen=True)
class Assessment:
    """What a row's sources earn it."""

    strongest: str  # a tier, or "none"
    meets_bar: bool
    reason: str | None  # why it is below the bar
    confidence: str  # high | medium | low | unsourced


def assess(cited: list[Mapping[str, object]], *, headline: bool, weak: bool = False) -> Assessment:
    """Apply the bar to one row's sources (each a mapping with tier, kind, publisher, via, host)."""
    if not cited:
        return Assessment("none", False, "cites no source", "unsourced")
    tiers = [str(source["tier"]) for source in cited]
    strongest = min(tiers, key=_RANK.__getitem__)
    banned = sorted({str(source["host"]) for source in cited if source["tier"] == "not_citable"})
    stories = {str(source.get("via") or source["publisher"]) for source in cited if source["tier"] == "originating"}
    primary = "primary" in tiers
    if banned:
        reason = f"cites a host that is not citable (aggregator, mirror or partisan): {', '.join(banned)}"
    elif not primary and not stories:
        reason = f"no primary or originating source (the best is {strongest})"
    elif headline and not primary and len(stories) < 2:
        reason = "a headline row needs a primary source or two independent originating outlets; it has one outlet"
    else:
        reason = None
    if reason or weak:
        return Assessment(strongest, reason is None, reason, "low")
    return Assessment(strongest, True, None, "high" if primary or len(stories) >= 2 else "medium")


_HEADLINE_MONEY = 1e9


def _funding_headline(frame: pl.DataFrame) -> pl.Series:
    money = pl.max_horizontal(pl.col("amount_usd").fill_null(0), pl.col("amount_usd_high").fill_null(0))
    return frame.select((money >= _HEADLINE_MONEY).alias("headline")).to_series()


def _governance_headline(frame: pl.DataFrame) -> pl.Series:
    return frame.select(pl.col("event_type").cast(pl.String).is_in(["structure_change", "control_change"])
                        .alias("headline")).to_series()


def _policy_headline(frame: pl.DataFrame) -> pl.Series:
    kind, status = pl.col("instrument_type").cast(pl.String), pl.col("status").cast(pl.String)
    rule = (kind == "executive_order") | ((kind == "law") & status.is_in(["adopted", "in_force"]))
    return frame.select(rule.fill_null(False).alias("headline")).to_series()


_HEADLINE: dict[str, Callable[[pl.DataFrame], pl.Series]] = {
    "funding_events": _funding_headline,
    "governance_events": _governance_headline,
    "org_structures": lambda frame: pl.Series("headline", [True] * frame.height, dtype=pl.Boolean),
    "policy_events": _policy_headline,
    "funding_status_changes": lambda frame: frame.select((pl.col("amount_usd").fill_null(0) >= _HEADLINE_MONEY)
                                                         .alias("headline")).to_series(),
    "reported_figures": lambda frame: pl.Series("headline", [False] * frame.height, dtype=pl.Boolean),
    "company_financials": lambda frame: pl.Series("headline", [False] * frame.height, dtype=pl.Boolean),
}


#: The tables the bar is enforced on: a row below it must say why (confidence_note).
EVENT_TABLES = tuple(_HEADLINE)
#: Of those, the tables of figures as each source reported them (one row per outlet's number, so that where sources
#: disagree shows): the rest are the event and structure rows the record's share meeting the bar is counted on.
FIGURE_TABLES = ("reported_figures", "company_financials")


def headline_mask(name: str, frame: pl.DataFrame) -> pl.Series:
    """Which rows of the curated table `name` are headline rows (none for tables without a rule)."""
    rule = _HEADLINE.get(name)
    if rule is None:
        return pl.Series("headline", [False] * frame.height, dtype=pl.Boolean)
    return rule(frame)
