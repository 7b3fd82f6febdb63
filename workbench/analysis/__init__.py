"""Reading with hindsight: themes, actors, amounts, dates and claims, for one article or a whole corpus.

`analyze(doc_or_path)` returns typed polars frames for one article; `analyze_corpus(source)` does the same
for many, in batches. Both run the one pure step `analyze_batch(paragraphs, record)`, a function from a
frame of paragraphs to frames, so a distributed engine could map it over batches unchanged.
"""

from __future__ import annotations

import datetime as dt
import io
from collections import deque
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from workbench import paths
from workbench.analysis import analysis_cache
from workbench.analysis.amounts import extract_amounts
from workbench.analysis.claims import Record, check_claims, find_claims
from workbench.analysis.dates import extract_dates
from workbench.analysis.entities import extract_entities
from workbench.corpus.spans import sentences_of
from workbench.errors import DocumentError, UsageError
from workbench.lineage import Lineage, note, noted, traced

__all__ = [
    "FRAMES", "Analysis", "analyze", "analyze_batch", "analyze_corpus", "corpus_paragraphs", "write_corpus_analysis",
]

FRAMES = ("paragraphs", "evidence", "entities", "amounts", "dates", "sentences", "claims", "matches")
_KEYS = ("doc_id", "paragraph")


@dataclass(frozen=True)
class Analysis:
    """Everything found in one or more documents, as frames keyed by doc_id (and paragraph)."""

    documents: pl.DataFrame
    paragraphs: pl.DataFrame
    evidence: pl.DataFrame
    entities: pl.DataFrame
    amounts: pl.DataFrame
    dates: pl.DataFrame
    sentences: pl.DataFrame
    claims: pl.DataFrame
    matches: pl.DataFrame
    notes: tuple[str, ...] = field(default=())

    def to_json(self, doc_id: str | None = None) -> dict:
        """The stable JSON of DESIGN §4 for one document (the first when doc_id is None)."""
        from workbench.analysis.report import analysis_json

        return analysis_json(self, doc_id)


def analyze_batch(paragraphs: pl.DataFrame, record: Record) -> dict[str, pl.DataFrame]:
    """The pure step: paragraphs (doc_id, paragraph, text, published) → the frames named in FRAMES."""
    from workbench.analysis.theme_model import classify_themes

    tags = classify_themes(paragraphs, id_columns=_KEYS)
    entities = extract_entities(paragraphs, record.entities, id_columns=_KEYS)
    amounts = extract_amounts(paragraphs, id_columns=_KEYS)
    dates = extract_dates(paragraphs, id_columns=_KEYS)
    sentences = sentences_of(paragraphs, id_columns=_KEYS)
    claims = find_claims(sentences, entities, amounts, dates)
    published = paragraphs.select("doc_id", "published").unique("doc_id")
    matches = check_claims(claims, published, record)
    labelled = paragraphs.select(*_KEYS, "text").join(tags.labels, on=list(_KEYS), how="left")
    return {"paragraphs": labelled, "evidence": tags.evidence, "entities": entities, "amounts": amounts,
            "dates": dates, "sentences": sentences, "claims": claims.drop("published", strict=False),
            "matches": matches}


@traced
def analyze(doc_or_path: str | Path, *, published: dt.date | str | None = None,
            record: Record | None = None) -> Analysis:
    """Analyse one article: a doc_id from seeds/, or the path of any UTF-8 .txt/.md file. With the default record,
    an analysis made before (by any process) of the same article, record and code is read back
    (`analysis_cache`)."""
    from workbench.corpus import article_of, build_corpus

    entry, text = _document(doc_or_path, published)
    folder = None if Path(entry.file).is_file() else paths.seeds_dir()  # a file of its own, or one in seeds/
    article = article_of(entry, folder)
    note(Lineage(articles=frozenset({article})))
    cache_key = analysis_cache.key(entry, article, text) if record is None else None
    kept = analysis_cache.read(cache_key) if cache_key else None
    if kept is not None:
        frames, notes, lineage = kept
        note(lineage)  # what the analysis read when it was made
        return Analysis(**frames, notes=notes)
    corpus = build_corpus([(entry, text)], folder)
    notes = ()
    if entry.published is None:
        notes = ("no publication date: relative dates stay unresolved and every record row counts as known "
                 "at publication; pass --published YYYY-MM-DD.",)
    paragraphs = corpus.paragraphs.select(*_KEYS, "text").with_columns(
        published=pl.lit(entry.published, dtype=pl.Date))
    frames = analyze_batch(paragraphs, record or Record.load())
    frames["paragraphs"] = frames["paragraphs"].join(corpus.paragraphs.select(*_KEYS, "start", "end"), on=list(_KEYS))
    frames["documents"] = corpus.documents.drop("text")
    # kept only if no input changed while it was analysed: else it would sit under a key it does not fit
    if cache_key and analysis_cache.key(entry, article, text) == cache_key:
        analysis_cache.write(cache_key, frames, notes, noted())
    return Analysis(notes=notes, **frames)


def analyze_corpus(source: str | Path | pl.DataFrame, *, batch_size: int = 50_000, record: Record | None = None,
                   progress: bool | None = None, workers: int = 1) -> Analysis:
    """Analyse many articles in batches of about `batch_size` paragraphs, with a progress bar.

    `source` is a folder of .txt/.md articles (with an optional catalog.csv), a parquet or CSV file with
    columns doc_id, text and optionally published, or a polars frame of paragraphs (doc_id, paragraph, text,
    published) such as `synthetic.synthetic_paragraphs` makes. `workers > 1` maps batches over that many
    processes (spawned, not forked: polars' thread pool does not survive a fork). Every frame of the result is
    held in memory; `write_corpus_analysis` keeps only a few batches.
    """
    _check_batching(batch_size, workers)
    paragraphs = corpus_paragraphs(source)
    parts: dict[str, list[pl.DataFrame]] = {name: [] for name in FRAMES}
    batches = _batches(paragraphs, batch_size)
    total = _batch_count(paragraphs, batch_size)
    for frames in _analysed_batches(batches, record, progress, workers, total=total):
        for name, frame in frames.items():
            parts[name].append(frame)
    frames = {name: pl.concat(found, how="diagonal_relaxed") if found else pl.DataFrame()
              for name, found in parts.items()}
    documents = paragraphs.group_by("doc_id", maintain_order=True).agg(
        pl.col("published").first(), pl.len().alias("n_paragraphs"))
    return Analysis(documents=documents, **frames)


def write_corpus_analysis(source: str | Path | pl.DataFrame, output_dir: Path, *, batch_size: int = 50_000,
                          record: Record | None = None, progress: bool | None = None, workers: int = 1
                          ) -> dict[str, Path]:
    """Like `analyze_corpus`, but each batch's frames go to `output_dir/<frame>/part-NNNNN.parquet` as they
    are made. Read back with `pl.scan_parquet(output_dir / "claims")`.

    A parquet or CSV `source` is read a slice of rows at a time, so memory stays that of a few batches however
    large the corpus, the table included; its rows of one document must then be next to each other (a table of
    paragraphs sorted by doc_id, or one row per document). A folder or a frame is held whole, the results not.
    """
    from workbench.atomic_write import write_files_atomically

    _check_batching(batch_size, workers)
    folders = {name: Path(output_dir) / name for name in FRAMES}
    for number, frames in enumerate(_analysed_batches(_streamed_batches(source, batch_size), record, progress,
                                                      workers)):
        files = {}
        for name, frame in frames.items():
            buffer = io.BytesIO()
            frame.write_parquet(buffer)
            files[folders[name] / f"part-{number:05d}.parquet"] = buffer.getvalue()
        write_files_atomically(files)
    return folders


def _check_batching(batch_size: int, workers: int) -> None:
    if batch_size < 1 or workers < 1:
        raise UsageError("batch_size and workers must be positive whole numbers.",
                         fix="use e.g. batch_size=50000, workers=2.", value=(batch_size, workers))


def _analysed_batches(batches: Iterable[pl.DataFrame], record: Record | None, progress: bool | None, workers: int,
                      *, total: int | None = None) -> Iterator[dict[str, pl.DataFrame]]:
    """analyze_batch over `batches`, in order, taking them one at a time as they are needed."""
    from tqdm.auto import tqdm

    record = record or Record.load()
    with _mapper(workers, record) as mapper:
        yield from tqdm(mapper(batches), total=total, desc="analysing", unit="batch", disable=progress is False)


@contextmanager
def _mapper(workers: int, record: Record) -> Iterator:
    """A function mapping analyze_batch over batches, in order: in this process, or in this process and
    `workers - 1` spawned ones.

    This process takes every `workers`-th batch, starting with the first, and the pool the others: it works
    instead of waiting, and while it reads the first batch the workers start (spawning one and importing the
    package takes a second or two). At most two batches per process are in flight (`Executor.map` would take every
    batch at once, and hold them all in memory until their turn).
    """
    if workers == 1:
        yield lambda batches: (analyze_batch(batch, record) for batch in batches)
        return
    import multiprocessing
    from concurrent.futures import Future, ProcessPoolExecutor

    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers - 1, mp_context=context, initializer=_start_worker, initargs=(record,)) as pool:
        def mapped(batches: Iterable[pl.DataFrame]) -> Iterator[dict[str, pl.DataFrame]]:
            pending: deque[Future | dict[str, pl.DataFrame]] = deque()
            for number, batch in enumerate(batches):
                if number % workers:
                    pending.append(pool.submit(_worker_batch, batch))
                    continue
                pending.append(analyze_batch(batch, record))
                while pending and (len(pending) > 2 * workers or not isinstance(pending[0], Future)
                                   or pending[0].done()):
                    first = pending.popleft()
                    yield first.result() if isinstance(first, Future) else first
            while pending:
                first = pending.popleft()
                yield first.result() if isinstance(first, Future) else first

        yield mapped


_WORKER_RECORD: list[Record] = []


def _start_worker(record: Record) -> None:
    _WORKER_RECORD.append(record)


def _worker_batch(batch: pl.DataFrame) -> dict[str, pl.DataFrame]:
    return analyze_batch(batch, _WORKER_RECORD[0])


def corpus_paragraphs(source: str | Path | pl.DataFrame) -> pl.DataFrame:
    """Paragraph frame (doc_id, paragraph, text, published) from a folder, a table file or a frame."""
    from workbench.corpus import load_corpus

    if isinstance(source, pl.DataFrame):
        frame = source if "paragraph" in source.columns else _split_documents(source)
        return _with_published(frame).select(*_KEYS, "text", "published")
    path = Path(source)
    if path.is_dir():
        corpus = load_corpus(path)
        return corpus.paragraphs.join(corpus.documents.select("doc_id", "published"), on="doc_id").select(
            *_KEYS, "text", "published")
    if path.suffix.lower() in (".parquet", ".csv") and path.is_file():
        frame = _read_table(path)
        missing = {"doc_id", "text"} - set(frame.columns)
        if missing:
            raise UsageError(f"the table lacks column(s) {', '.join(sorted(missing))}.",
                             fix="give it a doc_id and a text column (and optionally published).", file=path)
        return corpus_paragraphs(frame)
    raise UsageError("the corpus source must be a folder of articles, a .parquet or .csv file, or a frame.",
                     fix="point at seeds/ or at a table with doc_id and text columns.", value=str(source))


def _read_table(path: Path) -> pl.DataFrame:
    """A corpus table, or a UsageError naming the file: polars' own errors say neither which file nor what to do."""
    try:
        if path.suffix.lower() == ".parquet":
            return pl.read_parquet(path)
        return pl.read_csv(path, infer_schema=False)
    except (pl.exceptions.PolarsError, OSError) as error:
        raise _unreadable(path, error) from None


def _unreadable(path: Path, error: Exception) -> UsageError:
    reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return UsageError(f"the table cannot be read ({reason}).",
                      fix="save it as a UTF-8 CSV with a header row (doc_id,text[,published]) or as a parquet "
                          "file written by polars or pandas.", file=path)


def _split_documents(documents: pl.DataFrame) -> pl.DataFrame:
    """Paragraphs of each document, the whole column cut at once."""
    from workbench.corpus.spans import paragraphs_of

    paragraphs = paragraphs_of(documents.select("doc_id", pl.col("text").cast(pl.String))).drop("start", "end")
    if "published" in documents.columns:
        paragraphs = paragraphs.join(documents.select("doc_id", "published"), on="doc_id", how="left")
    return paragraphs


def _with_published(frame: pl.DataFrame) -> pl.DataFrame:
    """`published` as dates; a value that is not YYYY-MM-DD is refused (read as no date, it would silently leave
    every relative date of that article unresolved and judge its claims against today's record)."""
    if "published" not in frame.columns:
        return frame.with_columns(published=pl.lit(None, dtype=pl.Date))
    text = pl.col("published").cast(pl.String).str.strip_chars()
    parsed = frame.with_columns(pl.when(text != "").then(text).str.to_date("%Y-%m-%d", strict=False).alias("_date"))
    bad = parsed.filter(pl.col("_date").is_null() & (text != ""))
    if not bad.is_empty():
        doc_id, value = bad.select("doc_id", pl.col("published").cast(pl.String)).row(0)
        raise UsageError(f"published holds {bad.height} value(s) that are not dates written YYYY-MM-DD "
                         f"(the first in doc_id {doc_id!r}).",
                         fix="write dates as YYYY-MM-DD (e.g. 2019-07-22), or leave the cell empty when unknown.",
                         column="published", value=value)
    return parsed.with_columns(pl.col("_date").alias("published")).drop("_date")


def _batches(paragraphs: pl.DataFrame, batch_size: int) -> Iterator[pl.DataFrame]:
    """Batches of whole documents, each about batch_size paragraphs (a long document stays whole)."""
    numbered = paragraphs.join(_batch_numbers(paragraphs, batch_size), on="doc_id", maintain_order="left")
    for _, batch in numbered.group_by("batch", maintain_order=True):
        yield batch.drop("batch")


def _batch_numbers(paragraphs: pl.DataFrame, batch_size: int) -> pl.DataFrame:
    """doc_id → the batch it goes in: a document goes in the batch where its first paragraph falls."""
    sizes = paragraphs.group_by("doc_id", maintain_order=True).len()
    return sizes.select("doc_id", ((sizes["len"].cum_sum() - sizes["len"]) // batch_size).alias("batch"))


def _batch_count(paragraphs: pl.DataFrame, batch_size: int) -> int:
    numbers = _batch_numbers(paragraphs, batch_size)["batch"]
    return numbers.n_unique() if len(numbers) else 0


def _streamed_batches(source: str | Path | pl.DataFrame, batch_size: int) -> Iterator[pl.DataFrame]:
    """`_batches` of the corpus, reading a parquet or CSV file a slice at a time; other sources whole."""
    path = None if isinstance(source, pl.DataFrame) else Path(source)
    if path is None or path.suffix.lower() not in (".parquet", ".csv") or not path.is_file():
        yield from _batches(corpus_paragraphs(source), batch_size)
        return
    waiting = None  # paragraphs read but not yet in a batch: the last document read may go on in the next slice
    done: set = set()
    for rows in _table_slices(path, batch_size):
        missing = {"doc_id", "text"} - set(rows.columns)
        if missing:
            raise UsageError(f"the table lacks column(s) {', '.join(sorted(missing))}.",
                             fix="give it a doc_id and a text column (and optionally published).", file=path)
        paragraphs = corpus_paragraphs(rows)
        seen_before = paragraphs.filter(pl.col("doc_id").is_in(list(done)))["doc_id"] if done else []
        if len(seen_before):
            raise UsageError(f"the rows of document {seen_before[0]!r} are not next to each other in the table, so "
                             "it cannot be read a slice at a time.",
                             fix="sort the table by doc_id, or use analyze_corpus, which reads it whole.", file=path)
        waiting = paragraphs if waiting is None else pl.concat([waiting, paragraphs], how="diagonal_relaxed")
        numbers = _batch_numbers(waiting, batch_size)
        last = numbers["doc_id"][-1]
        ready = numbers.filter((pl.col("batch") < numbers["batch"].max()) & (pl.col("doc_id") != last))  # full ones
        if ready.is_empty():
            continue
        done.update(ready["doc_id"].to_list())
        ready_ids = ready["doc_id"].implode()
        yield from _batches(waiting.filter(pl.col("doc_id").is_in(ready_ids)), batch_size)
        waiting = waiting.filter(~pl.col("doc_id").is_in(ready_ids))
    if waiting is not None and waiting.height:
        yield from _batches(waiting, batch_size)


def _table_slices(path: Path, batch_size: int) -> Iterator[pl.DataFrame]:
    """The rows of a parquet or CSV corpus table, a slice at a time; polars' errors named with the file."""
    def read() -> Iterator[pl.DataFrame]:
        scan = pl.scan_parquet(path) if path.suffix.lower() == ".parquet" else pl.scan_csv(path, infer_schema=False)
        yield from scan.collect_batches(chunk_size=max(1, batch_size // 4))

    slices = read()
    while True:
        try:
            rows = next(slices)
        except StopIteration:
            return
        except (pl.exceptions.PolarsError, OSError) as error:
            raise _unreadable(path, error) from None
        yield rows


def _document(doc_or_path: str | Path, published: dt.date | str | None):
    """(CatalogEntry, text) for a doc_id in seeds/ or a file path; --published overrides the catalog."""
    from dataclasses import replace

    from workbench.corpus import doc_id_for, load_corpus
    from workbench.corpus.catalog import CatalogEntry
    from workbench.corpus.reading import read_text

    date = _parse_published(published)
    path = Path(doc_or_path)
    seeds = paths.seeds_dir().resolve()
    if path.is_file() and path.resolve().parent != seeds:
        _check_suffix(path)
        entry = CatalogEntry(doc_id=doc_id_for(path), file=str(path), published=date)
        return entry, read_text(path)
    if path.exists() and not path.is_file():
        raise DocumentError("this is a folder, not an article file.",
                            fix="pass one .txt or .md file, or use analyze_corpus for a folder.", file=path)
    corpus = load_corpus()
    wanted = path.name if path.is_file() else str(doc_or_path)
    rows = corpus.documents.filter((pl.col("file") == wanted) | (pl.col("doc_id") == wanted))
    if rows.is_empty():
        known = ", ".join(corpus.documents["doc_id"].to_list())
        raise DocumentError("there is no such file, and no document in seeds/ has this doc_id.",
                            fix=f"pass the path of a UTF-8 .txt/.md file, or one of: {known}.", value=str(doc_or_path))
    row = rows.row(0, named=True)
    entry = CatalogEntry(
        doc_id=row["doc_id"], file=row["file"], title=row["title"], publisher=row["publisher"], author=row["author"],
        published=row["published"], url=row["url"], language=row["language"],
        syndicated_urls=tuple(row["syndicated_urls"]), missing=tuple(row["missing_fields"]),
        line=0 if row["catalogued"] else None,  # catalogued: the corpus frame keeps the flag, not the line
    )
    return (replace(entry, published=date) if date else entry), row["text"]


def _check_suffix(path: Path) -> None:
    """Only .txt and .md, as in seeds/: a PDF or Word file that happens to decode would be read as gibberish,
    and one that does not would be blamed on its encoding."""
    from workbench.corpus.reading import SUPPORTED_SUFFIXES

    if path.suffix.lower() not in SUPPORTED_SUFFIXES:
        kind = path.suffix or "a file without a suffix"
        raise DocumentError(f"only {' and '.join(SUPPORTED_SUFFIXES)} articles can be read, not {kind}.",
                            fix="export the article as UTF-8 text and save it with a .txt or .md name.", file=path)


def _parse_published(value: dt.date | str | None) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    from workbench.corpus.catalog import parse_published

    return parse_published(str(value), where="--published")  # str(): a number (20190722) is refused, not a crash
