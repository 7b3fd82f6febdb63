"""The articles in seeds/ as polars frames: documents → paragraphs → sentences, with exact offsets.

`documents.text[start:end]` is each paragraph's and sentence's text, so any highlight found later maps back
onto the original file. A text file dropped into seeds/ without a catalog row still loads (with a warning
naming the fields to add); a catalog with any problem fails as a whole, listing every problem.
"""

from __future__ import annotations

import hashlib
import re
import warnings
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from workbench import paths
from workbench.corpus.catalog import CITATION_FIELDS, CatalogEntry, read_catalog
from workbench.corpus.reading import SUPPORTED_SUFFIXES, doc_id_for, read_text
from workbench.corpus.spans import paragraphs_of, sentences_of
from workbench.errors import CatalogError, DatasetError, DocumentError, Problem, UncataloguedDocumentWarning
from workbench.lineage import Article, Lineage, loaded, note, tag

__all__ = [
    "DOCUMENT_SCHEMA", "PARAGRAPH_SCHEMA", "SENTENCE_SCHEMA", "Corpus", "article_of", "build_corpus", "load_corpus",
]

_WORD = re.compile(r"\w[\w'\u2019-]*")

DOCUMENT_SCHEMA = {
    "doc_id": pl.String, "file": pl.String, "title": pl.String, "publisher": pl.String,
    "author": pl.String, "published": pl.Date, "url": pl.String, "language": pl.String,
    "syndicated_urls": pl.List(pl.String), "catalogued": pl.Boolean, "missing_fields": pl.List(pl.String),
    "sha256": pl.String, "n_chars": pl.Int64, "n_words": pl.Int64, "n_paragraphs": pl.Int64,
    "text": pl.String,
}
PARAGRAPH_SCHEMA = {
    "doc_id": pl.String, "paragraph": pl.Int64, "start": pl.Int64, "end": pl.Int64, "text": pl.String,
    "n_chars": pl.Int64, "n_words": pl.Int64, "n_sentences": pl.Int64,
}
SENTENCE_SCHEMA = {
    "doc_id": pl.String, "paragraph": pl.Int64, "sentence": pl.Int64, "start": pl.Int64, "end": pl.Int64,
    "paragraph_start": pl.Int64, "paragraph_end": pl.Int64, "text": pl.String,
}


@dataclass(frozen=True)
class Corpus:
    """Three aligned frames; `paragraph` numbers start at 1 within each document. `folder` is where the files
    named in `documents.file` are (None when each names its own path)."""

    documents: pl.DataFrame
    paragraphs: pl.DataFrame
    sentences: pl.DataFrame
    folder: Path | None = None

    def document(self, doc_id: str) -> dict:
        """One document's row as a dict (raises with the known ids if it is not there); reading it makes the
        article an input of what the traced call running now returns."""
        rows = self.documents.filter(pl.col("doc_id") == doc_id)
        if rows.is_empty():
            known = ", ".join(self.documents["doc_id"].to_list()) or "none"
            raise DatasetError(f"no document with doc_id {doc_id!r} in the corpus.",
                               fix=f"use one of: {known}.", column="doc_id", value=doc_id)
        row = rows.row(0, named=True)
        note(Lineage(articles=frozenset({article_of(row, self.folder)})))
        return row

    def paragraphs_of(self, doc_id: str) -> pl.DataFrame:
        """One document's rows of `paragraphs`, carrying the article as their lineage."""
        article = article_of(self.document(doc_id), self.folder)
        return loaded(self.paragraphs.filter(pl.col("doc_id") == doc_id), Lineage(articles=frozenset({article})))


def article_of(document: dict | CatalogEntry, folder: Path | None) -> Article:
    """A document (a `documents` row or a catalog entry) as the Article an output cites and the file it read."""
    row = document if isinstance(document, dict) else document.__dict__
    file = Path(row["file"]) if folder is None else folder / row["file"]
    published = row.get("published")
    return Article(doc_id=row["doc_id"], title=row.get("title") or None, publisher=row.get("publisher") or None,
                   author=row.get("author") or None, published=published.isoformat() if published else None,
                   url=row.get("url") or None, file=str(file.resolve()))


def load_corpus(seeds_dir: Path | None = None) -> Corpus:
    """Load every article in seeds/ (catalogued or not) into frames, or raise CatalogError listing all problems."""
    folder = Path(seeds_dir) if seeds_dir is not None else paths.seeds_dir()
    entries, problems = read_catalog(folder / "catalog.csv")
    entries, more = _with_uncatalogued_files(folder, entries)
    problems.extend(more)

    documents = []
    for entry in entries:
        path = folder / entry.file
        if not path.is_file():
            problems.append(Problem(f"the catalog row names {entry.file!r}, which is not in {folder}.",
                                    "add the file to seeds/ or delete the row.",
                                    file=str(folder / "catalog.csv"), line=entry.line, column="file",
                                    value=entry.file))
            continue
        try:
            documents.append((entry, read_text(path)))
        except DocumentError as error:
            problems.append(error.problem)
    if problems:
        raise CatalogError(f"the articles in {folder} cannot be loaded", problems)

    for entry, _ in documents:
        if entry.line is None:
            warnings.warn(
                f"{folder / entry.file}: no row in catalog.csv, so it loads as doc_id {entry.doc_id!r} without "
                f"{', '.join(entry.missing)}. Fix: add a row to {folder / 'catalog.csv'} with those fields.",
                UncataloguedDocumentWarning,
                stacklevel=2,
            )
    corpus = build_corpus(documents, folder)
    articles = Lineage(articles=frozenset(article_of(row, folder) for row in corpus.documents.iter_rows(named=True)))
    return tag(corpus, articles)


def build_corpus(documents: list[tuple[CatalogEntry, str]], folder: Path | None = None) -> Corpus:
    """Frames for already-read documents (their files in `folder`, or at the path each names); also used to
    analyse a single file outside seeds/.

    The texts are cut as one column by `spans`, keyed by their position in `documents` (so two entries sharing a
    doc_id still number their paragraphs and sentences apart).
    """
    texts = [text for _, text in documents]
    doc_ids = pl.Series("doc_id", [entry.doc_id for entry, _ in documents], dtype=pl.String)
    keyed = pl.DataFrame({"row": range(len(texts)), "text": texts}, schema={"row": pl.Int64, "text": pl.String})
    paragraphs = paragraphs_of(keyed, id_column="row")
    sentences = sentences_of(paragraphs, id_columns=("row", "paragraph"))
    per_paragraph = sentences.group_by("row", "paragraph").len("n_sentences")
    paragraph_frame = (
        paragraphs.join(per_paragraph, on=["row", "paragraph"], how="left", maintain_order="left")
        .select(doc_ids.gather(paragraphs["row"]), "paragraph", "start", "end", "text",
                n_chars=pl.col("text").str.len_chars(), n_words=_word_counts(paragraphs["text"]),
                n_sentences=pl.col("n_sentences").fill_null(0))
        .cast(PARAGRAPH_SCHEMA)
    )
    sentence_frame = (
        sentences.join(paragraphs.select("row", "paragraph", paragraph_offset="start"), on=["row", "paragraph"],
                       how="left", maintain_order="left")
        .select(doc_ids.gather(sentences["row"]), "paragraph", "sentence",
                start=pl.col("paragraph_offset") + pl.col("paragraph_start"),
                end=pl.col("paragraph_offset") + pl.col("paragraph_end"),
                paragraph_start="paragraph_start", paragraph_end="paragraph_end", text="text")
        .cast(SENTENCE_SCHEMA)
    )
    # A word holds no white space, so it lies in one paragraph: a document's words are its paragraphs' words.
    per_document = paragraph_frame.select(paragraphs["row"], "n_words").group_by("row").agg(pl.len(), pl.sum("n_words"))
    counts = {row: (n_paragraphs, n_words) for row, n_paragraphs, n_words in per_document.iter_rows()}
    doc_rows = [{
        "doc_id": entry.doc_id, "file": entry.file, "title": entry.title, "publisher": entry.publisher,
        "author": entry.author, "published": entry.published, "url": entry.url,
        "language": entry.language, "syndicated_urls": list(entry.syndicated_urls),
        "catalogued": entry.line is not None, "missing_fields": list(entry.missing),
        "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(), "n_chars": len(text),
        "n_words": counts.get(row, (0, 0))[1], "n_paragraphs": counts.get(row, (0, 0))[0], "text": text,
    } for row, (entry, text) in enumerate(documents)]
    return Corpus(documents=pl.DataFrame(doc_rows, schema=DOCUMENT_SCHEMA), paragraphs=paragraph_frame,
                  sentences=sentence_frame, folder=folder)


def _word_counts(texts: pl.Series) -> pl.Series:
    """Words (`_WORD`, Python's Unicode `\\w`, which polars' Rust regex does not match exactly) in each text."""
    return pl.Series("n_words", [len(_WORD.findall(text)) for text in texts.to_list()], dtype=pl.Int64)


def _with_uncatalogued_files(folder: Path, entries: list[CatalogEntry]
                             ) -> tuple[list[CatalogEntry], list[Problem]]:
    catalogued = {entry.file for entry in entries}
    taken = {entry.doc_id: entry for entry in entries}
    problems = []
    result = list(entries)
    candidates = sorted(p for p in folder.iterdir() if p.suffix.lower() in SUPPORTED_SUFFIXES
                        and p.is_file() and not p.name.startswith(".")) if folder.is_dir() else []
    if not folder.is_dir():
        problems.append(Problem("the seeds folder does not exist.",
                                "create it, or point WORKBENCH_SEEDS_DIR at the folder of articles.",
                                file=str(folder)))
    for path in candidates:
        if path.name in catalogued:
            continue
        doc_id = doc_id_for(path)
        if doc_id in taken:
            other = taken[doc_id]
            problems.append(Problem(f"duplicate doc_id: {path.name!r} would load as {doc_id!r}, which "
                                    f"{other.file!r} already has.",
                                    "rename the file or give it a catalog row with its own doc_id.",
                                    file=str(path), column="doc_id", value=doc_id))
            continue
        entry = CatalogEntry(doc_id=doc_id, file=path.name, missing=CITATION_FIELDS)
        taken[doc_id] = entry
        result.append(entry)
    return result, problems
