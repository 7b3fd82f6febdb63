"""Full analysis: throughput (MB/s of UTF-8 text) and peak memory at 10k, 100k and 1M paragraphs.

`analyze_corpus` runs every step (themes, actors, amounts, dates, sentences, claims checked against the
record) on the synthetic corpus; `streamed` writes each batch to parquet instead of keeping the frames, so
its memory is one batch's plus the input. Each measurement runs in a fresh interpreter so peak RSS is
comparable. The baseline in the same run is a straightforward per-paragraph loop of Python `re` for the
same amount, date and actor patterns (no themes, no claims): what full analysis costs over bare regexes.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
import tempfile
import time
from pathlib import Path

from run import in_subprocess, peak_rss_mb

SIZES = (10_000, 100_000, 1_000_000)
PLAN = [("in_memory", 1, n) for n in SIZES] + [("in_memory", 2, n) for n in SIZES[1:]] + [
    ("streamed", 1, n) for n in SIZES] + [("python_re", 1, n) for n in SIZES[:2]]
TARGET_MB_PER_S = 5.0


def run() -> dict:
    started = time.perf_counter()
    results: dict = {"target_mb_per_s": TARGET_MB_PER_S, "runs": []}
    for mode, workers, n in PLAN:
        measured = in_subprocess(__file__, mode, workers, n)
        results["runs"].append({"mode": mode, "workers": workers, **measured})
    best = max((r.get("mb_per_s", 0) for r in results["runs"] if r["mode"] != "python_re"), default=0)
    results["best_mb_per_s"] = best
    results["meets_target"] = best >= TARGET_MB_PER_S
    results["seconds_total"] = round(time.perf_counter() - started, 1)
    return results


def _measure(mode: str, workers: int, n: int) -> dict:
    import polars as pl

    from workbench.analysis import analyze_corpus, write_corpus_analysis
    from workbench.analysis.claims import Record
    from workbench.analysis.synthetic import synthetic_paragraphs

    frame = synthetic_paragraphs(n).with_columns(published=pl.lit(dt.date(2024, 1, 1)))
    megabytes = frame["text"].str.len_bytes().sum() / 1e6
    record = Record.load()
    input_rss = peak_rss_mb()
    begun = time.perf_counter()
    if mode == "in_memory":
        result = analyze_corpus(frame, record=record, progress=False, workers=workers)
        found = {"claims": result.claims.height, "matches": result.matches.height, "amounts": result.amounts.height}
    elif mode == "streamed":
        with tempfile.TemporaryDirectory() as folder:
            folders = write_corpus_analysis(frame, Path(folder), record=record, progress=False, workers=workers)
            found = {"claims": pl.scan_parquet(folders["claims"]).select(pl.len()).collect().item()}
    else:
        found = {"matches": _python_re(frame["text"].to_list(), record)}
    seconds = time.perf_counter() - begun
    return {"paragraphs": n, "megabytes": round(megabytes, 1), "seconds": round(seconds, 2),
            "mb_per_s": round(megabytes / seconds, 2), "peak_rss_mb": round(peak_rss_mb(), 1),
            "input_rss_mb": round(input_rss, 1), **found}


def _python_re(texts: list[str], record) -> int:
    from workbench.analysis.entities import alias_table

    surfaces = sorted(alias_table(record.entities)["surface"].to_list(), key=len, reverse=True)
    patterns = [re.compile(r"(?:at least|more than|up to|about)?\s*\$\d[\d,.]*\s*(?:billion|million|bn|m)?"),
                re.compile(r"\b(?:19|20)\d\d\b|\b(?:last|this|next) year\b|\bIn [A-Z][a-z]+\b"),
                re.compile(r"\b(?:" + "|".join(map(re.escape, surfaces)) + r")\b")]
    found = 0
    for text in texts:
        for pattern in patterns:
            found += sum(1 for _ in pattern.finditer(text))
    return found


if __name__ == "__main__":
    if len(sys.argv) == 4:
        print(json.dumps(_measure(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))))
    else:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        print(json.dumps(run(), indent=2))
