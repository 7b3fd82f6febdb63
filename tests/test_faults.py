"""Faults, with nothing lost: a run killed part-way, a read-only or full data/, two runs or many saves at once.

After each fault the same checks hold: manifest.json is valid JSON, every entry's files exist with the sha256
and size it records (and its sidecar agrees), no temporary file is left, no report or notebook is cut short,
outputs the fault did not reach are byte-for-byte as before, no kernel of the run lives on, and the next run
completes. Runs use small notebooks written here (a few seconds each) and, once, the real 00-start-here.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import nbformat
import polars as pl
import pytest
from conftest import kernels_of
from nbformat.v4 import new_code_cell, new_notebook

import workbench as wb
from workbench import atomic_write
from workbench.errors import OutputError
from workbench.run_control import RUN_LOCK, RunLocked
from workbench.runner import run_notebooks

LINUX_PROC = Path("/proc/self/fd").is_dir()
needs_proc = pytest.mark.skipif(not LINUX_PROC, reason="finds kernels and open files through /proc (Linux)")

# 00-first saves two tables, then (when asked) touches a marker and waits; 01-second saves a table. FAULTS_RUN
# marks which run wrote an output (and a report), so a test can tell this run's files from the previous run's.
FIRST = [
    "import os, time\nimport polars as pl\nimport workbench as wb\n"
    "RUN = os.environ.get('FAULTS_RUN', 'none')\nprint(f'written by run {RUN}')",
    "wb.save(pl.DataFrame({'run': [RUN] * 3, 'x': [1, 2, 3]}), '00-first/table')",
    "wb.save(pl.DataFrame({'run': [RUN], 'more': [True]}), '00-first/more')",
    "marker, release = os.environ.get('FAULTS_CELL_MARKER'), os.environ.get('FAULTS_RELEASE')\n"
    "if marker:\n"
    "    open(marker, 'w').close()\n"
    "    deadline = time.time() + 120\n"
    "    while time.time() < deadline and not (release and os.path.exists(release)):\n"
    "        time.sleep(0.05)",
]
SECOND = ["import os\nimport polars as pl\nimport workbench as wb\n"
          "wb.save(pl.DataFrame({'run': [os.environ.get('FAULTS_RUN', 'none')]}), '01-second/table')"]

# Fault injection for the subprocesses (the runner and, inheriting PYTHONPATH, its kernel): the first fsync of a
# temporary file whose path contains FAULTS_SLOW_FSYNC touches FAULTS_MARKER and sleeps, so that the test's
# SIGTERM lands while that file is staged but not yet renamed, i.e. in the middle of writing outputs.
SITECUSTOMIZE = '''
import os, time
_pattern = os.environ.get("FAULTS_SLOW_FSYNC")
if _pattern:
    _marker, _real_fsync = os.environ["FAULTS_MARKER"], os.fsync

    def _slow_fsync(fd):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            target = ""
        if _pattern in target and not os.path.exists(_marker):
            open(_marker, "w").close()
            time.sleep(3)
        _real_fsync(fd)

    os.fsync = _slow_fsync
'''


# ---------------------------------------------------------------------------------------------------- helpers


def _write_notebooks(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    metadata = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}
    for name, cells in (("00-first", FIRST), ("01-second", SECOND)):
        notebook = new_notebook(cells=[new_code_cell(source) for source in cells], metadata=metadata)
        nbformat.write(notebook, folder / f"{name}.ipynb")
    return folder


def _env(data: Path, notebooks: Path | None = None, **extra: str) -> dict[str, str]:
    """The test's environment without any WORKBENCH_* setting it may carry, plus the folders of this test."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("WORKBENCH_", "FAULTS_"))}
    env["WORKBENCH_DATA_DIR"] = str(data)
    if notebooks is not None:
        env["WORKBENCH_NOTEBOOKS_DIR"] = str(notebooks)
    env.update(extra)
    return env


class Run:
    """`python -m workbench run ...` as a subprocess, its output in files (a pipe could be held by a kernel)."""

    def __init__(self, args: list[str], env: dict[str, str], logs: Path) -> None:
        logs.mkdir(parents=True, exist_ok=True)
        self.stdout_path, self.stderr_path = logs / "stdout.txt", logs / "stderr.txt"
        with open(self.stdout_path, "wb") as out, open(self.stderr_path, "wb") as err:
            self.process = subprocess.Popen([sys.executable, "-m", "workbench", "run", *args], env=env,
                                            stdout=out, stderr=err)

    def wait(self, timeout: float = 180) -> int:
        return self.process.wait(timeout=timeout)

    @property
    def stdout(self) -> str:
        return self.stdout_path.read_text()

    @property
    def stderr(self) -> str:
        return self.stderr_path.read_text()


@pytest.fixture
def started() -> Iterator[list[Run]]:
    """Runs a test starts; any still going at the end (a failed test) is killed by its pid."""
    runs: list[Run] = []
    yield runs
    for run in runs:
        if run.process.poll() is None:
            run.process.kill()
            run.process.wait(timeout=30)


def _wait_for(condition: Callable[[], bool], run: Run, timeout: float = 90, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if run.process.poll() is not None:
            pytest.fail(f"the run ended (exit {run.process.returncode}) before {what}:\n{run.stdout}\n{run.stderr}")
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.05)


def _files(data: Path) -> dict[str, bytes]:
    return {p.relative_to(data).as_posix(): p.read_bytes() for p in sorted(data.rglob("*")) if p.is_file()}


def _assert_whole_and_consistent(data: Path) -> dict:
    """manifest.json parses and agrees with every file it lists; nothing temporary or cut short is left."""
    manifest = json.loads((data / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["outputs"], "the manifest lists nothing"
    for key, entry in manifest["outputs"].items():
        sidecar = json.loads((data / entry["sidecar"]).read_text(encoding="utf-8"))
        assert sidecar["files"] == entry["files"], f"{key}: the sidecar and the manifest disagree"
        for record in entry["files"]:
            content = (data / record["path"]).read_bytes()
            assert hashlib.sha256(content).hexdigest() == record["sha256"], f"{record['path']} differs from manifest"
            assert len(content) == record["bytes"]
    leftovers = [p for p in data.rglob("*") if p.name.endswith(".tmp")]
    assert not leftovers, f"temporary files left: {leftovers}"
    for path in data.rglob("*"):
        if path.suffix in (".json", ".ipynb"):
            json.loads(path.read_text(encoding="utf-8"))
        elif path.suffix == ".html":
            assert path.read_text(encoding="utf-8").rstrip().endswith("</html>"), f"{path} is cut short"
    return manifest


def _assert_stopped_cleanly(run: Run, data: Path, seconds: float, where: str) -> None:
    assert run.process.returncode == 128 + signal.SIGTERM, run.stdout + run.stderr
    assert seconds < 20, f"the run took {seconds:.1f} s to stop"
    assert f"the run was stopped by SIGTERM during {where}" in run.stderr and "Fix: run the same" in run.stderr
    assert "Traceback" not in run.stderr and "Kernel died" not in run.stderr, run.stderr
    assert not kernels_of(data), "a kernel of the stopped run is still alive"
    _assert_whole_and_consistent(data)


def _table_run(data: Path, key: str) -> list[str]:
    return pl.read_csv(data / f"tables/{key}.csv")["run"].unique().to_list()


# --------------------------------------------------------------------------------------- 1. kill the run


@pytest.fixture(scope="module")
def previous_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """One complete run of the two small notebooks: the 'earlier outputs' every kill test starts from."""
    base = tmp_path_factory.mktemp("faults_previous")
    notebooks = _write_notebooks(base / "notebooks")
    hooks = base / "hooks"
    hooks.mkdir()
    (hooks / "sitecustomize.py").write_text(SITECUSTOMIZE)
    data = base / "data"
    run = Run([], _env(data, notebooks, FAULTS_RUN="previous"), base / "logs")
    assert run.wait() == 0, run.stdout + run.stderr
    _assert_whole_and_consistent(data)
    return notebooks, data, hooks


KILL_POINTS = {
    # a cell of the first notebook is running (it has saved two outputs, then waits)
    "while-a-cell-runs": {"FAULTS_CELL_MARKER": "{marker}"},
    # the kernel is in the middle of saving 00-first/more: its .parquet is staged, its .csv is being flushed
    "while-the-kernel-writes-outputs": {"FAULTS_SLOW_FSYNC": ".more.csv.", "FAULTS_MARKER": "{marker}"},
    # the runner is in the middle of writing the first notebook's report
    "while-the-report-is-written": {"FAULTS_SLOW_FSYNC": ".00-first.html.", "FAULTS_MARKER": "{marker}"},
}


@pytest.mark.slow
@needs_proc
@pytest.mark.parametrize("point", list(KILL_POINTS))
def test_sigterm_keeps_earlier_outputs_ends_the_kernel_and_the_next_run_completes(
        point: str, previous_run: tuple[Path, Path, Path], tmp_path: Path, started: list[Run]) -> None:
    notebooks, template, hooks = previous_run
    data = tmp_path / "data"
    shutil.copytree(template, data, symlinks=True)
    before = _files(data)
    marker = tmp_path / "marker"
    fault = {key: value.format(marker=marker) for key, value in KILL_POINTS[point].items()}
    env = _env(data, notebooks, FAULTS_RUN="stopped", PYTHONPATH=str(hooks), **fault)

    run = Run(["--jobs", "1"], env, tmp_path / "stopped")  # one kernel at a time: 01-second starts after 00-first ends
    started.append(run)
    _wait_for(marker.exists, run, what=f"the run to reach the kill point {point}")
    if point != "while-the-report-is-written":  # by then the kernel has been shut down
        assert kernels_of(data), "no kernel found for the run, so the check for orphans would prove nothing"
    sent = time.monotonic()
    run.process.send_signal(signal.SIGTERM)
    run.wait(timeout=60)
    _assert_stopped_cleanly(run, data, time.monotonic() - sent, "00-first")
    assert "[1/2] 00-first ... stopped" in run.stdout

    after = _files(data)
    if point == "while-the-report-is-written":
        # a report is written on the run's follow-up thread while the next notebook starts: that one is stopped too
        # (its outputs whole, which _assert_stopped_cleanly holds), and the report under way is finished first
        assert "[2/2] 01-second ... stopped" in run.stdout
    else:
        untouched = [name for name in before if "01-second" in name or name == "index.html"]
        assert untouched and all(after[name] == before[name] for name in untouched)  # the stop came before these
    # saved before the stop, and listed; at the second kill point SIGTERM came in the middle of saving `more`:
    # the kernel finished that save (files and manifest entry) first, and only then ended
    assert _table_run(data, "00-first/table") == _table_run(data, "00-first/more") == ["stopped"]
    report = after["reports/00-first.html"]
    if point == "while-the-report-is-written":
        assert b"written by run stopped" in report  # the report under way was finished, then the run stopped
    else:
        assert report == before["reports/00-first.html"] and b"written by run previous" in report

    again = Run([], _env(data, notebooks, FAULTS_RUN="next"), tmp_path / "next")
    started.append(again)
    assert again.wait() == 0, again.stdout + again.stderr
    manifest = _assert_whole_and_consistent(data)
    assert set(manifest["outputs"]) == {"tables/00-first/table", "tables/00-first/more", "tables/01-second/table"}
    assert all(_table_run(data, key[len("tables/"):]) == ["next"] for key in manifest["outputs"])
    assert not kernels_of(data) and not (data / RUN_LOCK).read_text()


@pytest.mark.slow
@needs_proc
def test_sigterm_while_the_real_first_notebook_saves_then_the_next_run_completes(tmp_path: Path,
                                                                                 started: list[Run]) -> None:
    data = tmp_path / "data"
    run = Run(["00-start-here"], _env(data), tmp_path / "stopped")
    started.append(run)

    def first_output_listed() -> bool:
        try:
            return bool(json.loads((data / "manifest.json").read_text())["outputs"])
        except (OSError, ValueError):
            return False

    _wait_for(first_output_listed, run, what="00-start-here's first output in the manifest")
    assert kernels_of(data)
    sent = time.monotonic()
    run.process.send_signal(signal.SIGTERM)
    run.wait(timeout=60)
    _assert_stopped_cleanly(run, data, time.monotonic() - sent, "00-start-here")

    again = Run(["00-start-here"], _env(data), tmp_path / "next")
    started.append(again)
    assert again.wait() == 0, again.stdout + again.stderr
    manifest = _assert_whole_and_consistent(data)
    assert {"tables/00-start-here/paragraphs", "figures/00-start-here/paragraph-lengths"} <= set(manifest["outputs"])
    assert (data / "reports/00-start-here.html").is_file() and not kernels_of(data)


# -------------------------------------------------------------------------------- 2. read-only or full data/

FRAME = pl.DataFrame({"year": [2019, 2023], "amount_usd": [1e9, 1e10]})


@pytest.fixture
def read_only(tmp_path: Path) -> Iterator[Callable[[Path], list[str]]]:
    """Make a folder read-only (chmod 0555) and return the command prefix of a process that honours that.

    Root ignores file modes through its CAP_DAC_OVERRIDE capability, so as root the writing process starts
    without it (setpriv drops it from the bounding set): still root, but refused by the kernel with a real EACCES,
    as a researcher is on a read-only share or in a colleague's checkout. Nothing is mocked.
    """
    folders: list[Path] = []

    def make(folder: Path) -> list[str]:
        for path in [folder, *folder.rglob("*")]:
            if path.is_dir():
                path.chmod(0o555)
                folders.append(path)
        if os.geteuid() != 0:
            return []
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("as root, a read-only folder needs setpriv (util-linux) to drop CAP_DAC_OVERRIDE")
        return [setpriv, "--bounding-set=-dac_override,-dac_read_search,-fowner", "--"]

    yield make
    for folder in folders:
        folder.chmod(0o755)


def test_save_into_a_read_only_data_folder_is_a_clear_output_error(tmp_path: Path, read_only) -> None:
    data = tmp_path / "data"
    wb.save(FRAME, "nb/deals", data_dir=data)
    before = _files(data)
    prefix = read_only(data)
    code = ("import json, polars as pl, workbench as wb\nfrom workbench.errors import OutputError\n"
            "try:\n    wb.save(pl.DataFrame({'year': [2024]}), 'nb/deals')\n"
            "except OutputError as error:\n"
            "    print(json.dumps({'type': type(error).__name__, 'message': str(error)}))\n")
    result = subprocess.run([*prefix, sys.executable, "-c", code], env=_env(data), capture_output=True, text=True,
                            timeout=120, check=False)
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    error = json.loads(result.stdout)
    assert error["type"] == "OutputError"
    assert str(data) in error["message"] and "Permission denied" in error["message"]
    assert "nothing was changed" in error["message"] and "Fix: check that data/ is writable" in error["message"]
    assert "WORKBENCH_DATA_DIR" in error["message"]
    assert _files(data) == before
    _assert_whole_and_consistent(data)


@pytest.mark.parametrize("how", ["read-only-folder", "parent-is-a-file"])
def test_run_into_a_data_folder_that_cannot_be_written_exits_2_with_the_folder_and_fix(tmp_path: Path, read_only,
                                                                                      how: str) -> None:
    notebooks = _write_notebooks(tmp_path / "notebooks")
    if how == "read-only-folder":
        data = tmp_path / "data"
        data.mkdir()
        prefix, reason = read_only(data), "Permission denied"
    else:  # as root too, with nothing dropped: no one can create a folder inside a regular file
        (tmp_path / "a-file").write_text("not a folder\n")
        data = tmp_path / "a-file" / "data"
        prefix, reason = [], "Not a directory"
    result = subprocess.run([*prefix, sys.executable, "-m", "workbench", "run"], env=_env(data, notebooks),
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.startswith("error: ") and "Traceback" not in result.stderr
    assert f"cannot write into the data folder {data} ({reason}), so nothing was run" in result.stderr
    assert "Fix: make that folder writable, or pass --data-dir (or set WORKBENCH_DATA_DIR)" in result.stderr
    assert "[1/2]" not in result.stdout  # refused before any kernel started
    assert not data.exists() or not any(data.iterdir())


class _DiskFull:
    """Replaces atomic_write._write_durably: the n-th file written gets half its bytes, then ENOSPC."""

    def __init__(self, fail_at: int) -> None:
        self.fail_at, self.calls = fail_at, 0
        self.real = atomic_write._write_durably

    def __call__(self, handle: int, content: bytes) -> None:
        self.calls += 1
        if self.calls != self.fail_at:
            return self.real(handle, content)
        try:
            os.write(handle, content[: len(content) // 2])
        finally:
            os.close(handle)
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


# A chart is 5 files and a sidecar, then the manifest: fail on the first, a middle one, the sidecar, the manifest.
@pytest.mark.parametrize("fail_at", [1, 3, 6, 7])
def test_a_full_disk_part_way_through_a_save_keeps_every_earlier_file(data_dir: Path, monkeypatch,
                                                                      fail_at: int) -> None:
    import altair as alt

    def chart(frame: pl.DataFrame) -> alt.Chart:
        return alt.Chart(frame).mark_line().encode(x="year:O", y="amount_usd:Q")

    wb.save(FRAME, "nb/deals")
    wb.save(chart(FRAME), "nb/deals-chart")
    before = _files(data_dir)
    full = _DiskFull(fail_at)
    monkeypatch.setattr(atomic_write, "_write_durably", full)
    with pytest.raises(OutputError, match="No space left on device.*nothing was changed"):
        wb.save(chart(FRAME.with_columns(pl.col("amount_usd") * 2)), "nb/deals-chart")
    assert full.calls == fail_at
    assert _files(data_dir) == before
    _assert_whole_and_consistent(data_dir)


# ------------------------------------------------------------------------------------- 3. two at once


@pytest.mark.slow
@needs_proc
def test_a_second_run_into_the_same_data_refuses_while_the_first_holds_the_run_lock(tmp_path: Path, monkeypatch,
                                                                                    started: list[Run]) -> None:
    notebooks = _write_notebooks(tmp_path / "notebooks")
    data = tmp_path / "data"
    marker, release = tmp_path / "marker", tmp_path / "release"
    first = Run(["--jobs", "1"], _env(data, notebooks, FAULTS_RUN="first", FAULTS_CELL_MARKER=str(marker),
                                      FAULTS_RELEASE=str(release)), tmp_path / "first")  # 01-second waits
    started.append(first)
    _wait_for(marker.exists, first, what="the first run's kernel to hold")
    during = _files(data)

    second = Run([], _env(data, notebooks, FAULTS_RUN="second"), tmp_path / "second")
    started.append(second)
    assert second.wait(timeout=60) == 2, second.stdout + second.stderr
    message = second.stderr
    assert message.startswith("error: ") and "Traceback" not in message
    assert f"another `workbench run` (pid {first.process.pid}) is writing into {data}" in message
    assert str(data / RUN_LOCK) in message and f"kill {first.process.pid}" in message
    assert "[1/2]" not in second.stdout

    # the same refusal from Python, without a subprocess
    monkeypatch.setenv("WORKBENCH_DATA_DIR", str(data))
    monkeypatch.setenv("WORKBENCH_NOTEBOOKS_DIR", str(notebooks))
    with pytest.raises(RunLocked, match=f"pid {first.process.pid}"):
        run_notebooks(sorted(notebooks.glob("*.ipynb")))
    assert _files(data) == during  # neither refused run wrote anything

    release.touch()
    assert first.wait() == 0, first.stdout + first.stderr
    manifest = _assert_whole_and_consistent(data)
    assert {entry["produced_by"]["notebook"] for entry in manifest["outputs"].values()} == {"00-first", "01-second"}
    assert _table_run(data, "00-first/table") == ["first"] and _table_run(data, "01-second/table") == ["first"]
    assert not (data / RUN_LOCK).read_text()  # the pid is cleared when the run ends


@pytest.mark.slow
def test_concurrent_saves_from_threads_and_processes_give_one_manifest_with_every_entry(data_dir: Path) -> None:
    # distinct names from every writer, and one name all of them race on (last writer wins, the manifest agrees)
    threads, per_thread, processes, rounds = 6, 3, 2, 8
    code = ("import sys, polars as pl, workbench as wb\n"
            f"for j in range({rounds}):\n"
            "    if j < 3:\n"
            "        wb.save(pl.DataFrame({'who': [sys.argv[1]], 'j': [j]}), f'procs/{sys.argv[1]}-{j}')\n"
            "    wb.save(pl.DataFrame({'who': [sys.argv[1]], 'j': [j]}), 'shared/last')\n")
    children = [subprocess.Popen([sys.executable, "-c", code, f"p{i}"], env=_env(data_dir))
                for i in range(processes)]
    barrier = threading.Barrier(threads)
    errors: list[BaseException] = []

    def work(i: int) -> None:
        try:
            barrier.wait()
            for j in range(rounds):
                if j < per_thread:
                    wb.save(FRAME.with_columns(pl.lit(f"t{i}").alias("who")), f"threads/t{i}-{j}")
                wb.save(FRAME.with_columns(pl.lit(f"t{i}-{j}").alias("who")), "shared/last")
        except BaseException as error:  # reported below, in the test's thread
            errors.append(error)

    workers = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert [child.wait(timeout=120) for child in children] == [0] * processes
    assert not errors, errors

    manifest = _assert_whole_and_consistent(data_dir)
    expected = ({f"tables/threads/t{i}-{j}" for i in range(threads) for j in range(per_thread)}
                | {f"tables/procs/p{i}-{j}" for i in range(processes) for j in range(3)} | {"tables/shared/last"})
    assert set(manifest["outputs"]) == expected
