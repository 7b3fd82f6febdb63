"""`workbench.setup()`: the one call every notebook makes first.

It switches altair to the offline Jupyter renderer (JupyterLab has no internet here, and the default
renderer loads Vega from a CDN), sets a row limit that fails loudly instead of embedding huge specs, enables
the shared chart theme, and shows polars tables formatted for people (money, dates, linked sources; see
`workbench.tables`).
"""

from __future__ import annotations

import ast
import inspect
import json
import os
from pathlib import Path

__all__ = ["MAX_CHART_ROWS", "RENDERER_VARIABLE", "declared_names", "setup"]

MAX_CHART_ROWS = 20_000
RENDERER_VARIABLE = "WORKBENCH_RENDERER"


def setup(notebook: str | None = None, parameters: dict | None = None) -> None:
    """Prepare a notebook session; `notebook`/`parameters` are recorded in the provenance of saved outputs.

    Without them, the notebook is the one `workbench run` is executing (or the one JupyterLab opened), and the
    parameters are the variables its `parameters` cell declares, with their values in the session now: a notebook
    calls `wb.setup()` and repeats nothing.
    """
    import altair as alt
    import polars as pl

    from workbench.charts import THEME
    from workbench.outputs import announce_saves
    from workbench.provenance import set_context

    caller = inspect.currentframe().f_back.f_globals  # type: ignore[union-attr]
    notebook = notebook or _notebook_name(caller)
    if parameters is None and notebook:
        parameters = {name: caller[name] for name in declared_names(notebook) if name in caller}

    # `workbench run` asks for inline SVG so that executed notebooks and their HTML reports carry the charts
    # (a headless run has no browser to draw the interactive ones); JupyterLab gets interactive charts.
    renderer = os.environ.get(RENDERER_VARIABLE, "").strip()
    if renderer == "svg":
        alt.renderers.register("workbench-svg", _svg_renderer)
        alt.renderers.enable("workbench-svg")
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
    announce_saves()


def _svg_renderer(spec: dict, **metadata: object) -> dict[str, str]:
    """altair's SVG renderer, drawing through `chart_svg`: a chart saved after it is shown is neither drawn nor
    checked against the schema twice, and its ids do not depend on what the notebook drew before."""
    from workbench.outputs.rendering import chart_svg

    return {"image/svg+xml": chart_svg(spec, shown=True)}


def _notebook_name(session: dict) -> str | None:
    """The notebook being run (`workbench run` says so in the environment) or opened (ipykernel's `__session__`)."""
    from workbench.provenance import NOTEBOOK_VARIABLE

    named = os.environ.get(NOTEBOOK_VARIABLE) or session.get("__session__")
    return Path(str(named)).stem if named else None


def declared_names(notebook: str) -> list[str]:
    """The variables assigned in the notebook's cell tagged `parameters` (none when it cannot be read)."""
    from workbench import paths

    path = paths.notebooks_dir() / f"{notebook}.ipynb"
    try:
        cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
    except (OSError, ValueError):
        return []
    for cell in cells:
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            tree = ast.parse("".join(cell.get("source", [])))
            return [target.id for node in tree.body if isinstance(node, ast.Assign | ast.AnnAssign)
                    for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
                    if isinstance(target, ast.Name)]
    return []


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
