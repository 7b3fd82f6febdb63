"""What a reader sees: every curated notebook run in a real JupyterLab, the app in Voilà, in Debian's Chromium.

Headless runs execute no JavaScript, so a notebook can pass them with every chart broken on screen. Here each
notebook is opened in a fresh workspace and run from the menu; the tests then look at the page: no error
output, no "Error displaying widget", every chart drawn, no failed request (nothing may load from outside the
machine), no Vega warning, and the explorers answer clicks. A screenshot of each page is written to
test-artifacts/browser/ (git ignores it).

Without Chromium these tests skip with instructions; with WORKBENCH_REQUIRE_BROWSER=1 (set by .ci/run) a
missing browser is a failure.
"""

from __future__ import annotations

import contextlib
import csv
import http.client
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import browser_support as bs
import pytest
from conftest import REPO, FullRun

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ARTIFACTS = REPO / "test-artifacts" / "browser"
CURATED = sorted(path.stem for path in (REPO / "notebooks").glob("[0-9][0-9]-*.ipynb"))
HOSTILE_DOC = "hostile-article"
HOSTILE_NOTEBOOK = "hostile"
NOTEBOOK_SCROLLER = ".jp-NotebookPanel .jp-WindowedPanel-outer"
HOSTILE_TEXT = """\
Microsoft agreed to invest $1 billion in OpenAI. <script>window.__pwned = "script"; alert("script")</script>

<img src=x onerror="window.__pwned='img'; alert('img')"> The board of the nonprofit \
<b onmouseover="alert('b')">met</b> in 2019.

Read the regulation at \
<a href="javascript:window.__pwned='link';alert('link')">this link</a> or javascript:alert('bare').

<!-- a comment that must show --> <svg onload="window.__pwned='svg'"></svg> \
<iframe src="javascript:alert('frame')"></iframe>

Quotes break attributes: " onmouseover="window.__pwned='attr'" x=" and <style>body{display:none}</style> funding.
"""
HOSTILE_LITERALS = ('<script>window.__pwned = "script"; alert("script")</script>', "<!-- a comment that must show -->",
                    """<a href="javascript:window.__pwned='link';alert('link')">this link</a>""",
                    "<style>body{display:none}</style>")


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium driven by Playwright, shared by the tests of this module (screenshots start afresh)."""
    path = bs.chromium()
    if path is None:
        if os.environ.get("WORKBENCH_REQUIRE_BROWSER") == "1":
            pytest.fail(f"Chromium is missing and WORKBENCH_REQUIRE_BROWSER=1: {bs.HOW_TO_ENABLE}")
        pytest.skip(bs.HOW_TO_ENABLE)
    from playwright.sync_api import sync_playwright

    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=path, args=bs.CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def workbench_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """notebooks/ and seeds/ copied, plus a hostile article and a notebook that opens it in ArticleReader."""
    root = bs.scratch_workbench(tmp_path_factory.mktemp("browser"))
    (root / "seeds" / f"{HOSTILE_DOC}.txt").write_text(HOSTILE_TEXT, encoding="utf-8")
    catalog = root / "seeds" / "catalog.csv"
    header = next(csv.reader(catalog.open(encoding="utf-8")))
    with catalog.open("a", newline="", encoding="utf-8") as rows:
        csv.DictWriter(rows, header, lineterminator="\n").writerow({
            "doc_id": HOSTILE_DOC, "file": f"{HOSTILE_DOC}.txt",
            "title": "<img src=x onerror=\"window.__pwned='title'\">Hostile <i>title</i>",
            "publisher": "<b onmouseover=alert('publisher')>Evil Press</b>",
            "author": "<script>alert('author')</script>", "published": "2024-01-02",
            "url": "https://example.org/hostile", "language": "en"})
    bs.write_notebook(root / "notebooks" / f"{HOSTILE_NOTEBOOK}.ipynb", [
        "import workbench as wb\nfrom workbench.widgets import ArticleReader\n\nwb.setup()\n"
        f"ArticleReader(doc_id={HOSTILE_DOC!r})"])
    return root


@pytest.fixture(scope="module")
def lab(workbench_copy: Path):
    server = bs.start_lab(workbench_copy)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory):
    server = bs.start_app(bs.scratch_workbench(tmp_path_factory.mktemp("app")))
    yield server
    server.stop()


def assert_nothing_broken(page, watch: bs.PageWatch) -> None:
    assert bs.error_outputs(page) == []
    assert bs.undrawn_charts(page) == 0
    assert watch.failed_requests == [], "the page tried to load something it could not (outside the machine?)"
    assert watch.console_errors == []
    assert watch.dialogs == []


# --- the explorers answer -----------------------------------------------------------------------------------
def check_funding_explorer(page, data: Path, scope: str = "") -> None:
    """A filter changes chart and table; a click on a deal narrows the table to it; Save writes that deal."""
    explorer = f"{scope} .wb-funding-explorer".strip()
    page.locator(explorer).scroll_into_view_if_needed()
    rows, chart = bs.rows_shown(page, explorer), bs.chart_markup(page, explorer)
    page.locator(explorer).get_by_role("button", name="tied", exact=True).click()
    tied_rows = bs.wait_for_change(page, lambda: bs.rows_shown(page, explorer), rows)
    assert 0 < tied_rows < rows
    assert bs.wait_for_change(page, lambda: bs.chart_markup(page, explorer), chart) != chart

    page.locator(f"{explorer} .wb-chart svg g.mark-symbol path").first.click()
    assert bs.wait_for_change(page, lambda: bs.rows_shown(page, explorer), tied_rows) == 1

    page.locator(f"{explorer} button.wb-save").click()
    saved = bs.wait_for_file(data / "tables" / "funding-explorer" / "selection.csv")
    bs.wait_for_file(data / "figures" / "funding-explorer" / "chart.svg")
    assert len(saved.read_text().splitlines()) == 2  # header and the one deal clicked
    page.locator(explorer).get_by_text("Saved").wait_for()


def check_record_search(page) -> None:
    """The whole funding record is searchable offline: typing "SoftBank" keeps only the rows that name it."""
    table = page.locator(".jp-NotebookPanel .dt-container").first
    table.scroll_into_view_if_needed()
    rows = table.locator("tbody tr")
    assert rows.count() > 1
    table.locator("input[type=search]").fill("SoftBank")

    def only_softbank() -> bool:
        texts = [row.inner_text() for row in rows.all()]
        return bool(texts) and all("SoftBank" in text for text in texts)

    bs.wait_for_change(page, only_softbank, False)


def check_article_reader(page, scope: str = "") -> None:
    """Switching a theme off removes its highlights from the text; switching it on brings them back."""
    reader = f"{scope} .wb-article-reader".strip()
    funding_marks = f'{reader} .wb-mark[data-kinds~="funding"]'
    before = page.locator(funding_marks).count()
    assert before > 0
    toggle = page.locator(reader).get_by_role("button", name="funding", exact=True)
    toggle.click()
    assert bs.wait_for_change(page, lambda: page.locator(funding_marks).count(), before) == 0
    toggle.click()
    assert bs.wait_for_change(page, lambda: page.locator(funding_marks).count(), 0) == before


INTERACTIONS = {
    "01-the-article": lambda page, data: check_article_reader(page),
    "02-funding": lambda page, data: (check_record_search(page), check_funding_explorer(page, data)),
}


# --- JupyterLab ---------------------------------------------------------------------------------------------
@contextlib.contextmanager
def notebook_run(browser, lab: bs.Server, name: str) -> Iterator[tuple]:
    """`name` opened in a fresh page and run from the menu; its kernel is shut down afterwards.

    One notebook at a time: with all of them open at once the suite was a third faster, but on two cores
    some charts were still undrawn after minutes, and jupyter_server answered 500 while kernels started.
    """
    try:
        with bs.browser_page(browser) as (page, watch), bs.shot_on_failure(page, ARTIFACTS / f"FAILED-{name}.png"):
            bs.open_notebook(page, lab, f"{name}.ipynb")
            bs.run_all_cells(page)
            yield page, watch
    finally:
        lab.shutdown_kernels()


@pytest.mark.parametrize("notebook", CURATED)
def test_notebook_runs_and_draws_in_jupyterlab(browser, lab: bs.Server, notebook: str) -> None:
    with notebook_run(browser, lab, notebook) as (page, watch):
        charts = bs.wait_for_charts(page, ".jp-NotebookPanel")
        bs.screenshot_all(page, ARTIFACTS / f"{notebook}.png", NOTEBOOK_SCROLLER)
        assert charts >= 1
        assert_nothing_broken(page, watch)
        if notebook in INTERACTIONS:
            INTERACTIONS[notebook](page, lab.root / "data")
            assert_nothing_broken(page, watch)


def test_hostile_article_renders_inert(browser, lab: bs.Server) -> None:
    with notebook_run(browser, lab, HOSTILE_NOTEBOOK) as (page, watch):
        bs.wait_for_charts(page, ".jp-NotebookPanel")
        reader = page.locator(".wb-article-reader")
        reader.get_by_text("this link").first.click()  # a link only if escaping failed
        reader.get_by_text("met").first.hover()
        page.wait_for_timeout(500)
        bs.screenshot_all(page, ARTIFACTS / "hostile-article.png", NOTEBOOK_SCROLLER)
        assert page.evaluate("() => window.__pwned") is None
        assert watch.dialogs == []
        text = reader.inner_text()
        for literal in HOSTILE_LITERALS:
            assert literal in text
        assert "Hostile <i>title</i>" in text
        assert reader.locator("script, img, iframe, svg[onload], a[href^='javascript:']").count() == 0
        assert watch.failed_requests == []  # an escaped <img src=x> requests nothing


# --- the app (make app) -------------------------------------------------------------------------------------
def test_app_refuses_requests_without_its_token(app: bs.Server) -> None:
    for query in ("", "?token=wrong"):
        connection = http.client.HTTPConnection("127.0.0.1", app.port, timeout=10)
        connection.request("GET", f"/{query}")
        response = connection.getresponse()
        assert response.status == 302 and response.getheader("Location").startswith("/login"), query
        connection.close()


def test_app_shows_every_explorer_without_code(browser, app: bs.Server) -> None:
    with bs.browser_page(browser) as (page, watch), bs.shot_on_failure(page, ARTIFACTS / "FAILED-app.png"):
        page.goto(f"{app.base}/?token={app.token}")
        page.wait_for_selector(".wb-dashboard", timeout=bs.RUN_TIMEOUT_MS)
        charts = bs.wait_for_charts(page, "body")
        assert charts == page.locator(".wb-dashboard .wb-explorer").count() == 4
        assert page.locator(".jp-CodeCell .jp-InputArea, .jp-CodeMirrorEditor").count() == 0, "the app shows code"
        assert "import workbench" not in page.locator("body").inner_text()
        check_article_reader(page, ".wb-dashboard")
        for title in ("Funding", "Governance", "AI risk and rules", "The article"):
            page.locator(".wb-dashboard .lm-TabBar-tab", has_text=title).click()
            bs.screenshot_all(page, ARTIFACTS / f"app-{title.split()[0].lower()}.png", "body")
            if title == "Funding":
                check_funding_explorer(page, app.root / "data", ".wb-dashboard")
        assert_nothing_broken(page, watch)


def test_the_index_of_outputs_shows_every_thumbnail_and_links_only_files_that_exist(browser, full_run: FullRun) -> None:
    """data/index.html opened from the file system: every image drawn, every link a file in data/, no request out."""
    with bs.browser_page(browser) as (page, watch):
        page.goto((full_run.data / "index.html").as_uri())
        page.wait_for_load_state("load")
        broken = page.evaluate("() => [...document.images].filter(i => !i.complete || !i.naturalWidth).map(i => i.src)")
        assert broken == [] and page.locator("img").count() >= 15
        assert page.locator(".takeaways li").count() >= 5
        for href in page.evaluate("() => [...document.querySelectorAll('a')].map(a => a.getAttribute('href'))"):
            assert (full_run.data / href).resolve().is_file(), href
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=ARTIFACTS / "index.png", full_page=True)
        assert watch.failed_requests == [] and watch.console_errors == []


@pytest.mark.parametrize("notebook", CURATED)
def test_each_report_opens_offline_with_formatted_tables(browser, full_run: FullRun, notebook: str) -> None:
    """The report a reader opens from data/reports/: no request leaves the machine, tables are formatted (no polars
    repr); a screenshot of each goes to test-artifacts/browser/reports/."""
    with bs.browser_page(browser) as (page, watch):
        page.goto((full_run.data / "reports" / f"{notebook}.html").as_uri())
        page.wait_for_load_state("load")
        assert page.get_by_text("shape: (").count() == 0
        if notebook in ("02-funding", "05-hindsight"):
            assert page.locator("table.gt_table").count() >= 3
        (ARTIFACTS / "reports").mkdir(parents=True, exist_ok=True)
        page.screenshot(path=ARTIFACTS / "reports" / f"{notebook}.png", full_page=True)
        assert watch.failed_requests == []
