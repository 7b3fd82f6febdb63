"""A disk cache of drawings, shared by every process of every run: a spec's SVG, an SVG's PNG, a notebook's report,
a table's HTML.

Drawing is most of what a run's notebooks spend that is not reading and computing: Vega draws each chart's SVG (in
the run's render service) and resvg rasterises that SVG at twice its size into the PNG, together about a fifth of a
second of CPU per chart; nbconvert renders each executed notebook as an HTML report (Jinja, then a pass of
BeautifulSoup's pure-Python parser over the whole page), a tenth to a quarter of a second each. All are pure
functions of their input and of the code that draws them, so a second `make run` whose charts and notebooks did not
change draws none of them again. Each drawing is kept under the cache folder (data/.cache/figures/<kind>/), named by
a digest of its input and of what draws it: for charts the versions of vl-convert and Python and the source of
`rendering.py` (which renames the SVG's ids), for reports the versions of nbconvert and the libraries it renders
with and the source of `reports.py`, for tables Python's version, great_tables' and those of the libraries it
renders with, and the source of `tables.py` and of the theme (great_tables formats cell by cell in Python, a few
hundredths of a second per table); any change to one of those draws afresh (`hashing.code_key`). Files are written
with `atomic_write`, so a reader finds a whole file or none; a cache that cannot be read or written is skipped and
the drawing is made as if there were none. The KEEP most recently used drawings of each kind are kept.

Text is drawn with the fonts of the machine: after installing or removing fonts, delete data/.cache/figures.
`WORKBENCH_FIGURE_CACHE=off` turns the cache off.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sys
from collections.abc import Callable
from pathlib import Path

from workbench import paths
from workbench.hashing import sha256_of

__all__ = ["KEEP", "SWITCH", "drawings_kept", "drawn", "kept"]

SWITCH = "WORKBENCH_FIGURE_CACHE"
KEEP = 400  # drawings of each kind: every chart of a few runs' worth of notebooks and parameters


def drawn(kind: str, source: str | bytes, draw: Callable[[], bytes]) -> bytes:
    """The bytes `draw()` gives for a chart's `source` (kind 'svg' or 'png'), from the cache when drawn before."""
    data = source.encode("utf-8") if isinstance(source, str) else source
    return kept(kind, _DRAWING_CODE + data, draw)


def drawings_kept() -> bool:
    """Whether charts drawn by an earlier run are kept (so a run will likely draw few or none)."""
    folder = paths.cache_dir() / "figures" / "svg"
    try:
        return paths.cache_enabled(SWITCH) and any(folder.iterdir())
    except OSError:
        return False


def kept(kind: str, key: bytes, make: Callable[[], bytes]) -> bytes:
    """The bytes `make()` gives, read from the cache when made before under the same `key` (the input and what
    makes it from the input); `kind` names the folder and the suffix."""
    if not paths.cache_enabled(SWITCH):
        return make()
    path = paths.cache_dir() / "figures" / kind / f"{hashlib.sha256(key).hexdigest()[:40]}.{kind}"
    try:
        found = path.read_bytes()
    except OSError:  # not made yet, or the cache cannot be read
        made = make()
        _keep(path, made)
        return made
    with contextlib.suppress(OSError):  # recently used: kept when older drawings go (a read-only cache is still read)
        os.utime(path)
    return found


def _keep(path: Path, content: bytes) -> None:
    from workbench.atomic_write import write_files_atomically
    from workbench.errors import OutputError

    with contextlib.suppress(OSError, OutputError):
        write_files_atomically({path: content})
        paths.keep_newest(path.parent, KEEP)


def _drawing_code() -> bytes:
    import vl_convert

    rendering = Path(__file__).with_name("rendering.py")
    return f"{vl_convert.__version__}\0{sys.version}\0{sha256_of(rendering)}\0".encode()


_DRAWING_CODE = _drawing_code()
