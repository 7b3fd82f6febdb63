"""Claims matched to the record row of their event, and verdicts per checkable part, on small synthetic records.

Each test builds a record of a few rows (polars frames with the columns `Record` reads) and states one rule.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from workbench.analysis.amounts import extract_amounts
from workbench.analysis.claims import Record, check_claims, find_claims, summarise, verdict_label
from workbench.analysis.dates import extract_dates
from workbench.analysis.entities import extract_entities
from workbench.corpus.spans import sentences_of

D = dt.date.fromisoformat


def _entities() -> pl.DataFrame:
    rows = [("acme", "Acme Corp", "company", ["Acme"]), ("globex", "Globex", "company", []),
            ("initech", "Initech", "lab", []), ("hooli", "Hooli", "company", []),
            ("jane-roe", "Jane Roe", "person", ["Roe"]), ("john-doe", "John Doe", "person", ["Doe"])]
    return pl.DataFrame(rows, schema={"entity_id": pl.String, "name": pl.String, "kind": pl.String,
                                      "aliases": pl.List(pl.String)}, orient="row")


def _funding(*rows: dict) -> pl.DataFrame:
    base = {"event_id": None, "date": None, "date_precision": "day", "known_from": None, "investor": None,
            "investor_detail": None, "recipient": None, "amount_usd": None, "amount_usd_low": None,
            "amount_usd_high": None, "amount_original": None, "currency_original": None, "amount_kind": "committed",
            "instrument": "equity", "deal": "investment", "alternative_to": None, "part_of": None,
            "valuation_usd": None}
    schema = {name: pl.Float64 if name.startswith(("amount_usd", "amount_original", "valuation")) else pl.Date
              if name in ("date", "known_from") else pl.String for name in base}
    filled = [{**base, **row, "known_from": row.get("known_from", row["date"])} for row in rows]
    return pl.DataFrame(filled, schema=schema)


def _governance(*rows: dict) -> pl.DataFrame:
    base = {"event_id": None, "date": None, "date_precision": "day", "known_from": None, "event_type": None,
            "organizations": [], "people": [], "summary": ""}
    filled = [{**base, **row, "known_from": row.get("known_from", row["date"])} for row in rows]
    return pl.DataFrame(filled, schema={"event_id": pl.String, "date": pl.Date, "date_precision": pl.String,
                                        "known_from": pl.Date, "event_type": pl.String,
                                        "organizations": pl.List(pl.String), "people": pl.List(pl.String),
                                        "summary": pl.String})


def _record(funding: pl.DataFrame | None = None, governance: pl.DataFrame | None = None,
            financials: pl.DataFrame | None = None) -> Record:
    policy = pl.DataFrame(schema={"event_id": pl.String, "date": pl.Date, "date_precision": pl.String,
                                  "known_from": pl.Date, "title": pl.String, "instrument_type": pl.String,
                                  "status": pl.String, "concerns": pl.List(pl.String)})
    structures = pl.DataFrame(schema={"structure_id": pl.String, "org": pl.String, "date": pl.Date,
                                      "date_precision": pl.String, "known_from": pl.Date, "legal_form": pl.String,
                                      "legal_form_detail": pl.String, "controlled_by": pl.String})
    return Record(funding if funding is not None else _funding(), governance if governance is not None
                  else _governance(), policy, structures, _entities(), financials)


def _check(text: str, published: str, record: Record) -> pl.DataFrame:
    """The matches of a one-paragraph article published on `published`."""
    paragraphs = pl.DataFrame({"doc_id": ["a"], "paragraph": [1], "text": [text], "published": [D(published)]})
    keys = ("doc_id", "paragraph")
    claims = find_claims(sentences_of(paragraphs, id_columns=keys),
                         extract_entities(paragraphs, record.entities, id_columns=keys),
                         extract_amounts(paragraphs, id_columns=keys), extract_dates(paragraphs, id_columns=keys))
    return check_claims(claims, paragraphs.select("doc_id", "published"), record)


def _event(matches: pl.DataFrame) -> dict:
    events = matches.filter(pl.col("role") == "event")
    assert events.height == 1, events
    return events.row(0, named=True)


DEAL = {"event_id": "acme-initech", "date": D("2024-03-04"), "investor": "Acme Corp", "recipient": "Initech",
        "amount_usd": 1e9}


# --- the verdict per part -----------------------------------------------------------------------------------


def test_a_claim_is_consistent_only_when_every_part_it_states_is() -> None:
    found = _event(_check("Acme said on Monday it would invest $1 billion in Initech.", "2024-03-05",
                          _record(_funding(DEAL))))
    assert (found["row_id"], found["verdict"], found["verdict_part"]) == ("acme-initech", "consistent", None)
    assert found["parts"] == ("amount consistent ($1 billion), date consistent (2024-03-04), party consistent, "
                              "event consistent")


def test_a_figure_the_row_does_not_state_leaves_the_claim_unverifiable() -> None:
    """The row of the event is found (same parties, same day), but it records no amount: never consistent."""
    undisclosed = {**DEAL, "amount_usd": None, "amount_kind": "undisclosed"}
    record = _record(_funding(undisclosed))
    found = _event(_check("Acme invested $5 billion in Initech on Monday.", "2024-03-05", record))
    assert (found["row_id"], found["verdict"], found["verdict_part"]) == ("acme-initech", "unverifiable", "amount")


def test_a_figure_the_row_contradicts_makes_the_claim_inconsistent() -> None:
    found = _event(_check("Acme invested $2 billion in Initech on Monday.", "2024-03-05", _record(_funding(DEAL))))
    assert (found["verdict"], found["verdict_part"]) == ("inconsistent", "amount")


def test_a_date_days_from_the_rows_is_partly_right() -> None:
    found = _event(_check("Acme invested $1 billion in Initech on March 8.", "2024-03-20", _record(_funding(DEAL))))
    assert (found["row_id"], found["verdict"], found["verdict_part"]) == ("acme-initech", "partly", "date")


def test_a_party_the_row_does_not_name_makes_the_claim_partly_right() -> None:
    found = _event(_check("Globex said Initech raised $1 billion on Monday.", "2024-03-05", _record(_funding(DEAL))))
    assert (found["verdict"], found["verdict_part"]) == ("partly", "party")
    assert "Globex not in the row" in found["parts"]


def test_a_person_named_in_the_possessive_describes_a_party_and_is_not_one() -> None:
    found = _event(_check("Jane Roe's Initech raised $1 billion on Monday.", "2024-03-05", _record(_funding(DEAL))))
    assert (found["verdict"], found["verdict_part"]) == ("consistent", None)


def test_the_weakest_part_decides_inconsistent_before_unverifiable_before_partly() -> None:
    record = _record(_funding(DEAL))
    contradicted = _event(_check("Globex said Initech raised $3 billion on Monday.", "2024-03-05", record))
    assert (contradicted["verdict"], contradicted["verdict_part"]) == ("inconsistent", "amount")
    unchecked = _event(_check("Globex said Initech raised $1 billion on Monday and $70 million in June.",
                              "2024-03-05", record))
    assert (unchecked["verdict"], unchecked["verdict_part"]) == ("partly", "amount")  # one figure of two confirmed
    assert "party partly" in unchecked["parts"]


# --- the right event, or none -------------------------------------------------------------------------------


def test_a_claim_no_row_describes_is_unverifiable_with_no_row() -> None:
    found = _event(_check("Hooli invested $3 billion in Globex on Monday.", "2024-03-05", _record(_funding(DEAL))))
    assert found["dataset"] is None and (found["verdict"], found["verdict_part"]) == ("unverifiable", "event")


def test_the_same_parties_a_year_apart_are_another_event() -> None:
    """A round of 2023 does not confirm one stated for 2024: a date far from the row's rules it out."""
    earlier = {**DEAL, "event_id": "acme-initech-2023", "date": D("2023-03-06")}
    record = _record(_funding(earlier))
    assert _event(_check("Acme invested $1 billion in Initech in 2024.", "2024-12-01", record))["dataset"] is None
    later = _record(_funding(earlier, DEAL))
    assert _event(_check("Acme invested $1 billion in Initech in 2024.", "2024-12-01", later))["row_id"] == \
        "acme-initech"


def test_a_counter_suit_is_not_the_suit() -> None:
    record = _record(governance=_governance(
        {"event_id": "suit", "date": D("2024-02-29"), "event_type": "legal", "organizations": ["Initech"],
         "people": ["John Doe"], "summary": "Doe sued Initech alleging breach of its founding agreement."},
        {"event_id": "counter", "date": D("2025-04-09"), "event_type": "legal", "organizations": ["Initech"],
         "people": ["John Doe"], "summary": "Initech counter-sued Doe alleging harassment."}))
    assert _event(_check("Initech countersued John Doe in April, accusing him of harassment.", "2025-06-01",
                         record))["row_id"] == "counter"
    assert _event(_check("John Doe sued Initech in February 2024.", "2025-06-01", record))["row_id"] == "suit"


def test_an_event_after_publication_cannot_be_what_an_undated_claim_reports() -> None:
    record = _record(governance=_governance(
        {"event_id": "statement", "date": D("2026-02-26"), "event_type": "other", "organizations": ["Initech"],
         "people": ["Jane Roe"], "summary": "Roe said Initech would keep its limits on surveillance."},
        {"event_id": "deal", "date": D("2026-02-27"), "event_type": "partnership_terms",
         "organizations": ["Initech", "Hooli"], "summary": "Initech agreed a deal with Hooli on surveillance limits."}))
    text = "Jane Roe said Initech would keep its limits on surveillance despite pressure from regulators."
    assert _event(_check(text, "2026-02-26", record))["row_id"] == "statement"
    assert _event(_check(text, "2026-03-02", record))["row_id"] == "statement"  # the deal a day later has other words


def test_a_row_about_other_people_is_not_the_event_of_the_people_named() -> None:
    """'Doe left the board' is not confirmed by a board change that names Roe, however close in time."""
    record = _record(governance=_governance(
        {"event_id": "roe-left", "date": D("2023-11-29"), "event_type": "board_change", "organizations": ["Initech"],
         "people": ["Jane Roe"], "summary": "Roe left the board."}))
    assert _event(_check("John Doe left Initech's board last year.", "2024-02-01", record))["dataset"] is None


def test_parties_alone_are_no_event() -> None:
    """Sharing the parties and the kind of event is not enough: something specific must tie them."""
    record = _record(governance=_governance(
        {"event_id": "terms", "date": D("2023-01-23"), "event_type": "partnership_terms",
         "organizations": ["Initech", "Acme Corp"], "summary": "Partnership extended with a multiyear investment."}))
    assert _event(_check("The partnership between Acme and Initech is closely watched.", "2024-01-01",
                         record))["dataset"] is None


# --- as of publication, related rows, summaries -------------------------------------------------------------


def test_a_row_public_only_after_publication_leaves_the_claim_unverifiable_then() -> None:
    late = {**DEAL, "known_from": D("2024-06-01")}
    found = _event(_check("Acme invested $1 billion in Initech on Monday.", "2024-03-05", _record(_funding(late))))
    assert (found["verdict"], found["verdict_at_publication"], found["verdict_part_at_publication"]) == (
        "consistent", "unverifiable", "event")


def test_related_rows_are_listed_but_never_decide_the_claims_verdict() -> None:
    paid = {**DEAL, "event_id": "acme-initech-paid", "amount_usd": 4e8, "amount_kind": "reported",
            "alternative_to": "acme-initech", "known_from": D("2025-01-01")}
    matches = _check("Acme committed $1 billion to Initech on Monday.", "2024-03-05", _record(_funding(DEAL, paid)))
    related = matches.filter(pl.col("role") == "related").row(0, named=True)
    assert (related["row_id"], related["verdict"], related["verdict_at_publication"]) == (
        "acme-initech-paid", "partly", "unverifiable")
    assert summarise(matches).select("verdict_now", "verdict_then").row(0) == ("consistent", "consistent")


def test_summarise_takes_the_event_rows_verdict_not_the_best_of_the_rows() -> None:
    matches = pl.DataFrame({
        "doc_id": ["a", "a"], "sentence": [1, 1], "dataset": [None, "policy_events"], "row_id": [None, "law"],
        "verdict": ["unverifiable", "consistent"], "verdict_at_publication": ["unverifiable", "consistent"],
        "note": ["", ""], "role": ["event", "related"], "verdict_part": ["event", "event"],
        "verdict_part_at_publication": ["event", "event"], "parts": ["event unverifiable", "event consistent"]})
    summary = summarise(matches).row(0, named=True)
    assert (summary["verdict_now"], summary["verdict_then"], summary["verdict_part"]) == (
        "unverifiable", "unverifiable", "event")


def test_a_cash_figure_is_checked_against_cash_alone_first() -> None:
    financials = pl.DataFrame({
        "financial_id": ["acme-cash", "acme-cash-sti"], "company": ["Acme Corp", "Acme Corp"],
        "fiscal_period": ["FY2024", "FY2024"], "period_end": [D("2024-06-30")] * 2,
        "known_from": [D("2024-07-20")] * 2, "metric": ["cash_and_equivalents", "cash_and_short_term_investments"],
        "value": [1.1e10, 1.3e11], "currency": ["USD", "USD"]})
    record = _record(financials=financials)
    broad = _event(_check("Acme, which has more than $100 billion in cash, is growing.", "2024-08-01", record))
    assert (broad["row_id"], broad["verdict"], broad["verdict_part"]) == ("acme-cash-sti", "partly", "amount")
    cash = _event(_check("Acme had $11 billion in cash and cash equivalents.", "2024-08-01", record))
    assert (cash["row_id"], cash["verdict"]) == ("acme-cash", "consistent")


@pytest.mark.parametrize(("verdict", "part", "label"), [("consistent", None, "consistent"),
                                                         ("unverifiable", "amount", "unverifiable (amount)")])
def test_verdict_labels_name_the_deciding_part(verdict: str, part: str | None, label: str) -> None:
    assert verdict_label(verdict, part) == label


# --- what is computed once, or only where it can matter -------------------------------------------------------


def test_cues_read_only_where_they_can_matter_find_the_same_claims(monkeypatch: pytest.MonkeyPatch) -> None:
    """find_claims looks for cue words only in sentences that can be a claim (or continue one); reading them in
    every sentence gives the very same frame."""
    import workbench.analysis.claims as claims_module

    text = ("Acme invested $1 billion in Initech in March 2024. The deal was approved. The board resigned. "
            "Regulators opened an antitrust probe. Nobody mentioned a lawsuit. Bias and privacy worries grew. "
            "Roe joined the board. She left in 2025. Later, the nonprofit became a for-profit company.")
    paragraphs = pl.DataFrame({"doc_id": ["a", "a", "b"], "paragraph": [1, 2, 1], "text": [text, text[::-1], text],
                               "published": [D("2025-01-01")] * 3})
    keys = ("doc_id", "paragraph")
    parts = (sentences_of(paragraphs, id_columns=keys), extract_entities(paragraphs, _entities(), id_columns=keys),
             extract_amounts(paragraphs, id_columns=keys), extract_dates(paragraphs, id_columns=keys))
    found = find_claims(*parts)
    original = claims_module._with_cues

    def everywhere(frame: pl.DataFrame, legal_forms: pl.Expr) -> pl.DataFrame:
        every = frame.with_columns(actors=pl.col("actors").fill_null(pl.lit(["x"], pl.List(pl.String))))
        return original(every, legal_forms).with_columns(frame["actors"])

    monkeypatch.setattr(claims_module, "_with_cues", everywhere)
    assert find_claims(*parts).equals(found)
    assert found.height >= 4


def test_the_record_side_is_built_once_per_record() -> None:
    from workbench.analysis.claims import _events_of

    record = _record(_funding(DEAL))
    assert _events_of(record) is _events_of(record)
    other = _record(_funding(DEAL))
    assert _events_of(other) is not _events_of(record)
