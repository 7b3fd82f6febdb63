"""The layers of docs/architecture.md, checked on the source: a lower layer never imports a higher one."""

from __future__ import annotations

import ast

import pytest
from conftest import REPO

PACKAGE = REPO / "workbench"
# layer -> the top-level workbench modules or packages that belong to it, lowest first
LAYERS = {
    "foundation": {"errors", "paths", "atomic_write", "hashing", "provenance", "vega_bundle", "run_control",
                   "lineage", "deferred_imports"},
    "data": {"datasets", "corpus"},
    "analysis": {"analysis", "batch"},
    "charts": {"charts"},
    "outputs": {"outputs", "attribution", "citation_formats", "tables", "reports", "notebook_setup"},
    "explorers": {"widgets"},
    "views": {"views"},
    "entry points": {"runner", "app", "cli", "__main__", "__init__"},
}
RANK = {module: rank for rank, members in enumerate(LAYERS.values()) for module in members}
# charts are pure (frame -> chart): they may not reach up to the data they draw, only take it as an argument
CHARTS_MAY_NOT_IMPORT = {"datasets", "corpus", "analysis"}


def imports_of(path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("workbench."):
            found.add(node.module.split(".")[1])
        elif isinstance(node, ast.ImportFrom) and node.module == "workbench":
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.Import):
            found |= {alias.name.split(".")[1] for alias in node.names if alias.name.startswith("workbench.")}
    return found & set(RANK)


MODULES = sorted(PACKAGE.rglob("*.py"))


def top_level(path) -> str:
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return parts[0]


def test_every_module_belongs_to_a_layer() -> None:
    assert {top_level(path) for path in MODULES} <= set(RANK)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_module_imports_a_higher_layer(path) -> None:
    own = top_level(path)
    higher = {module for module in imports_of(path) if RANK[module] > RANK[own]}
    assert not higher, f"{path.relative_to(REPO)} ({own}) imports higher layers: {sorted(higher)}"
    if own == "charts":
        assert not imports_of(path) & CHARTS_MAY_NOT_IMPORT, "chart builders take frames; they never load data"
