"""GovernanceExplorer: each lab's legal structure as bands over time, the governance events on top, the Nov 2023
OpenAI board crisis a click away, and a compare mode that puts two labs, or the record as known on two dates,
side by side.

The table unites both datasets (one row per structure or event, with `dataset` and `id`), so a click on a
band or an event, or a brush over dates, narrows one list of sourced rows.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import altair as alt
import ipywidgets as widgets
import polars as pl
import traitlets

from workbench.charts.base import Composed
from workbench.charts.governance import BOARD_CRISIS, governance_timeline, structure_bands
from workbench.widgets.base import Explorer, ExplorerInputError
from workbench.widgets.inputs import subset_of, usable_rows, where

__all__ = ["COMPARE", "CRISIS_WINDOW", "SEED_DATE", "GovernanceExplorer", "united"]

SEED_DATE = dt.date(2019, 7, 22)  # the seed article: "the record as the article's readers knew it"
CRISIS_WINDOW = (BOARD_CRISIS.start - dt.timedelta(days=7), BOARD_CRISIS.end + dt.timedelta(days=7))
COMPARE = ("off", "labs", "dates")


class GovernanceExplorer(Explorer):
    """Labs and dates; structure bands and events; compare two labs or two dates."""

    name = "governance-explorer"
    title = "Governance explorer"
    datasets = ("org_structures", "governance_events")
    columns = ("dataset", "id", "date", "orgs", "kind", "summary", "known_from", "confidence", "source_ids")
    filters = ("labs", "start", "end", "compare", "lab_a", "lab_b", "date_a", "date_b")
    aliases = {"event_id": "id", "structure_id": "id"}

    labs = traitlets.Tuple(help="labs shown (empty: all)")
    start = traitlets.Instance(dt.date, help="first day shown")
    end = traitlets.Instance(dt.date, help="last day shown")
    compare = traitlets.Enum(COMPARE, "off", help="side by side: two labs, or the record as known on two dates")
    lab_a = traitlets.Unicode("OpenAI")
    lab_b = traitlets.Unicode("Anthropic")
    date_a = traitlets.Instance(dt.date, help="first as-of date in 'dates' compare mode (default: the seed article's)")
    date_b = traitlets.Instance(dt.date, help="second as-of date in 'dates' compare mode (default: today)")

    def __init__(self, *, as_of: str | None = None, **state: Any) -> None:
        from workbench import datasets

        self._structures = datasets.load("org_structures", as_of=as_of)
        self._events = datasets.load("governance_events", as_of=as_of)
        self._record = usable_rows(united(self._structures, self._events), ("date", "orgs"),
                                   dataset="org_structures and governance_events", as_of=as_of)
        self._labs = sorted(set(self._record["orgs"].explode().drop_nulls()))
        super().__init__(**state)

    @traitlets.default("start")
    def _first_day(self) -> dt.date:
        return self._record["date"].min()

    @traitlets.default("end")
    def _last_day(self) -> dt.date:
        return max(self._record["date"].max(), dt.date.today())

    @traitlets.default("date_a")
    def _seed_day(self) -> dt.date:
        return SEED_DATE

    @traitlets.default("date_b")
    def _today(self) -> dt.date:
        return dt.date.today()

    @traitlets.validate("labs")
    def _known_labs(self, proposal: dict) -> tuple[str, ...]:
        return subset_of(proposal, self._labs)

    @traitlets.validate("lab_a", "lab_b")
    def _known_lab(self, proposal: dict) -> str:
        return subset_of({**proposal, "value": (proposal["value"],)}, self._labs)[0]

    @traitlets.validate("start", "end")
    def _ordered_days(self, proposal: dict) -> dt.date:
        """start <= end, whichever is set (dynamic defaults are not cross-validated, so reading the other is safe)."""
        name = proposal["trait"].name
        start, end = (proposal["value"], self.end) if name == "start" else (self.start, proposal["value"])
        if end < start:
            raise ExplorerInputError(f"end {end} is before start {start}.",
                                     fix="choose an end on or after the start; to move both, set them together: "
                                         "`with explorer.hold_trait_notifications(): explorer.start, explorer.end = "
                                         "a, b`.", column=name, value=proposal["value"])
        return proposal["value"]

    @traitlets.observe("compare")
    def _show_compare_controls(self, change: dict) -> None:
        if self._ready:
            self._pairs["labs"].layout.display = None if change["new"] == "labs" else "none"
            self._pairs["dates"].layout.display = None if change["new"] == "dates" else "none"

    def zoom_crisis(self) -> None:
        """Show the days around the Nov 2023 OpenAI board crisis."""
        with self.hold_trait_notifications():
            self.start, self.end = CRISIS_WINDOW

    def zoom_all(self) -> None:
        with self.hold_trait_notifications():
            self.start, self.end = self._first_day(), self._last_day()

    def _controls(self) -> list[widgets.Widget]:
        crisis, reset = widgets.Button(description="Nov 2023 crisis"), widgets.Button(description="All dates")
        self._click(crisis, lambda _b: self.zoom_crisis())
        self._click(reset, lambda _b: self.zoom_all())

        def lab(trait: str) -> widgets.Dropdown:
            return self._bind(trait, widgets.Dropdown(options=self._labs, value=getattr(self, trait),
                                                      description=trait.replace("_", " ")))

        def day(trait: str) -> widgets.DatePicker:
            return self._bind(trait, widgets.DatePicker(value=getattr(self, trait),
                                                        description=trait.replace("_", " ")))

        self._pairs = {"labs": widgets.HBox([lab("lab_a"), lab("lab_b")]),
                       "dates": widgets.HBox([day("date_a"), day("date_b")])}
        for mode, pair in self._pairs.items():
            pair.layout.display = None if self.compare == mode else "none"
        return [
            widgets.HBox([self._bind("labs", widgets.SelectMultiple(options=self._labs, value=self.labs,
                                                                    description="Labs", rows=5)),
                          widgets.VBox([day("start"), day("end"), widgets.HBox([crisis, reset])])]),
            self._bind("compare", widgets.ToggleButtons(options=COMPARE, value=self.compare, description="Compare")),
            *self._pairs.values(),
        ]

    def _filtered(self) -> pl.DataFrame:
        rows = where(self._record, _involving(self._labs_shown()), _within_dates(self.start, self.end))
        if self.compare == "dates":
            rows = rows.filter(pl.col("known_from") <= max(self.date_a, self.date_b))
        return rows

    def _chart_for(self, rows: pl.DataFrame) -> alt.TopLevelMixin:
        picks = {"select": ("event_id", "structure_id"), "brush": True}
        if self.compare == "labs":
            return Composed("hconcat", [self._panel((self.lab_a,)), self._panel((self.lab_b,))], **picks)
        if self.compare == "dates":
            return Composed("hconcat", [self._panel(self.labs, known_by=self.date_a),
                                        self._panel(self.labs, known_by=self.date_b)], **picks)
        return self._panel(self.labs, width=560, **picks)

    def _labs_shown(self) -> tuple[str, ...]:
        return (self.lab_a, self.lab_b) if self.compare == "labs" else self.labs

    def _panel(self, labs: tuple[str, ...], known_by: dt.date | None = None, width: int = 380,
               **picks: object) -> Composed:
        """Structure bands over events for some labs and dates, as the record stood on `known_by` (`picks`: the
        selections, when the panel is the whole chart)."""
        known = pl.col("known_from") <= known_by if known_by else None
        structures = where(self._structures, _involving(labs, "org"), pl.col("date") <= self.end, known)
        events = where(self._events, _involving(labs, "organizations"), _within_dates(self.start, self.end), known)
        domain = (self.start, self.end)
        note = f" — as known on {known_by}" if known_by else (f" — {', '.join(labs)}" if len(labs) <= 2 and labs
                                                              else "")
        # the bands are clamped to the events' dates, so zooming zooms both
        bands = structure_bands(structures, today=min(known_by or self.end, self.end), domain=domain, width=width,
                                title=f"Legal structure{note}")
        timeline = governance_timeline(events, domain=domain, width=width, title=f"Governance events{note}")
        # legal forms and organisations are different colour scales: one shared legend would mix them
        independent = {"scale": dict.fromkeys(("color", "fill", "stroke", "shape"), "independent")}
        return Composed("vconcat", [bands, timeline], resolve=independent, **picks)


def united(structures: pl.DataFrame, events: pl.DataFrame) -> pl.DataFrame:
    """Structures and events as one list of sourced rows: dataset, id, date, orgs, kind, summary, ...."""
    common = [pl.col("confidence").cast(pl.String), "source_ids", "known_from"]
    return pl.concat([
        structures.select(pl.lit("org_structures").alias("dataset"), pl.col("structure_id").alias("id"), "date",
                          pl.concat_list("org").alias("orgs"), pl.col("legal_form").cast(pl.String).alias("kind"),
                          pl.format("{}; controlled by {}", pl.col("legal_form_detail").fill_null("-"),
                                    pl.col("controlled_by").fill_null("-")).alias("summary"), *common),
        events.select(pl.lit("governance_events").alias("dataset"), pl.col("event_id").alias("id"), "date",
                      pl.col("organizations").alias("orgs"), pl.col("event_type").cast(pl.String).alias("kind"),
                      "summary", *common),
    ]).sort("date", "id")


def _involving(labs: tuple[str, ...], column: str = "orgs") -> pl.Expr | None:
    if not labs:
        return None
    if column == "org":
        return pl.col("org").is_in(list(labs))
    return pl.col(column).list.eval(pl.element().is_in(list(labs))).list.any()


def _within_dates(start: dt.date, end: dt.date) -> pl.Expr:
    return pl.col("date").is_between(start, end)
