"""Explorers for JupyterLab: an article reader and funding, governance and AI-risk explorers.

Each is an ipywidgets box that owns its state as traitlets, exposes its current rows as `.selection`
(a polars frame), saves table + chart with sidecars (`.save()` or the Save button) and releases its
widgets and observers on `.close()`.
"""

from workbench.widgets.funding import FundingExplorer
from workbench.widgets.governance import GovernanceExplorer
from workbench.widgets.reader import ArticleReader
from workbench.widgets.risk import RiskExplorer

__all__ = ["ArticleReader", "FundingExplorer", "GovernanceExplorer", "RiskExplorer"]
