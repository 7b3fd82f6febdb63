"""The Vega bundle cache: made once, read back by later processes, never in the way when data/ is read-only."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench import vega_bundle


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("WORKBENCH_CACHE_DIR", str(tmp_path / "cache"))
    vega_bundle.javascript_bundle.cache_clear()
    yield tmp_path / "cache"
    vega_bundle.javascript_bundle.cache_clear()


@pytest.mark.slow
def test_bundle_is_kept_and_read_back(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import vl_convert as vlc

    made = vega_bundle.javascript_bundle("6.1")
    files = list((cache / "vl-convert").iterdir())
    assert [f.name for f in files] == [f"bundle-{vlc.__version__}-vl6.1.js"]
    assert files[0].read_text(encoding="utf-8") == made and "vega" in made.lower()

    vega_bundle.javascript_bundle.cache_clear()  # a new process: the file is read, vl-convert not asked
    monkeypatch.setattr(vlc, "javascript_bundle", lambda **_: pytest.fail("bundled again despite the cache"))
    assert vega_bundle.javascript_bundle("6.1") == made


def test_unwritable_cache_only_costs_time(cache: Path) -> None:
    cache.parent.mkdir(exist_ok=True)
    cache.write_text("a file where the cache folder should be")
    assert "vega" in vega_bundle.javascript_bundle("6.1").lower()
    assert cache.read_text() == "a file where the cache folder should be"



@pytest.mark.slow
def test_explorers_read_the_chart_bundle_a_run_kept_and_never_write_one(cache: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    import altair as alt
    import vl_convert as vlc

    monkeypatch.setattr(alt.JupyterChart, "_is_offline", False)
    monkeypatch.setattr(alt.JupyterChart, "_esm", alt.JupyterChart._esm)
    vega_bundle.offline_jupyter_charts()  # nothing kept yet: altair bundles in memory
    altairs = alt.JupyterChart._esm
    assert alt.JupyterChart._is_offline and not cache.exists()

    kept = vega_bundle.keep_jupyter_chart_bundle()  # what `workbench run` does at the end of a run
    assert kept is not None and kept.parent == cache / "vl-convert" and kept.read_text(encoding="utf-8") == altairs
    monkeypatch.setattr(vlc, "javascript_bundle", lambda *_, **__: pytest.fail("bundled again despite the cache"))
    alt.JupyterChart._is_offline, alt.JupyterChart._esm = False, None
    vega_bundle.offline_jupyter_charts()
    assert alt.JupyterChart._esm == altairs and vega_bundle.keep_jupyter_chart_bundle() == kept
