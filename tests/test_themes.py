"""Themes: inflections, multi-word terms, context rules, user lexicons, exact offsets, gold labels, scores."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import polars as pl
import pytest
from conftest import SEED_ID, examples
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbench.analysis import themes
from workbench.analysis.scan import find_spans
from workbench.analysis.synthetic import synthetic_paragraphs
from workbench.analysis.themes import THEMES, evaluate_themes, inflect, load_lexicon, tag_themes
from workbench.corpus import load_corpus
from workbench.errors import DatasetError, SchemaError

TERMS_HEADER = "theme,subtheme,term,forms,needs_context,note\n"


@pytest.fixture(autouse=True)
def _no_user_lexicon(data_dir: Path) -> Path:
    """Every test sees an empty data/user/ unless it writes one."""
    return data_dir


def tag(*texts: str) -> themes.ThemeTags:
    frame = pl.DataFrame({"doc_id": ["d"] * len(texts), "paragraph": list(range(1, len(texts) + 1)),
                          "text": list(texts)})
    return tag_themes(frame)


def labels(text: str) -> tuple[list[str], list[str]]:
    row = tag(text).labels.row(0, named=True)
    return row["themes"], row["subthemes"]


def terms(text: str, subtheme: str | None = None) -> list[str]:
    evidence = tag(text).evidence
    if subtheme:
        evidence = evidence.filter(pl.col("subtheme") == subtheme)
    return evidence["term"].to_list()


# --- inflections and multi-word terms -------------------------------------------------------------------

def test_inflect_makes_verb_and_noun_forms() -> None:
    assert inflect("invest", "verb") == ["invest", "invests", "invested", "investing"]
    assert set(inflect("commit {amount}", "verb")) >= {"commits {amount}", "committed {amount}",
                                                       "committing {amount}"}
    assert inflect("raise money", "verb")[1:] == ["raises money", "raised money", "raising money"]
    assert inflect("board of directors", "noun") == ["board of directors", "boards of directors"]
    assert inflect("bias", "noun") == ["bias", "biases"]
    assert inflect("subsidiary", "noun") == ["subsidiary", "subsidiaries"]
    assert inflect("AI Act", "exact") == ["AI Act"]


@pytest.mark.parametrize("text, term", [
    ("Microsoft will invest in OpenAI.", "invest"),
    ("Microsoft invests in OpenAI.", "invests"),
    ("Microsoft invested in OpenAI.", "invested"),
    ("Microsoft is investing in OpenAI.", "investing"),
    ("The investment in OpenAI was large.", "investment"),
    ("Investors in OpenAI cheered.", "Investors"),
    ("Backers committed at least $1 billion to the AI lab.", "committed at least $1 billion"),
    ("The AI startup raised €385\u00a0million.", "raised €385\u00a0million"),
])
def test_inflected_forms_are_funding(text: str, term: str) -> None:
    assert term in terms(text, "investment")


@pytest.mark.parametrize("text, term, subtheme", [
    ("OpenAI LP has a capped-profit structure.", "capped-profit", "structure"),
    ("OpenAI LP has a capped profit structure.", "capped profit", "structure"),
    ("It stayed a nonprofit.", "nonprofit", "structure"),
    ("It stayed a non-profit.", "non-profit", "structure"),
    ("The board of directors met.", "board of directors", "board"),
    ("The board of\u00a0directors met.", "board of\u00a0directors", "board"),
    ("The board of\r\ndirectors met.", "board of\r\ndirectors", "board"),
    ("Boards of directors met.", "Boards of directors", "board"),
    ("A big cloud-computing customer.", "cloud-computing", "cloud"),
    ("A big cloud computing customer.", "cloud computing", "cloud"),
])
def test_multi_word_terms_match_across_hyphens_and_any_white_space(text: str, term: str, subtheme: str) -> None:
    assert terms(text, subtheme) == [term]


def test_the_longest_term_wins_at_a_position() -> None:
    evidence = tag("Microsoft sits on OpenAI's board of directors.").evidence
    assert evidence.select("subtheme", "term").rows() == [("board", "board of directors")]


# --- context rules: exclusions and needs_context ------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "Passengers boarded the plane in Chicago.",
    "Passengers board the plane at gate 12.",
    "The musicians were on board with the plan.",
    "The chess club's notice board lists tournaments.",
    "The surfboard maker hired 40 people.",
    "Storm clouds gathered over the stadium.",
    "She hiked in the Alps, where thick cloud cover hid the summit.",
    "The amplifier uses a bias current of a few microamps.",
    "Engineers adjusted the bias voltage.",
    "The city's parks department funds summer concerts.",
    "Parents raised safety concerns about the playground.",
])
def test_classic_false_positives_get_no_theme(text: str) -> None:
    assert labels(text) == ([], [])


@pytest.mark.parametrize("text", [
    "The AI assistant reads satellite images of the clouds.",
    "Once the new hires were on board, the AI lab shipped a feature.",
    "Engineers said the AI-powered arm corrects for sensor bias drift.",
    "The AI startup's founders boarded the same flight.",
])
def test_false_positive_traps_stay_out_even_in_ai_text(text: str) -> None:
    assert labels(text) == ([], [])


def test_needs_context_terms_count_only_in_text_about_ai() -> None:
    assert labels("Parents raised safety concerns.") == ([], [])
    assert labels("Parents raised safety concerns about chatbots.") == (["ai_risk"], ["safety"])
    assert labels("The city funds concerts.") == ([], [])
    assert labels("OpenAI funds AI research.") == (["funding"], ["investment"])


def test_a_context_term_inside_an_exclusion_gives_no_context() -> None:
    assert labels("An exhibition by Ai Weiwei raised safety concerns.") == ([], [])
    assert labels("Ai Weiwei said AI raises safety concerns.") == (["ai_risk"], ["safety"])


def _shipped_exclusions() -> list[dict]:
    with (themes.LEXICON_DIR / themes.EXCLUSIONS_FILE).open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.parametrize("rule", _shipped_exclusions(), ids=lambda rule: f"{rule['term']}:{rule['example'][:30]}")
def test_every_shipped_exclusion_removes_its_term_from_its_example(rule: dict) -> None:
    """Each rule is data with its own example; without the rule the term would be found in it."""
    lexicon = load_lexicon()
    text = f"OpenAI: {rule['example']}" if rule["term"].lower() != "ai" else rule["example"]
    term_forms = {form.lower() for row in lexicon.filter(pl.col("term") == rule["term"]).iter_rows(named=True)
                  for form in inflect(row["term"], row["forms"])}
    frame = pl.DataFrame({"doc_id": ["d"], "paragraph": [1], "text": [text]})

    def found(lexicon: pl.DataFrame) -> list[str]:
        if rule["term"].lower() == "ai":  # a context term: it shows in whether a needs_context term counts
            frame_ = frame.with_columns(pl.col("text") + " Safety matters.")
            return tag_themes(frame_, lexicon=lexicon).evidence["term"].to_list()
        return [term for term in tag_themes(frame, lexicon=lexicon).evidence["term"].to_list()
                if re.sub(r"\s+", " ", term.lower()) in term_forms]

    assert re.search(f"(?i:{rule['pattern']})", rule["example"]), "the example must contain the phrase"
    assert found(lexicon.with_columns(exclude=pl.lit([], dtype=pl.List(pl.String)))), "no term to exclude"
    assert found(lexicon) == []


# --- user lexicon overlay ------------------------------------------------------------------------------

def _write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_user_lexicon_adds_terms_senses_and_exclusions(data_dir: Path) -> None:
    folder = data_dir / "user" / "lexicons"
    _write(folder, "themes.csv", TERMS_HEADER
           + "funding,compute,compute cluster,noun,false,a new term\n"
           + "ai_risk,safety,lucrative,exact,false,a second sense: another theme is another row\n")
    _write(folder, "theme_exclusions.csv", "term,pattern,example,note\n"
           + r"harmful,\bharmful algae\b,Harmful algae bloomed.," + "\n")
    lexicon = load_lexicon()
    assert lexicon.filter(pl.col("term") == "compute cluster")["file"].item().endswith("user/lexicons/themes.csv")
    assert labels("The AI lab rents two compute clusters.") == (["funding"], ["compute"])
    assert labels("A lucrative AI deal.") == (["funding", "ai_risk"], ["revenue", "safety"])
    assert labels("AI researchers studied harmful chatbots.") == (["ai_risk"], ["safety"])
    assert labels("AI researchers studied harmful algae.") == ([], [])


def test_user_row_with_the_same_term_replaces_the_shipped_one(data_dir: Path) -> None:
    _write(data_dir / "user" / "lexicons", "themes.csv",
           TERMS_HEADER.replace("note", "enabled,note") + "funding,revenue,lucrative,exact,true,false,off\n"
           + "funding,valuation,unicorn,noun,false,true,no AI word needed\n")
    assert labels("A lucrative AI deal.") == ([], [])
    assert labels("The startup became a unicorn.") == (["funding"], ["valuation"])


def test_load_lexicon_takes_an_explicit_folder_and_can_skip_the_user(tmp_path: Path) -> None:
    _write(tmp_path, "themes.csv", TERMS_HEADER + "funding,compute,wafer-scale engine,noun,false,\n")
    assert "wafer-scale engine" in load_lexicon(tmp_path)["term"].to_list()
    assert "wafer-scale engine" not in load_lexicon(tmp_path, with_user=False)["term"].to_list()


def test_bad_user_lexicon_lists_every_problem_with_place_and_fix(tmp_path: Path) -> None:
    _write(tmp_path, "themes.csv", TERMS_HEADER
           + "fundin,investment,seed round,noun,false,\n"        # line 2: unknown theme
           + "funding,Seed Rounds,seed round,noun,false,\n"      # line 3: not snake_case
           + "funding,investment,invest*,verb,false,\n"          # line 4: wildcard
           + "funding,investment,angel round,plural,false,\n"    # line 5: bad forms
           + "funding,investment,angel round,noun,maybe,\n"      # line 6: bad boolean
           + "governance,compute,compute council,noun,false,\n"  # line 7: sub-theme of another theme
           + "funding,investment,bridge round,noun,false,\n"
           + "funding,investment,Bridge  Round,noun,false,\n")   # line 9: repeats line 8
    _write(tmp_path, "theme_exclusions.csv", "term,pattern,example,note\n"
           + r"board,\bon board(?! of)\b,,look-ahead" + "\n"       # line 2: not Rust syntax
           + r"bord,\bnotice bord\b,," + "\n"                      # line 3: unknown term
           + "cloud,x*,,\n")                                       # line 4: matches empty text
    with pytest.raises(SchemaError) as raised:
        load_lexicon(tmp_path)
    problems = {(Path(p.file).name, p.line, p.column): p for p in raised.value.problems}
    assert set(problems) == {
        ("themes.csv", 2, "theme"), ("themes.csv", 3, "subtheme"), ("themes.csv", 4, "term"),
        ("themes.csv", 5, "forms"), ("themes.csv", 6, "needs_context"), ("themes.csv", 7, "subtheme"),
        ("themes.csv", 9, "term"), ("theme_exclusions.csv", 2, "pattern"), ("theme_exclusions.csv", 3, "term"),
        ("theme_exclusions.csv", 4, "pattern")}
    assert "'funding'" in problems["themes.csv", 2, "theme"].fix
    assert problems["themes.csv", 4, "term"].value == "invest*"
    assert "board" in problems["theme_exclusions.csv", 3, "term"].fix
    assert "look-around" in problems["theme_exclusions.csv", 2, "pattern"].fix
    message = str(raised.value)
    assert "themes.csv:5, column 'forms', value 'plural'" in message and "Fix:" in message


def test_a_user_file_with_wrong_columns_says_which(tmp_path: Path) -> None:
    _write(tmp_path, "themes.csv", "theme,subtheme,word,forms,colour\nfunding,compute,gpu farm,noun,red\n")
    with pytest.raises(SchemaError) as raised:
        load_lexicon(tmp_path)
    assert {(p.line, p.column) for p in raised.value.problems} == {(1, "term"), (1, "word"), (1, "colour")}


def test_tag_themes_names_missing_columns() -> None:
    with pytest.raises(DatasetError, match="id_columns"):
        tag_themes(pl.DataFrame({"text": ["AI"]}))
    with pytest.raises(DatasetError, match="load_lexicon"):
        tag_themes(pl.DataFrame({"doc_id": ["d"], "paragraph": [1], "text": ["AI"]}),
                   lexicon=pl.DataFrame({"term": ["x"]}))


# --- frames, offsets, properties ---------------------------------------------------------------------------

def test_labels_keep_input_rows_order_and_ids_for_sentence_frames() -> None:
    frame = pl.DataFrame({"doc_id": ["b", "a", "a"], "sentence": [7, 2, 1],
                          "text": ["Fake news spread.", "", "Microsoft invested in OpenAI's cloud."]})
    tags = tag_themes(frame, id_columns=("doc_id", "sentence"))
    assert tags.labels.columns == ["doc_id", "sentence", "themes", "subthemes"]
    assert tags.labels.rows() == [("b", 7, ["ai_risk"], ["misinformation"]), ("a", 2, [], []),
                                  ("a", 1, ["funding"], ["cloud", "investment"])]
    assert tags.evidence.columns == ["doc_id", "sentence", "theme", "subtheme", "term", "start", "end"]


def test_themes_come_in_themes_order() -> None:
    themes_, _ = labels("Regulators worry about AI bias; the board of the AI lab met; Microsoft invested.")
    assert themes_ == list(THEMES)


def _assert_exact_offsets(frame: pl.DataFrame, evidence: pl.DataFrame, ids: list[str]) -> None:
    texts = {tuple(row[:-1]): row[-1] for row in frame.select(*ids, "text").rows()}
    for row in evidence.iter_rows(named=True):
        text = texts[tuple(row[name] for name in ids)] or ""
        assert 0 <= row["start"] < row["end"] <= len(text)
        assert text[row["start"]:row["end"]] == row["term"]


def test_offsets_are_exact_on_the_evaluation_set_and_non_ascii_text() -> None:
    frame = pl.read_csv(themes.EVALUATION_FILE).select("id", "text")
    extra = pl.DataFrame({"id": ["x1", "x2", "x3"], "text": [
        "\u201cÜber\u201d\u00a0— OpenAI\u2019s board of\u00a0directors 董事会 invested €1bn in the AI lab’s cloud.",
        "😀😀 AI safety 😀 regulators\r\nand the capped\u2011profit arm ﬁnancing.",
        "Ελληνικά και AI: deepfakes, disinformation; Кремль funds AI."]})
    frame = pl.concat([frame, extra])
    evidence = tag_themes(frame, id_columns=["id"]).evidence
    assert evidence.filter(pl.col("id").is_in(["x1", "x2", "x3"])).height >= 9
    _assert_exact_offsets(frame, evidence, ["id"])


_WORDS = ["AI", "board", "Board of directors", "invested", "cloud", "bias", "safety", "on board", "$5 billion",
          "raised", "capped-profit", "Ai Weiwei", "storm clouds", "fake news", "OpenAI’s"]
_pieces = st.one_of(st.sampled_from(_WORDS), st.sampled_from([" ", "\r\n", "\u00a0", "\u201c", "\u201d", "-",
                                                              "\u2014", "", "\t"]),
                    st.text(max_size=12))


@settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.one_of(st.none(), st.lists(_pieces, max_size=12).map("".join)), max_size=6))
def test_property_offsets_stay_inside_the_text_on_any_input(texts: list[str | None]) -> None:
    frame = pl.DataFrame({"doc_id": [str(i) for i in range(len(texts))], "paragraph": [1] * len(texts),
                          "text": texts}, schema={"doc_id": pl.String, "paragraph": pl.Int64, "text": pl.String})
    tags = tag_themes(frame)
    assert tags.labels.height == len(texts)
    assert tags.labels["doc_id"].to_list() == frame["doc_id"].to_list()
    _assert_exact_offsets(frame, tags.evidence, ["doc_id", "paragraph"])
    for themes_ in tags.labels["themes"].to_list():
        assert themes_ == [theme for theme in THEMES if theme in themes_]


@settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.text(alphabet=st.sampled_from("ab é\u00a0😀\r\nB-’"), max_size=30), max_size=5))
def test_property_find_spans_agrees_with_python_re(texts: list[str]) -> None:
    pattern = r"(?i:\bab+\b|é\u00a0?b)"
    expected = [(row, m.start(), m.end(), m.group()) for row, text in enumerate(texts)
                for m in re.finditer(pattern, text)]
    got = find_spans(pl.Series(texts, dtype=pl.String), pattern).rows()
    assert got == expected


# --- the seed article and the evaluation set ---------------------------------------------------------------

def _gold() -> pl.DataFrame:
    return pl.read_csv(themes.EVALUATION_FILE, schema_overrides={"themes": pl.String, "subthemes": pl.String})


def test_the_evaluation_set_holds_the_seed_paragraphs_verbatim_and_enough_own_paragraphs() -> None:
    gold = _gold()
    seed = load_corpus().paragraphs_of(SEED_ID)["text"].to_list()
    assert gold.filter(pl.col("id").str.starts_with("seed-"))["text"].to_list() == seed
    own = gold.filter(pl.col("id").str.starts_with("own-"))
    assert own.height >= 40
    assert own.filter(pl.col("themes").is_null()).height >= 10  # hard negatives
    for name in THEMES:
        assert own.filter(pl.col("themes").str.contains(name)).height >= 8


# Where the tagger and a careful reader disagree on the seed, written down so a fix or a regression shows.
SEED_KNOWN_DIFFERENCES = {
    6: (["funding", "ai_risk"], "'computing power' is a compute term, but here it is about big tech's power"),
}


def test_seed_paragraphs_get_their_gold_themes() -> None:
    gold = _gold().filter(pl.col("id").str.starts_with("seed-"))
    corpus = load_corpus()
    tags = tag_themes(corpus.paragraphs_of(SEED_ID))
    for number, (expected, predicted) in enumerate(zip(gold["themes"].fill_null("").to_list(),
                                                       tags.labels["themes"].to_list()), start=1):
        wanted = SEED_KNOWN_DIFFERENCES.get(number, ([t for t in expected.split(";") if t],))[0]
        assert predicted == wanted, f"paragraph {number}"
    by_paragraph = dict(zip(tags.labels["paragraph"].to_list(), tags.labels["subthemes"].to_list()))
    assert {"investment", "cloud"} <= set(by_paragraph[1])
    assert {"board", "structure"} <= set(by_paragraph[4])
    assert "concentration_of_power" in by_paragraph[6]
    assert {"regulation", "transparency", "bias", "military_use"} <= set(by_paragraph[7])
    assert "misinformation" in by_paragraph[8]
    assert by_paragraph[9] == []


def test_evaluation_scores_stay_above_the_floor() -> None:
    """Floor: F1 >= 0.8 per theme and macro-F1 >= 0.85 (measured: 0.92-1.0 and 0.96). A lexicon edit may trade
    a little precision for recall, but losing a theme's core terms or a context rule falls well below."""
    scores = evaluate_themes()
    assert scores["theme"].to_list() == [*THEMES, "macro"]
    per_theme = dict(zip(scores["theme"], scores["f1"]))
    assert all(per_theme[name] >= 0.8 for name in THEMES), per_theme
    assert per_theme["macro"] >= 0.85
    assert scores.filter(pl.col("theme") != "macro")["support"].min() >= 10


def test_evaluation_splits_and_subthemes() -> None:
    assert evaluate_themes("heldout")["support"].sum() > 0
    subthemes = themes.evaluate_subthemes()
    assert {"compute", "board", "concentration_of_power"} <= set(subthemes["subtheme"])
    with pytest.raises(DatasetError):
        evaluate_themes("test")


def test_shipped_lexicon_covers_the_design_subthemes() -> None:
    subthemes = set(load_lexicon(with_user=False)["subtheme"])
    assert {"compute", "valuation", "cloud", "structure", "board", "control", "regulation", "transparency",
            "bias", "military_use", "misinformation", "safety", "concentration_of_power"} <= subthemes


# --- synthetic corpus ------------------------------------------------------------------------------------

def test_synthetic_paragraphs_are_deterministic_and_shaped_like_paragraphs() -> None:
    first = synthetic_paragraphs(45, seed=3, paragraphs_per_document=20)
    assert first.equals(synthetic_paragraphs(45, seed=3, paragraphs_per_document=20))
    assert not first.equals(synthetic_paragraphs(45, seed=4, paragraphs_per_document=20))
    assert first.columns == ["doc_id", "paragraph", "text"]
    assert first["doc_id"].n_unique() == 3 and first["paragraph"].max() == 20
    assert first["text"].str.len_chars().min() > 0
    assert synthetic_paragraphs(0).height == 0


def test_big_frames_are_tagged_in_batches_with_the_same_result(monkeypatch: pytest.MonkeyPatch) -> None:
    frame = synthetic_paragraphs(250, seed=1)
    whole = tag_themes(frame)
    monkeypatch.setattr(themes, "BATCH_ROWS", 60)
    batched = tag_themes(frame)
    assert batched.labels.equals(whole.labels) and batched.evidence.equals(whole.evidence)
    assert whole.evidence.height > 250


def test_a_changed_lexicon_file_is_read_again(tmp_path: Path) -> None:
    """load_lexicon reads and checks the files once, and again when one of them changes."""
    path = _write(tmp_path, "themes.csv", TERMS_HEADER + "funding,compute,wafer-scale engine,noun,false,\n")
    first = load_lexicon(tmp_path)
    assert load_lexicon(tmp_path) is first
    path.write_text(TERMS_HEADER + "funding,compute,photonic interconnect,noun,false,\n", encoding="utf-8")
    terms = load_lexicon(tmp_path)["term"].to_list()
    assert "photonic interconnect" in terms and "wafer-scale engine" not in terms
