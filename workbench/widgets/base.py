"""The wiring every explorer shares: state as traitlets → rows → chart and table, Save, close.

A subclass declares its filter traits (`filters`), the datasets it reads, the table columns, and three pure
steps: `_filtered()` (controls → rows, in polars; the checks and conditions are in `widgets.inputs`),
`_chart_for(rows)` (a builder of `workbench.charts`, with `charts.base.selectable`'s selections) and `_controls()`
(widgets bound to traits). The base debounces filter changes, narrows the rows by the clicks and brushes that
`JupyterChart.selections` reports (`widgets.selection`), renders the table with every string escaped
(`widgets.render`), saves table + chart with sidecars, and releases every widget and observer on `close()` so
re-running a cell leaks nothing.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Iterable
from typing import Any, ClassVar

import altair as alt
import ipywidgets as widgets
import polars as pl
import traitlets
from altair.utils.schemapi import debug_mode

from workbench import datasets
from workbench.datasets import citing as record
from workbench.errors import UsageError
from workbench.lineage import Lineage, lineage_of, tag
from workbench.vega_bundle import offline_jupyter_charts
from workbench.widgets.render import esc, table_html
from workbench.widgets.selection import Selection, selection_filter

__all__ = ["Explorer", "ExplorerInputError", "close_descendants", "show"]


class ExplorerInputError(UsageError, traitlets.TraitError):
    """A control or constructor value an explorer refuses, with the trait, the value and the fix.

    A TraitError too, so traitlets treats it as a validation failure (rolling back a batch set in
    `hold_trait_notifications`) and code that catches TraitError keeps working.
    """


class Explorer(widgets.VBox):
    """Base class of the explorers; see the module docstring for what a subclass provides."""

    name: ClassVar[str]  # output folder under data/tables and data/figures, e.g. "funding-explorer"
    title: ClassVar[str]
    datasets: ClassVar[tuple[str, ...]]
    columns: ClassVar[tuple[str, ...]]  # table columns, in order; always ends with source ids
    filters: ClassVar[tuple[str, ...]]  # traits whose change recomputes rows, chart and table
    aliases: dict[str, str] = {}  # chart field -> row column, where a builder renames a column

    debounce_ms = traitlets.Float(150.0, help="wait this long after the last control change before redrawing")
    status = traitlets.Unicode("", help="the last Save report or error, also shown in the widget")

    def __init__(self, **state: Any) -> None:
        self._ready = False  # traits set by the constructor must not trigger a redraw before the layout exists
        self._timer: asyncio.TimerHandle | None = None
        self._links: list[widgets.link] = []
        self._watches: list[tuple[traitlets.HasTraits, Callable, str]] = []
        self._clicks: list[tuple[widgets.Button, Callable]] = []
        self._rows = self._selection = pl.DataFrame()
        self._sources = record.source_index()
        super().__init__(**state)
        offline_jupyter_charts()  # JupyterLab has no internet here: bundle vega (cached) instead of esm.sh
        # SVG, not canvas: every mark is an element a screen reader (and a browser test) can find and click
        self.jchart = alt.JupyterChart(None, embed_options={"renderer": "svg"})
        self._table = widgets.HTML()
        self._output = widgets.Output()
        self._save_button = widgets.Button(description="Save", icon="save",
                                           tooltip="write table + chart with sidecars under data/")
        # stable hooks for styling and for the browser tests (tests/test_browser.py)
        for widget, css_class in ((self, "wb-explorer"), (self, f"wb-{self.name}"), (self.jchart, "wb-chart"),
                                  (self._table, "wb-rows"), (self._save_button, "wb-save"),
                                  (self._output, "wb-status")):
            widget.add_class(css_class)
        self._click(self._save_button, lambda _b: self.save())
        # the front end writes `_vl_selections`; JupyterChart's own observer (registered first) parses it into
        # `selections` before `_on_pick` reads them (a chart swap replaces `selections`, so it is not observed)
        self._watch(self.jchart, self._on_pick, "_vl_selections")
        for name in self.filters:
            self._watch(self, self._schedule, name)
        header = widgets.HTML(f"<h3>{esc(self.title)}</h3>")
        self.children = (header, *self._controls(), *self._body(),
                         widgets.HBox([self._save_button, self._output]))
        self._ready = True
        self.refresh()

    # --- what a subclass provides -------------------------------------------------------------------------
    def _controls(self) -> list[widgets.Widget]:
        raise NotImplementedError

    def _filtered(self) -> pl.DataFrame:
        raise NotImplementedError

    def _chart_for(self, rows: pl.DataFrame) -> alt.TopLevelMixin:
        raise NotImplementedError

    def _body(self) -> list[widgets.Widget]:
        """The chart above the table; the reader puts the article first."""
        return [self.jchart, self._table]

    def _shown(self, selection: pl.DataFrame) -> None:
        """Hook after the selection changed (the reader redraws its claims panel)."""

    # --- public face ---------------------------------------------------------------------------------------
    @property
    def selection(self) -> pl.DataFrame:
        """The rows in the table: the controls' filter, narrowed by any click or brush on the chart."""
        return self._selection

    @property
    def chart(self) -> alt.TopLevelMixin | None:
        return self.jchart.chart

    def refresh(self) -> None:
        """Recompute rows, chart and table now (the debounced path ends here)."""
        self._cancel_timer()
        rows = self._filtered()
        with debug_mode(False):  # no schema validation of every axis and scale as it is built; see `show`
            chart = self._chart_for(rows)
        self._ready = False  # the chart swap resets its selections; apply them once, below
        try:
            with self.hold_sync():
                self._rows = rows
                show(self.jchart, chart)
                self._apply_selection()
        finally:
            self._ready = True

    def describe(self) -> str:
        """The current filters and chart selection in words, for sidecars."""
        parts = [f"{name}={_plain(getattr(self, name))}" for name in self.filters
                 if getattr(self, name) != self.trait_defaults(name)]
        # the selections as the front end sent them (what sidecars have always recorded), not as parsed
        picked = {name: s.get("value") for name, s in self.jchart._vl_selections.items() if s.get("value")}
        if picked:
            parts.append(f"chart selection={picked}")
        return "; ".join(parts) or "no filters"

    def save(self) -> list:
        """Write the table and the chart (with sidecars naming the source rows) and report the file names."""
        from workbench.outputs import save

        frame = self.selection
        if frame.is_empty():  # saving nothing would silently replace the selection saved last
            raise UsageError("nothing to save: the filters and the chart selection keep no rows.",
                             fix="widen the filters or clear the chart selection, then save again.",
                             column="selection", value=self.describe())
        about = {"title": f"{self.title}: {self.describe()}",
                 "description": f"{frame.height} rows selected in the {self.title}. Filters: {self.describe()}."}
        # the selection's rows cite their own sources; the explorer's tables are its inputs
        inputs = Lineage.union(lineage_of(datasets.load(name)) for name in self.datasets).inputs()
        shown = frame.select([c for c in self.columns if c in frame.columns])
        rows = Lineage(cited=(frame["source_ids"],)) if "source_ids" in frame.columns else Lineage()
        saved = [save(tag(shown, inputs | rows), f"{self.name}/selection", **about)]
        if self.chart is not None:
            saved.append(save(tag(self.chart, inputs | rows), f"{self.name}/chart", **about))
        self.status = "Saved " + "; ".join(str(s) for s in saved)
        self._output.append_stdout(self.status + "\n")
        return saved

    def close(self) -> None:
        """Release timers, links, observers and every widget this explorer created."""
        if not hasattr(self, "_watches"):  # a constructor that failed early: ipywidgets still closes the
            super().close()                # half-built object when it is collected, and must not raise there
            return
        self._cancel_timer()
        for link in self._links:
            link.unlink()
        self._links.clear()
        for owner, handler, name in self._watches:
            owner.unobserve(handler, names=name)
        self._watches.clear()
        for button, handler in self._clicks:
            button.on_click(handler, remove=True)
        self._clicks.clear()
        close_descendants(self)
        super().close()

    # --- wiring --------------------------------------------------------------------------------------------
    def _bind(self, trait: str, widget: widgets.Widget) -> Any:
        """A control kept in step with one of this explorer's traits (the trait is the source of truth)."""
        self._links.append(widgets.link((self, trait), (widget, "value")))
        return widget

    def _watch(self, owner: traitlets.HasTraits, handler: Callable, name: str) -> None:
        """observe, remembered so that close() can unobserve."""
        owner.observe(handler, names=name)
        self._watches.append((owner, handler, name))

    def _click(self, button: widgets.Button, action: Callable[[widgets.Button], object]) -> None:
        """on_click, with errors shown in the widget and the handler removed by close()."""
        def handler(clicked: widgets.Button) -> None:
            self._report_errors(lambda: action(clicked))

        button.on_click(handler)
        self._clicks.append((button, handler))

    def _toggles(self, trait: str, options: Iterable[str], colours: dict[str, str] | None = None) -> widgets.HBox:
        """One toggle button per option, kept in step with a tuple trait (ipywidgets has no multi-toggle)."""
        buttons = {option: widgets.ToggleButton(value=option in getattr(self, trait), description=option,
                                                layout=widgets.Layout(width="auto")) for option in options}
        for option, button in buttons.items():
            if colours and option in colours:
                button.style.button_color = colours[option]
        busy = []  # set while the trait pushes into the buttons, so they do not push back half-way

        def pulled(_change: dict) -> None:
            if not busy:
                setattr(self, trait, tuple(o for o, b in buttons.items() if b.value))

        def pushed(change: dict) -> None:
            busy.append(True)
            try:
                for option, button in buttons.items():
                    button.value = option in change["new"]
            finally:
                busy.clear()

        for button in buttons.values():
            self._watch(button, pulled, "value")
        self._watch(self, pushed, trait)
        return widgets.HBox(list(buttons.values()))

    def _schedule(self, _change: dict | None = None) -> None:
        if not self._ready:
            return
        self._cancel_timer()
        loop = _running_loop()
        if loop is None or self.debounce_ms <= 0:  # no event loop (scripts, tests): redraw at once
            self.refresh()
        else:
            self._timer = loop.call_later(self.debounce_ms / 1000, self._refresh_reporting)

    def _refresh_reporting(self) -> None:
        self._report_errors(self.refresh)

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _on_pick(self, _change: dict) -> None:
        if self._ready:
            self._report_errors(self._apply_selection)

    def _chart_selections(self) -> list[Selection]:
        """The chart's selections as JupyterChart parsed them (`PointSelection`, `IntervalSelection`)."""
        return list(self.jchart.selections.trait_values().values())

    def _apply_selection(self) -> None:
        condition = selection_filter(self._chart_selections(), self._rows.schema, self.aliases)
        self._selection = self._rows if condition is None else self._rows.filter(condition)
        self._table.value = table_html(self._selection, self.columns, self._sources)
        self._shown(self._selection)

    def _report_errors(self, action: Callable[[], object]) -> None:
        """Run a callback; an error goes to the private Output (a callback's exception is otherwise lost)."""
        try:
            action()
        except Exception as error:  # noqa: BLE001 - shown to the user, who can act on it
            self.status = f"Error: {error}"
            self._output.append_stderr(self.status + "\n")


def show(jchart: alt.JupyterChart, chart: alt.TopLevelMixin) -> None:
    """Put `chart` in `jchart` without the Vega-Lite schema validation JupyterChart runs on each new chart.

    Validating costs 10-40 ms per redraw, more than building the chart does. The builders' specs are validated
    by tests/test_charts.py, and `chart.to_dict()` still validates: the shortcut lives only while `jchart` reads
    the spec (JupyterChart has no option for it; an instance attribute shadows the method without touching the
    spec, which altair keeps in `_kwds`).
    """
    object.__setattr__(chart, "to_dict", functools.partial(chart.to_dict, validate=False))
    try:
        with debug_mode(False):  # nor of each piece altair makes while writing it (its data reference...)
            jchart.chart = chart
    finally:
        object.__delattr__(chart, "to_dict")


def close_descendants(root: widgets.Widget) -> None:
    """Close every widget reachable from `root`'s synced traits (children, layout, style), not `root` itself."""
    seen, stack = {id(root)}, [root]
    while stack:
        widget = stack.pop()
        for key in getattr(widget, "keys", []):
            value = getattr(widget, key, None)
            for child in value if isinstance(value, (list, tuple)) else (value,):
                if isinstance(child, widgets.Widget) and id(child) not in seen:
                    seen.add(id(child))
                    stack.append(child)
                    child.close()


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def _plain(value: Any) -> str:
    return ", ".join(map(str, value)) if isinstance(value, (list, tuple)) else str(value)
