"""Kernels for `workbench run`: forked from a zygote that imported their libraries once, else started as usual.

Starting `python -m ipykernel_launcher` and importing altair (whose jsonschema compiles some forty grammars on
import) took two to five seconds of every notebook, the same work for each. `KernelZygote` starts zygote.py once per
run: it imports the kernel and, when a notebook of the run imports workbench, the pure-Python libraries behind it,
then forks one kernel per notebook. Each notebook still has a kernel of its own, started from the same clean state
(no notebook code ever runs in the zygote), with the environment, folder and command line its kernel manager
prepared; outputs are byte for byte those of a launched kernel (tests/test_runner.py checks). One difference: a
warning a library prints while being imported is printed once, by the zygote, not in the notebook's output.

Where forking is not safe or not possible (not Linux, a library that started a thread on import, another kernel
command or other interpreter settings, WORKBENCH_FORK_KERNELS=0), kernels start the usual way.
"""

from __future__ import annotations

import ast
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from workbench.run_control.processes import wait_or_kill

__all__ = ["KERNEL_MODULE", "KERNEL_MODULES", "NOTEBOOK_LIBRARIES", "NOTEBOOK_WARM_UP", "SHUTDOWN_WAIT_SECONDS",
           "ForkedKernel", "KernelZygote", "compile_workbench", "kernel_manager_class", "preload_for", "uses_workbench"]

KERNEL_MODULE = "ipykernel_launcher"
#: What every kernel imports before it can answer (its debugger too, which each kernel loads as it starts): forked
#: kernels skip it.
KERNEL_MODULES = ("ipykernel.kernelapp", "ipykernel.ipkernel", "ipykernel.zmqshell", "ipykernel.debugger")
#: What a notebook importing workbench spends its first seconds importing, and that starts no thread on import but
#: those the zygote knows a fork leaves behind safely (zygote.FORK_SAFE_THREADS: polars' allocator and spill cleaner;
#: numpy's BLAS threads are not among them, so each kernel imports numpy itself). `workbench` first: importing it
#: defers the grammars that jsonschema would otherwise compile on import (workbench/deferred_imports.py). The
#: narwhals modules are what altair loads to read a polars frame.
NOTEBOOK_LIBRARIES = ("workbench", "altair", "jsonschema", "ipywidgets", "anywidget", "great_tables", "vl_convert",
                      "polars", "narwhals._polars.dataframe", "narwhals._polars.namespace",
                      *(f"workbench.{name}" for name in ("notebook_setup", "outputs", "charts", "tables", "widgets",
                                                         "views.common", "datasets.curated", "corpus", "analysis")))
#: What every kernel that loads a dataset would compute first, computed once in the zygote (`module:function`):
#: the typed registry, parsed from TOML (its cache re-reads the file if it changed since).
NOTEBOOK_WARM_UP = ("workbench.datasets.registry:read",)
_ZYGOTE = Path(__file__).with_name("zygote.py")
_READY_TIMEOUT = 60.0
#: How long a kernel asked to shut down may take before it is sent SIGTERM (half) and SIGKILL (the rest)
SHUTDOWN_WAIT_SECONDS = 1.0
# launch arguments the zygote honours; any other (a redirected stream, say) means the usual launch
_LAUNCH_KEYWORDS = {"env", "cwd", "kernel_id", "extra_arguments"}


def preload_for(notebooks: Iterable[Path]) -> list[str]:
    """The modules to import ahead for these notebooks: the kernel's, and workbench's libraries when one of them
    imports workbench (or one of those libraries). Notebooks emptied of their imports get the bare kernel."""
    return [*KERNEL_MODULES, *((*NOTEBOOK_LIBRARIES, *NOTEBOOK_WARM_UP) if uses_workbench(notebooks) else ())]


def compile_workbench() -> None:
    """Write the workbench package's bytecode, as pip does for an installed package, so that each kernel reads it.

    An editable install has none, and a kernel started with PYTHONDONTWRITEBYTECODE (common in containers) never
    writes it: every kernel then compiled each module it imported from source, about a third of a second each.
    Up-to-date files are skipped; a folder we may not write is left alone (the kernels compile as before).
    """
    import compileall

    import workbench

    with contextlib.suppress(OSError):
        compileall.compile_dir(Path(workbench.__file__).parent, quiet=2, workers=1)


def uses_workbench(notebooks: Iterable[Path]) -> bool:
    """Whether one of the notebooks imports workbench or one of the libraries behind its charts and explorers."""
    imported = set().union(*(_imports_of(path) for path in notebooks))
    return bool(imported & {"workbench", *NOTEBOOK_LIBRARIES})


def _imports_of(notebook: Path) -> set[str]:
    """Top-level package names the notebook's code cells import (cells that are not plain Python are skipped)."""
    try:
        cells = json.loads(notebook.read_text(encoding="utf-8")).get("cells", [])
    except (OSError, ValueError, AttributeError):
        return set()
    names: set[str] = set()
    for cell in cells if isinstance(cells, list) else []:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        try:
            tree = ast.parse("".join(source) if isinstance(source, list) else str(source))
        except (SyntaxError, ValueError):  # magics, shell escapes
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.add(node.module.split(".")[0])
    return names


class KernelZygote:
    """The zygote of one run: `launch()` forks a kernel, or returns None when the kernel must start the usual way.

    Use it as a context manager; leaving it ends the zygote (and waits for it), so no process of the run lives on.
    """

    def __init__(self, preload: Sequence[str]) -> None:
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._sending = threading.Lock()  # notebooks start side by side: one request at a time on the socket
        self._replies: dict[int, dict[str, Any]] = {}
        self._exits: dict[int, int] = {}
        self._next_id = 0
        self._ready: bool | None = None  # None: not yet known
        self._alive = False
        self._process: subprocess.Popen | None = None
        self._channel: socket.socket | None = None
        self._startup = _startup_settings(os.environ)  # what the zygote's interpreter was started with
        if sys.platform.startswith("linux") and os.environ.get("WORKBENCH_FORK_KERNELS", "1") != "0":
            self._start(preload)

    def _start(self, preload: Sequence[str]) -> None:
        ours, theirs = socket.socketpair()
        try:
            self._process = subprocess.Popen(
                [sys.executable, str(_ZYGOTE), str(theirs.fileno()), KERNEL_MODULE, *preload],
                pass_fds=[theirs.fileno()], stdin=subprocess.DEVNULL, start_new_session=True)
        except OSError:
            ours.close()
            return
        finally:
            theirs.close()
        self._channel, self._alive = ours, True
        threading.Thread(target=self._listen, name="workbench kernel zygote", daemon=True).start()

    def __enter__(self) -> KernelZygote:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """End the zygote: it stops at the end of its input; a zygote that does not is killed. One still importing
        (a run that stopped before its first kernel, on a misspelt parameter say) has forked nothing and would read
        the end only after its imports: it is ended at once, so the error shows without waiting a second."""
        with self._changed:
            importing = self._ready is None and self._alive
        if self._channel is not None:
            with contextlib.suppress(OSError):  # wakes the listening thread, and the zygote reads the end
                self._channel.shutdown(socket.SHUT_RDWR)
            self._channel.close()
            self._channel = None
        if self._process is not None:
            if importing:
                self._process.terminate()
            wait_or_kill(self._process)
            self._process = None

    def launch(self, cmd: Sequence[str], **launch: Any) -> ForkedKernel | None:
        """Fork the kernel `cmd` (with the kernel manager's `env` and `cwd`); None: launch it the usual way."""
        env = launch.get("env") or {}
        if (self._channel is None or set(launch) - _LAUNCH_KEYWORDS or len(cmd) < 3
                or list(cmd[1:3]) != ["-m", KERNEL_MODULE] or not _same_interpreter(cmd[0])
                or _startup_settings(env) != self._startup):
            return None
        with self._changed:
            if not self._changed.wait_for(lambda: self._ready is not None or not self._alive, _READY_TIMEOUT):
                return None
            if not self._ready:
                return None
            self._next_id += 1
            request_id = self._next_id
        request = {"id": request_id, "argv": list(cmd), "env": dict(env), "cwd": str(launch.get("cwd") or os.getcwd())}
        try:
            with self._sending:
                self._channel.sendall(json.dumps(request).encode() + b"\n")
        except (OSError, AttributeError):  # AttributeError: closed meanwhile
            return None
        with self._changed:
            self._changed.wait_for(lambda: request_id in self._replies or not self._alive, _READY_TIMEOUT)
            reply = self._replies.pop(request_id, {})
        return ForkedKernel(reply["pid"], self) if "pid" in reply else None

    def exit_status(self, pid: int) -> int | None:
        """The kernel's exit code (negative: the signal that ended it), None while it runs."""
        with self._lock:
            if pid in self._exits:
                return self._exits[pid]
            alive = self._alive
        if alive:
            return None
        try:  # the zygote is gone and reports no more exits: ask the system
            os.kill(pid, 0)
        except ProcessLookupError:
            return -signal.SIGKILL
        except PermissionError:
            pass
        return None

    def _listen(self) -> None:
        channel, pending = self._channel, b""
        try:
            while channel is not None:
                received = channel.recv(65536)
                if not received:
                    break
                pending += received
                while b"\n" in pending:
                    line, pending = pending.split(b"\n", 1)
                    self._receive(json.loads(line))
        except (OSError, ValueError):
            pass
        finally:
            with self._changed:
                self._alive = False
                self._changed.notify_all()

    def _receive(self, message: dict[str, Any]) -> None:
        with self._changed:
            if "ready" in message:
                self._ready = message.get("threads") == 1
            elif "exited" in message:
                self._exits[message["exited"]] = message["status"]
            elif "id" in message:
                self._replies[message["id"]] = message
            self._changed.notify_all()


def _same_interpreter(executable: str) -> bool:
    try:
        return os.path.samefile(executable, sys.executable)
    except OSError:
        return False


def _startup_settings(env: Mapping[str, str]) -> dict[str, str]:
    """The variables an interpreter reads as it starts (PYTHONPATH, PYTHONHASHSEED, LD_PRELOAD...): a kernel asking
    for other ones than the zygote started with must start as an interpreter of its own."""
    return {key: value for key, value in env.items() if key.startswith(("PYTHON", "LD_"))}


class ForkedKernel:
    """What jupyter_client's LocalProvisioner needs of a kernel process (a `subprocess.Popen`'s poll, wait and
    signals), for a kernel the zygote forked. The kernel leads its own process group, as launched kernels do."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int, zygote: KernelZygote) -> None:
        self.pid = pid
        self._zygote = zygote
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            self.returncode = self._zygote.exit_status(self.pid)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired([str(self.pid)], timeout or 0)
            time.sleep(0.01)
        return self.returncode  # type: ignore[return-value]

    def send_signal(self, signum: int) -> None:
        if self.poll() is None:
            os.kill(self.pid, signum)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


def kernel_manager_class(zygote: KernelZygote | None, env: dict[str, str], managers: list) -> type:
    """nbclient's kernel manager, with the kernel forked by `zygote` (when it can), `env` added to the kernel's
    environment, and each instance noted in `managers` so that a stop can find its kernel."""
    from jupyter_client import AsyncKernelManager
    from jupyter_client.provisioning import LocalProvisioner

    class RunKernelManager(AsyncKernelManager):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            # After a notebook's last cell the kernel is asked to shut down and exits within 0.1 s, except that
            # about one kernel in ten hangs in ipykernel's exit handler: it joins the control thread, which waits for
            # a flush by the IOPub thread that exit has already stopped (the race of posit-dev/positron#7142). The
            # kernel manager waits half of `shutdown_wait_time` before SIGTERM; 1 s instead of its 5 s cuts that hang
            # from 2.5 s to 0.5 s. By then every output is written: `save` returns only once its files are in place.
            kwargs.setdefault("shutdown_wait_time", SHUTDOWN_WAIT_SECONDS)
            super().__init__(*args, **kwargs)
            managers.append(self)

        async def _async_pre_start_kernel(self, **kw: Any) -> tuple[list[str], dict[str, Any]]:
            kw["env"] = {**(kw.get("env") or os.environ), **env}
            return await super()._async_pre_start_kernel(**kw)

        async def _async_launch_kernel(self, kernel_cmd: list[str], **kw: Any) -> None:
            provisioner = self.provisioner
            forkable = zygote is not None and type(provisioner) is LocalProvisioner
            process = zygote.launch(kernel_cmd, **kw) if forkable else None
            if process is None:
                await super()._async_launch_kernel(kernel_cmd, **kw)
                return
            # what LocalProvisioner.launch_kernel records of a process it started itself
            provisioner.process, provisioner.pid, provisioner.pgid = process, process.pid, process.pid
            provisioner.cwd = kw.get("cwd") or os.getcwd()
            self._reconcile_connection_info(provisioner.connection_info)

        async def _async_interrupt_kernel(self) -> None:
            # jupyter_client interrupts a kernel before asking it to shut down; at the end of a notebook the kernel
            # is idle, and an idle ipykernel dies of SIGINT, logging "KeyboardInterrupt caught in kernel" as an
            # error on the run's output. The shutdown request ends it cleanly; a stop signals kernels itself.
            if not self.shutting_down:
                await super()._async_interrupt_kernel()

    return RunKernelManager
