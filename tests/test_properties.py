"""Property tests (hypothesis) for every parser that reads free text, and for the two CSV validators.

What holds for *any* input: no crash on arbitrary unicode (control characters, NUL, CRLF, RTL marks,
combining marks, emoji, huge numbers, nested currency signs); every span lies inside its text and
`text[start:end]` is the reported surface; spans come sorted and do not overlap where the API says so;
paragraphs map back onto the document exactly. What holds for *generated* input: an amount or a date written
from a known value parses back to that value; a catalog written from known rows reads back to those rows,
and a catalog or overlay with a defect fails with the project's own error, naming the line and column.

Existing properties elsewhere are not repeated: tests/test_text.py (paragraph and sentence spans on a small
alphabet), tests/test_analysis_extract.py (amount and date spans on a small alphabet),
tests/test_themes.py (evidence offsets, find_spans against `re` on a small alphabet) and
tests/test_datasets_schema_props.py (the cell converters). The ones here widen the alphabet to all of
unicode and add round trips, ordering, the error contract and the defects they found (`@example`s).

Examples per property (the profiles below; `EXAMPLES` holds them and tests/conftest.py prints the total):
2000 where one example is pure Python (the splitters, read_text, the catalog reader, parse_published); 300
where each example runs polars scans (5-10 ms, almost all of it fixed cost), so each example is a batch of
up to 8-10 texts or generated cases in one frame, and 200 examples check about 1000 cases each; 250 where each example
assembles a dataset with its cross-table references or loads a corpus folder (10-30 ms); 25 for the whole analysis
with its claims checked against the record (~200 ms each). The file runs in about a minute on two cores.
Generation, not parsing, dominated the first version, so the strategies draw one byte string of choices
(`_Choices`, `_mixed`) instead of a dozen small draws, and files go to a RAM disk when there is one.

Reproducibility: every profile is derandomised (fixed seed per test, no example database), so CI runs the
same examples every time and a failure reproduces anywhere. The price is that CI never explores new ground;
set WORKBENCH_PROPERTIES_EXPLORE=1 to draw fresh random examples locally when hunting for bugs.
`make check` (the inner loop) sets WORKBENCH_PROPERTIES_SCALE=0.2: a fifth of the examples (at least 10 per
property, the `@example`s always); `make test` runs them all.
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import io
import json
import math
import os
import re
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import polars as pl
import pytest
from conftest import examples
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from workbench import datasets
from workbench.analysis import Analysis, analyze_batch
from workbench.analysis.amounts import _CURRENCY_WORDS, _NUMBER_WORDS, _QUALIFIER_WORDS, QUALIFIERS, extract_amounts
from workbench.analysis.claims import Record
from workbench.analysis.dates import extract_dates
from workbench.analysis.entities import alias_table, extract_entities
from workbench.analysis.report import analysis_json
from workbench.analysis.scan import find_spans
from workbench.analysis.themes import THEMES, load_lexicon, tag_themes
from workbench.corpus import build_corpus, load_corpus
from workbench.corpus.catalog import (
    COLUMNS,
    EARLIEST_PUBLISHED,
    REQUIRED_COLUMNS,
    CatalogEntry,
    parse_published,
    read_catalog,
)
from workbench.corpus.reading import read_text
from workbench.corpus.spans import (
    PARAGRAPH_BREAK,
    paragraphs_of,
    sentences_of,
    split_paragraphs,
    split_sentences,
)
from workbench.datasets import curated
from workbench.datasets import registry as reg
from workbench.errors import CatalogError, DocumentError, UsageError, WorkbenchError

# --- settings ---------------------------------------------------------------------------------------------

_EXPLORE = os.environ.get("WORKBENCH_PROPERTIES_EXPLORE", "") not in ("", "0")
for _name, _examples in (("props-cheap", 2000), ("props-batch", 200), ("props-files", 250), ("props-slow", 25)):
    settings.register_profile(
        _name, max_examples=examples(_examples), deadline=None,
        derandomize=not _EXPLORE, database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large],
    )
# pure Python, well under a millisecond per example
CHEAP = settings.get_profile("props-cheap")
# polars scans (5-10 ms per example, nearly all fixed cost), so each example is a batch of up to 8-10 cases
BATCH = settings.get_profile("props-batch")
# a corpus folder loaded, or a dataset assembled with its cross-table references (10-30 ms)
FILES = settings.get_profile("props-files")
# the whole analysis (claims checked against the record: ~200 ms per example)
SLOW = settings.get_profile("props-slow")

# Filled by `_counted`: test name → examples configured (tests/conftest.py prints the total).
EXAMPLES: dict[str, int] = {}


def _counted(profile: settings) -> Callable[[Callable], Callable]:
    """Apply a profile and record how many examples it asks for."""
    def wrap(test: Callable) -> Callable:
        EXAMPLES[test.__name__] = profile.max_examples
        return profile(test)
    return wrap


TODAY = dt.date(2026, 11, 30)
# Catalog rows are generated up to this date and read against the real today (as load_corpus does), so the
# examples stay the same from day to day and the messages of read_catalog and load_corpus agree.
LATEST = dt.date(2025, 12, 31)
MONDAY = dt.date(2019, 7, 22)

# --- text strategies --------------------------------------------------------------------------------------

_ODD = ["\x00", "\r\n", "\r", "\n", "\n\n", "\r\n\r\n", "\n \t\n", "\u2028", "\u2029", "\x85", "\x1c", "\x1f",
        "\x0b", "\x0c", "\u00a0", "\u3000", "\u200b", "\u202e", "\u202c", "\u0301", "\u0645\u0644\u064a\u0627\u0631",
        "\u05e9\u05dc\u05d5\u05dd", "😀", "👩‍👩‍👧", "ﬁ", "İ", "ß", "\ufeff", "\t", " ", "  ", "٣", "１２"]
_NEWS = ["$", "€", "£", "¥", "US$", "C$", "USD", "EUR ", "1", "17", "999,999", "6.6", "999999999999999999999",
         "billion", "million", "bn", "m", "tn", "trillion", "dollars", "euros", "at least", "more than", "about",
         "up to", "a", "In", "February", "Feb.", "Nov.", "May", "29", "31", "July 22, 2019", "2019", "1800",
         "2019-07-22", "last year", "next month", "on Monday", "yesterday", "Microsoft Corp.", "Musk", "OpenAI",
         "AI", "board", "board of directors", "invested", "safety", "Acme Labs", "The", "Mr.", "J.", "U.S.", ".",
         "!", "?", "...", '"', "“", "”", "’", "(", ")", ",", "-", "—", "%"]
_PIECES = _NEWS + _ODD


def _mixed(choices: bytes, noise: str, pieces: list[str] = _PIECES) -> str:
    """Pieces picked by the bytes, each followed by one character of arbitrary unicode noise.

    Drawing one byte string instead of a list of pieces costs one draw instead of thirty: generation, not
    parsing, is what dominates these tests."""
    return "".join(pieces[b % len(pieces)] + noise[i:i + 1] for i, b in enumerate(choices)) + noise[len(choices):]


class _Choices:
    """Many small choices made from one drawn byte string: one draw where a sampled_from per choice would be
    a dozen (generation, not parsing, dominates these tests). Shrinking the bytes to zeros picks the first
    option everywhere."""

    def __init__(self, data: bytes) -> None:
        self._data, self._next = data or b"\x00", 0

    def __call__(self, options):
        byte = self._data[self._next % len(self._data)]
        self._next += 1
        return options[byte % len(options)]

    def recased(self, word: str) -> str:
        return self((str.lower, str.upper, str.title, str.capitalize))(word)

    def spaced(self, phrase: str) -> str:
        return self(_SPACE_RUNS).join(phrase.split(" "))


_choices = st.binary(min_size=24, max_size=24).map(_Choices)
_wide_choices = st.binary(min_size=96, max_size=96).map(_Choices)
_SPACE_RUNS = (" ", "  ", "\u00a0", "\t", "\n", " \r\n ")


# prose-like text made of the pieces the parsers look for, glued together with unicode oddities
news_text = st.builds(_mixed, st.binary(max_size=30), st.text(max_size=30))
any_text = st.one_of(st.text(max_size=120), news_text)
paragraph_texts = st.lists(st.one_of(any_text, st.none()), min_size=1, max_size=8)


# Examples that write files write them to RAM when the machine has a RAM disk: on this project's machines a
# small file written and read on / costs ~1.7 ms, on /dev/shm ~0.05 ms, and generation is the rest.
_RAM = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None


@contextmanager
def _scratch() -> Iterator[Path]:
    """A fresh folder for one example (in RAM when there is one: see `_RAM`)."""
    with tempfile.TemporaryDirectory(prefix="props_", dir=_RAM) as folder:
        yield Path(folder)


@pytest.fixture
def scratch() -> Iterator[Path]:
    """One folder for all the examples of a test (each example overwrites its files)."""
    with _scratch() as folder:
        yield folder


def _frame(texts: list[str | None]) -> pl.DataFrame:
    return pl.DataFrame({"doc_id": ["d"] * len(texts), "paragraph": list(range(1, len(texts) + 1)), "text": texts},
                        schema={"doc_id": pl.String, "paragraph": pl.Int64, "text": pl.String})


def _assert_spans(texts: list[str | None], found: pl.DataFrame, *, disjoint: bool = True) -> None:
    """Every span inside its paragraph, `text[start:end] == text`, rows sorted by (paragraph, start)."""
    keys = found.select("paragraph", "start").rows()
    assert keys == sorted(keys)
    previous: tuple[int, int] = (0, 0)  # (paragraph, end)
    for row in found.iter_rows(named=True):
        text = texts[row["paragraph"] - 1] or ""
        assert 0 <= row["start"] < row["end"] <= len(text), row
        assert text[row["start"]:row["end"]] == row["text"], row
        if disjoint and previous[0] == row["paragraph"]:
            assert previous[1] <= row["start"], row
        previous = (row["paragraph"], row["end"])


# --- paragraphs and sentences (workbench/corpus/, analysis/scan.py) -----------------------------------------

@_counted(CHEAP)
@given(any_text)
@example("a\r\n\r\nb\rc\n\x0b\nd\u2028\u2028e\n\u3000\n\x00")
def test_paragraphs_of_any_text_map_back_exactly(text: str) -> None:
    spans = split_paragraphs(text)
    position = 0
    for span in spans:
        assert position <= span.start < span.end <= len(text)
        assert text[span.start:span.end] == span.text
        assert not span.text[0].isspace() and not span.text[-1].isspace()
        assert not PARAGRAPH_BREAK.search(span.text)  # a paragraph holds no blank line
        gap = text[position:span.start]
        assert gap.strip() == "" and (position == 0 or PARAGRAPH_BREAK.search(gap))
        position = span.end
    assert text[position:].strip() == ""


_INLINE = [piece for piece in _PIECES if "\n" not in piece and "\r" not in piece]
_BREAKS = ["\n\n", "\r\n\r\n", "\n \t\n", "\n\n\n\n", "\r\n\t\r\n\r\n", "\n\r\n"]
_EDGES = ["", "\n", "\r\n\r\n", " \t", "\u00a0\n\n", "\u3000"]


def _document(choices: bytes, noise: str) -> tuple[str, list[str], list[str]]:
    """(text, paragraphs, gaps) from one byte string: pieces and line breaks make paragraphs (stripped, never
    holding a blank line), separated by blank-line breaks; gaps[0] is the lead, gaps[-1] the tail."""
    pick = _Choices(choices)
    paragraphs, gaps, current = [], [pick(_EDGES)], []
    for i, byte in enumerate([*choices, 0]):
        if byte % 11 == 0:
            paragraph = PARAGRAPH_BREAK.sub("\n", "".join(current)).strip()
            if paragraph:
                paragraphs.append(paragraph)
                gaps.append("")
            gaps[-1] += pick(_BREAKS) if i < len(choices) else pick(_EDGES)
            current = []
        else:
            current.append((pick(("\n", "\r\n")) if byte % 11 == 1 else _INLINE[byte % len(_INLINE)]) + noise[i:i + 1])
    return "".join(gap + paragraph for gap, paragraph in zip(gaps, paragraphs)) + gaps[-1], paragraphs, gaps


@_counted(CHEAP)
@given(st.builds(_document, st.binary(max_size=40), st.text(max_size=40)))
def test_paragraphs_joined_by_blank_lines_split_back_to_themselves(document) -> None:
    text, paragraphs, gaps = document
    spans = split_paragraphs(text)
    assert [span.text for span in spans] == paragraphs
    # the offsets give back exactly the separators the document was written with
    ends = [0, *(span.end for span in spans)]
    starts = [*(span.start for span in spans), len(text)]
    assert [text[end:start] for end, start in zip(ends, starts)] == gaps


@_counted(CHEAP)
@given(any_text)
@example('He said “Stop.” Then\u2028He left. Mr. X. Smith paid $6.6 billion! ¿Why? \x00 A.')
def test_sentences_of_any_text_are_exact_trimmed_and_cover_the_text(text: str) -> None:
    spans = split_sentences(text)
    position = 0
    for span in spans:
        assert position <= span.start < span.end <= len(text)
        assert text[span.start:span.end] == span.text
        assert span.text == span.text.strip()
        assert text[position:span.start].strip() == ""
        position = span.end
    assert text[position:].strip() == ""


@_counted(BATCH)
@given(paragraph_texts)
@example(["a.\x1c B", "x. \x1fC", "\x1d", "q.\x1e\x1eZ"])  # isspace() counts \x1c-\x1f (Rust's strip did not)
@example(["It ended.", "\x00Then J. Smith left.\x00", "\x00\n\nB. Next", None, "etc.", "\x00 C.\n \n", " "])
def test_a_column_is_cut_as_if_each_text_were_alone(texts: list[str | None]) -> None:
    """paragraphs_of and sentences_of cut a column in one scan of its texts joined by NUL (texts may hold NUL too):
    each text's spans are those of the text alone, paragraphs numbered per text and sentences per document."""
    documents = pl.DataFrame({"doc_id": [f"d{i}" for i in range(len(texts))], "text": texts},
                             schema={"doc_id": pl.String, "text": pl.String})
    assert paragraphs_of(documents).rows() == [
        (f"d{i}", number, span.start, span.end, span.text) for i, text in enumerate(texts)
        for number, span in enumerate(split_paragraphs(text or ""), start=1)]
    paragraphs = _frame(texts).with_columns(doc_id=pl.format("d{}", pl.col("paragraph") // 3))  # 3 to a document
    expected, numbers = [], {}
    for number, text in enumerate(texts, start=1):
        for span in split_sentences(text or ""):
            doc_id = f"d{number // 3}"
            numbers[doc_id] = numbers.get(doc_id, 0) + 1
            expected.append((doc_id, number, numbers[doc_id], span.start, span.end, span.text))
    assert sentences_of(paragraphs).rows() == expected


# Rust regex syntax; each has an ASCII word boundary at an edge, where context matters.
_RUST_PATTERNS = [r"a|(?-u:\b)bc|c", r"ab(?-u:\b)|b", r"(?-u:\b)[0-9]+(?:,[0-9]{3})*(?-u:\b)", r"x+y?|(?-u:\b)y"]


@_counted(BATCH)
@given(st.lists(st.text(alphabet=st.sampled_from(list("abcxy019, .\x00\r\néж😀\u0301\u202e")), max_size=40),
                max_size=10), st.sampled_from(_RUST_PATTERNS))
@example(["abc"], r"a|(?-u:\b)bc|c")  # was reported as 'bc' at 1: the boundary before 'b' seen without the 'a'
@example(["abc"], r"ab(?-u:\b)|b")  # was reported as 'ab' at 0: the boundary after 'b' seen without the 'c'
def test_find_spans_reports_exactly_the_matches_of_the_pattern(texts: list[str], pattern: str) -> None:
    python = re.compile(pattern.replace("(?-u:\\b)", r"\b"), re.ASCII)
    expected = [(row, m.start(), m.end(), m.group()) for row, text in enumerate(texts) for m in python.finditer(text)]
    assert find_spans(pl.Series(texts, dtype=pl.String), pattern).rows() == expected


@_counted(CHEAP)
@given(st.one_of(st.binary(max_size=200), any_text.map(lambda text: text.encode("utf-8", "surrogatepass"))))
@example(b"\xef\xbb\xbf")
@example(b"\xef\xbb\xbf\x00")
@example("caf\u00e9".encode("cp1252"))
def test_read_text_returns_the_decoded_text_or_a_document_error(scratch: Path, raw: bytes) -> None:
    path = scratch / "article.txt"
    path.write_bytes(raw)
    try:
        text = read_text(path)
    except DocumentError as error:
        assert str(path) in str(error) and "Fix:" in str(error)
        return
    body = raw.removeprefix(b"\xef\xbb\xbf")
    assert text == body.decode("utf-8") and "\x00" not in text and body.strip()


@_counted(BATCH)
@given(st.lists(any_text, min_size=1, max_size=6))
def test_corpus_offsets_map_paragraphs_and_sentences_back_onto_the_document(texts: list[str]) -> None:
    corpus = build_corpus([(CatalogEntry(doc_id=f"d{i}", file=f"d{i}.txt"), text) for i, text in enumerate(texts)])
    documents = dict(corpus.documents.select("doc_id", "text").iter_rows())
    for row in corpus.paragraphs.iter_rows(named=True):
        assert documents[row["doc_id"]][row["start"]:row["end"]] == row["text"]
    for _, sentences in corpus.sentences.group_by("doc_id", maintain_order=True):
        assert sentences["sentence"].to_list() == list(range(1, sentences.height + 1))
    for row in corpus.sentences.iter_rows(named=True):
        paragraph = corpus.paragraphs.filter((pl.col("doc_id") == row["doc_id"])
                                             & (pl.col("paragraph") == row["paragraph"])).row(0, named=True)
        assert documents[row["doc_id"]][row["start"]:row["end"]] == row["text"]
        assert row["start"] == paragraph["start"] + row["paragraph_start"]
        assert paragraph["start"] <= row["start"] < row["end"] <= paragraph["end"]
    counts = corpus.documents.select("doc_id", "n_paragraphs").rows()
    assert counts == [(f"d{i}", len(split_paragraphs(text))) for i, text in enumerate(texts)]


# --- amounts (workbench/analysis/amounts.py) ------------------------------------------------------------

_CURRENCIES = {"USD", "EUR", "GBP", "JPY", "CAD", "AUD"}


@_counted(BATCH)
@given(paragraph_texts)
@example(["$999999999999999999999 trillion", "$$$1 billion", "€$£¥5 million", "US$US$3bn", "$1\u0301 billion"])
@example(["$" + "9" * 400 + " trillion", "$١٢٣ million", "\u202e$5 million\u202c", "$5over $3m"])
def test_amounts_in_any_text_are_exact_spans_with_a_finite_value(texts: list[str | None]) -> None:
    found = extract_amounts(_frame(texts))
    _assert_spans(texts, found)
    for row in found.iter_rows(named=True):
        assert row["value"] is not None and math.isfinite(row["value"]) and row["value"] >= 0, row
        assert row["currency"] in _CURRENCIES and row["qualifier"] in QUALIFIERS, row
    json.dumps(found.to_dicts(), allow_nan=False)  # what `workbench analyze` prints must be strict JSON


_SYMBOLS = [("$", "USD"), ("US$", "USD"), ("USD", "USD"), ("USD ", "USD"), ("usd", "USD"), ("€", "EUR"),
            ("EUR ", "EUR"), ("£", "GBP"), ("GBP", "GBP"), ("¥", "JPY"), ("JPY ", "JPY"), ("C$", "CAD"),
            ("A$", "AUD")]
_SYMBOL_SCALES = [("", 1.0), (" thousand", 1e3), ("k", 1e3), (" million", 1e6), ("million", 1e6),
                  ("-million", 1e6), ("m", 1e6), ("mn", 1e6), (" mln", 1e6), (" billion", 1e9), ("bn", 1e9),
                  (" bn", 1e9), ("B", 1e9), (" trillion", 1e12), ("tn", 1e12), ("T", 1e12)]
_WORD_SCALES = [("", 1.0), (" thousand", 1e3), (" million", 1e6), ("-million", 1e6), ("billion", 1e9),
                (" billion", 1e9), (" trillion", 1e12)]
_LEFT = ["", "They said ", "Microsoft will invest ", "(", "— ", "“", "中文 ", "\u202e", "Ünïcödé: ", "\x00",
         "\r\n", "😀 ", "In 2019, "]
_RIGHT = ["", ".", " in 2019.", ", said Musk.", "!", ")", "”", " 😀", "\u0301", "\x00", "\r\n"]


_QUALIFIER_FORMS = ("", *_QUALIFIER_WORDS)
_FRACTIONS = ("", "5", "25", "0", "999", "0001")
_NUMBER_FORMS = tuple(sorted(_NUMBER_WORDS))
_CURRENCY_FORMS = tuple(sorted(_CURRENCY_WORDS))


@st.composite
def written_amounts(draw) -> tuple[str, str, float, str, str]:
    """(text, surface, value, currency, qualifier): an amount written from a known value, in context."""
    pick = draw(_choices)
    integer = draw(st.integers(0, 10**21))
    qualifier_word = pick(_QUALIFIER_FORMS)
    qualifier = _QUALIFIER_WORDS.get(qualifier_word, "exact")
    lead = pick.spaced(pick.recased(qualifier_word)) + pick(_SPACE_RUNS) if qualifier_word else ""
    fraction = pick(_FRACTIONS)
    number = (f"{integer:,}" if pick((True, False)) else str(integer)) + (f".{fraction}" if fraction else "")
    number_value = float(f"{integer}.{fraction or '0'}")
    junk = ""
    if pick((True, False)):
        symbol, currency = pick(_SYMBOLS)
        scale_text, scale = pick(_SYMBOL_SCALES)
        body = f"{pick.recased(symbol)}{number}{pick.recased(scale_text)}"
        junk = "".join(pick(("", "$", "€", "£", "¥")) for _ in range(3))  # nested currency signs before it
    else:
        if pick((True, False)):
            number = pick.recased(pick(_NUMBER_FORMS))
            number_value = float(_NUMBER_WORDS[number.lower()])
        scale_text, scale = pick(_WORD_SCALES)
        word = pick(_CURRENCY_FORMS)
        currency = _CURRENCY_WORDS[word]
        body = f"{number}{pick.recased(scale_text)}{pick(_SPACE_RUNS)}{pick.spaced(pick.recased(word))}"
    surface = lead + body
    text = pick(_LEFT) + junk + surface + pick(_RIGHT)
    return text, surface, number_value * scale, currency, qualifier


@_counted(BATCH)
@given(st.lists(written_amounts(), min_size=1, max_size=10))
@example([("a $999999999999999999999 trillion deal", "$999999999999999999999 trillion", 999999999999999999999e12,
           "USD", "exact")])
@example([("€$£at least US$1,000.5bn", "at least US$1,000.5bn", 1000.5e9, "USD", "at_least")])
def test_amounts_written_from_a_value_parse_back_to_it(cases: list[tuple[str, str, float, str, str]]) -> None:
    texts = [text for text, *_ in cases]
    found = extract_amounts(_frame(texts))
    assert found.height == len(cases), found
    for row, (text, surface, value, currency, qualifier) in zip(found.iter_rows(named=True), cases):
        assert row["text"] == surface and text[row["start"]:row["end"]] == surface
        assert row["value"] == value and row["currency"] == currency and row["qualifier"] == qualifier, row


# --- dates (workbench/analysis/dates.py) ------------------------------------------------------------------

published_dates = st.dates(min_value=EARLIEST_PUBLISHED, max_value=dt.date(2100, 12, 31))
_PRECISION_FORMAT = {"year": r"\d{4}", "month": r"\d{4}-\d{2}", "day": r"\d{4}-\d{2}-\d{2}"}


@_counted(BATCH)
@given(paragraph_texts, published_dates)
@example(["Nov. 31", "Feb. 29", "Feb. 30, 2019", "31 February 2019", "2019-02-30", "June 31"], MONDAY)
@example(["In February 1800, yesterday, last month", "on Monday"], EARLIEST_PUBLISHED)
def test_dates_in_any_text_are_exact_spans_with_a_real_value(texts: list[str | None], published) -> None:
    """Read once without and once with a publication date: only the values may differ ("Nov. 31" was an
    unresolved day without one, and dropped with one; "Feb. 29" was dropped in every non-leap year)."""
    found = {day: extract_dates(_frame(texts), published=day) for day in (None, published)}
    assert found[None].select("paragraph", "start", "end").rows() == found[published].select(
        "paragraph", "start", "end").rows()
    for day, dates in found.items():
        _assert_spans(texts, dates)
        for row in dates.iter_rows(named=True):
            assert row["precision"] in _PRECISION_FORMAT, row
            if row["value"] is None:
                assert row["relative"] and day is None and "unresolved" in row["note"], row
                continue
            assert re.fullmatch(_PRECISION_FORMAT[row["precision"]], row["value"]), row
            dt.date.fromisoformat((row["value"] + "-01-01")[:10])  # a real calendar date
            assert (row["note"] is not None) == row["relative"], row


_DATE_LEFT = ["", "On ", "It was announced ", "(", "“", "中文 ", "\u202e", "\r\n", "The deal, "]
_DATE_RIGHT = ["", ".", ",", " when", ")", "”", "\x00", " 😀"]


def _ordinal(day: int) -> str:
    return {1: "st", 2: "nd", 3: "rd", 21: "st", 22: "nd", 23: "rd", 31: "st"}.get(day, "th")


def _month_names(month: int) -> list[str]:
    full, short = calendar.month_name[month], calendar.month_abbr[month]
    return [full] + ([f"{short}.", short] if full != short else []) + (["Sept."] if month == 9 else [])


@st.composite
def written_absolute_dates(draw) -> tuple[str, str, str, str]:
    """(text, surface, value, precision) for a date written from a known day in one of the usual forms."""
    day = draw(st.dates(min_value=dt.date(1800, 1, 1), max_value=dt.date(2099, 12, 31)))
    pick = draw(_choices)
    month = pick(_month_names(day.month))
    number = pick([str(day.day), f"{day.day}{_ordinal(day.day)}"] + ([f"0{day.day}"] if day.day < 10 else []))
    forms = [
        (day.isoformat(), day.isoformat(), "day"),
        (f"{month} {number}, {day.year}", day.isoformat(), "day"),
        (f"{month} {number} {day.year}", day.isoformat(), "day"),
        (f"{number} {month} {day.year}", day.isoformat(), "day"),
        (f"{month} {day.year}", f"{day.year}-{day.month:02d}", "month"),
        (f"{pick(['In', 'in', 'Since', 'by', 'until', 'from'])} {month} {day.year}", f"{day.year}-{day.month:02d}",
         "month"),
        (str(day.year), str(day.year), "year"),
        (f"{pick(['early', 'Late', 'mid'])} {day.year}", str(day.year), "year"),
    ]
    surface, value, precision = pick(forms)
    return pick(_DATE_LEFT) + surface + pick(_DATE_RIGHT), surface, value, precision


@_counted(BATCH)
@given(st.lists(written_absolute_dates(), min_size=1, max_size=10), st.one_of(st.none(), published_dates))
def test_dates_written_from_a_day_parse_back_to_it(cases, published) -> None:
    found = extract_dates(_frame([text for text, *_ in cases]), published=published)
    assert found.height == len(cases), found
    for row, (text, surface, value, precision) in zip(found.iter_rows(named=True), cases):
        assert row["text"] == surface and text[row["start"]:row["end"]] == surface
        assert (row["value"], row["precision"], row["relative"]) == (value, precision, False), row


_WEEKDAYS = list(calendar.day_name)


def _most_recent(published: dt.date, month: int, day: int) -> dt.date:
    """The latest date with this month and day, not after `published` (Feb 29 looks back to a leap year)."""
    year = published.year
    while True:
        try:
            candidate = dt.date(year, month, day)
        except ValueError:
            year -= 1
            continue
        if candidate <= published:
            return candidate
        year -= 1


@st.composite
def written_relative_dates(draw, published: dt.date) -> tuple[str, str, str]:
    """(surface, value, precision) of a relative expression, resolved by hand against `published`."""
    pick = draw(_choices)
    kind = pick(["year", "month", "yesterday", "weekday", "month_day", "bare_month"])
    if kind == "year":
        word, shift = pick([("last", -1), ("Last", -1), ("past", -1), ("this", 0), ("earlier this", 0),
                            ("Later this", 0), ("next", 1)])
        return f"{word} year", f"{published.year + shift:04d}", "year"
    if kind == "month":
        word, shift = pick([("last", -1), ("this", 0), ("Next", 1)])
        index = published.year * 12 + published.month - 1 + shift
        return f"{word} month", f"{index // 12:04d}-{index % 12 + 1:02d}", "month"
    if kind == "yesterday":
        return pick(["yesterday", "Yesterday"]), (published - dt.timedelta(1)).isoformat(), "day"
    if kind == "weekday":
        word = pick(["on", "On", "last", "this", "since"])
        weekday = pick(range(7))
        back = (published.weekday() - weekday) % 7 or (7 if word == "last" else 0)
        return f"{word} {_WEEKDAYS[weekday]}", (published - dt.timedelta(back)).isoformat(), "day"
    month = pick(range(1, 13))
    name = pick(_month_names(month))
    if kind == "month_day":
        day = pick(range(1, calendar.monthrange(2000, month)[1] + 1))  # 2000 is a leap year: Feb 29 included
        number = pick([str(day), f"{day}{_ordinal(day)}"])
        return f"{name} {number}", _most_recent(published, month, day).isoformat(), "day"
    word = pick(["In", "in", "Since", "by", "until", "from", "last", "this", "early", "In late"])
    year = published.year if month <= published.month else published.year - 1
    if word == "last" and month == published.month:
        year -= 1
    return f"{word} {name}", f"{year:04d}-{month:02d}", "month"


@_counted(BATCH)
@given(st.data(), published_dates)
@example(None, MONDAY).via("regression: Feb. 29 in a non-leap year resolves to the last leap year")
def test_relative_dates_resolve_against_the_publication_date(data, published) -> None:
    if data is None:  # the regression example: explicit cases
        cases = [("Feb. 29", "2016-02-29", "day"), ("Nov. 17", "2018-11-17", "day"), ("on Monday", "2019-07-22", "day"),
                 ("last Monday", "2019-07-15", "day"), ("In February", "2019-02", "month"),
                 ("last year", "2018", "year")]
    else:
        cases = data.draw(st.lists(written_relative_dates(published), min_size=1, max_size=10))
    texts = [left + surface + "; " for left, (surface, *_) in zip(["", "(", "It was "] * 4, cases)]
    found = extract_dates(_frame(texts), published=published)
    assert found.height == len(cases), found
    for row, (surface, value, precision) in zip(found.iter_rows(named=True), cases):
        assert (row["text"], row["value"], row["precision"], row["relative"]) == (surface, value, precision, True)
    unresolved = extract_dates(_frame(texts))
    assert unresolved["value"].is_null().all() and unresolved["text"].to_list() == found["text"].to_list()


# --- entities and themes (workbench/analysis/entities.py, themes.py) ------------------------------------------

_ENTITIES = datasets.load("entities", with_user=False)  # the shipped table: a local overlay changes nothing
_ALIASES = alias_table(_ENTITIES)
_SURFACES = sorted(zip(_ALIASES["surface"].to_list(), _ALIASES["canonical"].to_list(), _ALIASES["label"].to_list()))


@_counted(BATCH)
@given(paragraph_texts)
@example(["The Acme Robotics Inc. and Microsoft Corp. met Musk\x00OpenAI, Inc.\u202eAWS"])
def test_entities_in_any_text_are_exact_disjoint_spans(texts: list[str | None]) -> None:
    found = extract_entities(_frame(texts), _ENTITIES)
    _assert_spans(texts, found)
    canonical = set(_ALIASES["canonical"].to_list())
    for row in found.iter_rows(named=True):
        assert row["label"] in ("ORG", "PERSON")
        assert (row["canonical"] is not None) == row["in_record"], row
        assert row["canonical"] is None or row["canonical"] in canonical


@_counted(BATCH)
@given(st.lists(st.tuples(st.sampled_from(["", "They met ", "“", "(", "中文 ", "\r\n", "\u202e"]),
                          st.sampled_from(_SURFACES), st.sampled_from([" said", ";", "\n", " 😀", "”", ""])),
                min_size=1, max_size=10))
def test_known_actors_resolve_to_their_canonical_name(cases) -> None:
    texts = [left + surface + right for left, (surface, _, _), right in cases]
    found = extract_entities(_frame(texts), _ENTITIES).filter(pl.col("in_record"))
    for number, (left, (surface, canonical, label), _) in enumerate(cases, start=1):
        rows = found.filter(pl.col("paragraph") == number).rows(named=True)
        assert [(r["text"], r["canonical"], r["label"], r["start"]) for r in rows] == [
            (surface, canonical, label, len(left))]


_LEXICON = load_lexicon(with_user=False)


@_counted(BATCH)
@given(paragraph_texts)
@example(["AI board of\u00a0directors on board\x00invested $5 billion\u202e in AI safety", "Ai Weiwei’s board"])
def test_theme_evidence_on_any_text_is_exact_disjoint_and_explains_the_labels(texts: list[str | None]) -> None:
    tags = tag_themes(_frame(texts), lexicon=_LEXICON)
    evidence = tags.evidence.rename({"term": "text"})
    spans = evidence.unique(["paragraph", "start", "end"], maintain_order=True)  # one span, several sub-themes
    _assert_spans(texts, spans)
    assert evidence.height == evidence.unique().height
    for number, themes, subthemes in tags.labels.select("paragraph", "themes", "subthemes").iter_rows():
        mine = evidence.filter(pl.col("paragraph") == number)
        assert themes == [theme for theme in THEMES if theme in set(mine["theme"])]
        assert set(subthemes) == set(mine["subtheme"])


# --- the whole analysis, as `workbench analyze` prints it ---------------------------------------------------

_RECORD = None


def _record() -> Record:
    global _RECORD
    _RECORD = _RECORD or Record.load()
    return _RECORD


@_counted(SLOW)
@given(st.lists(any_text, min_size=1, max_size=6), st.one_of(st.none(), published_dates))
@example(["Microsoft will invest $" + "9" * 400 + " trillion in OpenAI on Feb. 29.", "Musk said last year."], MONDAY)
def test_the_analysis_of_any_text_has_exact_offsets_and_is_strict_json(texts: list[str], published) -> None:
    """Claims are checked against the record for whatever the extractors found; ~200 ms an example."""
    analysis = analyze_batch(_frame(texts).with_columns(published=pl.lit(published, dtype=pl.Date)), _record())
    for name in ("entities", "amounts", "dates"):
        _assert_spans(texts, analysis[name])
    for row in analysis["sentences"].iter_rows(named=True):
        assert texts[row["paragraph"] - 1][row["paragraph_start"]:row["paragraph_end"]] == row["text"]
    for row in analysis["claims"].iter_rows(named=True):
        assert row["text"] in texts[row["paragraph"] - 1]
    documents = pl.DataFrame({"doc_id": ["d"], "file": ["d.txt"], "published": [published]},
                             schema={"doc_id": pl.String, "file": pl.String, "published": pl.Date})
    json.dumps(analysis_json(Analysis(documents=documents, **analysis)), allow_nan=False, default=str)


# --- the catalog (workbench/corpus/catalog.py, corpus.load_corpus) -----------------------------------------

_cell = st.text(st.characters(exclude_categories=("Cs",)), max_size=80)


def _catalog(pick: _Choices, text: str) -> tuple[list[str], list[dict[str, str]], str]:
    """A header (required columns, some optional ones, any order), valid rows with distinct doc_ids, a line end.

    Everything comes from one byte string and one text (two draws, where drawing each cell would be thirty):
    free-text cells (title, publisher, ...) are cut from the text, so they hold any unicode, commas, quotes
    and line breaks, and stripping them is left to the reader."""
    optional = [name for name in COLUMNS[len(REQUIRED_COLUMNS):] if pick((True, False))]
    header = sorted([*REQUIRED_COLUMNS, *optional], key=lambda name: pick(range(256)))  # any order
    rows, ids = [], set()
    span = LATEST.toordinal() - EARLIEST_PUBLISHED.toordinal() + 1
    for number in range(pick(range(6))):
        doc_id = pick("abcxyz019") + "".join(pick("abcxyz019._-") for _ in range(pick(range(8))))
        while doc_id in ids:
            doc_id += f"-{number}"
        ids.add(doc_id)
        cuts = sorted(pick(range(len(text) + 1)) for _ in range(4))
        row = dict(zip(("title", "publisher", "author", "url", "notes"),
                       (text[a:b] for a, b in zip([0, *cuts], [*cuts, len(text)]))))
        day = dt.date.fromordinal(EARLIEST_PUBLISHED.toordinal() + (pick(range(256)) * 256 + pick(range(256))) % span)
        row.update(doc_id=doc_id, file=doc_id + pick([".txt", ".md", ".TXT"]),
                   published=pick(["", day.isoformat()]), language=pick(["", "en", "de", " fr "]),
                   syndicated_urls=";".join(part for part in row["notes"].split(";")[:3]))
        rows.append({name: row[name] for name in header})
    return list(header), rows, pick(["\n", "\r\n"])


catalogs = st.builds(_catalog, st.binary(min_size=160, max_size=160).map(_Choices), st.text(
    st.characters(exclude_categories=("Cs",)), max_size=200))


def _write_catalog(path: Path, header: list[str], rows: list[list[str]], terminator: str = "\n") -> list[int]:
    """Write the CSV; returns the physical line on which each row starts.

    csv.writer quotes a cell holding a character of its line terminator: with "\n" a lone "\r" would go out
    unquoted and end the row early, so that case quotes every cell (a writer's limit, not the reader's)."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator=terminator,
                        quoting=csv.QUOTE_ALL if terminator == "\n" else csv.QUOTE_MINIMAL)
    writer.writerow(header)
    starts = []
    for row in rows:
        starts.append(len(io.StringIO(buffer.getvalue(), newline="").readlines()) + 1)
        writer.writerow(row)
    path.write_text(buffer.getvalue(), encoding="utf-8", newline="")
    return starts


@_counted(CHEAP)
@given(catalogs)
@example((list(REQUIRED_COLUMNS), [dict(zip(REQUIRED_COLUMNS, ["a", "a.txt", "line one\nline two\r\nthree", "P",
                                                               "A", "2019-07-22", "u", "en"]))], "\r\n"))
def test_valid_catalog_rows_read_back_to_themselves(scratch: Path, catalog) -> None:
    header, rows, terminator = catalog
    starts = _write_catalog(scratch / "catalog.csv", header, [[row[name] for name in header] for row in rows],
                            terminator)
    entries, problems = read_catalog(scratch / "catalog.csv", today=dt.date.today())
    assert problems == []
    assert [entry.line for entry in entries] == starts
    for entry, row in zip(entries, rows, strict=True):
        cell = {name: row.get(name, "").strip() for name in COLUMNS}
        assert (entry.doc_id, entry.file, entry.title, entry.publisher, entry.author, entry.url, entry.notes) == (
            cell["doc_id"], cell["file"], cell["title"], cell["publisher"], cell["author"], cell["url"], cell["notes"])
        assert entry.published == (dt.date.fromisoformat(cell["published"]) if cell["published"] else None)
        assert entry.language == (cell["language"] or "en")
        assert entry.syndicated_urls == tuple(u.strip() for u in cell["syndicated_urls"].split(";") if u.strip())
        assert entry.missing == tuple(name for name in ("title", "publisher", "author", "published", "url")
                                      if not cell[name])


# (column, bad value): each makes a row invalid on its own
_BAD_CELLS = [
    ("doc_id", ""), ("doc_id", "Upper-Case"), ("doc_id", "-leading-dash"), ("doc_id", "with space"), ("doc_id", "é"),
    ("file", ""), ("file", "../escape.txt"), ("file", "sub/dir.txt"), ("file", "article.pdf"), ("file", "noext"),
    ("published", "22/07/2019"), ("published", "2019-02-30"), ("published", "1799-12-31"), ("published", "2999-01-01"),
    ("published", "2019-7-22"), ("published", "٢٠١٩-٠٧-٢٢"), ("published", "yesterday"), ("published", "2019-13-01"),
]


@_counted(FILES)
@given(catalogs.filter(lambda c: c[1]), st.data())
@example((list(REQUIRED_COLUMNS), [dict(zip(REQUIRED_COLUMNS, ["a", "a.txt", "t\nt", "p", "au", "2019-07-22", "u",
                                                               "en"]))], "\n"), None)
def test_a_catalog_with_one_defect_fails_as_a_catalog_error_naming_it(catalog, data) -> None:
    header, rows, terminator = catalog
    cells = [[row[name] for name in header] for row in rows]
    if data is None:  # regression: a multi-line row's problem was reported on its last line, not its first
        defect, target = ("cell", ("published", "2019-02-30")), 0
    else:
        defect = data.draw(st.one_of(
            st.tuples(st.just("cell"), st.sampled_from(_BAD_CELLS)),
            st.tuples(st.just("duplicate_id"), st.none()),
            st.tuples(st.just("extra_cell"), _cell),
            st.tuples(st.just("unknown_column"), st.sampled_from(["Title", "date", "doi", " x "])),
            st.tuples(st.just("missing_column"), st.sampled_from(REQUIRED_COLUMNS)),
            st.tuples(st.just("repeated_column"), st.sampled_from(REQUIRED_COLUMNS)),
        ))
        target = data.draw(st.integers(0, len(rows) - 1))
    kind, detail = defect
    expected_column: str | None = None
    if kind == "cell":
        expected_column, value = detail
        cells[target][header.index(expected_column)] = value
    elif kind == "duplicate_id":
        if len(rows) < 2:
            cells.append(list(cells[0]))
            target = len(cells) - 1
        else:
            target = max(target, 1)
            cells[target][header.index("doc_id")] = cells[0][header.index("doc_id")]
            cells[target][header.index("file")] = cells[0][header.index("file")]
        expected_column = "doc_id"
    elif kind == "extra_cell":
        cells[target].append(detail)
    else:
        target = None
        if kind == "unknown_column":
            header = [*header, detail]
            cells = [[*row, ""] for row in cells]
        elif kind == "missing_column":
            index = header.index(detail)
            header = header[:index] + header[index + 1:]
            cells = [row[:index] + row[index + 1:] for row in cells]
        else:
            header = [*header, detail]
            cells = [[*row, row[header.index(detail)]] for row in cells]
    with _scratch() as folder:
        starts = _write_catalog(folder / "catalog.csv", header, cells, terminator)
        for row in cells:  # every article the rows name exists, so only the defect is wrong
            file_name = row[header.index("file")] if "file" in header and len(row) > header.index("file") else ""
            if file_name and "/" not in file_name and file_name not in ("..", "."):
                (folder / file_name).write_text("Text.", encoding="utf-8")
        _, problems = read_catalog(folder / "catalog.csv", today=dt.date.today())
        with pytest.raises(CatalogError) as raised:
            load_corpus(folder)
    places = [(p.line, p.column) for p in problems]
    assert problems and all(p.fix for p in problems)
    if target is None:
        assert (1, None) in places
    else:
        assert (starts[target], expected_column) in places, (places, starts)
    assert all(str(problem) in str(raised.value) for problem in problems)


def _junk_table(pick: _Choices, junk: str, names: list[str], plausible: list[str], *, width: int) -> list[list[str]]:
    """Rows of cells: a known name or a plausible value, or a slice of arbitrary unicode (quotes, commas,
    line breaks, NUL), with rows a cell short or long now and then."""
    def cell(options: list[str]) -> str:
        if pick((True, False)):
            return pick(options)
        start, stop = sorted((pick(range(len(junk) + 1)), pick(range(len(junk) + 1))))
        return junk[start:stop]

    header = [cell(names) for _ in range(width)]
    return [header] + [[cell(plausible) for _ in range(max(0, width + pick((0, 0, 0, 1, -1))))]
                       for _ in range(pick(range(5)))]


_CATALOG_VALUES = [*COLUMNS, "", "2019-07-22", "2019-02-30", "a.txt", "doc", "../x.txt"]
_junk_csv = st.builds(lambda pick, junk: _junk_table(pick, junk, list(COLUMNS), _CATALOG_VALUES,
                                                     width=pick(range(12))), _wide_choices, _cell)


@_counted(FILES)
@given(st.one_of(st.binary(max_size=300), _junk_csv.map(lambda rows: "\n".join(",".join(r) for r in rows).encode()),
                 st.builds(lambda body: (",".join(COLUMNS) + "\n" + body).encode("utf-8", "surrogatepass"), any_text)))
@example(("doc_id,file,title,publisher,author,published,url,language\n" + 'a,a.txt,"' + "x" * 200_000).encode())
@example(b'doc_id,file,title,publisher,author,published,url,language\na,a.txt,"title,p,au,2019-07-22,u,en\n')
@example(b"doc_id,doc_id,file,title,publisher,author,published,url,language\nA,b,b.txt,t,p,au,2019-07-22,u,en\n")
@example(b"\xff\xfe" + "doc_id".encode("utf-16-le"))
def test_a_junk_catalog_is_a_catalog_error_never_a_raw_exception(raw: bytes) -> None:
    with _scratch() as folder:
        (folder / "catalog.csv").write_bytes(raw)
        entries, problems = read_catalog(folder / "catalog.csv", today=dt.date.today())
        assert all(isinstance(entry.doc_id, str) for entry in entries)
        try:
            load_corpus(folder)
        except CatalogError as error:
            assert error.problems and all(p.file for p in error.problems)
        else:
            assert problems == []


_SPACE = st.sampled_from(["", " ", "\t", "\n", "\u00a0", "\u3000"])


@_counted(CHEAP)
@given(st.one_of(st.dates(EARLIEST_PUBLISHED, TODAY).map(dt.date.isoformat), any_text,
                 st.builds("{}{:04d}-{:02d}-{:02d}{}".format, _SPACE, st.integers(0, 9999), st.integers(0, 99),
                           st.integers(0, 99), _SPACE)))
@example("٢٠١٩-٠٧-٢٢")
@example("0000-01-01")
@example("9999-12-31")
def test_parse_published_accepts_exactly_real_iso_days_up_to_today(value: str) -> None:
    try:
        day = parse_published(value, where="--published", today=TODAY)
    except UsageError as error:
        assert "--published" in str(error) and "Fix:" in str(error)
        day = None
        accepted = False
    else:
        accepted = True
    text = value.strip()
    try:
        expected = dt.date.fromisoformat(text) if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text) else None
    except ValueError:
        expected = None
    if expected is not None and not EARLIEST_PUBLISHED <= expected <= TODAY:
        expected = None
    if text == "":
        assert accepted and day is None
    else:
        assert day == expected and accepted == (expected is not None)


# --- dataset overlays (workbench/datasets/curated.py, validation.py) -----------------------------------------

_CURATED = reg.curated_names()


_SHIPPED_IDS = {f"{name}.{column}": datasets.load(name, with_user=False)[column].drop_nulls().to_list()[:40]
                for name, column in (("entities", "name"), ("sources", "source_id"), ("funding_events", "event_id"))}
_DATES = ("2020-05-01", "2020-05", "2020", "2019-07-22", "1950-01-01", "2024-02-29")
_NUMBERS = ("1e9", "0", "5e8", "2.5e10", "1,000,000", "", "1e12")


def _typed_cell(pick: _Choices, spec, junk: str) -> str:
    """A cell of the field's type (a shipped id where the field refers to another table), so that whole rows
    pass the cell checks and reach the rules across cells, the references and the derived columns."""
    if spec.references:
        ids = _SHIPPED_IDS.get(spec.references, [junk])
        return ";".join(pick(ids) for _ in range(pick((1, 1, 2)))) if spec.type.startswith("list") else pick(ids)
    if spec.type == "enum":
        return pick(spec.values)
    if spec.type == "list[enum]":
        return ";".join(pick(spec.values) for _ in range(pick((1, 2))))
    if spec.type == "date":
        return pick(_DATES)
    if spec.type == "float":
        return pick(_NUMBERS)
    if spec.type == "bool":
        return pick(("true", "false"))
    if spec.pattern and "https?" in spec.pattern:
        return "https://example.org/" + pick(("a", "b", junk))
    if spec.pattern:
        return pick(("my-row", "x1", "msft-openai-2019-07", "u.2"))
    return junk or "text"


@st.composite
def overlay_files(draw) -> tuple[str, bytes]:
    """(dataset, file content): a user overlay with real and junk columns, plausible and junk cells."""
    pick = draw(_wide_choices)
    name = pick(_CURATED)
    fields = reg.curated(name).stored_fields
    junk = draw(_cell)
    mode = pick(("junk", "required columns", "typed rows", "typed rows"))
    if mode == "typed rows":  # every column, each cell of its type: what reaches the later checks
        table = [[f.name for f in fields]] + [[_typed_cell(pick, f, junk[:pick(range(8))]) for f in fields]
                                              for _ in range(pick((1, 2, 3)))]
    else:
        plausible = [*(v for f in fields for v in f.values), "2020", "2020-05", "2020-05-01", "2999-01-01", "1e9",
                     "-5", "nan", "1e400", "true", "no", "Microsoft", "OpenAI", "a;b", "msft-openai-2019-07", "x", ""]
        table = _junk_table(pick, junk, [f.name for f in fields], plausible, width=pick(range(11)))
        if mode == "required columns":  # so that rows reach the cell checks
            table[0] = [f.name for f in fields if f.required] + table[0][:pick((0, 1))]
            table[1:] = [(row + [pick(plausible) for _ in table[0]])[:len(table[0])] for row in table[1:]]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=pick(["\n", "\r\n"]))
    writer.writerows(table)
    content = buffer.getvalue().encode("utf-8")
    if pick(range(10)) == 0:  # or plain junk
        content = draw(st.binary(max_size=200))
    return name, content


@pytest.fixture
def user_dir(scratch: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("WORKBENCH_DATA_DIR", str(scratch / "data"))
    folder = scratch / "data" / "user"
    folder.mkdir(parents=True)
    yield folder
    curated.clear_cache()


@_counted(FILES)
@given(overlay_files())
@example(("funding_events", b"event_id,date\nx,2020-02-30\n"))
@example(("sources", b'source_id,url,title\n"unterminated,u,t\n'))
@example(("entities", ("entity_id,name,kind,weak_support\n" + '"' + "x" * 200_000).encode()))
def test_an_overlay_of_junk_is_a_workbench_error_never_a_raw_exception(user_dir: Path, overlay) -> None:
    name, content = overlay
    path = user_dir / f"{name}.csv"
    path.write_bytes(content)
    curated.clear_cache()  # the cache keys on mtime and size, which two quick writes can share
    for action in (lambda: datasets.load(name), lambda: datasets.validate(path)):
        try:
            action()
        except WorkbenchError as error:
            assert error.problems and all(str(p) for p in error.problems)
    path.unlink()
