"""`python -m workbench COMMAND`: one entry point for running notebooks, analysing articles and datasets.

Each command lives in its own module and contributes a sub-parser through `add_parser(subparsers)`; the
module's handler returns an exit code. Errors the workbench raises on purpose are shown as one clear message
(exit 2 for bad input), never as a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from workbench.errors import UsageError, WorkbenchError

__all__ = ["COMMAND_MODULES", "build_parser", "main"]

# modules that each add one sub-command; later issues append here
COMMAND_MODULES = ["workbench.runner", "workbench.datasets.cli", "workbench.analysis.cli", "workbench.batch.cli",
                   "workbench.app"]


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage errors the way every other workbench error is reported.

    It raises UsageError instead of exiting, so `main()` shows it like any other error and returns 2, also
    when called from Python (a notebook cell), where argparse's SystemExit would end the call abruptly.
    """

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        raise UsageError(f"{message}.", fix=f"see `{self.prog} --help`.")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="workbench", description=__doc__.splitlines()[0])
    subparsers = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).add_parser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        return int(args.handler(args) or 0)
    except WorkbenchError as error:
        sys.stderr.write(f"error: {error}\n")
        return getattr(error, "exit_code", 2)
    except KeyboardInterrupt:
        sys.stderr.write("interrupted: outputs written before this point are intact.\n")
        return 130
