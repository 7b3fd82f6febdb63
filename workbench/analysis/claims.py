"""Checkable claims, the record row of the event each one describes, and a verdict per checkable part.

The words that make a sentence a claim (cues, AI-risk concerns, legal forms) are a data file like every other
lexicon: lexicons/claim_cues.csv, one regular expression per row.

A sentence is a claim when it states something the record can confirm or contradict: an amount, a date
tied to a known actor, an event between known actors (invest, leave a board, found, sue, restructure,
release), a dated law or order, or a statement about AI risks.

Matching finds the one record row of the event a claim describes, or none. Candidates are the rows of a kind
the claim's words name that share an actor with it, and the rows whose own words it shares (an inverted index:
never a cross join), each judged by the evidence that it is this event:
- amounts: each amount the claim states against the figures the row states (its amount, original currency and
  range, its valuation, the figures in its deal text, summary or title), a bound ("up to") only when close;
- dates: the claim's dates, relative ones resolved against the publication date, against the row's period
  (match, near: within a week of a day or 45 days of a month, or far); a date after publication is a plan;
- the kind of event: the claim's cue words name the row's type (sued -> legal, stepped down -> board_change);
- the event's own words: what the claim and the row's summary, deal or title share, weighted by how rare each
  word is in the record (the parties' names excluded: they are checked as parties);
- the parties, and a few shapes of evidence: the only row of its kind naming the claim's people, a founding
  (it happens once), a change to the legal form the claim names, an undated claim's event of the week before.
A row is the event only with evidence beyond the parties (`EVIDENCE`, `EVIDENCE_NEEDED`). Ruled out whatever
the score: a row dated far from every date the claim gives (but a founding: then the date is wrong), a row dated
after publication unless the claim gives its date, a row older than a month for an undated plan ("would"), a
row naming people but none of those the claim is about, a row of parties none of which the claim names, and a
different figure with nothing else tying the claim to the row. Of the rows that qualify the best-evidenced is
the claim's event (`role` event); with none, the claim gets one row with dataset null, unverifiable. A claim about
what a company held or spent ("more than $100 billion in cash") is checked against company_financials first.

Verdicts are per checkable part (`PARTS`): each amount, the dates, the parties and the event are checked
against the event row separately, and the claim is `consistent` only if every part it states is; otherwise its
verdict is that of its weakest part (inconsistent, then unverifiable, then partly) and `verdict_part` names it.
A stated amount the row does not state is unverifiable, so a claim whose figure was not checked is never
consistent. Rows related to the event (another account of the same money, a later stage of a release, a law
answering a concern) are listed with `role` related; they never decide the claim's verdict. Everything is
judged twice: with only what was public on the publication date (`verdict_at_publication`) and now.
"""

from __future__ import annotations

import csv
import re
import weakref
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from workbench.analysis.scan import ascii_boundaries
from workbench.errors import Problem, SchemaError

__all__ = [
    "CONCERNS", "CUES", "CUES_FILE", "EVIDENCE", "EVIDENCE_NEEDED", "LEGAL_FORMS", "MATCH_COLUMNS", "PARTS", "ROLES",
    "VERDICTS", "WORDS_NEEDED", "Record", "check_claims", "find_claims", "load_cues", "summarise", "verdict_label",
]

VERDICTS = ("consistent", "partly", "inconsistent", "unverifiable")
PARTS = ("amount", "date", "party", "event")
ROLES = ("event", "related")
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
                    "charter", "legal", "safety_framework", "ipo", "government_action", "antitrust")
_REPORTING_LAG_DAYS = 30  # a month: a date stated this far past publication may still be the event's; a plan
#                           stated without a date is news of this many days before publication
_ABOUT_TOLERANCE, _EXACT_TOLERANCE = 0.2, 0.05
_INTENT = r"(?i)\b(?:will|would|plans? to|planning to|intends? to|aims? to|seeks? to|seeking to|expects? to)\b"
_SAME_FIGURE = 1.25  # a bound ("up to", "at least") is the recorded figure only if this close to it
_ANSWERS_PER_CLAIM = 3
# what a matched row carries until the verdicts at publication are worked out
_KEPT = ("claim", "doc_id", "sentence", "dataset", "row_id", "role", "verdict", "verdict_part", "parts", "note",
         "known_from", "published")
MATCH_COLUMNS = ("doc_id", "sentence", "dataset", "row_id", "verdict", "verdict_at_publication", "note", "role",
                 "verdict_part", "verdict_part_at_publication", "parts")

# How much each kind of evidence says that a row is the claim's event (see the module docstring). A row needs
# EVIDENCE_NEEDED points; the best-evidenced qualifying row is the event.
EVIDENCE = {"amount": 3.0, "close_amount": 0.5, "amount_range": 1.0, "date": 2.0, "date_near": 1.0, "kind": 1.0,
            "two_parties": 1.0, "founding": 1.0, "form": 2.0, "only": 2.0, "recent": 1.0, "words": 2.0}
EVIDENCE_NEEDED = 3.0
WORDS_NEEDED = 4.5  # summed rarity (ln N/df) of the words a claim shares with a row: one word in two rows of ~360
_RECENT_DAYS = 7  # an undated claim's event is likelier one of the week before publication
_NEAR_DAYS = {"day": 7, "month": 45, "year": 0}  # a date this far outside the row's period is near, not far
# at equal evidence, a row of an event table before a row of state (org_structures)
_DATASET_ORDER = {"funding_events": 0, "governance_events": 1, "policy_events": 2, "org_structures": 3}
_FIT = {"none": 0, "far": 1, "near": 2, "match": 3}
_SEVERITY = ("consistent", "partly", "unverifiable", "inconsistent")  # the weakest part decides
# one word for what news and the record write two ways
_SAME_WORDS = {"chief executive officer": "ceo", "chief executive": "ceo", "chief technology officer": "cto",
               "chief operating officer": "coo", "chief financial officer": "cfo", "initial public offering": "ipo",
               "artificial general intelligence": "agi", "attorneys general": "attorneygeneral",
               "attorney general": "attorneygeneral", "licenc": "licens", "counter-su": "countersu"}
_STOPWORDS = frozenset("""
the and for its with from that this was were has have had will would said says say after before into over
under about than more also their they them which who not but are been being our his her him she new all any
each per via incl including other others some such there then when while what where how one two three first
second last next year years month months week day days ago since until between among against through during
only just still now already more most much many well could should may might can did does doing done
made make makes making get got gets take took taken takes give gave given company companies firm firms group
""".split())


@dataclass(frozen=True)
class Record:
    """The record tables claims are checked against, as known now (as-of views are filters on known_from)."""

    funding: pl.DataFrame
    governance: pl.DataFrame
    policy: pl.DataFrame
    structures: pl.DataFrame
    entities: pl.DataFrame
    financials: pl.DataFrame | None = None  # company_financials: what a company held or spent, for such claims

    @classmethod
    def load(cls) -> Record:
        from workbench import datasets
        from workbench.lineage import Lineage, lineage_of, tag

        record = cls(datasets.load("funding_events"), datasets.load("governance_events"),
                     datasets.load("policy_events"), datasets.load("org_structures"), datasets.load("entities"),
                     datasets.load("company_financials"))
        # an input of whatever is checked against it; only the rows a claim matches are cited
        return tag(record, Lineage.union(lineage_of(frame) for frame in record.__dict__.values()).inputs())


# --- finding claims ---------------------------------------------------------------------------------------


def find_claims(sentences: pl.DataFrame, entities: pl.DataFrame, amounts: pl.DataFrame, dates: pl.DataFrame
                ) -> pl.DataFrame:
    """Sentences that state something checkable, with their actors, amounts, dates, cues and concerns.

    `sentences` has doc_id, paragraph, sentence, paragraph_start, paragraph_end, text; the mention frames
    have doc_id, paragraph and start (offsets within the paragraph). A sentence with cues but no actor of its
    own ("The group opted not to release…") continues the sentence before it in its paragraph: it takes that
    sentence's actors, and its dates when it states none. `amount`, `claim_date` and their texts are the first
    of the sentence; `all_amounts` and `claim_dates` hold every one.
    """
    keys = ["doc_id", "paragraph"]
    spans = sentences.select(*keys, "sentence", "paragraph_start", "paragraph_end").sort("paragraph_start")

    def placed(mentions: pl.DataFrame) -> pl.DataFrame:
        # each mention to the last sentence starting at or before it (an as-of join: linear, where joining every
        # mention to every sentence of its paragraph grew with their product), kept if it starts inside that one
        found = mentions.sort("start").join_asof(spans, left_on="start", right_on="paragraph_start", by=keys,
                                                 strategy="backward", check_sortedness=False)  # both sorted above
        return found.filter(pl.col("start") < pl.col("paragraph_end"))

    def per_sentence(mentions: pl.DataFrame) -> pl.dataframe.group_by.GroupBy:
        return placed(mentions).group_by("doc_id", "sentence")

    # an actor named only in the possessive ("Elon Musk's xAI") may describe another party rather than be one
    named = (placed(entities.filter(pl.col("in_record")))
             .join(sentences.select("doc_id", "sentence", pl.col("text").alias("sentence_text")),
                   on=["doc_id", "sentence"])
             .with_columns(possessive=pl.col("sentence_text").str.slice(pl.col("end") - pl.col("paragraph_start"), 2)
                           .is_in(["'s", "’s"])))
    actors = named.group_by("doc_id", "sentence").agg(
        pl.col("canonical").unique(maintain_order=True).alias("actors"),
        pl.col("canonical").filter(pl.col("possessive").all().over("doc_id", "sentence", "canonical")).unique()
        .sort().alias("possessive"))
    stated = per_sentence(amounts.sort("start")).agg(
        pl.col("text").first().alias("amount_text"), pl.col("value").first().alias("amount"),
        pl.col("currency").first(), pl.col("qualifier").first(),
        pl.struct("text", "value", "currency", "qualifier").alias("all_amounts"))
    dated = per_sentence(dates.filter(pl.col("value").is_not_null()).sort("start")).agg(
        pl.col("value").first().alias("claim_date"), pl.col("text").first().alias("claim_date_text"),
        pl.col("value").alias("claim_dates"))
    listed = {name: pl.concat_list([pl.when(pl.col("text").str.contains(ascii_boundaries(pattern))).then(pl.lit(label))
                                    for label, pattern in patterns.items()]).list.drop_nulls()
              for name, patterns in (("concerns", CONCERNS), ("legal_forms", LEGAL_FORMS))}
    frame = (sentences.select(*keys, "sentence", "text")
             .join(actors, on=["doc_id", "sentence"], how="left")
             .join(stated, on=["doc_id", "sentence"], how="left")
             .join(dated, on=["doc_id", "sentence"], how="left")
             .with_columns(concerns=listed["concerns"])
             .sort("doc_id", "sentence"))
    frame = _with_cues(frame, listed["legal_forms"])
    any_cue = pl.any_horizontal([pl.col(f"cue_{name}") for name in CUES])
    # the sentence before, in the same paragraph (rows are sorted: a shift, not a window per paragraph)
    same_paragraph = (pl.col("doc_id") == pl.col("doc_id").shift(1)) & (pl.col("paragraph") == pl.col("paragraph")
                                                                          .shift(1))
    continues = (pl.col("actors").is_null() & any_cue & same_paragraph.fill_null(False)
                 & pl.col("actors").shift(1).is_not_null())
    borrowed = pl.when(continues & pl.col("claim_dates").is_null())
    frame = frame.with_columns(continues=continues).with_columns(
        *[borrowed.then(pl.col(c).shift(1)).otherwise(pl.col(c)).alias(c)
          for c in ("claim_date", "claim_date_text", "claim_dates")],
        **{c: pl.when(pl.col("continues")).then(pl.col(c).shift(1)).otherwise(pl.col(c))
           .fill_null(pl.lit([], dtype=pl.List(pl.String))) for c in ("actors", "possessive")}).drop("continues")
    has_actor = pl.col("actors").list.len() > 0
    about_risks = pl.col("concerns").list.len() >= 2
    dated_law = pl.col("claim_date").is_not_null() & pl.col("cue_policy")
    is_claim = (pl.col("amount").is_not_null() | (has_actor & (pl.col("claim_date").is_not_null() | any_cue))
                | about_risks | dated_law)
    kind = (pl.when(pl.col("amount").is_not_null() | (pl.col("cue_funding") & has_actor)).then(pl.lit("funding"))
            .when(about_risks | pl.col("cue_release")).then(pl.lit("ai_risk"))
            .when(pl.any_horizontal([pl.col(f"cue_{c}") for c in _GOVERNANCE_CUES])).then(pl.lit("governance"))
            .when(pl.col("cue_policy")).then(pl.lit("policy"))
            .otherwise(pl.lit("event")))
    return frame.filter(is_claim).with_columns(kind=kind)


def _with_cues(frame: pl.DataFrame, legal_forms: pl.Expr) -> pl.DataFrame:
    """`frame` (sorted by doc_id, sentence) with a `cue_<name>` column per cue and `legal_forms`, after `concerns`.

    The cue words are looked for only in the sentences that can be a claim or continue one: a sentence with an
    actor, an amount, a date or two concerns, or after a sentence with an actor. Any other sentence is no claim
    whatever its cues say (nor does its neighbour read them), so it gets none: most sentences, a regex scan per cue
    saved on each.
    """
    can_claim = (pl.col("actors").is_not_null() | pl.col("actors").shift(1).is_not_null()
                 | pl.col("amount").is_not_null() | pl.col("claim_dates").is_not_null()
                 | pl.col("claim_date").is_not_null() | (pl.col("concerns").list.len() >= 2))
    numbered = frame.with_row_index("_index")
    cues = (numbered.filter(can_claim).select(
        "_index", *[pl.col("text").str.contains(ascii_boundaries(p)).alias(f"cue_{name}") for name, p in CUES.items()],
        legal_forms=legal_forms))
    return (numbered.join(cues, on="_index", how="left", maintain_order="left")
            .with_columns(pl.col(f"cue_{name}").fill_null(False) for name in CUES)
            .with_columns(pl.col("legal_forms").fill_null(pl.lit([], pl.List(pl.String))))
            .select(*frame.columns[:frame.columns.index("concerns")], *[f"cue_{name}" for name in CUES], "concerns",
                    "legal_forms"))


# --- checking claims --------------------------------------------------------------------------------------


def check_claims(claims: pl.DataFrame, published: pl.DataFrame, record: Record) -> pl.DataFrame:
    """One row per (claim, record row): the claim's event row (or one row with dataset null when the record
    has none) with the claim's verdict and the part deciding it, then the rows related to that event.

    `published` maps doc_id → published (Date; null means everything counts as known at publication).
    Columns are `MATCH_COLUMNS`: `role` is 'event' or 'related'; `verdict_part` names the part (amount, date,
    party, event) deciding `verdict` (null when consistent); `parts` lists every checked part's verdict.
    """
    claims = _prepared(claims, published)
    # the same sentence in the same context is matched once (syndicated copies, repeated boilerplate)
    events = _events_of(record)
    unique = _with_words(claims.unique("signature", keep="first", maintain_order=True), events.weights.select("token"))
    financial = _stacked([_match_financials(unique, record.financials)])  # a company figure before any deal
    others = _matched_events(unique.join(financial.select("claim"), on="claim", how="anti"), events)
    chosen = _stacked([financial, others])
    related = _stacked([_alternative_accounts(chosen, record.funding, unique), _later_releases(chosen, events),
                        _answers(unique, record.policy)])
    rows = _stacked([chosen, related])
    nothing = _no_event(unique.join(chosen.select("claim"), on="claim", how="anti"))
    found = pl.concat([frame.select("claim", *MATCH_COLUMNS) for frame in (_as_of_publication(rows), nothing)
                       if not frame.is_empty()] or [_empty_matches()], how="vertical_relaxed")
    each = (claims.select("doc_id", "sentence", "signature")
            .join(unique.select("claim", "signature"), on="signature")
            .join(found.drop("doc_id", "sentence"), on="claim"))
    return each.select(MATCH_COLUMNS).sort("doc_id", "sentence", "role", "dataset", "row_id", nulls_last=True)


def _stacked(frames: list[pl.DataFrame]) -> pl.DataFrame:
    """The matched rows of several matchers in one frame (a matcher that found nothing may return no columns)."""
    found = [frame.select(_KEPT) for frame in frames if not frame.is_empty()]
    return pl.concat(found, how="vertical_relaxed") if found else pl.DataFrame(
        schema={name: pl.UInt32 if name == "claim" else pl.Int64 if name == "sentence" else pl.Date
                if name in ("known_from", "published") else pl.String for name in _KEPT})


def summarise(matches: pl.DataFrame) -> pl.DataFrame:
    """Per claim (doc_id, sentence): the verdict of its event row, now and at publication, and the part deciding
    each (never the best verdict over the rows a claim met: related rows do not decide it).

    Returns
    -------
    polars.DataFrame
        One row per claim, in the order of `matches`; columns: doc_id, sentence, verdict_now, verdict_then,
        verdict_part (deciding verdict_now; null when consistent), verdict_part_then, parts (every checked part's
        verdict now).
    """
    rank = {verdict: position for position, verdict in enumerate(_SEVERITY)}
    events = matches.filter(pl.col("role") == "event").with_columns(
        _now=pl.col("verdict").replace_strict(rank, return_dtype=pl.Int64),
        _then=pl.col("verdict_at_publication").replace_strict(rank, return_dtype=pl.Int64))
    return events.group_by("doc_id", "sentence", maintain_order=True).agg(
        pl.col("verdict").sort_by("_now", descending=True).first().alias("verdict_now"),
        pl.col("verdict_at_publication").sort_by("_then", descending=True).first().alias("verdict_then"),
        pl.col("verdict_part").sort_by("_now", descending=True).first(),
        pl.col("verdict_part_at_publication").sort_by("_then", descending=True).first().alias("verdict_part_then"),
        pl.col("parts").sort_by("_now", descending=True).first())


def verdict_label(verdict: str, part: str | None) -> str:
    """'consistent', or a weaker verdict with the part deciding it: 'unverifiable (amount)'."""
    return f"{verdict} ({part})" if part else verdict


# --- the claim side ---------------------------------------------------------------------------------------


def _prepared(claims: pl.DataFrame, published: pl.DataFrame) -> pl.DataFrame:
    """Claims numbered (`claim`), with their publication date, a signature of what matching reads of them, and
    the flags read from their text."""
    extra = {"all_amounts": pl.lit(None, pl.List(pl.Struct({"text": pl.String, "value": pl.Float64,
                                                             "currency": pl.String, "qualifier": pl.String}))),
             "claim_dates": pl.lit(None, pl.List(pl.String)), "possessive": pl.lit([], pl.List(pl.String)),
             **{f"cue_{name}": pl.lit(False) for name in CUES}}
    claims = claims.with_columns(**{name: value for name, value in extra.items() if name not in claims.columns})
    return (claims.join(published.select("doc_id", "published"), on="doc_id", how="left")
            .with_row_index("claim")
            .with_columns(signature=pl.struct("text", "published", "actors", "possessive", "claim_dates").hash(),
                          names_investments=pl.col("text").str.contains(r"(?i)short-term investments"),
                          intent=pl.col("text").str.contains(_INTENT),
                          amount_texts=pl.col("all_amounts").list.eval(pl.element().struct.field("text"))
                          .list.join(", ")))


def _with_words(claims: pl.DataFrame, vocabulary: pl.DataFrame) -> pl.DataFrame:
    """The claims with the stems of their words some record row uses (`tokens`: no other word can be shared),
    their text dropped."""
    tokens = (_stemmed(claims.select("claim", _words(pl.col("text")).alias("token")).explode("token")
                       .drop_nulls("token")).join(vocabulary, on="token").unique().group_by("claim").agg("token"))
    return (claims.drop("text").join(tokens.rename({"token": "tokens"}), on="claim", how="left")
            .with_columns(pl.col("tokens").fill_null(pl.lit([], pl.List(pl.String)))))


def _claim_periods(claims: pl.DataFrame) -> pl.DataFrame:
    """(claim, start, end, precision, claim_value) for each date a claim states that can date an event it reports:
    none more than a month after publication (a plan says when something will happen, not when it did)."""
    periods = (claims.select("claim", "published", pl.col("claim_dates").alias("value")).explode("value")
               .drop_nulls("value")
               .with_columns(start=_period_start(pl.col("value")), end=_period_end(pl.col("value")),
                             precision=pl.col("value").str.len_chars().replace_strict({4: "year", 7: "month"},
                                                                                      default="day")))
    lag = pl.duration(days=_REPORTING_LAG_DAYS)
    return periods.filter(pl.col("published").is_null() | (pl.col("start") <= pl.col("published") + lag)).select(
        "claim", "start", "end", "precision", pl.col("value").alias("claim_value"))


def _claim_amounts(claims: pl.DataFrame) -> pl.DataFrame:
    """(claim, amount, text, value, currency, qualifier), one row per amount a claim states."""
    return (claims.select("claim", "all_amounts").explode("all_amounts").drop_nulls("all_amounts")
            .unnest("all_amounts").with_columns(pl.int_range(pl.len()).over("claim").alias("amount"),
                                                pl.col("currency").fill_null("USD")))


# --- the record side --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Events:
    """The record rows a claim can describe, in long frames keyed by `event`."""

    rows: pl.DataFrame  # event, dataset, row_id, kind, date, precision, known_from, period, text, forms, priority
    actors: pl.DataFrame  # event, actor, direct (False: a party of one of the row's parts only)
    amounts: pl.DataFrame  # event, value, currency, exact (False: a range bound), main (the row's own amount),
    #                        contradicts (an account of what moved, not a valuation or bound)
    words: pl.DataFrame  # event, token, weight
    weights: pl.DataFrame  # token, weight, df
    actor_words: pl.DataFrame  # actor, token: the words of an actor's names, which are parties, not the event
    people: pl.Series  # canonical names of the people the record knows


_EVENTS: dict[int, tuple[weakref.ref, _Events]] = {}


def _events_of(record: Record) -> _Events:
    """`_events(record)`, built once per record object (every batch of a corpus checks against the same one)."""
    held = _EVENTS.get(id(record))
    if held is not None and held[0]() is record:
        return held[1]
    events = _events(record)
    for key in [key for key, (ref, _) in _EVENTS.items() if ref() is None]:
        del _EVENTS[key]
    _EVENTS[id(record)] = (weakref.ref(record), events)
    return events


def _events(record: Record) -> _Events:
    """The record rows a claim can describe, with their parties, figures and words (a few hundred rows: built
    once per call)."""
    from workbench.analysis.entities import alias_table

    rows = _event_rows(record)
    people = record.entities.filter(pl.col("kind").cast(pl.String) == "person")["name"]
    actors = _event_actors(record, rows)
    rows = (rows.join(actors.group_by("event").agg(pl.len().alias("n_actors"),
                                                  pl.col("actor").is_in(people.implode()).sum().alias("n_people")),
                      on="event", how="left")
            .with_columns(pl.col("n_actors", "n_people").fill_null(0)).sort("event"))
    aliases = alias_table(record.entities)
    actor_words = _stemmed(aliases.select(pl.col("canonical").alias("actor"), _words(pl.col("surface"), stop=False)
                                          .alias("token")).explode("token").drop_nulls()).unique()
    words = (_stemmed(rows.select("event", _words(pl.col("text")).alias("token")).explode("token").drop_nulls())
             .join(actors.join(actor_words, on="actor").select("event", "token"), on=["event", "token"],
                   how="anti").unique())
    weights = words.group_by("token").agg(pl.len().alias("df")).with_columns(
        weight=(pl.lit(rows.height + 1.0) / (pl.col("df") + 1.0)).log())
    return _Events(rows=rows, actors=actors, amounts=_row_amounts(rows, record.funding),
                   words=words.join(weights.select("token", "weight"), on="token"), weights=weights,
                   actor_words=actor_words, people=people)


def _event_rows(record: Record) -> pl.DataFrame:
    """One row per record row: event (its number), dataset, row_id, kind, dates and period, the text its words
    come from, the legal forms it is about and the order of its table."""
    funding, structures = record.funding, record.structures
    rows = pl.concat([
        funding.select(pl.lit("funding_events").alias("dataset"), pl.col("event_id").alias("row_id"),
                       pl.lit("funding").alias("kind"), "date", "date_precision", "known_from",
                       pl.concat_str([pl.col("deal"), pl.col("instrument").cast(pl.String),
                                      pl.col("amount_kind").cast(pl.String)], separator=" ", ignore_nulls=True)
                       .alias("text"), pl.lit(None, pl.String).alias("legal_form")),
        record.governance.select(pl.lit("governance_events").alias("dataset"), pl.col("event_id").alias("row_id"),
                                 pl.col("event_type").cast(pl.String).alias("kind"), "date", "date_precision",
                                 "known_from", pl.col("summary").alias("text"),
                                 pl.lit(None, pl.String).alias("legal_form")),
        record.policy.select(pl.lit("policy_events").alias("dataset"), pl.col("event_id").alias("row_id"),
                             pl.col("instrument_type").cast(pl.String).alias("kind"), "date", "date_precision",
                             "known_from", pl.col("title").alias("text"), pl.lit(None, pl.String).alias("legal_form")),
        structures.select(pl.lit("org_structures").alias("dataset"), pl.col("structure_id").alias("row_id"),
                          pl.lit("structure").alias("kind"), "date", "date_precision", "known_from",
                          pl.concat_str([pl.col("legal_form").cast(pl.String).str.replace_all("_", " "),
                                         "legal_form_detail", "controlled_by"], separator="; ", ignore_nulls=True)
                          .alias("text"), pl.col("legal_form").cast(pl.String)),
    ], how="vertical_relaxed").with_columns(pl.col("date_precision").cast(pl.String)).with_row_index("event")
    named_forms = pl.concat_list([pl.when(pl.col("text").str.contains(ascii_boundaries(pattern))).then(pl.lit(form))
                                  for form, pattern in LEGAL_FORMS.items()]).list.drop_nulls()
    # a structure row is a change of form only if the organisation's form before it was another
    changed = (structures.sort("date").select(
        pl.col("structure_id").alias("row_id"),
        (pl.col("legal_form").cast(pl.String) != pl.col("legal_form").cast(pl.String).shift(1).over("org"))
        .fill_null(True).alias("changed")).with_columns(dataset=pl.lit("org_structures")))
    rows = rows.join(changed, on=["dataset", "row_id"], how="left").sort("event")
    no_forms = pl.lit([], pl.List(pl.String))
    return _with_period(rows).with_columns(
        forms=pl.when(pl.col("legal_form").is_not_null())
        .then(pl.when(pl.col("changed")).then(pl.concat_list("legal_form")).otherwise(no_forms))
        .otherwise(named_forms),
        priority=pl.col("dataset").replace_strict(_DATASET_ORDER, default=len(_DATASET_ORDER), return_dtype=pl.Int64))


def _event_actors(record: Record, rows: pl.DataFrame) -> pl.DataFrame:
    """(event, actor, direct): the parties a row names, and every known actor its own text names; a round's
    parties include those of its parts (Microsoft's part in the 2024 round makes it a party), though not
    directly: the row of Microsoft's own part names it directly."""
    from workbench.analysis.entities import extract_entities

    funding = record.funding
    key = rows.select("event", "dataset", "row_id")
    named = pl.concat([
        funding.select("event_id", pl.concat_list("investor", "recipient").alias("actor"))
        .with_columns(pl.lit("funding_events").alias("dataset")),
        record.governance.select("event_id", pl.concat_list(pl.col("organizations"), pl.col("people").fill_null([]))
                                 .alias("actor")).with_columns(pl.lit("governance_events").alias("dataset")),
        record.structures.select(pl.col("structure_id").alias("event_id"), pl.concat_list("org").alias("actor"))
        .with_columns(pl.lit("org_structures").alias("dataset")),
    ], how="diagonal_relaxed").explode("actor").rename({"event_id": "row_id"})
    funding_key = key.filter(pl.col("dataset") == "funding_events")
    details = (funding_key.join(funding.select(pl.col("event_id").alias("row_id"), pl.col("investor_detail")
                                               .alias("text")), on="row_id").select("event", "text"))
    texts = pl.concat([rows.select("event", "text"), details]).filter(pl.col("text").is_not_null())
    found = (extract_entities(texts.with_columns(paragraph=pl.lit(1)).rename({"event": "doc_id"}), record.entities,
                              id_columns=("doc_id", "paragraph"))
             .filter(pl.col("in_record")).select(pl.col("doc_id").alias("event"), pl.col("canonical").alias("actor")))
    actors = pl.concat([key.join(named, on=["dataset", "row_id"]).select("event", "actor"), found]).drop_nulls()
    parts = (funding_key.join(funding.select(pl.col("event_id").alias("row_id"), "part_of").drop_nulls(), on="row_id")
             .join(funding_key.select(pl.col("event").alias("whole"), pl.col("row_id").alias("part_of")),
                   on="part_of")
             .join(actors, on="event").select(pl.col("whole").alias("event"), "actor"))
    return (pl.concat([actors.with_columns(direct=pl.lit(True)), parts.with_columns(direct=pl.lit(False))])
            .sort("event", "actor", "direct", descending=[False, False, True])
            .unique(["event", "actor"], keep="first").sort("event", "actor"))


def _row_amounts(rows: pl.DataFrame, funding: pl.DataFrame) -> pl.DataFrame:
    """(event, value, currency, exact, main, contradicts): every figure a row states, its own amount, original
    currency, valuation and range (bounds are not exact), and the figures its text writes."""
    from workbench.analysis.amounts import extract_amounts

    money = (rows.filter(pl.col("dataset") == "funding_events").select("event", "row_id")
             .join(funding.rename({"event_id": "row_id"}), on="row_id"))

    def figure(value: pl.Expr, currency: pl.Expr, exact: bool, main: bool, contradicts: bool) -> pl.DataFrame:
        return money.select("event", value.alias("value"), currency.alias("currency"), pl.lit(exact).alias("exact"),
                            pl.lit(main).alias("main"), pl.lit(contradicts).alias("contradicts"))

    usd = pl.lit("USD")
    stated = pl.concat([figure(pl.col("amount_usd"), usd, True, True, True),
                        figure(pl.col("amount_original"), pl.col("currency_original").cast(pl.String), True, True,
                               True),
                        # a valuation confirms a figure stated as one, but is no account of what moved
                        figure(pl.col("valuation_usd"), usd, True, False, False),
                        figure(pl.col("amount_usd_low"), usd, False, False, False),
                        figure(pl.col("amount_usd_high"), usd, False, False, False)])
    written = extract_amounts(rows.select(pl.col("event").alias("doc_id"), pl.lit(1).alias("paragraph"),
                                          pl.col("text").fill_null("")))
    written = written.select(pl.col("doc_id").alias("event"), "value", pl.col("currency").fill_null("USD"),
                             pl.lit(True).alias("exact"), pl.lit(False).alias("main"),
                             pl.lit(True).alias("contradicts"))
    return pl.concat([stated, written], how="vertical_relaxed").drop_nulls("value").unique().sort("event", "value")


def _words(text: pl.Expr, *, stop: bool = True) -> pl.Expr:
    """The distinct words of a text, lower case, as written ("Series C" one word, "chief executive" as "ceo"),
    stop words dropped; `_stemmed` maps each to its stem."""
    lowered = (text.fill_null("").str.replace_all(r"\bAGs?\b", "attorney general").str.to_lowercase()
               .str.replace_many(_SAME_WORDS, leftmost=True)  # literal phrases, one Aho-Corasick pass
               .str.replace_all(r"\bseries\s+([a-h])\b", "series$1").str.replace_all(r"['’]s\b", ""))
    words = lowered.str.extract_all(r"[a-z][a-z0-9]{2,}|\d{3,}")
    if stop:
        words = words.list.set_difference(pl.lit(sorted(_STOPWORDS), pl.List(pl.String)))
    return words.list.unique()


def _stemmed(frame: pl.DataFrame, column: str = "token") -> pl.DataFrame:
    """`frame` with each word of `column` replaced by its stem (light suffix stripping: "invested", "investments"
    -> "invest"; "shutting" -> "shut"), stemming each distinct word once; years dropped."""
    words = frame.select(pl.col(column).unique())
    stem = (pl.col(column).str.replace(r"ies$", "y")
            .str.replace(r"^(.{4,}?)(?:ations?|ments?|ings?|ship|ed|es|s|ly)$", "$1")
            .str.replace(r"^(.{4,})e$", "$1"))
    for letter in "bdgmnprt":  # "shutting" -> "shutt" -> "shut" (Rust regex has no back-references)
        stem = stem.str.replace(f"^(.{{2,}}){letter}{letter}$", f"${{1}}{letter}")
    stems = words.with_columns(stem.alias("_stem")).filter(~pl.col(column).str.contains(r"^(?:19|20)\d\d$"))
    return frame.join(stems, on=column).drop(column).rename({"_stem": column})


# --- matching ---------------------------------------------------------------------------------------------


def _matched_events(claims: pl.DataFrame, events: _Events) -> pl.DataFrame:
    """The event row of each claim that has one, with its part verdicts, verdict and note."""
    pairs = _candidates(claims, events)
    if pairs.is_empty():
        return pl.DataFrame()
    scored = _with_evidence(pairs, claims, events)
    best = (scored.filter(pl.col("qualifies"))
            .with_columns(named_party=pl.col("shared") > 0)
            .sort("claim", "score", "named_party", "words", "days_apart", "priority", "event",
                  descending=[False, True, True, True, False, False, False])
            .unique("claim", keep="first", maintain_order=True))
    shared_words = (best.select("claim", "event").join(_word_hits(best.select("claim").join(claims, on="claim"),
                                                                  events), on=["claim", "event"])
                    .group_by("claim", "event").agg(pl.col("token").sort().alias("shared_words")))
    best = (best.join(events.rows.select("event", "dataset", "row_id"), on="event")
            .join(shared_words, on=["claim", "event"], how="left")
            .with_columns(pl.col("shared_words").fill_null(pl.lit([], pl.List(pl.String)))))
    return _verdicts(best, claims, events)


# which claim cues name which kinds of record row (an amount alone names none: "revenue passed $2 billion")
_KIND_CUES = {
    "funding": ("funding",), **{kind: (kind,) for kind in _GOVERNANCE_CUES},
    "structure_change": ("structure_change", "conversion"), "structure": ("structure_change", "conversion"),
    "staged_release": ("release",), "framework": ("policy", "safety_framework"),
    "standard": ("policy", "safety_framework"), "incident": ("incident",),
    **{kind: ("policy",) for kind in ("law", "executive_order", "voluntary_commitment", "summit_declaration")},
    "other": ("policy", "government_action", "legal", "labour", "incident"),
}


def _kinds_named(claims: pl.DataFrame) -> pl.DataFrame:
    """(claim, kind): the kinds of record row each claim's cue words name."""
    cues = [f"cue_{name}" for name in CUES]
    table = pl.DataFrame([(f"cue_{cue}", kind) for kind, names in _KIND_CUES.items() for cue in names],
                         schema={"cue": pl.String, "kind": pl.String}, orient="row")
    named = (claims.select("claim", *cues).unpivot(index="claim", variable_name="cue", value_name="on")
             .filter(pl.col("on")).join(table, on="cue"))
    forms = claims.filter(pl.col("legal_forms").list.len() > 0).select("claim", pl.lit("structure").alias("kind"))
    return pl.concat([named.select("claim", "kind"), forms]).unique()


def _candidates(claims: pl.DataFrame, events: _Events) -> pl.DataFrame:
    """(claim, event) pairs that could be the claim's event, with the actors, people and words they share: rows
    of a kind the claim names sharing an actor with it; rows whose own words it shares enough of; rows recording
    no party, of a kind it names, at a date it gives. Joins on keys (a pair is one integer), never a cross join:
    pairs grow with claims × rows per actor, kind or word."""
    claim_actors = claims.select("claim", pl.col("actors").alias("actor")).explode("actor").drop_nulls().unique()
    kinds = _kinds_named(claims)
    event_kinds = events.rows.select("event", "kind")
    # a row of a named kind sharing an actor is the event only with more: a figure or a date to check, two shared
    # parties, a founding or a change of form (or its own words, below); other pairs are not worth scoring
    checkable = claims.filter(pl.col("all_amounts").list.len().fill_null(0)
                              + pl.col("claim_dates").list.len().fill_null(0) > 0).select("claim")
    by_kind = (_not_after_publication(claim_actors.join(kinds, on="claim")
                                      .join(events.actors.join(event_kinds, on="event"), on=["actor", "kind"]),
                                      claims, events)
               .group_by(_pair()).agg(pl.len().alias("named_parties"), pl.col("kind").first()))
    by_kind = by_kind.filter((pl.col("named_parties") >= 2) | pl.col("kind").is_in(["founding", "structure",
                                                                                   "structure_change"])
                             | (pl.col("pair") // _PAIR).is_in(checkable["claim"].cast(pl.UInt64).implode()))
    words = (_not_after_publication(_word_hits(claims, events), claims, events)
             .group_by(_pair()).agg(pl.col("weight").sum().alias("words")))
    partyless = events.rows.filter(pl.col("n_actors") == 0).select("event", "kind", "row_start", "row_end")
    dated = (_claim_periods(claims).select("claim", "start", "end").join(kinds, on="claim").join(partyless, on="kind")
             .filter((pl.col("row_start") <= pl.col("end")) & (pl.col("row_end") >= pl.col("start")))
             .select(_pair()))
    pairs = (pl.concat([by_kind.select("pair"), words.filter(pl.col("words") >= WORDS_NEEDED).select("pair"), dated])
             .unique().with_columns(claim=(pl.col("pair") // _PAIR).cast(pl.UInt32),
                                    event=(pl.col("pair") % _PAIR).cast(pl.UInt32)))
    subjects = _subjects(claims, events)
    shared = (pairs.join(claim_actors, on="claim").join(events.actors, on=["event", "actor"])
              .join(subjects.with_columns(subject=pl.lit(1, pl.UInt32)), on=["claim", "actor"], how="left")
              .with_columns(person=pl.col("actor").is_in(events.people.implode()).cast(pl.UInt32))
              .group_by("pair")
              .agg(pl.len().alias("shared"), pl.col("direct").sum().alias("shared_directly"),
                   pl.col("person").sum().alias("shared_people"), pl.col("subject").sum().alias("shared_subjects")))
    # a row recording parties, none of them the claim's, is another event: dropped before scoring
    pairs = (pairs.join(shared, on="pair", how="left").join(events.rows.select("event", "n_actors", "kind"), on="event")
             .filter(pl.col("shared").is_not_null() | (pl.col("n_actors") == 0)).drop("n_actors"))
    return (pairs.join(words, on="pair", how="left")
            .join(kinds.with_columns(kind_named=pl.lit(True)), on=["claim", "kind"], how="left")
            .join(subjects.group_by("claim").len("subjects"), on="claim", how="left")
            .drop("pair", "kind")
            .with_columns(pl.col("shared", "shared_directly", "shared_people", "shared_subjects", "subjects")
                          .fill_null(0).cast(pl.UInt32), pl.col("words").fill_null(0.0),
                          pl.col("kind_named").fill_null(False)))


def _not_after_publication(pairs: pl.DataFrame, claims: pl.DataFrame, events: _Events) -> pl.DataFrame:
    """`pairs` without rows dated after the claim's publication, unless the claim gives a date (which may be
    theirs): an article cannot report what had not happened."""
    undated = claims.filter(pl.col("published").is_not_null() & (pl.col("claim_dates").list.len().fill_null(0) == 0))
    return (pairs.join(undated.select("claim", "published"), on="claim", how="left")
            .join(events.rows.select("event", "row_start"), on="event")
            .filter(pl.col("published").is_null() | (pl.col("row_start") <= pl.col("published")))
            .drop("published", "row_start"))


_PAIR = 1 << 20  # record rows are numbered below this: a (claim, event) pair is claim * _PAIR + event


def _pair() -> pl.Expr:
    return (pl.col("claim").cast(pl.UInt64) * _PAIR + pl.col("event").cast(pl.UInt64)).alias("pair")


def _word_hits(claims: pl.DataFrame, events: _Events) -> pl.DataFrame:
    """(claim, event, token, weight): each word of an event a claim states, actor names left out (the parties
    are checked apart). An inverted index: a claim meets only the rows that use its words."""
    tokens = claims.select("claim", pl.col("tokens").alias("token")).explode("token").drop_nulls("token")
    names = (claims.select("claim", pl.col("actors").alias("actor")).explode("actor").drop_nulls()
             .join(events.actor_words, on="actor").select("claim", "token"))
    return (tokens.join(names, on=["claim", "token"], how="anti").unique()
            .join(events.words, on="token"))


def _subjects(claims: pl.DataFrame, events: _Events) -> pl.DataFrame:
    """(claim, actor): the people a claim names other than in the possessive: who the event is about."""
    return (claims.select("claim", pl.col("actors").list.set_difference(pl.col("possessive")).alias("actor"))
            .explode("actor").drop_nulls().filter(pl.col("actor").is_in(events.people.implode())).unique())


def _with_evidence(pairs: pl.DataFrame, claims: pl.DataFrame, events: _Events) -> pl.DataFrame:
    """Each candidate with its evidence (amounts, dates, kind, words, parties), its score and whether it
    qualifies as the claim's event. Rules that need no amount or word are applied first, to keep pairs few."""
    basics = events.rows.select("event", "kind", "date", "row_start", "priority", "n_actors", "n_people")
    frame = (pairs.join(basics, on="event")
             .join(claims.select("claim", "published", "intent"), on="claim")
             .join(_date_fit(pairs, claims, events), on=["claim", "event"], how="left")
             .with_columns(pl.col("fit").fill_null(_FIT["none"])))
    founding = (pl.col("kind") == "founding") & pl.col("kind_named")
    date_match = pl.col("fit") == _FIT["match"]
    frame = frame.filter(~(
        # a date far from the row's: another event (a founding happens once: then the claim has the date wrong)
        ((pl.col("fit") == _FIT["far"]) & ~founding)
        # dated after publication: only when the claim gives that date
        | (pl.col("published").is_not_null() & (pl.col("row_start") > pl.col("published")) & ~date_match)
        # an undated plan ("would restructure into a for-profit") is news of the weeks before publication
        | (pl.col("intent") & (pl.col("fit") == _FIT["none"]) & pl.col("published").is_not_null()
           & (pl.col("date") < pl.col("published") - pl.duration(days=_REPORTING_LAG_DAYS)))
        # the people the claim is about are none of the people the row names: an event of someone else
        | ((pl.col("subjects") > 0) & (pl.col("n_people") > 0) & (pl.col("shared_subjects") == 0))
        # no shared party: only rows that record none (a law's title) can be the event
        | ((pl.col("shared") == 0) & (pl.col("n_actors") > 0))))
    frame = (frame.join(_amount_fit(frame, claims, events), on=["claim", "event"], how="left")
             .join(_form_change(frame, claims, events), on=["claim", "event"], how="left")
             .with_columns(pl.col("n_amounts", "matched", "ranged", "contradicted", "close").fill_null(0),
                           pl.col("form_change").fill_null(False), wordy=pl.col("words") >= WORDS_NEEDED))
    # the only row of the named kind that names the claim's people ("Barret Zoph left Thinking Machines Lab")
    kin = pl.col("kind_named") & (pl.col("shared") >= 2) & (pl.col("shared_people") >= 1)
    most = pl.col("shared").filter(kin).max().over("claim")
    frame = frame.with_columns(only=kin & (pl.col("shared") == most)
                               & ((kin & (pl.col("shared") == most)).sum().over("claim") == 1))
    amount_match, wordy = pl.col("matched") > 0, pl.col("wordy")
    # an undated claim is news of the days before publication: its event is more likely a recent one
    recent = ((pl.col("fit") == _FIT["none"]) & pl.col("published").is_not_null()
              & (pl.col("date") <= pl.col("published"))
              & (pl.col("date") >= pl.col("published") - pl.duration(days=_RECENT_DAYS)))
    score = (EVIDENCE["amount"] * amount_match + EVIDENCE["close_amount"] * (pl.col("close") > 0)
             + EVIDENCE["amount_range"] * (pl.col("ranged") > 0)
             + EVIDENCE["date"] * date_match + EVIDENCE["date_near"] * (pl.col("fit") == _FIT["near"])
             + EVIDENCE["kind"] * pl.col("kind_named") + EVIDENCE["two_parties"] * (pl.col("shared_directly") >= 2)
             + EVIDENCE["founding"] * founding + EVIDENCE["form"] * pl.col("form_change")
             + EVIDENCE["only"] * pl.col("only") + EVIDENCE["recent"] * recent
             + EVIDENCE["words"] * (1 + pl.col("words") / WORDS_NEEDED).log(2))
    specific = (amount_match | (pl.col("fit") >= _FIT["near"]) | wordy | founding | pl.col("form_change")
                | pl.col("only"))
    ruled_out = (
        # a different figure of the same currency, and nothing else ties the claim to the row
        ((pl.col("contradicted") > 0) & (pl.col("matched") == 0) & (pl.col("ranged") == 0) & ~date_match & ~wordy)
        # a row that records no party: of the kind named, on its date or on its own words
        | ((pl.col("shared") == 0) & ~(pl.col("kind_named") & (date_match | (pl.col("words") >= 2 * WORDS_NEEDED)))))
    anchor = pl.coalesce(pl.col("claim_start"), pl.col("published"), pl.col("date"))
    return frame.with_columns(
        score=score,
        qualifies=(pl.col("kind_named") | wordy) & specific & ~ruled_out & (score >= EVIDENCE_NEEDED),
        days_apart=(pl.col("date") - anchor).dt.total_days().abs())


def _form_change(pairs: pl.DataFrame, claims: pl.DataFrame, events: _Events) -> pl.DataFrame:
    """(claim, event, form_change): the claim names the legal form the row changed to, in a sentence about a
    change ("started a for-profit arm"), not in passing ("its nonprofit board")."""
    changing = claims.filter(pl.col("cue_founding") | pl.col("cue_conversion")).select(
        "claim", pl.col("legal_forms").alias("form")).explode("form").drop_nulls()
    forms = (events.rows.filter(pl.col("kind").is_in(["structure", "structure_change", "founding"]))
             .select("event", pl.col("forms").alias("form")).explode("form").drop_nulls())
    return (pairs.select("claim", "event").join(changing, on="claim").join(forms, on=["event", "form"])
            .select("claim", "event").unique().with_columns(form_change=pl.lit(True)))


def _amount_fit(pairs: pl.DataFrame, claims: pl.DataFrame, events: _Events) -> pl.DataFrame:
    """Per pair: how many of the claim's amounts the row states (matched), states as a range bound (ranged),
    contradicts (a figure of the same currency, none compatible) or leaves unchecked, and how many are within 5%
    of the row's own amount (close)."""
    stated = _claim_amounts(claims)
    schema = {"claim": pl.UInt32, "event": pl.UInt32, **dict.fromkeys(
        ("n_amounts", "matched", "ranged", "contradicted", "close"), pl.UInt32)}
    if stated.is_empty() or pairs.is_empty():
        return pl.DataFrame(schema=schema)
    each = (pairs.select("claim", "event").join(stated, on="claim")
            .join(events.amounts.rename({"value": "row_value", "currency": "row_currency"}), on="event", how="left")
            .with_columns(same=(pl.col("currency") == pl.col("row_currency")).fill_null(False),
                          ratio=pl.col("value") / pl.col("row_value"))
            .with_columns(compatible=pl.col("same") & _compatible(pl.col("ratio"), pl.col("qualifier"))
                          & pl.col("ratio").is_between(1 / _SAME_FIGURE, _SAME_FIGURE))  # "up to $6bn" is not $4bn
            .group_by("claim", "event", "amount")
            .agg(matched=(pl.col("compatible") & pl.col("exact")).any(),
                 ranged=(pl.col("compatible") & ~pl.col("exact")).any(),
                 contradicted=(pl.col("same") & pl.col("contradicts")).any(),
                 close=(pl.col("same") & pl.col("main") & ((pl.col("ratio") - 1).abs() <= _EXACT_TOLERANCE)).any()))
    return each.group_by("claim", "event").agg(
        pl.len().alias("n_amounts"), pl.col("matched").sum(), (pl.col("ranged") & ~pl.col("matched")).sum(),
        (pl.col("contradicted") & ~pl.col("matched") & ~pl.col("ranged")).sum(), pl.col("close").sum()
    ).cast({name: pl.UInt32 for name in ("n_amounts", "matched", "ranged", "contradicted", "close")})


def _compatible(ratio: pl.Expr, qualifier: pl.Expr) -> pl.Expr:
    """Whether a stated figure fits a recorded one given its qualifier ("at least $1 billion" fits $1.0B)."""
    return (pl.when(qualifier == "at_least").then(ratio <= 1.0 + 1e-9)
            .when(qualifier == "more_than").then(ratio < 1.0)
            .when(qualifier == "up_to").then(ratio >= 1.0 - 1e-9)
            .when(qualifier == "about").then((ratio - 1).abs() <= _ABOUT_TOLERANCE)
            .otherwise((ratio - 1).abs() <= _EXACT_TOLERANCE)).fill_null(False)


def _date_fit(pairs: pl.DataFrame, claims: pl.DataFrame, events: _Events) -> pl.DataFrame:
    """Per pair: the best fit of the claim's dates to the row's period (match: they overlap; near: within a
    week of a day, 45 days of a month; far otherwise), and the claim date that fits best."""
    periods = _claim_periods(claims)
    schema = {"claim": pl.UInt32, "event": pl.UInt32, "fit": pl.Int64, "claim_start": pl.Date,
              "claim_value": pl.String}
    if periods.is_empty() or pairs.is_empty():
        return pl.DataFrame(schema=schema)
    gap = pl.max_horizontal((pl.col("row_start") - pl.col("end")).dt.total_days(),
                            (pl.col("start") - pl.col("row_end")).dt.total_days(), pl.lit(0))
    slack = pl.max_horizontal(pl.col("precision").replace_strict(_NEAR_DAYS, return_dtype=pl.Int64),
                              pl.col("date_precision").replace_strict(_NEAR_DAYS, return_dtype=pl.Int64))
    fit = pl.when(gap == 0).then(_FIT["match"]).when(gap <= slack).then(_FIT["near"]).otherwise(_FIT["far"])
    return (pairs.select("claim", "event").join(periods, on="claim")
            .join(events.rows.select("event", "row_start", "row_end", "date_precision"), on="event")
            .with_columns(fit=fit, gap=gap)
            .sort("fit", "gap", descending=[True, False])
            .group_by("claim", "event", maintain_order=True)
            .agg(pl.col("fit").first(), pl.col("start").first().alias("claim_start"), pl.col("claim_value").first()))


# --- verdicts ---------------------------------------------------------------------------------------------


def _verdicts(best: pl.DataFrame, claims: pl.DataFrame, events: _Events) -> pl.DataFrame:
    """The event rows with a verdict per part, the claim's verdict, the part deciding it and the note."""
    party = _party_verdicts(best, claims, events)
    frame = (best.join(party, on=["claim", "event"], how="left")
             .join(claims.select("claim", "doc_id", "sentence", "amount_texts"), on="claim")
             .join(events.rows.select("event", "text", "date_precision", "known_from"), on="event"))
    amount = (pl.when(pl.col("n_amounts") == 0).then(None)
              .when(pl.col("matched") == pl.col("n_amounts")).then(pl.lit("consistent"))
              .when((pl.col("matched") == 0) & (pl.col("contradicted") > 0)).then(pl.lit("inconsistent"))
              .when((pl.col("matched") + pl.col("ranged")) > 0).then(pl.lit("partly"))
              .otherwise(pl.lit("unverifiable")))
    date = (pl.when(pl.col("fit") == _FIT["match"]).then(pl.lit("consistent"))
            .when(pl.col("fit") == _FIT["near"]).then(pl.lit("partly"))
            .when(pl.col("fit") == _FIT["far"]).then(pl.lit("inconsistent")))
    event = pl.when(pl.col("kind_named") | (pl.col("words") >= WORDS_NEEDED)).then(pl.lit("consistent")).otherwise(
        pl.lit("partly"))
    details = {"amount": pl.format(" ({})", "amount_texts"), "date": pl.format(" ({})", "claim_value"),
               "party": pl.when((pl.col("missing").fill_null("") != "") & (pl.col("part_party") != "consistent"))
               .then(pl.format(" ({} not in the row)", "missing")).otherwise(pl.lit("")),
               "event": pl.when(pl.col("part_event") == "partly")
               .then(pl.lit(" (the claim's words do not name this kind of event)")).otherwise(pl.lit(""))}
    frame = _decided(frame.with_columns(part_amount=amount, part_date=date, part_event=event), details)
    return frame.with_columns(
        role=pl.lit("event"),
        note=pl.format("record: {} on {} ({} precision). Parts: {}.{}", "text", "date", "date_precision", "parts",
                       pl.when(pl.col("shared_words").list.len() > 0)
                       .then(pl.format(" Word stems in common: {}.", pl.col("shared_words").list.join(", ")))
                       .otherwise(pl.lit(""))))


def _party_verdicts(best: pl.DataFrame, claims: pl.DataFrame, events: _Events) -> pl.DataFrame:
    """Per chosen pair: consistent when the row names two of the claim's actors, or all it names but people named
    only in the possessive (a description: "Ilya Sutskever's new startup"); partly when it names only some;
    unverifiable when it names none. A claim naming no actor, or a row recording none, has no party part."""
    claim_actors = (best.select("claim", "event").join(claims.select("claim", pl.col("actors").alias("actor")),
                                                       on="claim").explode("actor").drop_nulls("actor"))
    described = (claims.select("claim", pl.col("possessive").alias("actor")).explode("actor").drop_nulls()
                 .filter(pl.col("actor").is_in(events.people.implode())).with_columns(described=pl.lit(True)))
    marked = (claim_actors.join(events.actors.with_columns(in_row=pl.lit(True)), on=["event", "actor"], how="left")
              .join(described, on=["claim", "actor"], how="left")
              .with_columns(pl.col("in_row", "described").fill_null(False)))
    per = marked.group_by("claim", "event").agg(
        pl.col("in_row").sum().alias("named"), pl.len().alias("n"),
        (~pl.col("in_row") & ~pl.col("described")).sum().alias("undescribed_missing"),
        pl.col("actor").filter(~pl.col("in_row")).sort().str.join(", ").alias("missing"))
    verdict = (pl.when(pl.col("named") == 0).then(pl.lit("unverifiable"))
               .when((pl.col("named") >= pl.min_horizontal(pl.lit(2, pl.UInt32), pl.col("n")))
                     | (pl.col("undescribed_missing") == 0)).then(pl.lit("consistent"))
               .otherwise(pl.lit("partly")))
    recorded = events.rows.filter(pl.col("n_actors") > 0).select("event")  # a law's title may name no party
    return per.join(recorded, on="event").select("claim", "event", verdict.alias("part_party"), "missing")


def _decided(frame: pl.DataFrame, details: dict[str, pl.Expr]) -> pl.DataFrame:
    """The claim's verdict from its parts (the weakest decides, `_SEVERITY`), the part deciding it, and every
    part's verdict in words. `frame` has a column part_<part> per part (null: the claim states none)."""
    rank = {verdict: position for position, verdict in enumerate(_SEVERITY)}
    ranks = [pl.col(f"part_{part}").replace_strict(rank, default=None, return_dtype=pl.Int64) for part in PARTS]
    worst = pl.max_horizontal(ranks)
    verdict = worst.replace_strict(dict(enumerate(_SEVERITY)), default=None, return_dtype=pl.String).fill_null(
        "unverifiable")
    deciding = pl.coalesce([pl.when((r == worst) & (worst > 0)).then(pl.lit(part)) for r, part in zip(ranks, PARTS)])
    listed = pl.concat_list([pl.when(pl.col(f"part_{part}").is_not_null())
                             .then(pl.format("{} {}{}", pl.lit(part), pl.col(f"part_{part}"),
                                             details.get(part, pl.lit("")).fill_null("")))
                             for part in PARTS])
    return frame.with_columns(verdict=verdict, verdict_part=deciding,
                              parts=listed.list.drop_nulls().list.join(", "))


# --- company figures --------------------------------------------------------------------------------------


def _match_financials(claims: pl.DataFrame, financials: pl.DataFrame | None) -> pl.DataFrame:
    """'X has more than $100 billion in cash' or 'X spent $72 billion on capital expenditure' against X's last
    figures published before the claim (or those of the year the claim names). Cash is consistent when cash and
    equivalents alone bear it out, partly when only cash plus short-term investments do (the two differ by an
    order of magnitude at Microsoft), inconsistent when neither does; a claim naming short-term investments is
    checked against that figure alone. One event row per claim: the figure that bears it out, or the nearest."""
    if financials is None or financials.is_empty():
        return pl.DataFrame()
    figures = (financials.filter(pl.col("currency").cast(pl.String) == "USD")
               .select("company", "period_end", "known_from", "financial_id", "fiscal_period", "value",
                       pl.col("metric").cast(pl.String)))
    wanted = (claims.filter((pl.col("cue_cash") | pl.col("cue_capex")) & pl.col("amount").is_not_null()
                            & (pl.col("currency").fill_null("USD") == "USD"))
              .select("claim", "doc_id", "sentence", "published", "actors", "amount", "amount_text", "qualifier",
                      "claim_date", pl.when(pl.col("cue_capex")).then(pl.lit("capex"))
                      .when(pl.col("names_investments")).then(pl.lit("investments")).otherwise(pl.lit("cash"))
                      .alias("family"))
              .explode("actors").rename({"actors": "company"}))
    families = pl.DataFrame({"family": ["cash", "cash", "investments", "capex"],
                             "metric": ["cash_and_equivalents", "cash_and_short_term_investments",
                                        "cash_and_short_term_investments", "capital_expenditure"],
                             "strict": [True, False, True, True]})
    year = pl.col("claim_date").str.slice(0, 4)
    joined = (wanted.join(families, on="family").join(figures, on=["company", "metric"])
              .filter(pl.col("published").is_null() | (pl.col("known_from") <= pl.col("published")))
              .filter(pl.col("claim_date").is_null() | (pl.col("period_end").dt.strftime("%Y") == year)))
    if joined.is_empty():
        return pl.DataFrame()
    latest = joined.group_by("claim").agg(pl.col("period_end").max().alias("latest"))
    joined = (joined.join(latest, on="claim").filter(pl.col("period_end") == pl.col("latest"))
              .with_columns(bears=_bears_out(pl.col("amount") / pl.col("value"), pl.col("qualifier"))))
    verdict = (pl.when(pl.col("bears") & pl.col("strict")).then(pl.lit("consistent"))
               .when(pl.col("bears")).then(pl.lit("partly")).otherwise(pl.lit("inconsistent")))
    order = pl.when(pl.col("bears") & pl.col("strict")).then(0).when(pl.col("bears")).then(1).otherwise(2)
    figures_said = joined.group_by("claim").agg(
        pl.format("{} {}", pl.col("metric").replace_strict(_METRICS, default=pl.col("metric")),
                  _money(pl.col("value"))).sort_by("metric").str.join("; ").alias("figures"))
    chosen = (joined.with_columns(part_amount=verdict, _order=order, _strict=~pl.col("strict"))
              .sort("claim", "_order", "_strict").unique("claim", keep="first", maintain_order=True)
              .join(figures_said, on="claim"))
    found = chosen.with_columns(part_party=pl.lit("consistent"), part_event=pl.lit("consistent"),
                                part_date=pl.when(pl.col("claim_date").is_not_null()).then(pl.lit("consistent")))
    said = pl.when(pl.col("part_amount") == "consistent").then(pl.lit(", which the figure bears out"))
    if_cash = pl.lit(", true only if short-term investments count as cash")
    said = said.when(pl.col("part_amount") == "partly").then(if_cash).otherwise(
        pl.lit(", which neither figure bears out"))
    return _decided(found, {"amount": pl.format(" ({})", "amount_text")}).with_columns(
        dataset=pl.lit("company_financials"), row_id=pl.col("financial_id"), role=pl.lit("event"),
        note=pl.format("{}'s figures for {} (to {}, published {}): {}. The claim states {}{}. Parts: {}.",
                       "company", "fiscal_period", "period_end", "known_from", "figures", "amount_text", said,
                       "parts"),
    ).select("claim", "doc_id", "sentence", "dataset", "row_id", "verdict", "verdict_part", "parts", "note",
             "role", "known_from", "published")


_METRICS = {"cash_and_equivalents": "cash and cash equivalents",
            "cash_and_short_term_investments": "cash, cash equivalents and short-term investments",
            "capital_expenditure": "capital expenditure"}


def _bears_out(ratio: pl.Expr, qualifier: pl.Expr) -> pl.Expr:
    return (pl.when(qualifier.is_in(["more_than", "at_least"])).then(ratio <= 1.0)
            .when(qualifier == "up_to").then(ratio >= 1.0)
            .when(qualifier == "exact").then((ratio - 1).abs() <= _EXACT_TOLERANCE)
            .otherwise((ratio - 1).abs() <= _ABOUT_TOLERANCE)).fill_null(False)


# --- rows related to the event ----------------------------------------------------------------------------


def _related(rows: pl.DataFrame, verdict: str, part: str, note: pl.Expr) -> pl.DataFrame:
    return rows.with_columns(role=pl.lit("related"), verdict=pl.lit(verdict), verdict_part=pl.lit(part),
                             parts=pl.lit(f"{part} {verdict}"), note=note)


def _alternative_accounts(chosen: pl.DataFrame, funding: pl.DataFrame, claims: pl.DataFrame) -> pl.DataFrame:
    """Other accounts of the same money (what was pledged, what was paid) as `partly` matches."""
    if chosen.is_empty():
        return pl.DataFrame()
    links = funding.select("event_id", "alternative_to").drop_nulls()
    both_ways = pl.concat([links, links.select(pl.col("alternative_to").alias("event_id"),
                                               pl.col("event_id").alias("alternative_to"))])
    others = funding.select(pl.col("event_id").alias("alternative_to"), "date", "known_from", "amount_kind",
                            pl.col("amount_usd").alias("row_amount"), "deal", "investor", "recipient")
    found = (chosen.filter(pl.col("dataset") == "funding_events", pl.col("verdict") == "consistent")
             .select("claim", "doc_id", "sentence", pl.col("row_id").alias("event_id"))
             .join(claims.select("claim", "published", "amount_text"), on="claim")
             .join(both_ways, on="event_id").join(others, on="alternative_to")
             .with_columns(dataset=pl.lit("funding_events"), row_id=pl.col("alternative_to")))
    return _related(found, "partly", "amount", pl.format(
        "another account of the same money: {} → {}, {} ({}), {} (public from {}); the claim states {}.",
        "investor", "recipient", "deal", "amount_kind", _money(pl.col("row_amount")), "known_from",
        pl.col("amount_text").fill_null("no amount")))


def _later_releases(chosen: pl.DataFrame, events: _Events) -> pl.DataFrame:
    """What followed a staged release the claim describes: the latest later stage, within a year."""
    if chosen.is_empty():
        return pl.DataFrame()
    stages = events.rows.filter(pl.col("kind") == "staged_release").select("row_id", "date", "known_from", "text")
    released = (chosen.filter(pl.col("dataset") == "policy_events")
                .join(stages.select("row_id", pl.col("date").alias("matched_date")), on="row_id")
                .select("claim", "doc_id", "sentence", "published", "matched_date"))
    later = (released.join(stages, how="cross")  # releases are a handful of record rows
             .filter((pl.col("date") > pl.col("matched_date"))
                     & (pl.col("date") <= pl.col("matched_date") + pl.duration(days=366)))
             .sort("date").group_by("claim", maintain_order=True).last()
             .with_columns(dataset=pl.lit("policy_events")))
    return _related(later, "partly", "event", pl.format("true then, overtaken since: {} on {}.", "text", "date"))


def _answers(claims: pl.DataFrame, policy: pl.DataFrame) -> pl.DataFrame:
    """A claim about AI risks in general is answered by the laws, orders and frameworks on the same concerns."""
    rows = (policy.filter(pl.col("instrument_type").is_in(["law", "executive_order", "framework"])
                          & pl.col("status").is_in(["adopted", "in_force"]))
            .select(pl.col("event_id").alias("row_id"), "date", "known_from", "title",
                    pl.col("instrument_type").cast(pl.String), pl.col("status").cast(pl.String),
                    pl.col("concerns").cast(pl.List(pl.String)).alias("concern")))
    asked = claims.filter(pl.col("concerns").list.len() >= 2).select(
        "claim", "doc_id", "sentence", "published", pl.col("concerns").alias("concern")).explode("concern")
    shared = (asked.join(rows.explode("concern"), on="concern")
              .group_by("claim", "row_id").agg(pl.col("concern").sort().alias("shared")))
    found = (shared.filter(pl.col("shared").list.len() >= 2)
             .join(claims.select("claim", "doc_id", "sentence", "published"), on="claim")
             .join(rows.drop("concern"), on="row_id")
             .with_columns(score=pl.col("shared").list.len().cast(pl.Float64)
                           - (pl.col("date") - pl.coalesce("published", "date")).dt.total_days().abs() / 36500)
             .sort("claim", "score", "row_id", descending=[False, True, False])
             .filter(pl.int_range(pl.len()).over("claim") < _ANSWERS_PER_CLAIM)
             .with_columns(dataset=pl.lit("policy_events")))
    return _related(found, "consistent", "event", pl.format(
        "answered by {} ({}, {}) on {}, on {}.", "title", "instrument_type", "status", "date",
        pl.col("shared").list.join(", ")))


# --- no event, and as of publication ----------------------------------------------------------------------


def _no_event(claims: pl.DataFrame) -> pl.DataFrame:
    """One unverifiable row for each claim no record row describes; the deciding part is the event itself."""
    note = (pl.when(pl.col("amount_text").is_not_null())
            .then(pl.format("no record row states this event ({} stated), so the record can neither confirm nor "
                            "contradict it.", "amount_texts"))
            .otherwise(pl.lit("no record row describes this event: none shares its parties with a matching event, "
                              "date or amount.")))
    return claims.select("claim", "doc_id", "sentence", pl.lit(None, pl.String).alias("dataset"),
                         pl.lit(None, pl.String).alias("row_id"), pl.lit("unverifiable").alias("verdict"),
                         pl.lit("unverifiable").alias("verdict_at_publication"), note.alias("note"),
                         pl.lit("event").alias("role"), pl.lit("event").alias("verdict_part"),
                         pl.lit("event").alias("verdict_part_at_publication"),
                         pl.lit("event unverifiable").alias("parts"))


def _as_of_publication(matches: pl.DataFrame) -> pl.DataFrame:
    """A row not yet public on the publication date could not have confirmed anything then."""
    public_then = pl.col("published").is_null() | (pl.col("known_from") <= pl.col("published"))
    return matches.with_columns(
        verdict_at_publication=pl.when(public_then).then(pl.col("verdict")).otherwise(pl.lit("unverifiable")),
        verdict_part_at_publication=pl.when(public_then).then(pl.col("verdict_part")).otherwise(pl.lit("event")),
        note=pl.when(public_then).then(pl.col("note"))
        .otherwise(pl.format("{} Not yet public at publication (known from {}).", "note", "known_from")))


def _empty_matches() -> pl.DataFrame:
    return pl.DataFrame(schema={"claim": pl.UInt32, **{name: pl.Int64 if name == "sentence" else pl.String
                                                       for name in MATCH_COLUMNS}})


# --- dates and money --------------------------------------------------------------------------------------


def _with_period(rows: pl.DataFrame) -> pl.DataFrame:
    """The first and last day a row's date stands for, at its precision (computed once per record row)."""
    value = _as_value(pl.col("date"), pl.col("date_precision").cast(pl.String))
    return rows.with_columns(row_start=_period_start(value), row_end=_period_end(value))


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
