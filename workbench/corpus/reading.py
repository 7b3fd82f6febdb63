"""One article file: which files are articles, their text (refused with a precise message when a file is empty,
binary or not UTF-8), and the doc_id a file without a catalog row gets."""

from __future__ import annotations

import re
from pathlib import Path

from workbench.errors import BinaryFileError, DocumentEncodingError, EmptyDocumentError

__all__ = ["SUPPORTED_SUFFIXES", "doc_id_for", "read_text"]

SUPPORTED_SUFFIXES = (".txt", ".md")


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


def doc_id_for(path: Path) -> str:
    """The doc_id an uncatalogued file gets: its name without suffix, as a lower-case slug."""
    return re.sub(r"[^a-z0-9._-]+", "-", path.stem.lower()).strip("-._") or "document"
