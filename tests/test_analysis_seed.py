"""The seed read with hindsight: the actors, amounts, dates and claim verdicts a careful reader expects."""

from __future__ import annotations

import pytest
from conftest import SEED_ID

from workbench.analysis import analyze


@pytest.fixture(scope="module")
def seed():
    return analyze(SEED_ID)


@pytest.fixture(scope="module")
def seed_json(seed):
    return seed.to_json()


def test_actors_of_the_seed(seed) -> None:
    canonical = set(seed.entities.filter(seed.entities["in_record"])["canonical"])
    assert {"Microsoft", "OpenAI", "Google", "Meta", "Elon Musk", "Peter Thiel"} <= canonical
    facebook = seed.entities.filter(seed.entities["text"] == "Facebook").row(0, named=True)
    assert facebook["canonical"] == "Meta" and facebook["label"] == "ORG"


def test_all_three_amounts_with_their_qualifiers(seed) -> None:
    rows = seed.amounts.select("paragraph", "text", "value", "currency", "qualifier").rows()
    assert rows == [(1, "$1 billion", 1e9, "USD", "exact"), (3, "at least $1 billion", 1e9, "USD", "at_least"),
                    (5, "more than $100 billion", 1e11, "USD", "more_than")]


def test_dates_resolved_against_22_july_2019(seed) -> None:
    rows = seed.dates.select("paragraph", "text", "value", "precision", "relative").rows()
    assert rows == [(3, "2015", "2015", "year", False), (4, "last year", "2018", "year", True),
                    (8, "In February", "2019-02", "month", True)]


def _matches(seed_json, paragraph: int, fragment: str) -> dict[str, tuple[str, str]]:
    claims = [c for c in seed_json["claims"] if c["paragraph"] == paragraph and fragment in c["text"]]
    assert claims, f"no claim in paragraph {paragraph} containing {fragment!r}"
    return {m["row_id"]: (m["verdict"], m["verdict_at_publication"]) for m in claims[0]["matches"]}


def test_the_deal_matches_the_2019_row(seed_json) -> None:
    assert _matches(seed_json, 1, "agreed to invest")["msft-openai-2019-07"] == ("consistent", "consistent")


def test_the_pledge_matches_the_pledge_and_the_later_disclosed_donations(seed_json) -> None:
    found = _matches(seed_json, 3, "committed at least $1 billion")
    assert found["openai-founding-pledge-2015-12"] == ("consistent", "consistent")
    # What was actually donated became public only in 2023: partly now, unverifiable then.
    assert found["openai-donations-total-2015-2021"] == ("partly", "unverifiable")


def test_musks_departure_matches_the_2018_board_change(seed_json) -> None:
    assert _matches(seed_json, 4, "left OpenAI's board last year")["GOV-002"] == ("consistent", "consistent")


def test_the_founding_year_and_the_for_profit_arm(seed_json) -> None:
    assert _matches(seed_json, 3, "started in 2015")["GOV-001"] == ("consistent", "consistent")
    assert _matches(seed_json, 4, "for-profit arm")["GOV-004"] == ("consistent", "consistent")


def test_gpt2_withholding_is_matched_and_its_later_full_release_noted(seed_json) -> None:
    found = _matches(seed_json, 8, "opted not to release")
    assert found["POL-001"] == ("consistent", "consistent")
    assert found["POL-004"] == ("partly", "unverifiable")


def test_the_cash_figure_is_partly_true_with_the_filing_figures_in_the_note(seed_json) -> None:
    """'Microsoft, which has more than $100 billion in cash': true only if short-term investments count as cash."""
    claims = [c for c in seed_json["claims"] if "$100 billion" in c["text"]]
    cash = [m for m in claims[0]["matches"] if m["dataset"] == "company_financials"]
    assert len(cash) == 1 and cash[0]["row_id"] == "microsoft-fy2019-q4-cash-and-short-term-investments"
    assert (cash[0]["verdict"], cash[0]["verdict_at_publication"]) == ("partly", "partly")  # released 18 July 2019
    assert "cash and cash equivalents $11.36B" in cash[0]["note"] and "$133.82B" in cash[0]["note"]
    assert "only if short-term investments count as cash" in cash[0]["note"]
    # the JSON names the part that is only partly true, for scripts that do not parse notes
    assert (cash[0]["role"], cash[0]["verdict_part"], cash[0]["verdict_part_at_publication"]) == (
        "event", "amount", "amount")
    assert cash[0]["parts"].startswith("amount partly")


def test_the_call_for_regulation_is_answered_by_laws_known_only_later(seed_json) -> None:
    found = _matches(seed_json, 7, "called for regulation")
    assert any(now == "consistent" and then == "unverifiable" for now, then in found.values())


def test_every_paragraph_has_the_themes_a_careful_reader_gives_it(seed_json) -> None:
    themes = {p["paragraph"]: set(p["themes"]) for p in seed_json["paragraphs"]}
    assert "funding" in themes[1] and "funding" in themes[5]
    assert "governance" in themes[4]
    assert "ai_risk" in themes[7] and "ai_risk" in themes[8]


def test_json_has_the_design_contract_keys(seed_json) -> None:
    assert set(seed_json) >= {"document", "paragraphs", "entities", "amounts", "dates", "claims"}
    assert seed_json["document"] == {"doc_id": SEED_ID, "path": "bloomberg-2019-07-22-microsoft-openai.txt",
                                     "published": "2019-07-22", "paragraph_count": 10}
    paragraph = seed_json["paragraphs"][0]
    assert set(paragraph) == {"paragraph", "text", "themes", "subthemes", "evidence"}
    assert all(set(e) == {"theme", "term", "start", "end"} for p in seed_json["paragraphs"] for e in p["evidence"])
    for p in seed_json["paragraphs"]:
        for e in p["evidence"]:
            assert p["text"][e["start"]:e["end"]] == e["term"]
    assert set(seed_json["entities"][0]) == {"paragraph", "text", "canonical", "label", "start", "end"}
    assert set(seed_json["amounts"][0]) == {"paragraph", "text", "value", "currency", "qualifier", "start", "end"}
    assert set(seed_json["dates"][0]) == {"paragraph", "text", "value", "precision", "relative"}
    claim = seed_json["claims"][0]
    assert set(claim) == {"paragraph", "text", "kind", "matches"}
    assert set(claim["matches"][0]) >= {"dataset", "row_id", "verdict", "note"}
