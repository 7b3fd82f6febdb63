"""Themes of a text: `funding`, `governance`, `ai_risk` and their sub-themes, with the evidence for each.

The terms live in data files (lexicons/themes.csv, lexicons/theme_exclusions.csv) that a researcher can read,
and extend with their own files in data/user/lexicons/. A term is written once in its base form and `forms`
says how it inflects (`verb`: invest → invests, invested, investing); spaces and hyphens inside a term match
any run of white space or hyphens ("capped-profit", "capped profit", "board of\u00a0directors"). Two context
rules keep classic false positives out, both stored as data:
- exclusions: regular expressions for the senses a term must not count in ("on board", "storm clouds",
  "bias voltage"); a hit of a term inside one of its exclusion phrases is dropped;
- needs_context: everyday words ("funds", "safety", "bias") count only in a text that mentions AI (rows of
  the pseudo-theme `context`: "AI", "machine learning", "OpenAI", ...).

Tagging runs over a whole polars column at once with Rust regexes (no Python loop per paragraph; loops are
per batch of 100k rows and per term that has exclusions) and returns exact Python string offsets, non-ASCII
text included: every match is extracted together with the text before it, and character lengths add up to
the offsets (`find_spans`). The lexicon's scores on its own labelled set: `evaluate_themes()`. What an article's
themes finally are is decided by `theme_model.classify_themes`, which weighs these hits with the words around them;
`python -m workbench.analysis.theme_evaluation` writes the scores of both to evaluation/themes_scores.md.
"""

from __future__ import annotations

import csv
import difflib
import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from workbench import paths
from workbench.analysis.scan import ascii_boundaries, find_spans
from workbench.errors import DatasetError, Problem, SchemaError

__all__ = [
    "AMOUNT_PATTERN", "AMOUNT_PLACEHOLDER", "BATCH_ROWS", "CONTEXT", "EVALUATION_DIR", "EVALUATION_FILE",
    "EXCLUSIONS_FILE", "FORMS", "LEXICON_DIR", "LEXICON_SCHEMA", "SPLITS", "TERMS_FILE", "THEMES",
    "ThemeTags", "evaluate_subthemes", "evaluate_themes", "inflect", "load_lexicon", "tag_themes",
]

THEMES = ("funding", "governance", "ai_risk")
CONTEXT = "context"  # pseudo-theme: terms that mark a text as being about AI
FORMS = ("exact", "noun", "verb")

LEXICON_DIR = Path(__file__).resolve().parent / "lexicons"
EVALUATION_DIR = Path(__file__).resolve().parent / "evaluation"
TERMS_FILE = "themes.csv"
EXCLUSIONS_FILE = "theme_exclusions.csv"

# Rows tagged at once: bounds memory on big corpora (intermediate frames are a few times the text).
BATCH_ROWS = 100_000

_TERM_COLUMNS = ("theme", "subtheme", "term", "forms")
_TERM_OPTIONAL = ("needs_context", "enabled", "note")
_EXCLUSION_COLUMNS = ("term", "pattern")
_EXCLUSION_OPTIONAL = ("example", "note")

LEXICON_SCHEMA = {
    "theme": pl.String, "subtheme": pl.String, "term": pl.String, "forms": pl.String,
    "needs_context": pl.Boolean, "exclude": pl.List(pl.String), "note": pl.String, "file": pl.String,
    "line": pl.Int64,
}

# A money amount, for terms such as "raise {amount}" ("raised $450 million", "committed at least $1 billion").
# Rust regex syntax, as everything polars runs; `(?-u:\b)` is an ASCII word boundary (see _boundary).
AMOUNT_PLACEHOLDER = "{amount}"
AMOUNT_PATTERN = (
    r"(?:(?:at least|more than|as much as|up to|about|roughly|nearly|some|over|around|almost|an estimated|"
    r"another|a further) +)?(?:US ?)?[$€£¥][ \u00a0]?[0-9][0-9,]*(?:\.[0-9]+)?"
    r"(?:[ \u00a0]?(?:million|billion|trillion|bn|mn|m|b)(?-u:\b))?"
)
_DASHES = "-\u2010\u2011\u2012\u2013\u2014"
# White space spelled out (not \s) keeps the compiled regex small: NBSP, thin and ideographic spaces included.
_SPACES = " \t\n\r\f\v\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_UNIT_PATTERNS = {
    "<sep>": f"[{_SPACES}\\{_DASHES}]+",  # a space in a term: any run of white space or dashes
    "<dash>": f"[{_SPACES}\\{_DASHES}]?",  # a hyphen in a term: "non-profit", "nonprofit", "non profit"
    "<apostrophe>": "['\u2019]",
    "<amount>": AMOUNT_PATTERN,
}
_UNIT = re.compile(r"\{amount\}|\s+|[-\u2010-\u2014]|['\u2019]|.", re.S)
_FORBIDDEN = re.compile(r"[*?()\[\]|\\^$+]|\{(?!amount\})|(?<!\{amount)\}")
_SNAKE = re.compile(r"[a-z][a-z0-9_]*")
_BOOLEANS = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}


@dataclass(frozen=True)
class ThemeTags:
    """`labels`: one row per input row (ids, themes, subthemes); `evidence`: one row per matched term."""

    labels: pl.DataFrame
    evidence: pl.DataFrame


# --- the lexicon: data files, validated -------------------------------------------------------------------

def load_lexicon(user_dir: Path | None = None, *, with_user: bool = True) -> pl.DataFrame:
    """Shipped terms overlaid with the user's (data/user/lexicons/ by default), or SchemaError listing all problems.

    A user row with the same theme and term as a shipped row replaces it (`enabled=false` removes it); user
    exclusions are added to the shipped ones. Rows carry `file` and `line` so every tag can be traced.
    """
    folder = Path(user_dir) if user_dir is not None else paths.user_data_dir() / "lexicons"
    folders = (LEXICON_DIR, folder) if with_user else (LEXICON_DIR,)
    # every batch of a corpus asks again: read and check the files once, again only when one of them changes
    stamp = tuple(_stamp(place / name) for place in folders for name in (TERMS_FILE, EXCLUSIONS_FILE))
    if _loaded.get(folders, (None,))[0] == stamp:
        return _loaded[folders][1]
    lexicon = _read_lexicon(folders)
    _loaded[folders] = (stamp, lexicon)
    return lexicon


_loaded: dict[tuple[Path, ...], tuple[tuple, pl.DataFrame]] = {}


def _stamp(path: Path) -> tuple | None:
    """What says a file changed: its inode, size and modification time (None when it is not there)."""
    try:
        status = path.stat()
    except OSError:
        return None
    return status.st_ino, status.st_size, status.st_mtime_ns, status.st_ctime_ns


def _read_lexicon(folders: tuple[Path, ...]) -> pl.DataFrame:
    problems: list[Problem] = []
    terms: dict[tuple[str, str], dict] = {}
    for path in (place / TERMS_FILE for place in folders):
        for row in _read_rows(path, _TERM_COLUMNS, _TERM_OPTIONAL, problems, required=path.parent == LEXICON_DIR):
            checked = _check_term(row, problems)
            if checked is None:
                continue
            key = (checked["theme"], _identity(checked["term"]))
            earlier = terms.get(key)
            if earlier is not None and earlier["file"] == checked["file"]:
                problems.append(_problem(row, "term", f"repeats the term of line {earlier['line']}.",
                                         "keep one of the two rows."))
            terms[key] = checked
    active = [row for row in terms.values() if row.pop("enabled")]
    problems += _subtheme_clashes(active)

    exclusions: dict[str, list[str]] = {}
    known = {_identity(row["term"]): row["term"] for row in active}
    for path in (place / EXCLUSIONS_FILE for place in folders):
        for row in _read_rows(path, _EXCLUSION_COLUMNS, _EXCLUSION_OPTIONAL, problems,
                              required=path.parent == LEXICON_DIR):
            if _check_exclusion(row, known, problems):
                exclusions.setdefault(_identity(row["term"]), []).append(row["pattern"])
    if problems:
        raise SchemaError("the theme lexicon cannot be used", problems)
    for row in active:
        row["exclude"] = exclusions.get(_identity(row["term"]), [])
    return pl.DataFrame(active, schema=LEXICON_SCHEMA, orient="row") if active else pl.DataFrame(
        schema=LEXICON_SCHEMA)


def _identity(term: str) -> str:
    """Which rows are the same term (for overrides and exclusions): case and spacing do not matter."""
    return " ".join(term.lower().split())


def _term_keys(texts: list[str]) -> list[str]:
    """How terms and matched texts are compared: lower case, amounts as one symbol, no separators."""
    series = pl.Series(texts, dtype=pl.String).str.replace_all(AMOUNT_PLACEHOLDER, "§", literal=True)
    return series.to_frame("text").select(_key(pl.col("text")))["text"].to_list()


def _key(text: pl.Expr) -> pl.Expr:
    return (text.str.to_lowercase().str.replace_all(f"(?i){AMOUNT_PATTERN}", "§")
            .str.replace_all(r"[^\p{L}\p{N}§]+", ""))


def _read_rows(path: Path, columns: tuple[str, ...], optional: tuple[str, ...], problems: list[Problem], *,
               required: bool) -> list[dict]:
    if not path.is_file():
        if required:
            raise DatasetError(f"the shipped lexicon {path.name} is missing.", file=path,
                               fix="reinstall the package (`pip install -e .`) or restore the file from git.")
        return []
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        header = reader.fieldnames or []
        missing = [name for name in columns if name not in header]
        unknown = [name for name in header if name not in columns + optional]
        for name in missing:
            problems.append(Problem(f"has no column '{name}'.", f"the header must name {', '.join(columns)} "
                                    f"(optional: {', '.join(optional)}).", file=str(path), line=1, column=name))
        for name in unknown:
            problems.append(Problem("is not a column of this file.",
                                    f"rename it to one of {', '.join(columns + optional)}, or delete it.",
                                    file=str(path), line=1, column=name, value=name))
        if missing or unknown:
            return []
        return [{**{name: (value or "").strip() for name, value in row.items() if name is not None},
                 "file": str(path), "line": reader.line_num} for row in reader]


def _problem(row: dict, column: str, what: str, fix: str) -> Problem:
    return Problem(what, fix, file=row["file"], line=row["line"], column=column, value=row.get(column))


def _check_term(row: dict, problems: list[Problem]) -> dict | None:
    found = []
    allowed = THEMES + (CONTEXT,)
    if row["theme"] not in allowed:
        near = difflib.get_close_matches(row["theme"], allowed, n=1)
        found.append(_problem(row, "theme", "is not a theme.",
                              f"use {near[0]!r}." if near else f"use one of {', '.join(allowed)}."))
    if not _SNAKE.fullmatch(row["subtheme"]):
        found.append(_problem(row, "subtheme", "is not a snake_case name.",
                              "use lower-case letters, digits and underscores, e.g. concentration_of_power."))
    if not re.search(r"\w", row["term"]):
        found.append(_problem(row, "term", "holds no letter or digit.", "write the word or phrase to find."))
    elif _FORBIDDEN.search(row["term"]):
        found.append(_problem(row, "term", "contains a regex or wildcard character, which is matched literally "
                              "here.", "write the base form and set forms to noun or verb; put context rules "
                              f"in {EXCLUSIONS_FILE}; the only placeholder is {AMOUNT_PLACEHOLDER}."))
    if row["forms"] not in FORMS:
        found.append(_problem(row, "forms", "is not a way to inflect a term.", f"use one of {', '.join(FORMS)}."))
    flags = {}
    for column, default in (("needs_context", False), ("enabled", True)):
        value = row.get(column, "").lower()
        flags[column] = _BOOLEANS.get(value, default) if value in _BOOLEANS or not value else None
        if flags[column] is None:
            found.append(_problem(row, column, "is not true or false.", "write true or false."))
    problems += found
    if found:
        return None
    return {"theme": row["theme"], "subtheme": row["subtheme"], "term": row["term"], "forms": row["forms"],
            **flags, "note": row.get("note", ""), "file": row["file"], "line": row["line"]}


def _subtheme_clashes(rows: list[dict]) -> list[Problem]:
    owner: dict[str, dict] = {}
    problems = []
    for row in rows:
        first = owner.setdefault(row["subtheme"], row)
        if first["theme"] != row["theme"]:
            problems.append(_problem(row, "subtheme", f"belongs to theme {first['theme']!r} ({first['file']}:"
                                     f"{first['line']}), not {row['theme']!r}.",
                                     "a sub-theme belongs to one theme: rename it or change the theme."))
    return problems


def _check_exclusion(row: dict, known: dict[str, str], problems: list[Problem]) -> bool:
    before = len(problems)
    if _identity(row["term"]) not in known:
        near = difflib.get_close_matches(row["term"], list(known.values()), n=3)
        problems.append(_problem(row, "term", "is not a term of the lexicon.",
                                 f"use one of {', '.join(near)}." if near else f"add the term to {TERMS_FILE}."))
    try:
        matches_empty = pl.select(pl.lit("").str.contains(f"(?i){row['pattern']}")).item()
    except pl.exceptions.PolarsError as error:
        problems.append(_problem(row, "pattern", f"is not a valid regular expression ({_first_line(error)}).",
                                 "use the syntax of Rust's regex crate: like Python's re, without look-around "
                                 "or back-references."))
    else:
        if matches_empty or not row["pattern"]:
            problems.append(_problem(row, "pattern", "matches empty text, so it would exclude nothing useful.",
                                     "write the phrase around the term, e.g. \\bon board\\b."))
    return len(problems) == before


def _first_line(error: Exception) -> str:
    lines = [line.strip() for line in str(error).splitlines() if line.strip().startswith("error:")]
    return lines[0] if lines else str(error).splitlines()[0]


# --- forms and the compiled pattern ---------------------------------------------------------------------

def inflect(term: str, forms: str) -> list[str]:
    """The surface forms of a term: `noun` adds the plural, `verb` adds -s, -ed and -ing (doubling a final
    consonant both ways, since English doubles only stressed syllables: committed, audited)."""
    if forms == "exact":
        return [term]
    words = term.split(" ")
    if forms == "noun":
        head = words.index("of") - 1 if "of" in words[1:] else len(words) - 1  # boards of directors
        return [term, " ".join(words[:head] + [_plural(words[head])] + words[head + 1:])]
    verb, rest = words[0], words[1:]
    return [" ".join([form, *rest]) for form in dict.fromkeys([verb, _plural(verb), *_past_and_gerund(verb)])]


def _plural(word: str) -> str:
    if re.search(r"(?:s|x|z|ch|sh)$", word):
        return word + "es"
    if re.search(r"[^aeiou]y$", word):
        return word[:-1] + "ies"
    return word + "s"


def _past_and_gerund(verb: str) -> list[str]:
    if verb.endswith("e"):
        return [verb + "d", verb[:-1] + "ing"]
    if re.search(r"[^aeiou]y$", verb):
        return [verb[:-1] + "ied", verb + "ing"]
    forms = [verb + "ed", verb + "ing"]
    if re.search(r"(?:^|[^aeiou])[aeiou][bdgklmnprt]$", verb):
        forms += [verb + verb[-1] + "ed", verb + verb[-1] + "ing"]
    return forms


@dataclass(frozen=True)
class _Compiled:
    pattern: str  # the trie of every form of every theme term
    context: str  # the trie of every form of the context terms
    forms: pl.DataFrame  # key → theme, subtheme, identity, needs_context, rank, order
    exclusions: tuple[tuple[str, str], ...]  # (term identity, one regex of all its exclusions)


@functools.lru_cache(maxsize=8)
def _compile(rows: tuple[tuple[str, str, str, str, bool, tuple[str, ...]], ...]) -> _Compiled:
    records = [(theme, subtheme, _identity(term), form.lower(), needs_context)
               for theme, subtheme, term, forms, needs_context, _ in rows for form in inflect(term, forms)]
    # Integer sort keys: themes in THEMES order, sub-themes by theme then name (context last).
    ranks = {theme: index for index, theme in enumerate((*THEMES, CONTEXT))}
    orders = {pair: index for index, pair in enumerate(sorted({(ranks[r[0]], r[1]) for r in records}))}
    forms = pl.DataFrame(
        [(key, theme, subtheme, identity, needs_context, ranks[theme], orders[ranks[theme], subtheme])
         for key, (theme, subtheme, identity, _, needs_context) in zip(_term_keys([r[3] for r in records]), records)],
        schema={"key": pl.String, "theme": pl.String, "subtheme": pl.String, "identity": pl.String,
                "needs_context": pl.Boolean, "rank": pl.Int32, "order": pl.Int32}, orient="row",
    ).unique(maintain_order=True)
    exclusions: dict[str, list[str]] = {}
    for _, _, term, _, _, patterns in rows:
        exclusions.setdefault(_identity(term), []).extend(patterns)
    return _Compiled(
        pattern=_trie_pattern(sorted({form for theme, *_, form, _ in records if theme != CONTEXT})),
        context=_trie_pattern(sorted({form for theme, *_, form, _ in records if theme == CONTEXT})),
        forms=forms,
        exclusions=tuple((identity, "(?i:" + "|".join(f"(?:{ascii_boundaries(p)})" for p in dict.fromkeys(patterns))
                          + ")") for identity, patterns in exclusions.items() if patterns))


def _trie_pattern(forms: list[str]) -> str:
    """One alternation with shared prefixes (fast to match); at each node longer terms are tried first."""
    root: dict = {}
    for form in forms:
        node = root
        for unit in _units(form):
            node = node.setdefault(unit, {})
        node[""] = {}

    def emit(node: dict, last: str) -> str:
        branches = [_unit_pattern(unit) + emit(child, unit) for unit, child in sorted(node.items()) if unit]
        if "" in node:
            branches.append(_boundary(last))
        return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"

    starts = [_boundary(unit) + _unit_pattern(unit) + emit(child, unit) for unit, child in sorted(root.items())]
    return "(?i:" + "|".join(starts) + ")" if starts else "[^\\s\\S]"


def _boundary(unit: str) -> str:
    """A word boundary before or after a term's edge character; ASCII-only for ASCII letters, which keeps the
    regex on its fast path (a term next to a non-ASCII letter, as in "éboard", is the price)."""
    if re.fullmatch(r"[A-Za-z0-9_]", unit):
        return r"(?-u:\b)"
    return r"\b" if re.fullmatch(r"\w", unit) else ""


def _units(form: str) -> list[str]:
    units = []
    for piece in _UNIT.findall(form):
        if piece == AMOUNT_PLACEHOLDER:
            units.append("<amount>")
        elif piece.isspace():
            units.append("<sep>")
        elif piece in _DASHES:
            units.append("<dash>")
        elif piece in "'\u2019":
            units.append("<apostrophe>")
        else:
            units.append(piece)
    return units


def _unit_pattern(unit: str) -> str:
    return _UNIT_PATTERNS.get(unit) or re.escape(unit)


def _compiled(lexicon: pl.DataFrame) -> _Compiled:
    missing = [name for name in ("theme", "subtheme", "term", "forms", "needs_context", "exclude")
               if name not in lexicon.columns]
    if missing:
        raise DatasetError(f"the lexicon frame has no column(s) {', '.join(missing)}.", column=missing[0],
                           fix="pass the frame returned by load_lexicon(), or leave lexicon=None.")
    rows = lexicon.select("theme", "subtheme", "term", "forms", "needs_context", "exclude").rows()
    return _compile(tuple((t, s, term, f, bool(n), tuple(x or ())) for t, s, term, f, n, x in rows))


# --- tagging ------------------------------------------------------------------------------------------

def tag_themes(frame: pl.DataFrame, *, lexicon: pl.DataFrame | None = None,
               id_columns: Sequence[str] = ("doc_id", "paragraph")) -> ThemeTags:
    """Themes, sub-themes and evidence for every row of `frame` (id columns + `text`; paragraphs or sentences).

    Evidence offsets are Python string indices into that row's text: `text[start:end] == term`.
    """
    ids = list(id_columns)
    missing = [name for name in [*ids, "text"] if name not in frame.columns]
    if missing:
        raise DatasetError(f"the frame to tag has no column(s) {', '.join(missing)}.", column=missing[0],
                           fix=f"pass a frame with `text` and id columns; its columns are {frame.columns}, "
                               "so set id_columns=... to the ones that identify a row.")
    compiled = _compiled(lexicon if lexicon is not None else load_lexicon())
    if frame.height <= BATCH_ROWS:
        return _tag_batch(frame, compiled, ids)
    batches = [_tag_batch(batch, compiled, ids) for batch in frame.iter_slices(BATCH_ROWS)]
    return ThemeTags(labels=pl.concat([tags.labels for tags in batches]),
                     evidence=pl.concat([tags.evidence for tags in batches]))


def _tag_evidence(frame: pl.DataFrame, lexicon: pl.DataFrame, ids: list[str]) -> pl.DataFrame:
    """`tag_themes(frame, lexicon=lexicon, id_columns=ids).evidence`, without the labels (the theme model reads
    only the evidence)."""
    compiled = _compiled(lexicon)
    if frame.height <= BATCH_ROWS:
        return _tag_batch(frame, compiled, ids, labels=False).evidence
    return pl.concat([_tag_batch(batch, compiled, ids, labels=False).evidence
                      for batch in frame.iter_slices(BATCH_ROWS)])


def _tag_batch(frame: pl.DataFrame, compiled: _Compiled, ids: list[str], *, labels: bool = True) -> ThemeTags:
    """The pure step, frame → frames: what a distributed engine would map over batches."""
    texts = frame["text"].cast(pl.String).fill_null("")
    spans, meanings = _spans_and_meanings(texts, compiled.pattern, compiled)
    # One sense per (matched text, sub-theme); it needs an AI context only if every term behind it does.
    senses = (meanings.filter(pl.col("theme") != CONTEXT)
              .group_by("term", "theme", "subtheme", "rank", "order").agg(pl.col("needs_context").all()))
    evidence = spans.join(senses, on="term")
    if evidence["needs_context"].any():  # else no hit asks whether its text is about AI
        evidence = evidence.filter(~evidence["needs_context"] | _about_ai(texts, compiled).gather(evidence["row"]))
    evidence = evidence.sort("row", "start", "order")
    rows = frame.select(ids).with_row_index("row").with_columns(pl.col("row").cast(pl.Int64))
    found = evidence.select(*(rows[name].gather(evidence["row"]) for name in ids),
                            "theme", "subtheme", "term", "start", "end")
    if not labels:
        return ThemeTags(labels=pl.DataFrame(), evidence=found)
    themes = (evidence.select("row", "rank", "theme").unique(["row", "rank"]).sort("row", "rank")
              .group_by("row", maintain_order=True).agg(themes="theme"))
    subthemes = (evidence.select("row", "order", "subtheme").unique(["row", "order"]).sort("row", "order")
                 .group_by("row", maintain_order=True).agg(subthemes="subtheme"))
    tagged = (rows.join(themes.join(subthemes, on="row"), on="row", how="left", maintain_order="left")
              .with_columns(pl.col("themes", "subthemes").fill_null(pl.lit([], dtype=pl.List(pl.String))))
              .select(*ids, "themes", "subthemes"))
    return ThemeTags(labels=tagged, evidence=found)


def _spans_and_meanings(texts: pl.Series, pattern: str, compiled: _Compiled) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Matches of `pattern` outside exclusion phrases, and what each distinct matched text means.

    Meanings are looked up once per distinct text (a few thousand, however large the corpus)."""
    spans = find_spans(texts, pattern)
    meanings = spans.select("term").unique().with_columns(key=_key(pl.col("term"))).join(compiled.forms, on="key")
    hits = spans.join(meanings.select("term", "identity"), on="term")
    return spans.join(_excluded(hits, texts, compiled.exclusions), on=["row", "start"], how="anti"), meanings


def _about_ai(texts: pl.Series, compiled: _Compiled) -> pl.Series:
    """Whether each text mentions AI: a fast test per row, made exact (spans minus exclusions such as
    "Ai Weiwei") only in the rows where a context term's exclusion phrase also occurs."""
    about = texts.str.contains(compiled.context)
    context_terms = set(compiled.forms.filter(pl.col("theme") == CONTEXT)["identity"])
    phrases = [pattern for identity, pattern in compiled.exclusions if identity in context_terms]
    doubtful = (about & texts.str.contains("|".join(phrases))).arg_true() if phrases else pl.Series([], dtype=pl.UInt32)
    if doubtful.is_empty():
        return about
    spans, _ = _spans_and_meanings(texts.gather(doubtful), compiled.context, compiled)
    return about.scatter(doubtful, False).scatter(doubtful.gather(spans["row"].unique()), True)


def _excluded(hits: pl.DataFrame, texts: pl.Series, exclusions: tuple[tuple[str, str], ...]) -> pl.DataFrame:
    """The hits (row, start) that overlap an exclusion phrase of their term: dropped in every meaning, since
    "A.I." and "AI" match the same text, and "Ai" in "Ai Weiwei" is not AI in either.

    Exclusions are looked for only in the rows where their term was found, first all at once (a yes/no
    test), then term by term in the few rows that said yes: one pass of every exclusion's spans over every
    text would be several times slower.
    """
    patterns = dict(exclusions)
    candidates = hits.filter(pl.col("identity").is_in(list(patterns))).select("row", "start", "end", "identity")
    rows = candidates["row"].unique()
    if patterns and not rows.is_empty():
        rows = rows.filter(texts.gather(rows).str.contains("|".join(patterns.values())))
        candidates = candidates.join(rows.to_frame(), on="row", how="semi")
    dropped = [pl.DataFrame(schema={"row": pl.Int64, "start": pl.Int64})]
    for (identity,), found in candidates.partition_by("identity", as_dict=True).items():
        rows = found["row"].unique().sort()
        rows = rows.filter(texts.gather(rows).str.contains(patterns[identity]))
        if rows.is_empty():
            continue
        phrases = find_spans(texts.gather(rows), patterns[identity])
        phrases = phrases.select(row=rows.gather(phrases["row"]), x_start="start", x_end="end")
        dropped.append(found.join(phrases, on="row")
                       .filter(pl.col("start") < pl.col("x_end"), pl.col("x_start") < pl.col("end"))
                       .select("row", "start"))
    return pl.concat(dropped).unique()


# --- evaluation -----------------------------------------------------------------------------------------

EVALUATION_FILE = EVALUATION_DIR / "themes_eval.csv"
SPLITS = ("all", "dev", "heldout")


def evaluate_themes(split: str = "all") -> pl.DataFrame:
    """Precision, recall, F1 and support per theme, plus their macro average, on the labelled set.

    `split`: "dev" (the rows the lexicon was tuned on), "heldout" (written with the rest, never tuned on) or
    "all". The gold labels were written before the lexicon; see evaluation/README.md.
    """
    return _scores(_predictions(split), "themes", list(THEMES)).rename({"label": "theme"})


def evaluate_subthemes(split: str = "all") -> pl.DataFrame:
    """The same scores per sub-theme (its parent theme first), for the sub-themes the gold labels use."""
    predictions = _predictions(split)
    lexicon = load_lexicon(with_user=False)
    parents = dict(lexicon.select("subtheme", "theme").unique().iter_rows())
    used = set(predictions["gold_subthemes"].explode().drop_nulls())
    labels = sorted(used, key=lambda name: (THEMES.index(parents.get(name, THEMES[0])), name))
    scores = _scores(predictions, "subthemes", labels).rename({"label": "subtheme"})
    parent = pl.col("subtheme").replace_strict(parents, default="", return_dtype=pl.String)
    return scores.select(parent.alias("theme"), pl.all())


def _predictions(split: str) -> pl.DataFrame:
    if split not in SPLITS:
        raise DatasetError("is not a split of the evaluation set.", column="split", value=split,
                           fix=f"use one of {', '.join(SPLITS)}.")
    gold = pl.read_csv(EVALUATION_FILE, schema_overrides={"themes": pl.String, "subthemes": pl.String})
    if split != "all":
        gold = gold.filter(pl.col("split") == split)
    # The shipped lexicon only: a researcher's own terms must not move the committed scores.
    lexicon = load_lexicon(with_user=False)
    tags = tag_themes(gold, lexicon=lexicon, id_columns=["id"]).labels
    return gold.select(
        "id", "split", "text",
        gold_themes=pl.col("themes").fill_null("").str.split(";").list.eval(pl.element().filter(pl.element() != "")),
        gold_subthemes=pl.col("subthemes").fill_null("").str.split(";").list.eval(
            pl.element().filter(pl.element() != "")),
    ).join(tags, on="id", maintain_order="left")


def _scores(predictions: pl.DataFrame, column: str, labels: list[str]) -> pl.DataFrame:
    rows = []
    for label in labels:
        gold = predictions[f"gold_{column}"].list.contains(label)
        predicted = predictions[column].list.contains(label)
        true_positive = (gold & predicted).sum()
        precision = true_positive / predicted.sum() if predicted.sum() else None
        recall = true_positive / gold.sum() if gold.sum() else None
        f1 = 2 * precision * recall / (precision + recall) if precision and recall else (
            0.0 if precision is not None and recall is not None else None)
        rows.append((label, precision, recall, f1, int(gold.sum())))
    scores = pl.DataFrame(rows, schema={"label": pl.String, "precision": pl.Float64, "recall": pl.Float64,
                                        "f1": pl.Float64, "support": pl.Int64}, orient="row")
    macro = scores.select(label=pl.lit("macro"), precision=pl.col("precision").mean(),
                          recall=pl.col("recall").mean(), f1=pl.col("f1").mean(), support=pl.col("support").sum())
    return pl.concat([scores, macro]).with_columns(pl.col("precision", "recall", "f1").round(3))
