"""Assemble a curated table: the shipped CSV, checked against its registry entry, plus the user's overlay.

Order of work for one table: verify the shipped file's sha256 -> read and type every cell -> read
data/user/<name>.csv with the same schema -> overlay (user rows added, or replacing shipped rows with the
same id) -> check ids, cross-table references and row rules -> add derived columns (origin, a source's
host, publisher and tier, a row's sourcing bar and confidence, known_from, countable) -> check the bar.
Every problem found is reported at once, with file, line, column, value and fix.
Results are cached per process and invalidated when any curated or user file changes; a checked table is also kept
on disk for other processes (`assembled_cache`), keyed by the bytes of every input.
"""

from __future__ import annotations

import difflib
import functools
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import polars as pl

from workbench import paths
from workbench.datasets import assembled_cache, money, sourcing
from workbench.datasets import registry as reg
from workbench.datasets.schema import FieldSpec, ParsedTable, end_of_period, read_table
from workbench.errors import DatasetError, Problem, SchemaError

__all__ = [
    "CONFIDENCE", "KEY", "ORIGINS", "Assembled", "as_of_filter", "assemble", "clear_cache", "data_version", "derive",
    "derived_inputs", "duplicate_ids", "key_columns", "keyed", "parse_as_of", "record_digest", "references",
    "row_rules", "user_path", "verify_checksum",
]

ORIGINS = ["package", "user"]
CONFIDENCE = ["high", "medium", "low", "unsourced"]


@dataclass
class Assembled:
    """One curated table after overlay and checks; `frame` keeps `_file`/`_line` for later messages."""

    name: str
    frame: pl.DataFrame
    user_path: Path | None = None
    user_ids: list[str] = field(default_factory=list)
    replaced_ids: list[str] = field(default_factory=list)


_CACHE: dict[str, tuple[tuple, Assembled]] = {}


def clear_cache() -> None:
    """Forget assembled tables (tests and benchmarks call this to measure a cold load)."""
    _CACHE.clear()


def user_path(name: str) -> Path:
    """Where a researcher's own rows for `name` live: data/user/<name>.csv."""
    return paths.user_data_dir() / f"{name}.csv"


def _stat(path: Path) -> tuple:
    try:
        st = path.stat()
        return (str(path), st.st_mtime_ns, st.st_size)
    except OSError:
        return (str(path), None, None)


def _inputs() -> list[Path]:
    """Every file an assembled table depends on: the registry, its lock, each shipped table and each overlay."""
    files = [reg.REGISTRY_PATH, reg.lock_path()]
    for name, entry in reg.read().curated.items():
        files += [entry.path, user_path(name)]
    return files


def _signature() -> tuple:
    return tuple(_stat(path) for path in _inputs())


def data_version() -> str:
    """A short fingerprint of every input an analysis or explorer reads: the registry, the curated files, your
    overlays and the seeds folder (names, sizes, modification times). Caches keyed on it see every edit."""
    import hashlib

    seeds = paths.seeds_dir()
    files = sorted(seeds.iterdir()) if seeds.is_dir() else []
    return hashlib.sha1(repr((_signature(), [_stat(f) for f in files])).encode()).hexdigest()[:16]


def assemble(name: str) -> Assembled:
    """The checked, overlaid table `name` (cached until a curated or user file changes)."""
    signature = _signature()
    cached = _CACHE.get(name)
    if cached and cached[0] == signature:
        return cached[1]
    version = _disk_version(signature) if assembled_cache.enabled() else None
    result = assembled_cache.read(version, name) if version else None
    if result is None:
        result = _assemble(name)
        # kept only if no input changed while it was checked: else the table would sit under a key it does not fit
        if version and assembled_cache.key(_inputs()) == version:
            assembled_cache.write(version, result)
    _CACHE[name] = (signature, result)
    return result


def record_digest() -> str:
    """The digest of the record's files as they are now (their bytes, the package's source, the polars and Python
    versions): what disk caches of anything computed from the record are keyed on."""
    return _disk_version(_signature())


@functools.lru_cache(maxsize=4)
def _disk_version(signature: tuple) -> str:
    """The disk cache's key for the files as they are now (computed once while their signature holds)."""
    return assembled_cache.key(_inputs())


def verify_checksum(entry: reg.CuratedEntry) -> None:
    if not entry.path.is_file():
        raise DatasetError(f"the shipped file of {entry.name!r} is missing.",
                           fix="reinstall the package (`pip install -e .`)", file=entry.path)
    if entry.lock is None:
        raise reg.unlocked_error(entry)
    digest, size = reg.file_digest(entry.path)
    if digest != entry.sha256 or size != entry.bytes:
        raise DatasetError(
            f"{entry.path.name} does not match its registry lock (sha256 {digest[:12]}..., {size} bytes; "
            f"{reg.lock_path().name} says {str(entry.sha256)[:12]}..., {entry.bytes} bytes).",
            fix="if the edit was reviewed, run `python -m workbench.datasets.registry --rehash`; "
            "otherwise restore the file (to add your own rows, use data/user/<dataset>.csv instead)",
            file=entry.path,
        )


def _with_place(parsed: ParsedTable, origin: str) -> pl.DataFrame:
    return parsed.frame.with_columns(
        pl.lit(origin).cast(pl.Enum(ORIGINS)).alias("origin"),
        pl.lit(str(parsed.path)).alias("_file"),
        (pl.Series("_line", parsed.lines, dtype=pl.Int64) if parsed.lines
         else pl.lit(None, dtype=pl.Int64).alias("_line")),
    )


def duplicate_ids(frame: pl.DataFrame, columns: list[str], fix: str) -> list[Problem]:
    problems = []
    seen: dict[str, int] = {}
    key = "+".join(columns)
    for value, file, line in frame.select(KEY, "_file", "_line").iter_rows():
        if value is None:
            continue
        if value in seen:
            problems.append(Problem(what=f"repeats the id already used on line {seen[value]}.", fix=fix,
                                    file=file, line=line, column=key, value=value))
        else:
            seen[value] = line
    return problems


KEY = "_key"  # the primary key as one string column (a composite key's parts joined by '|')


def key_columns(entry: reg.CuratedEntry) -> list[str]:
    return list(entry.primary_key)


def keyed(frame: pl.DataFrame, columns: list[str]) -> pl.DataFrame:
    return frame.with_columns(pl.concat_str([pl.col(c).cast(pl.String) for c in columns], separator="|").alias(KEY))


def _assemble(name: str) -> Assembled:
    entry = reg.curated(name)
    verify_checksum(entry)
    fields = entry.fields
    stored = entry.stored_fields
    key, columns = KEY, key_columns(entry)
    package = read_table(entry.path, fields)
    problems = list(package.problems)
    frame = keyed(_with_place(package, "package"), columns) if not package.problems else None
    problems += duplicate_ids(frame, columns, "give each row its own id") if frame is not None else []

    overlay_path = user_path(name)
    user_ids: list[str] = []
    replaced: list[str] = []
    if overlay_path.is_file():
        user = read_table(overlay_path, fields, partial_columns=True)
        problems += user.problems
        if not user.problems:
            missing = [pl.lit(None, dtype=spec.dtype).alias(spec.name)
                       for spec in stored if spec.name not in user.frame.columns]
            user.frame = user.frame.with_columns(missing).select([spec.name for spec in stored])
            user_frame = keyed(_with_place(user, "user"), columns)
            problems += duplicate_ids(user_frame, columns, "keep one row per id in your overlay "
                                      "(a row with a shipped id replaces the shipped row)")
            user_ids = user_frame[key].to_list()
            if frame is not None:
                replaced = sorted(set(user_ids) & set(frame[key].to_list()))
                frame = pl.concat([frame.filter(~pl.col(key).is_in(user_ids)), user_frame], how="vertical")
    elif overlay_path.exists():  # a folder in its place would otherwise leave the researcher's rows out silently
        problems.append(Problem(what="is not a file, so no rows could be read from it.",
                                fix=f"put your rows in a CSV file named {overlay_path.name} (move the folder away)",
                                file=str(overlay_path)))
    if problems or frame is None:
        raise SchemaError(f"dataset {name!r} has rows that do not fit its schema", problems)

    problems += row_rules(name, frame, stored)
    problems += references(name, frame, stored)
    problems += _status_references(frame) if name == "funding_events" else []
    if problems:
        raise SchemaError(f"dataset {name!r} has rows that break its rules or references", problems)
    frame = derive(entry, frame)
    problems += _bar_rules(frame) if name in sourcing.EVENT_TABLES else []
    if problems:
        raise SchemaError(f"dataset {name!r} has rows below the sourcing bar without a reason", problems)
    return Assembled(name, frame, overlay_path if overlay_path.is_file() else None, user_ids, replaced)


def row_rules(name: str, frame: pl.DataFrame, stored: list[FieldSpec]) -> list[Problem]:
    """Rules that span cells: sourcing, amount consistency, totals."""
    problems: list[Problem] = []
    columns = set(frame.columns)
    rows = frame.to_dicts()
    if {"source_ids", "unsourced_reason"} <= columns:
        for row in rows:
            if not row["source_ids"] and not row["unsourced_reason"]:
                problems.append(Problem(what="cites no source.",
                                        fix="add source ids (add the source to data/user/sources.csv first if it is "
                                            "new), or explain in unsourced_reason",
                                        file=row["_file"], line=row["_line"], column="source_ids", value=""))
            elif row["source_ids"] and row["unsourced_reason"]:  # a reason left behind when a source was found
                problems.append(Problem(what="cites sources but still says why it has none.",
                                        fix="clear unsourced_reason (what is missing about the sources belongs in "
                                            "confidence_note)",
                                        file=row["_file"], line=row["_line"], column="unsourced_reason",
                                        value=row["unsourced_reason"][:80]))
    problems += _bracket_rules(rows, [spec.name for spec in stored if spec.type == "string"])
    if name == "sources":
        problems += _host_rules(rows)
    if name == "citations":
        problems += _citation_rules(rows)
    if "official_ids" in columns:
        problems += _identifier_rules(rows)
    if {"status", "condition"} <= columns:
        problems += _money_rules(rows)
    if name == "funding_events":
        totals = {row["event_id"]: row for row in rows}
        parts: dict[str, float] = {}
        for row in rows:
            place = dict(file=row["_file"], line=row["_line"])
            if (row["amount_original"] is None) != (row["currency_original"] is None):
                problems.append(Problem(what="amount_original and currency_original must be given together.",
                                        fix="fill both or neither", column="currency_original",
                                        value=row["currency_original"], **place))
            if row["amount_kind"] == "undisclosed" and row["amount_usd"] is not None:
                problems.append(Problem(what="has an amount but amount_kind is 'undisclosed'.",
                                        fix="set amount_kind to reported/committed/estimated, or empty amount_usd",
                                        column="amount_kind", value="undisclosed", **place))
            if row["amount_usd"] is None and row["amount_kind"] != "undisclosed" and row["amount_original"] is None:
                problems.append(Problem(what="has no amount but amount_kind is not 'undisclosed'.",
                                        fix="give amount_usd (or amount_original + currency_original), or set "
                                            "amount_kind to undisclosed",
                                        column="amount_usd", value="", **place))
            low, high = row["amount_usd_low"], row["amount_usd_high"]
            if low is not None and high is not None and low > high:
                problems.append(Problem(what="amount_usd_low is above amount_usd_high.", fix="swap them",
                                        column="amount_usd_low", value=low, **place))
            if row["part_of"] and row["part_of"] == row["event_id"]:
                problems.append(Problem(what="points at itself.", fix="name the total row's event_id",
                                        column="part_of", value=row["part_of"], **place))
            if row["alternative_to"] and row["alternative_to"] == row["event_id"]:
                problems.append(Problem(what="points at itself.", fix="name the other row's event_id",
                                        column="alternative_to", value=row["alternative_to"], **place))
            target = totals.get(row["part_of"]) if row["part_of"] else None
            if target is not None and not target["is_total"]:
                problems.append(Problem(what=f"points at {row['part_of']!r}, which is not a total row.",
                                        fix="set is_total=true on that row or fix part_of", column="part_of",
                                        value=row["part_of"], **place))
            if target is not None and row["amount_usd"] is not None:
                parts[row["part_of"]] = parts.get(row["part_of"], 0.0) + row["amount_usd"]
        for total_id, summed in parts.items():
            total = totals[total_id]
            if total["amount_usd"] is not None and summed > total["amount_usd"] * 1.001:
                problems.append(Problem(what=f"its parts (part_of) add up to {summed:,.0f} USD, more than the total "
                                             f"{total['amount_usd']:,.0f}.",
                                        fix="check the per-investor amounts or the total", file=total["_file"],
                                        line=total["_line"], column="amount_usd", value=total["amount_usd"]))
    return problems


def _money_rules(rows: list[dict]) -> list[Problem]:
    """Conditional money names its condition; mixed money says what it mixes; only a compute commitment is a
    compute purchase; a superseded row names what replaced it."""
    problems = []
    for row in rows:
        place = dict(file=row["_file"], line=row["_line"])
        if row["status"] == "conditional" and not row["condition"]:
            problems.append(Problem(what="is conditional but does not say on what.", fix="describe the condition (e.g. "
                                    "'the restructuring closes by year end') in condition", column="condition",
                                    value="", **place))
        if row.get("status") == "superseded" and not row.get("superseded_by"):
            problems.append(Problem(what="is superseded but does not say by which row.", fix="name the funding_events "
                                    "row that replaced it in superseded_by", column="superseded_by", value="", **place))
        if "asset" not in row:
            continue
        if row["asset"] == "mixed" and not row["asset_detail"]:
            problems.append(Problem(what="mixes assets but does not say which.", fix="list them in asset_detail (e.g. "
                                    "'cash and Azure credits, split not disclosed')", column="asset_detail",
                                    value="", **place))
        if (row["asset"] == "compute_purchase") != (row["instrument"] == "compute_commitment"):
            problems.append(Problem(what=f"has asset {row['asset']!r} with instrument {row['instrument']!r}: "
                                    "only a compute commitment (a lab buying compute) is a compute purchase.",
                                    fix="set both to compute_commitment/compute_purchase, or neither", column="asset",
                                    value=row["asset"], **place))
    return problems


def _status_references(funding: pl.DataFrame) -> list[Problem]:
    """Status changes must name funding rows that exist (checked here: the changes table cannot reference
    funding_events without each table waiting on the other)."""
    ids = set(funding["event_id"].to_list())
    changes = assemble("funding_status_changes").frame
    problems = []
    for column in ("event_id", "superseded_by"):
        for value, file, line in changes.select(column, "_file", "_line").iter_rows():
            if value is not None and value not in ids:
                near = difflib.get_close_matches(value, list(ids), n=1, cutoff=0.6)
                hint = f" (did you mean {near[0]!r}?)" if near else ""
                problems.append(Problem(what=f"refers to {value!r}, which is not an event_id in funding_events.",
                                        fix=f"use an existing event_id{hint}", file=file, line=line, column=column,
                                        value=value))
    return problems


def _bracket_rules(rows: list[dict], columns: list[str]) -> list[Problem]:
    """Text whose brackets do not pair was scrambled by an edit (a phrase moved across a parenthesis)."""
    problems = []
    for row in rows:
        for column in columns:
            text, depth = row.get(column) or "", 0
            for char in text:
                depth += {"(": 1, ")": -1}.get(char, 0)
                if depth < 0:
                    break
            if depth:
                problems.append(Problem(what="has brackets that do not pair, as if a phrase was moved across them.",
                                        fix="rewrite the text so every '(' closes with a ')'", file=row["_file"],
                                        line=row["_line"], column=column, value=text))
    return problems


def _host_rules(rows: list[dict]) -> list[Problem]:
    """Every source's host must be in the publishers table: its tier comes from there, never from the row."""
    known = set(assemble("publishers").frame["host"].to_list())
    problems = []
    pages: dict[str, int] = {}
    for row in rows:
        page = sourcing.same_page_key(row["url"])
        if page in pages:
            problems.append(Problem(what=f"is the same page as the source on line {pages[page]} (only tracking "
                                         "parameters or the scheme differ).",
                                    fix="cite that source's id instead and remove this row",
                                    file=row["_file"], line=row["_line"], column="url", value=row["url"]))
        pages.setdefault(page, row["_line"])
        host = sourcing.host_of(row["url"])
        if sourcing.match_host(host, known) is None:
            problems.append(Problem(
                what=f"is on the host {host!r}, which is not in the publishers table, so its tier is unknown.",
                fix=f"add a row for {host} to {user_path('publishers')} (host,publisher,kind,partisan,why; kind one of "
                    f"{', '.join(sourcing.KINDS)})",
                file=row["_file"], line=row["_line"], column="url", value=row["url"]))
    return problems


def _citation_rules(rows: list[dict]) -> list[Problem]:
    """A citation names a row that exists and lists that source; excerpts and links say where they were seen."""
    problems = []
    listed: dict[str, dict[str, list[str]]] = {}
    for row in rows:
        place = dict(file=row["_file"], line=row["_line"])
        if row["seen"] in ("excerpt", "link_only") and not row["seen_via"]:
            problems.append(Problem(what=f"is seen as {row['seen']!r} but does not say through which page.",
                                    fix="give the URL of the page that reproduced or linked it in seen_via",
                                    column="seen_via", value="", **place))
        dataset = str(row["dataset"])
        if dataset not in listed:
            table = assemble(dataset).frame
            key = key_columns(reg.curated(dataset))[0]
            listed[dataset] = dict(table.select(key, "source_ids").iter_rows())
        sources = listed[dataset].get(row["row_id"])
        if sources is None:
            problems.append(Problem(what=f"cites row {row['row_id']!r}, which is not in {dataset}.",
                                    fix=f"use an existing id of {dataset}, or remove the citation", column="row_id",
                                    value=row["row_id"], **place))
        elif row["source_id"] not in (sources or []):
            problems.append(Problem(what=f"says {row['source_id']} supports {dataset} row {row['row_id']}, "
                                         "which does not list that source.",
                                    fix=f"add {row['source_id']} to the row's source_ids, or remove the citation",
                                    column="source_id", value=row["source_id"], **place))
    return problems


def _identifier_rules(rows: list[dict]) -> list[Problem]:
    """Official identifiers are scheme:value; a row without one says why none exists."""
    problems = []
    schemes = ", ".join(sourcing.IDENTIFIER_SCHEMES)
    for row in rows:
        place = dict(file=row["_file"], line=row["_line"])
        for identifier in row["official_ids"] or []:
            scheme, colon, value = identifier.partition(":")
            if not colon or scheme not in sourcing.IDENTIFIER_SCHEMES or not value.strip():
                problems.append(Problem(what="is not an official identifier of a known scheme.",
                                        fix=f"write scheme:value with a scheme among {schemes} (e.g. celex:32024R1689)",
                                        column="official_ids", value=identifier, **place))
        reason = row["no_identifier_reason"] or ""
        if not row["official_ids"] and not reason.startswith(sourcing.NO_IDENTIFIER_PREFIXES):
            problems.append(Problem(what="has no official identifier and does not say whether one exists.",
                                    fix="give official_ids (e.g. celex:..., eo:..., fr:..., bill:...), or start "
                                        "no_identifier_reason with 'None exists:' (a company release, a statement) or "
                                        "'Not yet found:' (an identifier exists but was not seen)",
                                    column="no_identifier_reason", value=reason, **place))
    return problems


def _bar_rules(frame: pl.DataFrame) -> list[Problem]:
    """A shipped row below the sourcing bar stays only with what is missing written down (confidence_note); your own
    rows below it are kept and marked low confidence, with bar_reason saying why."""
    if "meets_bar" not in frame.columns:
        return []
    below = frame.filter(~pl.col("meets_bar") & pl.col("confidence_note").is_null()
                         & (pl.col("source_ids").list.len() > 0) & (pl.col("origin") == "package"))
    return [Problem(what=f"is below the sourcing bar ({reason}) and does not say why.",
                    fix="cite a primary source or an originating outlet (see docs/sourcing.md), or explain what is "
                        "missing in confidence_note: the row then stays, marked low confidence", file=file, line=line,
                    column="source_ids", value="; ".join(ids))
            for reason, ids, file, line in below.select("bar_reason", "source_ids", "_file", "_line").iter_rows()]


def references(name: str, frame: pl.DataFrame, stored: list[FieldSpec]) -> list[Problem]:
    """Every reference (`table.column`) must resolve, within the overlaid tables."""
    problems: list[Problem] = []
    for spec in stored:
        if not spec.references:
            continue
        table, column = spec.references.split(".", 1)
        target = frame if table == name else assemble(table).frame
        valid = set(target[column].drop_nulls().to_list())
        values = frame.select(spec.name, "_file", "_line").iter_rows()
        for value, file, line in values:
            items = value if isinstance(value, list) else ([value] if value is not None else [])
            for item in items:
                if item not in valid:
                    near = difflib.get_close_matches(item, list(valid), n=1, cutoff=0.6)
                    hint = f" (did you mean {near[0]!r}?)" if near else ""
                    problems.append(Problem(
                        what=f"refers to {item!r}, which is not a {column} in {table}.",
                        fix=f"use an existing {column}{hint}, or add a row for it to {user_path(table)}",
                        file=file, line=line, column=spec.name, value=item))
    return problems


def derived_inputs(entry: reg.CuratedEntry) -> tuple[str, ...]:
    """The other tables `derive` reads for this one's derived columns: they are inputs of every output using it."""
    wanted = {f.name for f in entry.fields if f.derived}
    inputs = []
    if "host" in wanted or "confidence" in wanted:
        inputs.append("publishers")  # a source's tier, directly or through the sources table
    if "confidence" in wanted:
        inputs.append("sources")
    if "current_status" in wanted:
        inputs.append("funding_status_changes")
    return tuple(inputs)


def derive(entry: reg.CuratedEntry, frame: pl.DataFrame) -> pl.DataFrame:
    wanted = {f.name for f in entry.fields if f.derived}
    extra = []
    if "host" in wanted:
        extra += _source_hosts(frame)
    if "tier" in wanted and "host" not in wanted:  # publishers
        extra.append(pl.Series("tier", [sourcing.tier_of(k, bool(p))
                                        for k, p in frame.select("kind", "partisan").iter_rows()],
                               dtype=pl.Enum(sourcing.TIERS)))
    if "official_url" in wanted:
        extra.append(pl.Series("official_url", [sourcing.official_url(ids) for ids in frame["official_ids"].to_list()],
                               dtype=pl.String))
    if "confidence" in wanted:
        extra += _bar_columns(entry.name, frame)
    if "countable" in wanted:
        extra.append((pl.col("part_of").is_null() & pl.col("alternative_to").is_null()).alias("countable"))
    if "known_from" in wanted:
        extra.append(_known_from(entry, frame))
    frame = frame.with_columns(extra)
    if "current_status" in wanted:
        frame = money.with_status(frame, assemble("funding_status_changes").frame)
    order = [f.name for f in entry.fields] + ["_file", "_line"]
    return frame.select(order)


def _known_from(entry: reg.CuratedEntry, frame: pl.DataFrame) -> pl.Expr:
    """The first date a row was public: its disclosed date if given, else the end of its date's precision period."""
    column, disclosed, precision = entry.date_column, entry.disclosed_column, entry.precision_column
    dates = frame[column].to_list()
    precisions = frame[precision].to_list() if precision else ["day"] * len(dates)
    ends = pl.Series("_end", [end_of_period(d, p) if d is not None else None for d, p in zip(dates, precisions)],
                     dtype=pl.Date)
    return (pl.coalesce(pl.col(disclosed), ends) if disclosed else pl.lit(ends)).alias("known_from")


def _source_hosts(frame: pl.DataFrame) -> list[pl.Series]:
    """host, publisher, kind and tier of each source, from the publishers table (the host or its parent domain)."""
    publishers = assemble("publishers").frame
    by_host = {row["host"]: row for row in publishers.select("host", "publisher", "kind", "tier").iter_rows(named=True)}
    hosts = [sourcing.host_of(url) for url in frame["url"]]
    rows = [by_host.get(sourcing.match_host(host, by_host) or "", {}) for host in hosts]
    return [pl.Series("host", hosts, dtype=pl.String),
            pl.Series("publisher", [r.get("publisher") for r in rows], dtype=pl.String),
            pl.Series("kind", [r.get("kind") for r in rows], dtype=pl.Enum(sourcing.KINDS)),
            pl.Series("tier", [sourcing.source_tier(r.get("tier"), via) for r, via in zip(rows, frame["via"])],
                      dtype=pl.Enum(sourcing.TIERS))]


def _bar_columns(name: str, frame: pl.DataFrame) -> list[pl.Series]:
    """headline, strongest_source, meets_bar, bar_reason and confidence of every row (see sourcing.assess)."""
    sources = assemble("sources").frame
    by_id = {row["source_id"]: row
             for row in sources.select("source_id", "host", "publisher", "via", pl.col("tier").cast(pl.String))
             .iter_rows(named=True)}
    headline = sourcing.headline_mask(name, frame)
    results = [sourcing.assess([by_id[i] for i in ids or [] if i in by_id], headline=bool(is_headline), weak=bool(weak))
               for ids, weak, is_headline in zip(frame["source_ids"].to_list(), frame["weak_support"], headline)]
    return [headline.alias("headline"),
            pl.Series("strongest_source", [r.strongest for r in results], dtype=pl.Enum([*sourcing.TIERS, "none"])),
            pl.Series("meets_bar", [r.meets_bar for r in results], dtype=pl.Boolean),
            pl.Series("bar_reason", [r.reason for r in results], dtype=pl.String),
            pl.Series("confidence", [r.confidence for r in results], dtype=pl.Enum(CONFIDENCE))]


def parse_as_of(as_of: object) -> date:
    if isinstance(as_of, date):
        return as_of if type(as_of) is date else as_of.date()  # datetime -> date
    try:
        return date.fromisoformat(str(as_of))
    except ValueError as error:
        raise DatasetError("as_of is not a date.", fix="pass a date or 'YYYY-MM-DD', e.g. as_of='2019-07-22'",
                           column="as_of", value=as_of) from error


def as_of_filter(entry: reg.CuratedEntry, frame: pl.DataFrame, as_of: date) -> pl.DataFrame:
    """Rows that had happened AND were public by `as_of` (sources: published by then; entities: all)."""
    column = entry.date_column
    if column is None:
        return frame
    condition = pl.col(column).is_not_null() & (pl.col(column) <= as_of)
    if "known_from" in frame.columns:
        condition = condition & (pl.col("known_from") <= as_of)
    return frame.filter(condition)
