"""What the registry holds, for people: the dataset list and each dataset's provenance card.

Both cover curated tables and live datasets; a live dataset's rows are read from the cache only (never the network),
and a cache that cannot be read shows as such in the list instead of breaking it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import polars as pl

from workbench.datasets import curated as cur
from workbench.datasets import registry as reg
from workbench.datasets import versions
from workbench.errors import WorkbenchError

__all__ = ["ProvenanceCard", "card", "live_status", "summary"]


def live_status(name: str) -> tuple[int | None, str]:
    """(rows, status) of a live dataset from the cache only: never touches the network."""
    from workbench.datasets import live

    try:
        if live.cached_path(name) is None:
            return None, "not fetched"
        frame = live.fetch(name, offline=True)
        return frame.height, "cached"
    except WorkbenchError as error:
        return None, f"cached but unreadable ({type(error).__name__})"


def summary() -> pl.DataFrame:
    """One row per dataset: name, kind (curated/live), title, rows, user rows, licence, sources, status."""
    records = []
    for name in reg.curated_names():
        entry = reg.curated(name)
        table = cur.assemble(name).frame
        records.append(dict(
            name=name, kind="curated", title=entry.title, rows=table.height,
            user_rows=table.filter(pl.col("origin") == "user").height, licence=entry.licence,
            sources=_source_count(name, table), status="shipped",
        ))
    for name in reg.live_names():
        entry = reg.live(name)
        rows, status = live_status(name)
        records.append(dict(
            name=name, kind="live", title=entry.title, rows=rows, user_rows=0, licence=entry.licence,
            sources=1, status=status,  # one source: the dataset's publisher, at its URL
        ))
    schema = {"name": pl.String, "kind": pl.String, "title": pl.String, "rows": pl.Int64, "user_rows": pl.Int64,
              "licence": pl.String, "sources": pl.Int64, "status": pl.String}
    return pl.DataFrame(records, schema=schema)


def _source_count(name: str, table: pl.DataFrame) -> int:
    if name in ("sources", "publishers"):  # every source is classified through a publishers row
        return cur.assemble("sources").frame.height
    if "source_id" in table.columns:  # citations
        return table["source_id"].n_unique()
    if "source_ids" not in table.columns:
        return 0
    return table.select(pl.col("source_ids").explode().drop_nulls().n_unique()).item()


@dataclass
class ProvenanceCard:
    """A readable account of one dataset: what it is, where it comes from, how sure it is, what is yours."""

    name: str
    kind: str
    title: str
    lines: list[str] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return "\n".join(self.lines)

    def _repr_markdown_(self) -> str:
        return "```\n" + str(self) + "\n```"


def _wrap(label: str, text: str, width: int = 100) -> list[str]:
    import textwrap

    indent = max(12, len(label) + 1)  # long field names push the text right rather than touching it
    # ids, paths and URLs are never cut at a hyphen or inside a word: a reader copies them from the card
    return textwrap.wrap(str(text), width=width, initial_indent=f"{label:<{indent}}", subsequent_indent=" " * indent,
                         break_on_hyphens=False, break_long_words=False) or [label]


def card(name: str) -> ProvenanceCard:
    if name in reg.curated_names():
        return _curated_card(name)
    if name in reg.live_names():
        return _live_card(name)
    raise reg.unknown_name_error(name)


def _curated_card(name: str) -> ProvenanceCard:
    entry = reg.curated(name)
    assembled = cur.assemble(name)
    table = assembled.frame
    digest, size = reg.file_digest(entry.path)
    lines = [f"{name}: {entry.title}", "=" * min(100, len(name) + 2 + len(entry.title))]
    lines += _wrap("about", entry.description)
    lines += _wrap("licence", entry.licence)
    lines += _wrap("cite as", entry.citation)
    lines += _wrap("file", f"{entry.path} ({size:,} bytes, sha256 {digest[:16]}..., matches the registry)")
    lines += _wrap("compiled", "; ".join(entry.sources))
    if entry.coverage:
        lines += _wrap("coverage", entry.coverage)
    if entry.complete_through:
        lines += _wrap("complete to", f"{entry.complete_through} "
                                      "(later events are missing; coverage names known gaps)")
    if name != versions.CHANGELOG:
        lines += _wrap("version", f"{versions.table_version(name) or 'unversioned'} "
                                  f"(record {versions.record_version()}; "
                                  "changes: the changelog table, `workbench datasets diff`)")
    user = table.filter(pl.col("origin") == "user")
    lines += _wrap("rows", f"{table.height} ({table.height - user.height} shipped, {user.height} from you)")
    date_column = entry.date_column
    if date_column and table.height:
        span = table.select(pl.col(date_column).min().alias("a"), pl.col(date_column).max().alias("b")).row(0)
        if span[0] is not None:
            lines += _wrap("dates", f"{span[0]} to {span[1]} ({date_column})")
    facts: dict[str, Any] = {"rows": table.height, "user_rows": user.height, "sha256": digest, "licence": entry.licence}
    if "source_ids" in table.columns:
        sources = cur.assemble("sources").frame
        cited = table.select(pl.col("source_ids").explode().drop_nulls().unique()).to_series().to_list()
        tiers = sources.filter(pl.col("source_id").is_in(cited)).group_by("tier").len().sort("tier")
        tier_text = ", ".join(f"{t} {n}" for t, n in tiers.iter_rows())
        lines += _wrap("sources", f"{len(cited)} cited ({tier_text}); see `workbench datasets info sources`")
        facts["sources"] = len(cited)
    elif "tier" in table.columns:
        tiers = table.group_by("tier").len().sort("tier")
        lines += _wrap("tiers", ", ".join(f"{t} {n}" for t, n in tiers.iter_rows())
                       + " (from each host's kind in publishers)")
    if "meets_bar" in table.columns:
        meeting, headline = int(table["meets_bar"].sum()), table.filter(pl.col("headline"))
        lines += _wrap("sourcing", f"{meeting} of {table.height} rows meet the bar; "
                                   f"headline rows {int(headline['meets_bar'].sum())} "
                                   f"of {headline.height} (docs/sourcing.md; `workbench datasets audit`)")
        facts["meeting_bar"] = meeting
    if "confidence" in table.columns:
        counts = table.group_by("confidence").len().sort("confidence")
        lines += _wrap("confidence", ", ".join(f"{c} {n}" for c, n in counts.iter_rows())
                       + " (low: below the sourcing bar, see bar_reason and confidence_note; left out of headline "
                         "totals by default)")
        facts["confidence"] = {c: n for c, n in counts.iter_rows()}
    if "disagreement" in table.columns:
        disputed = table.filter(pl.col("disagreement").is_not_null()).height
        lines += _wrap("disputed", f"{disputed} row(s) record where sources disagree (column `disagreement`)")
    if "countable" in table.columns:
        lines += _wrap("summing", "sum only rows where `countable` is true: totals and their parts (part_of), "
                                  "and alternative accounts (alternative_to), would double count")
    if "known_from" in table.columns:
        disclosed = entry.disclosed_column  # the day a row became public, where the table records it
        later = (f"; {table.filter(pl.col(disclosed).is_not_null()).height} row(s) became public later than they "
                 f"happened (column `{disclosed}`)") if disclosed else ""
        lines += _wrap("as-of", f"load(..., as_of='YYYY-MM-DD') keeps rows that had happened and were public by then"
                                f"{later}")
    your_file = cur.user_path(name)
    if assembled.user_ids:
        lines += _wrap("your rows", f"{len(assembled.user_ids)} from {your_file} (origin='user'): "
                                    f"{', '.join(assembled.user_ids[:12])}"
                                    f"{' ...' if len(assembled.user_ids) > 12 else ''}")
        if assembled.replaced_ids:
            lines += _wrap("", f"replacing shipped rows: {', '.join(assembled.replaced_ids)}")
    else:
        lines += _wrap("your rows", f"none; add rows in {your_file} (same columns; a shipped id replaces that row)")
    lines.append("fields")
    for spec in entry.fields:
        kind = spec.type + (" (derived)" if spec.derived else "") + (" required" if spec.required else "")
        lines += _wrap(f"  {spec.name}", f"{kind}: {spec.description}", width=110)
    facts["user_ids"] = list(assembled.user_ids)
    return ProvenanceCard(name, "curated", entry.title, lines, facts)


def _live_card(name: str) -> ProvenanceCard:
    entry = reg.live(name)
    rows, status = live_status(name)
    lines = [f"{name}: {entry.title} (live public dataset)", "=" * min(100, len(name) + 2 + len(entry.title))]
    for label, text in (("about", entry.description), ("licence", entry.licence), ("cite as", entry.citation),
                        ("homepage", entry.homepage)):
        if text:
            lines += _wrap(label, text)
    lines += _wrap("url", entry.url)
    pinned = ("changes daily (sha256 recorded at download)" if entry.changes_daily
              else f"pinned sha256 per file ({len(entry.files)} files)" if entry.files
              else f"pinned sha256 {str(entry.sha256)[:16]}...")
    lines += _wrap("checksum", pinned)
    lines += _wrap("status", f"{status}" + (f", {rows} rows" if rows is not None
                                            else f"; run `python -m workbench datasets fetch {name}`"))
    lines.append("fields")
    for spec in entry.fields:
        lines += _wrap(f"  {spec.name}", f"{spec.type}: {spec.description}", width=110)
    return ProvenanceCard(name, "live", entry.title, lines, {"rows": rows, "status": status, "licence": entry.licence})
