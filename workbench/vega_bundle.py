"""Vega's JavaScript, bundled once per vl-convert version and kept on disk.

Every saved figure carries an offline HTML page with Vega inlined, and every explorer an offline `JupyterChart`
whose widget code is bundled with Vega. vl-convert bundles that JavaScript anew in each process (1-2 s a bundle),
so a run of eight notebooks paid it a dozen times; a bundle depends only on the library versions, so it is kept in
the download cache and read back (~1 ms).

The figures' bundle is kept by the first `save` that needs it. The explorers' bundle is kept by `workbench run`
at the end of a run (`keep_jupyter_chart_bundle`) and only read by explorers, so that building an explorer never
writes a file; until it is kept, an explorer bundles in memory, as altair does.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import tempfile
from pathlib import Path

from workbench import paths

__all__ = ["javascript_bundle", "jupyter_chart_bundle_path", "keep_jupyter_chart_bundle", "offline_jupyter_charts"]


@functools.cache
def javascript_bundle(vl_version: str) -> str:
    """vl-convert's `javascript_bundle(vl_version=...)`, from the cache when an earlier process made it."""
    import vl_convert as vlc

    cached = paths.cache_dir() / "vl-convert" / f"bundle-{vlc.__version__}-vl{vl_version}.js"
    try:
        return cached.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        pass
    bundle = vlc.javascript_bundle(vl_version=vl_version)
    _keep(cached, bundle)
    return bundle


def jupyter_chart_bundle_path() -> Path | None:
    """Where the explorers' chart bundle is kept, named by the vl-convert and altair versions and a digest of
    altair's widget code, all found without importing either library (None when one is missing)."""
    from importlib import metadata, util

    try:
        versions = metadata.version("vl-convert-python"), metadata.version("altair")
        spec = util.find_spec("altair")
        folder = Path(next(iter(spec.submodule_search_locations or ())))  # type: ignore[union-attr]
        digest = hashlib.sha256((folder / "jupyter" / "js" / "index.js").read_bytes()).hexdigest()[:16]
    except (metadata.PackageNotFoundError, AttributeError, StopIteration, ValueError, OSError):
        return None
    return paths.cache_dir() / "vl-convert" / f"jupyter-chart-{versions[0]}-altair{versions[1]}-{digest}.js"


def offline_jupyter_charts() -> None:
    """altair's `JupyterChart.enable_offline()`, with the bundle read from the cache when a run kept it."""
    import altair as alt

    chart = alt.JupyterChart
    if chart._is_offline:
        return
    path = jupyter_chart_bundle_path()
    try:
        bundle = path.read_text(encoding="utf-8") if path is not None else None
    except (OSError, UnicodeDecodeError):
        bundle = None
    if bundle is None:
        chart.enable_offline()  # bundles in this process and writes nothing
        return
    chart._esm = bundle
    chart._is_offline = True


def keep_jupyter_chart_bundle() -> Path | None:
    """Bundle the explorers' chart code as altair 6's `enable_offline()` does (its widget code without the leading
    imports, for its Vega-Lite version) and keep it in the cache, unless it is there already."""
    path = jupyter_chart_bundle_path()
    if path is None or path.is_file():
        return path
    import vl_convert as vlc
    from altair.jupyter.jupyter_chart import load_js_src
    from altair.utils._importers import vl_version_for_vl_convert

    lines = load_js_src().split("\n")
    while lines and (not lines[0].strip() or lines[0].startswith(("import", "//"))):
        lines.pop(0)
    _keep(path, vlc.javascript_bundle("\n".join(lines), vl_version=vl_version_for_vl_convert()))
    return path


def _keep(path: os.PathLike, text: str) -> None:
    """Write the cache file atomically; a cache that cannot be written (read-only data/) is only slower."""
    folder = os.path.dirname(path)
    try:
        os.makedirs(folder, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=".bundle-", suffix=".tmp")
    except OSError:
        return
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(temporary, path)
    except BaseException as error:  # a full disk, or a stop (SIGTERM) in the middle: leave no temporary file
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        if not isinstance(error, OSError):
            raise
