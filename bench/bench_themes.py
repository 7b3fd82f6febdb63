"""Themes: throughput (MB/s of UTF-8 text) and peak memory at 10k, 100k and 1M paragraphs, against two baselines.

- `themes`: `tag_themes` over a whole polars frame (Rust regexes, exclusions, context rule, labels + evidence).
- `python_re`: the straightforward way, a Python loop over paragraphs with the same compiled term pattern
  (Python's `re`) and a dict from matched text to sub-themes; no exclusions, no context rule.
- `spacy`: spaCy's PhraseMatcher (attr LOWER) with every surface form of the same lexicon on `spacy.blank("en")`
  (tokenizer only, no model download); no exclusions, no context rule, no {amount} terms.
The baselines do less work than `themes`, so the ratios understate its lead.

Each (method, size) runs in a fresh interpreter, so peak RSS (getrusage ru_maxrss, which sees Rust allocations
that tracemalloc does not) is comparable; `corpus_rss_mb` is the peak before tagging starts.
"""

from __future__ import annotations

import json
import re
import sys
import time
from pathlib import Path

from run import in_subprocess, peak_rss_mb

SIZES = (10_000, 100_000, 1_000_000)
# spaCy runs at a few MB/s: at 1M paragraphs it alone would take minutes, past this bench's budget.
SPACY_SIZES = (10_000, 100_000)
REPEATS = {10_000: 5, 100_000: 3, 1_000_000: 1}
BUDGET_SECONDS = 300


def run() -> dict:
    started = time.perf_counter()
    results: dict = {"sizes": list(SIZES), "methods": {}}
    try:
        import spacy

        spacy_version: str | None = spacy.__version__
    except ImportError:
        spacy_version = None
    results["spacy_version"] = spacy_version
    plan = [("themes", n) for n in SIZES] + [("python_re", n) for n in SIZES]
    plan += [("spacy", n) for n in SPACY_SIZES] if spacy_version else []
    for method, n in plan:
        results["methods"].setdefault(method, {})[str(n)] = in_subprocess(__file__, method, n)
    if not spacy_version:
        results["spacy_note"] = "spaCy is not installed (pip install -e '.[bench]'): no spaCy baseline."
    else:
        results["spacy_note"] = (f"spaCy measured at {', '.join(map(str, SPACY_SIZES))} paragraphs only "
                                 "(too slow at 1M).")
    results["ratios"] = _ratios(results["methods"])
    results["seconds_total"] = round(time.perf_counter() - started, 1)
    results["within_budget"] = results["seconds_total"] <= BUDGET_SECONDS
    return results


def _ratios(methods: dict) -> dict:
    ratios = {}
    for baseline in ("python_re", "spacy"):
        for size, measured in methods.get(baseline, {}).items():
            ours = methods["themes"].get(size)
            if ours and measured.get("mb_per_s"):
                ratios[f"themes_over_{baseline}_at_{size}"] = round(ours["mb_per_s"] / measured["mb_per_s"], 1)
    return ratios


def _measure(method: str, n: int) -> dict:
    from workbench.analysis.synthetic import synthetic_paragraphs
    from workbench.analysis.themes import load_lexicon, tag_themes

    frame = synthetic_paragraphs(n)
    megabytes = frame["text"].str.len_bytes().sum() / 1e6
    lexicon = load_lexicon(with_user=False)
    corpus_rss = peak_rss_mb()
    if method == "themes":
        action = _themes(frame, lexicon, tag_themes)
    elif method == "python_re":
        action = _python_re(frame["text"].to_list(), lexicon)
    else:
        action = _spacy(frame["text"].to_list(), lexicon)
    action(frame.head(1000)) if method == "themes" else None  # warm the compiled-pattern cache
    times, found = [], 0
    for _ in range(REPEATS[n]):
        begun = time.perf_counter()
        found = action(frame) if method == "themes" else action()
        times.append(time.perf_counter() - begun)
    seconds = sorted(times)[len(times) // 2]
    return {"paragraphs": n, "megabytes": round(megabytes, 1), "seconds_median": round(seconds, 3),
            "mb_per_s": round(megabytes / seconds, 2), "matches": found, "repeats": REPEATS[n],
            "peak_rss_mb": round(peak_rss_mb(), 1), "corpus_rss_mb": round(corpus_rss, 1)}


def _themes(frame, lexicon, tag_themes):
    return lambda subset: tag_themes(subset, lexicon=lexicon).evidence.height


def _surface_forms(lexicon) -> dict[str, list[tuple[str, str]]]:
    from workbench.analysis.themes import inflect

    forms: dict[str, list[tuple[str, str]]] = {}
    for theme, subtheme, term, how in lexicon.select("theme", "subtheme", "term", "forms").iter_rows():
        for form in inflect(term, how):
            forms.setdefault(form.lower(), []).append((theme, subtheme))
    return forms


def _python_re(texts: list[str], lexicon):
    from workbench.analysis.themes import _compiled

    # The tagger's own trie, in Python's dialect: `(?-u:\b)` is Rust-only, and Python's \b is Unicode-aware.
    pattern = re.compile(_compiled(lexicon).pattern.replace(r"(?-u:\b)", r"\b"))
    meanings = {re.sub(r"[\W_]+", "", form): senses for form, senses in _surface_forms(lexicon).items()}

    def action() -> int:
        found = []
        for row, text in enumerate(texts):
            for match in pattern.finditer(text):
                for theme, subtheme in meanings.get(re.sub(r"[\W_]+", "", match.group().lower()), ()):
                    found.append((row, match.start(), match.end(), theme, subtheme))
        return len(found)

    return action


def _spacy(texts: list[str], lexicon):
    import spacy
    from spacy.matcher import PhraseMatcher

    nlp = spacy.blank("en")
    matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
    for form in _surface_forms(lexicon):
        if "{amount}" not in form:
            matcher.add(form, [nlp.make_doc(form)])

    def action() -> int:
        found = []
        for row, doc in enumerate(nlp.pipe(texts, batch_size=1000)):
            for _, start, end in matcher(doc):
                span = doc[start:end]
                found.append((row, span.start_char, span.end_char))
        return len(found)

    return action


if __name__ == "__main__":
    if len(sys.argv) == 3:
        print(json.dumps(_measure(sys.argv[1], int(sys.argv[2]))))
    else:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        print(json.dumps(run(), indent=2))
