"""Actors: organisations and people, resolved to canonical names through the `entities` alias table.

Known actors are found with one alternation of every canonical name and alias (longest first, so
"Microsoft Corp." wins over "Microsoft"); "Musk" resolves to "Elon Musk". Organisations the record does not
know are found by a rule — capitalised words ending in an organisational word ("Inflection Labs", "Acme
Corp.") — and kept with no canonical name, marked `in_record = False`.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import polars as pl

from workbench.analysis.scan import find_spans

__all__ = ["SCHEMA", "alias_table", "extract_entities"]

_ORG_SUFFIX = (r"(?:Inc\.?|Corp\.?|Corporation|Co\.|Ltd\.?|LLC|PLC|Labs?|Group|Foundation|Institute|University"
               r"|Capital|Ventures|Partners|Technologies|Systems|Holdings|Fund|Association|Agency|Commission"
               r"|Council|Bank|AI)")
# Rust regex (no look-around): ASCII word boundaries, so curly quotes and accents keep the fast engine.
_UNKNOWN_ORG = rf"(?-u:\b)(?:(?:[A-Z][\w&'-]*|[A-Z]{{2,}})\s+){{1,3}}{_ORG_SUFFIX}(?-u:\b)?"
# Capitalised words that begin sentences or titles, not names.
_NOT_NAME_START = frozenset({"The", "A", "An", "In", "On", "At", "But", "And", "Its", "Their", "This", "That"})
SCHEMA = {"text": pl.String, "canonical": pl.String, "label": pl.String, "kind": pl.String,
          "in_record": pl.Boolean, "start": pl.Int64, "end": pl.Int64}


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
def _known_pattern(surfaces: tuple[str, ...]) -> str:
    """One alternation of every surface form, longest first; word boundaries only where a form has a word edge."""
    def bounded(surface: str) -> str:
        left = r"(?-u:\b)" if surface[0].isalnum() else ""
        right = r"(?-u:\b)" if surface[-1].isalnum() else ""
        return left + pl.escape_regex(surface) + right

    return "|".join(bounded(s) for s in sorted(surfaces, key=len, reverse=True))


def extract_entities(frame: pl.DataFrame, entities: pl.DataFrame, *,
                     id_columns: Sequence[str] = ("doc_id", "paragraph"), text_column: str = "text") -> pl.DataFrame:
    """One row per mention: id columns, text, canonical (null if unknown), label, kind, in_record, offsets."""
    aliases = alias_table(entities)
    texts = frame[text_column]
    known = (find_spans(texts, _known_pattern(tuple(aliases["surface"].to_list()))).rename({"term": "match"})
             .join(aliases, left_on="match", right_on="surface", how="left")
             .with_columns(in_record=pl.lit(True)))
    unknown = (find_spans(texts, _UNKNOWN_ORG).rename({"term": "match"})
               .with_columns(pl.col("match").str.replace(r"^(?:The|A|An|In|On|At|But|And|Its|Their|This|That)\s+",
                                                         "").alias("trimmed"))
               .with_columns(start=pl.col("end") - pl.col("trimmed").str.len_chars(), match=pl.col("trimmed"))
               .filter(~pl.col("match").str.split(" ").list.first().is_in(list(_NOT_NAME_START)))
               .drop("trimmed")
               .with_columns(canonical=pl.lit(None, pl.String), kind=pl.lit(None, pl.String),
                             label=pl.lit("ORG"), in_record=pl.lit(False)))
    unknown = _without_overlaps(unknown, known)
    mentions = pl.concat([known.select(unknown.columns), unknown], how="vertical_relaxed")
    ids = frame.select(id_columns).with_row_index("row").with_columns(pl.col("row").cast(pl.Int64))
    return (ids.join(mentions, on="row", how="inner").sort("row", "start")
            .select(*id_columns, pl.col("match").alias("text"), *[pl.col(c).cast(t) for c, t in SCHEMA.items()
                                                                  if c != "text"]))


def _without_overlaps(candidates: pl.DataFrame, taken: pl.DataFrame) -> pl.DataFrame:
    """Drop candidate spans that overlap a span already taken in the same row."""
    if candidates.is_empty() or taken.is_empty():
        return candidates
    numbered = candidates.with_row_index("candidate")
    overlapping = (numbered.join(taken.select("row", pl.col("start").alias("t_start"), pl.col("end").alias("t_end")),
                                 on="row")
                   .filter((pl.col("start") < pl.col("t_end")) & (pl.col("t_start") < pl.col("end")))
                   .select("candidate").unique())
    return numbered.join(overlapping, on="candidate", how="anti").drop("candidate")
