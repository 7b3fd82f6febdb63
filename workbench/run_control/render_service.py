"""One Vega for a whole run: a process that draws the charts of every notebook, so each kernel need not start its own.

vl-convert starts a JavaScript engine and loads Vega-Lite on a process's first chart, about half a second; a run's
eight kernels paid it eight times. `workbench run` starts this service once (`RenderService`) and names its socket
to the kernels (`SOCKET_VARIABLE`); `svg()` sends a spec there and gets the SVG back, and returns None when there
is no service (JupyterLab, a script) or it fails, so the caller draws the chart itself, with the same bytes.

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
from pathlib import Path

from workbench.run_control.processes import wait_or_kill

__all__ = ["SOCKET_VARIABLE", "RenderService", "svg"]

SOCKET_VARIABLE = "WORKBENCH_RENDER_SOCKET"
_HEADER = struct.Struct(">I")
_TIMEOUT_SECONDS = 120.0  # a chart of many thousand marks takes seconds; a hung service must not hang a notebook


def svg(spec_json: str, version: str) -> str | None:
    """The chart drawn by the run's service, or None (no service, or it failed: draw locally). A spec Vega
    rejects raises ValueError with Vega's message, as vl-convert does."""
    address = os.environ.get(SOCKET_VARIABLE)
    if not address:
        return None
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as channel:
            channel.settimeout(_TIMEOUT_SECONDS)
            channel.connect(address)
            _send(channel, {"spec": spec_json, "version": version})
            reply = _receive(channel)
    except (OSError, ValueError):
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
    """The service of one run, as a context manager: `environment` holds what kernels need to reach it."""

    def __init__(self) -> None:
        self._folder = tempfile.TemporaryDirectory(prefix="workbench-render-")
        self.address = str(Path(self._folder.name) / "socket")
        self._process: subprocess.Popen | None = None
        with contextlib.suppress(OSError):
            self._process = subprocess.Popen([sys.executable, "-c", _START, self.address],
                                             stdin=subprocess.PIPE, start_new_session=True)

    @property
    def environment(self) -> dict[str, str]:
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
    """Serve on the socket path `argv[0]` until standard input closes."""
    import vl_convert as vlc

    vlc.vegalite_to_svg({"mark": "point"})  # start the engine now, while the kernels start
    server = socketserver.ThreadingUnixStreamServer(argv[0], _Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    sys.stdin.buffer.read()  # returns at end of input: the run is over
    server.shutdown()
    return 0

