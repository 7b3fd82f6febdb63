"""Run control for `workbench run`: one run at a time into a data/ folder, notebooks side by side, a clean stop.

A run holds data/.run.lock, so a second run into the same data/ refuses at once instead of interleaving with it.
`run_tasks` runs the notebooks a few at a time (one per processor), each on a kernel of its own (`kernels`: forked
from a zygote that imported their libraries once; their charts drawn by one `render_service`), and reports them in
order. A task may hand its last step (a notebook's HTML report) to the run's follow-up thread (`FollowUp`), so that
the next notebook's kernel starts meanwhile. SIGTERM or Ctrl-C stops a run
cleanly: the kernels are ended (after the save each may be in), the command says what was kept and exits with 128
+ the signal number; every output written until then is whole and in the manifest. To end the kernels, the main
thread must be free, so notebooks run in worker threads.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import fcntl
import logging
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

from workbench.errors import NotebookError, OutputError
from workbench.run_control.kernels import (
    KernelZygote,
    compile_workbench,
    kernel_manager_class,
    preload_for,
    uses_workbench,
)
from workbench.run_control.render_service import RenderService

__all__ = ["RUN_LOCK", "FollowUp", "RunKernels", "RunLocked", "RunStopped", "StopRequested", "default_jobs", "run_lock",
           "run_tasks", "stop_on_signals"]

RUN_LOCK = ".run.lock"
_STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)
_KERNEL_GRACE_SECONDS = 10.0  # a stopped kernel may finish the save it is in; then SIGKILL
_T = TypeVar("_T")


@contextlib.contextmanager
def run_lock(data_dir: Path) -> Iterator[None]:
    """Hold data/.run.lock for a whole run, so that a second run into the same data/ refuses at once.

    The manifest lock keeps each save whole, but two runs would still interleave notebook by notebook and leave
    data/ a mix of both. The operating system releases flock when the holder exits, even on kill -9, so the lock
    never goes stale; the file holds the holder's pid, to name it.
    """
    lock = data_dir / RUN_LOCK
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        # O_NOFOLLOW: a link planted as the lock file must not make us create or write a file outside data/
        handle = os.fdopen(os.open(lock, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o666), "r+")
    except OSError as error:
        raise OutputError(f"cannot write into the data folder {data_dir} ({error.strerror or error}), so nothing "
                          "was run.", fix="make that folder writable, or pass --data-dir (or set WORKBENCH_DATA_DIR) "
                          "with a folder you can write, then run again.", file=lock) from None
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RunLocked(lock, handle.read().strip() or "unknown") from None
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        try:
            yield
        finally:
            handle.seek(0)
            handle.truncate()
            fcntl.flock(handle, fcntl.LOCK_UN)


class RunLocked(OutputError):
    """Another `workbench run` is writing into the same data/ (exit code 2, like any refused input)."""

    def __init__(self, lock: Path, holder: str) -> None:
        super().__init__(f"another `workbench run` (pid {holder}) is writing into {lock.parent} and holds its run "
                         "lock, so this run did not start.",
                         fix=f"wait for that run to finish (or stop it: kill {holder}), then run again; the lock is "
                             "freed when it exits, so there is no need to delete the file.", file=lock)


class StopRequested(BaseException):
    """SIGTERM or Ctrl-C, raised in the main thread; a BaseException, so that no `except Exception` swallows it.
    `running`: the tasks of `run_tasks` that were under way (their indices)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum
        self.running: list[int] = []


@contextlib.contextmanager
def stop_on_signals() -> Iterator[None]:
    """Turn SIGTERM and Ctrl-C into `StopRequested` while a run lasts (in the main thread, where handlers run).

    Without it SIGTERM ended the runner on the spot, with no message, and its kernel (in a session of its own)
    lived on until it noticed. Signals that follow the first are ignored: the stop is under way, bounded in time.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame: Any) -> None:
        for other in _STOP_SIGNALS:
            signal.signal(other, signal.SIG_IGN)
        raise StopRequested(signum)

    previous = {signum: signal.signal(signum, stop) for signum in _STOP_SIGNALS}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, signal.SIG_DFL if handler is None else handler)


class RunStopped(NotebookError):
    """SIGTERM or Ctrl-C stopped the run: its kernels are ended and every output written so far is whole.
    `where`: the notebooks under way (or the step of the run)."""

    def __init__(self, signum: int, where: str) -> None:
        self.exit_code = 128 + signum
        super().__init__(f"the run was stopped by {signal.Signals(signum).name} during {where}. The notebook kernels "
                         "have been ended; every output written before the stop is complete and listed in "
                         "manifest.json.",
                         fix="run the same command again to finish the run.")


def default_jobs() -> int:
    """Notebooks run at once: one per processor this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


class RunKernels:
    """The kernels of one run: the zygote they are forked from and every kernel manager, so that a stop finds them.

    A context manager: leaving it ends the zygote, so no process of the run outlives it.
    """

    def __init__(self, notebooks: Sequence[Path], *, drawing_likely: Callable[[], bool] = lambda: True) -> None:
        """`drawing_likely` is asked once the zygote has started (answering may import polars, which the first
        kernel would otherwise wait for): when false, the render service starts its engine on the first chart."""
        self.managers: list = []
        self._zygote = KernelZygote(preload_for(notebooks))
        self._render: RenderService | None = None
        if uses_workbench(notebooks):
            self._render = RenderService(warm=drawing_likely())  # one Vega for every kernel's charts
            compile_workbench()  # while the zygote imports

    def __enter__(self) -> RunKernels:
        return self

    def __exit__(self, *exc: object) -> None:
        self._zygote.close()
        if self._render is not None:
            self._render.close()

    def execute(self, notebook: Path, parameters: dict[str, Any], env: dict[str, str]) -> Any:
        """papermill on a kernel of its own, in the calling thread, with `env` added to the kernel's environment.
        No progress bar: notebooks run side by side, and their bars would overwrite each other."""
        import papermill

        if self._render is not None:
            env = {**self._render.environment, **env}
        return papermill.execute_notebook(
            str(notebook), None, parameters=parameters, kernel_name="python3", cwd=str(notebook.parent),
            progress_bar=False, log_output=False,
            kernel_manager_class=kernel_manager_class(self._zygote, env, self.managers),
            # ipykernel 7 warns on every start that loopback TCP is unencrypted; the kernel is ours, on 127.0.0.1.
            extra_arguments=["--IPKernelApp.log_level=ERROR"],
        )

    def end(self, finished: Callable[[], bool]) -> None:
        """SIGTERM each kernel's process group, SIGKILL it after a grace period, until `finished()` says that every
        notebook has let go of its kernel.

        The grace period is for a kernel in the middle of `save()`: its writes hold SIGTERM until the files and their
        manifest entry are in place. A kernel that launches while we wait (a stop during start-up) is caught too.
        papermill's "Kernel died" log line is muted meanwhile: the death is ours, and the stop message says so.
        """
        started = time.monotonic()
        sent: set[tuple[int, int]] = set()
        papermill_log = logging.getLogger("papermill")
        muted, papermill_log.disabled = papermill_log.disabled, True
        try:
            while not finished() and time.monotonic() - started < _KERNEL_GRACE_SECONDS + 5:
                signum = signal.SIGTERM if time.monotonic() - started < _KERNEL_GRACE_SECONDS else signal.SIGKILL
                for manager in list(self.managers):
                    process = getattr(manager.provisioner, "process", None)  # while the kernel runs
                    if process is not None and process.poll() is None and (process.pid, signum) not in sent:
                        sent.add((process.pid, signum))
                        _signal_group(process.pid, signum)
                time.sleep(0.05)
        finally:
            papermill_log.disabled = muted


@dataclass(frozen=True)
class FollowUp(Generic[_T]):
    """What a task of `run_tasks` returns to free its place early: `finish()` then runs on the run's follow-up
    thread (one at a time, in the order handed over), and its result or error is the task's."""

    finish: Callable[[], _T]


def run_tasks(tasks: Sequence[Callable[[], _T | FollowUp[_T]]], *, jobs: int, kernels: RunKernels,
              report: Callable[[int, _T | None, BaseException | None], None]) -> list[_T]:
    """Run `tasks` in worker threads, at most `jobs` at once, started in order; `report(i, result, error)` is called
    in the main thread for each task in order, once it and every task before it has ended.

    A task that returns a `FollowUp` frees its place at once (the next task starts) and ends when its follow-up
    does. After a task fails no other one starts; those under way finish, and then the first error (in task order)
    is raised. `StopRequested` (SIGTERM, Ctrl-C) ends every kernel, waits for the tasks under way to let go and for
    the follow-ups handed over (they write what ended notebooks made), and is raised again with `running` set to the
    indices of the tasks that had started but were not reported.
    """
    done: dict[int, tuple[_T | None, BaseException | None]] = {}
    running: set[int] = set()
    changed = threading.Condition()
    results: list[Any] = [None] * len(tasks)
    started = reported = 0
    failed: list[int] = []  # tasks that raised, as they end: no task starts after one of them
    failure: BaseException | None = None  # the first error reported
    follow_ups = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="workbench run follow-up")

    def end(index: int, outcome: tuple[_T | None, BaseException | None]) -> None:
        with changed:
            done[index] = outcome
            if outcome[1] is not None:
                failed.append(index)
            changed.notify_all()

    def follow(index: int, finish: Callable[[], _T]) -> None:
        try:
            outcome: tuple[_T | None, BaseException | None] = (finish(), None)
        except BaseException as error:  # handed to the main thread, which reports or raises it
            outcome = (None, error)
        end(index, outcome)

    def work(index: int) -> None:
        try:
            result = tasks[index]()
        except BaseException as error:  # handed to the main thread, which reports or raises it
            with changed:
                running.discard(index)
            end(index, (None, error))
            return
        with changed:
            if isinstance(result, FollowUp):  # handed over before the place is freed: a stop then waits for it
                follow_ups.submit(follow, index, result.finish)
            running.discard(index)
            changed.notify_all()
        if not isinstance(result, FollowUp):
            end(index, (result, None))

    try:
        while reported < started or (reported < len(tasks) and not failed):
            with changed:
                while not failed and started < len(tasks) and len(running) < max(1, jobs):
                    running.add(started)
                    threading.Thread(target=work, args=(started,), name=f"workbench run task {started}",
                                     daemon=True).start()
                    started += 1
                if reported not in done:
                    # A wait with a timeout, not Thread.join: a signal handler raising inside join() marks the
                    # thread as finished while it still runs (CPython's bpo-45274 handling).
                    changed.wait(0.1)
                    continue
                result, error = done.pop(reported)
            report(reported, result, error)
            results[reported] = result
            failure = failure or error
            reported += 1
    except StopRequested as stop:
        stop.running = list(range(reported, started))
        kernels.end(finished=lambda: not running)
        follow_ups.shutdown(wait=True)  # the executed copies and reports of notebooks that ended, still in the run
        raise
    finally:
        follow_ups.shutdown(wait=False)  # none is left: every task was reported (or the run is failing)
    if failure is not None:
        raise failure
    return results


def _signal_group(pid: int, signum: int) -> None:
    """Signal the kernel and what it started: jupyter_client gives each kernel a process group of its own."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        group = os.getpgid(pid)
        if group != os.getpgrp():
            os.killpg(group, signum)
        else:
            os.kill(pid, signum)
