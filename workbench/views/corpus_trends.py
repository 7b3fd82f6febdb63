"""A whole corpus over time (notebook 07-corpus): themes by year, the actors most named, the amounts mentioned,
and how many claims the record can speak to.

The default corpus is public and about this beat: the AI Incident Database's incident descriptions (CC BY-SA 4.0)
and AGORA's summaries of AI laws and policies (ETO terms of use), some 2,300 dated texts on harms and on the
rules that answer them, read from the download cache. Without them (a fresh machine, no network), the corpus is
the record's own descriptions of governance events and policies (CC BY 4.0), and the take-aways say so. Any folder
or Parquet/JSONL table can be read instead (`source=` a path).

The analysis runs through `workbench.batch` (the `workbench corpus analyze` command) into data/corpus/<name>/,
resumable, on this machine or on Dask.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from workbench import datasets, paths
from workbench.analysis.themes import THEMES
from workbench.atomic_write import write_files_atomically
from workbench.lineage import Lineage, loaded, tag, traced
from workbench.views.risk import load_live

__all__ = [
    "DEFAULT_SOURCE", "MIN_YEAR_PARAGRAPHS", "RECORD_SOURCE", "Corpus", "actors", "amounts_by_year", "caption",
    "claims_matched", "prepare", "run", "takeaways", "themes_by_year",
]

DEFAULT_SOURCE = "incidents-and-laws"
RECORD_SOURCE = "record"
MIN_YEAR_PARAGRAPHS = 20  # a year with fewer paragraphs says little about a trend
_LIVE = ("aiid_incidents", "agora_documents")
_RECORD_TABLES = ("governance_events", "policy_events")
_CHECKED_AGAINST = ("funding_events", "governance_events", "policy_events", "org_structures", "entities",
                    "company_financials")


@dataclass(frozen=True)
class Corpus:
    """A corpus ready to analyse: its table (or folder), where its analysis goes, what it is, and its inputs."""

    name: str
    path: Path
    out: Path
    description: str
    lineage: Lineage


def prepare(source: str = DEFAULT_SOURCE) -> Corpus:
    """The corpus named by `source`: the incidents-and-laws texts (falling back to the record's descriptions when
    they are not cached), `record`, or the path of a folder or table."""
    folder = paths.data_dir() / "corpus"
    if source == DEFAULT_SOURCE:
        found = [item for item in (load_live(name) for name in _LIVE) if item.loaded]
        if len(found) == len(_LIVE):
            table = pl.concat([_incidents(found[0].frame), _laws(found[1].frame)]).sort("doc_id")
            return _written(table, folder / source, "AI Incident Database incident descriptions and AGORA summaries "
                            f"of AI laws and policies ({table.height} texts)", Lineage(live=frozenset(_LIVE)))
        source = RECORD_SOURCE
    if source == RECORD_SOURCE:
        table = _record_texts()
        return _written(table, folder / RECORD_SOURCE, "the record's own descriptions of governance events and AI "
                        f"policies ({table.height} texts; the incident and law texts are not in the download cache: "
                        f"`python -m workbench datasets fetch aiid_incidents` and `... agora_documents` add them)",
                        Lineage(datasets=frozenset(_RECORD_TABLES), cited=(table["source_ids"],)))
    path = Path(source)
    return tag(Corpus(path.stem, path, folder / path.stem, f"the documents of {path}", Lineage()), Lineage())


def run(corpus: Corpus, *, engine: str = "local", workers: int = 2) -> dict:
    """Analyse the corpus (skipping partitions already done) and return the run's manifest."""
    from workbench.batch import analyze_source

    return analyze_source(corpus.path, corpus.out / "analysis", engine=engine, workers=workers, progress=False)


def caption(corpus: Corpus) -> str:
    """The source line under the corpus's charts."""
    return f"Source: {corpus.description}; analysed by the workbench (themes, entities, amounts, claims)."


def _frame(corpus: Corpus, name: str) -> pl.DataFrame:
    frame = pl.read_parquet(corpus.out / "analysis" / "frames" / name / "*.parquet")
    return loaded(frame, corpus.lineage | Lineage(datasets=frozenset(_CHECKED_AGAINST)))


@traced
def themes_by_year(corpus: Corpus) -> pl.DataFrame:
    """Paragraphs per year and theme, and their share of the year's paragraphs.

    Returns
    -------
    polars.DataFrame
        One row per (year, theme), by year then theme order; columns: year, theme, paragraphs (carrying the theme),
        year_paragraphs (all dated paragraphs that year), share.
    """
    dated = _frame(corpus, "paragraphs").join(
        _frame(corpus, "documents").select("doc_id", year=pl.col("published").dt.year()), on="doc_id"
    ).filter(pl.col("year").is_not_null())
    totals = dated.group_by("year").len("year_paragraphs")
    counts = dated.explode("themes").drop_nulls("themes").group_by("year", "themes").len("paragraphs")
    grid = totals.select("year").join(pl.DataFrame({"theme": list(THEMES)}), how="cross")
    return (grid.join(counts.rename({"themes": "theme"}), on=["year", "theme"], how="left")
            .join(totals, on="year").with_columns(pl.col("paragraphs").fill_null(0).cast(pl.Int64))
            .with_columns(share=(pl.col("paragraphs") / pl.col("year_paragraphs")).round(4))
            .with_columns(order=pl.col("theme").replace_strict({t: i for i, t in enumerate(THEMES)}))
            .sort("year", "order").drop("order"))


@traced
def actors(corpus: Corpus, *, top: int = 15) -> pl.DataFrame:
    """The organisations and people named in the most documents (canonical name when the record knows them).

    Returns
    -------
    polars.DataFrame
        `top` rows, most documents first; columns: actor, label (ORG or PERSON), in_record, documents, mentions.
    """
    named = _frame(corpus, "entities").with_columns(actor=pl.coalesce("canonical", "text"))
    return (named.group_by("actor", "label", "in_record")
            .agg(pl.col("doc_id").n_unique().alias("documents"), pl.len().alias("mentions"))
            .sort(["documents", "mentions", "actor"], descending=[True, True, False]).head(top))


@traced
def amounts_by_year(corpus: Corpus) -> pl.DataFrame:
    """Money amounts mentioned per year of publication and currency (summed as stated: a total of mentions, not of
    money, since one deal is often mentioned many times).

    Returns
    -------
    polars.DataFrame
        One row per (year, currency), by year then currency; columns: year, currency, amounts (mentions),
        documents, stated_total, median.
    """
    dated = _frame(corpus, "amounts").join(
        _frame(corpus, "documents").select("doc_id", year=pl.col("published").dt.year()), on="doc_id")
    return (dated.filter(pl.col("year").is_not_null(), pl.col("value").is_not_null())
            .group_by("year", "currency")
            .agg(pl.len().alias("amounts"), pl.col("doc_id").n_unique().alias("documents"),
                 pl.col("value").sum().alias("stated_total"), pl.col("value").median().alias("median"))
            .sort("year", "currency"))


@traced
def claims_matched(corpus: Corpus) -> pl.DataFrame:
    """Checkable claims and how many the record can speak to, by the verdict of their record row.

    Returns
    -------
    polars.DataFrame
        One row per verdict (claims without a record row are `no record row`); columns: verdict, claims, share.
    """
    claims = _frame(corpus, "claims").select("doc_id", "sentence").unique()
    matched = (_frame(corpus, "matches").filter(pl.col("row_id").is_not_null())
               .group_by("doc_id", "sentence").agg(pl.col("verdict").first()))
    verdicts = (claims.join(matched, on=["doc_id", "sentence"], how="left")
                .with_columns(pl.col("verdict").fill_null("no record row")))
    return (verdicts.group_by("verdict").len("claims")
            .with_columns(share=(pl.col("claims") / pl.col("claims").sum()).round(4))
            .sort(["claims", "verdict"], descending=[True, False]))


def takeaways(corpus: Corpus, manifest: dict) -> str:
    """The corpus in words: what it is, how much was read and left out, the theme that grew most between its first
    and last years with at least MIN_YEAR_PARAGRAPHS paragraphs, the most named actor and how many claims meet a
    record row."""
    trend = themes_by_year(corpus)
    years = trend.filter(pl.col("year_paragraphs") >= MIN_YEAR_PARAGRAPHS)["year"].unique().sort()
    claims = claims_matched(corpus)
    no_row = claims.filter(pl.col("verdict") == "no record row")["claims"].sum()
    lines = [f"Take-away: {corpus.description}.",
             f"{manifest['documents']} documents analysed in {len(manifest['partitions'])} partitions; "
             f"{manifest['errors']} left out (listed with the reason in frames/errors/)."]
    if years.len() >= 2:
        first, last = years.min(), years.max()
        change = (trend.filter(pl.col("year") == last).select("theme", now="share")
                  .join(trend.filter(pl.col("year") == first).select("theme", then="share"), on="theme")
                  .with_columns(delta=pl.col("now") - pl.col("then")).sort("delta", descending=True).row(0, named=True))
        lines.append(f"From {first} to {last}, the share of paragraphs on {change['theme']} moved from "
                     f"{change['then']:.0%} to {change['now']:.0%}, more than any other theme.")
    top = actors(corpus, top=1)
    if top.height:
        lines.append(f"Most named: {top['actor'][0]} ({top['documents'][0]} documents).")
    total = claims["claims"].sum()
    lines.append(f"{total - no_row} of {total} checkable claims meet a row of the record; "
                 f"{no_row} concern events the record does not hold.")
    return "\n".join(lines)


def _written(table: pl.DataFrame, out: Path, description: str, lineage: Lineage) -> Corpus:
    """The corpus table under data/corpus/<name>/input.parquet, rewritten only when its content changed (so a
    re-run finds its partitions done)."""
    buffer = io.BytesIO()
    table.write_parquet(buffer, statistics=False)
    path = out / "input.parquet"
    if not path.is_file() or path.read_bytes() != buffer.getvalue():
        write_files_atomically({path: buffer.getvalue()})
    return tag(Corpus(out.name, path, out, description, lineage), lineage)  # what every view of it cites


def _incidents(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.select(doc_id=pl.format("aiid-{}", "incident_id"), title="title",
                        text=pl.concat_str([pl.col("title"), pl.col("description")], separator="\n\n",
                                           ignore_nulls=True),
                        published="date", publisher=pl.lit("AI Incident Database"),
                        url=pl.format("https://incidentdatabase.ai/cite/{}", "incident_id"))


def _laws(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.filter(pl.col("short_summary").is_not_null()).select(
        doc_id=pl.format("agora-{}", "agora_id"), title="official_name",
        text=pl.concat_str([pl.col("official_name"), pl.col("short_summary")], separator="\n\n"),
        published=pl.coalesce("proposed_date", "status_date"), publisher=pl.lit("AGORA (ETO)"), url="link")


def _record_texts() -> pl.DataFrame:
    governance = datasets.load("governance_events").select(
        doc_id="event_id", title=pl.lit(None, pl.String), text="summary", published="date",
        publisher=pl.lit("AI record workbench"), url=pl.lit(None, pl.String), source_ids="source_ids")
    policy = datasets.load("policy_events").select(
        doc_id="event_id", title="title",
        text=pl.concat_str([pl.col("title"), pl.col("note")], separator=". ", ignore_nulls=True), published="date",
        publisher=pl.lit("AI record workbench"), url="official_url", source_ids="source_ids")
    return pl.concat([governance, policy]).drop_nulls("text").unique("doc_id", keep="first").sort("doc_id")
