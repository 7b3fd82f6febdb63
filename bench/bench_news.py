"""Throughput on real-style news text (issue 15, item 6), with spaCy's PhraseMatcher on the same text in the same run.

The input is built at bench time into a temporary folder by `news_text.build` (~50 MB of articles from the public
incident, AIAAIC and AGORA texts in ../shared/external when present, else from the repository's own text; `input`
says which). Each measurement runs in a fresh interpreter (peak RSS comparable) and is the median of REPEATS runs:

- `end_to_end`: `python -m workbench analyze news.txt --published DATE > out.json`, the whole multi-article file as
  one document, timed from outside (interpreter start, imports, record, analysis, JSON written).
- `end_to_end_before`: the same file through what the command ran before (`analyze()` then `json.dump(...,
  indent=2)`), once, as the baseline of the same run; `identical_output` says whether the two printed the same bytes.
- `in_memory`: `analyze_corpus(news.parquet)` (one row per article, so batches of whole articles), 1 and 2 workers.
- `stages`: seconds and MB/s of each step analyze_batch calls, timed inside one `analyze_corpus` run (workers=1).
- `spacy_phrase_matcher`: `spacy.blank("en")` (tokenizer only, no model download) and a PhraseMatcher (attr LOWER)
  holding the alias table's surface forms and the theme lexicon's forms, over the same paragraphs. It only finds
  terms (no amounts, dates, sentences, claims or verdicts), so `ratios` understate what the analysis does per MB.
  Its terms are read at the start of the run (the record's CSVs may be mid-edit by then, on a shared checkout).
- `record_changed_during_run`: whether the record's data files changed between the start and the end of the run
  (then `identical_output` may be false because the two commands read different records, not different code).

MB are megabytes (1e6 bytes) of UTF-8 article text. The machine's load average is recorded: other jobs on a
2-core machine slow every figure alike, so compare the ratios of one run rather than figures across runs.
"""

from __future__ import annotations

import functools
import importlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
MEGABYTES = 50.0
REPEATS = 3
PUBLISHED = "2025-06-30"
TARGETS = {"end_to_end_mb_per_s": 5.0, "in_memory_mb_per_s": 10.0}
TIMEOUT_SECONDS = 900
# (module, function) of the steps analyze_batch calls; a step that is not there (renamed) is left out of `stages`
STAGES = (
    ("workbench.analysis.themes", "tag_themes"), ("workbench.analysis.theme_model", "classify_themes"),
    ("workbench.analysis.entities", "extract_entities"), ("workbench.analysis.amounts", "extract_amounts"),
    ("workbench.analysis.dates", "extract_dates"), ("workbench.corpus.spans", "sentences_of"),
    ("workbench.analysis.claims", "find_claims"), ("workbench.analysis.claims", "check_claims"),
)


def run() -> dict:
    import news_text

    started = time.perf_counter()
    results: dict = {"targets": TARGETS, "repeats": REPEATS, "load_average_at_start": _load()}
    record_at_start = _record_digest()
    with tempfile.TemporaryDirectory(prefix="bench-news-") as folder:
        news = news_text.build(Path(folder), MEGABYTES)
        # spaCy's terms read now: the record may be mid-edit when its turn comes (other work on the same checkout)
        terms = Path(folder) / "terms.json"
        terms.write_text(json.dumps(_terms()), encoding="utf-8")
        results["input"] = {"source": news.source, "documents": news.documents, "paragraphs": news.paragraphs,
                            "megabytes": news.megabytes, "pool": news.pool}
        output = Path(folder) / "out.json"
        runs = [_command(["-m", "workbench", "analyze", str(news.text_file), "--published", PUBLISHED], output)
                for _ in range(REPEATS)]
        results["end_to_end"] = _summary(runs, news.megabytes)
        before = Path(folder) / "before.json"
        results["end_to_end_before"] = _summary([_command([__file__, "before", str(news.text_file)], before)],
                                                news.megabytes)
        results["identical_output"] = _same_bytes(output, before)
        results["in_memory"] = {f"workers_{workers}": in_child(__file__, "corpus", news.table, workers)
                                for workers in (1, 2)}
        results["stages"] = in_child(__file__, "stages", news.table)
        results["spacy_phrase_matcher"] = in_child(__file__, "spacy", news.table, terms)
    results["ratios"] = _ratios(results)
    results["meets_targets"] = {
        "end_to_end": results["end_to_end"].get("mb_per_s", 0) >= TARGETS["end_to_end_mb_per_s"],
        "in_memory": max((r.get("mb_per_s", 0) for r in results["in_memory"].values()), default=0)
        >= TARGETS["in_memory_mb_per_s"],
    }
    # identical_output compares two commands run minutes apart: an edit of the record in between makes them differ
    results["record_changed_during_run"] = _record_digest() != record_at_start
    results["load_average_at_end"] = _load()
    results["seconds_total"] = round(time.perf_counter() - started, 1)
    return results


def _ratios(results: dict) -> dict:
    spacy = results["spacy_phrase_matcher"].get("mb_per_s")
    ours = results["end_to_end"].get("mb_per_s")
    ratios = {"end_to_end_over_before": _ratio(ours, results["end_to_end_before"].get("mb_per_s"))}
    for name, measured in results["in_memory"].items():
        ratios[f"in_memory_{name}_over_spacy"] = _ratio(measured.get("mb_per_s"), spacy)
    ratios["end_to_end_over_spacy"] = _ratio(ours, spacy)
    for stage, measured in results["stages"].get("stages", {}).items():
        ratios[f"{stage}_over_spacy"] = _ratio(measured.get("mb_per_s"), spacy)
    return ratios


def _ratio(ours: float | None, baseline: float | None) -> float | None:
    return round(ours / baseline, 2) if ours and baseline else None


def _summary(runs: list[dict], megabytes: float) -> dict:
    failed = [run for run in runs if "error" in run]
    if failed:
        return failed[0]
    seconds = statistics.median(run["seconds"] for run in runs)
    cpu = statistics.median(run["cpu_seconds"] for run in runs)
    return {"megabytes": megabytes, "seconds_median": round(seconds, 2), "mb_per_s": round(megabytes / seconds, 2),
            "seconds_each": [round(run["seconds"], 2) for run in runs], "cpu_seconds_median": round(cpu, 2),
            "peak_rss_mb": round(max(run["peak_rss_mb"] for run in runs), 1), "runs": len(runs)}


def _command(args: list[str], output: Path) -> dict:
    """Wall time and peak RSS of `python args...` (that process alone: os.wait4), its standard output to `output`."""
    import threading

    with output.open("wb") as sink, tempfile.TemporaryFile() as errors:
        begun = time.perf_counter()
        process = subprocess.Popen([sys.executable, *args], stdout=sink, stderr=errors, cwd=HERE.parent)
        timer = threading.Timer(TIMEOUT_SECONDS, process.kill)
        timer.start()
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - begun
        timer.cancel()
        process.returncode = os.waitstatus_to_exitcode(status)
        errors.seek(0)
        stderr = errors.read().decode(errors="replace")
    if process.returncode != 0:
        lines = stderr.strip().splitlines()
        return {"error": lines[-1] if lines else f"exit code {process.returncode} (killed after {TIMEOUT_SECONDS} s?)"}
    return {"seconds": seconds, "cpu_seconds": usage.ru_utime + usage.ru_stime, "peak_rss_mb": usage.ru_maxrss / 1024}


def in_child(script: str, *args: object) -> dict:
    """Run `script args...` in a fresh interpreter and read the JSON on its last line of output (run.in_subprocess
    with a time limit: an analysis step made slow by an edit must not hang `make bench`)."""
    try:
        completed = subprocess.run([sys.executable, script, *map(str, args)], capture_output=True, text=True,
                                   cwd=HERE, check=False, timeout=TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {TIMEOUT_SECONDS} s"}
    if completed.returncode != 0:
        lines = completed.stderr.strip().splitlines()
        return {"error": lines[-1] if lines else f"exit code {completed.returncode}"}
    return json.loads(completed.stdout.strip().splitlines()[-1])


def _same_bytes(first: Path, second: Path) -> bool:
    if not (first.is_file() and second.is_file()) or first.stat().st_size != second.stat().st_size:
        return False
    with first.open("rb") as a, second.open("rb") as b:
        return all(x == y for x, y in zip(iter(functools.partial(a.read, 1 << 20), b""),
                                          iter(functools.partial(b.read, 1 << 20), b"")))


def _record_digest() -> str:
    """A digest of the record's data files, to tell whether they changed during the run."""
    import hashlib

    digest = hashlib.sha256()
    for path in sorted((HERE.parent / "workbench" / "datasets" / "data").glob("*.csv")):
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()


def _load() -> list[float]:
    return [round(value, 2) for value in os.getloadavg()]


# --- what each fresh interpreter measures ------------------------------------------------------------------------

def _before(text_file: str) -> None:
    """What `workbench analyze FILE --published DATE` ran before it went through the corpus path and write_json."""
    from workbench.analysis import analyze

    document = analyze(Path(text_file), published=PUBLISHED).to_json()
    json.dump(document, sys.stdout, indent=2, ensure_ascii=False, default=str)
    sys.stdout.write("\n")


def _texts(table: str):
    from workbench.analysis import corpus_paragraphs

    paragraphs = corpus_paragraphs(Path(table))
    return paragraphs, paragraphs["text"].str.len_bytes().sum() / 1e6


def _corpus(table: str, workers: int) -> dict:
    from run import peak_rss_mb

    from workbench.analysis import analyze_corpus
    from workbench.analysis.claims import Record

    _, megabytes = _texts(table)
    record = Record.load()
    times, cpu, found = [], [], {}
    for _ in range(REPEATS):
        begun, used = time.perf_counter(), _cpu_seconds()
        result = analyze_corpus(Path(table), record=record, progress=False, workers=workers)
        times.append(time.perf_counter() - begun)
        cpu.append(_cpu_seconds() - used)
        found = {"claims": result.claims.height, "matches": result.matches.height,
                 "entities": result.entities.height, "amounts": result.amounts.height}
        del result
    seconds = statistics.median(times)
    return {"workers": workers, "megabytes": round(megabytes, 2), "seconds_median": round(seconds, 2),
            "seconds_each": [round(t, 2) for t in times], "mb_per_s": round(megabytes / seconds, 2),
            "cpu_seconds_median": round(statistics.median(cpu), 2), "peak_rss_mb": round(peak_rss_mb(), 1), **found}


def _cpu_seconds() -> float:
    """CPU time of this process and of the worker processes it has waited for."""
    used = os.times()
    return used.user + used.system + used.children_user + used.children_system


def _stages(table: str) -> dict:
    from run import peak_rss_mb

    import workbench.analysis as analysis
    from workbench.analysis.claims import Record

    spent: dict[str, list[float]] = {}
    for module_name, name in STAGES:
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        original = getattr(module, name, None)
        if original is None:
            continue
        timed = _timed(original, name, spent)
        setattr(module, name, timed)
        if getattr(analysis, name, None) is original:  # `from ... import name` in the package
            setattr(analysis, name, timed)
    paragraphs, megabytes = _texts(table)
    record = Record.load()
    analysis.analyze_corpus(paragraphs.head(2000), record=record, progress=False)  # warm caches, as in the runs
    spent.clear()
    del paragraphs
    start_rss = peak_rss_mb()
    begun = time.perf_counter()
    analysis.analyze_corpus(Path(table), record=record, progress=False)
    total = time.perf_counter() - begun
    stages = {name: {"seconds": round(seconds, 2), "mb_per_s": round(megabytes / seconds, 1) if seconds else None,
                     "share": round(seconds / total, 3), "peak_rss_growth_mb": round(growth, 1)}
              for name, (seconds, growth) in spent.items()}
    rest = total - sum(seconds for seconds, _ in spent.values())
    return {"megabytes": round(megabytes, 2), "seconds_total": round(total, 2),
            "mb_per_s_total": round(megabytes / total, 2), "start_rss_mb": round(start_rss, 1),
            "peak_rss_mb": round(peak_rss_mb(), 1), "stages": stages,
            "outside_stages": {"seconds": round(rest, 2), "share": round(rest / total, 3),
                               "what": "reading and cutting paragraphs, batching, joining frames"}}


def _timed(function, name: str, spent: dict[str, list[float]]):
    """`function`, adding its wall time and how much it raised this process's peak RSS to spent[name]; a stage
    called by another stage (check_claims may call extract_entities) counts in its caller's time only."""
    from run import peak_rss_mb

    @functools.wraps(function)
    def timed(*args, **kwargs):
        if _RUNNING:
            return function(*args, **kwargs)
        _RUNNING.append(name)
        begun, peak = time.perf_counter(), peak_rss_mb()
        try:
            return function(*args, **kwargs)
        finally:
            _RUNNING.pop()
            totals = spent.setdefault(name, [0.0, 0.0])
            totals[0] += time.perf_counter() - begun
            totals[1] += peak_rss_mb() - peak

    return timed


_RUNNING: list[str] = []


def _spacy(table: str, terms_file: str | None = None) -> dict:
    from run import peak_rss_mb

    try:
        import spacy
        from spacy.matcher import PhraseMatcher
    except ImportError:
        return {"error": "spaCy is not installed (make .venv/.installed-bench): no spaCy baseline."}
    paragraphs, megabytes = _texts(table)
    texts = paragraphs["text"].to_list()
    terms = json.loads(Path(terms_file).read_text(encoding="utf-8")) if terms_file else _terms()
    nlp = spacy.blank("en")
    matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
    for term in terms:
        matcher.add(term, [nlp.make_doc(term)])
    times, found = [], 0
    for _ in range(REPEATS):
        begun = time.perf_counter()
        found = sum(len(matcher(doc)) for doc in nlp.pipe(texts, batch_size=1000))
        times.append(time.perf_counter() - begun)
    seconds = statistics.median(times)
    return {"spacy_version": spacy.__version__, "terms": len(terms), "matches": found,
            "megabytes": round(megabytes, 2), "seconds_median": round(seconds, 2),
            "seconds_each": [round(t, 2) for t in times], "mb_per_s": round(megabytes / seconds, 2),
            "peak_rss_mb": round(peak_rss_mb(), 1)}


def _terms() -> list[str]:
    """The alias table's surface forms and the theme lexicon's forms (without {amount} slots), lower-cased, once."""
    from workbench.analysis.claims import Record
    from workbench.analysis.entities import alias_table
    from workbench.analysis.themes import inflect, load_lexicon

    terms = {surface.lower() for surface in alias_table(Record.load().entities)["surface"].to_list()}
    for term, how in load_lexicon(with_user=False).select("term", "forms").iter_rows():
        terms.update(form.lower() for form in inflect(term, how) if "{amount}" not in form)
    return sorted(term for term in terms if term.strip())


if __name__ == "__main__":
    sys.path.insert(0, str(HERE))
    if len(sys.argv) > 1:
        mode, *rest = sys.argv[1:]
        if mode == "before":
            _before(*rest)
        else:
            measured = {"corpus": lambda: _corpus(rest[0], int(rest[1])), "stages": lambda: _stages(rest[0]),
                        "spacy": lambda: _spacy(*rest)}[mode]()
            print(json.dumps(measured))
    else:
        print(json.dumps(run(), indent=2, default=str))
