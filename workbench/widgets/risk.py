"""RiskExplorer: the AI-risk concerns an article raises, set against the policy instruments that address them,
by jurisdiction and over time.

The concerns filter starts at the article's own concerns (its claims and its ai_risk theme terms), so the
first view answers "what has been done since about what this article worried about?".
"""

from __future__ import annotations

from typing import Any

import altair as alt
import ipywidgets as widgets
import polars as pl
import traitlets

from workbench.charts.base import selectable
from workbench.charts.policy import concern_instrument_matrix, policy_timeline
from workbench.widgets.base import Explorer
from workbench.widgets.inputs import is_in, options_of, subset_of, where
from workbench.widgets.reader import SEED, analysis_of
from workbench.widgets.render import esc

__all__ = ["VIEWS", "RiskExplorer", "article_concerns"]

# view -> (builder, fields a click picks, whether an x-brush picks a date range)
VIEWS = {
    "timeline": (policy_timeline, ("event_id",), True),
    "matrix": (concern_instrument_matrix, ("concern", "instrument_type"), False),
}


class RiskExplorer(Explorer):
    """Filter policy instruments by concern, jurisdiction and status; start from an article's concerns."""

    name = "risk-explorer"
    title = "AI-risk explorer"
    datasets = ("policy_events",)
    columns = ("event_id", "date", "jurisdiction", "instrument_type", "title", "concerns", "status", "confidence",
               "source_ids")
    filters = ("concerns", "jurisdictions", "statuses", "view")
    aliases = {"concern": "concerns"}

    concerns = traitlets.Tuple(help="instruments naming any of these concerns (empty: all)")
    jurisdictions = traitlets.Tuple(help="jurisdictions kept (empty: all)")
    statuses = traitlets.Tuple(help="statuses kept (empty: all)")
    view = traitlets.Enum(tuple(VIEWS), "timeline", help="instruments by jurisdiction over time, or concerns × kinds")

    def __init__(self, *, doc_id: str = SEED, as_of: str | None = None, **state: Any) -> None:
        """`doc_id`: the article whose concerns the filter starts from."""
        from workbench import datasets

        self._policy = datasets.load("policy_events", as_of=as_of)
        self._choices = {"concerns": list(self._policy.schema["concerns"].inner.categories),
                         "jurisdictions": options_of(self._policy["jurisdiction"].unique()),
                         "statuses": options_of(self._policy["status"].unique())}
        self.doc_id = doc_id
        self.article_concerns = article_concerns(doc_id, self._choices["concerns"])
        super().__init__(**state)

    @traitlets.default("concerns")
    def _from_article(self) -> tuple[str, ...]:
        return self.article_concerns

    @traitlets.validate("concerns", "jurisdictions", "statuses")
    def _known(self, proposal: dict) -> tuple[str, ...]:
        return subset_of(proposal, self._choices[proposal["trait"].name])

    def _controls(self) -> list[widgets.Widget]:
        def pick(trait: str, label: str) -> widgets.SelectMultiple:
            return self._bind(trait, widgets.SelectMultiple(options=self._choices[trait], value=getattr(self, trait),
                                                            description=label, rows=6))

        raised = ", ".join(self.article_concerns) or "none found"
        return [
            widgets.HTML(f"<p>Concerns raised in <code>{esc(self.doc_id)}</code>: <b>{esc(raised)}</b></p>"),
            self._bind("view", widgets.ToggleButtons(options=list(VIEWS), value=self.view, description="Chart")),
            widgets.HBox([pick("concerns", "Concern"), pick("jurisdictions", "Jurisdiction"),
                          pick("statuses", "Status")]),
        ]

    def _filtered(self) -> pl.DataFrame:
        named = (pl.col("concerns").cast(pl.List(pl.String)).list.eval(pl.element().is_in(list(self.concerns)))
                 .list.any()) if self.concerns else None
        return where(self._policy, named, is_in("jurisdiction", self.jurisdictions),
                     is_in("status", self.statuses)).sort("date")

    def _chart_for(self, rows: pl.DataFrame) -> alt.TopLevelMixin:
        build, fields, brush = VIEWS[self.view]
        return selectable(build(rows), fields, brush)


def article_concerns(doc_id: str, vocabulary: list[str]) -> tuple[str, ...]:
    """Concerns an article raises: named by its claims or by its ai_risk theme terms, in the record's vocabulary."""
    analysis = analysis_of(doc_id)
    found = set(analysis.claims["concerns"].explode().drop_nulls()) | set(
        analysis.evidence.filter(pl.col("theme") == "ai_risk")["subtheme"].drop_nulls())
    return tuple(c for c in vocabulary if c in found)
