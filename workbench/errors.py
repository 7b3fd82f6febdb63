"""One error family for the workbench.

Every error says *where* (file, line, column or field, value), *what* is wrong and *how to fix it*, so a
researcher can act on the message without reading a traceback. Errors that gather several problems (a bad
catalog, a bad overlay) list every one of them, not only the first.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from os import PathLike

__all__ = [
    "BinaryFileError", "CatalogError", "ChecksumError", "ConfigurationError", "DatasetError", "DocumentEncodingError",
    "DocumentError", "DownloadError", "EmptyDocumentError", "NotebookError", "OfflineError", "OutputError", "Problem",
    "ProblemsError", "SchemaError", "UncataloguedDocumentWarning", "UnsafeOutputNameError", "UsageError",
    "WorkbenchError",
]


@dataclass(frozen=True)
class Problem:
    """One thing wrong, at one place."""

    what: str
    fix: str = ""
    file: str | None = None
    line: int | None = None
    column: str | None = None
    value: object = None

    @property
    def where(self) -> str:
        place = self.file or ""
        if self.line is not None:
            place += f":{self.line}" if place else f"line {self.line}"
        if self.column is not None:
            place += f", column '{self.column}'" if place else f"column '{self.column}'"
        if self.value is not None:
            place += f", value {self.value!r}" if place else f"value {self.value!r}"
        return place

    def __str__(self) -> str:
        text = f"{self.where}: {self.what}" if self.where else self.what
        if self.fix:
            text += f" Fix: {self.fix}"
        return text


class WorkbenchError(Exception):
    """Base of every error the workbench raises on purpose (the CLI shows these without a traceback)."""

    def __init__(
        self,
        what: str,
        *,
        fix: str = "",
        file: str | PathLike | None = None,
        line: int | None = None,
        column: str | None = None,
        value: object = None,
    ) -> None:
        self.problem = Problem(
            what=what,
            fix=fix,
            file=None if file is None else str(file),
            line=line,
            column=column,
            value=value,
        )
        super().__init__(str(self.problem))

    @property
    def problems(self) -> list[Problem]:
        return [self.problem]


class ProblemsError(WorkbenchError):
    """Several problems found in one pass; the message lists all of them."""

    def __init__(self, summary: str, problems: Iterable[Problem]) -> None:
        self._problems = list(problems)
        listing = "\n".join(f"  - {p}" for p in self._problems)
        Exception.__init__(self, f"{summary} ({len(self._problems)} problem(s)):\n{listing}")
        self.problem = self._problems[0] if self._problems else Problem(what=summary)

    @property
    def problems(self) -> list[Problem]:
        return list(self._problems)


class ConfigurationError(WorkbenchError):
    """The workbench cannot find its folders or settings."""


class DocumentError(WorkbenchError):
    """An article file cannot be read as text."""


class EmptyDocumentError(DocumentError):
    """The file holds no text."""


class BinaryFileError(DocumentError):
    """The file is not text (it holds NUL bytes)."""


class DocumentEncodingError(DocumentError):
    """The file is not valid UTF-8."""


class CatalogError(ProblemsError):
    """seeds/catalog.csv or the files it names are inconsistent."""


class OutputError(WorkbenchError):
    """An output cannot be written."""


class UnsafeOutputNameError(OutputError):
    """An output name would leave data/ or is not a plain name."""


class NotebookError(WorkbenchError):
    """A notebook cannot be found, parameterised or executed."""


class UsageError(WorkbenchError):
    """A command was called with arguments that do not fit."""


class UncataloguedDocumentWarning(UserWarning):
    """A text file in seeds/ has no catalog row; it loads with what can be inferred."""


class DatasetError(WorkbenchError):
    """A dataset name, registry entry or table is wrong."""


class SchemaError(ProblemsError):
    """Rows do not match a dataset's schema (types, enums, ids, foreign keys); lists every problem."""


class DownloadError(WorkbenchError):
    """A public dataset could not be downloaded or failed verification; the cache keeps no bad file."""


class OfflineError(DownloadError):
    """offline=True and the file is not in the cache."""


class ChecksumError(DownloadError):
    """A downloaded file's sha256 differs from the pinned one; it was not kept."""
