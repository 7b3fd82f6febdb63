"""`workbench run`: execute the curated notebooks headless, the way `make run` does.

Papermill injects parameters after each notebook's `parameters` cell and records the executed copy; this
module adds what a researcher needs around it: names checked against the notebooks that exist, parameters
checked against the ones each notebook declares (name and type), a progress line per notebook, the first
failing cell's source and error, and a list of the outputs each notebook wrote.

Notebooks run side by side, one per processor (`--jobs`), each on a kernel of its own, and are reported in order;
after a failing notebook no other one starts. A run holds a lock on data/ and stops cleanly on SIGTERM or Ctrl-C;
`workbench.run_control` does these.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import difflib
import functools
import json
import os
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workbench import paths
from workbench.errors import NotebookError, UsageError
from workbench.provenance import NOTEBOOK_VARIABLE, PARAMETERS_VARIABLE
from workbench.run_control import (
    FollowUp,
    RunKernels,
    RunStopped,
    StopRequested,
    default_jobs,
    run_lock,
    run_tasks,
    stop_on_signals,
)
from workbench.run_control.kernels import uses_workbench
from workbench.vega_bundle import keep_jupyter_chart_bundle

__all__ = [
    "EXIT_NOTEBOOK_FAILED", "NotebookFailed", "NotebookResult", "add_parser", "as_written", "available_notebooks",
    "check_parameters", "declared_parameters", "output_set", "parse_parameters", "reproducible", "resolve_notebooks",
    "run_notebook", "run_notebooks",
]

EXIT_NOTEBOOK_FAILED = 1
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
# what papermill infers from a parameters cell -> the Python types a value may take
_TYPES = {"int": (int,), "float": (int, float), "bool": (bool,), "str": (str,), "list": (list,),
          "dict": (dict,)}


@dataclass(frozen=True)
class NotebookResult:
    name: str
    executed: Path
    seconds: float
    outputs: tuple[str, ...]
    report: Path


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "run", help="execute curated notebooks headless and write their outputs under data/",
        description="Execute notebooks (all curated ones when none is named) and write outputs under data/.")
    parser.add_argument("notebooks", nargs="*", metavar="NOTEBOOK",
                        help="notebook names such as 00-start-here (default: every notebook in notebooks/)")
    parser.add_argument("--param", "-p", action="append", default=[], metavar="NAME=VALUE",
                        help="set a parameter of the notebooks' parameters cell; VALUE is JSON or plain text")
    parser.add_argument("--data-dir", type=Path, help="write outputs here instead of data/")
    parser.add_argument("--jobs", "-j", type=_positive, metavar="N",
                        help="notebooks to run at once (default: one per processor)")
    parser.set_defaults(handler=_handle)


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of notebooks, 1 or more, not {text!r}")
    return value


def _handle(args: argparse.Namespace) -> int:
    if args.data_dir is not None:
        os.environ["WORKBENCH_DATA_DIR"] = str(args.data_dir.resolve())
    notebooks = resolve_notebooks(args.notebooks)
    parameters = parse_parameters(args.param)
    results = run_notebooks(notebooks, parameters, jobs=args.jobs)
    print(f"\nWrote under {paths.data_dir()}:")
    for result in results:
        print(f"  {result.name}: report {_shown(result.report)}, executed copy {_shown(result.executed)}")
        for key in result.outputs:
            print(f"    {key}")
    print(f"  index of everything: {_shown(paths.data_dir() / 'index.html')}")
    return 0


def _shown(path: Path) -> str:
    try:
        return path.relative_to(paths.data_dir()).as_posix()
    except ValueError:
        return str(path)


def available_notebooks() -> list[Path]:
    """The curated notebooks: notebooks/NN-*.ipynb in order."""
    folder = paths.notebooks_dir()
    return sorted(folder.glob("[0-9][0-9]-*.ipynb")) if folder.is_dir() else []


def resolve_notebooks(names: Sequence[str]) -> list[Path]:
    """Turn names ('00-start-here', '00-start-here.ipynb' or a path) into notebook files."""
    known = available_notebooks()
    if not names:
        if not known:
            raise NotebookError("there are no notebooks to run.", fix="add NN-topic.ipynb files to notebooks/.",
                                file=paths.notebooks_dir())
        return known
    by_stem = {path.stem: path for path in known}
    resolved = []
    for name in names:
        stem = Path(name).name.removesuffix(".ipynb")
        if stem in by_stem:
            resolved.append(by_stem[stem])
        elif Path(name).suffix == ".ipynb" and Path(name).is_file():
            resolved.append(Path(name).resolve())
        else:
            close = difflib.get_close_matches(stem, by_stem, n=3, cutoff=0.3) or list(by_stem)
            raise NotebookError(f"there is no notebook called {name!r}.",
                                fix=f"use one of: {', '.join(close)}.", value=name)
    return resolved


def parse_parameters(items: Sequence[str]) -> dict[str, Any]:
    """`NAME=VALUE` pairs; VALUE is read as JSON (numbers, true/false, lists) or else kept as text."""
    parameters = {}
    for item in items:
        name, separator, text = item.partition("=")
        if not separator or not name.strip().isidentifier():
            raise UsageError("a parameter must be written NAME=VALUE with a Python name.",
                             fix="for example --param focus=Anthropic or --param year=2023.", value=item)
        try:
            value = json.loads(text)
        except json.JSONDecodeError:
            value = text
        parameters[name.strip()] = value
    return parameters


def declared_parameters(notebook: Path) -> dict[str, str]:
    """Names and inferred types of the variables in the notebook's `parameters` cell."""
    import papermill
    from nbformat import ValidationError

    try:
        declared = papermill.inspect_notebook(str(notebook))
    # ValueError: not JSON, or papermill cannot tell the language; the others: JSON that is not a notebook
    # (a list, `"cells": 5`, missing keys), which nbformat and papermill trip over in many ways
    except (ValueError, TypeError, AttributeError, KeyError, ValidationError) as error:
        raise NotebookError(f"the notebook cannot be inspected ({error}).",
                            fix="open and save it in JupyterLab with a Python kernel, so that its metadata "
                            "names the language.", file=notebook) from None
    return {name: _declared_type(spec) for name, spec in declared.items()}


def _declared_type(spec: dict) -> str:
    """The annotated type, else the type of the default value (read as a literal, never evaluated)."""
    if spec["inferred_type_name"] not in ("None", ""):
        return spec["inferred_type_name"]
    try:
        return type(ast.literal_eval(spec["default"])).__name__
    except (ValueError, SyntaxError):
        return "unknown"


def check_parameters(notebooks: Sequence[Path], parameters: dict[str, Any]) -> dict[Path, dict[str, Any]]:
    """Give each notebook the parameters it declares; refuse names no notebook declares and wrong types."""
    per_notebook: dict[Path, dict[str, Any]] = {}
    used: set[str] = set()
    for notebook in notebooks:
        declared = declared_parameters(notebook)
        chosen = {}
        for name, value in parameters.items():
            if name not in declared:
                continue
            expected = _TYPES.get(declared[name])
            if expected and (not isinstance(value, expected) or (isinstance(value, bool)
                                                                 and bool not in expected)):
                raise UsageError(
                    f"parameter {name} of {notebook.stem} expects {declared[name]}, got {type(value).__name__}.",
                    fix=f"pass a value of type {declared[name]}, e.g. --param {name}=... as JSON.",
                    column=name, value=value)
            chosen[name] = value
            used.add(name)
        per_notebook[notebook] = chosen
    unknown = sorted(set(parameters) - used)
    if unknown:
        known = sorted({n for nb in notebooks for n in declared_parameters(nb)})
        raise UsageError(f"no notebook in this run declares parameter(s) {', '.join(unknown)}.",
                         fix=f"use one of: {', '.join(known) or '(these notebooks take no parameters)'}.",
                         value=unknown[0])
    return per_notebook


def run_notebooks(notebooks: Sequence[Path], parameters: dict[str, Any] | None = None, *,
                  jobs: int | None = None) -> list[NotebookResult]:
    """Execute notebooks, `jobs` at once (default: one per processor), each on a kernel of its own; report each in
    order, and after the first failing cell (shown with its source and error) start no other notebook.

    A notebook run with parameters writes to its own output set, data/sets/<notebook>--<parameters>/, so it
    never overwrites the default run; data/index.html links the sets.
    """
    def drawing_likely() -> bool:
        from workbench.outputs.figure_cache import drawings_kept  # imports polars: after the zygote has started

        return not drawings_kept()

    # the kernels' zygote imports while the checks below run
    with RunKernels(notebooks, drawing_likely=drawing_likely) as kernels:
        per_notebook = check_parameters(notebooks, parameters or {})
        data_dir = paths.data_dir()
        targets = {notebook: output_set(notebook, chosen) if chosen else data_dir
                   for notebook, chosen in per_notebook.items()}
        total = len(notebooks)

        def progress(index: int, result: NotebookResult | None, error: BaseException | None) -> None:
            outcome = (f"ok in {result.seconds:.1f} s, {len(result.outputs)} output(s)" if result is not None
                       else "failed")
            print(f"[{index + 1}/{total}] {notebooks[index].stem} ... {outcome}", flush=True)

        from workbench.outputs import refuse_symlinks  # imports polars: after the zygote has started

        with run_lock(data_dir), stop_on_signals():
            try:
                for notebook in notebooks:
                    refuse_symlinks(data_dir, targets[notebook])
                tasks = [functools.partial(_executed, notebook, per_notebook[notebook], kernels, targets[notebook])
                         for notebook in notebooks]
                results = run_tasks(tasks, jobs=default_jobs() if jobs is None else jobs, kernels=kernels,
                                    report=progress)
                from workbench.reports import write_index  # imports polars: after the zygote has started

                write_index(data_dir)
                if uses_workbench(notebooks):  # the explorers of the next run read their chart bundle (once a version)
                    keep_jupyter_chart_bundle()
            except StopRequested as stop:
                for index in stop.running:
                    print(f"[{index + 1}/{total}] {notebooks[index].stem} ... stopped", flush=True)
                where = ", ".join(notebooks[index].stem for index in stop.running) or "the index of outputs"
                raise RunStopped(stop.signum, where) from None
    return results


def output_set(notebook: Path, parameters: dict[str, Any]) -> Path:
    """data/sets/02-funding--focus-Anthropic: where a run with non-default parameters writes."""
    label = "--".join(f"{name}-{value}" for name, value in sorted(parameters.items()))
    return paths.data_dir() / "sets" / re.sub(r"[^A-Za-z0-9._-]+", "-", f"{notebook.stem}--{label}")[:120]


def run_notebook(notebook: Path, parameters: dict[str, Any], *, kernels: RunKernels | None = None,
                 data_dir: Path | None = None) -> NotebookResult:
    """Execute one notebook on a kernel of its own; keep its executed copy and an HTML report under `data_dir`
    (data/, or the notebook's output set, whose index it then updates)."""
    return _executed(notebook, parameters, kernels, data_dir).finish()


def _executed(notebook: Path, parameters: dict[str, Any], kernels: RunKernels | None,
              data_dir: Path | None) -> FollowUp[NotebookResult]:
    """Execute the notebook; what is left (its executed copy and HTML report) is the follow-up, which `workbench
    run` writes while the next notebook's kernel starts."""
    from papermill.exceptions import PapermillExecutionError

    from workbench.atomic_write import write_files_atomically
    from workbench.notebook_setup import RENDERER_VARIABLE
    from workbench.outputs import read_manifest, refuse_symlinks

    root = paths.data_dir()
    data_dir = root if data_dir is None else data_dir
    executed = data_dir / "notebooks" / notebook.name
    report_path = data_dir / "reports" / f"{notebook.stem}.html"
    for target in (executed, report_path):  # a link planted as data/reports must not carry the report elsewhere
        refuse_symlinks(root, target)
    started = time.perf_counter()
    environment = {NOTEBOOK_VARIABLE: notebook.stem, PARAMETERS_VARIABLE: json.dumps(parameters),
                   RENDERER_VARIABLE: "svg"}
    if data_dir != root:  # an output set: the kernel saves there
        environment["WORKBENCH_DATA_DIR"] = str(data_dir)
    with RunKernels([notebook]) if kernels is None else contextlib.nullcontext(kernels) as running:
        try:
            result = running.execute(notebook, parameters, environment)
        except PapermillExecutionError as error:
            raise NotebookFailed(notebook, error) from None
    outputs = tuple(key for key, entry in read_manifest(data_dir)["outputs"].items()
                    if entry.get("produced_by", {}).get("notebook") == notebook.stem)

    def reported() -> NotebookResult:
        from workbench.reports import write_index, write_report

        write_files_atomically({executed: reproducible(as_written(result)).encode("utf-8")})
        report = write_report(executed, report_path)
        if data_dir != root:
            write_index(data_dir)
        return NotebookResult(notebook.stem, executed, time.perf_counter() - started, outputs, report)

    return FollowUp(reported)


_CLOCK_KEYS = ("start_time", "end_time", "duration")


def as_written(notebook: Any) -> dict:
    """The executed notebook as nbformat writes it to a file (multi-line text as lists of lines, transient fields
    dropped), changed in place: the runner writes it once, through `reproducible`, without a serialise-and-parse
    round trip or a second validation (papermill validated it)."""
    from nbformat.v4.rwbase import split_lines, strip_transient

    return strip_transient(split_lines(notebook))


def reproducible(notebook: dict) -> str:
    """An executed notebook (as `as_written` gives it) as JSON without what changes between identical runs:
    papermill's clock times, the cells' execution timestamps, memory addresses in object reprs, and widget model ids
    (random per run), renumbered in the order the cells show them and then as they refer to each other. Two runs of
    the same inputs then write the same notebook, and reports built from it are the same too."""
    for cell in notebook.get("cells", []):
        if "outputs" in cell:
            cell["outputs"] = _coalesced(cell["outputs"])
    for holder in [notebook.get("metadata", {}), *(cell.get("metadata", {}) for cell in notebook.get("cells", []))]:
        holder.pop("execution", None)
        timing = holder.get("papermill")
        if isinstance(timing, dict):
            for key in _CLOCK_KEYS:
                timing.pop(key, None)
    renumbered = {model_id: f"{number:032x}" for number, model_id in enumerate(_widget_order(notebook), start=1)}

    def steady(text: str) -> str:
        if " object at 0x" in text:
            text = _OBJECT_ADDRESS.sub(" object>", text)
        if len(text) >= 32:
            text = _HEX_ID.sub(lambda match: renumbered.get(match.group(0), match.group(0)), text)
        return text

    return json.dumps(_with_strings(notebook, steady), indent=1, ensure_ascii=False, sort_keys=True,
                      default=_bytes_as_text) + "\n"


def _bytes_as_text(value: Any) -> str:
    """Bytes in an output, written as nbformat writes them (its BytesEncoder: base64 text decoded as ASCII)."""
    if isinstance(value, bytes):
        return value.decode("ascii")
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


_OBJECT_ADDRESS = re.compile(r" object at 0x[0-9a-f]+>")
_HEX_ID = re.compile(r"[0-9a-f]{32}")


def _with_strings(value: Any, change: Callable[[str], str]) -> Any:
    """`value` (parsed JSON) with `change` applied to every string in it, dictionary keys included."""
    if isinstance(value, str):
        return change(value)
    if isinstance(value, dict):
        return {change(key) if isinstance(key, str) else key: _with_strings(item, change)
                for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_with_strings(item, change) for item in value]
    return value


def _coalesced(outputs: list[dict]) -> list[dict]:
    """Adjacent prints to the same stream as one output: where the kernel cuts a stream depends on timing."""
    merged: list[dict] = []
    for output in outputs:
        if output.get("output_type") != "stream":
            merged.append(output)
            continue
        text = output.get("text", "")
        text = "".join(text) if isinstance(text, list) else text
        previous = merged[-1] if merged else None
        if previous is not None and previous.get("output_type") == "stream" and previous["name"] == output.get("name"):
            text = "".join(previous["text"]) + text
            merged.pop()
        merged.append({**output, "text": text.splitlines(keepends=True)})
    return merged


def _widget_order(notebook: dict) -> list[str]:
    """Widget model ids in a stable order: those the outputs show, cell by cell, then the models each refers to."""
    state = (notebook.get("metadata", {}).get("widgets", {})
             .get("application/vnd.jupyter.widget-state+json", {}).get("state", {}))
    shown = [output["data"]["application/vnd.jupyter.widget-view+json"]["model_id"]
             for cell in notebook.get("cells", []) for output in cell.get("outputs", [])
             if "application/vnd.jupyter.widget-view+json" in output.get("data", {})]
    order: list[str] = []
    queue = list(shown)
    while queue:
        model_id = queue.pop(0)
        if model_id in order:
            continue
        order.append(model_id)
        queue += re.findall(r"IPY_MODEL_([0-9a-f]{32})", json.dumps(state.get(model_id, {}), sort_keys=True))
    rest = sorted((model_id for model_id in state if model_id not in order),
                  key=lambda model_id: json.dumps(state[model_id], sort_keys=True))
    return order + rest


class NotebookFailed(NotebookError):
    """A cell raised; the message shows the cell and the error, without the kernel's colour codes."""

    exit_code = EXIT_NOTEBOOK_FAILED

    def __init__(self, notebook: Path, error: Any) -> None:
        source = "\n".join(f"    {line}" for line in str(error.source).splitlines())
        trace = _ANSI.sub("", "\n".join(error.traceback[-3:])) if error.traceback else ""
        super().__init__(
            f"cell {error.exec_count} failed with {error.ename}: {_ANSI.sub('', str(error.evalue))}\n"
            f"  the cell:\n{source}\n  the end of the traceback:\n{_indent(trace)}\n",
            fix="fix the cell (or the input it reads) and run again; outputs written before this cell are kept.",
            file=notebook,
        )


def _indent(text: str) -> str:
    return "\n".join(f"    {line}" for line in text.splitlines())
