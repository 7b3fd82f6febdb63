"""Notebook 05-hindsight: every checkable claim of an article with its verdict then and now, and the sources.

`evidence(analysis)` lists each (claim, record row) match with the row's summary, confidence and the sources
it cites (publisher, date, kind, URL, looked up through `source_ids` in the `sources` table), originating and
primary sources first: a fact-checker reads the company, the regulator or the outlet that broke it before any
follow-up. Each claim has one row for the event it describes (`role` event; dataset null when the record has
none) and may have rows related to that event (`role` related: another account of the same money, a later
stage, a law answering a concern). `brief(...)` folds that into one row per claim — the brief a journalist
would cite — whose verdict is its event row's, decided part by part (each amount, date, party and the event):
never the best verdict among the rows it met. Both are flat (no list cells), so they save as CSV as they are.
"""

from __future__ import annotations

import html

import altair as alt
import polars as pl

from workbench import charts, datasets
from workbench.analysis import Analysis
from workbench.analysis.claims import VERDICTS, summarise, verdict_label
from workbench.charts.theme import VERDICT_TEXT
from workbench.lineage import traced
from workbench.outputs import Document
from workbench.views.risk import md

__all__ = [
    "DATASETS", "brief", "brief_document", "evidence", "takeaway_line", "takeaways", "verdict_chart", "verdict_counts",
]

DATASETS = ("funding_events", "governance_events", "org_structures", "policy_events")


@traced
def evidence(analysis: Analysis) -> pl.DataFrame:
    """One row per (claim, record row): both verdicts, the part deciding them, the note, the row's summary and
    confidence, its sources.

    A claim the record cannot speak to keeps its row (dataset and row_id null, verdict unverifiable).

    Returns
    -------
    polars.DataFrame
        One row per (claim, record row), by sentence, the claim's event row first; columns: doc_id, paragraph,
        sentence, kind, claim, role ('event': the row of the event the claim describes, whose verdict is the claim's;
        'related': a row related to that event), verdict_then (as of publication), verdict_now, verdict_part (the part
        deciding verdict_now: amount, date, party or event; empty when consistent), dataset, row_id, record (the row's
        summary), confidence, note, source_ids, sources (each as 'publisher (date, kind): URL') and source_urls, the
        last three joined by '; '.
    """
    from workbench.datasets.citing import record_rows

    matches = analysis.matches
    rows = record_rows(matches)
    cited = (_cited_sources(rows).group_by("dataset", "row_id", maintain_order=True)
             .agg(pl.col("source_id").str.join("; ").alias("source_ids"),
                  pl.col("cite").str.join("; ").alias("sources"),
                  pl.col("url").drop_nulls().str.join("; ").alias("source_urls")))
    claims = analysis.claims.select("doc_id", "paragraph", "sentence", "kind", pl.col("text").alias("claim"))
    return (matches.join(claims, on=["doc_id", "sentence"], how="left")
            .join(rows.drop("source_ids"), on=["dataset", "row_id"], how="left")
            .join(cited, on=["dataset", "row_id"], how="left")
            .select("doc_id", "paragraph", "sentence", "kind", "claim", "role",
                    pl.col("verdict_at_publication").alias("verdict_then"), pl.col("verdict").alias("verdict_now"),
                    pl.col("verdict_part").fill_null(""), "dataset", "row_id", pl.col("summary").alias("record"),
                    "confidence", "note", "source_ids", "sources", "source_urls")
            .sort("doc_id", "sentence", "role", "dataset", "row_id", nulls_last=True))


def _cited_sources(rows: pl.DataFrame) -> pl.DataFrame:
    """One row per (record row, source): publisher, date, kind and URL, primary and originating sources first."""
    sources = datasets.load("sources").select("source_id", "publisher", "published", "url", "tier",
                                              pl.col("kind").cast(pl.String))
    return (rows.select("dataset", "row_id", pl.col("source_ids").alias("source_id")).explode("source_id")
            .join(sources, on="source_id", how="left")
            .sort("dataset", "row_id", "tier", "published", "source_id", nulls_last=True)
            .with_columns(pl.format("{} ({}, {}): {}", pl.col("publisher").fill_null("unknown publisher"),
                                    pl.col("published").cast(pl.String).fill_null("undated"),
                                    pl.col("kind").str.replace_all("_", " ").fill_null("?"),
                                    pl.col("url").fill_null("no URL")).alias("cite")))


@traced
def brief(analysis: Analysis) -> pl.DataFrame:
    """One row per checkable claim: its verdict as of publication and as of now with the part deciding each,
    what the record learnt since (notes of the rows that were not yet public), the record rows behind it and their
    sources, primary and originating sources first across all of the claim's rows.

    A claim's verdict is its event row's: consistent only if every part it states (each amount, its date, its
    parties, the event) is; otherwise the weakest part decides and is named, so a claim whose figure the record
    does not state is never consistent. Rows related to the event never raise it.

    Returns
    -------
    polars.DataFrame
        One row per checkable claim, by sentence; columns: doc_id, paragraph, sentence, kind, claim, verdict_then,
        verdict_now, verdict_part_then and verdict_part_now (the part deciding each: amount, date, party or event;
        empty when consistent), parts (every part's verdict now, in words), event_row ('dataset:row_id' of the
        claim's event, empty when the record has none), since_publication (notes of the rows whose verdict changed),
        record_rows ('dataset:row_id', joined by '; '), evidence (every row's note, joined by ' | '), sources,
        source_urls.
    """
    from workbench.datasets.citing import record_rows

    found = evidence(analysis)
    per_claim = (found.select("doc_id", "sentence", "dataset", "row_id").drop_nulls("row_id")
                 .join(_cited_sources(record_rows(analysis.matches)), on=["dataset", "row_id"])
                 .sort("doc_id", "sentence", "tier", "published", "source_id", nulls_last=True)
                 .unique(["doc_id", "sentence", "source_id"], keep="first", maintain_order=True)
                 .group_by("doc_id", "sentence", maintain_order=True)
                 .agg(pl.col("cite").str.join("; ").alias("sources"),
                      pl.col("url").drop_nulls().str.join("; ").alias("source_urls")))
    learnt = pl.col("note").filter(pl.col("verdict_then") != pl.col("verdict_now"))
    row = pl.format("{}:{}", "dataset", "row_id")
    rows = found.group_by("doc_id", "sentence", maintain_order=True).agg(
        pl.col("paragraph", "kind", "claim").first(),
        row.filter(pl.col("role") == "event").drop_nulls().first().alias("event_row"),
        row.drop_nulls().str.join("; ").alias("record_rows"),
        pl.col("note").str.join(" | ").alias("evidence"),
        learnt.str.join(" | ").alias("since_publication"))
    verdicts = summarise(analysis.matches).rename({"verdict_part": "verdict_part_now"})
    return (rows.join(verdicts, on=["doc_id", "sentence"])
            .join(per_claim, on=["doc_id", "sentence"], how="left")
            .with_columns(pl.col("sources", "source_urls", "event_row", "verdict_part_then", "verdict_part_now",
                                 "parts").fill_null(""))
            .select("doc_id", "paragraph", "sentence", "kind", "claim", "verdict_then", "verdict_now",
                    "verdict_part_then", "verdict_part_now", "parts", "event_row", "since_publication", "record_rows",
                    "evidence", "sources", "source_urls")
            .sort("doc_id", "sentence"))


@traced
def verdict_counts(rows: pl.DataFrame) -> pl.DataFrame:
    """Rows (claims or record matches) per verdict as of publication and as of now, every verdict listed.

    Returns
    -------
    polars.DataFrame
        One row per reading and verdict, every verdict listed; columns: as_of ('at publication' or 'now'), verdict, rows
        (0 when none).
    """
    grid = pl.DataFrame({"as_of": ["at publication"] * len(VERDICTS) + ["now"] * len(VERDICTS),
                         "verdict": list(VERDICTS) * 2})
    counted = pl.concat([
        rows.group_by(pl.col(column).alias("verdict")).agg(pl.len().alias("rows")).with_columns(as_of=pl.lit(label))
        for column, label in (("verdict_then", "at publication"), ("verdict_now", "now"))])
    return grid.join(counted, on=["as_of", "verdict"], how="left").with_columns(pl.col("rows").fill_null(0))


@traced
def verdict_chart(rows: pl.DataFrame, *, unit: str = "record matches", title: str | None = None) -> alt.Chart:
    """Bars of `rows` (`brief` or `evidence`) per verdict, at publication above now (`charts.verdict_bars`); the
    caption counts the record rows and sources behind them."""
    title = title or f"{unit.capitalize()} by verdict, at publication and now"
    urls = rows.select(pl.col("source_urls").fill_null("").str.split("; ").list.eval(
        pl.element().filter(pl.element() != "")))
    caption = (f"Source: {' + '.join(DATASETS)} ({rows.height} {unit}; "
               f"{charts.distinct_count(urls, 'source_urls')} distinct source URLs)")
    return charts.verdict_bars(verdict_counts(rows), unit=unit, title=title, caption=caption)


def takeaway_line(claims: pl.DataFrame) -> str:
    """The brief in one line of plain text (the index of outputs lists it): claims, confirmed then and now, and how
    many read differently with hindsight."""
    def count(column: str, verdict: str) -> int:
        return claims.filter(pl.col(column) == verdict).height

    changed = claims.filter(pl.col("since_publication").fill_null("") != "").height
    return (f"Take-away: {claims.height} checkable claims; the record confirmed {count('verdict_then', 'consistent')} "
            f"as of publication and confirms {count('verdict_now', 'consistent')} now; {changed} read differently "
            "with hindsight.")


def takeaways(claims: pl.DataFrame, matches: pl.DataFrame) -> str:
    """Markdown from `brief` and `evidence`: claims confirmed then and now, and what the record learnt since,
    claim by claim (article and record text escaped: it never becomes markup)."""
    def count(frame: pl.DataFrame, column: str, verdict: str) -> int:
        return frame.filter(pl.col(column) == verdict).height

    learnt = claims.filter(pl.col("since_publication").is_not_null() & (pl.col("since_publication") != ""))
    public_later = matches.filter((pl.col("verdict_then") == "unverifiable")
                                  & (pl.col("verdict_now") != "unverifiable")).height
    lines = [f"- **{claims.height}** checkable claims; "
             f"the record confirmed **{count(claims, 'verdict_then', 'consistent')}** "
             f"as of publication and confirms **{count(claims, 'verdict_now', 'consistent')}** now; "
             f"**{count(claims, 'verdict_now', 'unverifiable')}** stay unverifiable{_unchecked_figures(claims)}.",
             f"- **{matches.filter(pl.col('row_id').is_not_null()).height}** record matches, "
             f"**{public_later}** "
             f"of them public only after publication; **{learnt.height}** claims read differently with hindsight:"]
    lines += [f"  - sentence {row['sentence']} (“{md(row['claim'])}”): {md(row['since_publication'])}"
              for row in learnt.iter_rows(named=True)]
    return "\n".join(lines)


def _unchecked_figures(claims: pl.DataFrame) -> str:
    """', N of them because the record does not state their figure' (a claim never counts as confirmed then)."""
    if "verdict_part_now" not in claims.columns:
        return ""
    unchecked = claims.filter((pl.col("verdict_now") == "unverifiable") & (pl.col("verdict_part_now") == "amount"))
    return f", **{unchecked.height}** of them because the record does not state their figure" if unchecked.height \
        else ""


@traced
def brief_document(document: dict, brief: pl.DataFrame, evidence: pl.DataFrame) -> Document:
    """The brief ready to paste: the article's reference, the take-aways, then each claim with its verdicts then
    and now, what changed, the record rows and their sources (publisher, date, link), as Markdown and as a
    standalone HTML page. Article and record text is escaped in both (it never becomes markup or a link)."""
    rows = _cited_sources_by_claim(brief, evidence)
    title = f"Hindsight brief: {document.get('title') or document['doc_id']}"
    reference = ", ".join(str(part) for part in (document.get("publisher"), document.get("author"),
                                                   document.get("published")) if part)
    markdown = [f"# {md(title)}", "",
                f"*{md(reference)}*" + (f" — <{document['url']}>" if _web(document.get('url')) else ""),
                "", "## Take-aways", "", takeaways(brief, evidence), "", "## Claims", ""]
    page = [f"<h1>{_esc(title)}</h1>",
            f"<p class='ref'>{_esc(reference)}{_html_link(document.get('url'), ' (article)')}</p>",
            "<h2>Claims</h2>"]
    for claim in brief.iter_rows(named=True):
        then = verdict_label(claim["verdict_then"], claim.get("verdict_part_then") or None)
        now = verdict_label(claim["verdict_now"], claim.get("verdict_part_now") or None)
        sources = rows.get(claim["sentence"], [])
        markdown += [f"### Sentence {claim['sentence']} (paragraph {claim['paragraph']}, {claim['kind']})", "",
                     f"> {md(claim['claim'])}", "", f"- **Verdict:** {then} at publication, {now} now"]
        page += [f"<section><h3>Sentence {claim['sentence']} "
                 f"(paragraph {claim['paragraph']}, {_esc(claim['kind'])})</h3>",
                 f"<blockquote>{_esc(claim['claim'])}</blockquote>",
                 f"<p><strong>Verdict:</strong> <span class='v-{claim['verdict_then']}'>{_esc(then)}</span> "
                 f"at publication, <span class='v-{claim['verdict_now']}'>{_esc(now)}</span> now</p>"]
        if claim.get("parts"):
            markdown.append(f"- **Parts checked:** {md(claim['parts'])}")
            page.append(f"<p><strong>Parts checked:</strong> {_esc(claim['parts'])}</p>")
        if claim["since_publication"]:
            markdown.append(f"- **Since publication:** {md(claim['since_publication'])}")
            page.append(f"<p><strong>Since publication:</strong> {_esc(claim['since_publication'])}</p>")
        if claim["record_rows"]:
            markdown.append(f"- **Record rows:** {md(claim['record_rows'])}")
            page.append(f"<p><strong>Record rows:</strong> {_esc(claim['record_rows'])}</p>")
        if sources:
            markdown.append("- **Sources:** " + "; ".join(
                f"[{md(label)}]({url})" if _web(url) else md(label) for label, url in sources))
            page.append("<p><strong>Sources:</strong> " + "; ".join(
                _esc(label) + _html_link(url, " ↗") for label, url in sources) + "</p>")
        markdown.append("")
        page.append("</section>")
    html = ("<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
            f"<title>{_esc(title)}</title><style>{_BRIEF_CSS}</style></head><body>\n"
            + "\n".join(page) + "\n</body></html>\n")
    return Document(markdown="\n".join(markdown) + "\n", html=html)


_BRIEF_CSS = ("body{font-family:Inter,'Helvetica Neue',Arial,sans-serif;max-width:46rem;margin:2rem auto;"
              "line-height:1.5;color:#222}blockquote{border-left:3px solid #ccc;margin:0;padding-left:1rem;"
              "color:#444}.ref{color:#555}" + "".join(f".v-{verdict}{{color:{colour}}}"
                                                       for verdict, colour in VERDICT_TEXT.items())
              + "section{margin-bottom:1.5rem}")


def _cited_sources_by_claim(brief: pl.DataFrame, evidence: pl.DataFrame) -> dict[int, list[tuple[str, str | None]]]:
    """sentence -> [(\"Publisher (date, kind)\", url)], in the brief's order (primary and originating first)."""
    out: dict[int, list[tuple[str, str | None]]] = {}
    for row in brief.iter_rows(named=True):
        labels = [part.rsplit(": ", 1) for part in (row["sources"] or "").split("; ") if part]
        out[row["sentence"]] = [(label[0], label[1] if len(label) > 1 and label[1] != "no URL" else None)
                                for label in labels]
    return out


def _web(url: object) -> bool:
    return isinstance(url, str) and url.startswith(("https://", "http://"))


def _esc(text: object) -> str:
    return html.escape("" if text is None else str(text), quote=True)


def _html_link(url: object, label: str) -> str:
    """A link only for a web address (an article's 'javascript:' URL stays text)."""
    return f" <a href='{_esc(url)}'>{_esc(label.strip())}</a>" if _web(url) else ""
