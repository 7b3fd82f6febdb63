"""Money by how far it got, and the deal ledger as a flow diagram.

`received_by_status` stacks a lab's money over time by status (paid, committed, conditional, announced), so a
pledge never reads as money received. `deal_flows` draws the ledger (views.ledger) as three columns: investors,
labs and the suppliers the labs committed to buy compute from. An organisation that is on both sides (Microsoft
invests in OpenAI, OpenAI buys Azure) sits on the same row left and right, so money that goes round shows as a
loop at a glance.
"""

from __future__ import annotations

import altair as alt
import polars as pl

from workbench.charts.base import (
    Chart,
    builder,
    embeddable,
    finish,
    framing,
    layer,
    placeholder,
    require,
    source_caption,
    time_x,
)
from workbench.charts.theme import PALETTE, STATUS_COLOURS, money_axis, money_label

__all__ = ["FLOW_KINDS", "STATUS_COLOURS", "deal_flows", "received_by_status"]

FLOW_KINDS = {"in, paid or committed": PALETTE[0], "in, conditional or announced": PALETTE[1],
              "committed back (compute)": PALETTE[5]}
_COLUMN_X = {"investor": 0.0, "lab": 1.0, "supplier": 2.0}


@builder
def received_by_status(pieces: pl.DataFrame, *, title: str | None = None, counts: str | None = None) -> Chart:
    """Cumulative money received over time, stacked by status now (one area per status, a step at every piece).

    Expects pieces of money (`views.funding.received_pieces`, or any frame with date, event_id, amount_usd,
    current_status and source_ids); pieces without an amount are left out and named in the caption. `counts`
    says which assets and rows the caller kept (a `Counting.caption()`).
    """
    title = title or "Money received, by status"
    rows = require(pieces, ["date", "event_id", "amount_usd", "current_status", "source_ids"], "received_by_status")
    drawn = rows.filter(pl.col("amount_usd") > 0, pl.col("current_status").cast(pl.String).is_in(list(STATUS_COLOURS)))
    undisclosed = rows.filter(pl.col("amount_usd").is_null()).height
    notes = [counts, f"{undisclosed} piece(s) with no amount not drawn" if undisclosed else None]
    caption = source_caption(drawn, "funding_events", notes=notes)
    if drawn.is_empty():
        return placeholder(title, caption)
    statuses = [s for s in STATUS_COLOURS if s in set(drawn["current_status"].cast(pl.String))]
    dates = drawn.select(pl.col("date").unique().sort())
    per_day = drawn.group_by(pl.col("current_status").cast(pl.String).alias("status"), "date").agg(
        pl.col("amount_usd").sum())
    grid = (dates.join(pl.DataFrame({"status": statuses}), how="cross")
            .join(per_day, on=["status", "date"], how="left")
            .sort("status", "date")
            .with_columns(pl.col("amount_usd").fill_null(0).cum_sum().over("status").alias("cumulative"),
                          pl.col("status").replace_strict({s: i for i, s in enumerate(statuses)},
                                                          return_dtype=pl.Int32).alias("order")))
    chart = alt.Chart(embeddable(grid, "received_by_status")).mark_area(interpolate="step-after", opacity=0.9).encode(
        x=time_x(),
        y=alt.Y("cumulative:Q", stack="zero", axis=money_axis("Received so far (US$)")),
        color=alt.Color("status:N", title="Status now",
                        scale=alt.Scale(domain=statuses, range=[STATUS_COLOURS[s] for s in statuses])),
        order=alt.Order("order:Q"),
        tooltip=[alt.Tooltip("status:N", title="Status"), alt.Tooltip("date:T", title="As of", format="%Y-%m-%d"),
                 alt.Tooltip("so_far:N", title="This status so far")],
    ).transform_calculate(so_far=money_label("cumulative"))
    return finish(chart, title, caption)


@builder
def deal_flows(ledger: pl.DataFrame, *, title: str | None = None, top: int = 24, counts: str | None = None) -> Chart:
    """The deal ledger as a flow diagram: investors (left) to labs (middle) to the suppliers labs buy compute from
    (right). Line width is money; colour says paid or committed, conditional or announced, or committed back;
    organisations on both sides share a row, and their lines are drawn solid (the others faded).

    Expects the pair-level ledger (`views.ledger.ledger()`): investor, lab, paid_usd, committed_usd,
    conditional_usd, announced_usd, back_usd, circular, source_ids. Draws the `top` pairs by the larger of money
    in and back, and names the rest in the caption.
    """
    title = title or "The deal ledger: money in, compute bought back"
    columns = ["investor", "lab", "paid_usd", "committed_usd", "conditional_usd", "announced_usd", "back_usd",
               "circular", "source_ids"]
    table = require(ledger, columns, "deal_flows")
    size = pl.max_horizontal(pl.sum_horizontal("paid_usd", "committed_usd", "conditional_usd", "announced_usd"),
                             pl.col("back_usd"))
    ranked = table.with_columns(size.alias("_size")).filter(pl.col("_size") > 0).sort(
        "_size", "investor", "lab", descending=[True, False, False])
    drawn = ranked.head(top)
    rest = ranked.height - drawn.height
    caption = source_caption(drawn, "funding_events", notes=[
        counts, f"the {rest} smaller pair(s) not drawn" if rest else None, "faded: money that does not go round"])
    if drawn.is_empty():
        return placeholder(title, caption)
    edges, nodes = _layout(drawn)
    x = alt.X("x", type="quantitative", axis=None, scale=alt.Scale(domain=[-0.75, 2.75]))
    y = alt.Y("y", type="quantitative", axis=None, scale=alt.Scale(domain=[1.03, -0.09]))
    kinds = list(FLOW_KINDS)
    name = alt.Text("name", type="nominal")
    lines = alt.Chart(embeddable(edges, "deal_flows")).mark_rule(strokeCap="round").encode(
        x=x, y=y, x2=alt.X2("x2"), y2=alt.Y2("y2"),
        strokeWidth=alt.StrokeWidth("amount_usd", type="quantitative", scale=alt.Scale(type="sqrt", range=[1, 22]),
                                    legend=None),
        color=alt.Color("kind", type="nominal", title="Flow",
                        scale=alt.Scale(domain=kinds, range=[FLOW_KINDS[k] for k in kinds]),
                        legend=alt.Legend(orient="bottom")),
        opacity=alt.Opacity("alpha", type="quantitative", scale=None),  # solid when the money goes round
        tooltip=[alt.Tooltip("source", type="nominal", title="From"), alt.Tooltip("target", type="nominal", title="To"),
                 alt.Tooltip("kind", type="nominal", title="Flow"),
                 alt.Tooltip("amount", type="nominal", title="Amount"),
                 alt.Tooltip("circular", type="nominal", title="Goes round")],
    ).transform_calculate(amount=money_label("amount_usd"))
    dots = alt.Chart(nodes).mark_circle(size=60, color="#333333").encode(x=x, y=y)
    labels = [alt.Chart(nodes.filter(pl.col("side") == side)).mark_text(
        align=align, dx=dx, dy=dy, fontSize=11, fontWeight=weight, baseline=baseline).encode(x=x, y=y, text=name)
        for side, align, dx, dy, weight, baseline in (("investor", "right", -8, 0, "normal", "middle"),
                                                      ("lab", "center", 0, -7, "bold", "bottom"),
                                                      ("supplier", "left", 8, 0, "normal", "middle"))]
    heads = alt.Chart(pl.DataFrame({"x": [0.0, 1.0, 2.0], "y": [-0.07] * 3,
                                    "text": ["Investors", "Labs", "Compute bought from"]})).mark_text(
        fontSize=12, fontWeight="bold", color="#555555", baseline="bottom"
    ).encode(x=x, y=y, text=alt.Text("text", type="nominal"))
    height = max(260, 22 * int(nodes.group_by("side").len()["len"].max()))
    return layer(lines, dots, *labels, heads, **framing(title, caption, width=620, height=height))


def _layout(pairs: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Edges and node positions: three columns, each spread over 0..1; organisations on both sides first, on the
    same row in both columns, so a loop reads straight across."""
    money_in = pl.sum_horizontal("paid_usd", "committed_usd", "conditional_usd", "announced_usd")
    investors = pairs.filter(money_in > 0).group_by("investor").agg(money_in.sum().alias("_in"))
    suppliers = pairs.filter(pl.col("back_usd") > 0).group_by("investor").agg(pl.col("back_usd").sum().alias("_back"))
    both = (investors.join(suppliers, on="investor").with_columns(pl.max_horizontal("_in", "_back").alias("_size"))
            .sort("_size", "investor", descending=[True, False])["investor"].to_list())
    left = both + investors.filter(~pl.col("investor").is_in(both)).sort("_in", "investor", descending=[True, False])[
        "investor"].to_list()
    right = both + (suppliers.filter(~pl.col("investor").is_in(both))
                    .sort("_back", "investor", descending=[True, False])["investor"].to_list())
    labs = (pairs.group_by("lab").agg(pl.max_horizontal(money_in, pl.col("back_usd")).sum().alias("_size"))
            .sort("_size", "lab", descending=[True, False])["lab"].to_list())
    rows = max(len(left), len(right))
    position = {("investor", n): i / max(rows - 1, 1) for i, n in enumerate(left)}
    position |= {("supplier", n): i / max(rows - 1, 1) for i, n in enumerate(right)}
    position |= {("lab", n): (i + 0.5) / len(labs) for i, n in enumerate(labs)}
    nodes = pl.DataFrame([{"side": side, "name": name, "x": _COLUMN_X[side], "y": y}
                          for (side, name), y in position.items()])
    edges = []
    for row in pairs.iter_rows(named=True):
        sure, unsure = row["paid_usd"] + row["committed_usd"], row["conditional_usd"] + row["announced_usd"]
        for kind, amount, start, end in (
                ("in, paid or committed", sure, ("investor", row["investor"]), ("lab", row["lab"])),
                ("in, conditional or announced", unsure, ("investor", row["investor"]), ("lab", row["lab"])),
                ("committed back (compute)", row["back_usd"], ("lab", row["lab"]), ("supplier", row["investor"]))):
            if amount > 0:
                edges.append({"source": start[1], "target": end[1], "kind": kind, "amount_usd": amount,
                              "circular": row["circular"], "alpha": 0.85 if row["circular"] else 0.3,
                              "x": _COLUMN_X[start[0]], "y": position[start],
                              "x2": _COLUMN_X[end[0]], "y2": position[end],
                              "source_ids": row["source_ids"]})
    return pl.DataFrame(edges), nodes

