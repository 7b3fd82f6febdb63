"""Real-style news text for the throughput benches, built at bench time into a temporary folder.

Real public text lives outside the repository in `../shared/external` (relative to the repository) and is never
committed: AI Incident Database incident titles and descriptions, AIAAIC headlines, AGORA document summaries. When
that folder is there, articles are assembled from it *and* from the repository's own text (the seed article, the
record's summaries and notes, the themes evaluation paragraphs), so the record-matching claims of the seed stay in
the mix; when it is not, from the repository's text alone, and the result says which (`source`).

An article is a headline, then 4-16 paragraphs drawn with a seeded RNG from the pool (kinds weighted by `_WEIGHTS`),
with a publication date.
Paragraphs repeat across articles (the pool holds ~2 MB), articles do not. Output as one parquet of
doc_id/text/published (what `analyze_corpus` reads) and as one multi-article .txt file (what `workbench analyze`
reads: articles separated by blank lines, so each paragraph stays a paragraph).
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from pathlib import Path

import polars as pl

REPO = Path(__file__).resolve().parent.parent
EXTERNAL = REPO.parent / "shared" / "external"
_AIID = EXTERNAL / "aiid-ai-incident-database" / "incidents.csv"
_AIAAIC = EXTERNAL / "aiaaic-repository" / "aiaaic_incidents.csv"
_AGORA = EXTERNAL / "agora-ai-governance" / "documents.csv"
_FIRST_DAY, _DAYS = dt.date(2016, 1, 1), 3650
# How often a paragraph comes from each kind of text: mostly incident reports, then the record's own wording
# and the seed (funding and governance news), then law summaries (AGORA's are many but read like bills).
_WEIGHTS = {"incident": 35, "law_summary": 20, "record": 15, "evaluation": 15, "seed": 15}


@dataclass(frozen=True)
class NewsText:
    """The built input: a parquet of documents and one multi-article text file, with what they hold."""

    table: Path
    text_file: Path
    documents: int
    paragraphs: int
    megabytes: float
    source: str
    pool: dict[str, int]


def build(folder: Path, megabytes: float, *, seed: int = 0, external: Path | None = EXTERNAL) -> NewsText:
    """Write ~`megabytes` MB (UTF-8) of articles to `folder`/news.parquet and `folder`/news.txt."""
    pool, source = _pool(external)
    rng = random.Random(seed)
    kinds = [kind for kind in _WEIGHTS if pool.get(kind)]
    weights = [_WEIGHTS[kind] for kind in kinds]
    headlines = pool["headline"]
    texts, dates, size, total_paragraphs = [], [], 0, 0
    while size < megabytes * 1e6:
        body = [rng.choice(pool[kind]) for kind in rng.choices(kinds, weights, k=rng.randint(4, 16))]
        article = "\n\n".join([rng.choice(headlines), *body])
        texts.append(article)
        dates.append(_FIRST_DAY + dt.timedelta(days=rng.randrange(_DAYS)))
        size += len(article.encode("utf-8")) + 2
        total_paragraphs += 1 + len(body)
    frame = pl.DataFrame({"doc_id": [f"news-{i:06d}" for i in range(len(texts))], "text": texts,
                          "published": dates}, schema={"doc_id": pl.String, "text": pl.String, "published": pl.Date})
    folder.mkdir(parents=True, exist_ok=True)
    table, text_file = folder / "news.parquet", folder / "news.txt"
    frame.write_parquet(table)
    text_file.write_text("\n\n".join(texts) + "\n", encoding="utf-8")
    return NewsText(table=table, text_file=text_file, documents=len(texts), paragraphs=total_paragraphs,
                    megabytes=round(text_file.stat().st_size / 1e6, 2), source=source,
                    pool={kind: len(values) for kind, values in pool.items()})


def _pool(external: Path | None) -> tuple[dict[str, list[str]], str]:
    pool = _repository_pool()
    if external is None or not (_AIID.is_file() and _AGORA.is_file() and _AIAAIC.is_file()):
        return pool, "repository only (seed article, record summaries and notes, themes evaluation set)"
    incidents = pl.read_csv(_AIID, columns=["title", "description"], infer_schema=False)
    agora = pl.read_csv(_AGORA, columns=["Short summary", "Long summary"], infer_schema=False)
    aiaaic = pl.read_csv(_AIAAIC, skip_rows=1, infer_schema=False).get_column("Headline")
    pool["headline"] += _clean(pl.concat([incidents["title"], aiaaic]))
    pool["incident"] = _clean(incidents["description"].str.split("\n\n").explode())
    pool["law_summary"] = _clean(pl.concat([agora["Short summary"], agora["Long summary"].str.split("\n\n").explode()]))
    where = EXTERNAL.relative_to(REPO.parent)
    return pool, (f"real public text from ../{where} (AIID incidents.csv titles and descriptions, AIAAIC headlines, "
                  "AGORA documents.csv summaries) plus the repository's own text")


def _repository_pool() -> dict[str, list[str]]:
    from workbench import datasets
    from workbench.analysis.themes import EVALUATION_FILE
    from workbench.corpus.spans import split_paragraphs

    seed = (REPO / "seeds" / "bloomberg-2019-07-22-microsoft-openai.txt").read_text(encoding="utf-8")
    record = []
    for name in ("governance_events", "funding_events", "policy_events", "org_structures", "reported_figures"):
        frame = datasets.load(name)
        record += [column for column in ("summary", "title", "note", "why") if column in frame.columns
                   for column in [frame[column]]]
    return {
        "headline": _clean(datasets.load("policy_events")["title"]),
        "seed": [span.text for span in split_paragraphs(seed)],
        "record": _clean(pl.concat(record).str.split("\n\n").explode()),
        "evaluation": _clean(pl.read_csv(EVALUATION_FILE, columns=["text"])["text"]),
    }


def _clean(texts: pl.Series) -> list[str]:
    """Non-empty single paragraphs (inner line breaks folded), each once."""
    cleaned = texts.cast(pl.String).str.replace_all(r"\s*\n\s*", " ").str.strip_chars().drop_nulls()
    return cleaned.filter(cleaned.str.len_chars() > 0).unique(maintain_order=True).to_list()
