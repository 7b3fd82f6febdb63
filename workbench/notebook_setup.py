"""`workbench.setup()`: the one call every notebook makes first.

It switches altair to the offline Jupyter renderer (JupyterLab has no internet here, and the default
renderer loads Vega from a CDN), sets a row limit that fails loudly instead of embedding huge specs, enables
the shared chart theme, and shows polars tables formatted for people (money, dates, linked sources; see
`workbench.tables`).
"""

from __future__ import annotations

import os

MAX_CHART_ROWS = 20_000
RENDERER_VARIABLE = "WORKBENCH_RENDERER"


def setup(notebook: str | None = None, parameters: dict | None = None) -> None:
    """Prepare a notebook session; `notebook`/`parameters` are recorded in the provenance of saved outputs."""
    import altair as alt
    import polars as pl

    from workbench.charts import THEME
    from workbench.provenance import set_context

    # `workbench run` asks for inline SVG so that executed notebooks and their HTML reports carry the charts
    # (a headless run has no browser to draw the interactive ones); JupyterLab gets interactive charts.
    renderer = os.environ.get(RENDERER_VARIABLE, "").strip()
    if renderer == "svg":
        alt.renderers.enable("svg")
    else:
        alt.renderers.enable("jupyter", offline=True)
    # Above this many rows, aggregate in polars first: altair raises MaxRowsError with that advice.
    alt.data_transformers.enable("default", max_rows=MAX_CHART_ROWS)
    alt.theme.enable(THEME)
    pl.Config.set_tbl_rows(25)
    pl.Config.set_tbl_cols(12)
    pl.Config.set_fmt_str_lengths(100)
    pl.Config.set_tbl_hide_dataframe_shape(False)
    _format_tables()
    set_context(notebook=notebook, parameters=parameters)


def _format_tables() -> None:
    """In a notebook, show every polars frame as a formatted table (workbench.tables); elsewhere do nothing."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is not None:
        from workbench.tables import install

        install(shell)
