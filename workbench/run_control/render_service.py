"""One Vega for a whole run: a process that draws the charts of every notebook, so each kernel need not start its own.

vl-convert starts a JavaScript engine and loads Vega-Lite on a process's first chart, about half a second; a run's
eight kernels paid it eight times. `workbench run` starts this service once (`RenderService`) and names its socket
to the kernels (`SOCKET_VARIABLE`); `svg()` sends a spec there and gets the SVG back, and returns None when there
is no service (JupyterLab, a script) or it fails, so the caller draws the chart itself, with the same bytes (as
long as the notebook changes no vl-convert setting, such as a font folder, which the service would not see).
vl-convert draws one chart at a time per process, so the service draws the kernels' charts one after another.

Protocol: per request, one connection; each side sends one JSON document, its length first (4 bytes, big-endian):
  kernel -> service  {"spec": "<Vega-Lite JSON>", "version": "6.4"}
  service -> kernel  {"svg": "..."} or {"error": "..."}
The service ends when its standard input closes, which is when the run ends, even by kill -9.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import socketserver
import struct
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from workbench.run_control.processes import wait_or_kill

__all__ = ["SOCKET_VARIABLE", "RenderService", "svg"]

SOCKET_VARIABLE = "WORKBENCH_RENDER_SOCKET"
_HEADER = struct.Struct(">I")
_CONNECT_SECONDS = 5.0
_READY_SECONDS = 10.0  # how long a notebook's start waits for the service to listen (it takes well under a second)
_DRAW_SECONDS = 120.0  # a chart of many thousand marks takes seconds; a hung service must not hang a notebook
_failed = False  # once the service has failed this process, it draws for itself from then on


def svg(spec_json: str, version: str) -> str | None:
    """The chart drawn by the run's service, or None (no service, or it failed: draw locally). A spec Vega
    rejects raises ValueError with Vega's message, as vl-convert does."""
    global _failed
    address = os.environ.get(SOCKET_VARIABLE)
    if not address or _failed:
        return None
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as channel:
            channel.settimeout(_CONNECT_SECONDS)
            channel.connect(address)
            channel.settimeout(_DRAW_SECONDS)
            _send(channel, {"spec": spec_json, "version": version})
            reply = _receive(channel)
    except (OSError, ValueError):
        _failed = True
        return None
    if "error" in reply:
        raise ValueError(reply["error"])
    return reply.get("svg")


def _send(channel: socket.socket, document: dict) -> None:
    data = json.dumps(document, ensure_ascii=False).encode("utf-8")
    channel.sendall(_HEADER.pack(len(data)) + data)


def _receive(channel: socket.socket) -> dict:
    (size,) = _HEADER.unpack(_exactly(channel, _HEADER.size))
    return json.loads(_exactly(channel, size).decode("utf-8"))


def _exactly(channel: socket.socket, size: int) -> bytes:
    chunks, left = [], size
    while left:
        chunk = channel.recv(min(left, 1 << 20))
        if not chunk:
            raise ValueError("the connection ended early")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


# run as `python -c` rather than `-m`: the package imports this module, and runpy would warn of a second copy
_START = f"import sys; from {__name__} import main; sys.exit(main(sys.argv[1:]))"


class RenderService:
    """The service of one run, as a context manager: `environment` holds what kernels need to reach it. `warm`:
    start the engine at once, while the kernels start (worth it when charts are to be drawn; when they are all kept
    from an earlier run the engine may never be needed, and starting it costs half a second of CPU at the busiest
    moment of a run)."""

    def __init__(self, *, warm: bool = True) -> None:
        self._folder = tempfile.TemporaryDirectory(prefix="workbench-render-")
        self.address = str(Path(self._folder.name) / "socket")
        self._process: subprocess.Popen | None = None
        with contextlib.suppress(OSError):
            # its failures only mean kernels draw for themselves: nothing of it belongs on the run's output
            self._process = subprocess.Popen([sys.executable, "-c", _START, self.address, *(["warm"] if warm else [])],
                                             stdin=subprocess.PIPE,
                                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                             start_new_session=True)

    @property
    def environment(self) -> dict[str, str]:
        """The variable that sends a kernel's charts here, once the service listens (empty if it never does: a
        kernel told of a service that is not there yet would draw for itself for the rest of its notebook)."""
        deadline = time.monotonic() + _READY_SECONDS
        while self._process is not None and not os.path.exists(self.address):
            if self._process.poll() is not None or time.monotonic() > deadline:
                return {}
            time.sleep(0.02)
        return {SOCKET_VARIABLE: self.address} if self._process is not None else {}

    def __enter__(self) -> RenderService:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._process is not None:
            with contextlib.suppress(OSError):
                self._process.stdin.close()  # type: ignore[union-attr]
            wait_or_kill(self._process)
            self._process = None
        self._folder.cleanup()


class _Handler(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        import vl_convert as vlc

        try:
            request = _receive(self.request)
            try:
                reply = {"svg": vlc.vegalite_to_svg(json.loads(request["spec"]), vl_version=request["version"])}
            except ValueError as error:  # Vega's own complaint about the spec: the notebook shows it
                reply = {"error": str(error)}
            _send(self.request, reply)
        except (OSError, ValueError, KeyError):  # the kernel went away, or sent nonsense: it draws for itself
            return


def main(argv: list[str]) -> int:
    """Serve on the socket path `argv[0]` until standard input closes; `warm` after it: start the engine now."""
    server = socketserver.ThreadingUnixStreamServer(argv[0], _Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    if argv[1:] == ["warm"]:
        import vl_convert as vlc

        vlc.vegalite_to_svg({"mark": "point"})  # start the engine while the kernels start (early requests queue)
    sys.stdin.buffer.read()  # returns at end of input: the run is over, and every kernel has ended
    # No server.shutdown(): it waits for serve_forever's next poll (half a second), which the run's end waited for.
    # The serving thread is a daemon and ends with the process.
    server.server_close()
    return 0

