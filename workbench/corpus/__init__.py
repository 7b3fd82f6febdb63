"""The corpus of articles, one module per concern, lowest first:

- `reading`: which files are articles, their text, the doc_id of a file without a catalog row;
- `catalog`: seeds/catalog.csv, validated as a whole;
- `spans`: paragraphs and sentences with exact offsets, one cutter for one text or a whole column;
- `frames`: the documents, paragraphs and sentences frames of a folder (`load_corpus`) or of texts (`build_corpus`).

The package re-exports what callers load a corpus with; the rest is imported from its module.
"""

from __future__ import annotations

from workbench.corpus.frames import (
    DOCUMENT_SCHEMA,
    PARAGRAPH_SCHEMA,
    SENTENCE_SCHEMA,
    Corpus,
    article_of,
    build_corpus,
    load_corpus,
)
from workbench.corpus.reading import doc_id_for

__all__ = [
    "DOCUMENT_SCHEMA", "PARAGRAPH_SCHEMA", "SENTENCE_SCHEMA", "Corpus", "article_of", "build_corpus", "doc_id_for",
    "load_corpus",
]
