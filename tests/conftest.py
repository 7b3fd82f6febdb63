"""Shared fixtures: a scratch seeds/ folder and a scratch data/ folder for every test that writes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SEED_FILE = "bloomberg-2019-07-22-microsoft-openai.txt"
SEED_ID = "bloomberg-2019-07-22-microsoft-openai"
CATALOG_HEADER = "doc_id,file,title,publisher,author,published,url,language\n"


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """data/ redirected to a temporary folder (also for notebook kernels, through the environment)."""
    folder = tmp_path / "data"
    monkeypatch.setenv("WORKBENCH_DATA_DIR", str(folder))
    return folder


@pytest.fixture
def seeds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty seeds/ folder in use by the workbench; tests write articles and a catalog into it."""
    folder = tmp_path / "seeds"
    folder.mkdir()
    monkeypatch.setenv("WORKBENCH_SEEDS_DIR", str(folder))
    return folder


@pytest.fixture
def seed_copy(seeds: Path) -> Path:
    """The real seeds/ (article and catalog) copied into the scratch folder."""
    for path in (REPO / "seeds").iterdir():
        shutil.copy2(path, seeds / path.name)
    return seeds


def write_catalog(folder: Path, *rows: str, header: str = CATALOG_HEADER) -> Path:
    path = folder / "catalog.csv"
    path.write_text(header + "".join(row + "\n" for row in rows), encoding="utf-8")
    return path
