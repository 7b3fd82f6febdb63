"""`workbench analyze PATH [--published DATE] [--format json|table]`: one article, read with hindsight."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

__all__ = ["add_parser", "render_table"]


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "analyze", help="themes, actors, amounts, dates and checked claims of one article",
        description="Analyse one UTF-8 article (a file path, or a doc_id in seeds/) and print the result.")
    parser.add_argument("path", metavar="PATH", help="an article file (.txt/.md) or a doc_id from seeds/catalog.csv")
    parser.add_argument("--published", metavar="YYYY-MM-DD",
                        help="publication date for relative dates (default: the catalog's, for files in seeds/)")
    parser.add_argument("--format", choices=("json", "table"), default="json", help="output format (default json)")
    parser.set_defaults(handler=_handle)


def _handle(args: argparse.Namespace) -> int:
    from workbench.analysis import analyze

    analysis = analyze(Path(args.path) if Path(args.path).exists() else args.path, published=args.published)
    document = analysis.to_json()
    if args.format == "json":
        json.dump(document, sys.stdout, indent=2, ensure_ascii=False, default=str)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(render_table(document))
    return 0


def render_table(document: dict) -> str:
    """A plain-text reading of the JSON: paragraphs with themes, then mentions, then claims and verdicts."""
    lines = [f"{document['document']['doc_id']} (published {document['document']['published'] or 'unknown'}, "
             f"{document['document']['paragraph_count']} paragraphs)", ""]
    lines += [f"¶{p['paragraph']:>3}  {', '.join(p['themes']) or '-':<28} {p['text'][:70]}"
              for p in document["paragraphs"]]
    for title, key, columns in (("Actors", "entities", ("paragraph", "text", "canonical", "label")),
                                ("Amounts", "amounts", ("paragraph", "text", "value", "currency", "qualifier")),
                                ("Dates", "dates", ("paragraph", "text", "value", "precision", "relative"))):
        lines += ["", f"{title}:"]
        lines += ["  " + "  ".join(str(row[c]) for c in columns) for row in document[key]] or ["  none"]
    lines += ["", "Claims:"]
    for claim in document["claims"]:
        lines.append(f"  ¶{claim['paragraph']} [{claim['kind']}] {claim['text'][:90]}")
        for match in claim["matches"] or []:
            lines.append(f"      {match['verdict']:<13} (at publication: {match['verdict_at_publication']}) "
                         f"{match['dataset'] or '-'} {match['row_id'] or ''}: {match['note']}")
    lines += [f"note: {note}" for note in document.get("notes", [])]
    return "\n".join(lines) + "\n"
