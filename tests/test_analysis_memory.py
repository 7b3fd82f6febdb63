"""Memory grows with the input, not with its square: a long single-paragraph article stays in bounded memory."""

from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import REPO, SEED_FILE

LIMIT_MB = 1024

_ANALYSE_ONE_MEGABYTE_PARAGRAPH = f"""
import pathlib, resource, tempfile
from workbench.analysis import analyze
seed = pathlib.Path({str(REPO / "seeds" / SEED_FILE)!r}).read_text().replace("\\n", " ")
text = ((seed + " ") * (1_000_000 // len(seed) + 1))[:1_000_000]
path = pathlib.Path(tempfile.mkdtemp()) / "one-paragraph.txt"
path.write_text(text)
found = analyze(path)
assert found.paragraphs.height == 1 and found.claims.height > 5_000, found.claims.height
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)
"""


@pytest.mark.slow
def test_a_one_megabyte_single_paragraph_article_analyses_within_a_gigabyte() -> None:
    """Before, every mention was joined to every sentence of its paragraph: this article took 9.5 GB."""
    run = subprocess.run([sys.executable, "-c", _ANALYSE_ONE_MEGABYTE_PARAGRAPH], check=True, timeout=300, cwd=REPO,
                         capture_output=True, text=True)
    peak_mb = int(run.stdout.split()[-1])  # the child's own peak resident memory
    assert peak_mb < LIMIT_MB, f"peak {peak_mb} MB"
