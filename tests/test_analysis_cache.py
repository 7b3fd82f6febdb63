"""Analyses kept on disk: read back by a later process with the same frames and the same lineage, never stale
(an edited article, overlay or record makes a new key), and a damaged or switched-off cache never stops one."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

import workbench.analysis as analysis_module
from workbench import lineage
from workbench.analysis import FRAMES, analysis_cache, analyze
from workbench.analysis.claims import Record

SEED = "bloomberg-2019-07-22-microsoft-openai"


@pytest.fixture
def cache_on(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The cache switched on (conftest turns it off for every test), kept under the scratch data folder."""
    monkeypatch.delenv(analysis_cache.SWITCH, raising=False)
    return data_dir / ".cache" / "analyses"


def _counting(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count the analyses made from scratch (the pure step), as a new process would."""
    made: list[int] = []
    real = analysis_module.analyze_batch
    monkeypatch.setattr(analysis_module, "analyze_batch", lambda *args: made.append(1) or real(*args))
    return made


def _traced_analysis(doc: str | Path) -> tuple[analysis_module.Analysis, lineage.Lineage]:
    """The analysis, and what a traced caller is told it read."""
    @lineage.traced
    def caller() -> analysis_module.Analysis:
        return analyze(doc)

    result = caller()
    return result, lineage.lineage_of(result)


def test_an_analysis_made_before_is_read_back_with_the_same_frames_and_lineage(cache_on: Path,
                                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    made = _counting(monkeypatch)
    first, first_lineage = _traced_analysis(SEED)
    lineage.clear_session()
    again, again_lineage = _traced_analysis(SEED)
    assert made == [1]  # the second came from the cache
    for name in ("documents", *FRAMES):
        assert getattr(again, name).equals(getattr(first, name)), name
        assert getattr(again, name).schema == getattr(first, name).schema, name
    assert again.notes == first.notes
    assert again_lineage == first_lineage and again_lineage.datasets and again_lineage.articles
    assert lineage.session().datasets == first_lineage.datasets  # what the session read, as if computed
    assert len(list(cache_on.iterdir())) == 1


def test_an_edited_article_is_analysed_again(cache_on: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    article = tmp_path / "story.txt"
    article.write_text("Microsoft invested $1 billion in OpenAI.\n", encoding="utf-8")
    made = _counting(monkeypatch)
    analyze(article)
    article.write_text("Microsoft invested $2 billion in OpenAI.\n", encoding="utf-8")
    second = analyze(article)
    assert made == [1, 1] and second.amounts["value"].to_list() != []
    assert len(list(cache_on.iterdir())) == 2


def test_an_edited_record_is_checked_against_again(cache_on: Path, user_dir: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from workbench.datasets import curated, registry

    before = analysis_cache.inputs_digest()
    made = _counting(monkeypatch)
    analyze(SEED)
    header = registry.curated("entities").path.read_text(encoding="utf-8").splitlines()[0]
    (user_dir / "entities.csv").write_text(f"{header}\n", encoding="utf-8")  # an overlay, empty so far
    curated.clear_cache()
    analyze(SEED)
    assert made == [1, 1] and analysis_cache.inputs_digest() != before


def test_a_damaged_entry_is_analysed_again_and_replaced(cache_on: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = analyze(SEED)
    (entry,) = cache_on.iterdir()
    (entry / "claims.arrow").write_bytes(b"not arrow")
    made = _counting(monkeypatch)
    again = analyze(SEED)
    assert made == [1] and again.claims.equals(first.claims)
    assert pl.read_ipc(entry / "claims.arrow").equals(first.claims)


def test_switched_off_or_with_a_record_of_ones_own_nothing_is_kept(cache_on: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    analyze(SEED, record=Record.load())
    assert not cache_on.exists()
    monkeypatch.setenv(analysis_cache.SWITCH, "off")
    made = _counting(monkeypatch)
    analyze(SEED)
    analyze(SEED)
    assert made == [1, 1] and not cache_on.exists()


def test_an_unwritable_cache_only_costs_time(cache_on: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache_on.parent.mkdir(parents=True)
    cache_on.write_text("a file where the folder should be", encoding="utf-8")
    first = analyze(SEED)
    assert analyze(SEED).matches.equals(first.matches)


def test_the_same_article_read_from_another_folder_is_analysed_again(cache_on: Path, seed_copy: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Sidecars name the file an article was read from: a copy elsewhere must not come back naming the first."""
    made = _counting(monkeypatch)
    _, copied = _traced_analysis(SEED)
    monkeypatch.delenv("WORKBENCH_SEEDS_DIR")
    _, shipped = _traced_analysis(SEED)
    assert made == [1, 1]
    assert {a.file for a in copied.articles} == {str(seed_copy / f"{SEED}.txt")}
    assert {a.file for a in shipped.articles} != {a.file for a in copied.articles}


def test_your_own_theme_terms_make_a_new_key(cache_on: Path, user_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """data/user/lexicons/ adds terms to the shipped theme lexicon: an analysis made without them is not served."""
    from workbench.analysis.themes import LEXICON_DIR, TERMS_FILE

    made = _counting(monkeypatch)
    first = analyze(SEED)
    header = (LEXICON_DIR / TERMS_FILE).read_text(encoding="utf-8").splitlines()[0]
    (user_dir / "lexicons").mkdir()
    (user_dir / "lexicons" / TERMS_FILE).write_text(f"{header}\nai_risk,custom,Microsoft,exact,false,\n",
                                                   encoding="utf-8")
    again = analyze(SEED)
    assert made == [1, 1] and again.evidence.height > first.evidence.height
