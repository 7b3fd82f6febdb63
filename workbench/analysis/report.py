"""The stable JSON of `workbench analyze` (DESIGN §4), built from an Analysis' frames.

Each match carries `verdict` (as of now) and `verdict_at_publication` (with only what was public on the
article's date); a claim the record cannot speak to has one match with dataset and row_id null. Each also says
its `role` ('event': the row of the claim's event, which decides; 'related': a row it merely touches), the part
that decided a verdict other than consistent (`verdict_part`, `verdict_part_at_publication`: amount, date, party,
event...) and every checked part with its verdict (`parts`), so a script can tell which figure did not hold.

`analysis_json` returns it as a dict (for Python callers); `write_json` writes the same document as text,
byte for byte what `json.dump(analysis_json(...), indent=2, ensure_ascii=False, default=str)` writes, but
rendered by polars expressions a slice of rows at a time: the json module's indenting encoder is pure Python
and wrote a 50 MB document in some five million separate fragments.
"""

from __future__ import annotations

import json
from typing import TextIO

import polars as pl

from workbench.errors import DatasetError

__all__ = ["SECTIONS", "analysis_json", "write_json"]

SECTIONS = ("paragraphs", "entities", "amounts", "dates", "claims")
_ROWS_PER_WRITE = 20_000
_INDENT = "  "
# What json.dumps(..., ensure_ascii=False) escapes in a string: the quote, the backslash and every control character.
_SHORT_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}
_ESCAPES = {**{chr(code): f"\\u{code:04x}" for code in range(0x20)}, **_SHORT_ESCAPES}


def analysis_json(analysis, doc_id: str | None = None) -> dict:
    document, sections, notes = _parts(analysis, doc_id)
    return {"document": document, **{name: frame.to_dicts() for name, frame in sections.items()}, "notes": notes}


def write_json(analysis, stream: TextIO, doc_id: str | None = None) -> None:
    """Write the JSON of one document (the first when doc_id is None) to `stream`, with a final newline."""
    document, sections, notes = _parts(analysis, doc_id)
    head = json.dumps({"document": document}, indent=2, ensure_ascii=False, default=str)
    stream.write(head[:-2])  # without the closing "\n}"
    for name, frame in sections.items():
        stream.write(f",\n{_INDENT}{json.dumps(name)}: ")
        if frame.is_empty():
            stream.write("[]")
            continue
        item = _rendered(pl.struct(frame.columns), pl.Struct(frame.schema), depth=2)
        separator = f",\n{_INDENT * 2}"
        stream.write(f"[{separator[1:]}")
        for number, rows in enumerate(frame.iter_slices(_ROWS_PER_WRITE)):
            stream.write((separator if number else "") + rows.select(item.str.join(separator)).item())
        stream.write(f"\n{_INDENT}]")
    tail = json.dumps({"notes": notes}, indent=2, ensure_ascii=False, default=str)
    stream.write(",\n" + tail[2:] + "\n")  # without the opening "{\n"


def _parts(analysis, doc_id: str | None) -> tuple[dict, dict[str, pl.DataFrame], list[str]]:
    """The document's header, its sections as frames (columns in output order) and its notes."""
    documents = analysis.documents
    if documents.is_empty():
        raise DatasetError("the analysis holds no document.", fix="analyse a non-empty article.")
    doc_id = doc_id or documents["doc_id"][0]
    document = documents.filter(pl.col("doc_id") == doc_id).row(0, named=True)

    def of(frame: pl.DataFrame) -> pl.DataFrame:
        return frame.filter(pl.col("doc_id") == doc_id) if "doc_id" in frame.columns else frame

    evidence = (of(analysis.evidence).sort("paragraph", "start")
                .group_by("paragraph", maintain_order=True)
                .agg(pl.struct("theme", "term", "start", "end").alias("evidence")))
    paragraphs = (of(analysis.paragraphs).sort("paragraph").join(evidence, on="paragraph", how="left")
                  .select("paragraph", "text", "themes", "subthemes",
                          pl.col("evidence").fill_null(pl.lit([], dtype=evidence.schema["evidence"]))))
    matches = (of(analysis.matches).group_by("sentence", maintain_order=True)
               .agg(pl.struct("dataset", "row_id", "verdict", "note", "verdict_at_publication", "role",
                              "verdict_part", "verdict_part_at_publication", "parts").alias("matches")))
    claims = (of(analysis.claims).sort("sentence").join(matches, on="sentence", how="left")
              .select("paragraph", "text", "kind", "matches"))
    header = {"doc_id": doc_id, "path": document.get("file"), "published": _iso(document.get("published")),
              "paragraph_count": paragraphs.height}
    sections = {
        "paragraphs": paragraphs,
        "entities": of(analysis.entities).select("paragraph", "text", "canonical", "label", "start", "end"),
        "amounts": of(analysis.amounts).select("paragraph", "text", "value", "currency", "qualifier", "start", "end"),
        "dates": of(analysis.dates).select("paragraph", "text", "value", "precision", "relative"),
        "claims": claims,
    }
    return header, sections, list(analysis.notes)


def _rendered(value: pl.Expr, dtype: pl.DataType, depth: int) -> pl.Expr:
    """`value` as the text json.dumps(indent=2, ensure_ascii=False, default=str) gives it at nesting `depth`."""
    inner, outer = "\n" + _INDENT * (depth + 1), "\n" + _INDENT * depth
    if isinstance(dtype, pl.Struct):
        if not dtype.fields:
            text = pl.lit("{}")
        else:
            pieces: list[pl.Expr] = []
            for number, field in enumerate(dtype.fields):
                opening = ("{" if number == 0 else ",") + inner + json.dumps(field.name, ensure_ascii=False) + ": "
                pieces += [pl.lit(opening), _rendered(value.struct.field(field.name), field.dtype, depth + 1)]
            text = pl.concat_str([*pieces, pl.lit(outer + "}")])
    elif isinstance(dtype, (pl.List, pl.Array)):
        items = value.list.eval(_rendered(pl.element(), dtype.inner, depth + 1)).list.join("," + inner)
        text = (pl.when(value.list.len() == 0).then(pl.lit("[]"))
                .otherwise(pl.concat_str([pl.lit("[" + inner), items, pl.lit(outer + "]")])))
    elif dtype == pl.String or dtype == pl.Categorical or dtype == pl.Enum:
        text = _quoted(value.cast(pl.String))
    elif dtype == pl.Boolean:
        text = pl.when(value).then(pl.lit("true")).otherwise(pl.lit("false"))
    elif dtype.is_integer():
        text = value.cast(pl.String)
    elif dtype.is_float():
        text = value.cast(pl.Float64).map_batches(_float_texts, return_dtype=pl.String)
    elif dtype == pl.Null:
        text = pl.lit(None, dtype=pl.String)
    else:  # dates, times, decimals: what default=str makes of them, quoted
        text = value.map_batches(lambda series: pl.Series([None if v is None else str(v) for v in series],
                                                          dtype=pl.String), return_dtype=pl.String)
        text = _quoted(text)
    return pl.when(value.is_null()).then(pl.lit("null")).otherwise(text)


def _quoted(text: pl.Expr) -> pl.Expr:
    return pl.concat_str([pl.lit('"'), text.str.replace_many(list(_ESCAPES), list(_ESCAPES.values())), pl.lit('"')])


def _float_texts(values: pl.Series) -> pl.Series:
    """float.__repr__ of each value, as json writes it. polars' own formatting agrees except below 1e-4 (it writes
    0.00001 where Python writes 1e-05) and for NaN and infinities, which are few: those go through Python."""
    texts = values.cast(pl.String)
    odd = (values.abs() < 1e-4) & (values != 0) | values.is_nan() | values.is_infinite()
    positions = odd.fill_null(False).arg_true()
    if positions.len():
        fixed = [json.dumps(value) for value in values.gather(positions)]  # 1e-05, NaN, Infinity
        texts = texts.scatter(positions, fixed)
    return texts


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None
