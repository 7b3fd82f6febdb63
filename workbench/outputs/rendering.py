"""What an output's files hold: a table as parquet and CSV, a chart as png, svg, offline html, its Vega-Lite spec
and the plotted rows, a `Document` as Markdown and HTML. Rendering only makes bytes; `save` writes them.

A chart is turned into its spec once and drawn by Vega once, as SVG (`chart_svg`); the PNG is that SVG rasterised
(the same pixels vl-convert's own PNG gives, without a second Vega run). The SVG a notebook displays during
`workbench run` comes from the same call, so saving a chart the notebook has shown draws nothing again, and does
not check its spec against the Vega-Lite schema again either (altair did as it showed it; a changed chart, whose
spec differs, is checked). Vega names
the clip paths and gradients of an SVG from a counter that lives as long as the process, which made a figure's bytes
depend on what the notebook drew before it; `chart_svg` renames them after the spec's digest, so a chart's SVG is
the same whatever ran first, and two charts inlined in one page still never share an id. Drawings are kept on disk
for later runs (`figure_cache`): a chart that did not change is not drawn again. The HTML page inlines
Vega (see `workbench.vega_bundle`) and embeds the spec so that no string in it is markup.
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import re
from dataclasses import dataclass
from typing import Any

from workbench.errors import OutputError

__all__ = ["KINDS", "Document", "chart_svg", "csv_ready", "fields", "figure_html", "json_bytes", "kind_of", "render",
           "render_document", "render_figure", "render_table", "script_json", "stable_svg_ids", "vega_lite_version"]

#: kind of output -> the folder under data/ it is saved in
KINDS = {"table": "tables", "figure": "figures", "document": "documents"}


@dataclass(frozen=True)
class Document:
    """A text people read and paste (a brief): the same content as Markdown and as a standalone HTML page.
    Build the HTML from escaped text: `save` writes both as given."""

    markdown: str
    html: str


def kind_of(obj: Any, name: str) -> str:
    """'table', 'figure' or 'document'; anything else (or a frame parquet cannot store) is refused, naming `name`."""
    import polars as pl

    if isinstance(obj, pl.DataFrame):
        _check_storable(obj, name)
        return "table"
    if hasattr(obj, "to_dict") and any(cls.__module__.startswith("altair") for cls in type(obj).__mro__):
        return "figure"
    if isinstance(obj, Document):
        return "document"
    raise OutputError(f"cannot save an object of type {type(obj).__name__} as {name!r}.",
                      fix="pass a polars DataFrame (pl.from_pandas(df) converts pandas), an altair chart or a "
                          "workbench.outputs.Document.", value=name)


def _check_storable(frame: Any, name: str) -> None:
    """Parquet and CSV cannot hold Python objects: say which column, before anything is rendered or written."""
    import polars as pl

    for column, dtype in frame.schema.items():
        if dtype == pl.Object:
            raise OutputError(f"column {column!r} holds Python objects (polars type Object), which parquet and CSV "
                              f"cannot store, so {name!r} cannot be saved.",
                              fix=f"convert the column to text or numbers first, e.g. "
                                  f"frame.with_columns(pl.col({column!r}).map_elements(str, return_dtype=pl.String)).",
                              column=column, value=name)


def render(obj: Any, kind: str) -> tuple[dict[str, bytes], dict[str, Any]]:
    """The files of an output of `kind` (suffix -> bytes) and what its sidecar says of its rows and fields."""
    renderers = {"table": render_table, "figure": render_figure, "document": render_document}
    return renderers[kind](obj)


def render_document(document: Document) -> tuple[dict[str, bytes], dict[str, Any]]:
    return ({".md": document.markdown.encode("utf-8"), ".html": document.html.encode("utf-8")},
            {"rows": None, "fields": []})


def render_table(frame: Any) -> tuple[dict[str, bytes], dict[str, Any]]:
    parquet, csv = io.BytesIO(), io.BytesIO()
    frame.write_parquet(parquet, statistics=False)
    csv_ready(frame).write_csv(csv)
    return ({".parquet": parquet.getvalue(), ".csv": csv.getvalue()},
            {"rows": frame.height, "fields": fields(frame)})


def csv_ready(frame: Any) -> Any:
    """CSV has no lists or structs: lists become '; '-joined text, structs JSON; parquet keeps the types."""
    import polars as pl

    flat = []
    for name, dtype in frame.schema.items():
        if isinstance(dtype, pl.List):
            flat.append(pl.col(name).list.eval(pl.element().cast(pl.String)).list.join("; "))
        elif isinstance(dtype, pl.Struct):
            flat.append(pl.col(name).struct.json_encode())
    return frame.with_columns(flat) if flat else frame


def render_figure(chart: Any) -> tuple[dict[str, bytes], dict[str, Any]]:
    import polars as pl
    import vl_convert as vlc

    from workbench.outputs.figure_cache import drawn
    from workbench.vega_bundle import javascript_bundle

    spec = _checked_spec(chart)
    version = vega_lite_version()
    svg = chart_svg(spec)
    rendered = {
        ".png": drawn("png", svg, lambda: vlc.svg_to_png(svg, scale=2)),
        ".svg": svg.encode("utf-8"),
        ".html": figure_html(spec, javascript_bundle(version)).encode("utf-8"),
        ".vl.json": json_bytes(spec),
    }
    data = getattr(chart, "data", None)
    description: dict[str, Any] = {"rows": None, "fields": []}
    if isinstance(data, pl.DataFrame):
        rendered[".data.csv"] = csv_ready(data).write_csv().encode("utf-8")
        description = {"rows": data.height, "fields": fields(data)}
    return rendered, description


def vega_lite_version() -> str:
    """The Vega-Lite version altair writes specs for, as vl-convert names it ("6.4")."""
    import altair as alt

    return ".".join(alt.SCHEMA_VERSION.lstrip("v").split(".")[:2])


def chart_svg(spec: dict, *, shown: bool = False) -> str:
    """The chart as SVG, drawn once per distinct spec in this process, with ids that depend on the spec alone.
    `shown`: altair made `spec` to show the chart, and checked it against the schema as it did."""
    spec_json = _canonical(spec)
    if shown:
        _SHOWN[hashlib.sha256(spec_json.encode("utf-8")).digest()] = None
        while len(_SHOWN) > _SHOWN_KEPT:
            del _SHOWN[next(iter(_SHOWN))]
    return _svg_of(spec_json, vega_lite_version())


_SHOWN: dict[bytes, None] = {}  # digests of specs altair checked to show them, oldest first
_SHOWN_KEPT = 256


def _checked_spec(chart: Any) -> dict:
    """The chart's Vega-Lite spec, under the workbench theme, checked against the schema; the check (about half of
    `to_dict`) is skipped when this very spec was checked to show the chart, as a notebook does before saving it."""
    import altair as alt
    from altair.utils.schemapi import debug_mode

    from workbench.charts import THEME

    try:
        with alt.theme.enable(THEME):
            with debug_mode(False):  # nor each part as it is copied
                spec = chart.to_dict(validate=False)
            if hashlib.sha256(_canonical(spec).encode("utf-8")).digest() not in _SHOWN:
                spec = chart.to_dict()
    except alt.utils.schemapi.SchemaValidationError as error:
        first = str(error).strip().splitlines()[-1].strip() if str(error).strip() else type(error).__name__
        raise OutputError(f"the chart is not a valid Vega-Lite chart ({first}), so nothing was written.",
                          fix="build the chart until `chart.to_dict()` works (a mark and an encoding at least), "
                              "then save it.") from None
    return spec


def _canonical(spec: dict) -> str:
    return json.dumps(spec, sort_keys=True, ensure_ascii=False, default=str)


@functools.lru_cache(maxsize=4)  # a chart is shown, then saved: a few recent ones suffice (specs can be large)
def _svg_of(spec_json: str, version: str) -> str:
    from workbench.outputs.figure_cache import drawn

    return drawn("svg", f"{version}\0{spec_json}", lambda: _draw_svg(spec_json, version).encode("utf-8")).decode()


def _draw_svg(spec_json: str, version: str) -> str:
    from workbench.run_control import render_service

    svg = render_service.svg(spec_json, version)  # during `workbench run`: drawn by the run's one Vega
    if svg is None:
        import vl_convert as vlc

        svg = vlc.vegalite_to_svg(json.loads(spec_json), vl_version=version)
    return stable_svg_ids(svg, hashlib.sha256(spec_json.encode("utf-8")).hexdigest()[:10])


#: Vega's counted ids (`clip7`, `gradient_3`, and `p_gradient_3`, the pattern of a radial gradient) where an SVG
#: defines or refers to them
_COUNTED_ID = re.compile(r'(?P<before>\bid="|url\(#|href="#)(?P<id>(?P<kind>(?:p_)?(?:clip|gradient_))\d+)(?=[")])')


def stable_svg_ids(svg: str, digest: str) -> str:
    """Rename Vega's counted ids in order of appearance (`clip-<digest>-1`, ...): the same spec, the same bytes."""
    renamed: dict[str, str] = {}

    def rename(match: re.Match[str]) -> str:
        old = match["id"]
        if old not in renamed:
            renamed[old] = f"{match['kind'].rstrip('_').replace('_', '-')}-{digest}-{len(renamed) + 1}"
        return match["before"] + renamed[old]

    return _COUNTED_ID.sub(rename, svg)


def figure_html(spec: dict, bundle: str) -> str:
    """A chart as one offline page: vega bundled inline, the spec embedded so that no string can escape it.

    vl-convert's own page (`vegalite_to_html`) pastes the spec into a <script> as is, so a plotted row holding
    "</script><script>..." (an article quote, a dataset note) would end the script and run as markup.
    """
    return (_FIGURE_PAGE_HEAD + bundle + "</script>\n</head>\n<body>\n<div id=\"vega-chart\"></div>\n<script>\n"
            f"vegaEmbed('#vega-chart', {script_json(spec)}, {{\"renderer\": \"svg\"}}).catch(console.error);\n"
            "</script>\n</body>\n</html>\n")


def script_json(value: Any) -> str:
    """JSON safe inside an HTML <script>: '<', '>' and '&' (and JavaScript's two line separators) only ever
    occur inside JSON strings, where their \\u escapes mean the same and cannot close the element."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
    for char in "<>&\u2028\u2029":
        text = text.replace(char, f"\\u{ord(char):04x}")
    return text


_FIGURE_PAGE_HEAD = """<!DOCTYPE html>
<html>
<head>
<meta charset="UTF-8">
<title>Chart</title>
<style>#vega-chart.vega-embed{width:100%;display:flex} #vega-chart.vega-embed details,
#vega-chart.vega-embed details summary{position:relative}</style>
<script>"""


def fields(frame: Any) -> list[dict[str, str]]:
    """The frame's columns and polars types, as the sidecar lists them."""
    return [{"name": name, "type": str(dtype)} for name, dtype in frame.schema.items()]


def json_bytes(document: Any) -> bytes:
    """A JSON file as the outputs write it: indented, UTF-8 as is, keys in the given order, a final newline."""
    return (json.dumps(document, indent=2, ensure_ascii=False, sort_keys=False, default=str) + "\n").encode()
