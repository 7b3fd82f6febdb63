"""Citable outputs: tables, figures and documents written atomically under data/ with provenance sidecars.

`save(frame, "00-start-here/paragraphs")` writes `data/tables/00-start-here/paragraphs.{parquet,csv}` and
`paragraphs.meta.json`; a chart goes to `data/figures/...` as png, svg, offline html, vl.json and the plotted
rows as csv; a `Document` (a brief) to `data/documents/...` as md and html. Next to every sidecar, the output's
citation as CSL-JSON (`.cite.json`) and BibTeX (`.bib`). `data/manifest.json` indexes every output.

One module per concern, every public name importable from here:
  names      what an output may be called, and that no write below data/ lands elsewhere (links refused)
  manifest   data/manifest.json and its lock
  rendering  the bytes of each kind of output (parquet and CSV; png, svg, html, spec and rows; Markdown and HTML)
  sidecars   the .meta.json beside each output and its citations
  save       `save()`, which ties them together and writes all of an output or none of it
"""

from __future__ import annotations

from workbench.outputs.manifest import MANIFEST_VERSION, read_manifest, update_manifest
from workbench.outputs.names import check_output_name, refuse_symlinks, safe_output_path
from workbench.outputs.rendering import Document, csv_ready, figure_html, script_json
from workbench.outputs.save import SavedOutput, announce_saves, save
from workbench.outputs.sidecars import META_KEYS

__all__ = [
    "MANIFEST_VERSION", "META_KEYS", "Document", "SavedOutput", "announce_saves", "check_output_name", "csv_ready",
    "figure_html", "read_manifest", "refuse_symlinks", "safe_output_path", "save", "script_json", "update_manifest",
]
