"""Charts drawn once are kept on disk: a later process gets the same bytes without drawing, and a cache that cannot
be used never stops a save."""

from __future__ import annotations

import errno
from pathlib import Path

import altair as alt
import polars as pl
import pytest

import workbench as wb
from workbench import atomic_write
from workbench.outputs import figure_cache, rendering

FRAME = pl.DataFrame({"year": [2019, 2023, 2025], "amount_usd": [1.0e9, 1.0e10, 1.3e10]})


def _chart(title: str = "Money") -> alt.Chart:
    return alt.Chart(FRAME, title=title).mark_line().encode(x="year:O", y="amount_usd:Q")


class _Drawing:
    """Counts Vega and resvg runs (as a new process would: nothing drawn yet in memory)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        import vl_convert as vlc

        self.svg = self.png = 0
        real_svg, real_png = vlc.vegalite_to_svg, vlc.svg_to_png

        def svg(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
            self.svg += 1
            return real_svg(*args, **kwargs)

        def png(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
            self.png += 1
            return real_png(*args, **kwargs)

        monkeypatch.setattr(vlc, "vegalite_to_svg", svg)
        monkeypatch.setattr(vlc, "svg_to_png", png)
        monkeypatch.delenv(figure_cache.SWITCH, raising=False)
        rendering._svg_of.cache_clear()


def _saved(data_dir: Path, name: str) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((data_dir / "figures").glob(f"{name}.*"))
            if p.suffix in (".svg", ".png", ".html") or p.name.endswith(".vl.json")}


def test_a_chart_drawn_before_is_read_back_with_the_same_bytes(data_dir: Path, monkeypatch) -> None:
    drawing = _Drawing(monkeypatch)
    wb.save(_chart(), "first")
    assert (drawing.svg, drawing.png) == (1, 1)
    assert len(list((data_dir / ".cache" / "figures" / "png").iterdir())) == 1
    rendering._svg_of.cache_clear()  # a new process
    wb.save(_chart(), "second")
    assert (drawing.svg, drawing.png) == (1, 1)  # nothing drawn again
    first, second = _saved(data_dir, "first"), _saved(data_dir, "second")
    assert [first[f"first.{k}"] for k in ("svg", "png")] == [second[f"second.{k}"] for k in ("svg", "png")]
    wb.save(_chart("Another title"), "third")  # another spec: drawn
    assert (drawing.svg, drawing.png) == (2, 2)


def test_switched_off_every_chart_is_drawn_and_nothing_is_kept(data_dir: Path, monkeypatch) -> None:
    drawing = _Drawing(monkeypatch)
    monkeypatch.setenv(figure_cache.SWITCH, "off")
    for name in ("one", "two"):
        rendering._svg_of.cache_clear()
        wb.save(_chart(), name)
    assert (drawing.svg, drawing.png) == (2, 2)
    assert not (data_dir / ".cache" / "figures").exists()


def test_a_cache_that_cannot_be_written_or_read_still_saves_the_chart(data_dir: Path, monkeypatch) -> None:
    drawing = _Drawing(monkeypatch)
    real = atomic_write.write_files_atomically

    def full_for_the_cache(files: dict[Path, bytes]) -> None:
        if any(".cache" in path.parts for path in files):
            raise atomic_write.write_error(next(iter(files)), OSError(errno.ENOSPC, "No space left on device"))
        real(files)

    monkeypatch.setattr(atomic_write, "write_files_atomically", full_for_the_cache)
    wb.save(_chart(), "full-cache")
    assert (drawing.svg, drawing.png) == (1, 1) and _saved(data_dir, "full-cache")
    monkeypatch.setattr(atomic_write, "write_files_atomically", real)
    (data_dir / ".cache").mkdir(exist_ok=True)
    (data_dir / ".cache" / "figures").write_text("a file where the folder should be")
    rendering._svg_of.cache_clear()
    wb.save(_chart(), "blocked-cache")
    assert (drawing.svg, drawing.png) == (2, 2)
    assert _saved(data_dir, "blocked-cache")["blocked-cache.png"] == _saved(data_dir, "full-cache")["full-cache.png"]


def test_only_the_most_recently_used_drawings_are_kept(data_dir: Path, monkeypatch) -> None:
    _Drawing(monkeypatch)
    monkeypatch.setattr(figure_cache, "KEEP", 2)
    for n in range(4):
        figure_cache.drawn("png", f"svg {n}", lambda n=n: f"png {n}".encode())
    kept = sorted(p.read_text() for p in (data_dir / ".cache" / "figures" / "png").iterdir())
    assert kept == ["png 2", "png 3"]


def test_a_read_only_cache_is_still_read(data_dir: Path, monkeypatch) -> None:
    drawing = _Drawing(monkeypatch)
    figure_cache.drawn("png", "svg text", lambda: b"png bytes")

    def refuse(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise PermissionError(13, "Read-only file system")

    monkeypatch.setattr(figure_cache.os, "utime", refuse)
    assert figure_cache.drawn("png", "svg text", lambda: b"drawn again") == b"png bytes"
    assert drawing.png == 0


def test_a_run_knows_whether_drawings_of_an_earlier_run_are_kept(data_dir: Path, monkeypatch) -> None:
    """`workbench run` starts its Vega at once only when charts are likely to be drawn (nothing kept yet)."""
    _Drawing(monkeypatch)
    assert not figure_cache.drawings_kept()
    wb.save(_chart(), "kept")
    assert figure_cache.drawings_kept()
    monkeypatch.setenv(figure_cache.SWITCH, "off")
    assert not figure_cache.drawings_kept()
