"""What a table, chart or document was computed from, carried with the data instead of written out by hand.

Loaders tag what they return: `datasets.load` its table (and the tables its derived columns come from), the live
fetchers their dataset, the corpus and `analyze` the article. Views and chart builders are `traced`: what they
return is tagged with the tags of their arguments and of everything loaded or traced while they ran, so a
filtered, joined or aggregated frame keeps the inputs of the frames it came from. `save()` reads the tag
(`lineage_of`) and writes the sidecar's sources, licences and inputs from it (`workbench.attribution`).

Record rows are cited one by one. A result with a `source_ids` column cites exactly those sources; any other
result cites the rows of the tagged frames it was given or that traced calls returned to it. A table only looked up
while a function ran (loaded, filtered, never returned) is an input, not a citation of every row it holds.
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import functools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

import polars as pl

__all__ = [
    "Article", "Lineage", "bookkeeping", "clear_session", "lineage_of", "loaded", "note", "noted", "session", "tag",
    "traced",
]

_ATTRIBUTE = "_workbench_lineage"
_recorders: contextvars.ContextVar[list | None] = contextvars.ContextVar("workbench_lineage", default=None)
_bookkeeping: contextvars.ContextVar[bool] = contextvars.ContextVar("workbench_lineage_off", default=False)
F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Article:
    """An article an output was computed from: its citation and the file read (None when not on disk)."""

    doc_id: str
    title: str | None = None
    publisher: str | None = None
    author: str | None = None
    published: str | None = None
    url: str | None = None
    file: str | None = None


@dataclass(frozen=True)
class Lineage:
    """The inputs behind an object: curated tables, live datasets, articles, and the `source_ids` columns of the
    record rows it cites."""

    datasets: frozenset[str] = frozenset()
    live: frozenset[str] = frozenset()
    articles: frozenset[Article] = frozenset()
    cited: tuple[pl.Series, ...] = field(default=(), compare=False)

    def __or__(self, other: Lineage) -> Lineage:
        seen = {id(series) for series in self.cited}
        return Lineage(self.datasets | other.datasets, self.live | other.live, self.articles | other.articles,
                       self.cited + tuple(series for series in other.cited if id(series) not in seen))

    def inputs(self) -> Lineage:
        """The same inputs without the rows cited: what a lookup inside a function contributes."""
        return dataclasses.replace(self, cited=())

    def source_ids(self) -> list[str]:
        """Every source id the cited rows name, sorted, each once (a '; '-joined text column is split)."""
        ids: set[str] = set()
        for series in self.cited:
            if series.dtype == pl.String:
                series = series.str.split("; ")
            if isinstance(series.dtype, pl.List):
                ids.update(series.explode().drop_nulls().to_list())
        return sorted(i for i in ids if i)

    @classmethod
    def union(cls, lineages: Iterable[Lineage | None]) -> Lineage:
        result = cls()
        for lineage in lineages:
            if lineage is not None:
                result = result | lineage
        return result


_session = [Lineage()]


def session() -> Lineage:
    """Everything loaded in this Python session: the inputs of an output whose own lineage is unknown."""
    return _session[0]


def clear_session() -> None:
    """Forget what the session loaded (tests start from nothing)."""
    _session[0] = Lineage()


def lineage_of(obj: Any) -> Lineage | None:
    """The lineage tagged on `obj` (for a chart without one, that of the frame it plots), or None."""
    found = getattr(obj, "__dict__", {}).get(_ATTRIBUTE)
    if found is None and hasattr(obj, "to_dict") and isinstance(getattr(obj, "data", None), pl.DataFrame):
        return lineage_of(obj.data)
    return found


def tag(obj: Any, lineage: Lineage) -> Any:
    """Attach `lineage` to `obj` (added to what it already carries) and return `obj`. A frame with a
    `source_ids` column cites exactly its own rows. Containers (tuple, list, dict values, dataclass fields)
    have their tables and charts tagged too."""
    for item in _taggable(obj):
        own = lineage
        if isinstance(item, pl.DataFrame) and "source_ids" in item.columns:
            own = dataclasses.replace(lineage, cited=(item["source_ids"],))
        previous = lineage_of(item) if _ATTRIBUTE in getattr(item, "__dict__", {}) else None
        object.__setattr__(item, _ATTRIBUTE, own if previous is None else previous | own)
    return obj


def note(lineage: Lineage) -> None:
    """Tell the traced calls running now (and the session) that `lineage` was read."""
    if _bookkeeping.get():
        return
    _session[0] = _session[0] | lineage.inputs()
    recorders = _recorders.get()
    if recorders is not None:
        recorders.append(lineage)


def noted() -> Lineage:
    """What the traced call running now has been told so far: everything noted, loaded or returned by a traced call
    inside it (a cache keeps this with a result, to tell it again when the result is read back)."""
    return Lineage.union(_recorders.get() or [])


def loaded(obj: Any, lineage: Lineage) -> Any:
    """For loaders: tag what they return with its full lineage; to a traced caller it counts as a lookup
    (its inputs, not every row it holds), unless the caller returns it or passes it on."""
    note(lineage.inputs())
    return tag(obj, lineage)


@contextlib.contextmanager
def bookkeeping() -> Iterator[None]:
    """Reads that only describe an output (looking up its sources, hashing its inputs) are not its inputs."""
    token = _bookkeeping.set(True)
    try:
        yield
    finally:
        _bookkeeping.reset(token)


def traced(function: F) -> F:
    """Tag what `function` returns with the lineage of its tagged arguments and of everything loaded or traced
    while it ran (a result returned from a cache keeps the tag it got when first computed)."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        token = _recorders.set([])
        try:
            result = function(*args, **kwargs)
            recorded = _recorders.get() or []
        finally:
            _recorders.reset(token)
        given = [found for value in (*args, *kwargs.values()) for found in _given(value)]
        kept = [lineage_of(item) for item in _taggable(result)]
        lineage = Lineage.union([*given, *recorded, *kept])
        tag(result, lineage)
        recorders = _recorders.get()
        if recorders is not None:  # what the caller got: the rows its result cites, not only the inputs
            recorders.append(Lineage.union([lineage.inputs(), *(lineage_of(item) for item in _taggable(result))]))
        return result

    wrapper.__traced__ = True  # type: ignore[attr-defined]
    return wrapper  # type: ignore[return-value]


def _leaves(obj: Any) -> Iterator[Any]:
    """`obj` itself, or the items of a list, tuple or dict (nested ones too)."""
    if isinstance(obj, (tuple, list)):
        for item in obj:
            yield from _leaves(item)
    elif isinstance(obj, dict):
        for item in obj.values():
            yield from _leaves(item)
    else:
        yield obj


def _given(value: Any) -> Iterator[Lineage]:
    """The lineages an argument brings: its own, or those of the items of a list, tuple or dict."""
    for leaf in _leaves(value):
        found = None if isinstance(leaf, (str, int, float)) else lineage_of(leaf)
        if found is not None:
            yield found


def _taggable(obj: Any) -> Iterator[Any]:
    """The objects inside `obj` that can carry a tag: frames, charts, documents and analyses."""
    for leaf in _leaves(obj):
        if leaf is None or isinstance(leaf, (str, bytes, int, float, bool, pl.Series, pl.Expr)):
            continue
        if not hasattr(leaf, "__dict__"):
            continue
        if dataclasses.is_dataclass(leaf) and not isinstance(leaf, type):
            yield from (value for value in (getattr(leaf, f.name) for f in dataclasses.fields(leaf))
                        if isinstance(value, pl.DataFrame))
        yield leaf
