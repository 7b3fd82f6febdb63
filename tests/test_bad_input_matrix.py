"""The bad-input matrix: every entry point a researcher reaches, fed the inputs that go wrong in practice.

One table, CASES. Each row names its entry point (`entry`: seeds, overlay, analyze, run, datasets, save,
explorer, download), writes the bad input into scratch folders (`setup`), reaches the entry point (`call`: a
Python call, or `cli(...)` for `workbench ...` run in-process) and says which error must come out and what its
message must name (`must_mention`: the place, the value, the specifics). `test_bad_input` holds every row to
the same contract:

- the error is the stated WorkbenchError subclass, never a raw Python exception;
- the message names the place and has a "Fix:" part; every problem of a multi-problem error has a place
  (file, line, column or value) and a fix;
- a CLI call exits 2, prints nothing on stdout and no traceback on stderr;
- no file is written or changed under the test's folder (data/, seeds/, the download cache, the inputs).

To add a case, append a Case to CASES; the helpers below write the usual bad files. `{inputs}`, `{seeds}`,
`{data}` and `{url}` (the loopback server) in CLI arguments and in `must_mention` are filled in per test.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import altair as alt
import polars as pl
import pytest
from live_server import LiveServer

from workbench import cli, datasets
from workbench.analysis import analyze, analyze_corpus
from workbench.corpus import load_corpus
from workbench.datasets import download, live
from workbench.errors import (
    BinaryFileError,
    CatalogError,
    ChecksumError,
    DatasetError,
    DocumentEncodingError,
    DocumentError,
    DownloadError,
    EmptyDocumentError,
    NotebookError,
    OfflineError,
    OutputError,
    SchemaError,
    UnsafeOutputNameError,
    UsageError,
    WorkbenchError,
)
from workbench.outputs import save
from workbench.widgets import ArticleReader, FundingExplorer, GovernanceExplorer, RiskExplorer
from workbench.widgets.base import ExplorerInputError

# --- the scratch world a case runs in -----------------------------------------------------------------------


@dataclass
class Env:
    """The folders a case may touch (all under one tmp_path) and the loopback server for downloads."""

    root: Path
    data: Path
    seeds: Path
    cache: Path
    inputs: Path  # files handed to commands, outside seeds/ and data/
    server: LiveServer

    def fill(self, text: str) -> str:
        return text.format(inputs=self.inputs, seeds=self.seeds, data=self.data, url=self.server.url(""))


@dataclass(frozen=True)
class Cli:
    """`workbench ARGV`, run in-process through workbench.cli.main."""

    argv: tuple[str, ...]


def cli_call(*argv: str) -> Cli:
    return Cli(argv)


@dataclass(frozen=True)
class Case:
    id: str
    entry: str
    setup: Callable[[Env], object] | None
    call: Callable[[Env], object] | Cli
    error_class: type[WorkbenchError]
    must_mention: list[str] = field(default_factory=list)


# --- helpers that write bad inputs ---------------------------------------------------------------------------

CATALOG_HEADER = "doc_id,file,title,publisher,author,published,url,language"
GOOD_ROW = "doc-a,a.txt,Title,Pub,Auth,2020-01-02,https://example.org/a,en"
ARTICLE = "OpenAI said on Monday that Microsoft will invest $1 billion.\n\nThe money arrives over years.\n"
FUNDING_CELLS = {"event_id": "x", "date": "2020-01-01", "date_precision": "day", "investor": "Amazon",
                 "recipient": "Anthropic", "amount_usd": "1", "amount_kind": "reported", "instrument": "equity",
                 "status": "committed", "asset": "cash",
                 "deal": "d", "is_total": "false", "compute_link": "false", "source_ids": "{src}",
                 "weak_support": "false"}


def shipped_source_id() -> str:
    """A source id of the shipped sources table, read from its file (no overlay can change it)."""
    from workbench.datasets import registry

    with open(registry.curated("sources").path, encoding="utf-8", newline="") as stream:
        return next(itertools.islice(csv.reader(stream), 1, 2))[0]


def catalog(*rows: str, header: str = CATALOG_HEADER, article: bytes | None = ARTICLE.encode()) -> Callable:
    """Setup: seeds/catalog.csv holding `rows` (and seeds/a.txt, the article GOOD_ROW names)."""
    def setup(env: Env) -> None:
        (env.seeds / "catalog.csv").write_text(header + "\n" + "".join(row + "\n" for row in rows), encoding="utf-8")
        if article is not None:
            (env.seeds / "a.txt").write_bytes(article)
    return setup


def seed_files(**files: bytes | str) -> Callable:
    """Setup: raw files in seeds/ (a catalog.csv among them, or none), written byte for byte."""
    def setup(env: Env) -> None:
        (env.seeds / "catalog.csv").unlink()
        for name, content in files.items():
            name = name.replace("__", ".")
            (env.seeds / name).write_bytes(content.encode() if isinstance(content, str) else content)
    return setup


def funding_csv(*rows: dict[str, str], header: list[str] | None = None) -> str:
    header = header or list(FUNDING_CELLS)
    lines = [",".join(header)] + [",".join({**FUNDING_CELLS, **row}.get(name, "") for name in header) for row in rows]
    return "\n".join(lines).replace("{src}", shipped_source_id()) + "\n"


def overlay(name: str, content: str | bytes | Callable[[], str]) -> Callable:
    """Setup: data/user/<name>.csv with `content` (a callable is read at setup time)."""
    def setup(env: Env) -> None:
        folder = env.data / "user"
        folder.mkdir(parents=True, exist_ok=True)
        text = content() if callable(content) else content
        (folder / f"{name}.csv").write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return setup


def inputs(**files: bytes | str | Callable[[], str]) -> Callable:
    """Setup: files in the inputs folder (a name 'x__txt' is written as 'x.txt'; the content "/" makes a folder)."""
    def setup(env: Env) -> None:
        for name, content in files.items():
            name = name.replace("__", ".")
            if content == "/":
                (env.inputs / name).mkdir()
                continue
            content = content() if callable(content) else content
            (env.inputs / name).write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return setup


def explore(cls: type, *, construct: dict | None = None, then: Callable[[object], object] | None = None,
            **changes: object) -> Callable[[Env], None]:
    """Call: build an explorer, apply trait changes (then `then(explorer)`), and always close it."""
    def call(_env: Env) -> None:
        explorer = cls(**(construct or {}))
        try:
            for name, value in changes.items():
                setattr(explorer, name, value)
            if then is not None:
                then(explorer)
        finally:
            explorer.close()
    return call


def fetch(name: str, route: str, **options: object) -> Callable[[Env], object]:
    """Call: live.fetch of a registry dataset from a route of the loopback server."""
    return lambda env: live.fetch(name, url=env.server.url(route), **options)


def retrieve(route: str, **options: object) -> Callable[[Env], object]:
    """Call: download.retrieve of one file, for what live.fetch does not expose (retries, tiny timeouts)."""
    def call(env: Env) -> object:
        target = download.Remote(url=env.server.url(route), dest=env.cache / "live" / "test" / "data.csv")
        return download.retrieve(target, fetch_command="python -m workbench datasets fetch test",
                                 backoff=0.0, **({"retries": 0} | options))
    return call


FRAME = pl.DataFrame({"year": [2019, 2023], "amount": [1e9, 1e10]})
SEED_ID = "bloomberg-2019-07-22-microsoft-openai"
SERVED = "notable_ai_models.csv"  # the file name epoch_models expects, served from a small local copy


# --- the matrix ----------------------------------------------------------------------------------------------

CASES = [
    # seeds/: the catalog and the article files (workbench.load_corpus, and everything built on it)
    Case("published-not-a-real-date", "seeds", catalog(GOOD_ROW.replace("2020-01-02", "2019-02-30")),
         lambda env: load_corpus(), CatalogError, ["catalog.csv:2", "column 'published'", "'2019-02-30'"]),
    Case("published-in-another-format", "seeds", catalog(GOOD_ROW.replace("2020-01-02", "22/07/2019")),
         lambda env: load_corpus(), CatalogError, ["catalog.csv:2", "'22/07/2019'", "YYYY-MM-DD"]),
    Case("published-in-the-future", "seeds", catalog(GOOD_ROW.replace("2020-01-02", "2999-01-01")),
         lambda env: load_corpus(), CatalogError, ["catalog.csv:2", "'2999-01-01'", "today"]),
    Case("header-lacks-columns", "seeds", catalog("doc-a,a.txt,Title,2020-01-02,https://example.org/a,en",
                                                  header="doc_id,file,title,published,url,language"),
         lambda env: load_corpus(), CatalogError, ["catalog.csv:1", "publisher, author"]),
    Case("header-has-unknown-column", "seeds", catalog(GOOD_ROW + ",5", header=CATALOG_HEADER + ",rating"),
         lambda env: load_corpus(), CatalogError, ["catalog.csv:1", "rating"]),
    Case("header-repeats-a-column", "seeds", catalog(GOOD_ROW + ",Title again", header=CATALOG_HEADER + ",title"),
         lambda env: load_corpus(), CatalogError, ["catalog.csv:1", "repeats column(s) title"]),
    Case("duplicate-doc-id", "seeds", catalog(GOOD_ROW, GOOD_ROW), lambda env: load_corpus(), CatalogError,
         ["catalog.csv:3", "column 'doc_id'", "'doc-a'", "first used on line 2"]),
    Case("catalog-names-a-missing-file", "seeds", catalog(GOOD_ROW.replace("a.txt", "gone.txt")),
         lambda env: load_corpus(), CatalogError, ["catalog.csv:2", "column 'file'", "'gone.txt'"]),
    Case("file-outside-seeds", "seeds", catalog(GOOD_ROW.replace("a.txt", "../a.txt")),
         lambda env: load_corpus(), CatalogError, ["catalog.csv:2", "'../a.txt'", "plain file name"]),
    Case("file-not-text", "seeds", catalog(GOOD_ROW.replace("a.txt", "a.pdf")),
         lambda env: load_corpus(), CatalogError, ["catalog.csv:2", "'a.pdf'", ".txt or .md"]),
    Case("doc-id-not-a-slug", "seeds", catalog(GOOD_ROW.replace("doc-a", "Doc A")),
         lambda env: load_corpus(), CatalogError, ["catalog.csv:2", "column 'doc_id'", "'Doc A'"]),
    Case("row-with-a-cell-too-many", "seeds", catalog(GOOD_ROW + ",extra"),
         lambda env: load_corpus(), CatalogError, ["catalog.csv:2", "9 cells", "8 columns"]),
    Case("row-with-cells-missing", "seeds", catalog("doc-a,a.txt,Title,Pub"),
         lambda env: load_corpus(), CatalogError, ["catalog.csv:2", "4 cells", "8 columns"]),
    Case("unclosed-quote", "seeds", catalog('doc-a,a.txt,"Title,Pub,Auth,2020-01-02,https://example.org/a,en'),
         lambda env: load_corpus(), CatalogError, ["catalog.csv:2", "quote"]),
    Case("catalog-not-utf8", "seeds", seed_files(catalog__csv=(CATALOG_HEADER + "\n" + GOOD_ROW.replace(
         "Title", "Caf\xe9") + "\n").encode("cp1252"), a__txt=ARTICLE),
         lambda env: load_corpus(), CatalogError, ["catalog.csv", "byte offset", "UTF-8"]),
    Case("catalog-empty-file", "seeds", seed_files(catalog__csv=b"", a__txt=ARTICLE),
         lambda env: load_corpus(), CatalogError, ["catalog.csv:1", "doc_id, file, title"]),
    Case("catalog-is-a-folder", "seeds", lambda env: ((env.seeds / "catalog.csv").unlink(),
                                                    (env.seeds / "catalog.csv").mkdir()),
         lambda env: load_corpus(), CatalogError, ["catalog.csv", "cannot be read"]),
    Case("bom-catalog-with-a-bad-date", "seeds", seed_files(catalog__csv="\ufeff" + CATALOG_HEADER + "\n" +
         GOOD_ROW.replace("2020-01-02", "2020-13-01") + "\n", a__txt=ARTICLE),
         lambda env: load_corpus(), CatalogError, ["catalog.csv:2", "column 'published'", "'2020-13-01'"]),
    Case("article-empty", "seeds", catalog(GOOD_ROW, article=b"  \n\n"),
         lambda env: load_corpus(), CatalogError, ["a.txt", "empty"]),
    Case("article-only-a-bom", "seeds", catalog(GOOD_ROW, article=b"\xef\xbb\xbf\n"),
         lambda env: load_corpus(), CatalogError, ["a.txt", "empty"]),
    Case("article-not-utf8", "seeds", catalog(GOOD_ROW, article="Line one.\n\nCaf\xe9 owner.\n".encode("cp1252")),
         lambda env: load_corpus(), CatalogError, ["a.txt:3", "0xe9", "iconv"]),
    Case("article-binary", "seeds", catalog(GOOD_ROW, article=b"PK\x03\x04\x00\x00 word file"),
         lambda env: load_corpus(), CatalogError, ["a.txt", "NUL byte", "export"]),
    Case("uncatalogued-files-share-a-doc-id", "seeds", seed_files(A__txt=ARTICLE, a__md=ARTICLE),
         lambda env: load_corpus(), CatalogError, ["a.md", "would load as 'a'"]),
    Case("every-problem-listed-at-once", "seeds", catalog(GOOD_ROW.replace("2020-01-02", "2019-13-01"),
                                                          GOOD_ROW.replace("doc-a,a.txt", "doc-b,gone.txt")),
         lambda env: load_corpus(), CatalogError, ["2 problem(s)", "catalog.csv:2", "catalog.csv:3", "'gone.txt'"]),
    Case("doc-id-analysed-while-the-catalog-is-broken", "seeds",
         catalog(GOOD_ROW.replace("2020-01-02", "2020-02-30")), cli_call("analyze", "doc-a"),
         CatalogError, ["catalog.csv:2", "'2020-02-30'"]),

    # data/user/<dataset>.csv: the researcher's own rows, checked when any dataset is loaded
    Case("amount-in-words", "overlay", overlay("funding_events", lambda: funding_csv({"amount_usd": "one billion"})),
         lambda env: datasets.load_funding(), SchemaError,
         ["{data}/user/funding_events.csv:2", "column 'amount_usd'", "'one billion'"]),
    Case("bool-of-another-kind", "overlay", overlay("funding_events", lambda: funding_csv({"is_total": "maybe"})),
         lambda env: datasets.load_funding(), SchemaError, ["funding_events.csv:2", "column 'is_total'", "'maybe'"]),
    Case("date-not-in-the-calendar", "overlay", overlay("funding_events", lambda: funding_csv({"date": "2020-02-30"})),
         lambda env: datasets.load_funding(), SchemaError, ["funding_events.csv:2", "column 'date'", "'2020-02-30'"]),
    Case("date-in-another-format", "overlay", overlay("funding_events", lambda: funding_csv({"date": "20/01/2020"})),
         lambda env: datasets.load_funding(), SchemaError, ["funding_events.csv:2", "'20/01/2020'", "YYYY-MM-DD"]),
    Case("unknown-column", "overlay", overlay("funding_events", lambda: funding_csv(
         {"amount_eur": "5"}, header=[*FUNDING_CELLS, "amount_eur"])),
         lambda env: datasets.load_funding(), SchemaError, ["funding_events.csv:1", "column 'amount_eur'"]),
    Case("required-columns-missing", "overlay", overlay("funding_events", "event_id,date\nx,2020-01-01\n"),
         lambda env: datasets.load_funding(), SchemaError, ["funding_events.csv:1", "column 'investor'"]),
    Case("value-outside-the-vocabulary", "overlay",
         overlay("funding_events", lambda: funding_csv({"amount_kind": "rumoured"})),
         lambda env: datasets.load_funding(), SchemaError, ["column 'amount_kind'", "'rumoured'", "reported"]),
    Case("source-that-does-not-exist", "overlay",
         overlay("funding_events", lambda: funding_csv({"source_ids": "src-doesnotexist"})),
         lambda env: datasets.load_funding(), SchemaError, ["funding_events.csv:2", "'src-doesnotexist'"]),
    Case("row-cites-no-source", "overlay", overlay("funding_events", lambda: funding_csv({"source_ids": ""})),
         lambda env: datasets.load_funding(), SchemaError, ["funding_events.csv:2", "cites no source"]),
    Case("source-without-url", "overlay", overlay("sources", "source_id,url,title\n"
                                                               "my-src,,The filing\n"),
         lambda env: datasets.load_sources(), SchemaError, ["sources.csv:2", "column 'url'", "required"]),
    Case("source-url-not-a-web-address", "overlay", overlay("sources", "source_id,url,title\n"
                                                                         "my-src,www.example.org,Ex\n"),
         lambda env: datasets.load_sources(), SchemaError, ["sources.csv:2", "'www.example.org'", "https?"]),
    Case("duplicate-ids", "overlay",
         overlay("funding_events", lambda: funding_csv({"event_id": "d"}, {"event_id": "d"})),
         lambda env: datasets.load_funding(), SchemaError, ["funding_events.csv:3", "'d'", "line 2"]),
    Case("unknown-policy-concern", "overlay", overlay(
         "policy_events", lambda: "event_id,date,date_precision,jurisdiction,instrument_type,title,concerns,status,"
         f"source_ids,weak_support\nP-1,2024-01-01,day,EU,law,t,safety;privcy,adopted,{shipped_source_id()},false\n"),
         lambda env: datasets.load_policy(), SchemaError, ["policy_events.csv:2", "'privcy'", "privacy"]),
    Case("not-utf8", "overlay",
         overlay("funding_events", lambda: funding_csv({"investor": "Am\xe9zon"}).encode("cp1252")),
         lambda env: datasets.load_funding(), SchemaError, ["funding_events.csv", "UTF-8"]),
    Case("empty-file", "overlay", overlay("funding_events", b""),
         lambda env: datasets.load_funding(), SchemaError, ["funding_events.csv:1", "no header row"]),
    Case("spreadsheet-instead-of-csv", "overlay", overlay("funding_events", b"PK\x03\x04\x14\x00\x00\x00xlsx"),
         lambda env: datasets.load_funding(), SchemaError, ["funding_events.csv", "NUL byte", "CSV UTF-8"]),
    Case("folder-in-place-of-the-file", "overlay", lambda env: (env.data / "user" / "funding_events.csv").mkdir(
         parents=True), lambda env: datasets.load_funding(), SchemaError, ["funding_events.csv", "is not a file"]),
    Case("broken-overlay-fails-datasets-list", "overlay",
         overlay("funding_events", lambda: funding_csv({"amount_usd": "-5"})), cli_call("datasets", "list"),
         SchemaError, ["funding_events.csv:2", "column 'amount_usd'", "'-5'"]),

    # workbench analyze PATH [--published DATE] [--format json|table], and analyze() / analyze_corpus()
    Case("missing-file", "analyze", None, cli_call("analyze", "{inputs}/missing.txt"), DocumentError,
         ["{inputs}/missing.txt", "no such file"]),
    Case("folder", "analyze", None, cli_call("analyze", "{inputs}"), DocumentError, ["{inputs}", "folder"]),
    Case("binary-file", "analyze", inputs(bin__txt=b"%PDF\x00\x01"), cli_call("analyze", "{inputs}/bin.txt"),
         BinaryFileError, ["{inputs}/bin.txt", "NUL byte at byte offset 4"]),
    Case("not-utf8", "analyze", inputs(latin__txt="Caf\xe9 au lait.\n".encode("latin-1")),
         cli_call("analyze", "{inputs}/latin.txt"), DocumentEncodingError, ["{inputs}/latin.txt:1", "0xe9", "iconv"]),
    Case("empty-file", "analyze", inputs(empty__txt=b"\n \n"), cli_call("analyze", "{inputs}/empty.txt"),
         EmptyDocumentError, ["{inputs}/empty.txt", "empty"]),
    Case("pdf-file", "analyze", inputs(paper__pdf=b"%PDF-1.4 Microsoft invests $1 billion"),
         cli_call("analyze", "{inputs}/paper.pdf"), DocumentError, ["{inputs}/paper.pdf", ".pdf", ".txt or .md"]),
    Case("unknown-option", "analyze", inputs(a__txt=ARTICLE), cli_call("analyze", "{inputs}/a.txt", "--bogus"),
         UsageError, ["--bogus", "--help"]),
    Case("unknown-format", "analyze", inputs(a__txt=ARTICLE),
         cli_call("analyze", "{inputs}/a.txt", "--format", "xml"), UsageError, ["--format", "'xml'"]),
    Case("unknown-command", "analyze", None, cli_call("analyse", "x.txt"), UsageError, ["'analyse'", "analyze"]),
    Case("published-not-a-real-date", "analyze", inputs(a__txt=ARTICLE),
         cli_call("analyze", "{inputs}/a.txt", "--published", "2019-02-30"), UsageError,
         ["column '--published'", "'2019-02-30'"]),
    Case("published-in-words", "analyze", inputs(a__txt=ARTICLE),
         cli_call("analyze", "{inputs}/a.txt", "--published", "yesterday"), UsageError,
         ["column '--published'", "'yesterday'", "YYYY-MM-DD"]),
    Case("published-as-a-number", "analyze", inputs(a__txt=ARTICLE),
         lambda env: analyze(env.inputs / "a.txt", published=20190722), UsageError, ["'20190722'", "YYYY-MM-DD"]),
    Case("corpus-table-not-utf8", "analyze", inputs(corpus__csv="doc_id,text\na,Caf\xe9\n".encode("latin-1")),
         lambda env: analyze_corpus(env.inputs / "corpus.csv", progress=False), UsageError,
         ["{inputs}/corpus.csv", "cannot be read", "UTF-8"]),
    Case("corpus-table-empty", "analyze", inputs(corpus__csv=b""),
         lambda env: analyze_corpus(env.inputs / "corpus.csv", progress=False), UsageError,
         ["{inputs}/corpus.csv", "empty"]),
    Case("corpus-table-with-a-bad-date", "analyze",
         inputs(corpus__csv="doc_id,text,published\na,OpenAI raised $1 billion last year.,22/07/2019\n"),
         lambda env: analyze_corpus(env.inputs / "corpus.csv", progress=False), UsageError,
         ["column 'published'", "'22/07/2019'", "doc_id 'a'"]),

    # workbench run NOTEBOOK... [--param NAME=VALUE]: names and parameters are checked before any kernel starts
    Case("unknown-notebook", "run", None, cli_call("run", "00-start"), NotebookError,
         ["'00-start'", "00-start-here"]),
    Case("unknown-parameter", "run", None, cli_call("run", "02-funding", "--param", "colour=red"), UsageError,
         ["'colour'", "focus"]),
    Case("parameter-of-the-wrong-type", "run", None, cli_call("run", "02-funding", "--param", "focus=3"),
         UsageError, ["column 'focus'", "value 3", "expects str"]),
    Case("parameter-without-a-value", "run", None, cli_call("run", "02-funding", "--param", "focus"), UsageError,
         ["'focus'", "NAME=VALUE"]),
    Case("param-option-without-an-argument", "run", None, cli_call("run", "02-funding", "-p"), UsageError,
         ["--param", "expected one argument"]),
    Case("notebook-that-is-not-json", "run", inputs(broken__ipynb="{not json"),
         cli_call("run", "{inputs}/broken.ipynb"), NotebookError, ["{inputs}/broken.ipynb", "JSON"]),
    Case("json-that-is-not-a-notebook", "run", inputs(list__ipynb="[]"),
         cli_call("run", "{inputs}/list.ipynb"), NotebookError, ["{inputs}/list.ipynb", "cannot be inspected"]),

    # workbench datasets list | info | validate | fetch, and workbench.datasets.load()
    Case("info-of-an-unknown-dataset", "datasets", None, cli_call("datasets", "info", "fundng_events"), DatasetError,
         ["'fundng_events'", "did you mean 'funding_events'"]),
    Case("fetch-of-an-unknown-dataset", "datasets", None, cli_call("datasets", "fetch", "epoch"), DatasetError,
         ["'epoch'", "epoch_models"]),
    Case("validate-a-missing-file", "datasets", None, cli_call("datasets", "validate", "{inputs}/mine.csv"),
         DatasetError, ["{inputs}/mine.csv", "no such file"]),
    Case("validate-a-file-named-for-no-dataset", "datasets", inputs(mine__csv=lambda: funding_csv({})),
         cli_call("datasets", "validate", "{inputs}/mine.csv"), DatasetError, ["{inputs}/mine.csv", "--dataset"]),
    Case("validate-bad-rows", "datasets", inputs(mine__csv=lambda: funding_csv({"recipient": "Nobody"})),
         cli_call("datasets", "validate", "{inputs}/mine.csv", "--dataset", "funding_events"), SchemaError,
         ["{inputs}/mine.csv:2", "column 'recipient'", "'Nobody'"]),
    Case("fetch-offline-without-a-cache", "datasets", None, cli_call("datasets", "fetch", "epoch_models", "--offline"),
         OfflineError,
         ["https://epoch.ai/data/notable_ai_models.csv", "python -m workbench datasets fetch epoch_models"]),
    Case("fetch-offline-and-refresh", "datasets", None,
         cli_call("datasets", "fetch", "epoch_models", "--offline", "--refresh"), UsageError,
         ["https://epoch.ai/data/notable_ai_models.csv", "offline"]),
    Case("subcommand-missing", "datasets", None, cli_call("datasets"), UsageError, ["datasets_command", "--help"]),
    Case("as-of-not-a-date", "datasets", None, lambda env: datasets.load("funding_events", as_of="2019-13-45"),
         DatasetError, ["column 'as_of'", "'2019-13-45'"]),
    Case("as-of-in-words", "datasets", None, lambda env: datasets.load_funding("22 July 2019"),
         DatasetError, ["column 'as_of'", "'22 July 2019'", "YYYY-MM-DD"]),
    Case("load-a-live-dataset", "datasets", None, lambda env: datasets.load("epoch_models"), DatasetError,
         ["'epoch_models'", "fetch"]),
    Case("list-of-an-unknown-kind", "datasets", None, lambda env: datasets.list_datasets("shipped"), UsageError,
         ["column 'kind'", "'shipped'", "curated"]),

    # workbench.save(obj, name, meta=...): names that would leave data/, objects and meta it cannot write
    Case("name-climbs-out", "save", None, lambda env: save(FRAME, "../escape"), UnsafeOutputNameError,
         ["'../escape'", "'..'"]),
    Case("name-is-absolute", "save", None, lambda env: save(FRAME, "/etc/passwd"), UnsafeOutputNameError,
         ["'/etc/passwd'", "absolute"]),
    Case("name-has-a-backslash", "save", None, lambda env: save(FRAME, "nb\\deals"), UnsafeOutputNameError,
         ["'nb\\\\deals'", "backslash"]),
    Case("name-empty", "save", None, lambda env: save(FRAME, ""), UnsafeOutputNameError, ["value ''", "empty"]),
    Case("name-ends-in-a-newline", "save", None, lambda env: save(FRAME, "nb/deals\n"), UnsafeOutputNameError,
         ["'nb/deals\\n'", "not allowed"]),
    Case("name-not-text", "save", None, lambda env: save(FRAME, 5), UnsafeOutputNameError, ["value 5", "text"]),
    Case("object-of-another-type", "save", None, lambda env: save({"a": 1}, "nb/x"), OutputError,
         ["'nb/x'", "dict", "polars DataFrame"]),
    Case("column-of-python-objects", "save", None,
         lambda env: save(pl.DataFrame({"a": [object()]}, schema={"a": pl.Object}), "nb/x"), OutputError,
         ["column 'a'", "'nb/x'", "Object"]),
    Case("chart-without-a-mark", "save", None, lambda env: save(alt.Chart(FRAME), "nb/chart"), OutputError,
         ["'mark' is a required property", "to_dict"]),
    Case("meta-with-an-unknown-key", "save", None, lambda env: save(FRAME, "nb/x", meta={"titel": "Deals"}),
         OutputError, ["'nb/x'", "titel"]),
    Case("meta-sources-not-a-list", "save", None, lambda env: save(FRAME, "nb/x", meta={"sources": "Bloomberg"}),
         OutputError, ["'nb/x'", "meta['sources']", "[...]"]),
    Case("meta-not-a-dict", "save", None, lambda env: save(FRAME, "nb/x", meta=["Deals"]), OutputError,
         ["'nb/x'", "meta must be a dict"]),
    Case("derived-from-a-missing-file", "save", None,
         lambda env: save(FRAME, "nb/x", meta={"derived_from": [str(env.inputs / "gone.csv")]}), OutputError,
         ["{inputs}/gone.csv", "does not exist"]),

    # the explorers (workbench.widgets): controls and constructor arguments
    Case("funding-years-reversed", "explorer", None, explore(FundingExplorer, years=(2025, 2019)),
         ExplorerInputError, ["column 'years'", "(2025, 2019)", "first <= last"]),
    Case("funding-years-reversed-at-construction", "explorer", None,
         explore(FundingExplorer, construct={"years": (2030, 2020)}), ExplorerInputError, ["column 'years'"]),
    Case("funding-unknown-investor", "explorer", None, explore(FundingExplorer, investors=("Microsfot",)),
         ExplorerInputError, ["column 'investors'", "'Microsfot'", "nearest: ['Microsoft']"]),
    Case("funding-as-of-before-the-record", "explorer", None,
         explore(FundingExplorer, construct={"as_of": "1990-01-01"}), UsageError,
         ["column 'as_of'", "'1990-01-01'", "later as_of"]),
    Case("funding-rows-of-another-table", "explorer", None,
         lambda env: explore(FundingExplorer, construct={"data": datasets.load("policy_events")})(env), UsageError,
         ["column 'investor'", "funding_events"]),
    Case("funding-save-an-empty-selection", "explorer", None,
         explore(FundingExplorer, investors=("Microsoft",), recipients=("xAI",), then=lambda e: e.save()),
         UsageError, ["column 'selection'", "investors=Microsoft", "nothing to save"]),
    Case("governance-end-before-start", "explorer", None, explore(GovernanceExplorer, end=dt.date(2000, 1, 1)),
         ExplorerInputError, ["column 'end'", "2000-01-01", "is before start"]),
    Case("governance-start-after-end", "explorer", None, explore(GovernanceExplorer, start=dt.date(2100, 1, 1)),
         ExplorerInputError, ["column 'start'", "2100-01-01"]),
    Case("governance-unknown-lab", "explorer", None, explore(GovernanceExplorer, lab_a="OpenAl"),
         ExplorerInputError, ["column 'lab_a'", "'OpenAl'", "OpenAI"]),
    Case("governance-as-of-before-the-record", "explorer", None,
         explore(GovernanceExplorer, construct={"as_of": "1990-01-01"}), UsageError, ["column 'as_of'", "later"]),
    Case("risk-unknown-concern", "explorer", None, explore(RiskExplorer, concerns=("privcy",)),
         ExplorerInputError, ["column 'concerns'", "'privcy'", "privacy"]),
    Case("reader-unknown-document", "explorer", None, explore(ArticleReader, doc_id="no-such-article"),
         ExplorerInputError, ["column 'doc_id'", "'no-such-article'", SEED_ID]),
    Case("reader-sentence-that-is-no-claim", "explorer", None, explore(ArticleReader, claim=9999),
         ExplorerInputError, ["column 'claim'", "9999", "use 0"]),
    Case("reader-unknown-theme", "explorer", None, explore(ArticleReader, themes=("money",)),
         ExplorerInputError, ["column 'themes'", "'money'", "ai_risk"]),

    # downloads of live datasets, from a loopback server that misbehaves on request (nothing is kept)
    Case("http-404", "download", None, fetch("epoch_models", f"status/404/{SERVED}"), DownloadError,
         ["{url}status/404/", "HTTP 404", "registry"]),
    Case("html-page-instead-of-data", "download", None, fetch("epoch_models", f"html/{SERVED}"), DownloadError,
         ["{url}html/", "HTML page", "browser"]),
    Case("html-page-served-as-csv", "download", None, fetch("epoch_models", f"html-as-csv/{SERVED}"),
         DownloadError, ["{url}html-as-csv/", "HTML page"]),
    Case("checksum-differs-from-the-pin", "download", None, fetch("aiid_incidents", "files/incidents.csv"),
         ChecksumError, ["{url}files/incidents.csv", "pins", "registry.toml"]),
    Case("redirect-to-another-host", "download", None, fetch("epoch_models", f"redirect/localhost/{SERVED}"),
         DownloadError, ["{url}redirect/localhost/", "localhost", "refused"]),
    Case("timeout", "download", None, retrieve(f"slow/0.5/{SERVED}", timeout=0.05), DownloadError,
         ["{url}slow/", "timed out", "timeout="]),
    Case("server-error-after-retries", "download", None, retrieve(f"status/503/{SERVED}", retries=1),
         DownloadError, ["{url}status/503/", "HTTP 503", "2 attempts"]),
    Case("http-404-from-the-command-line", "download", None,
         cli_call("datasets", "fetch", "epoch_models", "--url", "{url}status/404/" + SERVED), DownloadError,
         ["{url}status/404/", "HTTP 404"]),
    Case("offline-with-a-mirror-url", "download", None,
         cli_call("datasets", "fetch", "epoch_models", "--offline", "--url", "{url}files/" + SERVED), OfflineError,
         ["{url}files/", "datasets fetch epoch_models --url {url}files/"]),
]


# --- the contract ----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    """A loopback server over two small files (the real datasets are not needed to misbehave)."""
    root = tmp_path_factory.mktemp("badinput_served")
    (root / SERVED).write_text("Model,Organization,Publication date\nGPT-2,OpenAI,2019-02-14\n", encoding="utf-8")
    (root / "incidents.csv").write_text("incident_id,date,title\n1,2020-01-01,Not the pinned file\n", encoding="utf-8")
    running = LiveServer(root)
    yield running
    running.stop()


@pytest.fixture
def env(tmp_path: Path, data_dir: Path, seed_copy: Path, server: LiveServer, monkeypatch: pytest.MonkeyPatch) -> Env:
    cache = tmp_path / "cache"
    monkeypatch.setenv("WORKBENCH_CACHE_DIR", str(cache))
    folder = tmp_path / "inputs"
    folder.mkdir()
    return Env(root=tmp_path, data=data_dir, seeds=seed_copy, cache=cache, inputs=folder, server=server)


def snapshot(root: Path) -> dict[str, tuple[int, int, str]]:
    """Every file under `root` but the checked tables kept for other processes (cache/datasets/: not outputs):
    size, modification time and sha256 (what "nothing changed" is checked against)."""
    checked_tables = root / "cache" / "datasets"
    return {str(path.relative_to(root)): (path.stat().st_size, path.stat().st_mtime_ns,
                                          hashlib.sha256(path.read_bytes()).hexdigest())
            for path in sorted(root.rglob("*")) if path.is_file() and not path.is_relative_to(checked_tables)}


def run_cli(argv: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
            ) -> tuple[int, str, str, list[WorkbenchError]]:
    """`workbench ARGV` in-process: exit code, stdout, stderr, and the errors main() showed (spied, not changed)."""
    shown: list[WorkbenchError] = []
    real_build = cli.build_parser

    def spied(action: Callable, *args: object) -> object:
        try:
            return action(*args)
        except WorkbenchError as error:
            shown.append(error)
            raise

    def build(command: str | None = None) -> object:
        parser = real_build(command)
        parse = parser.parse_args

        def parse_args(args: object = None, namespace: object = None) -> object:
            parsed = spied(parse, args, namespace)
            handler = parsed.handler
            parsed.handler = lambda namespace: spied(handler, namespace)
            return parsed

        parser.parse_args = parse_args
        return parser

    monkeypatch.setattr(cli, "build_parser", build)
    capsys.readouterr()
    code = cli.main(argv)
    out, err = capsys.readouterr()
    return code, out, err, shown


@pytest.mark.filterwarnings("error::pytest.PytestUnraisableExceptionWarning")  # e.g. a half-built widget
@pytest.mark.parametrize("case", CASES, ids=lambda case: f"{case.entry}-{case.id}")
def test_bad_input(case: Case, env: Env, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    assert case.must_mention, "every case names at least the place it expects in the message"
    assert issubclass(case.error_class, WorkbenchError)
    if case.setup is not None:
        case.setup(env)
    before = snapshot(env.root)

    if isinstance(case.call, Cli):
        code, out, err, shown = run_cli([env.fill(arg) for arg in case.call.argv], monkeypatch, capsys)
        assert (code, out) == (2, ""), f"exit {code}, stdout {out[:300]!r}, stderr {err[-600:]!r}"
        assert "Traceback" not in err and "Exception ignored" not in err, err
        assert len(shown) == 1, f"expected one WorkbenchError, got {shown}; stderr: {err[-600:]}"
        error, message = shown[0], err
        assert f"error: {error}" in err
    else:
        with pytest.raises(WorkbenchError) as caught:
            case.call(env)
        error, message = caught.value, str(caught.value)
        assert "Exception ignored" not in capsys.readouterr().err

    assert isinstance(error, case.error_class), f"{type(error).__name__} is not a {case.error_class.__name__}"
    for needle in case.must_mention:
        assert env.fill(needle) in message, f"{env.fill(needle)!r} not in: {message}"
    assert "Fix:" in message
    assert all(problem.fix for problem in error.problems), message
    if len(error.problems) > 1 or isinstance(error, (CatalogError, SchemaError)):
        assert all(problem.where for problem in error.problems), message  # each listed problem has its place
    assert snapshot(env.root) == before, "the failed call wrote or changed files"


def test_case_ids_are_unique_and_entries_known() -> None:
    ids = [f"{case.entry}-{case.id}" for case in CASES]
    assert len(ids) == len(set(ids))
    assert {case.entry for case in CASES} == {"seeds", "overlay", "analyze", "run", "datasets", "save", "explorer",
                                              "download"}
