"""Article text and dataset strings arrive in the widgets' HTML inert: escaped, never as markup or links."""

from __future__ import annotations

from pathlib import Path

import polars as pl
from conftest import write_catalog

from workbench import datasets
from workbench.widgets import ArticleReader, FundingExplorer
from workbench.widgets.render import link, table_html

HOSTILE = ('OpenAI <script>alert("x")</script> raised $1 billion from Microsoft in 2019.\n\n'
           'See <img src=x onerror=alert(1)> and <a href="javascript:alert(2)">this</a> '
           'or [here](javascript:alert(3)).\n')
LIVE_MARKUP = ("<script", "<img", "<a href=\"javascript", "onerror=alert(1)>")


def assert_inert(html: str) -> None:
    for markup in LIVE_MARKUP:
        assert markup not in html, markup
    assert 'href="javascript' not in html.lower()


def test_reader_escapes_hostile_article_text_and_metadata(seeds: Path) -> None:
    (seeds / "hostile.txt").write_text(HOSTILE, encoding="utf-8")
    write_catalog(seeds, 'hostile,hostile.txt,"<img src=x onerror=alert(1)>",Evil,Eve,2019-07-22,'
                         "javascript:alert(4),en")
    reader = ArticleReader(doc_id="hostile")
    every_html = [reader._article.value, reader._panel.value, reader._table.value,
                  *(w.value for w in _all_html(reader))]
    for html in every_html:
        assert_inert(html)
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in reader._article.value
    assert "&lt;img src=x onerror=alert(1)&gt;" in reader._article.value
    assert "&lt;a href=&quot;javascript:alert(2)&quot;&gt;" in reader._article.value
    assert 'Microsoft (ORG)' in reader._article.value  # still marked up where it is safe to
    options = [label for label, _ in reader.children[1].options]
    assert options == ["<img src=x onerror=alert(1)> (2019-07-22)"]  # a Dropdown label is text, not HTML
    reader.close()


def test_tables_escape_dataset_strings_and_refuse_unsafe_links() -> None:
    frame = datasets.load("funding_events").head(1).with_columns(
        pl.lit("<script>alert(1)</script>").alias("investor"), pl.lit(["evil"]).alias("source_ids"))
    sources = {"evil": {"url": "javascript:alert(1)", "publisher": "<b>x</b>", "published": None}}
    html = table_html(frame, ["investor", "source_ids"], sources)
    assert_inert(html)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<td>evil</td>" in html
    assert link("https://example.org/?a=\"><script>", "x").startswith('<a href="https://example.org/?a=&quot;&gt;')
    explorer = FundingExplorer(data=datasets.load("funding_events").with_columns(
        pl.lit("<img src=x onerror=alert(1)>").alias("recipient")))
    assert_inert(explorer._table.value)
    assert "&lt;img src=x onerror=alert(1)&gt;" in explorer._table.value
    explorer.close()


def _all_html(widget) -> list:
    import ipywidgets as widgets

    found, stack = [], [widget]
    while stack:
        current = stack.pop()
        if isinstance(current, widgets.HTML):
            found.append(current)
        stack.extend(getattr(current, "children", ()))
    return found
