"""ArticleReader: one article in readable paragraphs, with themes, actors, amounts and dates marked, and a
side panel of its claims, each with its verdicts (at publication and now) and the record rows behind it.

The table (and `.selection`) holds one row per claim × record row: the claim's event row (`role` event), whose
verdict is the claim's, decided part by part with the deciding part named, then rows related to that event;
clicking a paragraph in the theme strip narrows it to that paragraph's claims.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import altair as alt
import ipywidgets as widgets
import polars as pl
import traitlets

from workbench import datasets
from workbench.analysis.claims import verdict_label
from workbench.analysis.themes import THEMES
from workbench.charts.article import paragraph_themes
from workbench.charts.theme import PALETTE, THEME_COLOURS, VERDICT_COLOURS
from workbench.datasets import citing as record
from workbench.widgets.base import Explorer, ExplorerInputError
from workbench.widgets.render import badge, esc, source_links

__all__ = ["MARKS", "MARK_STYLES", "SEED", "ArticleReader", "analysis_of", "claim_rows", "mark_text"]

SEED = "bloomberg-2019-07-22-microsoft-openai"
MARKS = ("actors", "amounts", "dates")
# the marks take the palette's series colours (blue, pink, yellow); themes are highlighted in their own colours
MARK_STYLES = {"actors": "border-bottom:2px solid #333", "amounts": f"font-weight:600;outline:1px solid {PALETTE[0]}",
               "dates": f"text-decoration:underline dotted {PALETTE[3]} 2px",
               "claim": f"box-shadow:0 0 0 2px {PALETTE[6]}"}


def analysis_of(doc_id: str) -> Any:
    """Analyses are pure functions of the article and the record: computed once per version of the data
    (`datasets.data_version`), so an edited overlay or article shows up on the next redraw."""
    return _analysis_of(doc_id, datasets.data_version())


@cache
def _analysis_of(doc_id: str, version: str) -> Any:
    from workbench.analysis import analyze

    return analyze(doc_id)


def claim_rows(doc_id: str) -> pl.DataFrame:
    """One row per claim × record row behind it, by sentence; cached like `analysis_of`, which it extends
    (joining the record rows on every redraw cost more than the rest of the redraw)."""
    return _claim_rows(doc_id, datasets.data_version())


@cache
def _claim_rows(doc_id: str, version: str) -> pl.DataFrame:
    analysis = analysis_of(doc_id)
    claims = analysis.claims.select("paragraph", "sentence", pl.col("text").alias("claim"), "kind")
    matches = analysis.matches.select("sentence", "role", "dataset", "row_id", "verdict_at_publication", "verdict",
                                      "verdict_part", "verdict_part_at_publication", "parts", "note")
    rows = claims.join(matches, on="sentence", how="left")
    return (rows.join(record.record_rows(matches), on=["dataset", "row_id"], how="left")
            .sort("sentence", "role", "dataset", "row_id", nulls_last=True))


def _documents() -> pl.DataFrame:
    from workbench.corpus import load_corpus

    return load_corpus().documents.select("doc_id", "title", "published")


class ArticleReader(Explorer):
    """Read an article of the corpus with its structure and its claims set against the record."""

    name = "article-reader"
    title = "Article reader"
    datasets = ("funding_events", "governance_events", "org_structures", "policy_events")
    columns = ("paragraph", "sentence", "claim", "kind", "role", "verdict_at_publication", "verdict", "verdict_part",
               "dataset", "row_id", "summary", "confidence", "source_ids")
    filters = ("doc_id", "themes", "marks", "claim")

    doc_id = traitlets.Unicode(SEED, help="the document shown (a doc_id of the corpus)")
    themes = traitlets.Tuple(THEMES, help="themes highlighted in the text")
    marks = traitlets.Tuple(MARKS, help="which of actors, amounts and dates are marked")
    claim = traitlets.Int(0, help="sentence number of the claim in focus (0: all claims)")

    def __init__(self, **state: Any) -> None:
        self._docs = _documents()
        self._article = widgets.HTML(layout=widgets.Layout(flex="3", max_height="560px", overflow="auto"))
        self._panel = widgets.HTML(layout=widgets.Layout(flex="2", max_height="560px", overflow="auto"))
        super().__init__(**state)

    @traitlets.validate("doc_id")
    def _valid_doc(self, proposal: dict) -> str:
        known = self._docs["doc_id"].to_list()
        if proposal["value"] not in known:
            import difflib

            near = difflib.get_close_matches(proposal["value"], known, n=3)
            raise ExplorerInputError(f"unknown doc_id {proposal['value']!r}.",
                                     fix=f"use a doc_id of the corpus (seeds/); nearest: {near or known[:3]}.",
                                     column="doc_id", value=proposal["value"])
        return proposal["value"]

    @traitlets.validate("themes", "marks")
    def _valid_subset(self, proposal: dict) -> tuple:
        allowed = THEMES if proposal["trait"].name == "themes" else MARKS
        unknown = set(proposal["value"]) - set(allowed)
        if unknown:
            raise ExplorerInputError(f"unknown {proposal['trait'].name} {sorted(unknown)}.",
                                     fix=f"use any of {allowed} (an empty tuple shows none).",
                                     column=proposal["trait"].name, value=sorted(unknown)[0])
        return tuple(v for v in allowed if v in proposal["value"])

    @traitlets.validate("claim")
    def _valid_claim(self, proposal: dict) -> int:
        sentences = analysis_of(self.doc_id).claims["sentence"].to_list()
        if proposal["value"] not in (0, *sentences):
            raise ExplorerInputError(f"sentence {proposal['value']} is not a claim.",
                                     fix=f"use 0 (every claim) or the sentence number of a claim: {sentences}.",
                                     column="claim", value=proposal["value"])
        return proposal["value"]

    @traitlets.observe("doc_id")
    def _new_document(self, _change: dict) -> None:
        if self._ready:  # not while the constructor sets doc_id and claim together
            self.claim = 0
            self._claim_picker.options = self._claim_options()

    # --- Explorer steps ------------------------------------------------------------------------------------
    def _controls(self) -> list[widgets.Widget]:
        documents = [(f"{r['title']} ({r['published']})", r["doc_id"]) for r in self._docs.iter_rows(named=True)]
        self._claim_picker = widgets.Dropdown(options=self._claim_options(), value=self.claim,
                                              description="Claim", layout=widgets.Layout(width="95%"))
        legend = " ".join(f'<span style="{style}">{esc(name)}</span>' for name, style in MARK_STYLES.items())
        return [
            self._bind("doc_id", widgets.Dropdown(options=documents, value=self.doc_id, description="Article",
                                                  layout=widgets.Layout(width="95%"))),
            widgets.HBox([widgets.Label("Themes:"), self._toggles("themes", THEMES, THEME_COLOURS),
                          widgets.Label("Marks:"), self._toggles("marks", MARKS),
                          widgets.HTML(f"<small>{legend}</small>")]),
            self._bind("claim", self._claim_picker),
        ]

    def _body(self) -> list[widgets.Widget]:
        return [widgets.HBox([self._article, self._panel]), self.jchart,
                self._table]

    def _filtered(self) -> pl.DataFrame:
        rows = claim_rows(self.doc_id)
        return rows.filter(pl.col("sentence") == self.claim) if self.claim else rows

    def _chart_for(self, rows: pl.DataFrame) -> alt.Chart:
        return paragraph_themes(analysis_of(self.doc_id).evidence, doc_id=self.doc_id)

    def _shown(self, selection: pl.DataFrame) -> None:
        self._article.value = self._article_html()
        self._panel.value = self._claims_html(selection)

    # --- HTML ----------------------------------------------------------------------------------------------
    def _claim_options(self) -> list[tuple[str, int]]:
        claims = analysis_of(self.doc_id).claims
        return [("All claims", 0)] + [(f"¶{r['paragraph']} · {r['text'][:80]}", r["sentence"])
                                      for r in claims.iter_rows(named=True)]

    def _article_html(self) -> str:
        analysis = analysis_of(self.doc_id)
        spans = _spans(analysis, self.themes, self.marks, self.claim)
        paragraphs = []
        for row in analysis.paragraphs.iter_rows(named=True):
            marked = mark_text(row["text"], spans.get(row["paragraph"], []))
            paragraphs.append(f'<p><sup style="color:#999">{row["paragraph"]}</sup> {marked}</p>')
        meta = self._docs.filter(pl.col("doc_id") == self.doc_id).row(0, named=True)
        return (f'<div style="font-family:Georgia,serif;line-height:1.55"><h4>{esc(meta["title"])}</h4>'
                f'<p><small>{esc(meta["published"])} · {esc(self.doc_id)}</small></p>{"".join(paragraphs)}</div>')

    def _claims_html(self, selection: pl.DataFrame) -> str:
        items = []
        for _sentence, group in selection.group_by("sentence", maintain_order=True):
            first = group.row(0, named=True)
            found = [_claim_verdict(event) for event in group.filter(pl.col("role") == "event").iter_rows(named=True)]
            for m in group.filter(pl.col("dataset").is_not_null()).iter_rows(named=True):
                then = badge("then: " + m["verdict_at_publication"], _verdict_colour(m["verdict_at_publication"]))
                verdicts = f"{then} {badge('now: ' + m['verdict'], _verdict_colour(m['verdict']))}"
                found.append(f"<li>{verdicts} <small>{esc(m['role'])}</small> "
                             f"<code>{esc(m['dataset'])}:{esc(m['row_id'])}</code> "
                             f"{esc(m['summary'])} <small>[{esc(m['confidence'])}; sources: "
                             f"{source_links(m['source_ids'], self._sources)}]</small><br>"
                             f"<small>{esc(m['note'])}</small></li>")
            if group.filter(pl.col("dataset").is_not_null()).is_empty():
                found.append("<li><i>no record row</i></li>")
            rows = "".join(found)
            items.append(f"<div style='margin-bottom:8px'><b>¶{first['paragraph']} · {esc(first['kind'])}</b> "
                         f"{esc(first['claim'])}<ul>{rows}</ul></div>")
        return f"<h4>Claims ({len(items)})</h4>" + ("".join(items) or "<p><i>no claims selected</i></p>")


def _claim_verdict(event: dict) -> str:
    """The claim's own verdict (its event row's), then and now, with the part deciding each and every part's."""
    then = verdict_label(event["verdict_at_publication"], event["verdict_part_at_publication"])
    now = verdict_label(event["verdict"], event["verdict_part"])
    return (f"<li><b>claim:</b> {badge('then: ' + then, _verdict_colour(event['verdict_at_publication']))} "
            f"{badge('now: ' + now, _verdict_colour(event['verdict']))}"
            f"<br><small>parts: {esc(event['parts'] or '')}</small></li>")


def _verdict_colour(verdict: str | None) -> str:
    return VERDICT_COLOURS.get(verdict or "", "#777777")


def _spans(analysis: Any, themes: tuple[str, ...], marks: tuple[str, ...], claim: int
           ) -> dict[int, list[tuple[int, int, str, str]]]:
    """paragraph -> [(start, end, kind, label)]: kind is a theme, a mark or 'claim'; offsets in the paragraph."""
    parts = [analysis.evidence.filter(pl.col("theme").is_in(list(themes))).select(
        "paragraph", "start", "end", pl.col("theme").alias("kind"),
        pl.format("{}: {}", pl.col("theme"), pl.col("term")).alias("label"))]
    labels = {"actors": (analysis.entities, pl.format("{} ({})", pl.coalesce("canonical", "text"), pl.col("label"))),
              "amounts": (analysis.amounts, pl.format("{} {} ({})", pl.col("value"), pl.col("currency"),
                                                      pl.col("qualifier"))),
              "dates": (analysis.dates, pl.format("{} ({})", pl.col("value"), pl.col("precision")))}
    for mark in marks:
        frame, label = labels[mark]
        parts.append(frame.select("paragraph", "start", "end", pl.lit(mark).alias("kind"),
                                  label.fill_null("?").alias("label")))
    if claim:
        parts.append(analysis.sentences.filter(pl.col("sentence") == claim).select(
            "paragraph", pl.col("paragraph_start").alias("start"), pl.col("paragraph_end").alias("end"),
            pl.lit("claim").alias("kind"), pl.lit("claim in focus").alias("label")))
    spans: dict[int, list[tuple[int, int, str, str]]] = {}
    for row in pl.concat(parts).iter_rows():
        spans.setdefault(row[0], []).append(tuple(row[1:]))
    return spans


def mark_text(text: str, spans: list[tuple[int, int, str, str]]) -> str:
    """Escaped text with overlapping spans flattened into segments, each styled by every span covering it."""
    cuts = sorted({0, len(text), *(max(0, min(len(text), p)) for s in spans for p in s[:2])})
    out = []
    for start, end in zip(cuts, cuts[1:]):
        covering = [s for s in spans if s[0] <= start and end <= s[1]]
        piece = esc(text[start:end])
        if not covering:
            out.append(piece)
            continue
        styles = [f"background:{THEME_COLOURS[k]}33" for k in dict.fromkeys(s[2] for s in covering)
                  if k in THEME_COLOURS][:1]
        styles += [MARK_STYLES[k] for k in dict.fromkeys(s[2] for s in covering) if k in MARK_STYLES]
        tip = "; ".join(dict.fromkeys(s[3] for s in covering))
        kinds = " ".join(dict.fromkeys(s[2] for s in covering))
        out.append(f'<span class="wb-mark" data-kinds="{esc(kinds)}" style="{esc(";".join(styles))}" '
                   f'title="{esc(tip)}">{piece}</span>')
    return "".join(out)
