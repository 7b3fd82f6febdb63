"""`workbench datasets list | info NAME | validate PATH | fetch NAME | audit | export DIR | diff OLD NEW`: the
datasets from a terminal."""

from __future__ import annotations

import argparse
import sys

__all__ = ["add_parser", "run_audit", "run_diff", "run_export", "run_fetch", "run_info", "run_list", "run_validate"]


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("datasets", help="list, describe, validate and fetch datasets",
                                   description="Curated tables shipped with the package and live public datasets.")
    actions = parser.add_subparsers(dest="datasets_command", required=True)
    listing = actions.add_parser("list", help="every dataset with rows, licence and source count")
    listing.set_defaults(handler=run_list)
    info = actions.add_parser("info", help="the provenance card of one dataset")
    info.add_argument("name")
    info.set_defaults(handler=run_info)
    validate = actions.add_parser("validate", help="check a CSV against a curated dataset's schema "
                                                   "(e.g. before adding it to data/user/)")
    validate.add_argument("path")
    validate.add_argument("--dataset", help="dataset name (default: the file name without .csv)")
    validate.set_defaults(handler=run_validate)
    fetch = actions.add_parser("fetch", help="download a live public dataset into the cache")
    fetch.add_argument("name")
    fetch.add_argument("--offline", action="store_true", help="never touch the network; use the cache only")
    fetch.add_argument("--refresh", action="store_true", help="download again even if the cache is valid")
    # the command that offline errors quote carries --url when the cache was filled from another address
    fetch.add_argument("--url", help="fetch from this address instead of the registry's (a mirror; a folder URL "
                                     "for datasets of several files); pinned files must still match their sha256")
    fetch.set_defaults(handler=run_fetch)
    audit = actions.add_parser("audit", help="how well the record is sourced, against the bar (docs/sourcing.md)")
    audit.add_argument("--format", choices=("table", "json"), default="table")
    audit.set_defaults(handler=run_audit)
    export = actions.add_parser("export", help="write a snapshot of the record (every curated table) into a folder")
    export.add_argument("folder")
    export.set_defaults(handler=run_export)
    diff = actions.add_parser("diff", help="rows and cells that changed between two versions of the record",
                              description="OLD and NEW are each a folder written by `datasets export`, a git "
                                          "revision of this repository as git:REV (e.g. git:HEAD~1), or 'current'.")
    diff.add_argument("old")
    diff.add_argument("new", nargs="?", default="current")
    diff.add_argument("--format", choices=("text", "json"), default="text")
    diff.add_argument("--limit", type=int, default=40, help="changed cells listed in the text format")
    diff.set_defaults(handler=run_diff)
    parser.set_defaults(handler=lambda args: (parser.print_help(), 2)[1])


def run_list(args: argparse.Namespace) -> int:
    from workbench.datasets import cards

    table = cards.summary()
    headers = ["name", "kind", "rows", "user", "licence", "sources", "title"]
    rows = [[r["name"], r["kind"], "not fetched" if r["rows"] is None else str(r["rows"]), str(r["user_rows"]),
             r["licence"], str(r["sources"]), r["title"]] for r in table.iter_rows(named=True)]
    widths = [max(len(h), *(len(row[i]) for row in rows)) if rows else len(h) for i, h in enumerate(headers)]
    widths[-1] = len(headers[-1])
    out = sys.stdout
    out.write("  ".join(h.ljust(w) for h, w in zip(headers, widths)).rstrip() + "\n")
    for row in rows:
        out.write("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() + "\n")
    return 0


def run_info(args: argparse.Namespace) -> int:
    from workbench.datasets import cards

    sys.stdout.write(str(cards.card(args.name)) + "\n")
    return 0


def run_validate(args: argparse.Namespace) -> int:
    from pathlib import Path

    from workbench.datasets import validation as validate

    path = Path(args.path)
    frame = validate.validate_file(path, args.dataset)
    name = validate.dataset_for(path, args.dataset)
    sys.stdout.write(f"ok: {path} has {frame.height} valid row(s) for {name!r}; to overlay them, save it as "
                     f"{__import__('workbench.datasets.curated', fromlist=['user_path']).user_path(name)}\n")
    return 0


def run_fetch(args: argparse.Namespace) -> int:
    from workbench.datasets import registry as reg

    if args.name not in reg.live_names():
        if args.name in reg.curated_names():
            sys.stdout.write(f"{args.name} is shipped with the package; nothing to fetch "
                             "(load it with workbench.datasets.load).\n")
            return 0
        raise reg.unknown_name_error(args.name)
    from workbench.datasets import live

    frame = live.fetch(args.name, offline=args.offline, refresh=args.refresh, url=args.url)
    where = live.cached_path(args.name, url=args.url)
    sys.stdout.write(f"ok: {args.name}: {frame.height} rows, {frame.width} columns (cached at {where})\n")
    return 0


def run_audit(args: argparse.Namespace) -> int:
    from workbench.datasets import audit

    report = audit.audit()
    sys.stdout.write((audit.format_json(report) if args.format == "json" else audit.format_text(report)) + "\n")
    return 0


def run_export(args: argparse.Namespace) -> int:
    from workbench.datasets import versions

    folder = versions.export(args.folder)
    print(f"wrote the record, version {versions.record_version()}, to {folder}")
    return 0


def run_diff(args: argparse.Namespace) -> int:
    import json

    from workbench.datasets import versions

    result = versions.diff(args.old, args.new)
    sys.stdout.write((json.dumps(result.to_json(), indent=1, default=str) if args.format == "json"
                      else result.to_text(args.limit)) + "\n")
    return 0
