"""Vega's JavaScript, bundled once per vl-convert version and kept on disk.

Every saved figure carries an offline HTML page with Vega inlined. vl-convert bundles that JavaScript on its
first call in each process (~2 s), so a run of seven notebooks paid it seven times; the bundle depends only on
the vl-convert and Vega-Lite versions, so it is kept in the download cache and read back (~1 ms).
"""

from __future__ import annotations

import contextlib
import functools
import os
import tempfile

from workbench import paths

__all__ = ["javascript_bundle"]


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
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
