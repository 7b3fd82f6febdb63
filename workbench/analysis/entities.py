"""Actors: organisations and people, resolved to canonical names through the `entities` alias table.

Known actors are found with one alternation of every canonical name and alias (longest first, so
"Microsoft Corp." wins over "Microsoft"); "Musk" resolves to "Elon Musk", and a former name ("Facebook") to the
current one ("Meta") while `text` keeps the name as written. Everything else is found by rule and marked
`in_record = False`, with no canonical name:

- runs of capitalised words are read by two lean Rust-regex scans (each run with the lowercase words before it;
  what follows each capitalised word), with the titles, roles, possessive and appositive around them as
  evidence: a title or role makes a person ("Governor Lena Marsh", "chief
  executive Rowan Ashdown", "Tamsin Hale, Lumora's general counsel", "founded by Nadia Berthold"); an
  organisational word, a role or an appositive makes an organisation ("the Halloway Foundation", "Institute
  for Machine Accountability", "startup Zephyrine", "Drennick, a Toronto-based startup"); so do an acronym
  ("the NAIA"), a possessive ("Veltrana's board", "the EU's AI Office") and a government named by its
  adjective ("the French government");
- two to four capitalised words with no such evidence are a person when they read as a personal name: not a
  place, no calendar word, and a last word that English prose does not use in lower case ("Clara Whitlow",
  not "Silicon Valley" or "Stable Diffusion");
- a surname alone is the person named in full earlier in the same document ("Ferrando" after "Lucía
  Ferrando"; "Suleyman" after "Mustafa Suleyman", resolved through the alias table, so `in_record`);
- one capitalised word with no other evidence takes the label of an actor it is listed with ("Lightspeed and
  Oakhurst"), or, mid-sentence and not followed by a word for a thing, is an organisation named in passing
  ("the story for Bloomberg"; not "the Grok chatbot").

The words behind the rules are data: `lexicons/entity_words.csv` (titles, roles, organisational words, places
the generated list lacks), `lexicons/places.txt` and `lexicons/common_words.txt` (generated from sources
independent of the evaluation set by `workbench.analysis.entity_vocabulary`). Scores on a labelled set are in
`evaluation/entities_scores.md` (`workbench.analysis.entity_evaluation`).
"""

from __future__ import annotations

import csv
import functools
from collections.abc import Sequence
from pathlib import Path

import polars as pl

from workbench.analysis.scan import find_spans
from workbench.errors import DatasetError, Problem, SchemaError

__all__ = [
    "COMMON_WORDS_FILE", "KINDS", "PLACES_FILE", "SCHEMA", "WORDS_FILE", "alias_table", "entity_words",
    "extract_entities",
]

_LEXICON_DIR = Path(__file__).resolve().parent / "lexicons"
WORDS_FILE = _LEXICON_DIR / "entity_words.csv"
PLACES_FILE = _LEXICON_DIR / "places.txt"
COMMON_WORDS_FILE = _LEXICON_DIR / "common_words.txt"
KINDS = ("person_title", "person_role", "person_cue", "org_role", "org_word", "org_head", "institution",
         "legal_abbreviation", "not_name", "calendar", "not_acronym", "place", "place_word", "thing_noun", "demonym",
         "product")
SCHEMA = {"text": pl.String, "canonical": pl.String, "label": pl.String, "kind": pl.String,
          "in_record": pl.Boolean, "start": pl.Int64, "end": pl.Int64}

# --- the shape of a name (Rust regex: no look-around; ASCII boundaries keep the fast engine) -------------------
# Latin letters only (ASCII, Latin-1, Latin Extended-A/B and Additional): Unicode-wide classes make the automaton
# several times slower, and news in English spells names in Latin letters.
_UPPER = "A-ZÀ-ÖØ-ÞĀ-Žƀ-ɏḀ-Ỿ"
_LETTER = "A-Za-zÀ-ÖØ-öø-ÿĀ-žƀ-ɏḀ-ỿ0-9"
_WORD = rf"[{_UPPER}][{_LETTER}]*(?:['’-][{_UPPER}0-9][{_LETTER}]*)*"
_RUN = rf"{_WORD}(?:(?:\s+|\s*&\s*){_WORD})*"
_PARTICLES = frozenset({"van", "von", "der", "den", "de", "du", "da", "di", "del", "della", "dos", "das", "le", "la",
                        "ter", "ten", "bin", "ibn", "al", "el"})
_LEAD = r"(?P<lead>^|[.!?][\"”’)\]]*\s+|,\s+|[\s(\"“‘\[/—–-])"
_PRE = r"(?P<pre>(?:[a-z][a-z'’-]*\s+)?[a-z][a-z'’-]*,?\s+)?"
_OF = ("of", "for", "on", "of the", "for the", "on the")
_MAX_NAME_WORDS = 8


# --- lexicons ---------------------------------------------------------------------------------------------------

@functools.cache
def entity_words() -> dict[str, frozenset[str]]:
    """The word lists of the actor rules, by kind: entity_words.csv, plus `places` and `common_words` (the
    generated lists). Read once; SchemaError lists every bad line with its file and line."""
    problems: list[Problem] = []
    words: dict[str, set[str]] = {kind: set() for kind in KINDS}
    try:
        handle = WORDS_FILE.open(encoding="utf-8", newline="")
    except OSError as error:
        raise DatasetError(f"the shipped lexicon {WORDS_FILE.name} cannot be read ({error.strerror}).",
                           file=WORDS_FILE, fix="reinstall the package or restore the file.") from None
    with handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames != ["kind", "word", "note"]:
            raise SchemaError("the actor lexicon cannot be used", [Problem(
                "the header must be kind,word,note.", file=str(WORDS_FILE), line=1, value=reader.fieldnames,
                fix="restore the header row kind,word,note.")])
        for line, row in enumerate(reader, start=2):
            problems += _row_problems(row, line, words)
            if not problems:
                words[row["kind"]].add(row["word"])
    for name, path in (("places", PLACES_FILE), ("common_words", COMMON_WORDS_FILE)):
        words[name] = set(_word_list(path, problems))
    if problems:
        raise SchemaError("the actor lexicon cannot be used", problems)
    words["place"] |= words.pop("places")
    return {kind: frozenset(found) for kind, found in words.items()}


def _row_problems(row: dict[str, str | None], line: int, words: dict[str, set[str]]) -> list[Problem]:
    kind, word = row.get("kind") or "", row.get("word") or ""
    where = {"file": str(WORDS_FILE), "line": line}
    if kind not in KINDS:
        return [Problem("is not a kind of actor word.", column="kind", value=kind,
                        fix=f"use one of {', '.join(KINDS)}.", **where)]
    if not word or word != word.strip() or "\n" in word:
        return [Problem("a word must be non-empty, on one line, without surrounding spaces.", column="word",
                        value=word, fix="write the word as it appears in text.", **where)]
    if word in words[kind]:
        return [Problem(f"is listed twice as {kind}.", column="word", value=word, fix="remove one of the rows.",
                        **where)]
    return []


def _word_list(path: Path, problems: list[Problem]) -> list[str]:
    """One word or name a line; `#` starts a comment line. Generated by `workbench.analysis.entity_vocabulary`."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as error:
        raise DatasetError(f"the shipped lexicon {path.name} cannot be read ({error.strerror}).", file=path,
                           fix="rebuild it with `python -m workbench.analysis.entity_vocabulary`.") from None
    found = []
    for number, line in enumerate(lines, start=1):
        if line.startswith("#"):
            continue
        if not line or line != line.strip():
            problems.append(Problem("an entry must be non-empty, without surrounding spaces.", file=str(path),
                                    line=number, value=line, fix="rebuild the file or remove the line."))
            continue
        found.append(line)
    return found


def _alternation(words: frozenset[str] | set[str]) -> str:
    """Words as one regex alternation, longest first; spaces inside match any white space."""
    return "|".join(pl.escape_regex(word).replace(r"\ ", " ").replace(" ", r"\s+")
                    for word in sorted(words, key=lambda word: (-len(word), word)))


def _capitalised(words: frozenset[str]) -> set[str]:
    return {word[:1].upper() + word[1:] for word in words}


@functools.cache
def _patterns() -> dict[str, str]:
    """The two scans and the helpers that read their matches.

    The scans are kept lean on purpose: one pattern joining titles, organisation heads, particles and appositive
    roles is one automaton too large for the fast regex engine (a hundred times slower). So one scan reads runs of
    capitalised words with the lowercase words before them, another what follows each capitalised word; titles,
    particles, initials and names built on "of" are joined afterwards, by adjacency, and roles are looked up.
    """
    after = r"(?:,[ \t]+(?P<after>[A-Za-z'’-]+(?:[ \t]+[A-Za-z'’-]+){0,4})|(?P<gap>[ \t]+)(?P<next>[a-z][a-z-]*))"
    return {
        "names": rf"{_LEAD}{_PRE}(?P<name>{_RUN})(?P<dot>\.)?(?P<poss>['’]s?)?",
        "following": rf"(?P<word>{_WORD})(?:['’]s?)?{after}",
    }


@functools.cache
def _titles() -> frozenset[str]:
    """Titles before a name: person titles, and roles written capitalised at the start of a sentence."""
    words = entity_words()
    titles = set(words["person_title"]) | _capitalised(words["person_role"]) | _capitalised(words["org_role"])
    return frozenset(titles | {title[:1] + title[1:].lower() for title in titles if " " in title})  # "Chief executive"


# --- known actors -----------------------------------------------------------------------------------------------

def alias_table(entities: pl.DataFrame) -> pl.DataFrame:
    """Every surface form (canonical name and aliases) → canonical name, label (ORG or PERSON) and kind."""
    return (
        entities.select("name", pl.col("kind").cast(pl.String), pl.concat_list(pl.col("name"), "aliases")
                        .alias("surface"))
        .explode("surface")
        .filter(pl.col("surface").str.len_chars() > 1)
        .unique("surface", keep="first", maintain_order=True)
        .select("surface", pl.col("name").alias("canonical"), "kind",
                pl.when(pl.col("kind") == "person").then(pl.lit("PERSON")).otherwise(pl.lit("ORG")).alias("label"))
    )


@functools.cache
def _known_pattern(surfaces: tuple[str, ...], legal: str) -> str:
    """One alternation of every surface form, longest first; word boundaries only where a form has a word edge.

    A legal suffix after a known name belongs to the mention ("X.AI Corp."), which still resolves by its name.
    """
    def bounded(surface: str) -> str:
        left = r"(?-u:\b)" if surface[0].isalnum() else ""
        right = r"(?-u:\b)" if surface[-1].isalnum() else ""
        return left + pl.escape_regex(surface) + right

    names = "|".join(bounded(s) for s in sorted(surfaces, key=len, reverse=True))
    return rf"(?:{names})(?:,?[ \t]+(?:(?:{legal})\.|(?:LLC|PLC|GmbH)(?-u:\b)))?"


def _known(texts: pl.Series, aliases: pl.DataFrame) -> pl.DataFrame:
    """Mentions of actors in the alias table: row, start, end, match, canonical, kind, label, in_record."""
    legal = _alternation(entity_words()["legal_abbreviation"])
    spans = find_spans(texts, _known_pattern(tuple(aliases["surface"].to_list()), legal)).rename({"term": "match"})
    surfaces = aliases["surface"].implode()
    base = (pl.when(pl.col("match").is_in(surfaces)).then(pl.col("match"))
            .otherwise(pl.col("match").str.replace(rf",?\s+(?:(?:{legal})\.|LLC|PLC|GmbH)$", "")))
    return (spans.with_columns(base.alias("surface")).join(aliases, on="surface", how="left")
            .drop("surface").with_columns(in_record=pl.lit(True)))


def extract_entities(frame: pl.DataFrame, entities: pl.DataFrame, *,
                     id_columns: Sequence[str] = ("doc_id", "paragraph"), text_column: str = "text") -> pl.DataFrame:
    """One row per mention: id columns, text, canonical (null if unknown), label, kind, in_record, offsets.

    A surname alone counts as the person named in full earlier in the same document: the document is
    `doc_id` when it is an id column, else each row.
    """
    texts = frame[text_column]
    names = _names(texts)
    known = _outside_places(_known(texts, alias_table(entities)), names)
    ids = frame.select(id_columns).with_row_index("row").with_columns(pl.col("row").cast(pl.Int64))
    document = ids.select("row", document=pl.col("doc_id") if "doc_id" in id_columns else pl.col("row").cast(pl.String))
    unknown = _unknown(texts, names, known, document)
    mentions = pl.concat([known.select(unknown.columns), unknown], how="vertical_relaxed")
    return (ids.join(mentions, on="row", how="inner").sort("row", "start")
            .select(*id_columns, pl.col("match").alias("text"), *[pl.col(c).cast(t) for c, t in SCHEMA.items()
                                                                  if c != "text"]))


# --- everything else, by rule -------------------------------------------------------------------------------------

_UNKNOWN = {"row": pl.Int64, "start": pl.Int64, "end": pl.Int64, "match": pl.String, "canonical": pl.String,
            "kind": pl.String, "label": pl.String, "in_record": pl.Boolean}


def _unknown(texts: pl.Series, names: pl.DataFrame, known: pl.DataFrame, document: pl.DataFrame) -> pl.DataFrame:
    """Names the alias table does not know, labelled by rule; a surname of a known person resolves to them."""
    if names.is_empty():
        return pl.DataFrame(schema=_UNKNOWN)
    names = _joined(_outside_known(names, known))
    names = _evidence(names, _following(texts))
    names = _labelled(names).join(document, on="row", how="left")
    names = _surnames(names, known.join(document, on="row", how="left"))
    names = _coordinated(names, known)
    return names.filter(pl.col("label").is_not_null()).select(list(_UNKNOWN))


def _names(texts: pl.Series) -> pl.DataFrame:
    """Every run of capitalised words, with the lowercase words before it, a full stop or possessive after it, and
    whether it starts a sentence. A legal abbreviation keeps its full stop ("Lattice Forge Inc.")."""
    pattern = _patterns()["names"]
    spans = find_spans(texts, pattern)
    parts = _groups(spans["term"], pattern).select(pl.all().fill_null(""))
    legal = (parts["dot"] != "") & parts["name"].str.extract(r"(\S+)$").is_in(_series("legal_abbreviation"))
    start = spans["start"] + parts["lead"].str.len_chars() + parts["pre"].str.len_chars()
    names = pl.DataFrame({
        "row": spans["row"], "start": start, "match": parts["name"], "lead": parts["lead"], "pre_raw": parts["pre"],
        "legal": legal, "dot": (parts["dot"] != "") & ~legal, "possessive": parts["poss"] != "",
    }).with_columns(match=pl.when("legal").then(pl.col("match") + ".").otherwise(pl.col("match")))
    names = names.with_columns(end=pl.col("start") + pl.col("match").str.len_chars(),
                               word_end=pl.col("start") + pl.col("match").str.len_chars()
                               - pl.col("legal").cast(pl.Int64))
    stop_before = (_previous("dot")
                   & (_previous("end") + 1 == pl.col("start") - pl.col("lead").str.len_chars()))
    return names.with_columns(
        pre=pl.col("pre_raw").str.strip_chars(" \t\r\n,").str.replace_all(r"\s+", " "),
        after_comma=pl.col("lead").str.starts_with(","),
        sentence_start=(pl.col("pre_raw") == "") & ((pl.col("lead") == "") | pl.col("lead").str.contains(r"^[.!?]")
                                                    | stop_before.fill_null(False)),
    )


def _groups(terms: pl.Series, pattern: str) -> pl.DataFrame:
    """The named groups of `pattern` in each of `terms`, one column per group, in order: read once per distinct
    term (the same names and the words around them come back again and again) and joined back."""
    distinct = terms.unique().to_frame("_term")
    groups = distinct.with_columns(pl.col("_term").str.extract_groups(pattern).alias("_groups")).unnest("_groups")
    return terms.to_frame("_term").join(groups, on="_term", how="left", maintain_order="left").drop("_term")


def _previous(column: str, step: int = 1) -> pl.Expr:
    """The value `step` mentions before (after, when negative) in the same row; frames are sorted by row, start."""
    return pl.when(pl.col("row").shift(step) == pl.col("row")).then(pl.col(column).shift(step))


def _joined(names: pl.DataFrame) -> pl.DataFrame:
    """Join runs the scan keeps apart: an initial ("Mara J. Holt"), particles ("Ursula von der Leyen"), a name
    built on "of", "for" or "on" ("Department of Justice", "Future of Life Institute", "Bureau of Industry and
    Security"); a dotted title before a name ("Rep. Dana Whitfield") becomes that name's title."""
    titles = [title[:-1] for title in _titles() if title.endswith(".")]
    gap = pl.col("start") - pl.col("lead").str.len_chars() - pl.col("pre_raw").str.len_chars()
    touching = ((_previous("end") + _previous("dot").cast(pl.Int64) == gap) & ~_previous("possessive")).fill_null(False)
    stop = _previous("dot").fill_null(False)
    bare = pl.col("pre_raw") == ""
    particles = rf"^(?:(?:{'|'.join(sorted(_PARTICLES))})(?: |$))+$"
    names = names.sort("row", "start").with_columns(
        dotted_title=touching & stop & bare & _previous("match").is_in(titles).fill_null(False),
        initial=touching & stop & bare & _previous("match").str.contains(rf"(?:^|\s)[{_UPPER}]$").fill_null(False),
        particle=touching & ~stop & pl.col("pre").str.contains(particles),
        of=touching & ~stop & pl.col("pre").is_in(_OF) & (
            _previous("match").str.extract(r"(\S+)$").is_in(_series("org_head")).fill_null(False)
            | pl.col("match").str.extract(r"(\S+)$").is_in(_series("org_word")).fill_null(False)),
    )
    names = names.with_columns(
        joins=(pl.col("initial") | pl.col("particle") | pl.col("of")
               | (touching & ~stop & (pl.col("pre") == "and") & _previous("of").fill_null(False))),
        title=pl.when("dotted_title").then(_previous("match") + ".").otherwise(pl.lit("")),
    ).filter(~_previous("dotted_title", -1).fill_null(False))
    names = names.with_columns(group=(~pl.col("joins")).cum_sum())
    several = pl.col("joins") | pl.col("joins").shift(-1).fill_null(False)
    piece = (pl.when("joins").then(pl.when("initial").then(pl.lit(".")).otherwise(pl.lit("")) + pl.col("lead")
                                   + pl.col("pre_raw") + pl.col("match")).otherwise(pl.col("match")))
    merged = (names.filter(several).with_columns(piece=piece).group_by("group", maintain_order=True)
              .agg(pl.col("row", "start", "lead", "pre_raw", "pre", "title", "after_comma", "sentence_start").first(),
                   pl.col("end", "word_end", "dot", "possessive", "legal").last(), pl.col("piece").str.join("")))
    columns = ["row", "start", "end", "word_end", "match", "lead", "pre_raw", "pre", "title", "after_comma",
               "sentence_start", "dot", "possessive", "legal"]
    return pl.concat([names.filter(~several).select(columns), merged.rename({"piece": "match"}).select(columns)]
                     ).sort("row", "start")


def _place_names(names: pl.DataFrame) -> pl.Expr:
    last = pl.col("match").str.extract(r"(\S+)$")
    return pl.col("match").is_in(_series("place")) | (
        last.is_in(_series("place_word")) & pl.col("match").str.contains(r"\s"))


def _outside_places(known: pl.DataFrame, names: pl.DataFrame) -> pl.DataFrame:
    """Known actors inside a place name are not the actor: "Menlo" in "Menlo Park"."""
    places = names.filter(_place_names(names)).select("row", p_start="start", p_end="end").sort("row", "p_start")
    if places.is_empty() or known.is_empty():
        return known
    placed = known.sort("row", "start").join_asof(places, left_on="start", right_on="p_start", by="row",
                                                  strategy="backward", check_sortedness=False)
    return placed.filter(pl.col("p_end").is_null() | (pl.col("end") > pl.col("p_end"))).drop("p_start", "p_end")


def _outside_known(names: pl.DataFrame, known: pl.DataFrame) -> pl.DataFrame:
    """Names that begin inside a known actor are dropped; names that run into one are cut before it.

    Known spans do not overlap one another, so the known span starting last at or before a name, and the one
    starting first after its start, are all that can overlap it: two as-of joins, linear in the mentions.
    """
    if known.is_empty():
        return names
    spans = known.select("row", pl.col("start").alias("k_start"), pl.col("end").alias("k_end")).sort("row", "k_start")
    names = names.sort("row", "start")
    before = names.join_asof(spans, left_on="start", right_on="k_start", by="row", strategy="backward",
                             check_sortedness=False)
    after = names.join_asof(spans.select("row", "k_start").rename({"k_start": "next_start"}), left_on="start",
                            right_on="next_start", by="row", strategy="forward", allow_exact_matches=False,
                            check_sortedness=False)
    names = before.with_columns(after["next_start"]).filter(pl.col("k_end").is_null()
                                                            | (pl.col("k_end") <= pl.col("start")))
    cut = pl.col("next_start").is_not_null() & (pl.col("next_start") < pl.col("end"))
    kept = (pl.col("next_start") - pl.col("start")).clip(0)
    trimmed = pl.col("match").str.slice(0, kept).str.replace(r"(?:\s*(?:,|&|-|\band|\bof|\bfor|\bon|\bthe)\s*)*$", "")
    return (names.with_columns(pl.when(cut).then(trimmed).otherwise(pl.col("match")).alias("match"),
                               *[pl.when(cut).then(pl.lit(False)).otherwise(pl.col(flag)).alias(flag)
                                 for flag in ("possessive", "dot", "legal")])
            .with_columns(end=pl.col("start") + pl.col("match").str.len_chars())
            .with_columns(word_end=pl.col("end") - pl.col("legal").cast(pl.Int64))
            .filter(pl.col("match").str.len_chars() > 0)
            .drop("k_start", "k_end", "next_start"))


def _following(texts: pl.Series) -> pl.DataFrame:
    """What follows each capitalised word: an appositive that says what it is (", a Berlin startup", ", who ...")
    or the lowercase word after it ("chatbot", "government"); keyed by row and the end of the word."""
    words = entity_words()
    person_roles, org_roles = _person_roles(), words["org_role"]
    pattern = _patterns()["following"]
    spans = find_spans(texts, pattern)
    parts = _groups(spans["term"], pattern)
    after = parts["after"].str.to_lowercase()
    tokens = after.str.replace_all(r"['’]s\b", "").str.split(" ")

    def any_of(roles: frozenset[str], other: frozenset[str]) -> pl.Expr:
        wanted = roles - other
        found = tokens.list.eval(pl.element().is_in([role for role in wanted if " " not in role])).list.any()
        several = {role for role in wanted if " " in role}
        if several:
            found = found | after.str.contains(rf"(?-u:\b)(?:{_alternation(several)})(?-u:\b)")
        return found.fill_null(False)

    relative = tokens.list.first()
    return spans.select(
        "row", (pl.col("start") + parts["word"].str.len_chars()).alias("word_end"),
        any_of(person_roles, org_roles).alias("post_person"), any_of(org_roles, person_roles).alias("post_org"),
        pl.when(relative.is_in(["who", "whose", "which"])).then(relative).alias("relative"),
        parts["next"].alias("next"), parts["gap"].alias("gap"))


@functools.cache
def _person_roles() -> frozenset[str]:
    words = entity_words()
    return frozenset(words["person_role"] | {title.lower() for title in words["person_title"]})


def _evidence(names: pl.DataFrame, following: pl.DataFrame) -> pl.DataFrame:
    """Strip sentence words and titles from the front of each name, note what follows it, and take in "government"
    after a name ("the French government")."""
    government = (pl.col("next") == "government") & (pl.col("gap") == " ") & ~pl.col("possessive")
    names = (names.join(following.unique(["row", "word_end"]), on=["row", "word_end"], how="left")
             .with_columns(match=pl.when(government).then(pl.col("match") + " government").otherwise(pl.col("match")),
                           end=pl.when(government).then(pl.col("end") + 11).otherwise(pl.col("end")),
                           next=pl.when(government).then(pl.lit(None, pl.String)).otherwise(pl.col("next")))
             .with_columns(title=pl.when(pl.col("title") != "").then(pl.col("title")), stripped=pl.lit(False)))
    fronted = (pl.col("match").str.extract(r"^(\S+)\s").is_in(_series("front_word"))).fill_null(False)
    names = names.with_columns(fronted=fronted)
    front = names.filter("fronted")
    for _ in range(3):  # "The Chief Justice Eleanor Whitcombe": "The", then "Chief Justice"
        front = _strip_front(front)
    names = (pl.concat([names.filter(~pl.col("fronted")), front]).sort("row", "start").drop("fronted")
             .with_columns(sentence_start=pl.col("sentence_start") & ~pl.col("stripped")))
    return names.filter(pl.col("match").str.len_chars() > 0).with_columns(words=pl.col("match").str.split(" ")
                                                                          ).drop("gap", "stripped")


def _strip_front(names: pl.DataFrame) -> pl.DataFrame:
    """Drop one sentence word or title (of up to three words) from the front of each name that goes on with a
    capitalised word; a title dropped is kept as the name's title."""
    fronts = _series("front")
    candidates = [pl.col("match").str.extract(rf"^((?:\S+\s+){{{n}}})[{_UPPER}]", 1) for n in (3, 2, 1)]
    spoken = [candidate.str.replace_all(r"\s+", " ").str.strip_chars() for candidate in candidates]
    cut = pl.coalesce([pl.when(word.is_in(fronts)).then(candidate) for word, candidate in zip(spoken, candidates)])
    phrase = pl.coalesce([pl.when(word.is_in(fronts)).then(word) for word in spoken])
    return (names.with_columns(cut=cut, phrase=phrase)
            .with_columns(start=pl.col("start") + pl.col("cut").str.len_chars().fill_null(0),
                          match=pl.col("match").str.slice(pl.col("cut").str.len_chars().fill_null(0)),
                          title=pl.when(pl.col("phrase").is_in(_series("title"))).then("phrase").otherwise("title"),
                          stripped=pl.col("stripped") | pl.col("cut").is_not_null())
            .drop("cut", "phrase"))


@functools.cache
def _series(kind: str) -> pl.Series:
    """A word list for `is_in`, as one imploded Series (made once, not on every call)."""
    return _words(kind).implode()


@functools.cache
def _words(kind: str) -> pl.Series:
    words = entity_words()
    if kind == "front":
        return pl.Series(sorted(words["not_name"] | _titles()), dtype=pl.String)
    if kind == "title":
        return pl.Series(sorted(_titles()), dtype=pl.String)
    if kind == "front_word":  # the first word of anything _strip_front may drop
        return pl.Series(sorted({phrase.split()[0] for phrase in words["not_name"] | _titles()}), dtype=pl.String)
    roles = {"person_only": _person_roles() - words["org_role"], "org_only": words["org_role"] - _person_roles(),
             "true_title": words["person_title"] - _capitalised(words["org_role"]),
             "role_title": _capitalised(words["person_role"]) - _capitalised(words["org_role"]),
             "org_title": _capitalised(words["org_role"]) - words["person_title"]}
    if kind in roles:
        return pl.Series(sorted(roles[kind]), dtype=pl.String)
    if kind == "not_a_name":  # words that are never a name, alone or together
        return pl.Series(sorted(words["calendar"] | words["not_name"] | words["demonym"] | words["product"]),
                         dtype=pl.String)
    return pl.Series(sorted(words[kind]), dtype=pl.String)


def _labelled(names: pl.DataFrame) -> pl.DataFrame:
    """ORG, PERSON or null for each name, from its shape and the evidence around it."""
    name, last, count = pl.col("match"), pl.col("words").list.last(), pl.col("words").list.len()
    pre_last = pl.col("pre").str.extract(r"(\S+)$")
    capital = rf"^(?:[{_UPPER}][a-zß-öø-ÿā-žƀ-ɏḁ-ỿ'’-]|[{_UPPER}]\.$|(?:{'|'.join(sorted(_PARTICLES))})$)"
    features = names.with_columns(
        place=_place_names(names),
        calendar=pl.col("words").list.eval(pl.element().is_in(_series("not_a_name"))).list.all(),
        capitalised=pl.col("words").list.eval(pl.element().str.contains(capital)).list.all(),
        common_last=last.str.to_lowercase().is_in(_series("common_words")) & ~last.str.contains(rf"^[{_UPPER}]{{2}}"),
        org_word=(count >= 2) & (last.is_in(_series("org_word")) | name.str.contains(r"\s(?:of|for|on)\s")
                                 | name.str.ends_with(" government")),
        institution=name.is_in(_series("institution")),
        not_acronym=name.is_in(_series("not_acronym")),
        common=name.str.to_lowercase().is_in(_series("common_words")),
        count=count,
        pre_person=pre_last.is_in(_series("person_only")).fill_null(False),
        pre_org=(pre_last.is_in(_series("org_only")) | pl.col("pre").is_in(_series("org_only"))).fill_null(False),
        true_title=pl.col("title").is_in(_series("true_title")).fill_null(False),
        role_title=pl.col("title").is_in(_series("role_title")).fill_null(False),
        org_title=pl.col("title").is_in(_series("org_title")).fill_null(False),
        cue=pl.col("pre").str.contains(rf"(?:^|\s)(?:{_alternation(entity_words()['person_cue'])})$"),
        thing=pl.col("next").is_in(_series("thing_noun")).fill_null(False),
        post_person=pl.col("post_person").fill_null(False) & ~pl.col("post_org").fill_null(False),
        post_org=pl.col("post_org").fill_null(False) & ~pl.col("post_person").fill_null(False),
    ).with_columns(
        name_like=pl.col("capitalised") & ~pl.col("place") & ~pl.col("calendar") & ~pl.col("org_word")
        & (pl.col("count") <= _MAX_NAME_WORDS),
        acronym=(pl.col("count") == 1) & name.str.contains(rf"^[{_UPPER}][{_UPPER}0-9&]{{1,6}}$")
        & ~pl.col("not_acronym") & ~name.str.contains(r"^[A-Z][0-9]+$") & ~pl.col("place"),
    )
    c = pl.col
    org_context = (c("pre_org") | c("org_title") | c("post_org") | ((c("relative") == "which") & ~c("common_last")))
    person_context = (c("true_title") | (c("role_title") & ~c("common_last")) | c("pre_person") | c("post_person")
                      | c("relative").is_in(["who", "whose"]))
    single = (c("count") == 1) & c("name_like") & ~c("not_acronym") & ~c("common")
    bare_person = c("name_like") & (c("count") >= 2) & (c("count") <= 4) & ~c("common_last")
    label = (pl.when(c("org_word") | c("institution")).then(pl.lit("ORG"))
             .when(person_context & c("name_like")).then(pl.lit("PERSON"))
             .when(org_context & ~c("calendar") & ~c("place")).then(pl.lit("ORG"))
             .when(c("acronym")).then(pl.lit("ORG"))
             .when((c("cue") & (c("count") >= 2) & c("name_like")) | bare_person).then(pl.lit("PERSON"))
             .when(c("possessive") & single).then(pl.lit("ORG"))
             .otherwise(pl.lit(None, pl.String)))
    return features.select(
        *names.columns, label=label, surname_candidate=c("name_like") & (c("count") <= 2),
        loose=single & ~c("thing") & c("title").is_null(), mid_sentence=~c("sentence_start"))


def _surnames(names: pl.DataFrame, known: pl.DataFrame) -> pl.DataFrame:
    """A name that is the end of a person named earlier in the same document is that person.

    People found by rule give their surnames to later mentions ("Ferrando" after "Lucía Ferrando"), known people
    to later mentions of theirs ("Suleyman" after "Mustafa Suleyman", resolved through the alias table).
    """
    def endings(people: pl.DataFrame, name: str) -> pl.DataFrame:
        words = pl.col(name).str.split(" ")
        return (people.with_columns(ending=pl.int_ranges(1, words.list.len()), words=words)
                .explode("ending").drop_nulls("ending")
                .with_columns(surname=pl.col("words").list.slice(pl.col("ending")).list.join(" ")))

    found = names.filter(pl.col("label") == "PERSON").select("document", "start", "row", "match")
    people = endings(found, "match").select("document", "surname", first_row="row", first_start="start",
                                            canonical_person=pl.lit(None, pl.String))
    known_people = known.filter(pl.col("label") == "PERSON").select("document", "row", "start", "canonical")
    resolved = endings(known_people, "canonical").select("document", "surname", first_row="row",
                                                         first_start="start", canonical_person="canonical")
    table = (pl.concat([resolved, people]).sort("first_row", "first_start", maintain_order=True)
             .unique(["document", "surname"], keep="first", maintain_order=True))
    candidates = names.join(table, left_on=["document", "match"], right_on=["document", "surname"], how="left")
    later = pl.col("surname_candidate") & pl.col("first_row").is_not_null() & (
        (pl.col("first_row") < pl.col("row"))
        | ((pl.col("first_row") == pl.col("row")) & (pl.col("first_start") < pl.col("start"))))
    return candidates.with_columns(
        label=pl.when(later).then(pl.lit("PERSON")).otherwise(pl.col("label")),
        canonical=pl.when(later).then(pl.col("canonical_person")).otherwise(pl.lit(None, pl.String)),
    ).with_columns(
        kind=pl.when(pl.col("canonical").is_not_null()).then(pl.lit("person")).otherwise(pl.lit(None, pl.String)),
        in_record=pl.col("canonical").is_not_null(),
    ).drop("first_row", "first_start", "canonical_person")


def _coordinated(names: pl.DataFrame, known: pl.DataFrame) -> pl.DataFrame:
    """Names left unlabelled that stand alone as one capitalised word (`loose`): listed with an actor, they take
    its label ("Lightspeed and Oakhurst", "Hassabis and Suleyman"); otherwise one mid-sentence, followed by no
    word for a thing ("the Grok chatbot"), is an organisation named in passing ("the story for Bloomberg").
    A list is read one step each way: "Baidu, Alibaba and Tencent" is three organisations."""
    loose = pl.col("loose") & pl.col("label").is_null()
    passing = pl.when(loose & pl.col("mid_sentence")).then(pl.lit("ORG"))
    mentions = pl.concat([
        known.select("row", "start", "end", "label", pl.lit(None, pl.UInt32).alias("index"),
                     linked=pl.lit(False), loose=pl.lit(False)),
        names.with_row_index("index").select(
            "row", "start", "end", pl.coalesce("label", passing).alias("label"), "index",
            linked=(pl.col("after_comma") | pl.col("pre").is_in(["and", "or"]))
            & pl.col("pre").is_in(["", "and", "or"]),
            loose=loose),
    ]).sort("row", "start")
    near = ((pl.col("start") - _previous("end")) <= 6).fill_null(False)
    mentions = mentions.with_columns(joined=pl.col("linked") & near)
    neighbours = mentions.with_columns(previous=pl.when("joined").then(_previous("label")),
                                       following=pl.when(_previous("joined", -1).fill_null(False))
                                       .then(_previous("label", -1)))
    listed = (neighbours.filter(pl.col("index").is_not_null())
              .select("index", listed=pl.when("loose").then(pl.coalesce("previous", "following"))))
    return (names.with_row_index("index").join(listed, on="index", how="left")
            .with_columns(label=pl.coalesce("label", "listed", passing))
            .drop("index", "listed"))
