"""One provenance path: loaders tag what they return, views and chart builders carry the tags, and `save` turns a
tag into sources, licences and inputs (`workbench.lineage`, `workbench.attribution`)."""

from __future__ import annotations

import ast
import importlib
import inspect
import json
import pkgutil

import polars as pl
import pytest
from conftest import REPO, SEED_ID
from hypothesis import given
from hypothesis import strategies as st

from workbench import charts, datasets, lineage, views
from workbench.attribution import ARTICLE_LICENCE, attribute, combined_licence
from workbench.lineage import Lineage, lineage_of, traced
from workbench.outputs import save
from workbench.views import funding, governance, profile


def test_a_loaded_table_names_itself_the_tables_it_derives_from_and_cites_every_row() -> None:
    events = datasets.load("funding_events")
    found = lineage_of(events)
    assert found.datasets == {"funding_events", "funding_status_changes", "sources", "publishers"}
    assert found.source_ids() == sorted(set(events["source_ids"].explode().drop_nulls()))


@traced
def _largest_round() -> pl.DataFrame:
    """A lookup and an aggregate without source ids: inputs, but no rows cited."""
    return datasets.load("funding_events").select(pl.col("amount_usd").max())


@traced
def _openai_total() -> pl.DataFrame:
    """An aggregate over a traced call: cites the rows that call returned."""
    return funding.received_pieces("OpenAI").select(pl.col("amount_usd").sum())


def test_views_keep_their_inputs_and_cite_only_the_rows_behind_their_result() -> None:
    deal = funding.focus_deals("OpenAI").filter(pl.col("event_id") == "msft-openai-2019-07")
    assert "funding_events" in lineage_of(funding.focus_deals("OpenAI")).datasets
    assert lineage_of(_largest_round()).datasets >= {"funding_events"}
    assert lineage_of(_largest_round()).source_ids() == []  # looked up, not shown: no row is cited
    pieces = funding.received_pieces("OpenAI")
    assert lineage_of(_openai_total()).source_ids() == sorted(set(pieces["source_ids"].explode().drop_nulls()))
    assert lineage_of(deal) is None  # a filter in a notebook cell makes a new frame; `save` falls back (below)


def test_a_chart_carries_the_rows_it_was_built_from() -> None:
    crisis = governance.events_in(charts.BOARD_CRISIS)
    chart = charts.governance_timeline(crisis)
    assert lineage_of(chart).source_ids() == sorted(set(crisis["source_ids"].explode().drop_nulls()))
    assert lineage_of(chart).datasets >= {"governance_events"}


def test_a_cached_result_keeps_the_tag_it_got_when_computed() -> None:
    first, again = views.article.analysis(SEED_ID), views.article.analysis(SEED_ID)
    assert first is again and lineage_of(again).articles == lineage_of(first).articles
    assert [a.doc_id for a in lineage_of(views.article.theme_profile(SEED_ID)).articles] == [SEED_ID]


def test_an_untraced_frame_is_attributed_to_the_session_and_says_so() -> None:
    datasets.load("policy_events")
    frame = pl.DataFrame({"source_ids": [["src-00220838"]], "n": [1]})
    cited = attribute(frame)
    assert "not traced" in cited["notes"]
    assert "policy_events" in {d["dataset"] for d in cited["derived_from"] if isinstance(d, dict)}
    record = [source for source in cited["sources"] if "source_id" in source]  # the session may hold articles too
    assert [s["source_id"] for s in record] == ["src-00220838"] and record[0]["url"]


def test_save_writes_what_the_lineage_says(tmp_path) -> None:
    timeline = profile.record_timeline("Anthropic")
    output = save(timeline, "t/anthropic", title="Anthropic", data_dir=tmp_path)
    sidecar = json.loads((tmp_path / output.sidecar).read_text())
    assert {s["source_id"] for s in sidecar["sources"]} == set(timeline["source_ids"].explode().drop_nulls())
    assert sidecar["licence"]["expression"] == "CC-BY-4.0" and sidecar["licences"] == ["CC-BY-4.0"]
    assert {"funding_events", "governance_events", "sources"} <= {d["dataset"] for d in sidecar["derived_from"]}
    assert sidecar["title"] == "Anthropic" and sidecar["notes"] == ""


def test_a_licence_named_by_hand_joins_the_computed_one(tmp_path) -> None:
    output = save(funding.focus_deals("OpenAI"), "t/deals", meta={"licences": ["CC-BY-SA-4.0"]}, data_dir=tmp_path)
    sidecar = json.loads((tmp_path / output.sidecar).read_text())
    assert sidecar["licence"]["expression"] == "CC-BY-SA-4.0"


@pytest.mark.parametrize(("inputs", "expression", "words"), [
    ({"a": "CC-BY-4.0", "b": "CC-BY-4.0"}, "CC-BY-4.0", "every openly licensed input is CC BY"),
    ({"a": "CC-BY-4.0", "aiaaic": "CC-BY-SA-4.0"}, "CC-BY-SA-4.0", "aiaaic is share-alike"),
    ({"a": "CC-BY-4.0", "n": "CC-BY-NC-4.0"}, "CC-BY-NC-4.0", "n may not be used commercially"),
    ({"a": "CC-BY-SA-4.0", "agora": "ETO-terms-of-use"}, "CC-BY-SA-4.0 AND LicenseRef-ETO-terms-of-use",
     "agora comes under its provider's terms (ETO-terms-of-use)"),
    ({"“Move Over”": ARTICLE_LICENCE}, ARTICLE_LICENCE, "publisher's copyright"),
])
def test_the_licence_of_a_combination_follows_its_inputs(inputs, expression, words) -> None:
    licence = combined_licence(inputs)
    assert licence["expression"] == expression and words in licence["statement"]
    assert [item["input"] for item in licence["inputs"]] == sorted(inputs)


_names = st.frozensets(st.sampled_from(["funding_events", "policy_events", "entities", "sources"]))
_lineages = st.builds(Lineage, datasets=_names, live=st.frozensets(st.sampled_from(["epoch_models", "aiid_incidents"])))


@given(_lineages, _lineages, _lineages)
def test_union_is_associative_commutative_and_idempotent(a: Lineage, b: Lineage, c: Lineage) -> None:
    assert (a | b) | c == a | (b | c)
    assert a | b == b | a and a | a == a


def _returns_output(function) -> bool:
    annotation = inspect.signature(function).return_annotation
    return any(word in str(annotation) for word in ("DataFrame", "Chart", "Document", "Analysis", "TopLevelMixin"))


VIEW_AND_CHART_MODULES = [importlib.import_module(f"{package.__name__}.{info.name}")
                          for package in (views, charts) for info in pkgutil.iter_modules(package.__path__)]


def test_every_view_and_chart_builder_that_returns_an_output_is_traced() -> None:
    helpers = {"require", "embeddable", "placeholder", "finish", "grouped"}  # pieces of charts, not outputs
    untraced = [f"{module.__name__}.{name}" for module in VIEW_AND_CHART_MODULES
                for name, function in inspect.getmembers(module, inspect.isfunction)
                if function.__module__ == module.__name__ and not name.startswith("_") and name not in helpers
                and _returns_output(function) and not getattr(function, "__traced__", False)]
    assert untraced == ["workbench.views.risk.live_charts"]  # each of its charts is traced by its own builder


def _save_cell(notebook: str) -> ast.Module:
    cells = json.loads((REPO / "notebooks" / f"{notebook}.ipynb").read_text())["cells"]
    code = ["".join(cell["source"]) for cell in cells if cell["cell_type"] == "code"]
    return ast.parse(next(source for source in reversed(code) if "wb.save(" in source))


def _only_saves(statements: list[ast.stmt]) -> bool:
    for statement in statements:
        if isinstance(statement, (ast.For, ast.If)):
            if not _only_saves(statement.body + statement.orelse):
                return False
        elif isinstance(statement, ast.Assign) and isinstance(statement.value, ast.JoinedStr):
            continue  # a title shared by several saves
        elif not (isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call)
                  and ast.unparse(statement.value.func) == "wb.save"):
            return False
    return True


@pytest.mark.parametrize("notebook", ["00-start-here", "01-the-article", "02-funding", "03-governance", "04-ai-risk",
                                      "05-hindsight", "06-lab-profile"])
def test_save_cells_hold_only_save_calls(notebook: str) -> None:
    cell = _save_cell(notebook)
    assert _only_saves(cell.body), ast.unparse(cell)
    assert "meta=" not in ast.unparse(cell)  # no provenance by hand


def test_lineage_imports_nothing_of_the_workbench() -> None:
    assert "from workbench" not in inspect.getsource(lineage).replace("`workbench.attribution`", "")
