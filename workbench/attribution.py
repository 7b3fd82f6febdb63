"""What a saved output cites, what it was computed from and under which licence, worked out from its lineage.

`save()` calls `attribute(obj)`: the sources (the articles read, the record rows' sources, the live datasets'
citations), the input files with their hashes, each input's licence and the licence of the output as a whole. An
output is a combination of its inputs, so its licence is too: one share-alike input makes the output share-alike,
one non-commercial input makes it non-commercial, and terms that are not Creative Commons (a publisher's copyright,
a data provider's terms of use) stay attached as their own part of the expression.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import polars as pl

from workbench.lineage import Lineage, bookkeeping, lineage_of, session

__all__ = ["ARTICLE_LICENCE", "attribute", "combined_licence"]

#: What a news article's text comes under: its publisher's copyright, not an open licence.
ARTICLE_LICENCE = "LicenseRef-publisher-copyright"
_CREATIVE_COMMONS = re.compile(r"^CC-BY(?P<nc>-NC)?(?P<sa>-SA)?-(?P<version>\d\.\d)$")


def attribute(obj: Any, *, licences: Iterable[str] = ()) -> dict[str, Any]:
    """`sources`, `licences` (each input's), `licence` (the output's, with why) and `derived_from` of `obj`;
    `licences` adds those of inputs named by hand.

    An object without a lineage (built outside the views) is attributed to everything loaded in the session
    and to the rows its own `source_ids` column cites; its `notes` say so.
    """
    lineage = lineage_of(obj)
    notes = ""
    if lineage is None or not (lineage.datasets or lineage.live or lineage.articles):
        own = (obj["source_ids"],) if isinstance(obj, pl.DataFrame) and "source_ids" in obj.columns else ()
        lineage = session() | Lineage(cited=own)
        notes = ("Its inputs were not traced (it was built outside the workbench's views), so every dataset loaded "
                 "in the session is named as an input.")
    with bookkeeping():
        inputs = _input_licences(lineage) | {f"an input named by hand ({licence})": licence for licence in licences}
        return {
            "sources": _sources(lineage),
            "licences": sorted(set(inputs.values())),
            "licence": combined_licence(inputs),
            "derived_from": _derived_from(lineage),
            "notes": notes,
        }


def combined_licence(inputs: dict[str, str]) -> dict[str, Any]:
    """The licence of an output combining `inputs` (input name -> SPDX id or LicenseRef): an SPDX expression, a
    statement of why, and the inputs it was worked out from."""
    creative = {name: _CREATIVE_COMMONS.match(licence) for name, licence in inputs.items()}
    open_inputs = {name: match for name, match in creative.items() if match}
    other = sorted({_as_reference(licence) for name, licence in inputs.items() if not creative[name]})
    parts, why = [], []
    if open_inputs:
        share_alike = sorted(name for name, match in open_inputs.items() if match["sa"])
        non_commercial = sorted(name for name, match in open_inputs.items() if match["nc"])
        version = max(match["version"] for match in open_inputs.values())
        base = f"CC-BY{'-NC' if non_commercial else ''}{'-SA' if share_alike else ''}-{version}"
        parts.append(base)
        if share_alike:
            why.append(f"{base} because {', '.join(share_alike)} {'is' if len(share_alike) == 1 else 'are'} "
                       "share-alike: adaptations must be shared under the same licence")
        elif non_commercial:
            why.append(f"{base} because {', '.join(non_commercial)} may not be used commercially")
        else:
            why.append(f"{base}: every openly licensed input is CC BY; credit the workbench and the sources listed")
    parts += other
    if ARTICLE_LICENCE in other:
        articles = sorted(name for name, licence in inputs.items() if licence == ARTICLE_LICENCE)
        why.append(f"the text of {', '.join(articles)} is its publisher's copyright, not openly licensed: quote it "
                   "only as far as fair use or fair dealing allows")
    for reference in (r for r in other if r != ARTICLE_LICENCE):
        names = sorted(name for name, licence in inputs.items() if _as_reference(licence) == reference)
        why.append(f"{', '.join(names)} come{'s' if len(names) == 1 else ''} under its provider's terms "
                   f"({reference.removeprefix('LicenseRef-')}): check them before republishing rows")
    return {"expression": " AND ".join(parts) or None,
            "statement": ("; ".join(why) + ".") if why else "No inputs were recorded.",
            "inputs": [{"input": name, "licence": licence} for name, licence in sorted(inputs.items())]}


def _as_reference(licence: str) -> str:
    """A licence id that is not SPDX as an SPDX LicenseRef (letters, digits, '.', '-' only)."""
    if licence.startswith("LicenseRef-"):
        return licence
    return "LicenseRef-" + re.sub(r"[^A-Za-z0-9.-]+", "-", licence).strip("-")


def _input_licences(lineage: Lineage) -> dict[str, str]:
    from workbench.datasets import registry

    found = {f"“{article.title or article.doc_id}”": ARTICLE_LICENCE for article in lineage.articles}
    found |= {name: registry.curated(name).licence for name in lineage.datasets}
    found |= {name: registry.live(name).licence for name in lineage.live}
    return found


def _sources(lineage: Lineage) -> list[dict]:
    from workbench.datasets import citing, live

    articles = [{"url": a.url, "publisher": a.publisher, "author": a.author, "title": a.title, "date": a.published}
                for a in sorted(lineage.articles, key=lambda a: a.doc_id)]
    remote = [{k: p[k] for k in ("name", "title", "citation", "url") if k in p}
              for p in (live.provenance(name) for name in sorted(lineage.live))]
    return articles + citing.sources_by_id(lineage.source_ids()) + remote


def _derived_from(lineage: Lineage) -> list[Any]:
    """Article files (as paths, hashed by `save`), then the curated tables, then the live datasets' files."""
    from workbench.datasets import citing, live

    files = [Path(article.file) for article in sorted(lineage.articles, key=lambda a: a.doc_id) if article.file]
    remote = [{"dataset": p["name"], "url": f["url"], "sha256": f["sha256"]}
              for p in (live.provenance(name) for name in sorted(lineage.live)) for f in p["files"]]
    return [*files, *citing.derived_from(sorted(lineage.datasets)), *remote]

