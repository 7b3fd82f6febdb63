"""`workbench app`: the explorers as a dashboard, served by Voilà from notebooks/dashboard.ipynb.

Voilà runs the notebook and shows its outputs without the code. The server listens on 127.0.0.1 and asks
for a token (printed in the URL it logs), uses a template that loads nothing from a CDN (the app works
offline), and gives the kernel the same interactive-chart setting as JupyterLab.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
from pathlib import Path
from typing import Any

from workbench import paths
from workbench.errors import NotebookError

__all__ = ["DASHBOARD", "JUPYTER_DATA", "TEMPLATE", "add_parser", "app_environment", "dashboard_path", "voila_command"]

DASHBOARD = "dashboard.ipynb"
TEMPLATE = "workbench"  # workbench/jupyter_data/voila/templates/workbench
JUPYTER_DATA = Path(__file__).resolve().parent / "jupyter_data"


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "app", help="serve the explorers as a dashboard (Voilà) on 127.0.0.1",
        description="Serve notebooks/dashboard.ipynb as an app without code cells, on 127.0.0.1 with a token.")
    parser.add_argument("--port", type=int, default=8866, help="port to listen on (default 8866)")
    parser.add_argument("--token", default=None,
                        help="access token (default: a random one, shown in the URL printed at start)")
    parser.add_argument("--no-browser", action="store_true", help="do not open a browser")
    parser.set_defaults(handler=_handle)


def _handle(args: argparse.Namespace) -> int:
    command = voila_command(port=args.port, token=args.token or secrets.token_urlsafe(24),
                            open_browser=not args.no_browser)
    sys.stdout.flush()
    os.execve(command[0], command, app_environment())  # Voilà takes over this process: one pid to stop


def dashboard_path() -> Path:
    notebook = paths.notebooks_dir() / DASHBOARD
    if not notebook.is_file():
        raise NotebookError(f"the dashboard notebook is missing: {notebook}.",
                            fix="restore notebooks/dashboard.ipynb from the repository (git checkout).",
                            file=notebook)
    return notebook


def voila_command(*, port: int, token: str, open_browser: bool = False) -> list[str]:
    """The Voilà command line: loopback only, a token, the offline template, tracebacks hidden from readers."""
    if not token:
        raise NotebookError("the app needs a non-empty token.", fix="pass --token with a value, or omit it.",
                            column="--token")
    return [sys.executable, "-m", "voila", str(dashboard_path()), "--Voila.ip=127.0.0.1", f"--port={port}",
            f"--token={token}", f"--template={TEMPLATE}", "--show_tracebacks=False",
            *([] if open_browser else ["--no-browser"])]


def app_environment() -> dict[str, str]:
    """The server's environment: our template on the Jupyter path; interactive (offline) charts."""
    environment = dict(os.environ)
    existing = environment.get("JUPYTER_PATH")
    environment["JUPYTER_PATH"] = os.pathsep.join(filter(None, [str(JUPYTER_DATA), existing]))
    environment.pop("WORKBENCH_RENDERER", None)  # a headless run's svg setting must not leak into the app
    return environment
