"""Pieces every notebook view shares: organisation names and text safe for Markdown."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from typing import Any

from workbench import datasets
from workbench.errors import UsageError

__all__ = ["canonical_org", "md"]


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


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|$~])")


def md(value: Any) -> str:
    """Text from an article or a dataset made inert inside Markdown: HTML escaped, Markdown and $-math escaped."""
    import html

    text = html.escape("" if value is None else str(value), quote=False)  # no &#x27; for # to break
    return _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(text.split()))
