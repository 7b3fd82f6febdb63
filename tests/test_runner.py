"""`workbench run`: names and parameters are checked first; a failing cell is shown, with exit code 1."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from conftest import kernels_of
from nbformat.v4 import new_code_cell, new_notebook

from workbench.cli import main
from workbench.errors import NotebookError, UsageError
from workbench.runner import check_parameters, parse_parameters, resolve_notebooks


def _notebook(folder: Path, name: str, *cells: str, parameters: str | None = None) -> Path:
    nb_cells = []
    if parameters is not None:
        nb_cells.append(new_code_cell(parameters, metadata={"tags": ["parameters"]}))
    nb_cells += [new_code_cell(source) for source in cells]
    path = folder / f"{name}.ipynb"
    metadata = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}
    nbformat.write(new_notebook(cells=nb_cells, metadata=metadata), path)
    return path


@pytest.fixture
def notebooks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "notebooks"
    folder.mkdir()
    monkeypatch.setenv("WORKBENCH_NOTEBOOKS_DIR", str(folder))
    return folder


def test_unknown_notebook_names_the_nearest_ones(notebooks: Path) -> None:
    _notebook(notebooks, "00-start-here", "1")
    _notebook(notebooks, "01-the-article", "1")
    with pytest.raises(NotebookError, match="no notebook called '00-start'.*use one of: 00-start-here"):
        resolve_notebooks(["00-start"])
    assert resolve_notebooks(["01-the-article.ipynb"]) == [notebooks / "01-the-article.ipynb"]
    assert [p.stem for p in resolve_notebooks([])] == ["00-start-here", "01-the-article"]


def test_parameters_are_parsed_as_json_or_text() -> None:
    assert parse_parameters(["year=2023", "focus=Anthropic", "ok=true", "share=0.5", 'names=["a"]']) == {
        "year": 2023, "focus": "Anthropic", "ok": True, "share": 0.5, "names": ["a"]}
    with pytest.raises(UsageError, match="NAME=VALUE"):
        parse_parameters(["focus"])
    with pytest.raises(UsageError, match="NAME=VALUE"):
        parse_parameters(["not a name=1"])


def test_parameters_are_checked_against_the_parameters_cell(notebooks: Path) -> None:
    path = _notebook(notebooks, "00-a", "1", parameters='focus = "OpenAI"\nyear = 2019')
    assert check_parameters([path], {"year": 2023}) == {path: {"year": 2023}}
    with pytest.raises(UsageError, match="no notebook in this run declares parameter.*colour.*use one of: focus, year"):
        check_parameters([path], {"colour": "red"})
    with pytest.raises(UsageError, match="parameter year of 00-a expects int, got str"):
        check_parameters([path], {"year": "last year"})
    with pytest.raises(UsageError, match="expects int, got bool"):
        check_parameters([path], {"year": True})


@pytest.mark.slow
def test_a_failing_cell_stops_the_run_showing_the_cell_and_error(notebooks: Path, data_dir: Path, capsys) -> None:
    _notebook(notebooks, "00-first", "import workbench as wb, polars as pl\n"
                                     "wb.save(pl.DataFrame({'a': [1]}), '00-first/kept')")
    _notebook(notebooks, "01-broken", "x = 1", "total = 1 / 0  # the bad cell")
    _notebook(notebooks, "02-never", "raise SystemExit('must not run')")
    code = main(["run", "--jobs", "1"])
    captured = capsys.readouterr()
    assert code == 1
    assert "[2/3] 01-broken ... failed" in captured.out
    assert "01-broken.ipynb: cell 2 failed with ZeroDivisionError: division by zero" in captured.err
    assert "total = 1 / 0  # the bad cell" in captured.err
    assert "\x1b[" not in captured.err and "02-never" not in captured.out
    assert (data_dir / "tables/00-first/kept.csv").exists()  # earlier outputs are kept


@pytest.mark.slow
def test_notebooks_run_side_by_side_and_none_starts_after_a_failure(notebooks: Path, data_dir: Path, tmp_path: Path,
                                                                   capsys) -> None:
    marker = tmp_path / "second-started"
    _notebook(notebooks, "00-waits", "import os, time\nimport polars as pl\nimport workbench as wb\n"
              f"deadline = time.time() + 30\nwhile not os.path.exists({str(marker)!r}) and time.time() < deadline:\n"
              "    time.sleep(0.05)\n"
              f"assert os.path.exists({str(marker)!r}), 'the second notebook did not run alongside'\n"
              "time.sleep(2)  # ends after the second one failed\n"
              "wb.save(pl.DataFrame({'a': [1]}), '00-waits/kept')")
    _notebook(notebooks, "01-broken", f"open({str(marker)!r}, 'w').close()", "total = 1 / 0")
    _notebook(notebooks, "02-never", "raise SystemExit('must not run')")
    code = main(["run", "--jobs", "2"])
    captured = capsys.readouterr()
    assert code == 1
    progress = [line for line in captured.out.splitlines() if line.startswith("[")]
    assert progress[0].startswith("[1/3] 00-waits ... ok in ") and progress[1:] == ["[2/3] 01-broken ... failed"]
    assert "01-broken.ipynb: cell 2 failed with ZeroDivisionError" in captured.err
    assert "02-never" not in captured.out
    assert (data_dir / "tables/00-waits/kept.csv").exists() and (data_dir / "reports/00-waits.html").exists()


@pytest.mark.slow
def test_parameters_reach_the_kernel_and_the_provenance(notebooks: Path, data_dir: Path, capsys) -> None:
    _notebook(notebooks, "00-param", "import workbench as wb, polars as pl\n"
                                     "wb.setup()\n"
                                     "wb.save(pl.DataFrame({'focus': [focus]}), '00-param/focus')",
              parameters='focus = "OpenAI"')
    assert main(["run", "00-param", "--param", "focus=Anthropic"]) == 0
    out = capsys.readouterr().out
    assert "[1/1] 00-param ... ok" in out and "tables/00-param/focus" in out
    output_set = data_dir / "sets/00-param--focus-Anthropic"  # never the default output set
    assert (output_set / "tables/00-param/focus.csv").read_text() == "focus\nAnthropic\n"
    sidecar = json.loads((output_set / "tables/00-param/focus.meta.json").read_text())
    assert sidecar["produced_by"]["notebook"] == "00-param"
    assert sidecar["produced_by"]["parameters"] == {"focus": "Anthropic"}
    assert (output_set / "notebooks/00-param.ipynb").exists() and (output_set / "reports/00-param.html").exists()
    assert not (data_dir / "tables").exists()


def test_a_notebook_without_language_metadata_gets_a_clear_error(notebooks: Path) -> None:
    path = notebooks / "00-bare.ipynb"
    nbformat.write(new_notebook(cells=[new_code_cell("x = 1", metadata={"tags": ["parameters"]})]), path)
    with pytest.raises(NotebookError, match="00-bare.ipynb: the notebook cannot be inspected.*Python kernel"):
        check_parameters([path], {})


def test_cli_reports_bad_input_without_a_traceback(notebooks: Path) -> None:
    _notebook(notebooks, "00-start-here", "1")
    result = subprocess.run([sys.executable, "-m", "workbench", "run", "nope"], capture_output=True, text=True,
                            check=False)
    assert result.returncode == 2
    assert result.stderr.startswith("error: ") and "Traceback" not in result.stderr
    assert "use one of: 00-start-here" in result.stderr


def test_cli_usage_errors_exit_2_with_a_fix() -> None:
    result = subprocess.run([sys.executable, "-m", "workbench", "frobnicate"], capture_output=True, text=True,
                            check=False)
    assert result.returncode == 2
    assert "invalid choice" in result.stderr and "Fix: see `workbench --help`" in result.stderr


def test_each_command_s_module_adds_that_command_and_a_command_line_imports_only_its_own() -> None:
    """`workbench run` must not import polars and the analysis before it starts its zygote (the first kernels
    waited for those imports); help still lists every command."""
    from workbench import cli

    for command in cli.COMMAND_MODULES:
        (subparsers,) = [a for a in cli.build_parser(command)._actions if isinstance(a, argparse._SubParsersAction)]
        assert set(subparsers.choices) == {command}
    (every,) = [a for a in cli.build_parser()._actions if isinstance(a, argparse._SubParsersAction)]
    assert set(every.choices) == set(cli.COMMAND_MODULES)
    probe = ("import sys; from workbench.cli import build_parser; build_parser('run'); "
             "print(sorted(m for m in ('polars', 'workbench.analysis', 'workbench.datasets') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_executed_notebooks_keep_no_clock_times_memory_addresses_or_random_widget_ids() -> None:
    import json

    from workbench.runner import reproducible

    def notebook(ids: tuple[str, str], started: str) -> dict:
        view, child = ids
        return {
            "metadata": {"papermill": {"start_time": started, "parameters": {}},
                         "widgets": {"application/vnd.jupyter.widget-state+json": {"state": {
                             view: {"state": {"children": [f"IPY_MODEL_{child}"]}}, child: {"state": {}}}}}},
            "cells": [{"metadata": {"execution": {"iopub.execute_input": started}, "papermill": {"duration": 1.5}},
                       "outputs": [{"data": {"application/vnd.jupyter.widget-view+json": {"model_id": view},
                                             "text/plain": "<Explorer object at 0x7f00deadbeef>"}}]}]}

    first = reproducible(notebook(("a" * 32, "b" * 32), "2026-12-07T07:00:00Z"))
    second = reproducible(notebook(("c" * 32, "d" * 32), "2026-12-08T09:30:00Z"))
    assert first == second
    assert "2026-12" not in first and "0x7f" not in first and "duration" not in first and "a" * 32 not in first
    assert json.loads(first)["cells"][0]["outputs"][0]["data"]["application/vnd.jupyter.widget-view+json"][
        "model_id"] == f"{1:032x}"


def test_an_executed_notebook_is_written_as_nbformat_writes_it() -> None:
    # as_written takes nbformat's own steps (lines split, transient fields dropped) instead of a serialise-and-parse
    # round trip: on a notebook with nothing volatile, the file is nbformat's, whatever nbformat's version does
    import copy
    import json

    import nbformat

    from workbench.runner import as_written, reproducible

    notebook = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                                  "language": "python"}})
    cell = nbformat.v4.new_code_cell("x = 1\nprint(x)\n", execution_count=1)
    cell.metadata["trusted"] = True
    shown = {"text/plain": "a\nb", "text/html": "<p>a</p>\n<p>b</p>", "application/json": {"k": ["v", 1]}}
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="1\n2\n"),
                    nbformat.v4.new_output("display_data", data=shown)]
    notebook.cells = [nbformat.v4.new_markdown_cell("# Title\ntext"), cell]
    assert json.loads(reproducible(as_written(copy.deepcopy(notebook)))) == json.loads(nbformat.writes(notebook))


def test_prints_cut_at_different_moments_give_the_same_executed_notebook() -> None:
    import json

    from workbench.runner import reproducible

    def cut(*pieces: str) -> dict:
        return {"metadata": {}, "cells": [{"metadata": {}, "outputs": [
            *({"output_type": "stream", "name": "stdout", "text": piece} for piece in pieces),
            {"output_type": "stream", "name": "stderr", "text": "warning\n"}]}]}

    once, twice = reproducible(cut("a\nb\nc\n")), reproducible(cut("a\n", "b\nc\n"))
    assert once == twice
    assert [o["name"] for o in json.loads(once)["cells"][0]["outputs"]] == ["stdout", "stderr"]


# --- notebooks side by side (workbench.run_control.run_tasks) and kernels forked from the run's zygote -----------


class _NoKernels:
    def end(self, finished) -> None:  # a stop is not tested here
        pass


def test_tasks_run_at_most_jobs_at_once_and_are_reported_in_order() -> None:
    import threading
    import time

    from workbench.run_control import run_tasks

    lock, running, most = threading.Lock(), [0], [0]

    def task(number: int, seconds: float):
        def work() -> int:
            with lock:
                running[0] += 1
                most[0] = max(most[0], running[0])
            time.sleep(seconds)
            with lock:
                running[0] -= 1
            return number
        return work

    reported: list[tuple[int, object, object]] = []
    tasks = [task(n, s) for n, s in enumerate([0.3, 0.05, 0.05, 0.2, 0.01])]
    results = run_tasks(tasks, jobs=2, kernels=_NoKernels(), report=lambda *r: reported.append(r))
    assert results == [0, 1, 2, 3, 4] and most[0] == 2
    assert reported == [(n, n, None) for n in range(5)]


def test_after_a_failing_task_none_starts_and_the_first_error_is_raised_once_the_others_end() -> None:
    import threading

    from workbench.run_control import run_tasks

    failed = threading.Event()
    broken_thread: list[threading.Thread] = []
    ran: list[int] = []

    def slow() -> str:
        # ends only once the failure is recorded (its thread has ended), so the failure is known when a slot frees
        failed.wait(5)
        broken_thread[0].join(5)
        ran.append(0)
        return "slow"

    def broken() -> str:
        ran.append(1)
        broken_thread.append(threading.current_thread())
        failed.set()
        raise ValueError("broken")

    def never() -> str:
        ran.append(2)
        return "never"

    reported: list[tuple[int, object, object]] = []
    with pytest.raises(ValueError, match="broken"):
        run_tasks([slow, broken, never], jobs=2, kernels=_NoKernels(), report=lambda *r: reported.append(r))
    assert sorted(ran) == [0, 1]
    assert [(index, result) for index, result, _ in reported] == [(0, "slow"), (1, None)]
    assert isinstance(reported[1][2], ValueError)


def test_a_task_s_follow_up_frees_its_place_and_ends_the_task() -> None:
    import threading

    from workbench.run_control import FollowUp, run_tasks

    second_started = threading.Event()

    def first() -> FollowUp[str]:
        # its follow-up ends only once the next task has started: with one place, the follow-up must have freed it
        return FollowUp(lambda: "first, reported" if second_started.wait(5) else "the place was never freed")

    def second() -> str:
        second_started.set()
        return "second"

    def broken_follow_up() -> FollowUp[str]:
        def finish() -> str:
            raise ValueError("report failed")
        return FollowUp(finish)

    reported: list[tuple[int, object, object]] = []
    with pytest.raises(ValueError, match="report failed"):
        run_tasks([first, second, broken_follow_up], jobs=1, kernels=_NoKernels(),
                  report=lambda *r: reported.append(r))
    assert [(index, result) for index, result, _ in reported] == [(0, "first, reported"), (1, "second"), (2, None)]
    assert isinstance(reported[2][2], ValueError)


def test_the_zygote_preloads_workbench_libraries_only_for_notebooks_that_import_them(notebooks: Path) -> None:
    from workbench.run_control.kernels import KERNEL_MODULES, NOTEBOOK_LIBRARIES, NOTEBOOK_WARM_UP, preload_for

    bare = _notebook(notebooks, "00-bare", "x = 1", "%time y = 2")
    using = _notebook(notebooks, "01-using", "%matplotlib inline", "from workbench.views import article")
    assert preload_for([bare]) == list(KERNEL_MODULES)
    assert preload_for([bare, using]) == [*KERNEL_MODULES, *NOTEBOOK_LIBRARIES, *NOTEBOOK_WARM_UP]
    broken = notebooks / "02-broken.ipynb"
    broken.write_text("not a notebook")
    assert preload_for([broken]) == list(KERNEL_MODULES)


_FORK_PROBE = """
import atexit, os, signal, sys
import polars as pl
sys.path.insert(0, sys.argv[1])
from zygote import FORK_SAFE_THREADS, _thread_count
names = sorted(open(f"/proc/self/task/{t}/comm").read().strip() for t in os.listdir("/proc/self/task"))
child = os.fork()
if child == 0:
    signal.alarm(20)  # a hang ends the child with SIGALRM, which the parent reports
    frame = pl.DataFrame({"k": [i % 97 for i in range(500_000)], "v": range(500_000)})
    total = frame.group_by("k").agg(pl.col("v").sum()).sort("k")["v"].sum()  # polars' worker pool, in the child
    atexit._run_exitfuncs()  # what a kernel's exit runs (zygote._exit), polars' handlers included
    os._exit(0 if total == sum(range(500_000)) else 3)
_, status = os.waitpid(child, 0)
print(names, _thread_count(), os.waitstatus_to_exitcode(status))
"""


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="counts threads through /proc (Linux)")
def test_polars_may_be_imported_before_a_fork_and_works_in_the_child() -> None:
    # the zygote imports polars and forks kernels from it: polars must start only threads a fork leaves behind
    # safely, and the child must run polars' parallel work and its exit handlers (a new polars that breaks either
    # fails here, instead of hanging a run)
    from workbench.run_control import zygote

    probe = subprocess.run([sys.executable, "-c", _FORK_PROBE, str(Path(zygote.__file__).parent)],
                           capture_output=True, text=True, timeout=60, check=True)
    names, counted, child_exit = probe.stdout.strip().rsplit(" ", 2)
    assert counted == "1", f"threads after importing polars: {names}"
    assert child_exit == "0", f"the forked child ended with {child_exit} (-14: it hung)"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="kernels are forked on Linux only")
def test_a_zygote_still_importing_is_ended_at_once_when_a_run_stops_before_its_first_kernel(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # a misspelt parameter stops the run while the zygote imports: it is ended (SIGTERM), not waited for until its
    # imports finish (a minute here) and then killed
    import signal

    from workbench.run_control.kernels import KernelZygote

    (tmp_path / "slow_to_import.py").write_text("import time\ntime.sleep(60)\n")
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    monkeypatch.delenv("WORKBENCH_FORK_KERNELS", raising=False)
    zygote = KernelZygote(["slow_to_import"])
    process = zygote._process
    assert process is not None
    zygote.close()
    assert process.returncode == -signal.SIGTERM


@pytest.mark.slow
def test_a_kernel_is_forked_from_the_zygote_that_imported_its_libraries(notebooks: Path, tmp_path: Path) -> None:
    from workbench.run_control import RunKernels

    seen = tmp_path / "seen.json"
    path = _notebook(notebooks, "00-seen", "import gc, json, os, sys\n"
                     f"json.dump({{'ppid': os.getppid(), 'altair': 'altair' in sys.modules, "
                     f"'polars': 'polars' in sys.modules, 'cwd': os.getcwd(), "
                     f"'notebook': os.environ.get('WORKBENCH_NOTEBOOK'), 'frozen': gc.get_freeze_count() > 0, "
                     f"'collecting': gc.isenabled(), "
                     f"'registry_parsed': sys.modules['workbench.datasets.registry']._read.cache_info().currsize}}, "
                     f"open({str(seen)!r}, 'w'))",
                     "import altair")
    with RunKernels([path]) as kernels:
        kernels.execute(path, {}, {"WORKBENCH_NOTEBOOK": "00-seen"})
        zygote = kernels._zygote._process.pid
    found = json.loads(seen.read_text())
    # frozen: what the zygote imported is out of the kernel's collections (IPython's exit runs a full one), and the
    # kernel collects its own garbage (the zygote imports with the collector off); registry_parsed: the zygote's
    # warm-up parsed the dataset registry, so the kernel does not
    assert found == {"ppid": zygote, "altair": True, "polars": True, "cwd": str(notebooks), "notebook": "00-seen",
                     "frozen": True, "collecting": True, "registry_parsed": 1}


@pytest.mark.slow
def test_forked_and_launched_kernels_write_the_same_bytes(notebooks: Path, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    _notebook(notebooks, "00-chart", "import altair as alt, polars as pl, workbench as wb\nwb.setup()\n"
              "frame = pl.DataFrame({'x': [1, 2, 3], 'y': [3.5, 1.0, 2.25]})\n"
              "chart = alt.Chart(frame).mark_bar().encode(x='x:O', y='y:Q')\nchart",
              "wb.save(chart, '00-chart/bars')\nwb.save(frame, '00-chart/frame')\n"
              "import os\nprint(sorted(name for name in os.environ if name.startswith('WORKBENCH_')))")
    written = {}
    for fork in ("1", "0"):
        data = tmp_path / f"data-{fork}"
        monkeypatch.setenv("WORKBENCH_FORK_KERNELS", fork)
        monkeypatch.setenv("WORKBENCH_DATA_DIR", str(data))
        assert main(["run"]) == 0
        written[fork] = {path.relative_to(data).as_posix(): path.read_bytes() for path in sorted(data.rglob("*"))
                         if path.is_file() and path.name not in ("manifest.json", ".run.lock", ".manifest.lock")
                         and not path.relative_to(data).as_posix().startswith(".cache/datasets/")}
    assert "figures/00-chart/bars.svg" in written["1"] and "notebooks/00-chart.ipynb" in written["1"]
    assert any(name.startswith(".cache/vl-convert/jupyter-chart-") for name in written["1"])  # kept for explorers
    assert written["1"] == written["0"]


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="finds kernels through /proc (Linux)")
def test_a_stop_ends_every_kernel_under_way_and_names_their_notebooks(notebooks: Path, tmp_path: Path) -> None:
    import os
    import signal
    import time

    markers = [tmp_path / "a-started", tmp_path / "b-started"]
    for name, marker in zip(("00-a", "01-b"), markers):
        _notebook(notebooks, name, f"import time\nopen({str(marker)!r}, 'w').close()\ntime.sleep(120)")
    data = tmp_path / "data"
    env = {key: value for key, value in os.environ.items() if not key.startswith("WORKBENCH_")}
    env |= {"WORKBENCH_DATA_DIR": str(data), "WORKBENCH_NOTEBOOKS_DIR": str(notebooks)}
    with open(tmp_path / "out.txt", "w") as out, open(tmp_path / "err.txt", "w") as err:  # a kernel could hold a pipe
        run = subprocess.Popen([sys.executable, "-m", "workbench", "run", "--jobs", "2"], env=env, stdout=out,
                               stderr=err)
    try:
        deadline = time.monotonic() + 90
        while not all(marker.exists() for marker in markers):
            assert run.poll() is None and time.monotonic() < deadline, (tmp_path / "err.txt").read_text()
            time.sleep(0.05)
        kernels = kernels_of(data)
        assert len(kernels) >= 2
        run.send_signal(signal.SIGTERM)
        assert run.wait(timeout=60) == 128 + signal.SIGTERM
    finally:
        if run.poll() is None:
            run.kill()
    out, err = (tmp_path / "out.txt").read_text(), (tmp_path / "err.txt").read_text()
    assert "[1/2] 00-a ... stopped" in out and "[2/2] 01-b ... stopped" in out
    assert "the run was stopped by SIGTERM during 00-a, 01-b" in err and "Traceback" not in err
    assert not kernels_of(data)


@pytest.mark.slow
def test_a_kernel_that_hangs_on_exit_is_ended_after_half_the_run_s_shutdown_wait() -> None:
    """About one kernel in ten hung in ipykernel's exit handler (posit-dev/positron#7142); jupyter_client's default
    waited 2.5 s before SIGTERM. Here the exit hangs for a minute: the run's kernel manager ends it in about 0.5 s."""
    import asyncio
    import time

    from workbench.run_control.kernels import SHUTDOWN_WAIT_SECONDS, kernel_manager_class

    async def hang_then_shut_down() -> tuple[float, bool]:
        manager = kernel_manager_class(None, {}, [])(kernel_name="python3")
        await manager.start_kernel(extra_arguments=["--IPKernelApp.log_level=ERROR"])
        client = manager.client()
        client.start_channels()
        try:
            await client.wait_for_ready(timeout=60)
            await client.execute_interactive("import atexit, time; atexit.register(time.sleep, 60)", timeout=60)
        finally:
            client.stop_channels()
        started = time.monotonic()
        await manager.shutdown_kernel()
        return time.monotonic() - started, await manager.is_alive()

    took, alive = asyncio.run(hang_then_shut_down())
    assert not alive
    assert took < 2.0, f"shutdown took {took:.1f} s; wait {SHUTDOWN_WAIT_SECONDS} s, SIGTERM at half of it"


def test_a_stop_waits_for_the_follow_ups_handed_over_before_it_ends_the_run() -> None:
    """A notebook that ended before the stop still gets its executed copy and report (its follow-up)."""
    import os
    import signal
    import threading
    import time

    from workbench.run_control import FollowUp, StopRequested, run_tasks, stop_on_signals

    handed_over, release, written = threading.Event(), threading.Event(), []

    def finish() -> str:
        release.wait(5)
        written.append("report of 00")
        return "00"

    def ended() -> FollowUp[str]:
        handed_over.set()
        return FollowUp(finish)

    def stop_then_release() -> None:
        handed_over.wait(5)
        time.sleep(0.2)  # the follow-up is handed over and waits for `release`
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(0.2)
        release.set()

    threading.Thread(target=stop_then_release, daemon=True).start()
    with stop_on_signals(), pytest.raises(StopRequested):
        run_tasks([ended], jobs=1, kernels=_NoKernels(), report=lambda *r: None)
    assert written == ["report of 00"]  # written before run_tasks let the stop go on
