"""`workbench corpus analyze SOURCE --out DIR`: the command line of a corpus run (see `workbench.batch`)."""

from __future__ import annotations

import argparse
import sys

from workbench.batch.engines import ENGINES
from workbench.batch.sources import MAX_DOCUMENT_MB, PARTITION_MB

__all__ = ["add_parser"]


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    corpus = subparsers.add_parser("corpus", help="analyse a whole corpus into partitioned Parquet",
                                   description=__doc__.splitlines()[0])
    actions = corpus.add_subparsers(dest="corpus_command", required=True, parser_class=type(corpus))
    analyze = actions.add_parser(
        "analyze", help="analyse a folder of articles or a Parquet/JSONL table",
        description="Themes, entities, amounts, dates and claims of every document, written as partitioned "
                    "Parquet under --out with a manifest. A re-run skips the partitions already done; documents "
                    "that cannot be read are listed in frames/errors/ with the reason.")
    analyze.add_argument("source", help="a folder of .txt/.md articles (with or without catalog.csv), or a "
                                        ".parquet/.jsonl table with doc_id and text (optionally published, title, "
                                        "publisher, url)")
    analyze.add_argument("--out", required=True, help="the output folder (on Dask: a path every worker can reach)")
    analyze.add_argument("--engine", choices=ENGINES, default="local",
                         help="local: this process; dask: Dask workers (a LocalCluster unless --scheduler)")
    analyze.add_argument("--scheduler", help="address of a running Dask scheduler, e.g. tcp://10.0.0.5:8786")
    analyze.add_argument("--workers", type=int, default=2, help="workers of the LocalCluster (default 2)")
    analyze.add_argument("--partition-mb", type=float, default=PARTITION_MB,
                         help=f"text per partition in MB (default {PARTITION_MB:g})")
    analyze.add_argument("--max-document-mb", type=float, default=MAX_DOCUMENT_MB,
                         help=f"a longer document is reported, not analysed (default {MAX_DOCUMENT_MB:g})")
    analyze.add_argument("--no-progress", action="store_true", help="no progress bar")
    analyze.set_defaults(handler=_analyze)


def _analyze(args: argparse.Namespace) -> int:
    from workbench.batch.engines import analyze_source

    manifest = analyze_source(args.source, args.out, engine=args.engine, scheduler=args.scheduler,
                              workers=args.workers, partition_mb=args.partition_mb,
                              max_document_mb=args.max_document_mb, progress=not args.no_progress)
    sys.stdout.write(f"{manifest['documents']} documents analysed in {len(manifest['partitions'])} partitions, "
                     f"{manifest['errors']} left out (frames/errors/); manifest: {args.out}/manifest.json\n")
    return 0
