"""The kernel zygote: a process that imported the kernel's libraries once and forks a ready kernel per notebook.

A fresh `python -m ipykernel_launcher` spends most of its first seconds importing (IPython and ipykernel, and then
altair, whose jsonschema compiles some forty grammars on import); a run of eight notebooks paid that eight times.
This script is started once per run by `workbench.run_control.kernels` with the kernel's module and the modules
to import ahead; for each kernel it forks, and the child becomes that kernel: a session of its own, the notebook's
folder, the environment the kernel manager prepared, and the kernel's own command line. Nothing a notebook runs
ever runs here, so each notebook still has a kernel of its own, started from the same clean state.

Forking is only safe while no other thread can hold a lock the child needs: after importing, the zygote counts its
threads, leaving out the native ones in FORK_SAFE_THREADS, and if a library started another, says so and forks
nothing (the runner then starts kernels the usual way).

Protocol (one JSON document per line on the socket whose descriptor is the first argument):
  zygote -> runner  {"ready": pid, "threads": n}                     once, after the imports
  runner -> zygote  {"id": n, "argv": [...], "env": {...}, "cwd": "..."}
  zygote -> runner  {"id": n, "pid": pid} or {"id": n, "error": "..."}
  zygote -> runner  {"exited": pid, "status": code}                  when a kernel ends (code < 0: by a signal)
End of input on the socket (the runner ended, even by kill -9) ends the zygote; its kernels then see their parent
change and stop on their own (ipykernel's parent poller).

Standard library only: this file runs as a script, before (and without) the workbench package.
"""

from __future__ import annotations

import gc
import importlib
import json
import os
import runpy
import select
import signal
import socket
import sys
import time
import traceback
from typing import Any

__all__ = ["main"]


def main(argv: list[str]) -> int:
    """`zygote.py FD MODULE [PRELOAD...]`: serve kernel launches of `python -m MODULE` on socket FD. A PRELOAD is a
    module to import, or `module:function` to import and call without arguments: a pure computation every kernel
    would otherwise repeat first (its result cached in the module), which must start no thread."""
    channel = socket.socket(fileno=int(argv[0]))
    module, preload = argv[1], argv[2:]
    del sys.path[0]  # this script's folder: modules resolve as in `python -m`, without it
    # The kernels' parent, for libraries that read it on import (ipykernel's parent poller and its start-up note)
    os.environ["JPY_PARENT_PID"] = str(os.getpid())
    # ipykernel's debugger (pydevd) warns as it loads that frozen modules may hide breakpoints: a kernel started the
    # usual way sends that line to its notebook's front end, the zygote would print it to the run's terminal
    os.environ["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"
    # No collections while importing (they walked the growing heap again and again: a tenth of the imports' time)
    # nor after: gc.disable() early in the parent, gc.freeze() before forking, gc.enable() in each child, as the gc
    # module's documentation advises for processes that fork without exec.
    gc.disable()
    for name in preload:
        module_name, _, warm = name.partition(":")
        try:
            imported = importlib.import_module(module_name)
            if warm:
                getattr(imported, warm)()
        except Exception:  # a library missing or broken here fails (and is reported) in the notebook that uses it
            continue
    # What was imported lives as long as each kernel: moved out of the collector's sight, so that no collection in a
    # kernel walks it again (IPython's exit runs a full one; it took a third of a second per kernel) and its pages
    # stay shared with this process (gc.freeze's documented use before fork).
    gc.freeze()
    threads = _thread_count()
    try:
        _send(channel, {"ready": os.getpid(), "threads": threads})
        if threads == 1:  # else unsafe to fork: the runner starts kernels the usual way
            _serve(channel, module)
    except OSError:  # the runner is gone (even killed): nothing to serve
        pass
    return 0


def _serve(channel: socket.socket, module: str) -> None:
    """Fork a kernel per request and report the kernels' exits, until the runner closes the socket."""
    wake_read, wake_write = os.pipe()
    os.set_blocking(wake_write, False)
    signal.signal(signal.SIGCHLD, lambda signum, frame: None)
    signal.set_wakeup_fd(wake_write, warn_on_full_buffer=False)
    pending = b""
    while True:
        try:
            ready, _, _ = select.select([channel, wake_read], [], [])
        except InterruptedError:
            continue
        if wake_read in ready:
            os.read(wake_read, 512)
        _report_exits(channel)
        if channel in ready:
            received = channel.recv(65536)
            if not received:
                return
            pending += received
            while b"\n" in pending:
                line, pending = pending.split(b"\n", 1)
                request = json.loads(line)
                reply = _fork_kernel(request, module, channel, (wake_read, wake_write))
                _send(channel, {"id": request["id"], **reply})


def _fork_kernel(request: dict[str, Any], module: str, channel: socket.socket,
                 close: tuple[int, ...]) -> dict[str, Any]:
    """Fork; the parent returns the child's pid once the child leads a session of its own (so that the runner can
    signal its process group at once); the child never returns."""
    sys.stdout.flush()
    sys.stderr.flush()
    started_read, started_write = os.pipe()
    try:
        pid = os.fork()
    except OSError as error:
        os.close(started_read)
        os.close(started_write)
        return {"error": f"fork failed ({error.strerror or error})"}
    if pid == 0:  # the kernel
        code = 1
        try:
            os.close(started_read)
            os.setsid()
            os.write(started_write, b"1")
            os.close(started_write)
            code = _become_kernel(request, module, channel, close)
        except SystemExit as stop:
            code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
        except BaseException:
            traceback.print_exc()
        finally:
            _exit(code)
    os.close(started_write)
    os.read(started_read, 1)  # one byte once the child called setsid; nothing if it died first
    os.close(started_read)
    return {"pid": pid}


def _become_kernel(request: dict[str, Any], module: str, channel: socket.socket, close: tuple[int, ...]) -> int:
    """Turn this forked child into `python -m MODULE ARGS...`, as the kernel manager would have started it."""
    signal.set_wakeup_fd(-1)
    gc.enable()  # the kernel collects its own garbage; what the zygote imported stays frozen, out of its sight
    channel.close()
    for fd in close:
        os.close(fd)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # Jupyter interrupts a cell with SIGINT
    null = os.open(os.devnull, os.O_RDONLY)  # jupyter_client gives a kernel no input either
    os.dup2(null, 0)
    os.close(null)
    os.chdir(request["cwd"] or os.getcwd())
    os.environ.clear()
    os.environ.update(request["env"])
    os.environ["JPY_PARENT_PID"] = str(os.getppid())  # the kernel ends if this zygote does
    time.tzset()
    sys.argv = [module, *request["argv"][3:]]
    sys.path.insert(0, os.getcwd())  # as `python -m` puts it; ipykernel_launcher takes it out again
    runpy.run_module(module, run_name="__main__", alter_sys=True)
    return 0


def _exit(code: int) -> None:
    """End the kernel as an interpreter ends: exit handlers run and output is flushed, but the zygote's frames
    below this one are never unwound in the child."""
    import atexit
    import threading

    try:
        threading._shutdown()  # type: ignore[attr-defined]  # joins non-daemon threads, as interpreter exit does
        atexit._run_exitfuncs()
        sys.stdout.flush()
        sys.stderr.flush()
    finally:
        os._exit(code)


def _report_exits(channel: socket.socket) -> None:
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        _send(channel, {"exited": pid, "status": os.waitstatus_to_exitcode(status)})


#: Native threads that importing polars starts, by the name Linux gives them (/proc/self/task/*/comm), which a fork
#: leaves behind safely: its allocator's (jemalloc) background purging, whose fork handlers keep the child's heap
#: consistent and stop purging there; and its out-of-core spill cleaner, idle until a query spills to disk, which a
#: notebook's kernel never does. Polars' worker pool, whose absence would hang a child, starts on first use and never
#: in the zygote, which runs no polars code. A test forks after the import and runs parallel work and the exit
#: handlers in the child (tests/test_runner.py), so that a new polars that starts other threads, or that waits on
#: one at exit, is caught before a run hangs on it.
FORK_SAFE_THREADS = frozenset({"jemalloc_bg_thd", "polars-ooc-clea"})


def _thread_count() -> int:
    """This process's threads other than those in FORK_SAFE_THREADS (0: unknown, which the runner treats as
    unsafe)."""
    try:
        tasks = os.listdir("/proc/self/task")
    except OSError:
        return 0
    return sum(_thread_name(task) not in FORK_SAFE_THREADS for task in tasks)


def _thread_name(task: str) -> str:
    try:
        with open(f"/proc/self/task/{task}/comm", encoding="utf-8") as comm:
            return comm.read().strip()
    except OSError:  # ended meanwhile: counted, to be safe
        return ""


def _send(channel: socket.socket, message: dict[str, Any]) -> None:
    channel.sendall(json.dumps(message).encode() + b"\n")


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
