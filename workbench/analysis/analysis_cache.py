"""A disk cache of analysed articles, shared by every process of every run.

Three curated notebooks (01, 04 and 05) read the seed with hindsight, each in a kernel of its own, and each analysed
it again: about half a second of CPU apiece, most of it loading the record and the lexicons the first time. An
analysis is a pure function of the article, the record, the lexicons and the model, and of the code, so it is kept
under the cache folder (data/.cache/analyses/<key>/: one Arrow IPC file per frame, and `about.json`, written last,
with the notes and the inputs the analysis read). The key is a digest of the article (its catalogue entry and
text), of the bytes of the record's files (registry, lock, shipped tables, overlays), the lexicons and the model,
of the package's source, and of the polars and Python versions: any edit means a fresh analysis. A kept analysis
comes back with the lineage it had (the datasets and the article it read), so sidecars are the same; an analysis
whose lineage cites record rows one by one is not kept. A cache that cannot be read or written is skipped. The
KEEP most recently used analyses are kept. `WORKBENCH_ANALYSIS_CACHE=off` turns it off.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import io
import json
import os
from pathlib import Path

import polars as pl

from workbench import paths
from workbench.datasets import assembled_cache
from workbench.lineage import Article, Lineage

__all__ = ["KEEP", "SWITCH", "inputs_digest", "key", "read", "write"]

SWITCH = "WORKBENCH_ANALYSIS_CACHE"
KEEP = 64  # analyses: every article of a few runs' worth of notebooks and parameters
_FRAMES = ("documents", "paragraphs", "evidence", "entities", "amounts", "dates", "sentences", "claims", "matches")
_ABOUT = "about.json"
_ANALYSIS_DATA = Path(__file__).resolve().parent
_DATA_FOLDERS = ("lexicons", "models")


def key(entry: object, article: Article, text: str) -> str | None:
    """The cache key of the analysis of `text` (catalogue entry `entry`, a dataclass; `article`, the citation its
    outputs' sidecars name, with the file it was read from) with the default record; None when the cache is off."""
    if not paths.cache_enabled(SWITCH):
        return None
    described = json.dumps({"entry": dataclasses.asdict(entry), "article": dataclasses.asdict(article)},  # type: ignore[call-overload]
                           sort_keys=True, default=str)
    digest = hashlib.sha256(inputs_digest().encode())
    digest.update(hashlib.sha256(described.encode()).digest())
    digest.update(hashlib.sha256(text.encode()).digest())
    return digest.hexdigest()[:40]


def inputs_digest() -> str:
    """What every analysis depends on besides its text: the bytes of the record's files (your overlays included),
    of the lexicons (your own theme terms in data/user/lexicons/ included) and of the model, as they are now and as
    they were when this process imported the analysis (some are read once, on import), the package's source, and
    the polars and Python versions. A corpus partition analysed with other inputs is analysed again
    (`batch.partition`)."""
    from workbench.datasets.curated import record_digest

    now = assembled_cache.key([*_analysis_data(), *_user_lexicon()])
    return hashlib.sha256(f"{record_digest()}\0{now}\0{_DATA_AT_IMPORT}".encode()).hexdigest()[:32]


def read(cache_key: str) -> tuple[dict[str, pl.DataFrame], tuple[str, ...], Lineage] | None:
    """The frames, notes and lineage kept under `cache_key`, or None."""
    folder = _folder(cache_key)
    try:
        about = json.loads((folder / _ABOUT).read_text(encoding="utf-8"))
        frames = {name: pl.read_ipc(folder / f"{name}.arrow") for name in _FRAMES}
        lineage = Lineage(datasets=frozenset(about["datasets"]), live=frozenset(about["live"]),
                          articles=frozenset(Article(**article) for article in about["articles"]))
        notes = tuple(about["notes"])
    except (OSError, ValueError, KeyError, TypeError, pl.exceptions.PolarsError):
        return None
    with contextlib.suppress(OSError):  # recently used: kept when older analyses go
        os.utime(folder)
    return frames, notes, lineage


def write(cache_key: str, frames: dict[str, pl.DataFrame], notes: tuple[str, ...], lineage: Lineage) -> None:
    """Keep an analysis for other processes; one that cites rows, or any failure, leaves the cache as it was."""
    from workbench.atomic_write import write_files_atomically
    from workbench.errors import OutputError

    if lineage.cited:
        return
    folder = _folder(cache_key)
    about = {"notes": list(notes), "datasets": sorted(lineage.datasets), "live": sorted(lineage.live),
             "articles": sorted((dataclasses.asdict(a) for a in lineage.articles), key=lambda a: a["doc_id"])}
    try:
        files = {}
        for name in _FRAMES:
            table = io.BytesIO()
            frames[name].write_ipc(table)
            files[folder / f"{name}.arrow"] = table.getvalue()
        write_files_atomically(files)
        write_files_atomically({folder / _ABOUT: json.dumps(about).encode("utf-8")})  # last: the entry is whole
    except (OSError, OutputError, pl.exceptions.PolarsError):
        return
    paths.keep_newest(folder.parent, KEEP)


def _folder(cache_key: str) -> Path:
    return paths.cache_dir() / "analyses" / cache_key


def _analysis_data() -> list[Path]:
    """The lexicons and the theme model: data files the package's source digest does not cover."""
    return sorted(path for name in _DATA_FOLDERS for path in (_ANALYSIS_DATA / name).iterdir() if path.is_file())


def _user_lexicon() -> list[Path]:
    """A researcher's own theme terms and exclusions, which `themes.load_lexicon` adds to the shipped ones."""
    from workbench.analysis.themes import EXCLUSIONS_FILE, TERMS_FILE

    return [paths.user_data_dir() / "lexicons" / name for name in (TERMS_FILE, EXCLUSIONS_FILE)]


# Taken once, when `workbench.analysis` is imported (which imports this module): the claim cues and word lists are
# read then, so an analysis made after a data file changed on disk is never kept under the new files' key.
_DATA_AT_IMPORT = assembled_cache.key(_analysis_data())
