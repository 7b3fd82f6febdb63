"""What every builder shares: the source caption, the low-confidence mark, category lumping and the guards.

Builders draw from frames of at most a few thousand rows (altair refuses more than 5,000 and large specs
slow the explorers down), so each one selects, filters and aggregates in polars before altair sees a row.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, TypeVar

import altair as alt
import polars as pl
from altair.utils.schemapi import Undefined, debug_mode
from altair.vegalite.v6 import api as altair_api

from workbench.charts.theme import GREY, ORG_COLOURS, captioned, colour_scale
from workbench.errors import UsageError
from workbench.lineage import traced

__all__ = [
    "CONFIDENCE_TIP", "DATE_TIP", "HEIGHT", "HOLLOW", "LOW_CONFIDENCE", "MAX_ROWS", "PRECISION_TIP", "WIDTH", "Chart",
    "Composed", "Layers", "altair_layers", "builder", "categories", "distinct_count", "embeddable", "finish",
    "framing", "grouped", "layer", "low_confidence", "lumped", "omitted", "paint", "placeholder", "require",
    "selectable", "selections", "source_caption", "time_x", "top_values", "when",
]

Chart = alt.Chart | alt.LayerChart
MAX_ROWS = 4000
LOW_CONFIDENCE = ("low", "unsourced")
HOLLOW = "low-confidence rows hollow"
WIDTH, HEIGHT = 560, 300
_F = TypeVar("_F", bound=Callable[..., Any])


def builder(function: _F) -> _F:
    """A chart builder: `traced` (its chart carries the lineage of the frames it drew), and built without altair
    checking each part against the Vega-Lite schema as it is made (altair's debug mode). `to_dict()` checks the
    finished spec, as saving and showing a chart do, and tests/test_charts.py checks every builder's; the checks
    of the parts were about a third of a build (7 of 23 ms for the deal ledger's flow diagram)."""

    @functools.wraps(function)
    def unchecked(*args: Any, **kwargs: Any) -> Any:
        with debug_mode(False):
            return function(*args, **kwargs)

    return traced(unchecked)  # type: ignore[return-value]


def distinct_count(frame: pl.DataFrame, column: str) -> int:
    """Distinct non-null values of a column, looking inside list columns (one row may cite several sources)."""
    values = frame.get_column(column)
    if isinstance(values.dtype, pl.List):
        values = values.explode()
    return values.drop_nulls().n_unique()


def source_caption(drawn: pl.DataFrame, datasets: str | Sequence[str], *, sources: str = "source_ids",
                   noun: str = "sources", notes: Iterable[str | None] = ()) -> str:
    """'Source: funding_events (71 rows, 125 sources; low-confidence rows hollow)' for the rows drawn.

    Count only the rows a chart actually draws, so a filtered figure cites what it shows, not the whole table.
    """
    names = [datasets] if isinstance(datasets, str) else list(datasets)
    rows = f"{drawn.height} row" + ("" if drawn.height == 1 else "s")
    parts = [f"{rows}, {distinct_count(drawn, sources)} {noun}", *(note for note in notes if note)]
    return f"Source: {' + '.join(names)} ({'; '.join(parts)})"


def omitted(before: pl.DataFrame, drawn: pl.DataFrame, why: str) -> str | None:
    """A caption note saying how many rows were left out and why, or None when none were."""
    left_out = before.height - drawn.height
    return f"{left_out} {why} not drawn" if left_out else None


def require(frame: pl.DataFrame, columns: Iterable[str], builder: str) -> pl.DataFrame:
    """The frame narrowed to `columns`, or a UsageError naming the missing ones and the dataset to pass."""
    columns = list(dict.fromkeys(columns))
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise UsageError(f"charts.{builder} needs column(s) {', '.join(missing)}.",
                         fix="pass the frame of the dataset named in the builder's docstring, filtered but "
                             "with its columns kept.", value=builder)
    return frame.select(columns)


def low_confidence() -> pl.Expr:
    """True where a row rests on weak sources (DESIGN §7); an unknown confidence counts as weak."""
    return pl.col("confidence").cast(pl.String).is_in(LOW_CONFIDENCE).fill_null(True).alias("low_confidence")


def when(channel: type[alt.SchemaBase], test: str, then: object, otherwise: object) -> alt.SchemaBase:
    """A value channel that switches on a Vega test, e.g. when(alt.ColorValue, "datum.dark", "white", "black").

    The same as `alt.condition`, minus the ~10 ms of schema validation its dict form costs on every
    `encode` (explorers rebuild charts on every filter change; string shorthands cost ~3 ms each too).
    """
    return channel(otherwise, condition={"test": test, "value": then})


def paint(field: str, title: str, scale: alt.Scale, *, hollow: bool = True) -> dict:
    """Colour encodings for a mark; with `hollow`, fill and stroke share the colour and weak rows lose the fill.

    Vega-Lite has no per-row `filled`, so a hollow mark is a stroked mark whose fill opacity drops to 0.
    """
    if not hollow:
        return {"color": alt.Color(field, title=title, scale=scale)}
    return {"fill": alt.Fill(field, title=title, scale=scale),
            "stroke": alt.Stroke(field, title=title, scale=scale),
            "fillOpacity": when(alt.FillOpacityValue, "datum.low_confidence", 0, 1)}


def lumped(column: str, keep: Sequence[str], other: str) -> pl.Expr:
    """`column` with values outside `keep` (and nulls) replaced by `other`."""
    return pl.when(pl.col(column).is_in(list(keep))).then(pl.col(column)).otherwise(pl.lit(other))


def top_values(frame: pl.DataFrame, column: str, n: int) -> list[str]:
    """The `n` most frequent non-null values, most frequent first, ties by name (stable across runs)."""
    ranked = (frame.filter(pl.col(column).is_not_null()).group_by(column).agg(pl.len().alias("_rows"))
              .sort(["_rows", column], descending=[True, False]))
    return ranked.get_column(column).head(n).to_list()


def grouped(frame: pl.DataFrame, column: str, n: int, other: str) -> tuple[pl.DataFrame, alt.Scale]:
    """Add `<column>_group`: the top `n` values of `column` keep a colour, the rest turn grey as `other`. The
    columns grouped are organisations, so one organisation has one colour in every chart (ORG_COLOURS).

    More than about seven colours stop being distinguishable, whatever the palette.
    """
    keep = top_values(frame, column, n)
    rest = (~frame.get_column(column).is_in(keep)).fill_null(True).any()
    frame = frame.with_columns(lumped(column, keep, other).alias(f"{column}_group"))
    return frame, colour_scale(keep + ([other] if rest else []), other=other, fixed=ORG_COLOURS)


def categories(frame: pl.DataFrame, column: str) -> list[str]:
    """The full vocabulary of an Enum column (stable legends and colours under filters), else the values seen."""
    dtype = frame.schema[column]
    if isinstance(dtype, pl.List):
        dtype = dtype.inner
    if isinstance(dtype, pl.Enum):
        return list(dtype.categories)
    values = frame.get_column(column)
    values = values.explode() if isinstance(values.dtype, pl.List) else values
    return sorted(values.drop_nulls().cast(pl.String).unique().to_list())


def embeddable(frame: pl.DataFrame, builder: str) -> pl.DataFrame:
    """The frame as a chart embeds it: list cells joined into text (tooltips, and saved figures' CSV), and
    small enough for a spec; else a UsageError saying to filter or aggregate first."""
    frame = frame.with_columns(pl.col(name).cast(pl.List(pl.String)).list.join(", ")
                               for name, dtype in frame.schema.items() if isinstance(dtype, pl.List))
    if frame.height > MAX_ROWS:
        raise UsageError(f"charts.{builder} would embed {frame.height} rows (the limit is {MAX_ROWS}).",
                         fix="filter the frame first (a date range, fewer organisations) or aggregate it.",
                         value=frame.height)
    return frame


def placeholder(title: str, caption: str, message: str = "Nothing to draw: no rows match.", *,
                width: int = WIDTH) -> alt.Chart:
    """The chart shown when filters leave no rows: same title and caption, a sentence instead of marks."""
    return (alt.Chart(pl.DataFrame({"message": [message]}))
            .mark_text(fontSize=14, color=GREY)
            .encode(text=alt.Text("message:N"))
            .properties(title=captioned(title, caption), width=width, height=120))


def framing(title: str, caption: str, **size: object) -> dict[str, object]:
    """Title and source caption on top; the default size unless the chart asks for its own (steps per row).

    As keywords for `layer`, which takes them when it is made (a `properties` call would copy every layer again).
    """
    return {"title": captioned(title, caption), **({"width": WIDTH, "height": HEIGHT} | size)}


def finish(chart: Chart, title: str, caption: str, **size: object) -> Chart:
    """`chart` with its `framing`."""
    return chart.properties(**framing(title, caption, **size))


class Layers(alt.LayerChart):
    """An `alt.LayerChart` of layers a builder has just made for it, without altair's defensive copies.

    altair's LayerChart deep-copies every layer twice when it is made (so it never changes a chart the caller
    still holds) and is made again on every `copy`, `properties` and `to_dict`: most of an explorer's redraw
    (about a third of the governance and funding-matrix explorers'). The copies guard against sharing, and
    the work they are made for — moving selections, sizes and views from the layers to the top — has nothing
    to do while the layers carry none of these. So: layers without them (and a chart without selections of its
    own) are taken as they are; anything else goes altair's own way, and the spec is the same either way
    (tests/test_charts.py builds every layered chart both ways and compares them). It leans on altair's private
    helpers, which the lock file pins and that test watches.

    What it gives up: the layers are the builder's objects, shared by `properties` and shallow copies, so a chart
    edited in place (assigning to `chart.layer[0].encoding...`) changes its copies too; altair's methods
    (`encode`, `properties`, `mark_*`), which copy, are the way to change a built chart.
    """

    def __init__(self, data: Any = Undefined, layer: Sequence[alt.Chart] = (), **kwargs: Any) -> None:
        layer = list(layer)
        if "params" in kwargs or not all(map(_plain_layer, layer)):
            super().__init__(data=data, layer=layer, **kwargs)
            return
        for part in layer:  # the checks altair makes, with its messages
            altair_api._check_if_valid_subspec(part, "LayerChart")
            altair_api._check_if_can_be_layered(part)
        alt.TopLevelLayerSpec.__init__(self, data=data, layer=layer, **kwargs)
        self.data, self.layer = altair_api._combine_subchart_data(self.data, self.layer)

    def add_params(self, *params: alt.Parameter) -> Layers:
        """altair's `LayerChart.add_params` (the selections go on the first layer, and from there to the top),
        making the chart once instead of copying it twice."""
        if not params or not self.layer:
            return self
        top = {key: value for key, value in self._kwds.items() if key != "layer" and value is not Undefined}
        return Layers(layer=[self.layer[0].add_params(*params), *self.layer[1:]], **top)


@contextlib.contextmanager
def altair_layers() -> Iterator[None]:
    """Layered charts made by altair's own LayerChart constructor and `add_params` while the block runs: the
    baseline `make bench` measures `Layers` against, and the reference the tests compare its specs with."""
    kept = Layers.__init__, Layers.add_params
    Layers.__init__, Layers.add_params = alt.LayerChart.__init__, alt.LayerChart.add_params  # type: ignore[method-assign]
    try:
        yield
    finally:
        Layers.__init__, Layers.add_params = kept  # type: ignore[method-assign]


def layer(*parts: alt.Chart, **top: Any) -> Layers:
    """`alt.layer(*parts, **top)` for parts made for this chart alone (see `Layers`); give the `framing` here.

    Unlike `alt.layer`, layers sharing a facet encoding are refused (as `alt.LayerChart` refuses them), not
    turned into a faceted chart: facet them after layering."""
    return Layers(layer=parts, **top)


def _plain_layer(part: object) -> bool:
    """A single view with nothing altair's LayerChart would move to the top (a selection, a size, a view)."""
    return type(part) is alt.Chart and all(part._get(key) is Undefined
                                           for key in ("params", "height", "width", "view"))


def time_x(field: str = "date", *, domain: tuple[dt.date, dt.date] | None = None) -> alt.X:
    """A date axis with room at both ends, so the first and last marks are not cut in half; `domain` zooms."""
    limits = {"domain": [alt.DateTime(year=d.year, month=d.month, date=d.day) for d in domain]} if domain else {}
    return alt.X(f"{field}:T", title=None, scale=alt.Scale(padding=12, **limits))


DATE_TIP = alt.Tooltip("date:T", title="Date", format="%Y-%m-%d")
PRECISION_TIP = alt.Tooltip("date_precision:N", title="Date precision")
CONFIDENCE_TIP = alt.Tooltip("confidence:N", title="Confidence")


def selections(fields: Sequence[str], brush: bool) -> list[alt.Parameter]:
    """The selections an explorer's table follows: a click on `fields` ("pick") and an x-brush ("brush").

    JupyterChart reports them by these names (`JupyterChart.selections.pick`, `.brush`).
    """
    params = [alt.selection_point(name="pick", fields=list(fields), on="click")] if fields else []
    return params + ([alt.selection_interval(name="brush", encodings=["x"])] if brush else [])


@builder
def selectable(chart: alt.TopLevelMixin, fields: Sequence[str], brush: bool) -> alt.TopLevelMixin:
    """`chart` with the `selections` added (a composition of dicts takes them in its constructor: `Composed`)."""
    with warnings.catch_warnings():  # in a concat or layer, one selection shared by every view is intended
        warnings.filterwarnings("ignore", message="Automatically deduplicated selection parameter")
        return chart.add_params(*selections(fields, brush))


class Composed(alt.Chart):
    """Charts concatenated as Vega-Lite dicts, with optional click and brush selections over every view.

    altair's `vconcat`, `hconcat`, `resolve_scale` and `add_params` deep-copy every sub-chart, which costs an
    explorer 100-250 ms per redraw for a few panels; composing the sub-charts' dicts costs a few. The parts stay
    altair charts, so each is built and themed as usual; `to_dict` composes them under the theme active then, so
    a saved figure and a displayed one are the same spec. JupyterChart reads the selections from `params`.
    """

    def __init__(self, kind: str, parts: Sequence[alt.TopLevelMixin | Composed], *, resolve: dict | None = None,
                 select: Sequence[str] = (), brush: bool = False) -> None:
        params = [selection.param for selection in selections(select, brush)]
        super().__init__(params=params) if params else super().__init__()
        object.__setattr__(self, "_composed", (kind, list(parts), resolve or {}))

    def __eq__(self, other: object) -> bool:
        """Identity: two compositions with the same selections are different charts (JupyterChart redraws on a
        change, and altair's equality compares only the selections)."""
        return self is other

    __hash__ = object.__hash__

    def to_dict(self, validate: bool = True, **kwargs: object) -> dict:
        """The composed spec; `validate` validates each part (the composition itself adds no schema objects)."""
        kind, parts, resolve = self._composed
        datasets: dict = {}
        specs = [_part_spec(part, datasets, validate) for part in parts]
        spec = {kind: specs, "datasets": datasets, **({"resolve": resolve} if resolve else {})}
        if self.params is not alt.Undefined:
            views = _name_views(specs)  # clicks pick in every panel; the x-brush lives in the first, as in altair
            spec["params"] = [{**param.to_dict(validate=validate),
                               "views": views if param.select.type == "point" else views[:1]} for param in self.params]
        themed = alt.Chart().to_dict(validate=False)  # $schema and the theme's config, as altair writes them
        return {key: themed[key] for key in ("$schema", "config") if key in themed} | spec


def _part_spec(part: alt.TopLevelMixin | Composed, datasets: dict, validate: bool) -> dict:
    spec = part.to_dict(validate=validate)
    datasets.update(spec.pop("datasets", {}))
    for key in ("$schema", "config"):
        spec.pop(key, None)
    return spec


def _name_views(specs: list[dict]) -> list[str]:
    """Name one unit view per panel in place and return the names, for top-level selections. In a layer only one
    unit may hold a selection (two would define its signals twice): the first with a tooltip, i.e. the marks
    that are rows (not a shaded highlight or a label)."""
    names: list[str] = []

    def name(unit: dict) -> None:
        unit.setdefault("name", f"view_{len(names) + 1}")
        names.append(unit["name"])

    def visit(spec: dict) -> None:
        if "mark" in spec:
            name(spec)
        elif "layer" in spec:
            units = [child for child in spec["layer"] if "mark" in child]
            rows = [unit for unit in units if "tooltip" in unit.get("encoding", {})]
            if rows or units:
                name((rows or units)[0])
        for key in ("vconcat", "hconcat", "concat"):
            for child in spec.get(key, []):
                visit(child)

    for spec in specs:
        visit(spec)
    return names
