"""`workbench analyze` on any UTF-8 article, and the awkward inputs a newsroom produces."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from workbench.analysis import FRAMES, analyze, analyze_corpus, write_corpus_analysis
from workbench.analysis.report import _rendered
from workbench.cli import main
from workbench.errors import DocumentError, EmptyDocumentError, UsageError

ARTICLE = ("Amazon said on Monday it would invest up to $4 billion in Anthropic.\n\n"
           "Anthropic was founded in 2021 by former OpenAI staff.\n")


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "workbench", "analyze", *args], capture_output=True, text=True,
                          check=False)


def test_any_article_with_a_publication_date(tmp_path: Path) -> None:
    path = tmp_path / "amazon.txt"
    path.write_text(ARTICLE, encoding="utf-8")
    result = _run(str(path), "--published", "2023-09-25")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["document"]["published"] == "2023-09-25" and document["document"]["paragraph_count"] == 2
    assert document["amounts"][0]["qualifier"] == "up_to" and document["amounts"][0]["value"] == 4e9
    assert {"value": "2023-09-25", "relative": True}.items() <= document["dates"][0].items()
    canonical = {e["canonical"] for e in document["entities"]}
    assert {"Amazon", "Anthropic", "OpenAI"} <= canonical
    verdicts = {m["row_id"]: m["verdict"] for c in document["claims"] for m in c["matches"]}
    assert verdicts.get("amazon-anthropic-2023-09") == "consistent"


def test_table_format_reads_like_a_report(tmp_path: Path) -> None:
    path = tmp_path / "amazon.md"
    path.write_text(ARTICLE, encoding="utf-8")
    result = _run(str(path), "--format", "table")
    assert result.returncode == 0
    assert "Claims:" in result.stdout and "note: no publication date" in result.stdout


def test_without_a_date_relative_dates_stay_unresolved(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text(ARTICLE, encoding="utf-8")
    document = analyze(path).to_json()
    assert document["document"]["published"] is None
    assert document["dates"][0]["value"] is None and document["notes"]


@pytest.mark.parametrize(("args", "message"), [
    (["missing.txt"], "there is no such file, and no document in seeds/ has this doc_id"),
    (["{seed}", "--published", "22/07/2019"], "published must be a date written YYYY-MM-DD"),
    (["{seed}", "--published", "2999-01-01"], "published must lie between"),
    (["{seed}", "--format", "xml"], "invalid choice: 'xml'"),
])
def test_bad_arguments_exit_2_with_the_place_and_the_fix(args: list[str], message: str) -> None:
    args = [a.replace("{seed}", "bloomberg-2019-07-22-microsoft-openai") for a in args]
    result = _run(*args)
    assert result.returncode == 2 and message in result.stderr and "Fix:" in result.stderr
    assert "Traceback" not in result.stderr


def test_empty_and_folder_inputs_are_clear_errors(tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("  \n")
    with pytest.raises(EmptyDocumentError):
        analyze(empty)
    with pytest.raises(DocumentError, match="a folder"):
        analyze(tmp_path)
    with pytest.raises(UsageError, match="batch_size"):
        analyze_corpus(tmp_path, batch_size=0)


@pytest.mark.parametrize("text", [
    "One line only, no blank lines, $5 million raised by OpenAI in 2019.",
    "Windows\r\nline endings.\r\n\r\nMicrosoft paid $1 billion.\r\n",
    "Non\u00a0breaking\u00a0spaces: Microsoft\u00a0invested \u201cabout $2 billion\u201d in OpenAI.",
    ("Mixed scripts: \u5fae\u8f6f invested $1 billion in OpenAI \u2014 "
     "\u0645\u0627\u064a\u0643\u0631\u0648\u0633\u0648\u0641\u062a."),
    "Z" * 200_000 + " Microsoft invested $1 billion in OpenAI in 2019.",
])
def test_awkward_articles_still_answer_with_offsets_into_the_original_text(tmp_path: Path, text: str) -> None:
    path = tmp_path / "odd.txt"
    path.write_bytes(text.encode("utf-8"))
    result = analyze(path, published="2019-07-22")
    paragraphs = dict(result.paragraphs.select("paragraph", "text").rows())
    original = text.replace("\ufeff", "")
    for paragraph, body in paragraphs.items():
        start, end = result.paragraphs.filter(pl.col("paragraph") == paragraph).select("start", "end").row(0)
        assert original[start:end] == body
    for frame in (result.amounts, result.entities, result.evidence):
        for row in frame.iter_rows(named=True):
            body = paragraphs[row["paragraph"]]
            assert body[row["start"]:row["end"]] == row.get("term", row.get("text"))
    assert not result.amounts.is_empty()


def test_a_publication_date_after_every_event_still_answers() -> None:
    document = analyze("bloomberg-2019-07-22-microsoft-openai", published="2026-01-01").to_json()
    last_year = [d for d in document["dates"] if d["text"] == "last year"][0]
    assert last_year["value"] == "2025"
    assert document["claims"]


def test_corpus_mode_returns_the_same_frames_with_doc_ids(tmp_path: Path) -> None:
    table = tmp_path / "articles.csv"
    pl.DataFrame({"doc_id": ["a", "b"], "text": [ARTICLE, "Microsoft invested $10 billion in OpenAI in January 2023."],
                  "published": ["2023-09-25", "2023-01-23"]}).write_csv(table)
    result = analyze_corpus(table, batch_size=1, progress=False)
    assert set(result.paragraphs["doc_id"]) == {"a", "b"}
    single = analyze("bloomberg-2019-07-22-microsoft-openai")
    assert set(result.amounts.columns) == set(single.amounts.columns)
    assert result.amounts.filter(pl.col("doc_id") == "b")["value"].to_list() == [1e10]


def test_cli_main_prints_json(capsys) -> None:
    assert main(["analyze", "bloomberg-2019-07-22-microsoft-openai"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["document"]["paragraph_count"] == 10


# --- the command prints what analyze() gives, byte for byte, through the fast path ------------------------------

def _printed(*args: str) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["analyze", *args]) == 0
    return out.getvalue()


def _as_json_dump_writes(document: dict) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False, default=str) + "\n"


@pytest.mark.parametrize("published", [None, "2026-01-01"])
def test_the_command_prints_exactly_the_json_of_analyze_for_the_seed(published: str | None) -> None:
    args = ["bloomberg-2019-07-22-microsoft-openai"] + (["--published", published] if published else [])
    expected = _as_json_dump_writes(analyze(args[0], published=published).to_json())
    assert _printed(*args) == expected


@pytest.mark.parametrize("text", [
    ARTICLE,
    'Quotes "inside", a back\\slash, a tab\tand controls \x01\x1f\x7f; OpenAI raised $1.5 billion.\r\n\r\n'
    "Emoji \U0001f600 and \u2028 line separators: Microsoft paid \u20ac35 million in 2019.\n \n\n\n",
    "No date, one paragraph: Anthropic.",
])
def test_the_command_prints_exactly_the_json_of_analyze_for_odd_articles(tmp_path: Path, text: str) -> None:
    path = tmp_path / "odd.txt"
    path.write_bytes(text.encode("utf-8"))
    assert _printed(str(path)) == _as_json_dump_writes(analyze(path).to_json())


def test_rendered_json_matches_the_json_module_for_every_kind_of_cell() -> None:
    strings = ["", "plain", '"quoted"', "back\\slash", "".join(map(chr, range(0x20))), "\x7f\u2028é中\U0001f600", None]
    floats = [0.0, 1e-05, 2.5e-7, 0.1, 4e9, 1e16, -3.25, float("nan"), float("inf"), None]
    frame = pl.DataFrame({
        "s": strings,
        "f": floats[:len(strings)],
        "i": [1, -2, None, 10**15, 0, 7, 8],
        "b": [True, False, None, True, True, False, None],
        "d": [dt.date(2019, 7, 22), None, dt.date(1999, 1, 1), None, None, None, None],
        "words": [[], ["a"], None, ["x", None, '"'], [], ["b", "c"], []],
        "nested": [[{"k": "v", "n": 1}], [], None, [{"k": None, "n": None}, {"k": "\n", "n": 3}], [], [], []],
    })
    texts = frame.select(_rendered(pl.struct(frame.columns), pl.Struct(frame.schema), depth=2).alias("json"))
    for row, text in zip(frame.to_dicts(), texts["json"]):
        expected = json.dumps({"x": [row]}, indent=2, ensure_ascii=False, default=str)
        assert expected.split("\n", 2)[2].rsplit("\n", 2)[0].strip() == text.strip()


# --- corpus mode, streamed ----------------------------------------------------------------------------------------

def _corpus_table() -> pl.DataFrame:
    texts = [ARTICLE, "Microsoft invested $10 billion in OpenAI in January 2023.\n\nOpenAI said so.",
             "Musk left OpenAI's board in 2018.", "Google invested $300 million in Anthropic.\n\nAmazon followed."]
    return pl.DataFrame({"doc_id": [f"doc-{i}" for i in range(len(texts))], "text": texts,
                         "published": ["2023-09-25", "2023-01-23", "2019-02-20", ""]})


@pytest.mark.slow
@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_streamed_corpus_analysis_writes_the_frames_analyze_corpus_returns(tmp_path: Path, suffix: str) -> None:
    table = tmp_path / f"articles{suffix}"
    frame = _corpus_table()
    frame.write_csv(table) if suffix == ".csv" else frame.write_parquet(table)
    whole = analyze_corpus(table, progress=False)
    for batch_size in (1, 3, 50_000):  # a batch per document, batches across slices, one batch
        folders = write_corpus_analysis(table, tmp_path / f"out-{batch_size}", batch_size=batch_size, progress=False)
        for name in FRAMES:
            expected = getattr(whole, name)
            if expected.height:
                got = pl.read_parquet(folders[name])
                assert got.select(expected.columns).equals(expected), (name, batch_size)


@pytest.mark.slow
def test_two_workers_give_the_frames_of_one(tmp_path: Path) -> None:
    table = tmp_path / "articles.parquet"
    _corpus_table().write_parquet(table)
    one = analyze_corpus(table, batch_size=1, progress=False)
    two = analyze_corpus(table, batch_size=1, progress=False, workers=2)  # this process and one spawned
    for name in FRAMES:
        assert getattr(two, name).equals(getattr(one, name)), name


def test_a_table_streamed_needs_the_rows_of_a_document_together(tmp_path: Path) -> None:
    paragraphs = pl.DataFrame({"doc_id": ["a", "b", "a"], "paragraph": [1, 1, 2],
                               "text": ["OpenAI raised $1 billion.", "Microsoft too.", "Then more."]})
    table = tmp_path / "scattered.parquet"
    paragraphs.write_parquet(table)
    with pytest.raises(UsageError, match="'a' are not next to each other"):
        write_corpus_analysis(table, tmp_path / "out", batch_size=1, progress=False)
