"""Checkable claims and their verdicts against the record, as of publication and as of now.

The words that make a sentence a claim (cues, AI-risk concerns, legal forms) are a data file like every other
lexicon: lexicons/claim_cues.csv, one regular expression per row.

A sentence is a claim when it states something the record can confirm or contradict: an amount, a date
tied to a known actor, an event between known actors (invest, leave a board, found, restructure,
release), or a statement about AI risks. Claims are matched to record rows by joins, not loops: claim
actors ⋈ row actors, then cue, time and amount compatibility are polars expressions. Each match carries a
verdict (consistent, partly, inconsistent, unverifiable) and a note with the evidence, twice: with only what
was public on the publication date (`verdict_at_publication`), and with what is known now (`verdict`).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from workbench.analysis.scan import ascii_boundaries
from workbench.errors import Problem, SchemaError

__all__ = [
    "CONCERNS", "CUES", "CUES_FILE", "LEGAL_FORMS", "MATCH_COLUMNS", "VERDICTS", "Record", "check_claims",
    "find_claims", "load_cues", "summarise",
]

VERDICTS = ("consistent", "partly", "inconsistent", "unverifiable")
CUES_FILE = Path(__file__).resolve().parent / "lexicons" / "claim_cues.csv"


def load_cues(path: Path = CUES_FILE) -> dict[str, dict[str, str]]:
    """group (cue, concern, legal_form) -> name -> regular expression, from the cues lexicon; a pattern that does
    not compile is reported with its file, line and value."""
    groups: dict[str, dict[str, str]] = {"cue": {}, "concern": {}, "legal_form": {}}
    problems = []
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        for row in reader:
            place = dict(file=str(path), line=reader.line_num)
            if row["group"] not in groups:
                problems.append(Problem(what=f"has the group {row['group']!r}.", fix=f"use one of {', '.join(groups)}",
                                        column="group", value=row["group"], **place))
                continue
            try:
                re.compile(row["pattern"])
            except re.error as error:
                problems.append(Problem(what=f"is not a regular expression ({error}).", fix="fix the pattern",
                                        column="pattern", value=row["pattern"], **place))
                continue
            groups[row["group"]][row["name"]] = row["pattern"]
    if problems:
        raise SchemaError(f"the claim cues in {path.name} have problems", problems)
    return groups


_LEXICON = load_cues()
# Words that make a sentence a claim of a kind; governance cues are named after the event types they check.
CUES = _LEXICON["cue"]
CONCERNS = _LEXICON["concern"]
# The legal form a structure claim names, so "a for-profit arm" is checked against the capped-profit row.
LEGAL_FORMS = _LEXICON["legal_form"]
_GOVERNANCE_CUES = ("founding", "board_change", "leadership_change", "structure_change", "partnership_terms",
                    "charter", "legal")
_NO_DATE_WINDOW_DAYS = 30  # a claim without a date speaks of events up to its publication (plus reporting lag)
_ABOUT_TOLERANCE, _EXACT_TOLERANCE = 0.2, 0.05
_ANSWERS_PER_CLAIM = 3
# what every matcher needs of a claim to place it in time
_CLAIM_TIME = ("doc_id", "sentence", "actors", "published", "claim_date_start", "claim_date_end", "claim_date_text")
MATCH_COLUMNS = ("doc_id", "sentence", "dataset", "row_id", "verdict", "verdict_at_publication", "note")


@dataclass(frozen=True)
class Record:
    """The record tables claims are checked against, as known now (as-of views are filters on known_from)."""

    funding: pl.DataFrame
    governance: pl.DataFrame
    policy: pl.DataFrame
    structures: pl.DataFrame
    entities: pl.DataFrame
    financials: pl.DataFrame | None = None  # company_financials: what a company held, for claims about its cash

    @classmethod
    def load(cls) -> Record:
        from workbench import datasets
        from workbench.lineage import Lineage, lineage_of, tag

        record = cls(datasets.load("funding_events"), datasets.load("governance_events"),
                     datasets.load("policy_events"), datasets.load("org_structures"), datasets.load("entities"),
                     datasets.load("company_financials"))
        # an input of whatever is checked against it; only the rows a claim matches are cited
        return tag(record, Lineage.union(lineage_of(frame) for frame in record.__dict__.values()).inputs())


def find_claims(sentences: pl.DataFrame, entities: pl.DataFrame, amounts: pl.DataFrame, dates: pl.DataFrame
                ) -> pl.DataFrame:
    """Sentences that state something checkable, with their actors, first amount, first date, cues and concerns.

    `sentences` has doc_id, paragraph, sentence, paragraph_start, paragraph_end, text; the mention frames
    have doc_id, paragraph and start (offsets within the paragraph). A sentence with cues but no actor of its
    own ("The group opted not to release…") takes the actors of the sentence before it in its paragraph.
    """
    keys = ["doc_id", "paragraph"]
    spans = sentences.select(*keys, "sentence", "paragraph_start", "paragraph_end").sort("paragraph_start")

    def per_sentence(mentions: pl.DataFrame) -> pl.DataFrame:
        # each mention to the last sentence starting at or before it (an as-of join: linear, where joining every
        # mention to every sentence of its paragraph grew with their product), kept if it starts inside that one
        placed = mentions.sort("start").join_asof(spans, left_on="start", right_on="paragraph_start", by=keys,
                                                  strategy="backward", check_sortedness=False)  # both sorted above
        return placed.filter(pl.col("start") < pl.col("paragraph_end")).group_by("doc_id", "sentence")

    actors = per_sentence(entities.filter(pl.col("in_record"))).agg(
        pl.col("canonical").unique(maintain_order=True).alias("actors"))
    first_amount = per_sentence(amounts).agg(
        pl.col("text").first().alias("amount_text"), pl.col("value").first().alias("amount"),
        pl.col("currency").first(), pl.col("qualifier").first())
    first_date = per_sentence(dates.filter(pl.col("value").is_not_null())).agg(
        pl.col("value").first().alias("claim_date"), pl.col("text").first().alias("claim_date_text"))
    listed = {name: pl.concat_list([pl.when(pl.col("text").str.contains(ascii_boundaries(pattern))).then(pl.lit(label))
                                    for label, pattern in patterns.items()]).list.drop_nulls()
              for name, patterns in (("concerns", CONCERNS), ("legal_forms", LEGAL_FORMS))}
    frame = (sentences.select(*keys, "sentence", "text")
             .join(actors, on=["doc_id", "sentence"], how="left")
             .join(first_amount, on=["doc_id", "sentence"], how="left")
             .join(first_date, on=["doc_id", "sentence"], how="left")
             .with_columns(*[pl.col("text").str.contains(ascii_boundaries(p)).alias(f"cue_{name}")
                             for name, p in CUES.items()],
                           **listed)
             .sort("doc_id", "sentence"))
    any_cue = pl.any_horizontal([pl.col(f"cue_{name}") for name in CUES])
    frame = frame.with_columns(
        actors=pl.when(pl.col("actors").is_null() & any_cue).then(pl.col("actors").shift(1).over(keys))
        .otherwise(pl.col("actors")).fill_null(pl.lit([], dtype=pl.List(pl.String))))
    has_actor = pl.col("actors").list.len() > 0
    about_risks = pl.col("concerns").list.len() >= 2
    is_claim = (pl.col("amount").is_not_null() | (has_actor & (pl.col("claim_date").is_not_null() | any_cue))
                | about_risks)
    kind = (pl.when(pl.col("amount").is_not_null() | (pl.col("cue_funding") & has_actor)).then(pl.lit("funding"))
            .when(about_risks | pl.col("cue_release")).then(pl.lit("ai_risk"))
            .when(pl.any_horizontal([pl.col(f"cue_{c}") for c in _GOVERNANCE_CUES])).then(pl.lit("governance"))
            .otherwise(pl.lit("event")))
    return frame.filter(is_claim).with_columns(kind=kind)


def check_claims(claims: pl.DataFrame, published: pl.DataFrame, record: Record) -> pl.DataFrame:
    """One row per (claim, record row) match with its verdict and note, now and at publication.

    `published` maps doc_id → published (Date; null means everything counts as known at publication).
    A claim the record cannot speak to gets one row with dataset and row_id null and verdict unverifiable;
    so does a stated amount that no record row confirms or contradicts.
    """
    # the sentence text is not needed to match, and copying it into every candidate pair is the main cost
    claims = claims.drop("text").join(published.select("doc_id", "published"), on="doc_id", how="left").with_columns(
        claim_date_start=_period_start(pl.col("claim_date")), claim_date_end=_period_end(pl.col("claim_date")))
    funding = _match_funding(claims, record.funding)
    matched = pl.concat([
        _best(funding, per_claim=1),
        _alternative_accounts(_best(funding, per_claim=1), record.funding),
        _best(_match_governance(claims, record.governance), per_claim=1),
        _best(_match_structures(claims, record.structures), per_claim=1),
        _best(_match_releases(claims, record.policy, record.entities), per_claim=1),
        _best(_match_answers(claims, record.policy), per_claim=_ANSWERS_PER_CLAIM),
        _match_cash(claims, record.financials),
    ], how="diagonal_relaxed")
    matched = pl.concat([matched, _later_releases(matched, record.policy)], how="diagonal_relaxed")
    matched = _as_of_publication(matched)

    def unverifiable(rows: pl.DataFrame, note: pl.Expr) -> pl.DataFrame:
        return rows.select("doc_id", "sentence", pl.lit(None, pl.String).alias("dataset"),
                           pl.lit(None, pl.String).alias("row_id"), pl.lit("unverifiable").alias("verdict"),
                           pl.lit("unverifiable").alias("verdict_at_publication"), note.alias("note"))

    amount_checked = matched.filter(pl.col("dataset").is_in(["funding_events", "company_financials"])).select(
        "doc_id", "sentence")
    unconfirmed_amounts = unverifiable(
        claims.filter(pl.col("amount").is_not_null()).join(amount_checked, on=["doc_id", "sentence"], how="anti"),
        pl.format("no record row states {} for these actors, so the record can neither confirm nor contradict it.",
                  "amount_text"))
    answered = pl.concat([matched.select("doc_id", "sentence"), unconfirmed_amounts.select("doc_id", "sentence")])
    nothing = unverifiable(claims.join(answered, on=["doc_id", "sentence"], how="anti"),
                           pl.lit("no record row names these actors with a matching event, date or amount."))
    return (pl.concat([matched.select(MATCH_COLUMNS), unconfirmed_amounts, nothing])
            .sort("doc_id", "sentence", "dataset", "row_id", nulls_last=True))


def summarise(matches: pl.DataFrame) -> pl.DataFrame:
    """Per claim (doc_id, sentence): the best verdict now and at publication (consistent beats partly …)."""
    order = {verdict: rank for rank, verdict in enumerate(VERDICTS)}
    best = [pl.col(column).replace_strict(order, return_dtype=pl.Int64).min()
            .replace_strict(dict(enumerate(VERDICTS)), return_dtype=pl.String).alias(alias)
            for column, alias in (("verdict", "verdict_now"), ("verdict_at_publication", "verdict_then"))]
    return matches.group_by("doc_id", "sentence", maintain_order=True).agg(*best)


# --- matching, one function per record table ------------------------------------------------------------


def _match_funding(claims: pl.DataFrame, funding: pl.DataFrame) -> pl.DataFrame:
    """Deals between the claim's actors: the amount decides, or the event itself when no amount is stated."""
    row_actors = (funding.select("event_id", pl.concat_list(
        pl.col("investor"), pl.col("recipient"),
        pl.col("investor_detail").fill_null("").str.split(";").list.eval(pl.element().str.strip_chars()),
    ).alias("actor")).explode("actor").filter(pl.col("actor") != "").unique())
    rows = funding.select("event_id", "date", "date_precision", "known_from", pl.col("amount_usd").alias("row_amount"),
                          "amount_kind", "deal", "investor", "recipient")
    candidates = claims.filter(pl.col("kind") == "funding")
    joined = _join_on_actors(candidates, row_actors, "event_id").join(rows, on="event_id").filter(_time_ok())
    ratio = pl.col("amount") / pl.col("row_amount")
    qualifier = pl.col("qualifier")
    compatible = (pl.when(qualifier == "at_least").then(ratio <= 1.0 + 1e-9)
                  .when(qualifier == "more_than").then(ratio < 1.0)
                  .when(qualifier == "up_to").then(ratio >= 1.0 - 1e-9)
                  .when(qualifier == "about").then((ratio - 1).abs() <= _ABOUT_TOLERANCE)
                  .otherwise((ratio - 1).abs() <= _EXACT_TOLERANCE)).fill_null(False)
    comparable = (pl.col("amount").is_not_null() & pl.col("row_amount").is_not_null()
                  & (pl.col("currency").fill_null("USD") == "USD"))
    same_order = (ratio.log(10).abs() < 1.0).fill_null(False)  # within 10×: the same figure, stated right or wrong
    needs_event = pl.col("amount").is_null() & (pl.col("overlap") >= 2)
    return (joined.filter((comparable & (compatible | same_order)) | needs_event)
            .with_columns(
                dataset=pl.lit("funding_events"), row_id=pl.col("event_id"),
                verdict=pl.when(~comparable).then(pl.lit("consistent"))
                .when(compatible).then(pl.lit("consistent")).otherwise(pl.lit("inconsistent")),
                score=pl.col("overlap") * 2 + compatible.cast(pl.Int64) * 3 - _days_apart() / 3650,
                note=pl.format("record: {} → {}, {} ({}), {} on {} ({} precision); the claim states {}.",
                               "investor", "recipient", "deal", "amount_kind", _money(pl.col("row_amount")), "date",
                               "date_precision", pl.col("amount_text").fill_null("no amount"))))


def _match_cash(claims: pl.DataFrame, financials: pl.DataFrame | None) -> pl.DataFrame:
    """'X has more than $100 billion in cash' against X's last balance sheet published before the claim: consistent
    when cash and equivalents alone bear it out, partly when only cash plus short-term investments do (the two
    differ by an order of magnitude at Microsoft), inconsistent when neither does. One match per claim."""
    if financials is None or financials.is_empty():
        return pl.DataFrame()
    balances = (financials.filter(pl.col("metric").cast(pl.String).is_in(["cash_and_equivalents",
                                                                            "cash_and_short_term_investments"]),
                                  pl.col("currency").cast(pl.String) == "USD")
                .select("company", "period_end", "known_from", pl.col("metric").cast(pl.String), "value",
                        "financial_id"))
    wide = (balances.pivot("metric", index=["company", "period_end", "known_from"], values=["value", "financial_id"],
                           aggregate_function="first"))
    needed = {"value_cash_and_equivalents", "value_cash_and_short_term_investments"}
    if not needed <= set(wide.columns):
        return pl.DataFrame()
    candidates = (claims.filter(pl.col("cue_cash"), pl.col("amount").is_not_null(),
                                pl.col("currency").fill_null("USD") == "USD")
                  .select(*_CLAIM_TIME, "amount", "amount_text", "qualifier").explode("actors")
                  .rename({"actors": "company"}))
    joined = (candidates.join(wide.drop_nulls(list(needed)), on="company")
              .filter(pl.col("published").is_null() | (pl.col("known_from") <= pl.col("published")))
              .sort("period_end").group_by("doc_id", "sentence", maintain_order=True).last())
    if joined.is_empty():
        return pl.DataFrame()
    cash, broad = pl.col("value_cash_and_equivalents"), pl.col("value_cash_and_short_term_investments")

    def bears_out(value: pl.Expr) -> pl.Expr:
        ratio = pl.col("amount") / value
        return (pl.when(pl.col("qualifier").is_in(["more_than", "at_least"])).then(ratio <= 1.0)
                .when(pl.col("qualifier") == "up_to").then(ratio >= 1.0)
                .otherwise((ratio - 1).abs() <= _ABOUT_TOLERANCE)).fill_null(False)

    return joined.with_columns(
        dataset=pl.lit("company_financials"), row_id=pl.col("financial_id_cash_and_short_term_investments"),
        verdict=pl.when(bears_out(cash)).then(pl.lit("consistent")).when(bears_out(broad)).then(pl.lit("partly"))
        .otherwise(pl.lit("inconsistent")),
        note=pl.format("{}'s balance sheet at {} (published {}): cash and cash equivalents {}; with short-term "
                       "investments {}. The claim states {} in cash{}.", "company", "period_end", "known_from",
                       _money(cash), _money(broad), "amount_text",
                       pl.when(bears_out(cash)).then(pl.lit(", which cash alone bears out"))
                       .when(bears_out(broad)).then(pl.lit(", true only if short-term investments count as cash"))
                       .otherwise(pl.lit(", which neither figure bears out"))),
    ).select("doc_id", "sentence", "dataset", "row_id", "verdict", "note", "known_from", "published")


def _alternative_accounts(best: pl.DataFrame, funding: pl.DataFrame) -> pl.DataFrame:
    """Other accounts of the same money (what was pledged, what was paid) as `partly` matches."""
    links = funding.select("event_id", "alternative_to").drop_nulls()
    both_ways = pl.concat([links, links.select(pl.col("alternative_to").alias("event_id"),
                                               pl.col("event_id").alias("alternative_to"))])
    others = funding.select(pl.col("event_id").alias("alternative_to"), "date", "known_from", "amount_kind",
                            pl.col("amount_usd").alias("row_amount"), "deal", "investor", "recipient")
    return (best.filter(pl.col("verdict") == "consistent")
            .select("doc_id", "sentence", "event_id", "amount_text", "published")
            .join(both_ways, on="event_id").join(others, on="alternative_to")
            .with_columns(dataset=pl.lit("funding_events"), row_id=pl.col("alternative_to"),
                          verdict=pl.lit("partly"), score=pl.lit(0.0),
                          note=pl.format("another account of the same money: {} → {}, {} ({}), {} (public from {}); "
                                         "the claim states {}.", "investor", "recipient", "deal", "amount_kind",
                                         _money(pl.col("row_amount")), "known_from",
                                         pl.col("amount_text").fill_null("no amount"))))


def _match_governance(claims: pl.DataFrame, governance: pl.DataFrame) -> pl.DataFrame:
    """Events of the type the claim's words name ("left the board" → board_change) between its actors."""
    rows = _with_period(governance.select("event_id", "date", "date_precision", "known_from",
                                          pl.col("event_type").cast(pl.String), "summary"))
    row_actors = (governance.select("event_id", pl.col("event_type").cast(pl.String),
                                    pl.concat_list(pl.col("organizations"), pl.col("people").fill_null([]))
                                    .alias("actor")).explode("actor").drop_nulls().unique())
    # one join per event type keeps the candidate pairs few: a claim meets only rows of the types it names
    joined = pl.concat([
        _join_on_actors(claims.filter(pl.col(f"cue_{cue}")).select(*_CLAIM_TIME),
                        row_actors.filter(pl.col("event_type") == cue).drop("event_type"), "event_id")
        for cue in _GOVERNANCE_CUES
    ]).join(rows, on="event_id")
    return _dated(joined, "governance_events", pl.col("summary"))


def _match_structures(claims: pl.DataFrame, structures: pl.DataFrame) -> pl.DataFrame:
    rows = _with_period(structures.select(pl.col("structure_id").alias("event_id"), pl.col("org").alias("actor"),
                                          "date", "date_precision", "known_from", pl.col("legal_form").cast(pl.String),
                                          "controlled_by"))
    named = claims.filter(pl.col("legal_forms").list.len() > 0)
    joined = (_join_on_actors(named, rows.select("event_id", "actor"), "event_id")
              .join(rows.drop("actor"), on="event_id")
              .filter(pl.col("legal_forms").list.contains(pl.col("legal_form"))))
    return _dated(joined, "org_structures", pl.format("{} from {}, controlled by {}", "legal_form", "date",
                                                      "controlled_by"))


def _release_rows(policy: pl.DataFrame) -> pl.DataFrame:
    return _with_period(policy.filter(pl.col("instrument_type") == "staged_release").select(
        "event_id", "date", "date_precision", "known_from", "title"))


def _match_releases(claims: pl.DataFrame, policy: pl.DataFrame, entities: pl.DataFrame) -> pl.DataFrame:
    from workbench.analysis.entities import extract_entities

    rows = _release_rows(policy)
    titles = rows.select(pl.col("event_id").alias("doc_id"), pl.lit(1).alias("paragraph"),
                         pl.col("title").alias("text"))
    row_actors = (extract_entities(titles, entities).filter(pl.col("in_record"))
                  .select(pl.col("doc_id").alias("event_id"), pl.col("canonical").alias("actor")).unique())
    joined = _join_on_actors(claims.filter(pl.col("cue_release")), row_actors, "event_id").join(rows, on="event_id")
    return _dated(joined, "policy_events", pl.col("title"))


def _later_releases(matched: pl.DataFrame, policy: pl.DataFrame) -> pl.DataFrame:
    """What followed a staged release the claim describes: the latest later stage, within a year."""
    rows = _release_rows(policy)
    is_release = pl.col("row_id").is_in(rows["event_id"].implode())
    releases = matched.filter((pl.col("dataset") == "policy_events") & is_release)
    later = (releases.select("doc_id", "sentence", "published", pl.col("date").alias("matched_date"))
             .join(rows, how="cross")
             .filter((pl.col("date") > pl.col("matched_date"))
                     & (pl.col("date") <= pl.col("matched_date") + pl.duration(days=366)))
             .sort("date").group_by("doc_id", "sentence").last())
    return later.with_columns(
        dataset=pl.lit("policy_events"), row_id=pl.col("event_id"), verdict=pl.lit("partly"), score=pl.lit(0.0),
        note=pl.format("true then, overtaken since: {} on {}.", "title", "date"))


def _match_answers(claims: pl.DataFrame, policy: pl.DataFrame) -> pl.DataFrame:
    """A claim about AI risks in general is answered by the laws, orders and frameworks on the same concerns."""
    rows = policy.filter(pl.col("instrument_type").is_in(["law", "executive_order", "framework"])
                         & pl.col("status").is_in(["adopted", "in_force"])).select(
        "event_id", "date", "known_from", "title", pl.col("instrument_type").cast(pl.String),
        pl.col("status").cast(pl.String), pl.col("concerns").cast(pl.List(pl.String)).alias("row_concerns"))
    return (claims.filter(pl.col("concerns").list.len() >= 2).join(rows, how="cross")
            .with_columns(overlap=pl.col("concerns").list.set_intersection(pl.col("row_concerns")).list.len())
            .filter(pl.col("overlap") >= 2)
            .with_columns(dataset=pl.lit("policy_events"), row_id=pl.col("event_id"), verdict=pl.lit("consistent"),
                          score=pl.col("overlap").cast(pl.Float64) - _days_apart() / 36500,
                          note=pl.format("answered by {} ({}, {}) on {}, on {}.", "title", "instrument_type", "status",
                                         "date", pl.col("concerns").list.set_intersection(pl.col("row_concerns"))
                                         .list.join(", "))))


# --- shared pieces ---------------------------------------------------------------------------------------


def _join_on_actors(claims: pl.DataFrame, row_actors: pl.DataFrame, row_key: str) -> pl.DataFrame:
    """Claim × record-row pairs sharing enough actors: two, or all of them when the claim names only one.

    One shared name among many ("tech giants such as Google, Facebook and Microsoft") is not a match.
    """
    claim_actors = claims.select("doc_id", "sentence", pl.col("actors").alias("actor")).explode("actor").drop_nulls()
    counts = claims.select("doc_id", "sentence", pl.col("actors").list.len().alias("n_actors"))
    enough = pl.col("overlap") >= pl.min_horizontal(pl.lit(2), pl.col("n_actors"))
    pairs = (claim_actors.join(row_actors, on="actor").group_by("doc_id", "sentence", row_key)
             .agg(pl.len().alias("overlap")).join(counts, on=["doc_id", "sentence"]).filter(enough).drop("n_actors"))
    return pairs.join(claims, on=["doc_id", "sentence"])


def _dated(joined: pl.DataFrame, dataset: str, summary: pl.Expr) -> pl.DataFrame:
    """Verdict from dates: the claim's period overlaps the row's → consistent; no claim date → consistent."""
    overlaps = (pl.col("row_start") <= pl.col("claim_date_end")) & (pl.col("row_end") >= pl.col("claim_date_start"))
    verdict = pl.when(pl.col("claim_date_start").is_null() | overlaps).then(pl.lit("consistent")).otherwise(
        pl.lit("inconsistent"))
    return (joined.filter(_time_ok())
            .with_columns(dataset=pl.lit(dataset), row_id=pl.col("event_id"), verdict=verdict,
                          score=pl.col("overlap") * 2 + overlaps.fill_null(False).cast(pl.Int64) - _days_apart() / 3650,
                          note=pl.format("record: {} ({} precision); the claim gives {}.",
                                         pl.format("{} on {}", summary, "date"), "date_precision",
                                         pl.col("claim_date_text").fill_null("no date"))))


def _with_period(rows: pl.DataFrame) -> pl.DataFrame:
    """The first and last day a row's date stands for, at its precision (computed once per record row)."""
    value = _as_value(pl.col("date"), pl.col("date_precision").cast(pl.String))
    return rows.with_columns(row_start=_period_start(value), row_end=_period_end(value))


def _best(matches: pl.DataFrame, per_claim: int) -> pl.DataFrame:
    """The best `per_claim` rows for each claim: most shared actors, then compatible, then nearest in time."""
    if matches.is_empty():
        return matches
    ordered = matches.sort("score", "row_id", descending=[True, False])
    return ordered.filter(pl.int_range(pl.len()).over("doc_id", "sentence") < per_claim)


def _as_of_publication(matches: pl.DataFrame) -> pl.DataFrame:
    """A row not yet public on the publication date could not have confirmed anything then."""
    public_then = pl.col("published").is_null() | (pl.col("known_from") <= pl.col("published"))
    return matches.with_columns(
        verdict_at_publication=pl.when(public_then).then(pl.col("verdict")).otherwise(pl.lit("unverifiable")),
        note=pl.when(public_then).then(pl.col("note"))
        .otherwise(pl.format("{} Not yet public at publication (known from {}).", "note", "known_from")))


def _time_ok() -> pl.Expr:
    """Without a date, a claim speaks of what happened by its publication; with one, of events near it."""
    before_publication = pl.col("published").is_null() | (
        pl.col("date") <= pl.col("published") + pl.duration(days=_NO_DATE_WINDOW_DAYS))
    near_claim_date = (pl.col("date") >= pl.col("claim_date_start") - pl.duration(days=366)) & (
        pl.col("date") <= pl.col("claim_date_end") + pl.duration(days=31))
    return pl.when(pl.col("claim_date_start").is_null()).then(before_publication).otherwise(near_claim_date)


def _days_apart() -> pl.Expr:
    anchor = pl.coalesce("claim_date_start", "published", "date")
    return (pl.col("date") - anchor).dt.total_days().abs().cast(pl.Float64)


def _period_start(value: pl.Expr) -> pl.Expr:
    """First day of a YYYY[-MM[-DD]] value."""
    padded = (pl.when(value.str.len_chars() == 4).then(value + "-01-01")
              .when(value.str.len_chars() == 7).then(value + "-01").otherwise(value))
    return padded.str.to_date("%Y-%m-%d", strict=False)


def _period_end(value: pl.Expr) -> pl.Expr:
    """Last day of a YYYY[-MM[-DD]] value."""
    start = _period_start(value)
    return (pl.when(value.str.len_chars() == 4).then(start.dt.offset_by("1y").dt.offset_by("-1d"))
            .when(value.str.len_chars() == 7).then(start.dt.month_end()).otherwise(start))


def _as_value(date: pl.Expr, precision: pl.Expr) -> pl.Expr:
    return (pl.when(precision == "year").then(date.dt.strftime("%Y"))
            .when(precision == "month").then(date.dt.strftime("%Y-%m")).otherwise(date.dt.strftime("%Y-%m-%d")))


def _money(amount: pl.Expr) -> pl.Expr:
    return (pl.when(amount.is_null()).then(pl.lit("amount undisclosed"))
            .when(amount >= 1e9).then(pl.format("${}B", (amount / 1e9).round(2)))
            .when(amount >= 1e6).then(pl.format("${}M", (amount / 1e6).round(1)))
            .otherwise(pl.format("${}", amount.round(0))))
