"""save(): citable bundles written atomically inside data/, with sidecars and a manifest."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import altair as alt
import polars as pl
import pytest
from conftest import outputs_in

import workbench as wb
from workbench.errors import OutputError, UnsafeOutputNameError
from workbench.hashing import sha256_of

FRAME = pl.DataFrame({"year": [2019, 2023], "amount_usd": [1e9, 1e10], "investor": ["Microsoft", "Microsoft"]})


def _chart() -> alt.Chart:
    return alt.Chart(FRAME).mark_point().encode(x="year:O", y="amount_usd:Q")


def test_table_bundle_sidecar_and_manifest(data_dir: Path, tmp_path: Path) -> None:
    source_file = tmp_path / "input.csv"
    source_file.write_text("a\n1\n")
    saved = wb.save(FRAME, "nb/deals", meta={"title": "Deals", "sources": [{"url": "https://example.org"}],
                                            "licences": ["CC BY 4.0"], "derived_from": [source_file]})
    assert saved.key == "tables/nb/deals"
    assert {p.name for p in saved.files} == {"deals.parquet", "deals.csv", "deals.cite.json", "deals.bib"}
    assert pl.read_parquet(data_dir / "tables/nb/deals.parquet").equals(FRAME)
    assert pl.read_csv(data_dir / "tables/nb/deals.csv").equals(FRAME)
    sidecar = json.loads((data_dir / "tables/nb/deals.meta.json").read_text())
    assert sidecar["title"] == "Deals" and sidecar["rows"] == 2
    assert sidecar["fields"] == [{"name": "year", "type": "Int64"}, {"name": "amount_usd", "type": "Float64"},
                                 {"name": "investor", "type": "String"}]
    assert sidecar["sources"] == [{"url": "https://example.org"}] and sidecar["licences"] == ["CC BY 4.0"]
    assert sidecar["derived_from"][0]["sha256"] == sha256_of(source_file)
    assert sidecar["produced_by"]["version"] == wb.__version__
    for record in sidecar["files"]:
        path = data_dir / record["path"]
        assert record["sha256"] == sha256_of(path) and record["bytes"] == path.stat().st_size
    manifest = json.loads((data_dir / "manifest.json").read_text())
    assert manifest["outputs"]["tables/nb/deals"]["sidecar"] == "tables/nb/deals.meta.json"
    assert oct((data_dir / "tables/nb/deals.csv").stat().st_mode & 0o777) == oct(0o666 & ~_umask())


def test_every_output_is_cited_in_csl_json_and_bibtex(data_dir: Path) -> None:
    meta = {"title": "Deals {with} 100% & more", "sources": [{"url": "https://example.org", "publisher": "Example"}],
            "derived_from": [{"dataset": "funding_events", "record_version": "2026.12.07.3"}]}
    wb.save(FRAME, "nb/deals", meta=meta)
    sidecar = json.loads((data_dir / "tables/nb/deals.meta.json").read_text())
    assert sidecar["citation_files"] == ["tables/nb/deals.cite.json", "tables/nb/deals.bib"]
    (item,) = json.loads((data_dir / "tables/nb/deals.cite.json").read_text())
    assert item["id"] == "workbench-nb-deals" and item["type"] == "dataset" and item["title"] == meta["title"]
    assert (item["issued"] == {"date-parts": [[2026, 12, 7]]}
            and item["author"] == [{"literal": "AI Record Workbench contributors"}])
    assert sidecar["files"][0]["sha256"] in item["note"] and "sources: Example" in item["note"]
    bib = (data_dir / "tables/nb/deals.bib").read_text()
    assert bib.startswith("@misc{workbench-nb-deals,\n") and bib.rstrip().endswith("}")
    assert r"title = {Deals \{with\} 100\% \& more}" in bib and "year = {2026}" in bib
    assert bib.count("{") == bib.count("}")


def test_a_document_is_saved_as_markdown_and_html_with_its_citation(data_dir: Path) -> None:
    saved = wb.save(wb.Document(markdown="# Brief\n", html="<!DOCTYPE html><p>Brief</p>\n"), "nb/brief",
                    meta={"title": "Brief"})
    assert saved.key == "documents/nb/brief"
    assert (data_dir / "documents/nb/brief.md").read_text() == "# Brief\n"
    assert {p.suffix for p in saved.files} >= {".md", ".html", ".json", ".bib"}
    (item,) = json.loads((data_dir / "documents/nb/brief.cite.json").read_text())
    assert item["type"] == "document"


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@pytest.mark.slow
def test_chart_bundle_is_offline_and_carries_the_plotted_rows(data_dir: Path) -> None:
    saved = wb.save(_chart(), "nb/points", meta={"title": "Points"})
    names = {p.name for p in saved.files}
    assert names == {"points.png", "points.svg", "points.html", "points.vl.json", "points.data.csv", "points.cite.json",
                     "points.bib"}
    assert (data_dir / "figures/nb/points.png").read_bytes().startswith(b"\x89PNG")
    assert "<svg" in (data_dir / "figures/nb/points.svg").read_text()
    html = (data_dir / "figures/nb/points.html").read_text()
    assert "cdn.jsdelivr" not in html and "<script src=\"http" not in html  # bundled, opens offline
    spec = json.loads((data_dir / "figures/nb/points.vl.json").read_text())
    assert spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/v6")
    assert pl.read_csv(data_dir / "figures/nb/points.data.csv").equals(FRAME)
    assert json.loads((data_dir / "figures/nb/points.meta.json").read_text())["rows"] == 2


def test_same_inputs_give_byte_identical_files_and_manifest_but_for_updated_at(data_dir: Path) -> None:
    def snapshot() -> dict[str, bytes]:
        return {str(p.relative_to(data_dir)): p.read_bytes() for p in sorted(data_dir.rglob("*")) if p.is_file()}

    wb.save(FRAME, "nb/deals")
    wb.save(_chart(), "nb/points")
    first = snapshot()
    first_manifest = json.loads(first.pop("manifest.json"))
    wb.save(FRAME, "nb/deals")
    wb.save(_chart(), "nb/points")
    second = snapshot()
    second_manifest = json.loads(second.pop("manifest.json"))
    assert first == second
    first_manifest.pop("updated_at"), second_manifest.pop("updated_at")
    assert first_manifest == second_manifest


@pytest.mark.parametrize("name", ["", "   ", "../escape", "a/../../b", "/etc/passwd", "C:/x", "a\\b", ".hidden",
                                  "a/.b", "a//b", "with space", "a/b/c/d/e", "x" * 101, "ünïcode"])
def test_names_that_could_leave_data_or_are_not_plain_are_refused(data_dir: Path, name: str) -> None:
    with pytest.raises(UnsafeOutputNameError) as raised:
        wb.save(FRAME, name)
    assert "Fix:" in str(raised.value)
    assert not data_dir.exists() or not any(p.is_file() for p in data_dir.rglob("*") if p.name != ".manifest.lock")


def test_a_symlink_planted_in_data_cannot_redirect_a_write(data_dir: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (data_dir / "tables").mkdir(parents=True)
    (data_dir / "tables" / "nb").symlink_to(outside, target_is_directory=True)
    with pytest.raises(UnsafeOutputNameError, match="symbolic link"):
        wb.save(FRAME, "nb/deals")
    assert list(outside.iterdir()) == []


def test_a_failure_while_rendering_leaves_earlier_outputs_intact(data_dir: Path, monkeypatch) -> None:
    wb.save(FRAME, "nb/deals")
    before = {p: p.read_bytes() for p in data_dir.rglob("*") if p.is_file()}

    def broken_csv(self, *args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pl.DataFrame, "write_csv", broken_csv)
    with pytest.raises(OSError):
        wb.save(FRAME.with_columns(pl.col("year") + 1), "nb/deals")
    assert {p: p.read_bytes() for p in data_dir.rglob("*") if p.is_file()} == before


def test_a_failure_while_writing_leaves_no_temporary_or_half_written_file(data_dir: Path, monkeypatch) -> None:
    wb.save(FRAME, "nb/deals")
    before = {p: p.read_bytes() for p in data_dir.rglob("*") if p.is_file()}
    real_replace = os.replace
    calls = []

    def failing_replace(src, dst):
        calls.append(dst)
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(OutputError, match="No space left on device.*nothing was changed"):
        wb.save(FRAME.with_columns(pl.col("year") + 1), "nb/deals")
    monkeypatch.setattr(os, "replace", real_replace)
    assert calls
    assert {p: p.read_bytes() for p in data_dir.rglob("*") if p.is_file()} == before


def test_read_only_data_folder_gives_a_clear_error(data_dir: Path, monkeypatch) -> None:
    # Tests run as root in CI, where chmod cannot make a folder read-only: refuse the temp file instead.
    def read_only(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", read_only)
    with pytest.raises(OutputError, match="Permission denied.*check that data/ is writable"):
        wb.save(FRAME, "nb/deals")
    assert outputs_in(data_dir) == []


@pytest.mark.parametrize(("obj", "meta", "message"), [
    ({"a": 1}, None, "cannot save an object of type dict"),
    (FRAME, {"colour": "red"}, "meta has unknown key(s) colour"),
    (FRAME, {"sources": "https://example.org"}, "meta['sources'] must be a list"),
    (FRAME, {"derived_from": ["/no/such/file.csv"]}, "an input named in derived_from does not exist"),
])
def test_bad_objects_and_meta_are_refused_before_anything_is_written(data_dir: Path, obj, meta, message) -> None:
    with pytest.raises(OutputError) as raised:
        wb.save(obj, "nb/x", meta=meta)
    assert message in str(raised.value)
    assert not (data_dir / "manifest.json").exists()


def test_corrupt_manifest_is_reported_with_the_fix(data_dir: Path) -> None:
    data_dir.mkdir()
    (data_dir / "manifest.json").write_text("{not json")
    with pytest.raises(OutputError, match="manifest is not valid JSON.*make run"):
        wb.save(FRAME, "nb/deals")


def test_list_and_struct_columns_are_flattened_for_csv_and_kept_typed_in_parquet(data_dir: Path) -> None:
    frame = pl.DataFrame({"id": [1, 2], "source_ids": [["src-a", "src-b"], []], "extra": [{"k": 1}, {"k": 2}]})
    wb.save(frame, "nb/nested")
    assert (data_dir / "tables/nb/nested.csv").read_text() == (
        'id,source_ids,extra\n1,src-a; src-b,"{""k"":1}"\n2,"","{""k"":2}"\n')
    assert pl.read_parquet(data_dir / "tables/nb/nested.parquet").equals(frame)


def test_a_cache_key_of_code_changes_with_a_source_file_and_with_a_package_installed_or_not(tmp_path: Path) -> None:
    # the drawing caches (tables, reports) are keyed on what made a result: editing the code or installing a library
    # must give another key, or an old drawing would be read back
    from workbench.hashing import code_key

    source = tmp_path / "formatting.py"
    source.write_text("A = 1\n")
    before = code_key([source], ["polars"])
    assert code_key([source], ["polars"]) == before
    source.write_text("A = 2\n")
    assert code_key([source], ["polars"]) != before
    assert code_key([source], ["polars", "no-such-package-here"]) != code_key([source], ["polars"])
