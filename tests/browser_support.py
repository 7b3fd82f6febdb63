"""Drive JupyterLab and the Voilà app in Debian's Chromium, the way a reader sees them.

Used by tests/test_browser.py and bench/bench_browser.py. Servers run on 127.0.0.1 with a random port and
token, in a scratch copy of notebooks/ and seeds/, and are stopped by their own process group. Chromium is
Debian's (`apt-get install -y chromium`); Playwright is only the driver (never `playwright install`).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
# DESIGN.md §6: flags that work in containers, and nothing that phones home
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
HOW_TO_ENABLE = ("browser tests need Debian's Chromium: `sudo apt-get install -y chromium` "
                 "(Playwright drives it; never `playwright install`)")
# JupyterLab user settings for the test server: no news or update checks (they reach the internet), every
# cell kept in the page (JupyterLab otherwise skips drawing cells far outside the view), and the notebook's
# kernel started without asking (under load JupyterLab may otherwise show a "Select Kernel" dialog)
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False},
    "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none", "autoStartDefaultKernel": True},
}
START_TIMEOUT_S = 60
RUN_TIMEOUT_MS = 180_000


def chromium() -> str | None:
    """Debian's Chromium, if installed."""
    return next((path for path in CHROMIUM_CANDIDATES if Path(path).is_file()), shutil.which("chromium"))


@dataclass
class Server:
    """A JupyterLab or Voilà server started for a test, in its own process group."""

    process: subprocess.Popen
    port: int
    token: str
    root: Path
    log: Path

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def api(self, method: str, path: str) -> object:
        request = urllib.request.Request(f"{self.base}{path}", method=method,
                                         headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(request, timeout=10) as response:
            body = response.read()
        return json.loads(body) if body else None

    def shutdown_kernels(self) -> None:
        """Stop every kernel this server runs (each notebook test starts one)."""
        for session in self.api("GET", "/api/sessions") or []:
            self.api("DELETE", f"/api/sessions/{session['id']}")

    def stop(self) -> None:
        """SIGTERM to the server's process group (server and kernels), then SIGKILL if it lingers."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:]) if self.log.exists() else ""


def scratch_workbench(root: Path) -> Path:
    """A copy of notebooks/ and seeds/ with an empty data/: what a server started here reads and writes."""
    shutil.copytree(REPO / "notebooks", root / "notebooks", ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    shutil.copytree(REPO / "seeds", root / "seeds")
    (root / "data").mkdir()
    return root


def server_environment(root: Path) -> dict[str, str]:
    """The workbench pointed at `root`, Jupyter's own state kept there too (no user config leaks in)."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("WORKBENCH_")}
    environment.update(WORKBENCH_ROOT=str(root), JUPYTER_CONFIG_DIR=str(root / ".jupyter"),
                       JUPYTER_RUNTIME_DIR=str(root / ".jupyter-runtime"), IPYTHONDIR=str(root / ".ipython"),
                       PYTHONUNBUFFERED="1")
    return environment


def write_notebook(path: Path, sources: list[str]) -> Path:
    """A minimal notebook of code cells (a scratch page for a test or a benchmark)."""
    cells = [{"cell_type": "code", "execution_count": None, "id": f"{path.stem}-{i}", "metadata": {},
              "outputs": [], "source": source} for i, source in enumerate(sources)]
    path.write_text(json.dumps({"cells": cells, "metadata": {"kernelspec": {
        "name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}},
        "nbformat": 4, "nbformat_minor": 5}))
    return path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_lab(root: Path) -> Server:
    """JupyterLab on 127.0.0.1 serving `root`/notebooks, with a random port and token."""
    settings = root / ".lab-settings"
    for plugin, values in LAB_SETTINGS.items():
        path = settings / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    port, token = free_port(), secrets.token_hex(16)
    command = [sys.executable, "-m", "jupyter", "lab", "--no-browser", f"--port={port}", "--ServerApp.port_retries=0",
               "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={token}",
               f"--ServerApp.root_dir={root / 'notebooks'}", f"--LabApp.user_settings_dir={settings}",
               f"--LabApp.workspaces_dir={root / '.lab-workspaces'}"]
    if os.geteuid() == 0:
        command.append("--allow-root")
    return _start(command, root, port, token, "lab.log", status_path=f"/api/status?token={token}")


def start_app(root: Path) -> Server:
    """`workbench app` (what `make app` runs) on a random port, with a token."""
    port, token = free_port(), secrets.token_hex(16)
    command = [sys.executable, "-m", "workbench", "app", "--no-browser", f"--port={port}", f"--token={token}"]
    return _start(command, root, port, token, "app.log", status_path=None)  # its pages run the notebook


def _start(command: list[str], root: Path, port: int, token: str, log_name: str, status_path: str | None
           ) -> Server:
    """Start a server and wait until it answers `status_path` (or, with None, until its port accepts)."""
    log = root / log_name
    with log.open("w") as sink:
        process = subprocess.Popen(command, cwd=root, env=server_environment(root), stdout=sink,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    server = Server(process, port, token, root, log)
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{command[3]} exited with {process.returncode}:\n{server.log_tail()}")
        try:
            if status_path is None:
                socket.create_connection(("127.0.0.1", port), timeout=2).close()
            else:
                urllib.request.urlopen(f"{server.base}{status_path}", timeout=2).close()
            return server
        except OSError:
            time.sleep(0.3)
    server.stop()
    raise RuntimeError(f"server did not answer on port {port} in {START_TIMEOUT_S} s:\n{server.log_tail()}")


@dataclass
class PageWatch:
    """What a page did that a reader would call broken: failed requests, dialogs, console errors, Vega warnings."""

    failed_requests: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)

    def attach(self, page) -> PageWatch:
        page.on("requestfailed", lambda request: self.failed_requests.append(f"{request.url} ({request.failure})"))
        page.on("dialog", self._dialog)
        page.on("console", self._console)
        return self

    def _dialog(self, dialog) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def _console(self, message) -> None:
        # Vega reports chart problems (conflicting scales, bad fields) as console warnings starting "WARN"
        if message.type == "error" or message.text.startswith("WARN"):
            self.console_errors.append(message.text[:300])


@contextmanager
def browser_page(browser, width: int = 1280, height: int = 900) -> Iterator[tuple[object, PageWatch]]:
    """A fresh context and page (no shared storage between tests), watched from the first request.

    Drawn at half the pixel density: screenshots of whole notebooks stay small and still show every chart.
    """
    context = browser.new_context(viewport={"width": width, "height": height}, device_scale_factor=0.5)
    page = context.new_page()
    watch = PageWatch().attach(page)
    try:
        yield page, watch
    finally:
        context.close()


@contextmanager
def shot_on_failure(page, path: Path) -> Iterator[None]:
    """If the block fails, keep the page as it was at `path`: to see what the test saw."""
    try:
        yield
    except BaseException:
        path.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=path)
        raise


def open_notebook(page, server: Server, name: str) -> None:
    """Open `name` in a fresh workspace (JupyterLab would otherwise restore the last one's tabs) and wait for its
    kernel; fold the file browser away so the notebook has the width."""
    page.goto(f"{server.base}/lab/workspaces/{uuid.uuid4().hex}/tree/{name}?reset&token={server.token}")
    page.wait_for_selector(".jp-NotebookPanel .jp-Cell", timeout=START_TIMEOUT_S * 1000)
    page.locator(".jp-SideBar.jp-mod-left .lm-TabBar-tab.lm-mod-current").click()
    page.wait_for_function(
        """() => [...document.querySelectorAll('.jp-StatusBar-TextItem')]
                 .some(item => /\\| Idle$/.test(item.textContent.trim()))""",
        timeout=START_TIMEOUT_S * 1000, polling=250)


def run_all_cells(page, attempts: int = 3) -> None:
    """Run → Run All Cells from the menu, then wait until every code cell has run or one has failed.

    Under load JupyterLab can report "Idle" a moment before the kernel takes requests, and the first Run All
    is then dropped: if no cell has started within a few seconds, the menu is used again.
    """
    started = """() => [...document.querySelectorAll('.jp-NotebookPanel .jp-CodeCell .jp-InputPrompt')]
                     .some(p => /\\[(\\*|\\d+)\\]/.test(p.textContent))"""
    for attempt in range(attempts):
        page.locator(".jp-NotebookPanel .jp-Notebook").click(position={"x": 5, "y": 5})  # the notebook has focus
        page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
        page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click()
        try:
            page.wait_for_function(started, timeout=10_000, polling=200)
            break
        except Exception:  # noqa: BLE001 - Playwright's TimeoutError; retried, then re-raised
            if attempt == attempts - 1:
                raise
    page.wait_for_function(
        """() => {
            const prompts = [...document.querySelectorAll('.jp-NotebookPanel .jp-CodeCell .jp-InputPrompt')];
            const done = prompts.length > 0 && prompts.every(p => /\\[\\d+\\]/.test(p.textContent));
            const idle = document.querySelector('.jp-Notebook-ExecutionIndicator[data-status="idle"]');
            const failed = document.querySelector('[data-mime-type="application/vnd.jupyter.stderr"]');
            return idle !== null && (done || failed !== null);  // an error stops Run All: report it
        }""", timeout=RUN_TIMEOUT_MS, polling=250)


def wait_for_charts(page, scope: str = "body") -> int:
    """Wait until every widget output under `scope` (a chart or an explorer) has drawn; return the chart count.

    A widget output is an output without a MIME type that is not nested in another (an explorer's own
    Output); every one of them, and every explorer inside (the app's tabs), must hold a drawn `.vega-embed`.
    On time-out the error names the outputs still undrawn, by the text around them.
    """
    undrawn = """(scope) => {
        const root = document.querySelector(scope);
        if (!root) return ['no ' + scope];
        const drawn = (e) => e.querySelector('.vega-embed svg, .vega-embed canvas') !== null;
        // widget outputs that must hold a chart: not the searchable record tables (itables), which hold none
        const widgets = [...root.querySelectorAll('.jp-OutputArea-output:not([data-mime-type])')]
            .filter(o => o.parentElement.closest('.jp-OutputArea-output') === null)
            .filter(o => o.querySelector('.dt-container') === null);
        const explorers = [...root.querySelectorAll('.wb-explorer')];
        if (widgets.length === 0) return ['no widget output yet'];
        return [...widgets, ...explorers].filter(e => !drawn(e))
            .map(e => (e.closest('.jp-Cell') || e).innerText.slice(0, 120));
    }"""
    try:
        page.wait_for_function(f"(scope) => ({undrawn})(scope).length === 0", arg=scope, timeout=RUN_TIMEOUT_MS,
                               polling=250)
    except Exception as error:  # noqa: BLE001 - Playwright's TimeoutError, made specific
        raise AssertionError(f"charts not drawn in time: {page.evaluate(undrawn, scope)}") from error
    return page.locator(f"{scope} .vega-embed").count()


def error_outputs(page) -> list[str]:
    """Errors and warnings shown in cells (JupyterLab draws both as stderr), and widgets that failed to display."""
    errors = page.locator('[data-mime-type="application/vnd.jupyter.stderr"]').all_inner_texts()
    broken = page.get_by_text("Error displaying widget").all_inner_texts()
    return [text[:500] for text in errors + broken]


def undrawn_charts(page) -> int:
    """`.vega-embed` containers without an svg or canvas (a chart that failed to draw)."""
    return page.evaluate("""() => [...document.querySelectorAll('.vega-embed')]
        .filter(e => !e.querySelector('svg, canvas')).length""")


def screenshot_all(page, path: Path, scroller: str, width: int = 1280, max_height: int = 12_000) -> Path:
    """One small PNG of the whole notebook or app: the view made as tall as its content, then restored."""
    height = page.evaluate(f"""() => {{
        const scroller = document.querySelector({json.dumps(scroller)});
        scroller.scrollTop = 0;
        return scroller.scrollHeight;
    }}""")
    page.set_viewport_size({"width": width, "height": min(max_height, int(height) + 200)})
    page.wait_for_timeout(300)  # let the layout settle at the new size
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=path, type="png")
    page.set_viewport_size({"width": width, "height": 900})
    return path


def rows_shown(page, explorer: str) -> int:
    """The row count an explorer's table reports ("1,234 rows")."""
    text = page.locator(f"{explorer} .wb-rows").inner_text()
    return int(re.search(r"([\d,]+) rows", text).group(1).replace(",", ""))


def chart_markup(page, explorer: str) -> str:
    return page.locator(f"{explorer} .wb-chart svg.marks").first.inner_html()


def wait_for_change(page, read, before, timeout_s: float = 20.0):
    """Poll `read()` until it differs from `before` (a redraw is debounced and goes through the kernel)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        now = read()
        if now != before:
            return now
        page.wait_for_timeout(100)
    raise AssertionError(f"nothing changed in {timeout_s} s (still {str(before)[:200]!r})")


def wait_for_file(path: Path, timeout_s: float = 20.0) -> Path:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if path.is_file():
            return path
        time.sleep(0.1)
    raise AssertionError(f"{path} did not appear within {timeout_s} s")
