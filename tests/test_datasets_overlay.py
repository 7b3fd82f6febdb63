"""User overlays (data/user/<dataset>.csv) and the error for every kind of bad input."""

from __future__ import annotations

import polars as pl
import pytest

from workbench import datasets
from workbench.errors import DatasetError, SchemaError

HEADER = ("event_id,date,date_precision,investor,recipient,amount_usd,amount_kind,instrument,status,asset,deal,"
          "is_total,compute_link,source_ids,weak_support")
SEED_SOURCE = None


def a_source_id() -> str:
    return datasets.load("sources", with_user=False)["source_id"][0]


def write(folder, name, text):
    path = folder / f"{name}.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_user_rows_are_added_and_marked(user_dir):
    src = a_source_id()
    write(user_dir, "funding_events", f"{HEADER}\n"
          f"my-deal-2020,2020-05,,Amazon,Anthropic,5e8,reported,equity,committed,cash,my round,false,true,"
          f"{src},false\n")
    frame = datasets.load_funding()
    row = frame.filter(pl.col("event_id") == "my-deal-2020").row(0, named=True)
    assert row["origin"] == "user"
    assert str(row["date"]) == "2020-05-01" and row["date_precision"] == "month"  # YYYY-MM normalised
    assert row["amount_usd"] == 5e8 and row["confidence"] in ("high", "medium", "low")
    assert frame.filter(pl.col("origin") == "user").height == 1
    assert datasets.load_funding().height == datasets.load("funding_events", with_user=False).height + 1
    card = str(datasets.info("funding_events"))
    assert "1 from you" in card and "my-deal-2020" in card


def test_user_row_replaces_shipped_row_by_id(user_dir):
    src = a_source_id()
    write(user_dir, "funding_events", f"{HEADER}\n"
          f"msft-openai-2019-07,2019-07-22,day,Microsoft,OpenAI,2e9,reported,mixed,committed,cash,my correction,"
          f"false,true,{src},false\n")
    frame = datasets.load_funding()
    rows = frame.filter(pl.col("event_id") == "msft-openai-2019-07")
    assert rows.height == 1 and rows["amount_usd"][0] == 2e9 and rows["origin"][0] == "user"
    shipped = datasets.load("funding_events", with_user=False).filter(pl.col("event_id") == "msft-openai-2019-07")
    assert shipped["amount_usd"][0] == 1e9 and shipped["origin"][0] == "package"
    assert "replacing shipped rows: msft-openai-2019-07" in str(datasets.info("funding_events"))


def test_user_sources_can_back_user_rows(user_dir):
    write(user_dir, "publishers", "host,publisher,kind,partisan,why\n"
          "example.org,Example Corp,company,false,its own filings\n")
    write(user_dir, "sources", "source_id,url,title\nmy-src,https://filings.example.org/2021,Annual filing\n")
    write(user_dir, "funding_events", f"{HEADER}\n"
          "my-deal,2021-01-01,day,Amazon,Anthropic,1e6,reported,equity,committed,cash,x,false,false,my-src,false\n")
    source = datasets.load_sources().filter(pl.col("source_id") == "my-src").row(0, named=True)
    assert (source["host"], source["publisher"], source["kind"], source["tier"]) == (
        "filings.example.org", "Example Corp", "company", "primary")  # the tier comes from the host's publisher row
    row = datasets.load_funding().filter(pl.col("event_id") == "my-deal").row(0, named=True)
    assert row["confidence"] == "high" and row["meets_bar"]  # a primary source


def test_a_user_source_on_an_unknown_host_names_the_host_and_the_fix(user_dir):
    write(user_dir, "sources", "source_id,url,title\nmy-src,https://news.unknown-host.test/a,A story\n")
    error, problems = problems_of(datasets.load_sources)
    assert "'news.unknown-host.test'" in problems[0].what and "publishers.csv" in problems[0].fix
    assert problems[0].line == 2 and problems[0].column == "url"


def test_a_user_row_below_the_bar_is_kept_and_marked_low_with_the_reason(user_dir):
    write(user_dir, "publishers", "host,publisher,kind,partisan,why\n"
          "summaries.test,Summaries,aggregator,false,rewrites others\n")
    write(user_dir, "sources", "source_id,url,title\nmy-src,https://summaries.test/a,A summary\n")
    write(user_dir, "funding_events", f"{HEADER}\n"
          "my-deal,2021-01-01,day,Amazon,Anthropic,1e6,reported,equity,committed,cash,x,false,false,my-src,false\n")
    row = datasets.load_funding().filter(pl.col("event_id") == "my-deal").row(0, named=True)
    assert row["confidence"] == "low" and not row["meets_bar"] and "summaries.test" in row["bar_reason"]


def problems_of(callable_):
    with pytest.raises(SchemaError) as caught:
        callable_()
    return caught.value, caught.value.problems


@pytest.mark.parametrize(
    "row, column, value, needle",
    [
        ("x,2020-01-01,day,Amazon,Anthropic,-5,reported,equity,committed,cash,d,false,false,{src},false",
         "amount_usd", "-5", "negative"),
        ("x,2020-01-01,day,Amazon,Anthropic,1e15,reported,equity,committed,cash,d,false,false,{src},false",
         "amount_usd", "1e15", "absurd"),
        ("x,2020-01-01,day,Amazon,Anthropic,one billion,reported,equity,committed,cash,d,false,false,{src},false",
         "amount_usd", "one billion", "not a number"),
        ("x,1949-12-31,day,Amazon,Anthropic,1,reported,equity,committed,cash,d,false,false,{src},false",
         "date", "1949-12-31", "before 1950"),
        ("x,2999-01-01,day,Amazon,Anthropic,1,reported,equity,committed,cash,d,false,false,{src},false",
         "date", "2999-01-01", "future"),
        ("x,2020-02-30,day,Amazon,Anthropic,1,reported,equity,committed,cash,d,false,false,{src},false",
         "date", "2020-02-30", "calendar"),
        ("x,20/01/2020,day,Amazon,Anthropic,1,reported,equity,committed,cash,d,false,false,{src},false",
         "date", "20/01/2020", "not a date"),
        ("x,2020-01-01,day,Amazon,Anthropic,1,rumoured,equity,committed,cash,d,false,false,{src},false",
         "amount_kind", "rumoured", "allowed values"),
        ("x,2020-01-01,day,Amazon,Anthropic,1,reported,equity,committed,cash,d,maybe,false,{src},false",
         "is_total", "maybe", "true or false"),
        ("x,2020-01-01,day,Amazon,Anthropic,1,reported,equity,committed,cash,d,false,false,src-doesnotexist,false",
         "source_ids", "src-doesnotexist", "not a source_id"),
        ("x,2020-01-01,day,Amazn,Anthropic,1,reported,equity,committed,cash,d,false,false,{src},false",
         "investor", "Amazn", "did you mean 'Amazon'"),
        ("x,2020-01-01,day,Amazon,Anthropic,1,reported,equity,committed,cash,d,false,false,,false",
         "source_ids", "", "cites no source"),
    ],
)
def test_bad_cells_name_file_line_column_value_and_fix(user_dir, row, column, value, needle):
    path = write(user_dir, "funding_events", f"{HEADER}\n{row.format(src=a_source_id())}\n")
    error, problems = problems_of(datasets.load_funding)
    matching = [p for p in problems if p.column == column]
    assert matching, str(error)
    problem = matching[0]
    assert problem.file == str(path) and problem.line == 2 and str(problem.value) == value
    assert problem.fix
    assert needle in str(error)
    assert str(path) in str(error) and ":2" in str(error)


def test_a_sourced_row_that_still_says_why_it_has_no_source_is_refused(user_dir):
    """A reason left in unsourced_reason after a source was found (two shipped rows had one) contradicts the row."""
    path = write(user_dir, "funding_events", f"{HEADER},unsourced_reason\n"
                 "x,2020-01-01,day,Amazon,Anthropic,1,reported,equity,committed,cash,d,false,false,"
                 f"{a_source_id()},false,no page found yet\n")
    error, problems = problems_of(datasets.load_funding)
    (problem,) = [p for p in problems if p.column == "unsourced_reason"]
    assert problem.file == str(path) and problem.line == 2 and problem.value == "no page found yet"
    assert "cites sources but still says why it has none" in str(error) and "clear unsourced_reason" in problem.fix


def test_unknown_column_in_overlay(user_dir):
    path = write(user_dir, "funding_events", f"{HEADER},amount_eur\n"
                 "x,2020-01-01,day,Amazon,Anthropic,1,reported,equity,committed,cash,d,false,false,"
                 f"{a_source_id()},false,5\n")
    error, problems = problems_of(datasets.load_funding)
    assert problems[0].column == "amount_eur" and problems[0].line == 1 and problems[0].file == str(path)
    assert "not a column" in str(error) and "amount_usd" in problems[0].fix


def test_missing_required_column(user_dir):
    write(user_dir, "funding_events", "event_id,date\nx,2020-01-01\n")
    error, problems = problems_of(datasets.load_funding)
    assert {"investor", "recipient", "amount_kind"} <= {p.column for p in problems}


def test_duplicate_ids_in_overlay(user_dir):
    src = a_source_id()
    line = f"dup,2020-01-01,day,Amazon,Anthropic,1,reported,equity,committed,cash,d,false,false,{src},false"
    write(user_dir, "funding_events", f"{HEADER}\n{line}\n{line}\n")
    error, problems = problems_of(datasets.load_funding)
    assert problems[0].line == 3 and problems[0].value == "dup" and "line 2" in problems[0].what


def test_wrong_field_count_and_unclosed_quote(user_dir):
    src = a_source_id()
    write(user_dir, "funding_events", f"{HEADER}\nx,2020-01-01,day,Amazon\n")
    _, problems = problems_of(datasets.load_funding)
    assert problems[0].line == 2 and "fields" in problems[0].what
    write(user_dir, "funding_events", f'{HEADER}\n'
          f'x,2020-01-01,day,Amazon,Anthropic,1,reported,equity,committed,cash,"d,false,false,{src},false\n')
    error, problems = problems_of(datasets.load_funding)
    assert "malformed" in str(error) or "fields" in str(error)


def test_all_problems_reported_at_once(user_dir):
    src = a_source_id()
    write(user_dir, "funding_events", f"{HEADER}\n"
          f"a,1900-01-01,day,Amazon,Anthropic,-1,reported,equity,committed,cash,d,false,false,{src},false\n"
          f"b,2020-01-01,day,Amazon,Anthropic,1,nope,equity,committed,cash,d,false,false,{src},false\n")
    _, problems = problems_of(datasets.load_funding)
    assert {(p.line, p.column) for p in problems} >= {(2, "date"), (2, "amount_usd"), (3, "amount_kind")}


def test_funding_rules(user_dir):
    src = a_source_id()
    write(user_dir, "funding_events", f"{HEADER},part_of,amount_original\n"
          f"a,2020-01-01,day,Amazon,Anthropic,5,undisclosed,equity,committed,cash,d,false,false,{src},false,,\n"
          f"b,2020-01-01,day,Amazon,Anthropic,1,reported,equity,committed,cash,d,false,false,{src},false,a,\n"
          f"c,2020-01-01,day,Amazon,Anthropic,1,reported,equity,committed,cash,d,false,false,{src},false,,7\n")
    error, problems = problems_of(datasets.load_funding)
    text = str(error)
    assert "'undisclosed'" in text and "not a total row" in text and "given together" in text


def test_parts_above_total_rejected(user_dir):
    src = a_source_id()
    write(user_dir, "funding_events", f"{HEADER},part_of\n"
          f"tot,2020-01-01,day,Amazon,Anthropic,10,reported,equity,committed,cash,d,true,false,{src},false,\n"
          f"p1,2020-01-01,day,Amazon,Anthropic,8,reported,equity,committed,cash,d,false,false,{src},false,tot\n"
          f"p2,2020-01-01,day,Amazon,Anthropic,8,reported,equity,committed,cash,d,false,false,{src},false,tot\n")
    error, _ = problems_of(datasets.load_funding)
    assert "more than the total" in str(error)


def test_unknown_policy_concern(user_dir):
    write(user_dir, "policy_events",
          "event_id,date,date_precision,jurisdiction,instrument_type,title,concerns,status,source_ids,weak_support\n"
          f"P-1,2024-01-01,day,EU,law,t,safety;privcy,adopted,{a_source_id()},false\n")
    error, problems = problems_of(datasets.load_policy)
    assert problems[0].column == "concerns" and "privacy" in problems[0].fix


def test_unknown_dataset_name():
    with pytest.raises(DatasetError) as caught:
        datasets.info("governance")
    assert "governance_events" in str(caught.value)
    with pytest.raises(DatasetError):
        datasets.load("funding_events", as_of="22 July 2019")


def test_validate_file_without_installing(tmp_path, user_dir):
    good = tmp_path / "funding_events.csv"
    good.write_text(f"{HEADER}\nv,2020-01-01,day,Amazon,Anthropic,1,reported,equity,committed,cash,d,false,false,"
                    f"{a_source_id()},false\n", encoding="utf-8")
    assert datasets.validate(good).height == 1
    assert "v" not in datasets.load_funding()["event_id"].to_list()
    bad = tmp_path / "mine.csv"
    bad.write_text(f"{HEADER}\nv,2020-01-01,day,Amazon,Nobody,1,reported,equity,committed,cash,d,false,false,"
                   f"{a_source_id()},false\n", encoding="utf-8")
    with pytest.raises(DatasetError):
        datasets.validate(bad)  # cannot tell the dataset from the name
    with pytest.raises(SchemaError) as caught:
        datasets.validate(bad, "funding_events")
    assert caught.value.problems[0].column == "recipient" and caught.value.problems[0].value == "Nobody"


def test_cached_analyses_and_sources_follow_an_edited_overlay(user_dir):
    from conftest import SEED_ID

    from workbench.datasets import citing as record
    from workbench.views import article
    from workbench.widgets import reader

    before, first = datasets.data_version(), article.analysis(SEED_ID)
    assert article.analysis(SEED_ID) is first and reader.analysis_of(SEED_ID) is reader.analysis_of(SEED_ID)
    assert "my-src" not in record.source_index()
    write(user_dir, "publishers", "host,publisher,kind,partisan,why\n"
          "example.org,Example Corp,company,false,own filings\n")
    write(user_dir, "sources", "source_id,url,title\nmy-src,https://example.org/filing,Annual filing\n")
    assert datasets.data_version() != before
    assert record.source_index()["my-src"]["publisher"] == "Example Corp"  # seen without a restart
    assert article.analysis(SEED_ID) is not first  # recomputed against the edited data
