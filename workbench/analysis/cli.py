"""`workbench analyze PATH [--published DATE] [--format json|table]`: one article, read with hindsight.

The command runs the corpus path (`analyze_corpus` on a one-document frame: paragraphs cut for the whole text at
once, no per-paragraph Python) and writes the JSON with `report.write_json`, a slice of rows at a time. What it
prints is byte for byte what `json.dump(analyze(PATH).to_json(), indent=2, ensure_ascii=False)` printed before, in
a fraction of the time on long files (bench/bench_news.py measures both); tests/test_analyze_cli.py holds the two
equal.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

__all__ = ["add_parser", "render_table"]


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "analyze", help="themes, actors, amounts, dates and checked claims of one article",
        description="Analyse one UTF-8 article (a file path, or a doc_id in seeds/) and print the result. A file "
                    "holding several articles is read as one document; for a corpus use `workbench corpus analyze`.")
    parser.add_argument("path", metavar="PATH", help="an article file (.txt/.md) or a doc_id from seeds/catalog.csv")
    parser.add_argument("--published", metavar="YYYY-MM-DD",
                        help="publication date for relative dates (default: the catalog's, for files in seeds/)")
    parser.add_argument("--format", choices=("json", "table"), default="json", help="output format (default json)")
    parser.set_defaults(handler=_handle)


def _handle(args: argparse.Namespace) -> int:
    from workbench.analysis.report import write_json

    analysis = _article(Path(args.path) if Path(args.path).exists() else args.path, published=args.published)
    if args.format == "json":
        write_json(analysis, sys.stdout)
    else:
        sys.stdout.write(render_table(analysis.to_json()))
    return 0


def _article(doc_or_path: str | Path, *, published: str | None = None):
    """What `analyze(doc_or_path)` returns, less what the command does not print (paragraph offsets, the lineage
    tag, the documents' catalog columns), made by the corpus path: `analyze` builds the article's corpus frames
    (sentences, word counts) with a Python call per paragraph, a quarter of its time on an 11 MB file."""
    import polars as pl

    from workbench.analysis import _document, analyze_corpus

    entry, text = _document(doc_or_path, published)
    frame = pl.DataFrame({"doc_id": [entry.doc_id], "text": [text], "published": [entry.published]},
                         schema={"doc_id": pl.String, "text": pl.String, "published": pl.Date})
    analysis = analyze_corpus(frame, progress=False)
    documents = frame.select("doc_id", pl.lit(entry.file).alias("file"), "published")
    return replace(analysis, documents=documents, notes=() if entry.published is not None else (_NO_DATE,))


# the note `analyze` gives an article without a date
_NO_DATE = ("no publication date: relative dates stay unresolved and every record row counts as known at "
            "publication; pass --published YYYY-MM-DD.")


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
