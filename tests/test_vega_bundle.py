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
