"""Every saved output's citation in the two formats reference managers import: CSL-JSON (Zotero, Pandoc) and BibTeX.

Both come from the sidecar alone, so they say what the sidecar says: the title, the workbench version and commit,
the output's key and the sha256 of its main file, the record version it was computed from, and the publishers
of its sources. Nothing in them changes between two identical runs (no clock time).
"""

from __future__ import annotations

import json
import re

__all__ = ["AUTHOR", "PUBLISHER", "bibtex_entry", "citation_files", "citation_key", "csl_item"]

AUTHOR = "AI Record Workbench contributors"
PUBLISHER = "AI Record Workbench"
_BIBTEX_SPECIAL = re.compile(r"([\\{}%&#_$^~])")


def csl_item(sidecar: dict) -> dict:
    """The output as one CSL-JSON item (type dataset for tables, figure for figures, document otherwise)."""
    produced = sidecar["produced_by"]
    main_file = sidecar["files"][0]
    item = {
        "id": citation_key(sidecar),
        "type": {"table": "dataset", "figure": "figure"}.get(sidecar["kind"], "document"),
        "title": sidecar["title"],
        "author": [{"literal": AUTHOR}],
        "publisher": PUBLISHER,
        "version": produced["version"] + (f"+{produced['git_commit'][:12]}" if produced.get("git_commit") else ""),
        "medium": main_file["path"],
        "note": _note(sidecar),
    }
    issued = _record_date(sidecar)
    if issued:
        item["issued"] = {"date-parts": [[int(part) for part in issued.split("-")]]}
    if sidecar.get("description"):
        item["abstract"] = sidecar["description"]
    return item


def bibtex_entry(sidecar: dict) -> str:
    """The output as one BibTeX @misc entry (special characters escaped)."""
    produced = sidecar["produced_by"]
    fields = {
        "title": sidecar["title"],
        "author": "{" + AUTHOR + "}",
        "howpublished": f"{PUBLISHER} {produced['version']}, output {sidecar['manifest_id']}",
        "note": _note(sidecar),
    }
    issued = _record_date(sidecar)
    if issued:
        fields["year"] = issued[:4]
    body = ",\n".join(f"  {name} = {{{value if name == 'author' else _escape(value)}}}"
                      for name, value in fields.items())
    return f"@misc{{{citation_key(sidecar)},\n{body}\n}}\n"


def citation_files(sidecar: dict) -> dict[str, bytes]:
    """Suffix -> bytes of the citation files written next to the sidecar."""
    csl = json.dumps([csl_item(sidecar)], indent=2, ensure_ascii=False) + "\n"
    return {".cite.json": csl.encode("utf-8"), ".bib": bibtex_entry(sidecar).encode("utf-8")}


def citation_key(sidecar: dict) -> str:
    """workbench-02-funding-deal-ledger: stable, and unique per output."""
    return "workbench-" + re.sub(r"[^A-Za-z0-9]+", "-", sidecar["manifest_id"].split("/", 1)[-1]).strip("-").lower()


def _note(sidecar: dict) -> str:
    main_file = sidecar["files"][0]
    commit = sidecar["produced_by"].get("git_commit")
    parts = [f"{main_file['path']}, sha256 {main_file['sha256']}"]
    if commit:
        parts.append(f"commit {commit}")
    record = _record_version(sidecar)
    if record:
        parts.append(f"record version {record}")
    publishers = [source.get("publisher") or source.get("url") for source in sidecar.get("sources", [])
                  if isinstance(source, dict)]
    if publishers:
        parts.append("sources: " + "; ".join(dict.fromkeys(p for p in publishers if p)))
    return ". ".join(parts)


def _record_version(sidecar: dict) -> str | None:
    versions = [item.get("record_version") for item in sidecar.get("derived_from", []) if isinstance(item, dict)]
    return next((v for v in versions if v), None)


def _record_date(sidecar: dict) -> str | None:
    """The record version's date (2026.12.07.3 -> 2026-12-07): when the data behind the output was fixed."""
    version = _record_version(sidecar)
    return "-".join(version.split(".")[:3]) if version else None


def _escape(text: str) -> str:
    return _BIBTEX_SPECIAL.sub(r"\\\1", text)
