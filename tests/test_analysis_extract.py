"""Amounts, dates, actors and sentence spans: the DESIGN §4 contracts, and offsets that always hold."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from conftest import examples
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench import datasets
from workbench.analysis.amounts import extract_amounts
from workbench.analysis.dates import extract_dates
from workbench.analysis.entities import extract_entities

MONDAY = dt.date(2019, 7, 22)


def _frame(*texts: str) -> pl.DataFrame:
    return pl.DataFrame({"doc_id": ["d"] * len(texts), "paragraph": list(range(1, len(texts) + 1)),
                         "text": list(texts)},
                        schema={"doc_id": pl.String, "paragraph": pl.Int64, "text": pl.String})


@pytest.mark.parametrize(("text", "value", "currency", "qualifier"), [
    ("at least $1 billion", 1e9, "USD", "at_least"),
    ("more than $100 billion", 1e11, "USD", "more_than"),
    ("over $5 million", 5e6, "USD", "more_than"),
    ("up to $4 billion", 4e9, "USD", "up_to"),
    ("about $13 billion", 1.3e10, "USD", "about"),
    ("roughly $2bn", 2e9, "USD", "about"),
    ("nearly $300,000", 3e5, "USD", "about"),
    ("some $40 million", 4e7, "USD", "about"),
    ("an estimated $7.5 billion", 7.5e9, "USD", "about"),
    ("€35 million", 3.5e7, "EUR", "exact"),
    ("$6.6bn", 6.6e9, "USD", "exact"),
    ("$450m", 4.5e8, "USD", "exact"),
    ("1 billion dollars", 1e9, "USD", "exact"),
    ("a billion dollars", 1e9, "USD", "exact"),
    ("US$2.5 billion", 2.5e9, "USD", "exact"),
    ("£1.2bn", 1.2e9, "GBP", "exact"),
    ("$10B", 1e10, "USD", "exact"),
    ("EUR 600 million", 6e8, "EUR", "exact"),
])
def test_amounts_carry_value_currency_and_qualifier(text: str, value: float, currency: str, qualifier: str) -> None:
    found = extract_amounts(_frame(f"They said {text} was involved."))
    assert found.height == 1
    row = found.row(0, named=True)
    assert (row["text"], row["currency"], row["qualifier"]) == (text, currency, qualifier)
    assert row["value"] == pytest.approx(value)


@pytest.mark.parametrize("text", ["Revenue grew 7% to 770 employees.", "In 2015 it had 40 staff.",
                                  "The model has 1.5 billion parameters.", "Some 100 people came."])
def test_percentages_counts_and_bare_numbers_are_not_money(text: str) -> None:
    assert extract_amounts(_frame(text)).is_empty()


@pytest.mark.parametrize(("text", "value", "precision", "relative"), [
    ("OpenAI started in 2015.", "2015", "year", False),
    ("He left the board last year.", "2018", "year", True),
    ("In February, it unveiled GPT-2.", "2019-02", "month", True),
    ("It was announced on Monday.", "2019-07-22", "day", True),
    ("The board met on Nov. 17.", "2018-11-17", "day", True),
    ("Earlier this year, it changed.", "2019", "year", True),
    ("It launched in late 2022.", "2022", "year", False),
    ("Signed on July 22, 2019.", "2019-07-22", "day", False),
    ("Signed on 22 July 2019.", "2019-07-22", "day", False),
    ("Filed 2019-07-22.", "2019-07-22", "day", False),
    ("It closed in February 2019.", "2019-02", "month", False),
    ("Sales fell last month.", "2019-06", "month", True),
    ("It happened yesterday.", "2019-07-21", "day", True),
    ("Talks began in May.", "2019-05", "month", True),
    ("They met last Monday.", "2019-07-15", "day", True),
])
def test_dates_resolve_against_the_publication_date(text: str, value: str, precision: str, relative: bool) -> None:
    found = extract_dates(_frame(text), published=MONDAY)
    assert found.height == 1, found
    row = found.row(0, named=True)
    assert (row["value"], row["precision"], row["relative"]) == (value, precision, relative)


@pytest.mark.parametrize("text", ["You may go.", "We march on.", "It cost $2015.", "Up 2019% on 1,2015 items.",
                                  "On February 30, 2019 nothing.", "Ref 12019."])
def test_words_numbers_and_impossible_dates_are_not_dates(text: str) -> None:
    assert extract_dates(_frame(text), published=MONDAY).is_empty()


def test_relative_dates_without_a_publication_date_stay_unresolved_and_say_so() -> None:
    row = extract_dates(_frame("He left last year.")).row(0, named=True)
    assert row["value"] is None and row["relative"] and "unresolved" in row["note"]


def test_the_publication_date_may_come_per_document() -> None:
    frame = _frame("last year", "last year").with_columns(
        published=pl.Series([dt.date(2019, 1, 1), dt.date(2023, 5, 1)]))
    assert extract_dates(frame)["value"].to_list() == ["2018", "2022"]


def test_actors_resolve_through_the_alias_table_and_unknown_orgs_are_marked() -> None:
    text = "Musk, Microsoft Corp. and AWS met Acme Robotics Inc. while Facebook watched."
    found = extract_entities(_frame(text), datasets.load("entities"))
    by_text = {row["text"]: row for row in found.iter_rows(named=True)}
    assert by_text["Musk"]["canonical"] == "Elon Musk" and by_text["Musk"]["label"] == "PERSON"
    assert by_text["Microsoft Corp."]["canonical"] == "Microsoft"
    assert by_text["AWS"]["canonical"] == "Amazon Web Services"
    assert by_text["Facebook"]["canonical"] == "Meta"
    acme = by_text["Acme Robotics Inc."]
    assert acme["canonical"] is None and acme["in_record"] is False and acme["label"] == "ORG"
    for row in found.iter_rows(named=True):
        assert text[row["start"]:row["end"]] == row["text"]


_texts = st.lists(st.text(alphabet=st.sampled_from(list("ab AZ.!?\"'\u201c\u201d\u00a0\n\r\t$€1,09-éж中")),
                          max_size=120),
                  max_size=8)


@settings(max_examples=examples(400), deadline=None)
@given(_texts)
def test_amount_and_date_spans_point_into_the_text(texts: list[str]) -> None:
    frame = _frame(*texts)
    for found in (extract_amounts(frame), extract_dates(frame, published=MONDAY)):
        for row in found.iter_rows(named=True):
            assert texts[row["paragraph"] - 1][row["start"]:row["end"]] == row["text"]


def test_claim_cues_are_a_lexicon_file_and_a_bad_pattern_names_its_line(tmp_path) -> None:
    import pytest

    from workbench.analysis import claims
    from workbench.errors import SchemaError

    cues = claims.load_cues()
    assert set(cues) == {"cue", "concern", "legal_form"} and "funding" in cues["cue"] and "bias" in cues["concern"]
    bad = tmp_path / "claim_cues.csv"
    bad.write_text("group,name,pattern,note\ncue,ok,\\bfine\\b,\ncue,broken,(unclosed,\nmood,x,y,\n", encoding="utf-8")
    with pytest.raises(SchemaError) as caught:
        claims.load_cues(bad)
    found = {(p.line, p.column) for p in caught.value.problems}
    assert found == {(3, "pattern"), (4, "group")} and "(unclosed" in str(caught.value)
