"""Shared fixtures: a scratch seeds/ folder and a scratch data/ folder for every test that writes."""

from __future__ import annotations

import contextlib
import io
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SEED_FILE = "bloomberg-2019-07-22-microsoft-openai.txt"
SEED_ID = "bloomberg-2019-07-22-microsoft-openai"
CATALOG_HEADER = "doc_id,file,title,publisher,author,published,url,language\n"
#: `make check` runs a fifth of every property test's examples (WORKBENCH_PROPERTIES_SCALE=0.2); `make test` all
PROPERTIES_SCALE = float(os.environ.get("WORKBENCH_PROPERTIES_SCALE") or 1)


def examples(full: int) -> int:
    """How many examples a property test asks of hypothesis: `full`, or its share under `make check`."""
    return max(10, round(full * PROPERTIES_SCALE)) if PROPERTIES_SCALE < 1 else full


@pytest.fixture(autouse=True)
def _fresh_lineage_session() -> None:
    """Every test starts with nothing loaded, so what one test loaded is never another's input."""
    from workbench.lineage import clear_session

    clear_session()


@pytest.fixture(autouse=True)
def _nothing_kept_from_other_tests(monkeypatch: pytest.MonkeyPatch) -> None:
    """A chart one test drew, or an article it analysed, is never read back by another (test_figure_cache and
    test_analysis_cache turn their cache on for themselves; the session's shared `make run` starts before this and
    keeps both on, so its second run reads its drawings and analyses back)."""
    monkeypatch.setenv("WORKBENCH_FIGURE_CACHE", "off")
    monkeypatch.setenv("WORKBENCH_ANALYSIS_CACHE", "off")


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """data/ redirected to a temporary folder (also for notebook kernels, through the environment)."""
    folder = tmp_path / "data"
    monkeypatch.setenv("WORKBENCH_DATA_DIR", str(folder))
    return folder


@pytest.fixture
def user_dir(data_dir: Path) -> Path:
    """data/user/ in the scratch data folder, where a researcher's overlay rows go."""
    folder = data_dir / "user"
    folder.mkdir(parents=True)
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


def outputs_in(data: Path) -> list[str]:
    """The files under a data folder, but what is kept for other processes (checked tables in .cache/datasets, drawn
    charts in .cache/figures, analyses in .cache/analyses), locks and links."""
    kept = (data / ".cache" / "datasets", data / ".cache" / "figures", data / ".cache" / "analyses")
    return sorted(path.relative_to(data).as_posix() for path in data.rglob("*")
                  if path.is_file() and not path.is_symlink() and not any(path.is_relative_to(k) for k in kept)
                  and path.name not in (".manifest.lock", ".run.lock"))


def kernels_of(data: Path) -> list[int]:
    """Live kernel (and kernel zygote) processes of a run into `data`: 'ipykernel' in the command line and `data`
    as WORKBENCH_DATA_DIR in the environment they started with (zombies have no command line and are not listed)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if b"ipykernel" not in (entry / "cmdline").read_bytes():
                continue
            environ = (entry / "environ").read_bytes().split(b"\0")
        except OSError:
            continue
        if f"WORKBENCH_DATA_DIR={data}".encode() in environ:
            found.append(int(entry.name))
    return found


def write_catalog(folder: Path, *rows: str, header: str = CATALOG_HEADER) -> Path:
    path = folder / "catalog.csv"
    path.write_text(header + "".join(row + "\n" for row in rows), encoding="utf-8")
    return path


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Under `pytest -n` (make test, make check), the tests that share the session's `make run` and the browser
    suite's JupyterLab go to one worker (`--dist loadgroup`): each is then set up once, not once per worker."""
    for item in items:
        if "full_run" in getattr(item, "fixturenames", ()) or item.path.name == "test_browser.py":
            item.add_marker(pytest.mark.xdist_group("full-run"))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say how many bad inputs tests/test_bad_input_matrix.py ran, by entry point (its ids are entry-case), and how
    many examples the property tests of tests/test_properties.py were configured to try (its EXAMPLES)."""
    import importlib  # here, not at the top: this hook is the one place the two summaries share

    finished = terminalreporter.stats.get("passed", []) + terminalreporter.stats.get("failed", [])
    property_reports = [report for report in finished
                        if "test_properties.py::" in report.nodeid and report.when == "call"]
    # the module is imported already, unless the tests ran in xdist workers (make test, make check)
    props = importlib.import_module("test_properties") if property_reports else None
    examples = [getattr(props, "EXAMPLES", {}).get(report.nodeid.split("::")[-1].split("[")[0])
                for report in property_reports]
    if examples := [count for count in examples if count]:
        terminalreporter.write_line(f"property tests: {len(examples)} properties × {min(examples)}–{max(examples)} "
                                    f"examples ({sum(examples):,} in all)")
    marker = "test_bad_input_matrix.py::test_bad_input["
    ran = {report.nodeid for reports in terminalreporter.stats.values() for report in reports
           if marker in getattr(report, "nodeid", "")}
    if not ran:
        return
    entries: dict[str, int] = {}
    for nodeid in ran:
        entry = nodeid.split(marker, 1)[1].split("-", 1)[0]
        entries[entry] = entries.get(entry, 0) + 1
    detail = ", ".join(f"{entry} {count}" for entry, count in sorted(entries.items()))
    terminalreporter.write_line(f"bad-input matrix: {len(ran)} cases ({detail})")


@dataclass
class FullRun:
    """One `make run` (every curated notebook, default parameters) that the slow tests share (notebooks, browser)."""

    data: Path
    printed: str


@pytest.fixture(scope="session")
def full_run(tmp_path_factory: pytest.TempPathFactory) -> FullRun:
    """Executed once per test session: each notebook runs here, and once more in the determinism test."""
    data = tmp_path_factory.mktemp("full-run") / "data"
    printed = io.StringIO()
    with pytest.MonkeyPatch.context() as patch, contextlib.redirect_stdout(printed):
        patch.setenv("WORKBENCH_DATA_DIR", str(data))
        from workbench.cli import main

        assert main(["run"]) == 0
    return FullRun(data, printed.getvalue())
