"""Readable, offline HTML: one report per executed notebook, and data/index.html linking everything.

Reports come from nbconvert's lab template with every script that would be loaded by address removed (MathJax,
RequireJS, the widget manager, and so the widgets' saved state too), so a report opens with no network and no failed
request; charts are in it because
`workbench run` renders them as inline SVG. The index is built from the manifest and lists only files that exist
inside data/; every string in it is escaped.
"""

from __future__ import annotations

import functools
import html
import re
import threading
from pathlib import Path
from typing import Any

from workbench.atomic_write import write_files_atomically
from workbench.outputs import read_manifest

__all__ = ["write_index", "write_report"]

_WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
_WIDGET_NOTE = "[An interactive explorer: open this notebook in JupyterLab (make lab) to use it.]"
_RENDERED_WITH = ("nbconvert", "nbformat", "jinja2", "pygments", "mistune", "beautifulsoup4", "jupyterlab-pygments",
                  "bleach", "tinycss2")
_CDN_TRAITS = ("mathjax_url", "require_js_url", "jquery_url", "widget_renderer_url", "jupyter_widgets_base_url",
               "mermaid_js_url", "mermaid_layout_elk_js_url")
# Any script loaded by address (blanked CDN URLs, the widget manager's relative path): a report runs none.
_LOADED_SCRIPT = re.compile(r'<script\b[^>]*\ssrc="[^"]*"[^>]*>\s*</script>'
                            r"|<script>\s*\(function\(\) \{\s*function addWidgetsRenderer\(\).*?</script>", re.DOTALL)


def write_report(executed: Path, report: Path) -> Path:
    """The executed notebook as a standalone HTML page that loads nothing from outside the machine (read back from
    the drawing cache when the same notebook was reported before with the same code)."""
    from workbench.outputs.figure_cache import kept

    source = executed.read_bytes()
    write_files_atomically({report: kept("html", _report_code() + source, lambda: _page(source))})
    return report


def _page(source: bytes) -> bytes:
    import nbformat

    notebook = nbformat.reads(source.decode("utf-8"), as_version=4)
    # The widgets' saved state (the explorers' models, with a megabyte or two of Vega and table scripts) is only read
    # by the widget manager, which a report does not load: it stays in the executed notebook, for JupyterLab.
    notebook.metadata.pop("widgets", None)
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            if _WIDGET_VIEW in output.get("data", {}):
                output["data"] = {"text/plain": _WIDGET_NOTE}  # a headless run keeps no widget state to show
    body, _ = _exporter().from_notebook_node(notebook)
    return _LOADED_SCRIPT.sub("", body).encode("utf-8")


_THREAD_STATE = threading.local()


def _exporter() -> Any:
    """This thread's HTML exporter. A new exporter compiles nbconvert's Jinja templates again (a third of a report's
    time); one per thread, because each conversion registers its own filters on its exporter."""
    exporter = getattr(_THREAD_STATE, "exporter", None)
    if exporter is None:
        from nbconvert import HTMLExporter

        exporter = _THREAD_STATE.exporter = HTMLExporter(template_name="lab", **{trait: "" for trait in _CDN_TRAITS})
    return exporter


@functools.cache
def _report_code() -> bytes:
    """What makes a report besides the notebook: this module and the versions of nbconvert and what it renders with
    (read from the installed metadata, so that a report read back from the cache never imports nbconvert)."""
    from workbench.hashing import code_key

    return b"report\0" + code_key([Path(__file__)], _RENDERED_WITH)


def write_index(data_dir: Path) -> Path:
    """data/index.html, a gallery by notebook: its report and take-aways, a thumbnail of every figure linking to its
    page, every table with its row count, every document, each with its sidecar, citations and suggested citation.
    It opens from the file system (relative links only) and is the same for two identical runs (no clock time)."""
    outputs = read_manifest(data_dir).get("outputs", {})
    reports = {path.stem: path for path in sorted((data_dir / "reports").glob("*.html")) if _inside(data_dir, path)} \
        if (data_dir / "reports").is_dir() else {}
    by_notebook: dict[str, list[tuple[str, dict]]] = {}
    for key, entry in sorted(outputs.items()):
        notebook = (entry.get("produced_by") or {}).get("notebook") or "other"
        by_notebook.setdefault(notebook, []).append((key, entry))
    sections = [_notebook_section(data_dir, notebook, reports.get(notebook), by_notebook.get(notebook, []))
                for notebook in sorted(set(by_notebook) | set(reports))]
    sets = sorted(p for p in (data_dir / "sets").iterdir() if _inside(data_dir, p / "index.html")) \
        if (data_dir / "sets").is_dir() else []
    if sets:
        sections.append(_section("Output sets with other parameters",
                                 [_link(data_dir, path / "index.html", path.name) for path in sets]))
    page = _PAGE.format(body="\n".join(sections) or "<p>Nothing has been saved yet: run <code>make run</code>.</p>")
    index = data_dir / "index.html"
    write_files_atomically({index: page.encode("utf-8")})
    return index


def _notebook_section(data_dir: Path, notebook: str, report: Path | None, entries: list[tuple[str, dict]]) -> str:
    parts = [f"<section><h2>{html.escape(notebook)}</h2>"]
    if report is not None:
        parts.append(f"<p>{_link(data_dir, report, 'Report')} (the executed notebook, offline)</p>")
    takeaways = _takeaways(data_dir / "notebooks" / f"{notebook}.ipynb")
    if takeaways:
        parts.append("<ul class='takeaways'>" + "".join(f"<li>{html.escape(line)}</li>" for line in takeaways)
                     + "</ul>")
    figures = [(k, e) for k, e in entries if e.get("kind") == "figure"]
    if figures:
        parts.append("<div class='gallery'>" + "".join(_figure_card(data_dir, k, e) for k, e in figures) + "</div>")
    others = [_output_item(data_dir, k, e) for k, e in entries if e.get("kind") != "figure"]
    if any(others):
        parts.append("<ul>" + "".join(f"<li>{item}</li>" for item in others if item) + "</ul>")
    return "\n".join(parts) + "</section>"


def _figure_card(data_dir: Path, key: str, entry: dict) -> str:
    files = _files(data_dir, key, entry)
    png = next((path for path in files if path.suffix == ".png"), None)
    page = next((path for path in files if path.suffix == ".html"), png)
    if png is None or page is None:
        return ""
    title = html.escape(entry.get("title") or key)
    thumbnail = f"<a href='{_href(data_dir, page)}'><img src='{_href(data_dir, png)}' alt='{title}'></a>"
    return (f"<figure>{thumbnail}<figcaption><b>{title}</b><br>{_file_links(data_dir, key, files)}"
            f"{_citation_details(data_dir, entry)}</figcaption></figure>")


def _output_item(data_dir: Path, key: str, entry: dict) -> str:
    files = _files(data_dir, key, entry)
    if not files:
        return ""
    rows = _sidecar(data_dir, entry).get("rows")
    size = f", {rows:,} rows" if isinstance(rows, int) else ""
    return (f"<b>{html.escape(entry.get('title') or key)}</b> <small>({html.escape(entry.get('kind', ''))}{size})"
            f"</small> — {_file_links(data_dir, key, files)}{_citation_details(data_dir, entry)}")


def _files(data_dir: Path, key: str, entry: dict) -> list[Path]:
    """The output's files, sidecar and citation files that exist inside data/."""
    paths = ([data_dir / record["path"] for record in entry.get("files", [])] + [data_dir / entry["sidecar"]]
             + [data_dir / path for path in entry.get("citation_files", [])])
    return [path for path in paths if _inside(data_dir, path)]


def _file_links(data_dir: Path, key: str, files: list[Path]) -> str:
    return " · ".join(_link(data_dir, path, path.name.removeprefix(Path(key).name) or path.name) for path in files)


def _citation_details(data_dir: Path, entry: dict) -> str:
    citation = _sidecar(data_dir, entry).get("citation")
    return f"<details><summary>Cite</summary>{html.escape(citation)}</details>" if citation else ""


def _sidecar(data_dir: Path, entry: dict) -> dict:
    import json

    path = data_dir / entry.get("sidecar", "")
    if not _inside(data_dir, path):
        return {}
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _takeaways(executed: Path) -> list[str]:
    """The take-aways a notebook printed (lines that start with 'Take-away'), in order."""
    import json

    if not executed.is_file():
        return []
    try:
        cells = json.loads(executed.read_text(encoding="utf-8")).get("cells", [])
    except (OSError, ValueError):
        return []
    lines = []
    for cell in cells:
        for output in cell.get("outputs", []):
            text = "".join(output.get("text", [])) if output.get("output_type") == "stream" else ""
            lines += [line.strip() for line in text.splitlines() if line.startswith("Take-away")]
    return lines


def _href(data_dir: Path, path: Path) -> str:
    href = path.relative_to(data_dir).as_posix()
    return html.escape(f"./{href}" if ":" in href.split("/", 1)[0] else href, quote=True)


def _inside(data_dir: Path, path: Path) -> bool:
    """A file in data/ (links resolved): a manifest edited by hand or copied from elsewhere cannot make the
    index link /etc/passwd or ../secret."""
    return path.is_file() and path.resolve().is_relative_to(data_dir.resolve())


def _link(data_dir: Path, path: Path, label: str) -> str:
    """A relative link (a file named "javascript:..." in data/ stays a relative path), label escaped."""
    return f'<a href="{_href(data_dir, path)}">{html.escape(label)}</a>'


def _section(title: str, items: list[str]) -> str:
    rows = "\n".join(f"<li>{item}</li>" for item in items)
    return f"<h2>{html.escape(title)}</h2>\n<ul>\n{rows}\n</ul>"


_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>AI record workbench — outputs</title>
<style>body{{font-family:system-ui,sans-serif;max-width:72rem;margin:2rem auto;padding:0 1rem;line-height:1.5}}
li{{margin:.3rem 0}} small{{color:#555}} section{{border-top:1px solid #ddd;margin-top:1.5rem}}
.takeaways li{{color:#222}} .gallery{{display:grid;grid-template-columns:repeat(auto-fill,minmax(15rem,1fr));gap:1rem}}
figure{{margin:0;border:1px solid #e4e4e4;padding:.5rem;font-size:.85rem}}
figure img{{width:100%;height:10rem;object-fit:contain;background:#fff}} details{{color:#444}}</style></head>
<body><h1>AI record workbench — outputs</h1>
<p>Every figure, table and document has a <code>.meta.json</code> sidecar with its sources, licences and a suggested
citation, and that citation as CSL-JSON (<code>.cite.json</code>, for Zotero or Pandoc) and BibTeX (<code>.bib</code>);
<a href="manifest.json">manifest.json</a> indexes them all.</p>
{body}
</body></html>
"""
