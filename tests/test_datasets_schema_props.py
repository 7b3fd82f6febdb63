"""Property tests (hypothesis) for the cell converters and the CSV reader."""

from __future__ import annotations

import csv
import io
from datetime import date

from conftest import examples
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.datasets.schema import FieldSpec, convert, end_of_period, read_table

TODAY = date(2026, 11, 30)
DATE = FieldSpec("d", "date", "a date", min="1950-01-01", max="today", precision="p")
AMOUNT = FieldSpec("a", "float", "an amount", min=0, max=2e12)
KIND = FieldSpec("k", "enum", "a kind", values=("committed", "reported", "pledged"), required=True)
TAGS = FieldSpec("t", "list[enum]", "tags", values=("safety", "bias", "privacy"))
FLAG = FieldSpec("f", "bool", "a flag", required=True)


@given(st.dates(min_value=date(1950, 1, 1), max_value=TODAY))
def test_valid_dates_round_trip(value):
    cell = convert(DATE, value.isoformat(), today=TODAY)
    assert cell.problem is None and cell.value == value


@given(st.dates(min_value=date(1000, 1, 1), max_value=date(9999, 12, 31))
       .filter(lambda d: d < date(1950, 1, 1) or d > TODAY))
def test_out_of_range_dates_are_rejected(value):
    cell = convert(DATE, value.isoformat(), today=TODAY)
    assert cell.problem is not None and cell.value is None


@given(st.integers(1950, 2025), st.integers(1, 12))
def test_month_dates_normalise_to_first_with_precision(year, month):
    cell = convert(DATE, f"{year}-{month:02d}", today=TODAY)
    assert cell.value == date(year, month, 1) and cell.precision == "month"
    assert end_of_period(cell.value, "month") >= cell.value


@given(st.floats(min_value=0, max_value=2e12, allow_nan=False))
def test_amounts_in_range_parse_exactly(value):
    cell = convert(AMOUNT, repr(value), today=TODAY)
    assert cell.problem is None and cell.value == value


@given(st.one_of(st.floats(max_value=-1e-9, allow_nan=False, allow_infinity=False),
                 st.floats(min_value=2.0000001e12, allow_nan=False, allow_infinity=False)))
def test_negative_or_absurd_amounts_are_rejected(value):
    cell = convert(AMOUNT, repr(value), today=TODAY)
    assert cell.problem is not None


@given(st.text(min_size=1).filter(lambda s: s.strip() != ""))
def test_enum_accepts_exactly_its_vocabulary(text):
    cell = convert(KIND, text, today=TODAY)
    assert (cell.problem is None) == (text.strip() in KIND.values)


@given(st.lists(st.sampled_from(TAGS.values), max_size=5),
       st.lists(st.text(alphabet="abcxyz", min_size=1, max_size=6), max_size=3))
def test_list_enum_rejects_any_unknown_item(good, other):
    items = good + other
    cell = convert(TAGS, ";".join(items), today=TODAY)
    unknown = [i for i in items if i not in TAGS.values]
    assert (cell.problem is None) == (not unknown)
    if not unknown:
        assert cell.value == items


@given(st.text(max_size=8))
def test_bool_accepts_only_true_false_words(text):
    cell = convert(FLAG, text, today=TODAY)
    word = text.strip().lower()
    assert (cell.problem is None) == (word in {"true", "false", "yes", "no", "1", "0"})


@settings(max_examples=examples(40), deadline=None)
@given(st.lists(st.tuples(st.sampled_from(KIND.values), st.dates(min_value=date(1950, 1, 1), max_value=TODAY),
                          st.text(alphabet='ab,"\n ', max_size=8)), min_size=1, max_size=8),
       st.data())
def test_reader_reports_the_physical_line_of_a_bad_row(tmp_path_factory, rows, data):
    """Quoted commas and newlines never shift the reported line number."""
    fields = [KIND, FieldSpec("d", "date", "a date", min="1950-01-01", max="today"),
              FieldSpec("note", "string", "free text")]
    bad = data.draw(st.integers(0, len(rows) - 1))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["k", "d", "note"])
    lines = []
    for i, (kind, day, note) in enumerate(rows):
        lines.append(buffer.getvalue().count("\n") + 1)
        writer.writerow([kind if i != bad else "bogus", day.isoformat(), note])
    path = tmp_path_factory.mktemp("csv") / "t.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8")
    parsed = read_table(path, fields, today=TODAY)
    assert [(p.line, p.column, p.value) for p in parsed.problems] == [(lines[bad], "k", "bogus")]
