"""Pieces every notebook view shares: organisation names, what a saved output cites, text safe for Markdown."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from typing import Any

import polars as pl

from workbench import datasets
from workbench.datasets import live
from workbench.errors import UsageError

__all__ = ["canonical_org", "citation", "md"]


def canonical_org(name: str, among: Iterable[str], *, parameter: str = "focus") -> str:
    """The canonical name for `name` (a canonical name or an alias, any case) if it is one of `among`.

    Raises UsageError naming the nearest valid names and the fix otherwise.
    """
    valid = sorted(set(among))
    entities = datasets.load("entities").select("name", "aliases").explode("aliases")
    spellings = {n.casefold(): n for n in valid}
    for row in entities.iter_rows(named=True):
        if row["name"] in valid and row["aliases"]:
            spellings.setdefault(row["aliases"].casefold(), row["name"])
    found = spellings.get(str(name).strip().casefold())
    if found is not None:
        return found
    near = difflib.get_close_matches(str(name), valid, n=3, cutoff=0.4) or valid[:3]
    raise UsageError(f"{parameter}={name!r} is not an organisation in this part of the record.",
                     fix=f"use a canonical name such as {', '.join(map(repr, near))} "
                         f"(e.g. --param {parameter}={near[0]}); all {len(valid)} valid names: {', '.join(valid)}.",
                     column=parameter, value=name)


def citation(frame: pl.DataFrame, names: Iterable[str]) -> dict[str, list]:
    """The `sources`, `licences` and `derived_from` of a saved output (merge into its meta).

    Curated rows cite their `source_ids` (looked up in the sources table); live datasets cite their
    provenance (licence, citation, the cached files' hashes).
    """
    from workbench.datasets import citing as record

    names = list(dict.fromkeys(names))
    curated = [n for n in names if n in datasets.list_datasets("curated")]
    remote = [live.provenance(n) for n in names if n in live.live_datasets()]
    return {"sources": record.sources_of(frame) + [{k: p[k] for k in ("name", "title", "citation", "url") if k in p}
                                                   for p in remote],
            "licences": sorted(set(record.licences(curated) if curated else []) | {p["licence"] for p in remote}),
            "derived_from": record.derived_from(curated) + [
                {"dataset": p["name"], "url": f["url"], "sha256": f["sha256"]} for p in remote for f in p["files"]]}


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|$~])")


def md(value: Any) -> str:
    """Text from an article or a dataset made inert inside Markdown: HTML escaped, Markdown and $-math escaped."""
    import html

    text = html.escape("" if value is None else str(value), quote=False)  # no &#x27; for # to break
    return _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(text.split()))
