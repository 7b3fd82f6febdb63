"""Figures are drawn once, with bytes that depend on the chart alone, by the run's render service or locally."""

from __future__ import annotations

import re
from pathlib import Path

import altair as alt
import polars as pl
import pytest
import vl_convert as vlc

from workbench.outputs import rendering
from workbench.run_control import render_service
from workbench.run_control.render_service import SOCKET_VARIABLE, RenderService


def _clipped_chart(title: str) -> alt.Chart:
    """A chart whose SVG has counted ids: a clipped mark (clip paths) and a gradient fill."""
    frame = pl.DataFrame({"x": [1, 2, 3], "y": [3.0, 1.0, 2.0]})
    gradient = alt.Gradient(gradient="linear", stops=[alt.GradientStop(color="white", offset=0),
                                                      alt.GradientStop(color="darkgreen", offset=1)])
    return (alt.Chart(frame, title=title).mark_area(clip=True, color=gradient)
            .encode(x=alt.X("x:Q", scale=alt.Scale(domain=[1.5, 3])), y="y:Q"))


def _spec(chart: alt.Chart) -> dict:
    """The spec as `save` draws it: under the workbench theme."""
    from workbench.charts import THEME

    with alt.theme.enable(THEME):
        return chart.to_dict()


def _ids(svg: str) -> list[str]:
    return re.findall(r'\bid="([^"]+)"', svg)


def test_a_chart_gives_the_same_svg_whatever_was_drawn_before() -> None:
    spec = _spec(_clipped_chart("one"))
    first = rendering.stable_svg_ids(vlc.vegalite_to_svg(spec), "d")
    for _ in range(3):  # Vega's id counter moves on with every chart the process draws
        vlc.vegalite_to_svg(_spec(_clipped_chart("other")))
    again = rendering.stable_svg_ids(vlc.vegalite_to_svg(spec), "d")
    assert again == first
    assert {"clip-d-1", "gradient-d-2"} <= set(_ids(first)) or {"gradient-d-1", "clip-d-2"} <= set(_ids(first))


def test_every_reference_follows_its_renamed_id_and_nothing_else_changes() -> None:
    raw = vlc.vegalite_to_svg(_spec(_clipped_chart("refs")))
    stable = rendering.stable_svg_ids(raw, "abc")
    defined = set(_ids(stable))
    referenced = set(re.findall(r"url\(#([^)]+)\)", stable))
    assert referenced and referenced <= defined
    assert not re.search(r"(?<![\w-])(p_)?(clip|gradient_)\d+\b", stable)
    assert re.sub(r"(clip|gradient)(-abc-|_?)\d+", "ID", stable) == re.sub(r"(clip|gradient)(-abc-|_?)\d+", "ID", raw)


def test_a_radial_gradient_and_its_pattern_are_renamed_together() -> None:
    frame = pl.DataFrame({"x": [1, 2], "y": [2.0, 1.0]})
    radial = alt.Gradient(gradient="radial", stops=[alt.GradientStop(color="white", offset=0),
                                                    alt.GradientStop(color="navy", offset=1)])
    raw = vlc.vegalite_to_svg(_spec(alt.Chart(frame).mark_bar(color=radial).encode(x="x:O", y="y:Q")))
    assert re.search(r"p_gradient_\d+", raw)  # Vega draws a radial gradient through a pattern
    stable = rendering.stable_svg_ids(raw, "r")
    assert not re.search(r"(?<![\w-])(p_)?(clip|gradient_)\d+\b", stable)
    assert set(re.findall(r"url\(#([^)]+)\)", stable)) <= set(_ids(stable))


def test_two_charts_on_one_page_never_share_an_id() -> None:
    one = rendering.chart_svg(_spec(_clipped_chart("left")))
    two = rendering.chart_svg(_spec(_clipped_chart("right")))
    assert not set(_ids(one)) & set(_ids(two))


def test_the_png_is_the_png_vl_convert_draws_from_the_spec() -> None:
    chart = _clipped_chart("png")
    files, _ = rendering.render_figure(chart)
    spec = _spec(chart)
    assert files[".png"] == vlc.vegalite_to_png(spec, vl_version=rendering.vega_lite_version(), scale=2)
    assert files[".svg"].decode() == rendering.chart_svg(spec)


def test_the_svg_renderer_of_a_run_draws_through_the_shared_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    from workbench import notebook_setup

    spec = _spec(_clipped_chart("renderer"))
    drawn = []
    draw = vlc.vegalite_to_svg
    monkeypatch.setattr(vlc, "vegalite_to_svg", lambda *a, **k: drawn.append(1) or draw(*a, **k))
    rendering._svg_of.cache_clear()
    bundle = notebook_setup._svg_renderer(spec)
    files, _ = rendering.render_figure(_clipped_chart("renderer"))
    assert files[".svg"].decode() == bundle["image/svg+xml"]
    assert len(drawn) == 1  # shown, then saved: drawn once
    rendering._svg_of.cache_clear()


@pytest.mark.parametrize("warm", [True, False], ids=["engine-started-at-once", "engine-started-on-first-chart"])
def test_the_render_service_draws_the_same_bytes_and_reports_vega_errors(monkeypatch: pytest.MonkeyPatch,
                                                                          warm: bool) -> None:
    import json

    spec = _spec(_clipped_chart("service"))
    spec_json = json.dumps(spec, sort_keys=True)
    version = rendering.vega_lite_version()
    with RenderService(warm=warm) as service:
        monkeypatch.setenv(SOCKET_VARIABLE, service.environment[SOCKET_VARIABLE])  # once it listens
        monkeypatch.setattr(render_service, "_failed", False)
        served = render_service.svg(spec_json, version)
        assert served is not None
        local = vlc.vegalite_to_svg(spec, vl_version=version)
        assert rendering.stable_svg_ids(served, "x") == rendering.stable_svg_ids(local, "x")
        with pytest.raises(ValueError):
            render_service.svg(json.dumps({"mark": "bar", "encoding": {"x": {"field": "a", "type": "nonsense"}}}),
                               version)


def test_without_a_service_or_with_a_dead_one_the_kernel_draws_itself(monkeypatch: pytest.MonkeyPatch,
                                                                      tmp_path) -> None:
    monkeypatch.delenv(SOCKET_VARIABLE, raising=False)
    assert render_service.svg("{}", "6.4") is None
    monkeypatch.setattr(render_service, "_failed", False)
    monkeypatch.setenv(SOCKET_VARIABLE, str(tmp_path / "gone"))
    assert render_service.svg("{}", "6.4") is None
    assert render_service._failed  # one failure is enough: the process stops asking (no wait on every chart)
    rendering._svg_of.cache_clear()
    assert rendering.chart_svg(_spec(_clipped_chart("local"))).startswith("<svg")


def test_a_closed_service_leaves_no_process_and_no_socket() -> None:
    service = RenderService()
    process, folder = service._process, Path(service.address).parent
    service.close()
    assert process is not None and process.poll() is not None
    assert not folder.exists()


def _schema_checks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count altair's checks of a whole spec against the Vega-Lite schema."""
    import altair.utils.schemapi as schemapi

    checks: list[int] = []
    real = schemapi.validate_jsonschema
    monkeypatch.setattr(schemapi, "validate_jsonschema", lambda *args, **kw: checks.append(1) or real(*args, **kw))
    return checks


def test_a_chart_shown_then_saved_is_checked_against_the_schema_once(monkeypatch: pytest.MonkeyPatch) -> None:
    chart = _clipped_chart("shown, then saved")
    checks = _schema_checks(monkeypatch)
    rendering.chart_svg(_spec(chart), shown=True)  # what a notebook's renderer is given: a checked spec
    shown = len(checks)
    files, _ = rendering.render_figure(chart)
    assert shown and len(checks) == shown and files[".svg"].startswith(b"<svg")
    rendering.render_figure(_clipped_chart("never shown"))
    assert len(checks) > shown


def test_a_chart_changed_after_it_was_shown_is_checked_again(monkeypatch: pytest.MonkeyPatch) -> None:
    from workbench.errors import OutputError

    chart = _clipped_chart("changed")
    rendering.chart_svg(_spec(chart), shown=True)
    chart.mark = "not-a-mark"
    with pytest.raises(OutputError, match="not a valid Vega-Lite chart"):
        rendering.render_figure(chart)
