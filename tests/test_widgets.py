"""The explorers driven the way the front end drives them: control values set, chart selections arriving in
JupyterChart's `_vl_selections`, the Save button clicked. No browser: the assertions are on `.selection`,
the chart spec (validated by `to_dict()`), the table HTML and what the private Output received."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from pathlib import Path

import polars as pl
import pytest
import traitlets
from altair.utils.selection import IntervalSelection, PointSelection
from ipywidgets.widgets import widget as ipywidget

from workbench import charts, datasets
from workbench.datasets.money import flows
from workbench.widgets import ArticleReader, FundingExplorer, GovernanceExplorer, RiskExplorer
from workbench.widgets.selection import selection_filter

EXPLORERS = [ArticleReader, FundingExplorer, GovernanceExplorer, RiskExplorer]


def pick(explorer, **values) -> None:
    """What the browser sends after a click on a point carrying `values`."""
    explorer.jchart._vl_selections = {**explorer.jchart._vl_selections,
                                      "pick": {"value": {"vlPoint": {"or": [values]}}, "store": []}}


def brush(explorer, field: str, low, high) -> None:
    explorer.jchart._vl_selections = {**explorer.jchart._vl_selections,
                                      "brush": {"value": {field: [low, high]}, "store": []}}


def ms(day: str) -> int:
    return int(dt.datetime.fromisoformat(day).replace(tzinfo=dt.UTC).timestamp() * 1000)


def spec_rows(explorer) -> list[dict]:
    """The data rows the front end received in the chart spec."""
    return [row for rows in explorer.jchart.spec.get("datasets", {}).values() for row in rows]


@pytest.mark.parametrize("cls", EXPLORERS)
def test_builds_with_no_arguments_and_shows_the_source_ids_of_its_rows(cls) -> None:
    explorer = cls()
    try:
        assert explorer.selection.height > 0
        assert "source_ids" in explorer.columns and "source_ids" in explorer.selection.columns
        explorer.chart.to_dict()  # validates against the Vega-Lite schema
        assert explorer.jchart.spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/v6")
        first_ids = next(ids for ids in explorer.selection["source_ids"].to_list() if ids)
        assert all(f">{source_id}</a>" in explorer._table.value for source_id in first_ids)
    finally:
        explorer.close()


@pytest.mark.parametrize("cls", EXPLORERS)
def test_close_releases_every_widget_and_observer(cls, monkeypatch: pytest.MonkeyPatch) -> None:
    cls().close()  # warm caches that create nothing per instance
    before = len(ipywidget._instances)
    explorer = cls()
    assert len(ipywidget._instances) > before
    controls = [link.target[0] for link in explorer._links]
    explorer.close()
    assert len(ipywidget._instances) == before
    redraws = []
    monkeypatch.setattr(explorer, "refresh", lambda: redraws.append(1))
    for name in explorer.filters:
        explorer.set_trait(name, explorer.trait_defaults(name))
    assert not explorer._links and not explorer._watches and not explorer._clicks and not redraws
    def ours(handler) -> bool:
        owner = getattr(handler, "__self__", None)
        return (owner is explorer or isinstance(owner, traitlets.link)
                or "Explorer." in getattr(handler, "__qualname__", ""))

    for widget in (*controls, explorer.jchart, explorer):
        for handlers in widget._trait_notifiers.values():
            assert not any(ours(h) for h in handlers.get("change", [])), widget
    assert not explorer._save_button._click_handlers.callbacks


def pieces() -> pl.DataFrame:
    """What the funding explorer shows: pieces of money (a round split into its parts and the rest)."""
    return flows(datasets.load("funding_events"))


def test_funding_filters_update_rows_chart_and_table() -> None:
    explorer = FundingExplorer()
    assert explorer.selection.height == pieces().height
    explorer.investors = ("Microsoft",)
    assert set(explorer.selection["investor"]) == {"Microsoft"}
    assert {row["investor"] for row in spec_rows(explorer)} == {"Microsoft"}
    explorer.years = (2023, 2024)
    assert explorer.selection["date"].dt.year().is_between(2023, 2024).all()
    explorer.compute = "tied"
    assert explorer.selection["compute_link"].all()
    assert explorer._table.value.count("<tr") == explorer.selection.height + 1
    assert "investors=Microsoft" in explorer.describe() and "compute=tied" in explorer.describe()
    with pytest.raises(traitlets.TraitError, match="nearest: \\['Microsoft'\\]"):
        explorer.investors = ("Microsfot",)
    explorer.close()


def test_funding_click_and_brush_filter_the_table() -> None:
    explorer = FundingExplorer()
    assert set(explorer.jchart._vl_selections) == {"pick", "brush"}
    pick(explorer, event_id="msft-openai-2019-07")
    assert explorer.jchart.selections.pick.value == [{"event_id": "msft-openai-2019-07"}]  # as altair parsed it
    assert explorer.selection["event_id"].to_list() == ["msft-openai-2019-07"]
    assert explorer._table.value.count("<tr") == 2
    explorer.jchart._vl_selections = {"pick": {"value": None, "store": []},
                                      "brush": {"value": {"date": [ms("2019-01-01"), ms("2020-12-31")]}, "store": []}}
    years = explorer.selection["date"].dt.year()
    assert explorer.selection.height > 0 and years.is_between(2019, 2020).all()
    in_range = pieces().filter(pl.col("date").dt.year().is_between(2019, 2020)).height
    assert explorer.selection.height == in_range
    explorer.investors = ("Microsoft",)  # a new chart starts with no selection
    assert set(explorer.selection["investor"]) == {"Microsoft"}
    assert explorer.selection.height == pieces().filter(pl.col("investor") == "Microsoft").height
    explorer.close()


def test_funding_status_and_asset_filters_and_the_as_of_slider() -> None:
    explorer = FundingExplorer(recipients=("OpenAI",))
    explorer.statuses = ("conditional",)
    assert set(explorer.selection["current_status"].cast(pl.String)) == {"conditional"}
    explorer.statuses, explorer.assets = (), ("mixed",)
    assert set(explorer.selection["event_id"]) >= {"msft-openai-2019-07", "msft-openai-2023-01"}
    explorer.assets = ()
    nvidia = pl.col("event_id") == "nvidia-openai-2025-09"
    assert explorer.selection.filter(nvidia)["current_status"].item() == "superseded"
    explorer.as_of = "2025-12-31"  # before the 2026 round replaced the letter of intent
    assert explorer.selection.filter(nvidia)["current_status"].item() == "announced"
    assert explorer.selection["date"].max() <= dt.date(2025, 12, 31)
    assert "as_of=2025-12-31" in explorer.describe()
    with pytest.raises(traitlets.TraitError, match="as_of"):
        explorer.as_of = "31/12/2025"
    explorer.view = "status"
    statuses = {row["status"] for row in spec_rows(explorer)}
    assert {"paid", "announced"} <= statuses and "superseded" not in statuses
    explorer.close()


@pytest.mark.parametrize("view", ["timeline", "cumulative", "matrix", "valuation", "compute"])
def test_funding_views_validate_and_pick(view: str) -> None:
    explorer = FundingExplorer(view=view)
    explorer.chart.to_dict()
    pick(explorer, **({"investor": "Microsoft", "recipient": "OpenAI"} if view == "matrix" else
                      {"group": "OpenAI"} if view == "compute" else
                      {"recipient": "OpenAI", "date": ms("2019-07-22")} if view == "valuation" else
                      {"event_id": "msft-openai-2019-07"}))
    assert explorer.selection.height > 0 and set(explorer.selection["recipient"]) == {"OpenAI"}
    explorer.close()


def test_funding_big_tables_are_summed_before_altair_sees_them() -> None:
    real = datasets.load("funding_events")
    big = pl.concat([real] * 100).with_columns(pl.format("{}-{}", "event_id", pl.int_range(pl.len())).alias("event_id"))
    explorer = FundingExplorer(data=big)
    rows = spec_rows(explorer)
    assert len(rows) < 200 and {"year", "recipient", "amount_usd"} <= set(rows[0])
    pick(explorer, year=2019, recipient="OpenAI")
    # the copies' parts point at the original ids, so each copy counts its deals whole
    assert explorer.selection.height == 100 * real.filter(pl.col("recipient") == "OpenAI", pl.col("countable"),
                                                         pl.col("date").dt.year() == 2019).height
    explorer.close()


def test_the_matrix_of_a_big_table_sums_its_summary_into_the_cells_the_rows_give() -> None:
    real = datasets.load("funding_events")
    big = pl.concat([real] * 30).with_columns(pl.format("{}-{}", "event_id", pl.int_range(pl.len())).alias("event_id"))
    explorer = FundingExplorer(data=big, view="matrix")
    keys = ("investor", "recipient", "amount_usd", "deals", "undisclosed", "weak")
    from_summary = sorted(tuple(row[k] for k in keys) for row in spec_rows(explorer))
    from_rows = charts.investor_recipient_matrix(flows(big)).to_dict()
    expected = sorted(tuple(row[k] for k in keys) for rows in from_rows["datasets"].values() for row in rows)
    assert from_summary == expected and len(from_summary) > 10
    pick(explorer, investor="Microsoft", recipient="OpenAI")
    assert set(explorer.selection["investor"]) == {"Microsoft"} and set(explorer.selection["recipient"]) == {"OpenAI"}
    explorer.close()


def test_governance_crisis_zoom_and_compare_modes() -> None:
    explorer = GovernanceExplorer()
    explorer.zoom_crisis()
    assert explorer.selection["date"].is_between(dt.date(2023, 11, 10), dt.date(2023, 12, 6)).all()
    assert {"GOV-008", "GOV-013"} <= set(explorer.selection["id"])
    explorer.zoom_all()
    explorer.compare = "labs"
    assert explorer._pairs["labs"].layout.display is None and explorer._pairs["dates"].layout.display == "none"
    assert len(explorer.jchart.spec["hconcat"]) == 2
    assert set(explorer.selection["orgs"].explode()) >= {"OpenAI", "Anthropic"}
    assert explorer.selection["orgs"].list.eval(pl.element().is_in(["OpenAI", "Anthropic"])).list.any().all()
    explorer.compare = "dates"
    explorer.date_a, explorer.date_b = dt.date(2019, 7, 22), dt.date(2020, 1, 1)
    assert (explorer.selection["known_from"] <= dt.date(2020, 1, 1)).all()
    explorer.chart.to_dict()
    explorer.compare = "off"
    pick(explorer, structure_id="openai-2019-03-11", event_id=None)
    assert explorer.selection["id"].to_list() == ["openai-2019-03-11"]
    with pytest.raises(traitlets.TraitError):
        explorer.end = dt.date(2000, 1, 1)
    explorer.close()


def test_risk_starts_from_the_article_concerns_and_filters() -> None:
    explorer = RiskExplorer()
    assert {"misinformation", "military_use", "bias"} <= set(explorer.concerns)
    named = explorer.selection["concerns"].cast(pl.List(pl.String))
    assert named.list.eval(pl.element().is_in(list(explorer.concerns))).list.any().all()
    explorer.jurisdictions, explorer.statuses = ("EU",), ("in_force",)
    assert set(explorer.selection["jurisdiction"].cast(pl.String)) == {"EU"}
    assert set(explorer.selection["status"].cast(pl.String)) == {"in_force"}
    explorer.jurisdictions, explorer.statuses, explorer.view = (), (), "matrix"
    pick(explorer, concern="bias", instrument_type="law")
    assert explorer.selection.height > 0
    assert explorer.selection["concerns"].cast(pl.List(pl.String)).list.contains("bias").all()
    assert set(explorer.selection["instrument_type"].cast(pl.String)) == {"law"}
    explorer.close()


def test_reader_marks_the_article_and_lists_claims_with_verdicts() -> None:
    reader = ArticleReader()
    html = reader._article.value
    assert "Move Over Elon Musk" in html and 'title="Microsoft (ORG)"' in html
    assert "1000000000.0 USD (exact)" in html and "background:#0072B233" in html
    assert "then: consistent" in reader._panel.value and "msft-openai-2019-07" in reader._panel.value
    reader.themes = ("governance",)
    assert "background:#0072B233" not in reader._article.value  # funding highlights toggled off
    reader.marks = ()
    assert 'title="Microsoft (ORG)"' not in reader._article.value
    reader.claim = 5
    assert set(reader.selection["sentence"]) == {5} and "claim in focus" in reader._article.value
    reader.claim = 0
    pick(reader, paragraph=3)
    assert set(reader.selection["paragraph"]) == {3} and reader._panel.value.count("¶3") >= 1
    with pytest.raises(traitlets.TraitError, match="unknown doc_id"):
        reader.doc_id = "no-such-article"
    reader.close()


def test_save_writes_table_and_chart_with_the_sources_of_the_selected_rows(data_dir: Path) -> None:
    explorer = FundingExplorer(investors=("Microsoft",))
    pick(explorer, event_id="msft-openai-2019-07")
    explorer._save_button.click()
    table = data_dir / "tables/funding-explorer"
    saved = pl.read_parquet(table / "selection.parquet")
    assert saved["event_id"].to_list() == ["msft-openai-2019-07"] and saved["source_ids"].dtype == pl.List(pl.String)
    assert "; " in pl.read_csv(table / "selection.csv")["source_ids"][0]  # CSV joins lists, parquet keeps them
    sidecar = json.loads((table / "selection.meta.json").read_text())
    expected = set(explorer.selection["source_ids"].explode())
    assert {s["source_id"] for s in sidecar["sources"]} == expected
    assert all(s["url"].startswith("http") and "publisher" in s and "date" in s for s in sidecar["sources"])
    assert sidecar["licences"] and sidecar["derived_from"][0]["dataset"] == "funding_events"
    assert "investors=Microsoft" in sidecar["title"]
    for suffix in ("png", "svg", "html", "vl.json", "meta.json"):
        assert (data_dir / f"figures/funding-explorer/chart.{suffix}").is_file()
    report = "".join(out.get("text", "") for out in explorer._output.outputs)
    assert "selection.parquet" in report and "chart.png" in report and report.strip() == explorer.status
    explorer.close()


@pytest.mark.parametrize("cls", [ArticleReader, GovernanceExplorer, RiskExplorer])
def test_every_explorer_saves(cls, data_dir: Path) -> None:
    explorer = cls()
    saved = explorer.save()
    assert [s.key for s in saved] == [f"tables/{cls.name}/selection", f"figures/{cls.name}/chart"]
    assert pl.read_csv(data_dir / f"tables/{cls.name}/selection.csv").height == explorer.selection.height
    explorer.close()


def test_a_failed_save_is_reported_in_the_widget(monkeypatch: pytest.MonkeyPatch) -> None:
    explorer = RiskExplorer()
    monkeypatch.setenv("WORKBENCH_DATA_DIR", "/proc/no-such-place")
    explorer._save_button.click()
    assert explorer.status.startswith("Error:")
    assert any(out.get("name") == "stderr" for out in explorer._output.outputs)
    explorer.close()


def test_control_changes_are_debounced_in_a_running_event_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    explorer = FundingExplorer(debounce_ms=30)
    redraws = []
    real = explorer.refresh
    monkeypatch.setattr(explorer, "refresh", lambda: (redraws.append(1), real()))

    async def drive() -> None:
        for investor in ("Microsoft", "Amazon", "Google"):
            explorer.investors = (investor,)
        assert not redraws
        await asyncio.sleep(0.1)

    asyncio.run(drive())
    assert len(redraws) == 1 and set(explorer.selection["investor"]) == {"Google"}
    explorer.close()


def test_selection_filter_reads_points_intervals_dates_and_lists() -> None:
    frame = pl.DataFrame({"day": [dt.date(2019, 7, 22), dt.date(2023, 11, 17)], "year": [2019, 2023],
                          "tags": [["bias"], ["safety", "bias"]], "id": ["a", "b"]})

    def rows(selections: dict, aliases: dict | None = None) -> list[str]:
        """Filter by selections sent as the front end sends them, parsed as JupyterChart parses them."""
        parsed = [PointSelection.from_vega(name, state["value"], []) if name == "pick"
                  else IntervalSelection.from_vega(name, state["value"], []) for name, state in selections.items()]
        condition = selection_filter(parsed, frame.schema, aliases)
        return (frame if condition is None else frame.filter(condition))["id"].to_list()

    assert rows({"pick": {"value": None}}) == ["a", "b"]
    assert rows({"brush": {"value": {"day": ["2019-01-01T00:00:00.000Z", "2020-01-01T00:00:00.000Z"]}}}) == ["a"]
    assert rows({"brush": {"value": {"day": [ms("2023-11-17"), ms("2023-11-18")]}}}) == ["b"]
    assert rows({"pick": {"value": {"vlPoint": {"or": [{"day": ms("2023-11-17")}]}}}}) == ["b"]
    assert rows({"pick": {"value": {"vlPoint": {"or": [{"year": "2019"}, {"year": 2023}]}}}}) == ["a", "b"]
    assert rows({"pick": {"value": {"vlPoint": {"or": [{"tag": "safety"}]}}}}, {"tag": "tags"}) == ["b"]
    assert rows({"brush": {"value": {"year": [2018.5, 2020.2]}}, "pick": {"value": {"vlPoint": {"or": [
        {"id": "b"}]}}}}) == []


def test_chart_selections_are_top_level_so_jupyterchart_reports_them() -> None:
    explorer = GovernanceExplorer(compare="labs")
    assert set(explorer.jchart._vl_selections) == {"pick", "brush"}
    assert "hconcat" in explorer.chart.to_dict() and "hconcat" in explorer.jchart.spec
    explorer.close()
