"""Readable, offline HTML: one report per executed notebook, and data/index.html linking everything.

Reports come from nbconvert's lab template with every script that would be loaded by address removed
(MathJax, RequireJS, the widget manager), so a report opens with no network and no failed request; charts are in it because `workbench run` renders them as
inline SVG. The index is built from the manifest and lists only files that exist inside data/; every string in it
is escaped.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from pathlib import Path

from workbench.atomic_write import write_files_atomically
from workbench.outputs import read_manifest

_WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
_WIDGET_NOTE = "[An interactive explorer: open this notebook in JupyterLab (make lab) to use it.]"
_CDN_TRAITS = ("mathjax_url", "require_js_url", "jquery_url", "widget_renderer_url", "jupyter_widgets_base_url",
               "mermaid_js_url", "mermaid_layout_elk_js_url")
# Any script loaded by address (blanked CDN URLs, the widget manager's relative path): a report runs none.
_LOADED_SCRIPT = re.compile(r'<script\b[^>]*\ssrc="[^"]*"[^>]*>\s*</script>'
                            r"|<script>\s*\(function\(\) \{\s*function addWidgetsRenderer\(\).*?</script>", re.DOTALL)


def write_report(executed: Path, report: Path) -> Path:
    """The executed notebook as a standalone HTML page that loads nothing from outside the machine."""
    import nbformat
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_name="lab", **{trait: "" for trait in _CDN_TRAITS})
    notebook = nbformat.read(executed, as_version=4)
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            if _WIDGET_VIEW in output.get("data", {}):
                output["data"] = {"text/plain": _WIDGET_NOTE}  # a headless run keeps no widget state to show
    body, _ = exporter.from_notebook_node(notebook)
    write_files_atomically({report: _LOADED_SCRIPT.sub("", body).encode("utf-8")})
    return report


def write_index(data_dir: Path) -> Path:
    """data/index.html: reports, figures, tables and documents (with their sidecars and citations in CSL-JSON and
    BibTeX) grouped by notebook."""
    outputs = read_manifest(data_dir).get("outputs", {})
    sections = []
    reports = sorted(p for p in (data_dir / "reports").glob("*.html") if _inside(data_dir, p)) \
        if (data_dir / "reports").is_dir() else []
    if reports:
        sections.append(_section("Reports", [_link(data_dir, path, path.stem) for path in reports]))
    by_notebook: dict[str, list[str]] = {}
    for key, entry in outputs.items():
        files = ([data_dir / record["path"] for record in entry.get("files", [])] + [data_dir / entry["sidecar"]]
                 + [data_dir / path for path in entry.get("citation_files", [])])
        links = " · ".join(_link(data_dir, path, path.name.removeprefix(Path(key).name) or path.name)
                           for path in files if _inside(data_dir, path))
        if links:
            notebook = (entry.get("produced_by") or {}).get("notebook") or "other"
            by_notebook.setdefault(notebook, []).append(
                f"<b>{html.escape(entry.get('title') or key)}</b> <small>({html.escape(entry['kind'])})</small>"
                f" — {links}")
    for notebook in sorted(by_notebook):
        sections.append(_section(f"Outputs of {notebook}", by_notebook[notebook]))
    sets = sorted(p for p in (data_dir / "sets").iterdir() if _inside(data_dir, p / "index.html")) \
        if (data_dir / "sets").is_dir() else []
    if sets:
        sections.append(_section("Output sets with other parameters",
                                 [_link(data_dir, path / "index.html", path.name) for path in sets]))
    generated = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    page = _PAGE.format(body="\n".join(sections) or "<p>Nothing has been saved yet: run <code>make run</code>.</p>",
                        generated=html.escape(generated))
    index = data_dir / "index.html"
    write_files_atomically({index: page.encode("utf-8")})
    return index


def _inside(data_dir: Path, path: Path) -> bool:
    """A file in data/ (links resolved): a manifest edited by hand or copied from elsewhere cannot make the
    index link /etc/passwd or ../secret."""
    return path.is_file() and path.resolve().is_relative_to(data_dir.resolve())


def _link(data_dir: Path, path: Path, label: str) -> str:
    href = path.relative_to(data_dir).as_posix()
    if ":" in href.split("/", 1)[0]:  # a file named "javascript:..." in data/ must stay a relative path
        href = f"./{href}"
    return f'<a href="{html.escape(href, quote=True)}">{html.escape(label)}</a>'


def _section(title: str, items: list[str]) -> str:
    rows = "\n".join(f"<li>{item}</li>" for item in items)
    return f"<h2>{html.escape(title)}</h2>\n<ul>\n{rows}\n</ul>"


_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>AI record workbench — outputs</title>
<style>body{{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;line-height:1.5}}
li{{margin:.3rem 0}} small{{color:#555}}</style></head>
<body><h1>AI record workbench — outputs</h1>
<p>Every figure, table and document has a <code>.meta.json</code> sidecar with its sources, licences and a suggested
citation, and that citation as CSL-JSON (<code>.cite.json</code>, for Zotero or Pandoc) and BibTeX (<code>.bib</code>);
<a href="manifest.json">manifest.json</a> indexes them all. Generated {generated}.</p>
{body}
</body></html>
"""
