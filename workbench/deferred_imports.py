"""Defer rfc3987_syntax, which jsonschema imports eagerly and which compiles some forty Lark grammars as it loads.

Every process that imports altair or papermill imports jsonschema, and jsonschema imports `rfc3987_syntax` for its
`iri` and `iri-reference` formats: about 1.2 s of CPU per process on this project's machines, for formats that
neither Vega-Lite's nor the notebook format's schema uses (a known upstream problem: python-jsonschema/jsonschema
issue 1428). `defer_iri_grammars()` puts a stand-in under that name whose `is_valid_syntax` imports the real module
on its first call, so a check of those formats still gives the library's own answer; only its cost moves to the
first time anyone asks.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import types
from typing import Any

__all__ = ["defer_iri_grammars"]

_MODULE = "rfc3987_syntax"


def defer_iri_grammars() -> None:
    """Install the stand-in unless the real module is loaded already or is not installed."""
    if _MODULE in sys.modules or importlib.util.find_spec(_MODULE) is None:
        return
    stand_in = types.ModuleType(_MODULE, "Stand-in: imports the real rfc3987_syntax on first use.")
    stand_in.is_valid_syntax = _is_valid_syntax  # type: ignore[attr-defined]
    stand_in.__getattr__ = _real_attribute  # type: ignore[attr-defined]  # any other name: the real module's
    sys.modules[_MODULE] = stand_in


def _real_module() -> types.ModuleType:
    module = sys.modules.get(_MODULE)
    if module is None or getattr(module, "is_valid_syntax", None) is _is_valid_syntax:
        sys.modules.pop(_MODULE, None)
        module = importlib.import_module(_MODULE)
    return module


def _is_valid_syntax(rule: str, value: str) -> Any:
    return _real_module().is_valid_syntax(rule, value)


def _real_attribute(name: str) -> Any:
    if name.startswith("__"):  # the import system asks for __path__ and the like: not a use of the module
        raise AttributeError(name)
    return getattr(_real_module(), name)
