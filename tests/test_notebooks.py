"""The curated notebooks: committed stripped, and each one executes headless and writes its outputs."""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import polars as pl
import pytest
from conftest import REPO, FullRun

from workbench.cli import main
from workbench.runner import declared_parameters

SECOND_ARTICLE = ("Amazon said on Monday it would invest up to $4 billion in Anthropic, the AI start-up founded in "
                  "2021 by former OpenAI staff.\n\nAnthropic will use Amazon Web Services as its main cloud "
                  "provider, and Amazon will take a minority stake.\n")
# Other values each notebook parameter is exercised with (besides its default).
OTHER_VALUES = {"doc_id": "reuters-2023-09-25-amazon-anthropic", "focus": "Anthropic", "org": "Anthropic",
                "source": "record", "engine": "dask"}  # 07-corpus: the record's texts, on a local Dask cluster

NOTEBOOKS = sorted((REPO / "notebooks").glob("[0-9][0-9]-*.ipynb"))


def test_there_are_curated_notebooks() -> None:
    assert [p.stem for p in NOTEBOOKS][:1] == ["00-start-here"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_committed_stripped_and_follows_the_conventions(path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    assert "widgets" not in notebook.metadata
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert all(not cell.outputs and cell.execution_count is None for cell in code), "commit without outputs"
    assert "parameters" in code[0].metadata.get("tags", []), "the first code cell is tagged `parameters`"
    sources = "\n".join(cell.source for cell in code)
    assert "wb.setup(" in sources or "workbench.setup(" in sources
    assert "os.getcwd" not in sources and "Path.cwd" not in sources and "open(\"data/" not in sources


@pytest.mark.slow
def test_make_run_outputs_notebook_00_with_sources_and_provenance(full_run: FullRun) -> None:
    data_dir = full_run.data
    assert "tables/00-start-here/paragraphs" in full_run.printed
    assert "figures/00-start-here/paragraph-lengths" in full_run.printed

    manifest = json.loads((data_dir / "manifest.json").read_text())
    assert set(manifest["outputs"]) >= {"tables/00-start-here/paragraphs",
                                        "figures/00-start-here/paragraph-lengths"}
    table = data_dir / "tables/00-start-here/paragraphs"
    sidecar = json.loads(table.with_suffix(".meta.json").read_text())
    assert sidecar["rows"] == 10
    assert sidecar["sources"][0]["publisher"] == "Bloomberg" and sidecar["sources"][0]["date"] == "2019-07-22"
    assert sidecar["derived_from"][0]["path"] == "seeds/bloomberg-2019-07-22-microsoft-openai.txt"
    assert sidecar["produced_by"]["notebook"] == "00-start-here"
    for suffix in (".png", ".svg", ".html", ".vl.json", ".data.csv", ".meta.json"):
        assert (data_dir / f"figures/00-start-here/paragraph-lengths{suffix}").stat().st_size > 0


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_notebook_executes_headless_and_saves_outputs(path: Path, full_run: FullRun) -> None:
    outputs = json.loads((full_run.data / "manifest.json").read_text())["outputs"]
    assert any(entry["produced_by"]["notebook"] == path.stem for entry in outputs.values())
    executed = nbformat.read(full_run.data / f"notebooks/{path.stem}.ipynb", as_version=4)
    assert not [o for c in executed.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]


# Inputs the hand-built provenance named that the output does not use: the lineage is more precise there.
NOT_AN_INPUT = {
    ("figures/03-governance/board-crisis", "org_structures"): "the crisis chart draws governance_events rows only",
    ("tables/03-governance/board-crisis-events", "org_structures"): "the crisis table lists governance_events only",
    ("figures/03-governance/structure-bands", "governance_events"): "the bands draw org_structures rows only",
}


@pytest.mark.slow
def test_sidecars_name_at_least_the_sources_and_licences_of_the_hand_built_provenance(full_run: FullRun) -> None:
    """The one provenance path (lineage) against what each notebook's Save cell built by hand before it: every
    source, licence and input is still named, unless NOT_AN_INPUT says why not; and nothing falls back to the
    session because its inputs were not traced."""
    before = json.loads((REPO / "tests/fixtures/provenance_by_hand.json").read_text())["outputs"]
    known = _source_ids_in_the_record()  # a source since removed from the record cannot be cited any more
    from workbench.views import funding, ledger

    # what 02-funding's views draw by default (its focus is OpenAI), as the record stands now
    not_drawn = _funding_sources_not_drawn_by(
        funding.peer_rows("OpenAI", since=funding.SINCE, peers=funding.PEERS, counting=funding.Counting()))
    not_counted = _funding_sources_not_drawn_by(ledger.ledger_flows(),
                                                funding.status_pieces(funding.funding_focus("OpenAI")))
    for key, old in before.items():
        sidecar = json.loads((full_run.data / f"{key}.meta.json").read_text())
        sources = {source.get("source_id") or source.get("url") for source in sidecar["sources"]}
        inputs = {item.get("dataset") or item.get("path") for item in sidecar["derived_from"]}
        gone = not_drawn if key in PEER_OUTPUTS else not_counted if key in COUNTED_OUTPUTS else set()
        assert {s for s in old["sources"] if (s in known or not s.startswith("src-")) and s not in gone} <= sources, key
        assert set(old["licences"]) <= set(sidecar["licences"]), key
        assert {name for name in old["derived_from"] if (key, name) not in NOT_AN_INPUT} <= inputs, key
        assert sidecar["licence"]["expression"] and sidecar["licence"]["statement"], key
        assert "not traced" not in sidecar["notes"], key


#: outputs that draw the focus lab's peers: the labs with the most money that meets the sourcing bar, so a lab
#: leaves them when another lab's round reaches the bar, and its rows' sources leave the output with it (so do the
#: sources of a peer's rows that fell below the bar, which are not drawn)
PEER_OUTPUTS = {"figures/02-funding/compute-tied-share", "figures/02-funding/cumulative-counted",
                "figures/02-funding/valuations", "tables/02-funding/lab-comparison"}


#: outputs that count only money meeting the sourcing bar by default (the deal ledger, money by status): a row that
#: falls below the bar leaves them, and the sources that only it cites there leave with it
COUNTED_OUTPUTS = {"figures/02-funding/deal-flows", "tables/02-funding/deal-ledger",
                   "tables/02-funding/deal-ledger-by-year", "figures/02-funding/money-by-status",
                   "tables/02-funding/money-by-status"}


def _funding_sources_not_drawn_by(*drawn: pl.DataFrame) -> set[str]:
    """Sources the record cites for funding, less those of the rows a view returned (rows of labs outside the
    peers, rows below the sourcing bar, totals drawn as their parts, secondary sales are not drawn)."""
    from workbench import datasets

    cited = set(datasets.load("funding_events")["source_ids"].explode().drop_nulls())
    return cited - set().union(*(set(frame["source_ids"].explode().drop_nulls()) for frame in drawn))


def _source_ids_in_the_record() -> set[str]:
    from workbench import datasets

    return set(datasets.load("sources")["source_id"])


@pytest.fixture
def seeds_with_a_second_article(seed_copy: Path) -> Path:
    (seed_copy / "reuters-2023-09-25-amazon-anthropic.txt").write_text(SECOND_ARTICLE, encoding="utf-8")
    with open(seed_copy / "catalog.csv", "a", encoding="utf-8") as catalog:
        catalog.write("reuters-2023-09-25-amazon-anthropic,reuters-2023-09-25-amazon-anthropic.txt,"
                      "Amazon to invest up to $4 billion in Anthropic,Test wire,Test author,2023-09-25,,en,,"
                      "A short test article written for the test suite.\n")
    return seed_copy


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_notebook_runs_with_other_parameters_into_its_own_output_set(
        path: Path, data_dir: Path, seeds_with_a_second_article: Path) -> None:
    declared = declared_parameters(path)
    chosen = {name: OTHER_VALUES[name] for name in declared if name in OTHER_VALUES}
    if not chosen:
        pytest.skip(f"{path.stem} declares no parameter with another value to try ({', '.join(declared)})")
    args = [f"{name}={value}" for name, value in chosen.items()]
    assert main(["run", path.stem, *[a for arg in args for a in ("--param", arg)]]) == 0
    sets = list((data_dir / "sets").iterdir())
    assert len(sets) == 1 and sets[0].name.startswith(f"{path.stem}--")
    assert not (data_dir / "tables").exists(), "a parameterised run must not write into the default output set"
    produced = json.loads((sets[0] / "manifest.json").read_text())["outputs"]
    assert any(entry["produced_by"]["parameters"] == chosen for entry in produced.values())


@pytest.mark.slow
def test_reports_and_index_open_offline_and_link_only_to_files_that_exist(full_run: FullRun) -> None:
    data_dir = full_run.data
    report = (data_dir / "reports/00-start-here.html").read_text()
    assert "data:image/svg+xml" in report, "charts are embedded in the report"
    assert not re.search(r"<script[^>]+src=", report) and not re.search(r"<link[^>]+href=\"https?:", report)
    index = (data_dir / "index.html").read_text()
    links = re.findall(r'href="([^"]+)"', index)
    assert "reports/00-start-here.html" in links and "figures/00-start-here/paragraph-lengths.png" in links
    for link in links:
        assert not link.startswith(("http:", "https:", "/")) and (data_dir / link).is_file(), link
    sidecar = json.loads((data_dir / "figures/00-start-here/paragraph-lengths.meta.json").read_text())
    assert sidecar["manifest_id"] == "figures/00-start-here/paragraph-lengths"
    assert "sha256" in sidecar["citation"] and "Bloomberg" in sidecar["citation"]
    assert "figures/00-start-here/paragraph-lengths.bib" in links  # citations next to every sidecar, linked


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_reports_show_tables_formatted_for_people(path: Path, full_run: FullRun) -> None:
    """No raw polars repr (dtype row, shape line) in any report; money formatted where a table shows money."""
    report = (full_run.data / f"reports/{path.stem}.html").read_text()
    assert "shape: (" not in report and "<td>str</td>" not in report
    if path.stem == "02-funding":
        assert "gt_table" in report and re.search(r"\$\d+\.\dB", report)


@pytest.mark.slow
def test_the_hindsight_brief_is_written_ready_to_paste_with_citations(full_run: FullRun) -> None:
    folder = full_run.data / "documents/05-hindsight"
    markdown = (folder / "brief.md").read_text()
    assert markdown.startswith("# Hindsight brief: Move Over Elon Musk") and "](https://" in markdown
    assert (folder / "brief.html").read_text().startswith("<!DOCTYPE html>")
    (item,) = json.loads((folder / "brief.cite.json").read_text())
    assert item["title"].startswith("Hindsight brief") and (folder / "brief.bib").read_text().startswith("@misc{")
    outputs = json.loads((full_run.data / "manifest.json").read_text())["outputs"]
    for key, entry in outputs.items():  # every output of the run has both citation files
        assert {Path(p).name.removeprefix(Path(key).name) for p in entry["citation_files"]} == {".cite.json", ".bib"}


@pytest.mark.slow
def test_make_run_twice_writes_byte_identical_tables_and_figures_for_every_notebook(
        full_run: FullRun, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every file under data/ (tables, figures, documents, their sidecars and citations, executed notebooks,
    reports, the index); the manifest apart from its time stamp. The second run reads every chart back from the
    drawings the first kept (data/.cache/figures), so this also holds a drawing read back to the bytes drawn."""
    data_dir = full_run.data

    def outputs() -> dict[str, bytes]:
        return {str(p.relative_to(data_dir)): p.read_bytes() for p in sorted(data_dir.rglob("*"))
                if p.is_file() and p.name not in ("manifest.json", ".run.lock")}

    first = outputs()
    manifest = json.loads((data_dir / "manifest.json").read_text())
    assert {key.split("/")[1] for key in first if key.startswith("tables/")} == {p.stem for p in NOTEBOOKS}
    assert {"index.html", "reports/02-funding.html", "notebooks/02-funding.ipynb"} <= set(first)
    monkeypatch.setenv("WORKBENCH_DATA_DIR", str(data_dir))
    assert main(["run"]) == 0  # the second run, into the same folder
    second = outputs()
    assert set(second) == set(first)
    changed = sorted(name for name in first if first[name] != second[name])
    assert not changed, f"files that differ between two identical runs: {changed}"
    again = json.loads((data_dir / "manifest.json").read_text())
    assert ({k: v for k, v in again.items() if k != "updated_at"}
            == {k: v for k, v in manifest.items() if k != "updated_at"})


def test_setup_records_the_notebook_and_its_declared_parameters_without_repeating_them(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from workbench import notebook_setup, provenance

    assert notebook_setup.declared_names("02-funding") == ["focus"]
    monkeypatch.setattr(provenance, "_context", {})
    monkeypatch.delenv(provenance.NOTEBOOK_VARIABLE, raising=False)
    namespace = {"__session__": "/somewhere/notebooks/02-funding.ipynb", "focus": "Anthropic", "other": 1}
    exec("import workbench as wb\nwb.setup()", namespace)  # what a notebook's setup cell runs
    produced = provenance.produced_by()
    assert produced["notebook"] == "02-funding" and produced["parameters"] == {"focus": "Anthropic"}
