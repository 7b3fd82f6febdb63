"""The corpus: the seed loads with its catalog facts; bad catalogs fail as a whole with every problem listed."""

from __future__ import annotations

import datetime as dt
import warnings
from pathlib import Path

import polars as pl
import pytest
from conftest import REPO, SEED_FILE, SEED_ID, write_catalog

from workbench.corpus import build_corpus, load_corpus
from workbench.corpus.catalog import CatalogEntry
from workbench.errors import CatalogError, DatasetError, UncataloguedDocumentWarning

ARTICLE = "Microsoft Corp. invested $1 billion.\n\nOpenAI said so on Monday. It agreed.\n"


def test_the_seed_is_byte_for_byte_the_shared_primary_source() -> None:
    shared = REPO.parent / "shared" / "seeds" / "000_2d14c7612fdbac64.txt"
    if not shared.exists():
        pytest.skip("../shared is not beside the repository")
    assert (REPO / "seeds" / SEED_FILE).read_bytes() == shared.read_bytes()


def test_seed_document_carries_its_bibliographic_facts() -> None:
    corpus = load_corpus(REPO / "seeds")
    seed = corpus.document(SEED_ID)
    assert seed["publisher"] == "Bloomberg"
    assert seed["author"] == "Dina Bass"
    assert seed["published"] == dt.date(2019, 7, 22)
    assert seed["url"].startswith("https://www.bloomberg.com/news/articles/2019-07-22/")
    assert len(seed["syndicated_urls"]) == 2
    assert seed["catalogued"] and seed["missing_fields"] == []
    assert seed["n_paragraphs"] == 10


def test_paragraphs_and_sentences_map_back_onto_the_text() -> None:
    corpus = load_corpus(REPO / "seeds")
    text = corpus.document(SEED_ID)["text"]
    paragraphs = corpus.paragraphs_of(SEED_ID)
    assert paragraphs["paragraph"].to_list() == list(range(1, 11))
    assert paragraphs.row(0, named=True)["text"].startswith("Microsoft agreed to invest $1 billion")
    for row in paragraphs.iter_rows(named=True):
        assert text[row["start"]:row["end"]] == row["text"]
    sentences = corpus.sentences.filter(pl.col("doc_id") == SEED_ID)
    assert sentences.height == 16
    for row in sentences.iter_rows(named=True):
        assert text[row["start"]:row["end"]] == row["text"]
        paragraph = paragraphs.row(row["paragraph"] - 1, named=True)["text"]
        assert paragraph[row["paragraph_start"]:row["paragraph_end"]] == row["text"]
    assert corpus.documents.schema["published"] == pl.Date


def test_uncatalogued_txt_and_md_files_load_with_a_warning_naming_missing_fields(seeds: Path) -> None:
    (seeds / "Reuters Story.md").write_text("# Heading\n\nBody text.", encoding="utf-8")
    (seeds / "notes.txt").write_text(ARTICLE, encoding="utf-8")
    (seeds / "image.png").write_bytes(b"\x89PNG\x00")  # not an article: ignored
    with pytest.warns(UncataloguedDocumentWarning) as caught:
        corpus = load_corpus()
    assert sorted(corpus.documents["doc_id"]) == ["notes", "reuters-story"]
    message = str(caught[0].message)
    assert "no row in catalog.csv" in message and "title, publisher, author, published, url" in message
    assert corpus.document("notes")["catalogued"] is False
    assert corpus.paragraphs_of("notes").height == 2


def test_catalogued_files_load_silently(seeds: Path) -> None:
    (seeds / "a.txt").write_text(ARTICLE, encoding="utf-8")
    write_catalog(seeds, "doc-a,a.txt,Title,Pub,Auth,2020-01-02,https://example.org/a,en")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        corpus = load_corpus()
    assert corpus.document("doc-a")["published"] == dt.date(2020, 1, 2)


def test_unknown_doc_id_lists_the_known_ones() -> None:
    corpus = load_corpus(REPO / "seeds")
    with pytest.raises(DatasetError, match=f"use one of: {SEED_ID}"):
        corpus.document("nope")


GOOD = "doc-a,a.txt,Title,Pub,Auth,2020-01-02,https://example.org/a,en"


@pytest.mark.parametrize(
    ("rows", "header", "files", "expected"),
    [
        ([GOOD.replace("a.txt", "missing.txt")], None, {},
         ["catalog.csv:2, column 'file', value 'missing.txt': the catalog row names 'missing.txt', which is not in"]),
        ([GOOD, GOOD.replace("a.txt", "b.txt")], None, {"b.txt": ARTICLE},
         ["catalog.csv:3, column 'doc_id', value 'doc-a': duplicate doc_id (first used on line 2)"]),
        ([GOOD.replace("2020-01-02", "22/07/2019")], None, {},
         ["column 'published', value '22/07/2019': published must be a date written YYYY-MM-DD"]),
        ([GOOD.replace("2020-01-02", "2019-02-30")], None, {},
         ["value '2019-02-30': published is not a real date"]),
        ([GOOD.replace("2020-01-02", "2999-01-01")], None, {},
         ["value '2999-01-01': published must lie between 1800-01-01 and today"]),
        ([GOOD], "doc_id,file,title,published,url,language\n", {},
         ["catalog.csv:1: the header lacks column(s) publisher, author."]),
        ([GOOD + ",x"], "doc_id,file,title,publisher,author,published,url,language,rating\n", {},
         ["catalog.csv:1: the header has unknown column(s) rating."]),
        ([GOOD + ",extra"], None, {}, ["catalog.csv:2: the row has 9 cells but the header has 8 columns."]),
        ([GOOD.replace("a.txt", "../etc/passwd")], None, {},
         ["value '../etc/passwd': file must be a plain file name inside seeds/."]),
        ([GOOD.replace("a.txt", "a.pdf")], None, {}, ["value 'a.pdf': only .txt and .md articles are supported."]),
        ([GOOD.replace("doc-a", "Doc A")], None, {}, ["value 'Doc A': doc_id must be lower-case"]),
        ([GOOD], None, {"a.txt": ""}, ["a.txt: the file is empty"]),
        ([GOOD], None, {"a.txt": b"\x00\x01"}, ["a.txt: the file is binary, not text (a NUL byte at byte offset 0)"]),
        ([GOOD], None, {"a.txt": b"ok\n\xc3("}, ["a.txt:2: the file is not valid UTF-8: byte 0xc3 at byte offset 3"]),
        ([GOOD], None, {"doc-a.txt": ARTICLE},
         ["doc-a.txt, column 'doc_id', value 'doc-a': duplicate doc_id: 'doc-a.txt' would load as 'doc-a'"]),
    ],
    ids=["missing-file", "duplicate-id", "malformed-date", "impossible-date", "future-date", "missing-columns",
         "extra-column", "extra-cell", "path-escape", "unsupported-type", "bad-doc-id", "empty-file",
         "binary-file", "invalid-utf8", "uncatalogued-id-clash"],
)
def test_bad_seeds_fail_with_a_message_naming_place_problem_and_fix(seeds: Path, rows, header, files,
                                                                    expected) -> None:
    files = {"a.txt": ARTICLE, **files}
    for name, content in files.items():
        target = seeds / name
        target.write_bytes(content if isinstance(content, bytes) else content.encode())
    write_catalog(seeds, *rows, **({"header": header} if header else {}))
    with pytest.raises(CatalogError) as raised:
        load_corpus()
    message = str(raised.value)
    for fragment in expected:
        assert fragment in message
    assert "Fix:" in message


def test_every_problem_is_listed_not_only_the_first(seeds: Path) -> None:
    (seeds / "a.txt").write_text(ARTICLE, encoding="utf-8")
    (seeds / "empty.txt").write_text("", encoding="utf-8")
    write_catalog(seeds, GOOD.replace("2020-01-02", "2019-13-01"), GOOD.replace("a.txt", "gone.txt").replace(
        "doc-a", "doc-b"), GOOD.replace("doc-a", "doc-c").replace("a.txt", "empty.txt"))
    with pytest.raises(CatalogError) as raised:
        load_corpus()
    assert len(raised.value.problems) == 3
    message = str(raised.value)
    assert "(3 problem(s))" in message
    assert "2019-13-01" in message and "gone.txt" in message and "empty.txt: the file is empty" in message


def test_missing_seeds_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match="the seeds folder does not exist"):
        load_corpus(tmp_path / "nowhere")


def test_build_corpus_cuts_every_document_alone_even_when_two_share_a_doc_id() -> None:
    entry = CatalogEntry(doc_id="same", file="same.txt")
    corpus = build_corpus([(entry, "One. Two.\n\nThree."), (entry, "Four.")])
    assert corpus.paragraphs.select("paragraph", "start", "n_words", "n_sentences").rows() == [
        (1, 0, 2, 2), (2, 11, 1, 1), (1, 0, 1, 1)]
    assert corpus.sentences.select("paragraph", "sentence", "start", "end").rows() == [
        (1, 1, 0, 4), (1, 2, 5, 9), (2, 3, 11, 17), (1, 1, 0, 5)]
    assert corpus.documents.select("n_words", "n_paragraphs").rows() == [(3, 2), (1, 1)]
