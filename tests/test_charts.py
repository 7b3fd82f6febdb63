"""Chart builders on the real datasets and on edge frames.

Every spec must validate against the Vega-Lite schema (altair validates in `to_dict`) and render (vl-convert
runs the Vega parser, which catches bad expressions the schema cannot). Every caption must name its dataset and
count the rows drawn and their distinct sources; which rows a chart draws is restated here, independently of
the builders, in CASES.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Callable
from dataclasses import dataclass

import altair as alt
import polars as pl
import pytest
import vl_convert as vlc
from live_server import shared_external

from workbench import charts, datasets
from workbench.charts.base import Layers, altair_layers, layer, selectable
from workbench.datasets import live
from workbench.errors import UsageError
from workbench.views import ledger

EXTERNAL = shared_external()
VL_VERSION = ".".join(alt.SCHEMA_VERSION.lstrip("v").split(".")[:2])
TODAY = dt.date(2026, 6, 1)
needs_external = pytest.mark.skipif(EXTERNAL is None, reason="../shared/external (real dataset copies) is absent")


@dataclass(frozen=True)
class Case:
    build: Callable[[pl.DataFrame], alt.TopLevelMixin]
    dataset: str
    drawn: Callable[[pl.DataFrame], pl.DataFrame]  # the rows the chart should draw, restated independently
    sources: str = "source_ids"
    noun: str = "sources"


def _amount(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.filter(pl.col("amount_usd") > 0, pl.col("date").is_not_null())


def _countable_amount(frame: pl.DataFrame) -> pl.DataFrame:
    return _amount(frame).filter(pl.col("countable"))


CASES = {
    "funding_timeline": Case(charts.funding_timeline, "funding_events", _amount),
    "cumulative_by_recipient": Case(charts.cumulative_by_recipient, "funding_events", _countable_amount),
    "investor_recipient_matrix": Case(charts.investor_recipient_matrix, "funding_events",
                                      lambda f: f.filter(pl.col("countable"))),
    "valuation_steps": Case(charts.valuation_steps, "funding_events",
                            lambda f: f.filter(pl.col("valuation_usd") > 0, pl.col("date").is_not_null())),
    "compute_link_share": Case(charts.compute_link_share, "funding_events", _countable_amount),
    "structure_bands": Case(lambda f: charts.structure_bands(f, today=TODAY), "org_structures",
                            lambda f: f.filter(pl.col("org").is_not_null(), pl.col("date").is_not_null())),
    "governance_timeline": Case(charts.governance_timeline, "governance_events",
                                lambda f: f.filter(pl.col("date").is_not_null())),
    "policy_timeline": Case(charts.policy_timeline, "policy_events",
                            lambda f: f.filter(pl.col("date").is_not_null())),
    "concern_instrument_matrix": Case(charts.concern_instrument_matrix, "policy_events",
                                      lambda f: f.filter(pl.col("concerns").list.len() > 0)),
    "training_compute": Case(charts.training_compute, "epoch_models",
                             lambda f: f.filter(pl.col("training_compute_flop") > 0,
                                                pl.col("publication_date").is_not_null()),
                             sources="link", noun="references"),
    "incidents_per_year": Case(charts.incidents_per_year, "aiid_incidents",
                               lambda f: f.filter(pl.col("date").is_not_null()), sources="report_ids",
                               noun="reports"),
}
LIVE_FILES = {"epoch_models": "epoch-ai-models/notable_ai_models.csv",
              "aiid_incidents": "aiid-ai-incident-database/incidents.csv"}


def _handmade(name: str) -> pl.DataFrame:
    """A few rows with the live dataset's exact schema, for when the real copies are absent."""
    day = dt.date
    rows = {
        "epoch_models": [
            {"model": "GPT-2", "organization": "OpenAI", "publication_date": day(2019, 2, 14),
             "training_compute_flop": 1.9e21, "link": "https://a"},
            {"model": "GPT-3", "organization": "OpenAI", "publication_date": day(2020, 5, 28),
             "training_compute_flop": 3.1e23, "link": "https://b"},
            {"model": "BERT", "organization": "Google", "publication_date": day(2018, 10, 11),
             "training_compute_flop": 2.9e20, "link": "https://c"},
            {"model": "Tiny", "organization": "Lab", "publication_date": day(2018, 1, 1),
             "training_compute_flop": None, "link": "https://c"},
        ],
        "aiid_incidents": [
            {"incident_id": 1, "date": day(2019, 5, 1), "title": "a", "report_ids": [1, 2]},
            {"incident_id": 2, "date": day(2019, 8, 1), "title": "b", "report_ids": [2, 3]},
            {"incident_id": 3, "date": day(2021, 1, 1), "title": "c", "report_ids": [4]},
        ],
    }[name]
    return pl.DataFrame(rows, schema=live.schema(name))


@pytest.fixture(scope="module")
def real() -> dict[str, pl.DataFrame]:
    frames = {name: datasets.load(name) for name in
              ("funding_events", "governance_events", "org_structures", "policy_events")}
    if EXTERNAL is not None:
        frames |= {name: live.parse(name, EXTERNAL / path) for name, path in LIVE_FILES.items()}
    return frames


@pytest.fixture(scope="module")
def sample(real: dict[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    """Real frames where available, hand-made ones with the same schema for live datasets otherwise."""
    return real | {name: _handmade(name) for name in LIVE_FILES if name not in real}


def spec_of(chart: alt.TopLevelMixin) -> dict:
    with alt.theme.enable(charts.THEME):
        return chart.to_dict()  # validates against the Vega-Lite schema


def rendered(spec: dict) -> str:
    return vlc.vegalite_to_svg(spec, vl_version=VL_VERSION)


def caption_of(spec: dict) -> str:
    """The source caption, whose lines the theme wraps at CAPTION_WIDTH characters, as one string."""
    lines = spec["title"]["subtitle"]
    assert all(len(line) <= charts.theme.CAPTION_WIDTH for line in lines)
    return " ".join(lines)


def data_of(chart: alt.TopLevelMixin) -> pl.DataFrame:
    """The frame a chart draws its marks from (top level, else the last layer's)."""
    if isinstance(chart.data, pl.DataFrame):
        return chart.data
    return chart.layer[-1].data


def expected_caption_start(case: Case, drawn: pl.DataFrame) -> str:
    ids = drawn.get_column(case.sources).to_list()
    flat = {value for cell in ids if cell is not None for value in (cell if isinstance(cell, list) else [cell])
            if value is not None}
    rows = f"{drawn.height} row" + ("" if drawn.height == 1 else "s")
    return f"Source: {case.dataset} ({rows}, {len(flat)} {case.noun}"


# --- every builder: real data, edge frames -------------------------------------------------------------


@pytest.mark.parametrize("name", CASES)
def test_real_data_validates_renders_and_cites_what_it_draws(name: str, real: dict[str, pl.DataFrame]) -> None:
    case = CASES[name]
    if case.dataset not in real:
        pytest.skip("../shared/external (real dataset copies) is absent")
    frame = real[case.dataset]
    chart = case.build(frame)
    spec = spec_of(chart)
    assert "<svg" in rendered(spec)
    assert caption_of(spec).startswith(expected_caption_start(case, case.drawn(frame)))
    assert case.drawn(frame).height > 0, "the real dataset should give this chart something to draw"
    assert all(len(rows) <= charts.MAX_ROWS for rows in spec.get("datasets", {}).values())


@pytest.mark.parametrize("edge", ["empty", "one_row"])
@pytest.mark.parametrize("name", CASES)
def test_edge_frames_give_valid_charts(name: str, edge: str, sample: dict[str, pl.DataFrame]) -> None:
    case = CASES[name]
    frame = sample[case.dataset]
    frame = frame.clear() if edge == "empty" else case.drawn(frame).head(1)
    spec = spec_of(case.build(frame))
    svg = rendered(spec)
    assert caption_of(spec).startswith(expected_caption_start(case, case.drawn(frame)))
    if edge == "empty":
        assert "Nothing to draw" in svg


def _builds(sample: dict[str, pl.DataFrame]) -> dict[str, Callable[[], alt.TopLevelMixin]]:
    """Every builder on real-sized frames, and the layered charts the explorers and views make."""
    builds = {name: functools.partial(case.build, case.drawn(sample[case.dataset])) for name, case in CASES.items()}
    zoom = (dt.date(2019, 1, 1), dt.date(2024, 12, 31))
    builds["structure_bands, zoomed"] = lambda: charts.structure_bands(sample["org_structures"], domain=zoom,
                                                                       width=380)
    builds["governance_timeline, zoomed"] = lambda: charts.governance_timeline(sample["governance_events"],
                                                                               domain=zoom, width=380)
    builds["deal_flows"] = lambda: charts.deal_flows(ledger.ledger())
    return builds


@pytest.mark.parametrize("selected", [False, True], ids=["plain", "with selections"])
def test_a_layered_chart_is_the_chart_altair_would_make(selected: bool, sample: dict[str, pl.DataFrame]) -> None:
    """`charts.base.Layers` skips altair's defensive copies: each layered chart's spec must be the one altair's
    own constructor makes from the same builder, key order and the selections an explorer adds included."""
    def spec(build: Callable[[], alt.TopLevelMixin]) -> str:
        chart = build()
        return json.dumps(spec_of(selectable(chart, ["date"], brush=True) if selected else chart))

    compared = []
    for name, build in _builds(sample).items():
        if not isinstance(build(), Layers):
            continue
        ours = spec(build)
        with altair_layers():
            assert ours == spec(build), name
        compared.append(name)
    assert len(compared) >= 9, compared


def test_a_layer_with_its_own_size_or_selection_goes_altairs_way() -> None:
    frame = pl.DataFrame({"x": [1, 2], "y": [3, 4]})
    dots = alt.Chart(frame).mark_point().encode(x="x:Q", y="y:Q")
    sized, picked = dots.properties(width=200), dots.add_params(alt.selection_point(name="pick", fields=["x"]))
    for parts in ((sized, dots.mark_line()), (picked, dots.mark_line())):
        assert json.dumps(layer(*parts).to_dict()) == json.dumps(alt.layer(*parts).to_dict())
    assert layer(sized, dots.mark_line()).width == 200  # moved to the top, as altair does


@pytest.mark.parametrize("name", CASES)
def test_a_column_of_nulls_never_breaks_a_builder(name: str, sample: dict[str, pl.DataFrame]) -> None:
    case = CASES[name]
    frame = sample[case.dataset]
    for column, dtype in frame.schema.items():
        blanked = frame.with_columns(pl.lit(None, dtype=dtype).alias(column))
        spec = spec_of(case.build(blanked))
        assert caption_of(spec).startswith(expected_caption_start(case, case.drawn(blanked))), column


@pytest.mark.parametrize("name", CASES)
def test_the_plotted_rows_do_not_depend_on_the_input_order(name: str, sample: dict[str, pl.DataFrame]) -> None:
    """Saved figures keep their plotted rows (.data.csv): two runs must write them in the same order."""
    case = CASES[name]
    frame = sample[case.dataset]
    specs = [spec_of(case.build(frame.sample(fraction=1.0, shuffle=True, seed=seed))) for seed in (1, 2, 3)]
    assert specs[0].get("datasets") == specs[1].get("datasets") == specs[2].get("datasets")


def test_missing_columns_are_named() -> None:
    with pytest.raises(UsageError, match="amount_usd"):
        charts.funding_timeline(pl.DataFrame({"event_id": ["a"]}))


def test_too_many_rows_to_embed_says_to_aggregate(real: dict[str, pl.DataFrame]) -> None:
    funding = real["funding_events"]
    many = pl.concat([funding] * (2 * charts.MAX_ROWS // funding.height))  # most rows have an amount
    with pytest.raises(UsageError, match="filter the frame first"):
        charts.funding_timeline(many)
    assert spec_of(charts.investor_recipient_matrix(many))  # aggregated first: the cell count stays small


# --- the caption helper ----------------------------------------------------------------------------------


def test_caption_counts_distinct_sources_inside_lists_and_ignores_nulls() -> None:
    frame = pl.DataFrame({"source_ids": [["s1", "s2"], ["s2"], None, ["s3", None]]})
    caption = charts.source_caption(frame, "funding_events", notes=["low-confidence rows hollow", None])
    assert caption == "Source: funding_events (4 rows, 3 sources; low-confidence rows hollow)"


def test_caption_counts_scalar_sources_and_names_several_datasets() -> None:
    frame = pl.DataFrame({"link": ["a", "a", "b"]})
    caption = charts.source_caption(frame, ["epoch_models", "funding_events"], sources="link", noun="references")
    assert caption == "Source: epoch_models + funding_events (3 rows, 2 references)"
    assert charts.source_caption(frame.head(1), "x", sources="link").startswith("Source: x (1 row, 1 sources")


# --- funding ------------------------------------------------------------------------------------------------


def test_timeline_hollows_low_confidence_rows_and_says_what_it_left_out(real: dict[str, pl.DataFrame]) -> None:
    funding = real["funding_events"]
    chart = charts.funding_timeline(funding)
    spec, data = spec_of(chart), data_of(chart)
    weak = data.filter(pl.col("confidence").is_in(["low", "unsourced"]))["event_id"].to_list()
    assert sorted(data.filter("low_confidence")["event_id"].to_list()) == sorted(weak) and weak
    assert spec["encoding"]["fillOpacity"] == {"condition": {"test": "datum.low_confidence", "value": 0}, "value": 1}
    assert spec["encoding"]["fill"]["scale"] == spec["encoding"]["stroke"]["scale"]
    assert data["amount_usd"].null_count() == 0
    left_out = funding.height - _amount(funding).height
    assert f"{left_out} rows without an amount or date not drawn" in caption_of(spec)


def test_an_unknown_confidence_is_drawn_hollow(real: dict[str, pl.DataFrame]) -> None:
    funding = real["funding_events"]
    unknown = funding.with_columns(pl.lit(None, dtype=funding.schema["confidence"]).alias("confidence"))
    assert data_of(charts.funding_timeline(unknown))["low_confidence"].all()


def test_timeline_lumps_minor_investors_into_grey_other(real: dict[str, pl.DataFrame]) -> None:
    chart = charts.funding_timeline(real["funding_events"], top_investors=3)
    scale = spec_of(chart)["encoding"]["fill"]["scale"]
    assert len(scale["domain"]) == 4 and scale["domain"][-1] == "Other investors" and scale["range"][-1] == "#999999"
    assert set(data_of(chart)["investor_group"]) == set(scale["domain"])


def test_cumulative_sums_countable_rows_only(real: dict[str, pl.DataFrame]) -> None:
    funding = real["funding_events"]
    data = data_of(charts.cumulative_by_recipient(funding))
    expected = _countable_amount(funding).group_by("recipient").agg(pl.col("amount_usd").sum())
    reached = data.group_by("recipient").agg(pl.col("cumulative").max())
    assert expected.join(reached, on="recipient").filter(
        (pl.col("amount_usd") - pl.col("cumulative")).abs() > 1).is_empty()
    assert reached.height == expected.height
    assert "thrive-openai-2024-10" not in data["event_id"].to_list()  # a part of a round: not countable


def test_matrix_cells_sum_countable_money_and_keep_undisclosed_pairs(real: dict[str, pl.DataFrame]) -> None:
    funding = real["funding_events"]
    cells = data_of(charts.investor_recipient_matrix(funding))
    pair = (pl.col("investor") == "Microsoft") & (pl.col("recipient") == "OpenAI")
    expected = funding.filter(pair, pl.col("countable"))
    cell = cells.filter(pair).row(0, named=True)
    assert cell["amount_usd"] == expected["amount_usd"].sum()
    assert (cell["deals"], cell["undisclosed"]) == (expected.height, expected["amount_usd"].null_count())
    amd = cells.filter(pl.col("recipient") == "AMD").row(0, named=True)
    assert amd["amount_usd"] is None and amd["deals"] == 1


def test_valuation_steps_collapse_repeated_valuations_and_measure_step_ups(real: dict[str, pl.DataFrame]) -> None:
    funding = real["funding_events"]
    data = data_of(charts.valuation_steps(funding)).filter(pl.col("recipient") == "OpenAI").sort("date")
    expected = funding.filter(pl.col("recipient") == "OpenAI", pl.col("valuation_usd").is_not_null())
    assert data.height == expected.select("date", "valuation_usd").unique().height
    step = data.filter(pl.col("valuation_usd") == 3e11).row(0, named=True)
    assert step["step_up"] == pytest.approx(3e11 / 1.57e11)


@pytest.mark.parametrize("by", ["recipient", "investor", "year"])
def test_compute_share_splits_each_group_to_one(by: str, real: dict[str, pl.DataFrame]) -> None:
    funding = real["funding_events"]
    shares = data_of(charts.compute_link_share(funding, by=by))
    assert shares.group_by("group").agg(pl.col("share").sum())["share"].to_list() == pytest.approx(
        [1.0] * shares["group"].n_unique())
    if by == "recipient":
        rows = _countable_amount(funding).filter(pl.col("recipient") == "Anthropic")
        tied = rows.filter("compute_link")["amount_usd"].sum() / rows["amount_usd"].sum()
        got = shares.filter(pl.col("group") == "Anthropic", pl.col("link").str.starts_with("Tied"))["share"]
        assert got.item() == pytest.approx(tied)


def test_compute_share_refuses_an_unknown_grouping(real: dict[str, pl.DataFrame]) -> None:
    with pytest.raises(UsageError, match="recipient, investor, year"):
        charts.compute_link_share(real["funding_events"], by="deal")  # type: ignore[arg-type]


# --- governance ---------------------------------------------------------------------------------------------


def test_structure_bands_run_to_the_next_structure_or_today(real: dict[str, pl.DataFrame]) -> None:
    structures = real["org_structures"]
    data = data_of(charts.structure_bands(structures, today=TODAY))
    openai = data.filter(pl.col("org") == "OpenAI").sort("date")
    assert openai["end"].to_list() == [*openai["date"].to_list()[1:], TODAY]
    assert data.height == structures.height
    assert data.group_by("org").agg(pl.col("end").max())["end"].to_list() == [TODAY] * data["org"].n_unique()


def test_governance_timeline_marks_the_board_crisis(real: dict[str, pl.DataFrame]) -> None:
    chart = charts.governance_timeline(real["governance_events"])
    spec = spec_of(chart)
    assert "OpenAI board crisis, Nov 2023" in rendered(spec)
    crisis = data_of(chart).filter(pl.col("date").is_between(charts.BOARD_CRISIS.start, charts.BOARD_CRISIS.end))
    assert crisis.height >= 6


def test_governance_timeline_zooms_to_a_domain(real: dict[str, pl.DataFrame]) -> None:
    events = real["governance_events"]
    domain = (dt.date(2023, 10, 1), dt.date(2024, 3, 31))
    chart = charts.governance_timeline(events, domain=domain)
    spec, data = spec_of(chart), data_of(chart)
    inside = events.filter(pl.col("date").is_between(*domain))
    assert sorted(data["event_id"]) == sorted(inside["event_id"])
    assert caption_of(spec).startswith(expected_caption_start(CASES["governance_timeline"], inside))
    assert spec["layer"][-1]["encoding"]["x"]["scale"]["domain"] == [
        {"year": 2023, "month": 10, "date": 1}, {"year": 2024, "month": 3, "date": 31}]
    quiet = charts.governance_timeline(events, domain=(dt.date(2019, 1, 1), dt.date(2019, 12, 31)))
    assert "board crisis" not in rendered(spec_of(quiet))


# --- policy ---------------------------------------------------------------------------------------------------


def test_policy_colours_and_rows_hold_under_filters(real: dict[str, pl.DataFrame]) -> None:
    policy = real["policy_events"]
    full = spec_of(charts.policy_timeline(policy))["encoding"]
    eu_only = spec_of(charts.policy_timeline(policy.filter(pl.col("jurisdiction") == "EU")))["encoding"]
    assert full["fill"]["scale"] == eu_only["fill"]["scale"]
    assert full["y"]["sort"] == eu_only["y"]["sort"] == list(policy.schema["jurisdiction"].categories)
    kinds = full["fill"]["scale"]
    assert kinds["range"][kinds["domain"].index("other")] == "#999999"


def test_concern_matrix_counts_each_concern_of_each_event(real: dict[str, pl.DataFrame]) -> None:
    policy = real["policy_events"]
    cells = data_of(charts.concern_instrument_matrix(policy))
    assert cells["events"].sum() == policy["concerns"].list.len().sum()
    law_safety = cells.filter(pl.col("concern") == "safety", pl.col("instrument_type") == "law")["events"].item()
    assert law_safety == policy.filter(pl.col("instrument_type") == "law",
                                       pl.col("concerns").list.contains("safety")).height


# --- live datasets ---------------------------------------------------------------------------------------------


def test_training_compute_marks_and_names_the_highlighted_records() -> None:
    data = data_of(charts.training_compute(_handmade("epoch_models")))
    assert data.filter("marked")["model"].to_list() == ["GPT-2", "GPT-3"]
    assert data.filter("record")["model"].to_list() == ["GPT-2", "GPT-3"]  # first, then a >3x jump
    google = data_of(charts.training_compute(_handmade("epoch_models"), highlight="Google"))
    assert google.filter("marked")["model"].to_list() == ["BERT"]


@needs_external
def test_training_compute_on_real_epoch_data_names_gpt_milestones(real: dict[str, pl.DataFrame]) -> None:
    chart = charts.training_compute(real["epoch_models"])
    data = data_of(chart)
    openai = real["epoch_models"].filter(pl.col("organization").str.contains("OpenAI", literal=True),
                                         pl.col("training_compute_flop") > 0)
    assert data["marked"].sum() == openai.height
    assert {"GPT-3 175B (davinci)", "GPT-4.5"} <= set(data.filter("record")["model"])
    assert f"{openai.height} OpenAI models marked" in caption_of(spec_of(chart))


def test_training_compute_thins_other_models_but_keeps_every_marked_one() -> None:
    epoch = _handmade("epoch_models")
    openai = pl.col("organization") == "OpenAI"
    models = pl.concat([epoch.filter(openai), *[epoch.filter(~openai)] * 100])
    chart = charts.training_compute(models, max_points=30)
    data = data_of(chart)
    assert 20 <= data.height <= 30
    assert data.filter("marked")["model"].to_list() == ["GPT-2", "GPT-3"]
    assert "1 in 4 other models shown" in caption_of(spec_of(chart))


def test_incidents_per_year_counts_incidents_and_reports() -> None:
    chart = charts.incidents_per_year(_handmade("aiid_incidents"))
    assert data_of(chart).select("year", "incidents").rows() == [(2019, 2), (2021, 1)]
    assert caption_of(spec_of(chart)) == "Source: aiid_incidents (3 rows, 4 reports)"


# --- the module's public face ---------------------------------------------------------------------------------


def test_foundations_stay_importable_and_the_theme_is_registered() -> None:
    from workbench.charts import THEME, captioned, paragraph_lengths  # noqa: F401 (outputs.py and notebooks)

    assert THEME in alt.theme.names()
    assert captioned("T", "C").to_dict() == {"text": "T", "subtitle": ["C"]}


def test_paragraph_lengths_keeps_its_caption() -> None:
    paragraphs = pl.DataFrame({"doc_id": ["d", "d"], "paragraph": [1, 2], "n_words": [10, 20],
                               "n_sentences": [1, 2], "text": ["a b", "c d"]})
    spec = spec_of(charts.paragraph_lengths(paragraphs))
    assert caption_of(spec) == "Source: seeds/ corpus (d); 2 paragraphs, split on blank lines."


def test_an_organisation_keeps_its_colour_from_chart_to_chart() -> None:
    """OpenAI is the same colour whether it is the biggest recipient, one of several, or an event's lead."""
    from workbench.charts.theme import ORG_COLOURS

    def colour_of(spec: dict, name: str) -> str:
        for scale in _scales(spec):
            if name in scale.get("domain", []):
                return scale["range"][scale["domain"].index(name)]
        raise AssertionError(f"{name} has no colour in the chart")

    funding = datasets.load("funding_events")
    everyone = spec_of(charts.cumulative_by_recipient(funding))
    few = spec_of(charts.cumulative_by_recipient(funding.filter(pl.col("recipient").is_in(["Anthropic", "OpenAI"]))))
    events = spec_of(charts.governance_timeline(datasets.load("governance_events")))
    assert (colour_of(everyone, "OpenAI") == colour_of(few, "OpenAI") == colour_of(events, "OpenAI")
            == ORG_COLOURS["OpenAI"])
    assert colour_of(few, "Anthropic") == ORG_COLOURS["Anthropic"] != ORG_COLOURS["OpenAI"]


def _scales(spec: object):
    if isinstance(spec, dict):
        if "domain" in spec and "range" in spec and isinstance(spec["range"], list):
            yield spec
        for value in spec.values():
            yield from _scales(value)
    elif isinstance(spec, list):
        for value in spec:
            yield from _scales(value)


# --- one palette: themes and verdicts -------------------------------------------------------------------------


def test_the_palettes_name_the_themes_and_verdicts_of_the_analysis_in_order() -> None:
    """Charts may not import the analysis layer: they read the order off the palettes, which must agree with it."""
    from workbench.analysis.claims import VERDICTS
    from workbench.analysis.themes import THEMES
    from workbench.charts import theme

    assert theme.THEME_ORDER == THEMES and list(theme.THEME_COLOURS) == [*THEMES, theme.UNTAGGED]
    assert theme.VERDICT_ORDER == VERDICTS
    assert list(theme.VERDICT_TINTS) == list(theme.VERDICT_TEXT) == list(VERDICTS)


def _colour_by_value(spec: dict) -> dict[str, str]:
    return {value: scale["range"][i] for scale in _scales(spec) for i, value in enumerate(scale["domain"])
            if isinstance(value, str)}


def test_a_verdict_and_a_theme_keep_their_colour_in_every_chart() -> None:
    """The article's verdict bars and the hindsight brief's, and every chart coloured by theme, take the palette."""
    from conftest import SEED_ID

    from workbench.analysis import analyze
    from workbench.charts.theme import THEME_COLOURS, VERDICT_COLOURS
    from workbench.views import article, hindsight, profile

    brief = hindsight.brief(analyze(SEED_ID))
    for chart in (article.verdict_shift(SEED_ID), hindsight.verdict_chart(brief, unit="claims")):
        colours = _colour_by_value(spec_of(chart))
        assert {v: colours[v] for v in VERDICT_COLOURS} == VERDICT_COLOURS
    trend = pl.DataFrame({"year": [2020], "theme": ["governance"], "share": [0.5], "paragraphs": [1],
                          "year_paragraphs": [2]})
    for chart in (article.theme_strip(SEED_ID), profile.timeline_chart(profile.timeline("OpenAI"), "OpenAI"),
                  charts.themes_per_year(trend, caption="Source: test")):
        shown = {t: c for t, c in _colour_by_value(spec_of(chart)).items() if t in THEME_COLOURS}
        assert len(shown) >= 3 and all(THEME_COLOURS[t] == c for t, c in shown.items()), shown


# --- builders over a summary (the funding explorer at a million rows) ------------------------------------------


def test_summary_builders_validate_render_and_count_the_rows_summed(real: dict[str, pl.DataFrame]) -> None:
    from workbench.datasets.money import flows
    from workbench.widgets.funding import summarised

    pieces = flows(real["funding_events"]).with_columns(pl.col("date").dt.year().alias("year"))
    summary = summarised(pieces)
    for chart in (charts.yearly_sums(summary), charts.matrix_of_summary(summary)):
        spec = spec_of(chart)
        assert "<svg" in rendered(spec)
        assert caption_of(spec).startswith(f"Source: funding_events ({pieces.height:,} rows, summed by ")
    sums = data_of(charts.yearly_sums(summary))
    countable = pieces.filter(pl.col("countable").fill_null(False), pl.col("amount_usd") > 0)
    assert sums["amount_usd"].sum() == pytest.approx(countable["amount_usd"].sum())
    assert "Nothing to draw" in rendered(spec_of(charts.matrix_of_summary(summary.clear())))
