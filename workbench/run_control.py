"""Run control for `workbench run`: one run at a time into a data/ folder, and a clean stop.

A run holds data/.run.lock, so a second run into the same data/ refuses at once instead of interleaving with it.
SIGTERM or Ctrl-C stops a run cleanly: the kernel is ended (after the save it may be in), the command says what
was kept and exits with 128 + the signal number; every output written until then is whole and in the manifest.
To end the kernel, the main thread must be free, so papermill runs in a worker thread.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from workbench.errors import NotebookError, OutputError

__all__ = ["RUN_LOCK", "RunLocked", "RunStopped", "StopRequested", "execute_notebook", "run_lock", "stop_on_signals"]

RUN_LOCK = ".run.lock"
_STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)
_KERNEL_GRACE_SECONDS = 10.0  # a stopped kernel may finish the save it is in; then SIGKILL


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
    """SIGTERM or Ctrl-C, raised in the main thread; a BaseException, so that no `except Exception` swallows it."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


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
    """SIGTERM or Ctrl-C stopped the run: its kernel is ended and every output written so far is whole."""

    def __init__(self, signum: int, where: str) -> None:
        self.exit_code = 128 + signum
        super().__init__(f"the run was stopped by {signal.Signals(signum).name} during {where}. The notebook kernel "
                         "has been ended; every output written before the stop is complete and listed in "
                         "manifest.json.",
                         fix="run the same command again to finish the run.")


def execute_notebook(notebook: Path, parameters: dict[str, Any]) -> Any:
    """papermill in a worker thread, so that the main thread stays free to end the kernel when the run is stopped.

    A signal handler raising in the middle of papermill's event loop would abandon it with the kernel running;
    from the main thread `_end_kernels` stops the kernel instead, and papermill, seeing it die, cleans up after it.
    """
    import papermill

    managers: list = []
    outcome: dict[str, Any] = {}
    done = threading.Event()

    def work() -> None:
        try:
            outcome["notebook"] = papermill.execute_notebook(
                str(notebook), None, parameters=parameters, kernel_name="python3", cwd=str(notebook.parent),
                progress_bar=sys.stderr.isatty(), log_output=False,
                kernel_manager_class=_recording_kernel_manager(managers),
                # ipykernel 7 warns on every start that loopback TCP is unencrypted; the kernel is ours, on 127.0.0.1.
                extra_arguments=["--IPKernelApp.log_level=ERROR"],
            )
        except BaseException as error:  # handed to the main thread, which raises it there
            outcome["error"] = error
        finally:
            done.set()

    # Wait on an Event, not Thread.join: a signal handler raising inside join() marks the thread as finished
    # while it still runs (CPython's bpo-45274 handling), and the kernel would then never be ended.
    try:
        threading.Thread(target=work, name=f"workbench run {notebook.stem}", daemon=True).start()
        while not done.wait(0.1):
            pass
    except StopRequested:
        _end_kernels(managers, done)
        raise
    if "error" in outcome:
        raise outcome["error"]
    return outcome["notebook"]


def _recording_kernel_manager(managers: list) -> type:
    """nbclient's default kernel manager, each instance noted in `managers` so that a stop can find its kernel."""
    from jupyter_client import AsyncKernelManager

    class RecordingKernelManager(AsyncKernelManager):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            managers.append(self)

    return RecordingKernelManager


def _end_kernels(managers: list, done: threading.Event) -> None:
    """SIGTERM each kernel's process group, SIGKILL it after a grace period, and wait for papermill to let go.

    The grace period is for a kernel in the middle of `save()`: its writes hold SIGTERM until the files and their
    manifest entry are in place. A kernel that launches while we wait (a stop during start-up) is caught too.
    papermill's "Kernel died" log line is muted meanwhile: the death is ours, and the stop message says so.
    """
    started = time.monotonic()
    sent: set[tuple[int, int]] = set()
    papermill_log = logging.getLogger("papermill")
    muted, papermill_log.disabled = papermill_log.disabled, True
    try:
        while not done.is_set() and time.monotonic() - started < _KERNEL_GRACE_SECONDS + 5:
            signum = signal.SIGTERM if time.monotonic() - started < _KERNEL_GRACE_SECONDS else signal.SIGKILL
            for manager in managers:
                process = getattr(manager.provisioner, "process", None)  # a Popen while the kernel runs
                if process is not None and process.poll() is None and (process.pid, signum) not in sent:
                    sent.add((process.pid, signum))
                    _signal_group(process.pid, signum)
            done.wait(0.1)
    finally:
        papermill_log.disabled = muted


def _signal_group(pid: int, signum: int) -> None:
    """Signal the kernel and what it started: jupyter_client gives each kernel a process group of its own."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        group = os.getpgid(pid)
        if group != os.getpgrp():
            os.killpg(group, signum)
        else:
            os.kill(pid, signum)
