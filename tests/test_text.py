"""Reading article files (workbench/corpus/reading.py) and cutting them into paragraphs and sentences with exact
offsets (workbench/corpus/spans.py), one text or a whole column at a time."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from conftest import examples
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.corpus.reading import read_text
from workbench.corpus.spans import paragraphs_of, sentences_of, split_paragraphs, split_sentences
from workbench.errors import BinaryFileError, DocumentEncodingError, EmptyDocumentError


def test_paragraphs_split_on_blank_lines_and_keep_offsets() -> None:
    text = "First para.\nstill first.\n\n  Second para.  \n \t\n\n\nThird.\n"
    spans = split_paragraphs(text)
    assert [s.text for s in spans] == ["First para.\nstill first.", "Second para.", "Third."]
    assert all(text[s.start:s.end] == s.text for s in spans)


def test_crlf_paragraphs() -> None:
    text = "One.\r\n\r\nTwo.\r\n"
    assert [s.text for s in split_paragraphs(text)] == ["One.", "Two."]


def test_sentences_respect_abbreviations_initials_and_quotes() -> None:
    text = 'Microsoft Corp. said on Nov. 17 that J. Smith left. "It was time," he said. Sales rose 7%! Why? Because.'
    assert [s.text for s in split_sentences(text)] == [
        "Microsoft Corp. said on Nov. 17 that J. Smith left.",
        '"It was time," he said.',
        "Sales rose 7%!",
        "Why?",
        "Because.",
    ]


def test_decimal_amounts_do_not_end_sentences() -> None:
    assert len(split_sentences("It raised $6.6 billion in 2024. Then it grew.")) == 2


def test_a_column_of_documents_is_cut_into_numbered_paragraphs() -> None:
    texts = ["One.\r\n\r\n  Two.\n", None, " \n\n ", "Three."]  # a null or blank text has no paragraphs
    documents = pl.DataFrame({"doc_id": ["a", "b", "c", "d"], "text": texts})
    assert paragraphs_of(documents).rows() == [("a", 1, 0, 4, "One."), ("a", 2, 10, 14, "Two."),
                                               ("d", 1, 0, 6, "Three.")]
    keyed = documents.rename({"doc_id": "key", "text": "body"})
    assert paragraphs_of(keyed, id_column="key", text_column="body").columns == ["key", "paragraph", "start", "end",
                                                                                  "text"]


def test_sentences_of_a_column_of_paragraphs_are_numbered_per_document() -> None:
    paragraphs = pl.DataFrame({"doc_id": ["a", "a", "b"], "paragraph": [1, 2, 1],
                               "text": ["It rose. Then it fell.", " Mr. Smith left. ", "Done."]})
    assert sentences_of(paragraphs).rows() == [
        ("a", 1, 1, 0, 8, "It rose."), ("a", 1, 2, 9, 22, "Then it fell."), ("a", 2, 3, 1, 16, "Mr. Smith left."),
        ("b", 1, 1, 0, 5, "Done."),
    ]
    assert sentences_of(paragraphs).columns == ["doc_id", "paragraph", "sentence", "paragraph_start", "paragraph_end",
                                                "text"]


@pytest.mark.parametrize(
    ("content", "error", "message"),
    [
        (b"", EmptyDocumentError, "the file is empty"),
        (b"  \n\n\t ", EmptyDocumentError, "the file is empty"),
        (b"PK\x03\x04\x00\x00binary", BinaryFileError, "NUL byte at byte offset 4"),
        (b"caf\xe9 latte\n", DocumentEncodingError, "byte 0xe9 at byte offset 3"),
        (b"line one\nline two \xff\n", DocumentEncodingError, ":2: the file is not valid UTF-8"),
    ],
)
def test_unreadable_files_name_the_file_the_place_and_the_fix(tmp_path: Path, content: bytes,
                                                              error: type, message: str) -> None:
    path = tmp_path / "article.txt"
    path.write_bytes(content)
    with pytest.raises(error) as raised:
        read_text(path)
    text = str(raised.value)
    assert str(path) in text and message in text and "Fix:" in text


def test_utf8_bom_is_not_part_of_the_text(tmp_path: Path) -> None:
    path = tmp_path / "bom.txt"
    path.write_bytes(b"\xef\xbb\xbfHello.")
    assert read_text(path) == "Hello."


_text = st.text(alphabet=st.sampled_from(list("ab .!?\"'\n\r\t $1,AZ.-é")), max_size=300)


@settings(max_examples=examples(2000), deadline=None)
@given(_text)
def test_paragraph_spans_are_exact_ordered_and_trimmed(text: str) -> None:
    spans = split_paragraphs(text)
    previous_end = 0
    for span in spans:
        assert 0 <= previous_end <= span.start < span.end <= len(text)
        assert text[span.start:span.end] == span.text
        assert span.text == span.text.strip() and span.text
        previous_end = span.end
    # No text is lost: everything outside the spans is white space.
    covered = "".join(text[s.start:s.end] for s in spans)
    assert "".join(text.split()) == "".join(covered.split())


@settings(max_examples=examples(2000), deadline=None)
@given(_text)
def test_sentence_spans_are_exact_and_cover_every_character(text: str) -> None:
    spans = split_sentences(text)
    previous_end = 0
    for span in spans:
        assert previous_end <= span.start < span.end <= len(text)
        assert text[span.start:span.end] == span.text
        assert text[previous_end:span.start].strip() == ""
        previous_end = span.end
    assert text[previous_end:].strip() == ""
