"""A loopback HTTP server for the live-dataset tests: serves ../shared/external, and misbehaves on request.

Routes (PATH is a file path under the shared external folder):
  /files/PATH                   the file, with Content-Length
  /status/CODE/PATH             HTTP CODE with a short body
  /flaky/N/PATH                 HTTP 503 for the first N requests of this route, then the file
  /slow/SECONDS/PATH            waits, then the file
  /truncated/PATH               announces the full length, sends half, closes
  /html/PATH                    an HTML error page served as text/html
  /html-as-csv/PATH             an HTML page that claims to be text/csv
  /nolength/PATH                the file without Content-Length (body ends when the connection closes)
  /redirect/HOST/PATH           302 to http://HOST:<this port>/files/PATH
  /other/SRC/as/NAME            serves file SRC under another name (an upstream file that changed)
Every request path is recorded in `server.requests`, so a test can prove the network was not touched.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from workbench import paths

HTML_PAGE = b"<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head><body>Oops</body></html>\n"


def shared_external() -> Path | None:
    """../shared/external next to the checkout (or $WORKBENCH_SHARED_DIR/external); None if absent."""
    configured = os.environ.get("WORKBENCH_SHARED_DIR", "").strip()
    shared = Path(configured) if configured else paths.root().parent / "shared"
    external = shared / "external"
    return external if external.is_dir() else None


class LiveServer:
    """ThreadingHTTPServer on 127.0.0.1, port 0, in a daemon thread; `stop()` shuts it down."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.requests: list[str] = []
        self.counters: dict[str, int] = {}
        self.lock = threading.Lock()
        handler = type("Handler", (_Handler,), {"live": self})
        self.httpd = _QuietServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def url(self, route: str) -> str:
        return f"http://127.0.0.1:{self.port}/{route.lstrip('/')}"

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


class _QuietServer(ThreadingHTTPServer):
    """Clients that hang up early (timeouts, size caps) are what the tests want: no traceback for them."""

    def handle_error(self, request, client_address) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    live: LiveServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args) -> None:  # keep test output clean
        pass

    def do_GET(self) -> None:  # noqa: N802 (http.server API)
        with self.live.lock:
            self.live.requests.append(self.path)
        route, _, rest = self.path.lstrip("/").partition("/")
        handler = getattr(self, f"_route_{route.replace('-', '_')}", None)
        if handler is None:
            self._send(404, b"no such route\n", "text/plain")
        else:
            handler(rest)

    # --- routes ---
    def _route_files(self, rest: str) -> None:
        path = self._file(rest)
        if path is not None:
            self._send(200, path.read_bytes(), "text/csv")

    def _route_status(self, rest: str) -> None:
        code, _, _ = rest.partition("/")
        self._send(int(code), f"status {code}\n".encode(), "text/plain")

    def _route_flaky(self, rest: str) -> None:
        failures, _, path = rest.partition("/")
        with self.live.lock:
            seen = self.live.counters.get(self.path, 0)
            self.live.counters[self.path] = seen + 1
        if seen < int(failures):
            self._send(503, b"try again\n", "text/plain")
        else:
            self._route_files(path)

    def _route_slow(self, rest: str) -> None:
        seconds, _, path = rest.partition("/")
        time.sleep(float(seconds))
        self._route_files(path)

    def _route_truncated(self, rest: str) -> None:
        path = self._file(rest)
        if path is None:
            return
        body = path.read_bytes()
        self.send_response(200)
        self.send_header("Content-Type", "text/csv")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body[: len(body) // 2])
        self.wfile.flush()
        self.close_connection = True

    def _route_html(self, rest: str) -> None:
        self._send(200, HTML_PAGE, "text/html; charset=utf-8")

    def _route_html_as_csv(self, rest: str) -> None:
        self._send(200, HTML_PAGE, "text/csv")

    def _route_nolength(self, rest: str) -> None:
        path = self._file(rest)
        if path is None:
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/csv")
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(path.read_bytes())
        self.close_connection = True

    def _route_redirect(self, rest: str) -> None:
        host, _, path = rest.partition("/")
        self.send_response(302)
        self.send_header("Location", f"http://{host}:{self.live.port}/files/{path}")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _route_other(self, rest: str) -> None:
        source, _, _ = rest.partition("/as/")
        self._route_files(source)

    # --- helpers ---
    def _file(self, rest: str) -> Path | None:
        path = (self.live.root / rest).resolve()
        if not path.is_file() or self.live.root.resolve() not in path.parents:
            self._send(404, b"not found\n", "text/plain")
            return None
        return path

    def _send(self, code: int, body: bytes, content_type: str) -> None:
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
