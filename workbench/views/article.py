"""The article (notebook 01-the-article): an article's theme profile, its actors and amounts, and its checkable
claims as they read on the publication date against how they read now.
"""

from __future__ import annotations

from functools import cache

import altair as alt
import polars as pl

from workbench import charts, datasets
from workbench.analysis import Analysis, analyze
from workbench.analysis.claims import VERDICTS
from workbench.analysis.themes import THEMES
from workbench.charts.theme import UNTAGGED
from workbench.corpus import load_corpus
from workbench.errors import UsageError
from workbench.lineage import traced

# UNTAGGED, the theme profile's row for paragraphs without a theme, is the palette's name, re-exported
__all__ = [
    "READINGS", "RECORD", "UNTAGGED", "actors", "actors_takeaway", "amounts",
    "analysis", "analysis_summary", "corpus_summary", "paragraph_summary", "paragraph_table", "theme_profile",
    "theme_strip", "theme_takeaway", "then_and_now", "verdict_counts", "verdict_shift", "verdicts_takeaway",
]

RECORD = ("funding_events", "governance_events", "org_structures", "policy_events")
READINGS = {"verdict_at_publication": "as of publication", "verdict": "as known now"}


@traced
def analysis(doc_id: str) -> Analysis:
    """The analysis of a corpus document: computed once per version of the files it reads
    (`datasets.data_version`), so an edited article, overlay or record row shows up."""
    return _analysis(doc_id, datasets.data_version())


@cache
def _analysis(doc_id: str, version: str) -> Analysis:
    known = load_corpus().documents["doc_id"].to_list()
    if doc_id not in known:
        import difflib

        near = difflib.get_close_matches(doc_id, known, n=3, cutoff=0.3) or known[:3]
        raise UsageError(f"doc_id={doc_id!r} is not a document in seeds/.",
                         fix=f"use one of {', '.join(map(repr, near))} (e.g. --param doc_id={near[0]}), or add the "
                             "article to seeds/ and its row to seeds/catalog.csv.", column="doc_id", value=doc_id)
    return analyze(doc_id)


@traced
def theme_profile(doc_id: str) -> pl.DataFrame:
    """One row per theme (and `none` for untagged paragraphs): paragraphs and words carrying it, their shares of
    the article, its sub-themes and how many lexicon hits decided it. A paragraph may carry several themes.

    Returns
    -------
    polars.DataFrame
        One row per theme (`THEMES`, then 'none'); columns: theme, paragraphs, share_of_paragraphs, words,
        share_of_words, subthemes (comma-separated), evidence_terms (lexicon hits), paragraph_numbers (a list).
    """
    found = analysis(doc_id)
    words = load_corpus().paragraphs_of(doc_id).select("paragraph", "n_words")
    paragraphs = found.paragraphs.join(words, on="paragraph").with_columns(
        pl.when(pl.col("themes").list.len() > 0).then(pl.col("themes")).otherwise(pl.lit([UNTAGGED]))
        .alias("theme"))
    per_theme = (paragraphs.explode("theme").group_by("theme")
                 .agg(pl.len().alias("paragraphs"), pl.col("n_words").sum().alias("words"),
                      pl.col("paragraph").sort().alias("paragraph_numbers")))
    hits = (found.evidence.group_by("theme")
            .agg(pl.len().alias("evidence_terms"),
                 pl.col("subtheme").drop_nulls().unique().sort().str.join(", ").alias("subthemes")))
    order = pl.DataFrame({"theme": [*THEMES, UNTAGGED]}).with_row_index("_order")
    return (order.join(per_theme, on="theme", how="left").join(hits, on="theme", how="left")
            .with_columns(pl.col("paragraphs", "words", "evidence_terms").fill_null(0),
                          pl.col("subthemes").fill_null(""))
            .with_columns((pl.col("paragraphs") / paragraphs.height).alias("share_of_paragraphs"),
                          (pl.col("words") / words["n_words"].sum()).alias("share_of_words"))
            .sort("_order")
            .select("theme", "paragraphs", "share_of_paragraphs", "words", "share_of_words", "subthemes",
                    "evidence_terms", "paragraph_numbers"))


@traced
def theme_strip(doc_id: str) -> alt.Chart:
    """Which themes each paragraph carries, in reading order (`charts.theme_strip`), citing the article's file."""
    found = analysis(doc_id)
    caption = (f"Source: seeds/{_file_of(doc_id)} ({found.paragraphs.height} paragraphs, split on blank lines; "
               f"{found.evidence.height} lexicon hits, workbench/analysis/lexicons/themes.csv)")
    return charts.theme_strip(found.paragraphs, caption=caption)


@traced
def actors(doc_id: str) -> pl.DataFrame:
    """Organisations and people named in the article: canonical name, label, kind, mentions, the paragraphs that
    name them and whether the record knows them; most-mentioned first.

    Returns
    -------
    polars.DataFrame
        One row per actor (canonical, label, kind, in_record), most mentioned first; columns: canonical (the name
        as written for an actor the record does not know), label, kind, mentions, paragraphs (a list), written_as
        (the spellings, joined by ' / '), in_record.
    """
    # an actor the record does not know has no canonical name: it goes by the name as written, each its own row
    found = analysis(doc_id).entities.with_columns(canonical=pl.coalesce("canonical", "text"))
    return (found.group_by("canonical", "label", "kind", "in_record")
            .agg(pl.len().alias("mentions"), pl.col("paragraph").unique().sort().alias("paragraphs"),
                 pl.col("text").unique().sort().str.join(" / ").alias("written_as"))
            .sort(["mentions", "canonical"], descending=[True, False])
            .select("canonical", "label", "kind", "mentions", "paragraphs", "written_as", "in_record"))


@traced
def amounts(doc_id: str) -> pl.DataFrame:
    """Every amount in the article with its qualifier, and what the record says of the claim it sits in
    (record row, verdict on the publication date and now); an amount no record row checks keeps empty cells.

    Returns
    -------
    polars.DataFrame
        One row per amount and record row checking it, by paragraph and position; columns: paragraph, text (as written),
        value, currency, qualifier, dataset, row_id, verdict_at_publication, verdict (as known now), note.
    """
    found = analysis(doc_id)
    claims = (found.claims.filter(pl.col("amount_text").is_not_null())
              .select("paragraph", "sentence", pl.col("amount_text").alias("text")))
    return (found.amounts.join(claims, on=["paragraph", "text"], how="left")
            .join(found.matches.select("sentence", "dataset", "row_id", "verdict_at_publication", "verdict", "note"),
                  on="sentence", how="left")
            .sort("paragraph", "start", "row_id")
            .select("paragraph", "text", "value", "currency", "qualifier", "dataset", "row_id",
                    "verdict_at_publication", "verdict", "note"))


@traced
def then_and_now(doc_id: str) -> pl.DataFrame:
    """Each checkable claim × record row, with its verdict as of the publication date and as known now;
    `changed` marks the claims hindsight reads differently. The claim's event row (`role` event) carries the
    claim's own verdict, decided part by part, and names the deciding part; related rows never decide it.

    Returns
    -------
    polars.DataFrame
        One row per claim and record row, by sentence, the event row first; columns: paragraph, sentence, kind, claim,
        role ('event' or 'related'), dataset, row_id, verdict_at_publication, verdict (as known now), verdict_part
        (the part deciding verdict: amount, date, party or event; null when consistent), changed, note.
    """
    found = analysis(doc_id)
    return (found.claims.select("paragraph", "sentence", "kind", pl.col("text").alias("claim"))
            .join(found.matches, on="sentence", how="inner")
            .with_columns((pl.col("verdict_at_publication") != pl.col("verdict")).alias("changed"))
            .sort("sentence", "role", "dataset", "row_id", nulls_last=True)
            .select("paragraph", "sentence", "kind", "claim", "role", "dataset", "row_id", "verdict_at_publication",
                    "verdict", "verdict_part", "changed", "note"))


@traced
def verdict_counts(doc_id: str) -> pl.DataFrame:
    """How many claim × record checks end in each verdict, as of publication and as known now (each check's own
    verdict: no claim is counted by the best of its checks).

    Returns
    -------
    polars.DataFrame
        One row per reading and verdict, every verdict listed; columns: reading ('as of publication' or 'as known now'),
        verdict, checks (0 when none).
    """
    checks = then_and_now(doc_id)
    long = checks.unpivot(on=list(READINGS), value_name="verdict_value", variable_name="reading")
    counted = long.group_by("reading", "verdict_value").agg(pl.len().alias("checks"))
    grid = pl.DataFrame({"reading": list(READINGS)}).join(pl.DataFrame({"verdict_value": list(VERDICTS)}),
                                                          how="cross")
    return (grid.join(counted, on=["reading", "verdict_value"], how="left")
            .with_columns(pl.col("checks").fill_null(0), pl.col("reading").replace_strict(READINGS))
            .rename({"verdict_value": "verdict"}))


@traced
def verdict_shift(doc_id: str) -> alt.Chart:
    """The claims' checks by verdict, as of the publication date next to as known now (`charts.verdict_shift`)."""
    counts = verdict_counts(doc_id)
    published = analysis(doc_id).documents["published"][0]
    checks = counts.filter(pl.col("reading") == READINGS["verdict"])["checks"].sum()
    caption = (f"Source: seeds/{_file_of(doc_id)} ({checks} claim × record checks) + {', '.join(RECORD)} "
               f"(as known on {published or 'publication'} and now)")
    return charts.verdict_shift(counts, readings=list(READINGS.values()), caption=caption)


def corpus_summary(doc_id: str) -> str:
    """What notebook 00 prints first: the article's title, byline, size and source, so a reader knows which text
    the paragraph table splits before reading it."""
    corpus = load_corpus()
    document = corpus.document(doc_id)
    sentences = corpus.sentences.filter(pl.col("doc_id") == doc_id).height
    return "\n".join([*_byline(document),
                      f"{document['n_paragraphs']} paragraphs, {sentences} sentences, {document['n_words']} words; "
                      f"source: {document['url'] or 'no URL in the catalog'}"])


@traced
def paragraph_table(doc_id: str) -> pl.DataFrame:
    """The article's paragraphs in reading order with their offsets into its text: `document["text"][start:end]` is
    the paragraph, so any highlight found later maps back onto the file.

    Returns
    -------
    polars.DataFrame
        One row per paragraph; columns: doc_id, paragraph, start, end, n_sentences, n_words, text.
    """
    return load_corpus().paragraphs_of(doc_id).select("doc_id", "paragraph", "start", "end", "n_sentences",
                                                      "n_words", "text")


def paragraph_summary(doc_id: str) -> str:
    """The paragraph lengths in one sentence (the longest and the median), the reading of the words-per-paragraph
    chart; the earliest paragraph wins a tie for longest."""
    paragraphs = load_corpus().paragraphs_of(doc_id)
    longest = paragraphs.sort(["n_words", "paragraph"], descending=[True, False]).row(0, named=True)
    return (f"The longest paragraph is number {longest['paragraph']} ({longest['n_words']} words); "
            f"the median paragraph has {paragraphs['n_words'].median():.0f} words.")


def analysis_summary(doc_id: str) -> str:
    """What notebook 01 prints first: the article's title and byline, and how much the analysis found in it
    (paragraphs, actor mentions, amounts, dates, checkable sentences)."""
    found = analysis(doc_id)
    return "\n".join([*_byline(load_corpus().document(doc_id)),
                      f"{found.paragraphs.height} paragraphs, {found.entities.height} actor mentions, "
                      f"{found.amounts.height} amounts, {found.dates.height} dates, "
                      f"{found.claims.height} checkable sentences"])


def theme_takeaway(doc_id: str) -> str:
    """The theme profile in words: the theme carrying most words (its paragraphs, share of words, sub-themes),
    then each other theme and the paragraphs that carry none; one line each."""
    profile = theme_profile(doc_id)
    total = analysis(doc_id).paragraphs.height
    tagged = profile.filter(pl.col("theme") != UNTAGGED).sort("words", descending=True, maintain_order=True)
    lead = tagged.row(0, named=True)
    untagged = profile.filter(pl.col("theme") == UNTAGGED).row(0, named=True)
    lines = [f"Take-away: this is above all a {lead['theme']} story — {lead['paragraphs']} of {total} "
             f"paragraphs and {lead['share_of_words']:.0%} of the words carry it (sub-themes: {lead['subthemes']})."]
    lines += [f"  {row['theme']}: {row['paragraphs']} paragraphs ({row['share_of_words']:.0%} of the words), "
              f"paragraphs {row['paragraph_numbers']}" for row in tagged.slice(1).iter_rows(named=True)]
    lines.append(f"  {untagged['paragraphs']} paragraph(s) carry no theme.")
    return "\n".join(lines)


def actors_takeaway(doc_id: str) -> str:
    """The actors and amounts in words: the most-named actor, how many actors the record knows, then each amount
    with its qualifier, the record rows that checked it and its verdicts now; one line each."""
    actor_table, amount_table = actors(doc_id), amounts(doc_id)
    total = analysis(doc_id).paragraphs.height
    top = actor_table.row(0, named=True)
    lines = [f"Take-away: {top['canonical']} is named {top['mentions']} times, in {len(top['paragraphs'])} of "
             f"{total} paragraphs; {actor_table.height} actors in all, "
             f"{actor_table['in_record'].sum()} of them known to the record."]
    for (text, qualifier), rows in amount_table.group_by("text", "qualifier", maintain_order=True):
        checked = rows.drop_nulls("row_id")
        lines.append(f"  {text!r} ({qualifier}): checked against {checked.height} record row(s) "
                     f"{checked['row_id'].to_list()}; verdicts now {sorted(set(rows['verdict'].drop_nulls()))}")
    return "\n".join(lines)


def verdicts_takeaway(doc_id: str) -> str:
    """The claims then and now in words: checks consistent, unverifiable and inconsistent as of publication and
    now (from `verdict_counts`), then each check hindsight reads differently; one line each."""
    checks = then_and_now(doc_id)
    counts = {(r["reading"], r["verdict"]): r["checks"] for r in verdict_counts(doc_id).iter_rows(named=True)}
    then, now = READINGS["verdict_at_publication"], READINGS["verdict"]
    changed = checks.filter(pl.col("changed"))
    published = load_corpus().document(doc_id)["published"]
    lines = [f"Take-away: of {checks.height} claim × record checks, {counts[(then, 'consistent')]} were consistent "
             f"with the record as of {published}, {counts[(now, 'consistent')]} are now; "
             f"{counts[(then, 'unverifiable')]} could not be checked then, {counts[(now, 'unverifiable')]} cannot now, "
             f"and {counts[(now, 'inconsistent')]} contradict the record.",
             f"{changed.height} checks read differently with hindsight:"]
    lines += [f"  sentence {row['sentence']} vs {row['dataset']} {row['row_id']}: "
              f"{row['verdict_at_publication']} → {row['verdict']}" for row in changed.iter_rows(named=True)]
    return "\n".join(lines)


def _file_of(doc_id: str) -> str:
    return load_corpus().document(doc_id)["file"]


def _byline(document: dict) -> list[str]:
    return [f"{document['title']}",
            f"{document['publisher']}, {document['author'] or 'author unknown'}, "
            f"published {document['published'] or 'date unknown'}"]
