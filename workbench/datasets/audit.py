"""`workbench datasets audit`: how well the record is sourced, table by table, against the bar.

For each event and structure table: rows by the kind of their strongest source, rows below the bar with the
reason, low-confidence rows, link-only citations, rows whose sources lack citation details, (funding) rows whose
amount no primary or originating source states, rows whose date no citation states, and (policy) rows without an
official identifier; for the whole
record, the hosts cited and the numbers a reviewer checks first (share meeting the bar, of the event and structure
rows apart from the tables of figures as each source reported them; headline rows meeting theirs; rows on hosts that
are not citable; identifiers).
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import polars as pl

from workbench.datasets import curated as cur
from workbench.datasets import registry as reg
from workbench.datasets import sourcing

__all__ = ["audit", "format_text", "format_json"]

_NOT_FOUND = sourcing.NO_IDENTIFIER_PREFIXES[1]


def _table_report(name: str, citations: pl.DataFrame, sources: pl.DataFrame) -> dict[str, Any]:
    frame = cur.assemble(name).frame
    key = cur.key_columns(reg.curated(name))[0]
    kinds = dict(sources.select("source_id", pl.col("kind").cast(pl.String)).iter_rows())
    tiers = dict(sources.select("source_id", pl.col("tier").cast(pl.String)).iter_rows())
    rank = {tier: i for i, tier in enumerate(sourcing.TIERS)}
    strongest_kind = Counter()
    for ids in frame["source_ids"].to_list():
        ids = [i for i in ids or [] if i in tiers]
        best = min(ids, key=lambda i: (rank[tiers[i]], sourcing.KINDS.index(kinds[i])), default=None)
        strongest_kind[kinds[best] if best else "none"] += 1
    mine = citations.filter(pl.col("dataset") == name)
    pairs = (frame.select(pl.col(key).alias("row_id"), "origin", pl.col("source_ids").alias("source_id"))
             .explode("source_id"))
    pairs = pairs.filter(pl.col("source_id").is_not_null())
    missing = pairs.join(mine.select("row_id", "source_id"), on=["row_id", "source_id"], how="anti")
    below = frame.filter(~pl.col("meets_bar")).select(key, "bar_reason", "confidence_note")
    headline = frame.filter(pl.col("headline"))
    report: dict[str, Any] = {
        "rows": frame.height,
        "meeting_bar": int(frame["meets_bar"].sum()),
        "headline_rows": headline.height,
        "headline_meeting_bar": int(headline["meets_bar"].sum()),
        "rows_by_strongest_source": dict(sorted(strongest_kind.items(), key=lambda kv: -kv[1])),
        "confidence": {str(c): n for c, n in frame.group_by("confidence").len().sort("confidence").iter_rows()},
        "below_bar": [{"row_id": r, "reason": why, "note": note} for r, why, note in below.iter_rows()],
        "not_citable_rows": frame.filter(
            pl.col("bar_reason").str.contains("not citable").fill_null(False))[key].to_list(),
        "link_only_citations": mine.filter(pl.col("seen") == "link_only").height,
        "excerpt_citations": mine.filter(pl.col("seen") == "excerpt").height,
        "citations": mine.height,
        "pairs_without_citation": missing.height,
        "pairs_without_citation_shipped": missing.filter(pl.col("origin") == "package").height,
    }
    if "amount_usd" in frame.columns:  # a headline figure should rest on a source that meets the bar and states it
        backed = (mine.filter(pl.col("supports").list.contains("amount"))
                  .join(sources.select("source_id", pl.col("tier").cast(pl.String)), on="source_id")
                  .filter(pl.col("tier").is_in(["primary", "originating"]))["row_id"].unique())
        report["amount_not_stated_by_a_bar_source"] = frame.filter(
            pl.col("amount_usd").is_not_null(), pl.col("meets_bar"), ~pl.col(key).is_in(backed.implode())
        )[key].to_list()
    if "date" in frame.columns:  # a dated row should cite a page that states the date, not only the event
        dated = mine.filter(pl.col("supports").list.contains("date"))["row_id"].unique()
        report["date_not_stated_by_a_citation"] = frame.filter(
            pl.col("date").is_not_null(), ~pl.col(key).is_in(dated.implode()))[key].to_list()
    if "official_ids" in frame.columns:
        without = frame.filter(pl.col("official_ids").list.len() == 0)
        pending = without.filter(pl.col("no_identifier_reason").str.starts_with(_NOT_FOUND).fill_null(False))
        report["with_official_id"] = frame.height - without.height
        report["no_identifier_exists"] = without.height - pending.height
        report["identifier_not_yet_found"] = pending[key].to_list()
    return report


def audit() -> dict[str, Any]:
    """The audit as plain data (what `--format json` prints)."""
    sources = cur.assemble("sources").frame
    citations = cur.assemble("citations").frame
    tables = {name: _table_report(name, citations, sources) for name in sourcing.EVENT_TABLES}
    cited = set()
    for name in sourcing.EVENT_TABLES:
        cited |= set(cur.assemble(name).frame["source_ids"].explode().drop_nulls().to_list())
    used = sources.filter(pl.col("source_id").is_in(list(cited)))
    hosts = (used.group_by("host", "publisher", pl.col("kind").cast(pl.String)).len("sources")
             .sort(["sources", "host"], descending=[True, False]))
    rows = sum(t["rows"] for t in tables.values())
    headline = sum(t["headline_rows"] for t in tables.values())
    policy = tables.get("policy_events", {})
    events = [t for name, t in tables.items() if name not in sourcing.FIGURE_TABLES]
    figures = [t for name, t in tables.items() if name in sourcing.FIGURE_TABLES]
    summary = {
        "event_and_structure_rows": sum(t["rows"] for t in events),
        "event_and_structure_meeting_bar": sum(t["meeting_bar"] for t in events),
        "figure_rows": sum(t["rows"] for t in figures),
        "figure_rows_meeting_bar": sum(t["meeting_bar"] for t in figures),
        "rows": rows,
        "meeting_bar": sum(t["meeting_bar"] for t in tables.values()),
        "meeting_bar_share": round(sum(t["meeting_bar"] for t in tables.values()) / rows, 4) if rows else None,
        "headline_rows": headline,
        "headline_meeting_bar": sum(t["headline_meeting_bar"] for t in tables.values()),
        "rows_citing_not_citable_hosts": sum(len(t["not_citable_rows"]) for t in tables.values()),
        "policy_rows_with_identifier_or_none_exists": (policy.get("with_official_id", 0)
                                                       + policy.get("no_identifier_exists", 0)),
        "policy_rows": policy.get("rows", 0),
        "link_only_citations": sum(t["link_only_citations"] for t in tables.values()),
    }
    return {"summary": summary, "tables": tables,
            "hosts": [dict(zip(hosts.columns, row)) for row in hosts.iter_rows()]}


def format_json(report: dict[str, Any]) -> str:
    return json.dumps(report, indent=2, ensure_ascii=False, default=str)


def _pct(part: int, whole: int) -> str:
    return f"{part}/{whole} ({100 * part / whole:.0f}%)" if whole else "0/0"


def format_text(report: dict[str, Any], *, hosts: int = 15) -> str:
    """The audit for people: one block per table, then the hosts, then the summary (last, where a terminal shows it)."""
    lines: list[str] = []
    for name, table in report["tables"].items():
        lines.append(f"{name}: {table['rows']} rows")
        lines.append(f"  meeting the bar      {_pct(table['meeting_bar'], table['rows'])}; headline rows "
                     f"{_pct(table['headline_meeting_bar'], table['headline_rows'])}")
        lines.append("  strongest source     "
                     + ", ".join(f"{k} {n}" for k, n in table["rows_by_strongest_source"].items()))
        lines.append("  confidence           " + ", ".join(f"{k} {n}" for k, n in table["confidence"].items()))
        lines.append(f"  citations            {table['citations']} ({table['link_only_citations']} link only, "
                     f"{table['excerpt_citations']} read through a copy); {table['pairs_without_citation']} row-source "
                     "pairs without citation details")
        if "amount_not_stated_by_a_bar_source" in table:
            lines.append(f"  amounts              {len(table['amount_not_stated_by_a_bar_source'])} rows meet the bar "
                         "but their amount is stated only by secondary sources (citations.supports)")
        if table.get("date_not_stated_by_a_citation"):
            undated = table["date_not_stated_by_a_citation"]
            lines.append(f"  dates                {len(undated)} rows cite no page that states their date "
                         f"(citations.supports): {', '.join(undated[:6])}{' ...' if len(undated) > 6 else ''}")
        if "with_official_id" in table:
            lines.append(f"  official identifiers {table['with_official_id']} rows; none exists for "
                         f"{table['no_identifier_exists']}; one exists but is not yet found: "
                         f"{len(table['identifier_not_yet_found'])}")
        for row in table["below_bar"]:
            lines.append(f"  below the bar        {row['row_id']}: {row['reason']}")
    lines.append(f"hosts cited (top {hosts} of {len(report['hosts'])})")
    for row in report["hosts"][:hosts]:
        lines.append(f"  {row['sources']:>4}  {row['host']} ({row['publisher']}, {row['kind']})")
    s = report["summary"]
    summary = [
        ("event and structure rows meeting the bar", _pct(s["event_and_structure_meeting_bar"],
                                                          s["event_and_structure_rows"])),
        (f"figure rows meeting it ({', '.join(sourcing.FIGURE_TABLES)})",
         _pct(s["figure_rows_meeting_bar"], s["figure_rows"])),
        ("all rows meeting the bar", _pct(s["meeting_bar"], s["rows"])),
        ("headline rows meeting theirs", _pct(s["headline_meeting_bar"], s["headline_rows"])),
        ("rows citing a not-citable host", str(s["rows_citing_not_citable_hosts"])),
        ("policy rows with an identifier (or none exists)",
         _pct(s["policy_rows_with_identifier_or_none_exists"], s["policy_rows"])),
        ("link-only citations", str(s["link_only_citations"])),
    ]
    width = max(len(label) for label, _ in summary) + 2
    lines.append("summary")
    lines.extend(f"  {label:<{width}}{value}" for label, value in summary)
    return "\n".join(lines)
