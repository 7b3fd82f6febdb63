"""Full analysis on the synthetic corpus: throughput (MB/s of UTF-8 text) and peak memory at 10k, 100k and 1M
paragraphs, and whether memory stays flat as the corpus grows.

- `in_memory`: `analyze_corpus(frame)` with the synthetic frame in memory; every result frame is kept, so its memory
  grows with the corpus by design (the results of 1M paragraphs are a few GB).
- `streamed`: `write_corpus_analysis(corpus.parquet, folder)`: the corpus is read from a parquet file a slice at
  a time and each batch's frames are written as they are made, so memory is that of a few batches whatever the
  size. The file is written beforehand by another process, so the measured one never holds the corpus.
- `python_re`: the baseline of the same run, a straightforward per-paragraph loop of Python `re` for amount, date
  and actor patterns (no themes, no claims): what full analysis costs over bare regexes.

Each measurement runs in a fresh interpreter, so peak RSS (getrusage, which sees Rust allocations) is comparable;
`start_rss_mb` is the RSS after imports and the record, before the corpus, and `above_start_mb` the difference.
`memory` gives the ratios of 1M to 10k paragraphs. Real-style text is in bench_news.py.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
import tempfile
import time
from pathlib import Path

from run import peak_rss_mb

SIZES = (10_000, 100_000, 1_000_000)
BATCH_SIZE = 50_000  # analyze_corpus' default
# Streamed runs use batches of the smallest size, so that 10k paragraphs already fill one batch: memory is then
# flat from the first size on, and the 1M/10k ratio says so (with 50k batches it would compare a fifth of a batch
# to a full one).
STREAMED_BATCH_SIZE = 10_000
PLAN = ([("in_memory", 1, n, BATCH_SIZE) for n in SIZES] + [("in_memory", 2, SIZES[-1], BATCH_SIZE)]
        + [("streamed", 1, n, STREAMED_BATCH_SIZE) for n in SIZES] + [("python_re", 1, n, 0) for n in SIZES[:2]])
TARGET_MB_PER_S = 5.0


def run() -> dict:
    from bench_news import in_child

    started = time.perf_counter()
    results: dict = {"target_mb_per_s": TARGET_MB_PER_S, "runs": []}
    with tempfile.TemporaryDirectory(prefix="bench-analysis-") as folder:
        for n in SIZES:
            in_child(__file__, "prepare", n, folder)
        for mode, workers, n, batch_size in PLAN:
            measured = in_child(__file__, mode, workers, n, batch_size, folder)
            results["runs"].append({"mode": mode, "workers": workers, "paragraphs": n, "batch_size": batch_size,
                                    **measured})
    best = max((r.get("mb_per_s", 0) for r in results["runs"] if r["mode"] != "python_re"), default=0)
    results["best_mb_per_s"] = best
    results["meets_target"] = best >= TARGET_MB_PER_S
    results["memory"] = _memory(results["runs"])
    results["seconds_total"] = round(time.perf_counter() - started, 1)
    return results


def _memory(runs: list[dict]) -> dict:
    """Peak RSS at 1M over 10k paragraphs, in memory and streamed (1.0 is flat)."""
    def peak(mode: str, n: int, key: str) -> float | None:
        found = [r.get(key) for r in runs if r["mode"] == mode and r["workers"] == 1 and r["paragraphs"] == n]
        return found[0] if found else None

    memory = {}
    for mode in ("in_memory", "streamed"):
        for key in ("peak_rss_mb", "above_start_mb"):
            small, large = peak(mode, SIZES[0], key), peak(mode, SIZES[-1], key)
            memory[f"{mode}_{key}_ratio_{SIZES[-1]}_over_{SIZES[0]}"] = (
                round(large / small, 2) if small and large else None)
    return memory


def _corpus_file(folder: str, n: int) -> Path:
    return Path(folder) / f"synthetic-{n}.parquet"


def _prepare(n: int, folder: str) -> dict:
    import polars as pl

    from workbench.analysis.synthetic import synthetic_paragraphs

    frame = synthetic_paragraphs(n).with_columns(published=pl.lit(dt.date(2024, 1, 1)))
    frame.write_parquet(_corpus_file(folder, n), row_group_size=STREAMED_BATCH_SIZE)
    return {"paragraphs": n}


def _measure(mode: str, workers: int, n: int, batch_size: int, folder: str) -> dict:
    import polars as pl

    from workbench.analysis import analyze_corpus, write_corpus_analysis
    from workbench.analysis.claims import Record

    record = Record.load()
    path = _corpus_file(folder, n)
    megabytes = pl.scan_parquet(path).select(pl.col("text").str.len_bytes().sum()).collect().item() / 1e6
    start_rss = peak_rss_mb()
    begun = time.perf_counter()
    if mode == "in_memory":
        result = analyze_corpus(pl.read_parquet(path), batch_size=batch_size, record=record, progress=False,
                                workers=workers)
        found = {"claims": result.claims.height, "matches": result.matches.height, "amounts": result.amounts.height}
    elif mode == "streamed":
        with tempfile.TemporaryDirectory() as output:
            folders = write_corpus_analysis(path, Path(output), batch_size=batch_size, record=record, progress=False,
                                            workers=workers)
            found = {"claims": pl.scan_parquet(folders["claims"]).select(pl.len()).collect().item()}
    else:
        found = {"matches": _python_re(pl.read_parquet(path)["text"].to_list(), record)}
    seconds = time.perf_counter() - begun
    peak = peak_rss_mb()
    return {"megabytes": round(megabytes, 1), "seconds": round(seconds, 2), "mb_per_s": round(megabytes / seconds, 2),
            "peak_rss_mb": round(peak, 1), "start_rss_mb": round(start_rss, 1),
            "above_start_mb": round(peak - start_rss, 1), **found}


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
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    if len(sys.argv) == 4 and sys.argv[1] == "prepare":
        print(json.dumps(_prepare(int(sys.argv[2]), sys.argv[3])))
    elif len(sys.argv) == 6:
        print(json.dumps(_measure(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5])))
    else:
        print(json.dumps(run(), indent=2))
