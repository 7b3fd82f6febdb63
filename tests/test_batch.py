"""`workbench corpus analyze`: folders and tables, bad documents reported, resumable runs, and Dask = local."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import polars as pl
import pytest
from conftest import REPO, SEED_FILE, examples
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.batch import analyze_source
from workbench.batch.sources import Partition, plan, read
from workbench.cli import main
from workbench.errors import UsageError

PARAGRAPHS = pl.read_csv(REPO / "workbench/analysis/evaluation/labelled/paragraphs_i.csv")["text"].to_list()


def _documents(count: int, per_document: int = 3) -> list[dict]:
    """Short news-style documents made of labelled paragraphs (invented names, no real events)."""
    return [{"doc_id": f"doc-{i:03d}", "text": "\n\n".join(PARAGRAPHS[(i * per_document + k) % len(PARAGRAPHS)]
                                                        for k in range(per_document)),
             "published": f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}", "title": f"Story {i}"} for i in range(count)]


def _frames(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted((out / "frames").rglob("*.parquet"))}


def test_a_folder_with_a_catalog_and_bad_files_is_analysed_and_the_bad_ones_reported(tmp_path: Path) -> None:
    source = tmp_path / "articles"
    source.mkdir()
    (source / SEED_FILE).write_bytes((REPO / "seeds" / SEED_FILE).read_bytes())
    (source / "catalog.csv").write_text((REPO / "seeds/catalog.csv").read_text(encoding="utf-8"), encoding="utf-8")
    (source / "latin1.txt").write_bytes("caf\xe9 society".encode("latin-1"))
    (source / "blank.md").write_text("  \n\n ", encoding="utf-8")
    (source / "notes.pdf").write_bytes(b"%PDF-1.4")  # not an article: not read at all
    manifest = analyze_source(source, tmp_path / "out", progress=False)
    assert manifest["documents"] == 1 and manifest["errors"] == 2
    documents = pl.read_parquet(tmp_path / "out/frames/documents/part-00000.parquet")
    assert documents.row(0, named=True)["publisher"] == "Bloomberg" and documents["paragraphs"][0] == 10
    errors = pl.read_parquet(tmp_path / "out/frames/errors/part-00000.parquet")
    reasons = dict(zip(errors["where"], errors["reason"]))
    assert "not valid UTF-8" in reasons["latin1.txt"] and "empty" in reasons["blank.md"]
    claims = pl.read_parquet(tmp_path / "out/frames/claims/part-00000.parquet")
    assert claims.height > 5 and set(claims["doc_id"]) == {"bloomberg-2019-07-22-microsoft-openai"}
    assert manifest["record_version"] and manifest["version"] and manifest["partitions"][0]["input_sha256"]


@pytest.mark.parametrize("suffix", [".parquet", ".jsonl"])
def test_a_table_is_analysed_in_partitions_and_bad_rows_are_listed(tmp_path: Path, suffix: str) -> None:
    rows = _documents(40)
    rows[3]["text"] = ""
    rows[4]["published"] = "last Tuesday"
    rows[5]["doc_id"] = None
    rows[6]["text"] = "x" * 30_000
    table = pl.DataFrame(rows)
    path = tmp_path / f"corpus{suffix}"
    table.write_parquet(path) if suffix == ".parquet" else table.write_ndjson(path)
    manifest = analyze_source(path, tmp_path / "out", partition_mb=0.004, max_document_mb=0.02, progress=False)
    assert len(manifest["partitions"]) > 3
    assert manifest["documents"] == 36 and manifest["errors"] == 4
    errors = pl.read_parquet(tmp_path / "out/frames/errors/*.parquet")
    assert sorted(errors["reason"].str.slice(0, 12)) == sorted(
        ["no doc_id", "the text is ", "published is", "the text is "])
    documents = pl.read_parquet(tmp_path / "out/frames/documents/*.parquet")
    assert documents["doc_id"].to_list() == sorted(documents["doc_id"]) and documents.height == 36


def test_a_rerun_skips_finished_partitions_and_an_edited_one_is_done_again(tmp_path: Path) -> None:
    path = tmp_path / "corpus.parquet"
    pl.DataFrame(_documents(30)).write_parquet(path)
    analyze_source(path, tmp_path / "out", partition_mb=0.004, progress=False)
    before = {p: p.stat().st_mtime_ns for p in (tmp_path / "out/frames").rglob("*.parquet")}
    analyze_source(path, tmp_path / "out", partition_mb=0.004, progress=False)
    assert {p: p.stat().st_mtime_ns for p in before} == before  # nothing rewritten
    edited = _documents(30)
    edited[0]["text"] += "\n\nA late correction to the first story."
    pl.DataFrame(edited).write_parquet(path)
    analyze_source(path, tmp_path / "out", partition_mb=0.004, progress=False)
    rewritten = {p for p in before if p.stat().st_mtime_ns != before[p]}
    assert rewritten and all(p.name == "part-00000.parquet" for p in rewritten)


def test_a_rerun_after_the_record_or_the_code_changed_analyses_every_partition_again(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from workbench.analysis import analysis_cache

    path = tmp_path / "corpus.parquet"
    pl.DataFrame(_documents(12)).write_parquet(path)
    analyze_source(path, tmp_path / "out", partition_mb=0.004, progress=False)
    before = {p: p.stat().st_mtime_ns for p in (tmp_path / "out/frames").rglob("*.parquet")}
    monkeypatch.setattr(analysis_cache, "inputs_digest", lambda: "an edited record")
    manifest = analyze_source(path, tmp_path / "out", partition_mb=0.004, progress=False)
    assert all(p.stat().st_mtime_ns != mtime for p, mtime in before.items())  # no claim left matched to the old one
    assert {part["analysed_with"] for part in manifest["partitions"]} == {"an edited record"}


@pytest.mark.slow
def test_a_killed_run_resumes_to_the_same_outputs_as_an_uninterrupted_one(tmp_path: Path) -> None:
    path = tmp_path / "corpus.parquet"
    pl.DataFrame(_documents(120)).write_parquet(path)
    command = [sys.executable, "-m", "workbench", "corpus", "analyze", str(path), "--partition-mb", "0.004",
               "--no-progress"]
    killed = subprocess.Popen([*command, "--out", str(tmp_path / "killed")], cwd=REPO)
    markers = tmp_path / "killed/partitions"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(list(markers.glob("*.json"))) < 3:
        time.sleep(0.05)
    os.kill(killed.pid, signal.SIGKILL)
    killed.wait()
    finished = len(list(markers.glob("*.json")))
    assert 3 <= finished < len(plan(path, partition_mb=0.004)), "the run was not stopped part-way"
    subprocess.run([*command, "--out", str(tmp_path / "killed")], cwd=REPO, check=True)
    subprocess.run([*command, "--out", str(tmp_path / "clean")], cwd=REPO, check=True)
    assert _frames(tmp_path / "killed") == _frames(tmp_path / "clean")
    assert not list((tmp_path / "killed").rglob("*.tmp"))


@pytest.mark.slow
def test_the_dask_engine_writes_what_the_local_engine_writes(tmp_path: Path) -> None:
    """A LocalCluster of two worker processes, started and stopped by the engine within the test."""
    path = tmp_path / "corpus.parquet"
    pl.DataFrame(_documents(60)).write_parquet(path)
    threads = os.environ.get("OMP_NUM_THREADS")
    local = analyze_source(path, tmp_path / "local", partition_mb=0.01, progress=False)
    dask = analyze_source(path, tmp_path / "dask", engine="dask", workers=2, partition_mb=0.01, progress=False)
    assert len(local["partitions"]) >= 3
    assert _frames(tmp_path / "dask") == _frames(tmp_path / "local")
    assert json.dumps(dask) == json.dumps(local)
    assert os.environ.get("OMP_NUM_THREADS") == threads  # the cluster's settings stay with its workers


def test_the_command_line_runs_and_reports(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    path = tmp_path / "corpus.jsonl"
    pl.DataFrame(_documents(5)).write_ndjson(path)
    assert main(["corpus", "analyze", str(path), "--out", str(tmp_path / "out"), "--no-progress"]) == 0
    assert "5 documents analysed in 1 partitions, 0 left out" in capsys.readouterr().out
    assert main(["corpus", "analyze", str(tmp_path / "nowhere.csv"), "--out", str(tmp_path / "o")]) == 2
    assert main(["corpus", "analyze", str(path), "--out", str(tmp_path / "o"), "--scheduler", "tcp://x:1"]) == 2


def test_a_table_without_text_is_refused_with_the_columns_to_add(tmp_path: Path) -> None:
    path = tmp_path / "corpus.parquet"
    pl.DataFrame({"doc_id": ["a"], "body": ["text"]}).write_parquet(path)
    with pytest.raises(UsageError, match="lacks column"):
        plan(path)


@settings(max_examples=examples(60), deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=3_000), min_size=0, max_size=40), st.floats(0.001, 0.01))
def test_partitions_cover_every_row_once_in_order(sizes: list[int], partition_mb: float) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "t.parquet"
        pl.DataFrame({"doc_id": [f"d{i}" for i in range(len(sizes))], "text": ["a" * n for n in sizes]},
                     schema={"doc_id": pl.String, "text": pl.String}).write_parquet(path)
        parts = plan(path, partition_mb=partition_mb)
        covered = [row for part in parts for row in range(part.offset, part.offset + part.length)]
        assert covered == list(range(len(sizes)))
        assert all(part.length > 0 for part in parts)
        for part in parts:  # a partition is over the size only when one document alone is
            if part.length > 1:
                assert sum(sizes[part.offset:part.offset + part.length - 1]) <= partition_mb * 1e6


def test_reading_a_partition_twice_gives_the_same_input_hash(tmp_path: Path) -> None:
    path = tmp_path / "corpus.parquet"
    pl.DataFrame(_documents(4)).write_parquet(path)
    partition = Partition(0, str(path), "parquet", offset=0, length=4)
    assert read(partition).input_sha256 == read(partition).input_sha256
