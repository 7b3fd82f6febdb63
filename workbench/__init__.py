"""Research workbench for how frontier AI is funded, governed and regulated.

The public face is small: `setup()` for notebooks, `load_corpus()` for the articles in seeds/, `save()` for
citable outputs, and the `paths`/`errors` modules. Heavy libraries (polars, altair, vl-convert, papermill)
are imported only when a function needs them, so `import workbench` stays fast.
"""

from __future__ import annotations

import importlib
from typing import Any

from workbench.deferred_imports import defer_iri_grammars

__version__ = "0.1.0"
defer_iri_grammars()  # before anything imports jsonschema: saves ~1.2 s per process (deferred_imports.py)

# public name -> "module:attribute", resolved on first use
_LAZY = {
    "setup": "workbench.notebook_setup:setup",
    "load_corpus": "workbench.corpus:load_corpus",
    "save": "workbench.outputs:save",
    "Document": "workbench.outputs:Document",
    "Corpus": "workbench.corpus:Corpus",
}

__all__ = ["__version__", "paths", "errors", *_LAZY]


def __getattr__(name: str) -> Any:
    if name in ("paths", "errors"):
        return importlib.import_module(f"workbench.{name}")
    target = _LAZY.get(name)
    if target is None:
        raise AttributeError(f"module 'workbench' has no attribute {name!r}")
    module_name, attribute = target.split(":")
    value = getattr(importlib.import_module(module_name), attribute)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
