"""Static checks that catch dead imports, undefined names and unsorted imports before review does."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest
from conftest import REPO


def test_ruff_finds_nothing() -> None:
    if shutil.which("ruff") is None and not (REPO / ".venv/bin/ruff").exists():
        pytest.skip("ruff is not installed (it comes with the test extra: pip install -e '.[test]')")
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "workbench", "tests", "bench"], cwd=REPO,
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
