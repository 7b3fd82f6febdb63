"""`python -m workbench COMMAND`: one entry point for running notebooks, analysing articles and datasets.

Each command lives in its own module and contributes a sub-parser through `add_parser(subparsers)`; the
module's handler returns an exit code. A command line naming a command imports that command's module only
(`analyze` and `datasets` import polars and the analysis; `workbench run` starts its kernels' zygote sooner without
them); help, or a command not known, builds every sub-parser. Errors the workbench raises on purpose are shown as
one clear message (exit 2 for bad input), never as a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from workbench.errors import UsageError, WorkbenchError

__all__ = ["COMMAND_MODULES", "build_parser", "main"]

#: each sub-command and the module that adds it (a test holds that each module adds exactly its command)
COMMAND_MODULES = {"run": "workbench.runner", "datasets": "workbench.datasets.cli", "analyze": "workbench.analysis.cli",
                   "corpus": "workbench.batch.cli", "app": "workbench.app"}


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage errors the way every other workbench error is reported.

    It raises UsageError instead of exiting, so `main()` shows it like any other error and returns 2, also
    when called from Python (a notebook cell), where argparse's SystemExit would end the call abruptly.
    """

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        raise UsageError(f"{message}.", fix=f"see `{self.prog} --help`.")


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser of every command, or only of `command` when it is one (its module alone is imported)."""
    parser = _Parser(prog="workbench", description=__doc__.splitlines()[0])
    subparsers = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    chosen = [COMMAND_MODULES[command]] if command in COMMAND_MODULES else COMMAND_MODULES.values()
    for module_name in chosen:
        importlib.import_module(module_name).add_parser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(arguments[0] if arguments else None)
    try:
        args = parser.parse_args(arguments)
        return int(args.handler(args) or 0)
    except WorkbenchError as error:
        sys.stderr.write(f"error: {error}\n")
        return getattr(error, "exit_code", 2)
    except KeyboardInterrupt:
        sys.stderr.write("interrupted: outputs written before this point are intact.\n")
        return 130
