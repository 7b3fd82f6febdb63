"""Reading article files and cutting their text into paragraphs and sentences with exact offsets.

Offsets are Python string indices, so `text[start:end]` is always the span itself: a highlight computed on
a paragraph or sentence maps straight back onto the original file. Nothing here rewrites the text (no
newline normalisation, no trimming of the document), which is what keeps that invariant simple to test.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from workbench.errors import BinaryFileError, DocumentEncodingError, EmptyDocumentError

__all__ = [
    "ABBREVIATIONS", "SENTENCE_END", "SUPPORTED_SUFFIXES", "Span", "read_text", "split_paragraphs", "split_sentences",
]

SUPPORTED_SUFFIXES = (".txt", ".md")

# A paragraph break is a line holding nothing but spaces or tabs (CRLF files included).
_PARAGRAPH_BREAK = re.compile(r"\r?\n(?:[ \t]*\r?\n)+")

# Words that end in a full stop without ending the sentence ("Microsoft Corp. said", "Nov. 17").
ABBREVIATIONS = frozenset(
    """mr mrs ms dr prof sr jr st mt gen sen rep gov lt col sgt capt rev
    corp inc ltd co bros llc plc no vs etc al approx est dept univ
    jan feb mar apr jun jul aug sep sept oct nov dec
    u.s u.k u.n e.u a.i e.g i.e""".split()
)
# Each lookbehind includes the full stop, so it only ever rejects a full stop; starting with a character
# class lets `re` skip straight to the next . ! or ?.
_NOT_AFTER_ABBREVIATION = "".join(
    rf"(?<!\b(?i:{re.escape(word)})\.)" for word in sorted(ABBREVIATIONS, key=len, reverse=True)
)
# A sentence ends at . ! or ? (possibly followed by closing quotes or brackets) before white space and
# the capital letter, digit or opening quote of the next sentence; a full stop after an abbreviation or a
# single capital ("J. Smith") does not end one. Lookbehinds keep this one regex, usable on a whole column.
SENTENCE_END = re.compile(
    rf"[.!?]{_NOT_AFTER_ABBREVIATION}(?<!\b[A-Z]\.)[.!?]*[\"'\u201d\u2019)\]]*"
    rf"(?=\s+[\"'\u201c\u2018(\[]?[A-Z0-9])"
)


@dataclass(frozen=True)
class Span:
    """A piece of text and where it sits: `source[start:end] == text`."""

    start: int
    end: int
    text: str


def read_text(path: Path) -> str:
    """Read an article as UTF-8, refusing empty, binary and mis-encoded files with a precise message."""
    raw = path.read_bytes()
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    if not raw.strip():
        raise EmptyDocumentError(
            "the file is empty (no text to read).",
            fix="paste the article's text into the file, or delete the file and its catalog row.",
            file=path,
        )
    nul = raw.find(b"\x00")
    if nul >= 0:
        raise BinaryFileError(
            f"the file is binary, not text (a NUL byte at byte offset {nul}).",
            fix="save the article as plain UTF-8 text (.txt or .md); export PDFs or Word files to text first.",
            file=path,
        )
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        raise DocumentEncodingError(
            f"the file is not valid UTF-8: byte {raw[error.start]:#04x} at byte offset {error.start} "
            f"cannot be decoded ({error.reason}).",
            fix="re-save the file as UTF-8 (for example `iconv -f cp1252 -t utf-8 in.txt > out.txt`).",
            file=path,
            line=line,
        ) from None


def split_paragraphs(text: str) -> list[Span]:
    """Paragraphs are separated by blank lines; each span is trimmed of surrounding white space."""
    spans = []
    position = 0
    for match in [*_PARAGRAPH_BREAK.finditer(text), None]:
        block_end = match.start() if match else len(text)
        span = _trimmed(text, position, block_end)
        if span is not None:
            spans.append(span)
        if match:
            position = match.end()
    return spans


def split_sentences(text: str) -> list[Span]:
    """Rule-based sentence spans for news prose.

    A small rule set rather than a library: the punkt models need a data download this project cannot make,
    and the maintained rule-based splitters do not keep exact offsets.
    """
    spans = []
    position = 0
    for match in SENTENCE_END.finditer(text):
        span = _trimmed(text, position, match.end())
        if span is not None:
            spans.append(span)
        position = match.end()
    tail = _trimmed(text, position, len(text))
    if tail is not None:
        spans.append(tail)
    return spans


def _trimmed(text: str, start: int, end: int) -> Span | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return Span(start, end, text[start:end]) if end > start else None
