"""The security guarantees, each held by a test: writes stay in data/, hostile text stays text, nothing from
data is unpickled or evaluated, downloads speak only http(s) to the hosts they were given, and the servers
the project starts listen on 127.0.0.1 behind a token.

Guarantees already held elsewhere are not repeated here (docs/reliability.md lists them): refused output
names (tests/test_outputs.py), a linked sub-folder of data/tables (test_outputs.py), escaping in the
explorers (tests/test_widgets_safety.py), redirects to other hosts, size caps, time-outs and checksums
(tests/test_live_download.py).
"""

from __future__ import annotations

import ast
import json
import re
import shlex
import shutil
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import altair as alt
import nbformat
import polars as pl
import pytest
from conftest import REPO, outputs_in
from nbformat.v4 import new_code_cell, new_notebook, new_output

import workbench as wb
from workbench import outputs
from workbench.datasets import download as dl
from workbench.errors import DownloadError, OutputError, SchemaError, UnsafeOutputNameError, UsageError, WorkbenchError
from workbench.reports import write_index, write_report

# Each payload sets window.WB_PWNED if it ever runs, so a browser can tell as well as a string search.
HOSTILE = ('<script>window.WB_PWNED=1</script> <img src=x onerror="window.WB_PWNED=2"> '
           '<a href="javascript:window.WB_PWNED=3">x</a> [y](javascript:window.WB_PWNED=4) '
           '" onmouseover="window.WB_PWNED=5" \' </script><script>window.WB_PWNED=6</script> <!-- \u2028')
FRAME = pl.DataFrame({"label": [HOSTILE, "plain"], "amount": [1.0, 2.0]})


def assert_inert(page: str) -> None:
    """No payload of HOSTILE survives as markup: no script, element, handler or javascript: link of ours."""
    lowered = page.lower()
    assert "<script>window.wb_pwned" not in lowered
    assert "<img src=x" not in lowered
    assert not re.search(r"<[a-z][^<>]*\son[a-z]+\s*=\s*[\"']?window\.wb_pwned", lowered), "an event handler"
    assert not re.search(r"<[a-z][^<>]*\s(href|src)\s*=\s*[\"']?\s*javascript:", lowered), "a javascript: link"


def _chart(frame: pl.DataFrame = FRAME) -> alt.Chart:
    return alt.Chart(frame).mark_bar().encode(x="amount:Q", y="label:N", tooltip=["label:N"]).properties(
        title=HOSTILE[:60])


# --- writes stay inside data/ -----------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["..", "nb/..", "nb/../x", "nb/./x", "./x", "~/x", "nb/x\x00", "nb/x\n",
                                  "%2e%2e/x", "\\\\server\\share\\x", "c:x", "nb/\u2024\u2024/x", "nb/ x", "nb/x/"])
def test_more_names_that_could_leave_data_are_refused(data_dir: Path, name: str) -> None:
    with pytest.raises(UnsafeOutputNameError):
        wb.save(FRAME, name)
    assert not data_dir.exists() or not any(p.is_file() for p in data_dir.rglob("*") if p.name != ".manifest.lock")


@pytest.mark.parametrize(("folder", "obj"), [("tables", FRAME), ("figures", None)])
def test_a_linked_top_folder_of_data_cannot_redirect_a_save(data_dir: Path, tmp_path: Path, folder: str,
                                                            obj: pl.DataFrame | None) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    data_dir.mkdir()
    (data_dir / folder).symlink_to(elsewhere, target_is_directory=True)
    with pytest.raises(UnsafeOutputNameError, match="symbolic link"):
        wb.save(obj if obj is not None else _chart(), "nb/x")
    assert list(elsewhere.iterdir()) == []


@pytest.mark.parametrize("planted", ["tables/nb/x.csv", "tables/nb/x.parquet", "tables/nb/x.meta.json",
                                     "manifest.json"])
def test_a_link_planted_in_place_of_an_output_file_is_refused(data_dir: Path, tmp_path: Path, planted: str) -> None:
    precious = tmp_path / "passwd"  # stands for /etc/passwd
    precious.write_text('{"root": "x:0:0"}\n')
    (data_dir / planted).parent.mkdir(parents=True)
    (data_dir / planted).symlink_to(precious)
    with pytest.raises(OutputError, match="symbolic link") as raised:
        wb.save(FRAME, "nb/x")
    assert "remove the link" in str(raised.value)
    assert precious.read_text() == '{"root": "x:0:0"}\n'
    assert outputs_in(data_dir) == []


def test_a_link_planted_as_the_manifest_lock_is_refused(data_dir: Path, tmp_path: Path) -> None:
    target = tmp_path / "created-elsewhere"
    data_dir.mkdir()
    (data_dir / ".manifest.lock").symlink_to(target)
    with pytest.raises(OutputError, match="symbolic link") as raised:
        wb.save(FRAME, "nb/x")
    assert "Fix:" in str(raised.value)
    assert not target.exists()


@pytest.mark.parametrize("linked", ["reports", "notebooks"])
def test_the_runner_refuses_a_linked_reports_or_notebooks_folder(data_dir: Path, tmp_path: Path,
                                                                 linked: str) -> None:
    from workbench.runner import run_notebook

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    data_dir.mkdir()
    (data_dir / linked).symlink_to(elsewhere, target_is_directory=True)
    with pytest.raises(UnsafeOutputNameError, match="symbolic link"):
        run_notebook(tmp_path / "00-any.ipynb", {})  # refused before any kernel starts
    assert list(elsewhere.iterdir()) == []


def test_the_runner_refuses_a_linked_output_set_folder(data_dir: Path, tmp_path: Path) -> None:
    from workbench.runner import run_notebooks

    notebook = tmp_path / "00-param.ipynb"
    parameters = new_code_cell("focus = 'OpenAI'", metadata={"tags": ["parameters"]})
    nbformat.write(new_notebook(cells=[parameters], metadata={"kernelspec": {
        "name": "python3", "display_name": "Python 3", "language": "python"}, "language_info": {"name": "python"}}),
        notebook)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    data_dir.mkdir()
    (data_dir / "sets").symlink_to(elsewhere, target_is_directory=True)
    with pytest.raises(UnsafeOutputNameError, match="symbolic link"):
        run_notebooks([notebook], {"focus": "Anthropic"})
    assert list(elsewhere.iterdir()) == []


# --- hostile text stays text wherever it becomes HTML ------------------------------------------------------

def test_a_saved_figure_page_embeds_hostile_rows_as_data_never_as_markup(data_dir: Path) -> None:
    wb.save(_chart(), "nb/hostile")
    page = (data_dir / "figures/nb/hostile.html").read_text()
    assert_inert(page)
    assert "</script><script>window" not in page.lower()
    assert page.lower().count("</script") == 2  # the vega bundle's and the embed call's, nothing of the data
    start = page.index("vegaEmbed('#vega-chart', ") + len("vegaEmbed('#vega-chart', ")
    embedded, _ = json.JSONDecoder().raw_decode(page, start)
    assert embedded == json.loads((data_dir / "figures/nb/hostile.vl.json").read_text())  # the same chart


@pytest.mark.parametrize("value", [HOSTILE, {"</script>": ["<!--", "\u2028\u2029", "&amp;"]}, "a\\u003cb", None])
def test_script_json_round_trips_and_never_closes_a_script(value: object) -> None:
    text = outputs.script_json(value)
    assert json.loads(text) == value
    assert not set("<>&\u2028\u2029") & set(text)


def test_reports_keep_hostile_outputs_inert(tmp_path: Path) -> None:
    import vl_convert as vlc

    from workbench.views.common import md
    from workbench.views.hindsight import takeaways

    claims = pl.DataFrame({"sentence": [3], "claim": [HOSTILE], "since_publication": [HOSTILE],
                           "verdict_then": ["unverifiable"], "verdict_now": ["consistent"]})
    matches = pl.DataFrame({"row_id": ["x"], "verdict_then": ["unverifiable"], "verdict_now": ["consistent"]})
    shown = [new_output("display_data", data={"text/markdown": md(HOSTILE), "text/plain": "md"}),
             new_output("display_data", data={"text/markdown": takeaways(claims, matches), "text/plain": "t"}),
             new_output("display_data", data={"text/html": FRAME._repr_html_(), "text/plain": "frame"}),
             new_output("display_data", data={"image/svg+xml": vlc.vegalite_to_svg(_chart().to_dict()),
                                              "text/plain": "chart"}),
             new_output("stream", name="stdout", text=HOSTILE)]
    injected = new_code_cell(f"focus = {HOSTILE!r}", outputs=shown, execution_count=1)  # a --param value
    executed = tmp_path / "nb.ipynb"
    nbformat.write(new_notebook(cells=[injected], metadata={"kernelspec": {
        "name": "python3", "display_name": "Python 3", "language": "python"}}), executed)
    page = write_report(executed, tmp_path / "reports" / "nb.html").read_text()
    assert_inert(page)
    assert "window.WB_PWNED=1" in page  # the text is there, shown as text


def test_the_index_escapes_manifest_strings_and_links_only_files_inside_data(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    (data_dir / "tables/nb").mkdir(parents=True)
    (data_dir / "tables/nb/x.csv").write_text("a\n1\n")
    (data_dir / "tables/nb/x.meta.json").write_text("{}")
    (tmp_path / "secret.txt").write_text("secret")
    (data_dir / "tables/nb/leak.csv").symlink_to(tmp_path / "secret.txt")
    (data_dir / "javascript:alert(1)").write_text("a file with a hostile name")
    files = ["tables/nb/x.csv", "/etc/hostname", "../secret.txt", "tables/nb/leak.csv", "javascript:alert(1)"]
    manifest = {"manifest_version": 1, "outputs": {"tables/nb/x": {
        "kind": HOSTILE, "title": HOSTILE, "sidecar": "tables/nb/x.meta.json",
        "files": [{"path": path} for path in files], "produced_by": {"notebook": HOSTILE}}}}
    (data_dir / "manifest.json").write_text(json.dumps(manifest))
    page = write_index(data_dir).read_text()
    assert_inert(page)
    links = re.findall(r'href="([^"]+)"', page)
    assert links == ["manifest.json", "tables/nb/x.csv", "./javascript:alert(1)", "tables/nb/x.meta.json"]
    for link in links:
        assert (data_dir / link).resolve().is_relative_to(data_dir.resolve()), link


@pytest.mark.parametrize("url", ["javascript:alert(1)", "JAVASCRIPT:alert(1)", " javascript:alert(1)",
                                 "\tjavascript:alert(1)", "java\nscript:alert(1)", "data:text/html,<script>x</script>",
                                 "vbscript:msgbox(1)", "//evil.example/x", "/relative", "file:///etc/passwd",
                                 "httpx://evil.example", "", None])
def test_only_http_urls_become_links(url: str | None) -> None:
    from workbench.widgets.render import link, source_links

    for html in (link(url, "<b>label</b>", title='"><script>'), source_links(["s"], {"s": {"url": url}})):
        assert "<a " not in html and "href" not in html
        assert "<b>" not in html and "<script>" not in html


@pytest.mark.parametrize("url", ["https://example.org/a?b=1&c=\"><script>", "HTTP://example.org/x"])
def test_http_links_are_escaped_and_open_without_an_opener(url: str) -> None:
    from workbench.widgets.render import link

    html = link(url, "x")
    assert html.startswith('<a href="') and 'rel="noopener noreferrer"' in html
    assert "<script>" not in html and '"><' not in html


def test_a_source_url_that_is_not_http_is_refused_when_the_overlay_loads(data_dir: Path) -> None:
    from workbench import datasets

    (data_dir / "user").mkdir(parents=True)
    (data_dir / "user/sources.csv").write_text(
        "source_id,url,title\nmy-src,javascript:alert(1),Evil\n", encoding="utf-8")
    with pytest.raises(SchemaError, match="url"):
        datasets.load("sources")


@pytest.mark.browser
def test_hostile_figure_and_report_run_nothing_in_a_real_browser(data_dir: Path, tmp_path: Path) -> None:
    from browser_support import CHROMIUM_ARGS, HOW_TO_ENABLE, chromium

    playwright = pytest.importorskip("playwright.sync_api")
    executable = chromium()
    if executable is None:
        pytest.skip(HOW_TO_ENABLE)
    wb.save(_chart(), "nb/hostile")
    executed = tmp_path / "nb.ipynb"
    from workbench.views.common import md

    nbformat.write(new_notebook(cells=[new_code_cell("x", execution_count=1, outputs=[
        new_output("display_data", data={"text/markdown": md(HOSTILE), "text/plain": "md"}),
        new_output("display_data", data={"text/html": FRAME._repr_html_(), "text/plain": "frame"})])],
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}), executed)
    report = write_report(executed, tmp_path / "report.html")
    with playwright.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto((data_dir / "figures/nb/hostile.html").as_uri())
            page.wait_for_selector("#vega-chart svg", timeout=15_000)
            labels = page.eval_on_selector_all("#vega-chart svg text", "els => els.map(e => e.textContent)")
            assert any(label.startswith("<script>window.WB_PWNED=1") for label in labels)  # drawn as text
            page.hover("#vega-chart .mark-rect path")  # the hostile row's bar: its tooltip shows the label
            tooltip = page.wait_for_selector("#vg-tooltip-element.visible", timeout=5_000)
            assert "<script>window.WB_PWNED=1" in tooltip.inner_text()  # as text
            assert tooltip.query_selector("script, img") is None
            assert page.evaluate("window.WB_PWNED") is None
            page.goto(report.as_uri())
            page.wait_for_load_state("load")
            assert page.evaluate("window.WB_PWNED") is None
        finally:
            browser.close()


# --- nothing from data is unpickled or evaluated -----------------------------------------------------------

_UNSAFE_MODULES = {"pickle", "cPickle", "_pickle", "marshal", "shelve", "dill", "cloudpickle", "joblib",
                   "jsonpickle"}
_UNSAFE_CALLS = {"eval", "exec", "compile", "builtins.eval", "builtins.exec", "builtins.compile", "os.system",
                 "os.popen", "asyncio.create_subprocess_shell", "pandas.read_pickle", "yaml.unsafe_load",
                 "yaml.unsafe_load_all", "yaml.full_load", "yaml.full_load_all", "pty.spawn"}
_SAFE_YAML_LOADERS = {"yaml.SafeLoader", "yaml.CSafeLoader"}


class _UnsafeCode(ast.NodeVisitor):
    """Finds deserialisation and evaluation in a module's AST (comments and strings cannot trigger it).

    Names are resolved through the module's imports, so `import subprocess as sp` or `from os import system`
    are seen for what they are, while `pl.col(...).list.eval(...)` or `model.eval()` are not `eval`.
    """

    def __init__(self) -> None:
        self.aliases: dict[str, str] = {}
        self.findings: list[str] = []

    def visit_Import(self, node: ast.Import) -> None:
        for item in node.names:
            self.aliases[item.asname or item.name.split(".")[0]] = item.name if item.asname else item.name.split(".")[0]
            self._module(node, item.name)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = node.module or ""
        self._module(node, module)
        for item in node.names:
            self.aliases[item.asname or item.name] = f"{module}.{item.name}" if module else item.name
            self._module(node, f"{module}.{item.name}")

    def visit_Call(self, node: ast.Call) -> None:
        name = self._qualified(node.func)
        keywords = {k.arg: k.value for k in node.keywords if k.arg}
        if name in _UNSAFE_CALLS or (name or "").startswith("commands."):
            self._find(node, f"calls {name}()")
        if name in ("yaml.load", "yaml.load_all"):
            loader = keywords.get("Loader", node.args[1] if len(node.args) > 1 else None)
            if loader is None or self._qualified(loader) not in _SAFE_YAML_LOADERS:
                self._find(node, f"calls {name}() without Loader=yaml.SafeLoader")
        if name == "torch.load" and not _is_constant(keywords.get("weights_only"), True):
            self._find(node, "calls torch.load() without weights_only=True")
        for keyword, safe in (("shell", False), ("allow_pickle", False)):
            if keyword in keywords and not _is_constant(keywords[keyword], safe):
                self._find(node, f"passes {keyword}= other than {safe}")
        self.generic_visit(node)

    def _module(self, node: ast.AST, module: str) -> None:
        if module.split(".")[0] in _UNSAFE_MODULES:
            self._find(node, f"imports {module}")
        if module in _UNSAFE_CALLS:
            self._find(node, f"imports {module}")

    def _qualified(self, node: ast.AST) -> str | None:
        parts = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name):
            return None  # a call on a call's result, e.g. pl.col("x").list.eval(...)
        return ".".join([self.aliases.get(node.id, node.id), *reversed(parts)])

    def _find(self, node: ast.AST, what: str) -> None:
        self.findings.append(f"line {node.lineno}: {what}")


def _is_constant(node: ast.AST | None, value: object) -> bool:
    return isinstance(node, ast.Constant) and node.value is value


def unsafe_code(source: str) -> list[str]:
    scanner = _UnsafeCode()
    scanner.visit(ast.parse(source))
    return scanner.findings


def _python_sources() -> Iterator[tuple[str, str]]:
    """Every module of the package and every code cell of the notebooks (IPython magics made Python)."""
    from IPython.core.inputtransformer2 import TransformerManager

    for path in sorted((REPO / "workbench").rglob("*.py")):
        yield str(path.relative_to(REPO)), path.read_text(encoding="utf-8")
    transform = TransformerManager().transform_cell
    for path in sorted((REPO / "notebooks").glob("*.ipynb")):
        for number, cell in enumerate(nbformat.read(path, as_version=4).cells, start=1):
            if cell.cell_type == "code":
                yield f"{path.relative_to(REPO)} cell {number}", transform(cell.source)


@pytest.mark.parametrize("source", [
    "import pickle", "from pickle import loads", "import marshal as m", "import shelve", "import dill",
    "eval(text)", "exec(code)", "import builtins\nbuiltins.eval(x)", "compile(src, 'f', 'exec')",
    "import yaml\nyaml.load(stream)", "import yaml\nyaml.load(stream, Loader=yaml.Loader)",
    "import yaml\nyaml.load(stream, yaml.FullLoader)", "import yaml\nyaml.unsafe_load(s)",
    "import subprocess\nsubprocess.run(cmd, shell=True)", "import subprocess as sp\nsp.Popen(cmd, shell=flag)",
    "import os\nos.system(cmd)", "from os import system\nsystem(cmd)", "import os\nos.popen(cmd)",
    "import numpy as np\nnp.load(f, allow_pickle=True)",
    "import pandas as pd\npd.read_pickle(f)", "import torch\ntorch.load(f)",
])
def test_the_scanner_finds_unsafe_code(source: str) -> None:
    assert unsafe_code(source), source


@pytest.mark.parametrize("source", [
    "# pickle.loads(x); eval(x); os.system(x)\nx = 'eval(x) pickle yaml.load(s) shell=True'",
    "import ast\nast.literal_eval(text)", "import polars as pl\npl.col('x').list.eval(pl.element())",
    "model.eval()", "import re\nre.compile(p)", "import yaml\nyaml.load(s, Loader=yaml.SafeLoader)",
    "import yaml\nyaml.safe_load(s)", "import subprocess\nsubprocess.run(['git', 'rev-parse'], shell=False)",
    "import json\njson.loads(s)", "import os\nos.execve(exe, [exe, '-m', 'voila'], env)",
    "import torch\ntorch.load(f, weights_only=True)",
])
def test_the_scanner_passes_safe_code(source: str) -> None:
    assert unsafe_code(source) == []


def test_nothing_in_the_package_or_notebooks_unpickles_or_evaluates() -> None:
    findings = [f"{where}: {finding}" for where, source in _python_sources() for finding in unsafe_code(source)]
    assert findings == []


def test_run_parameters_reach_the_notebook_as_literals_never_as_code() -> None:
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    from workbench.runner import parse_parameters

    parameters = parse_parameters(['focus=x"\nimport os; os.system("touch /tmp/x")  # \\\'\u2028',
                                   'doc_id={"a\\"": ["b\'", 1]}', "org=__import__('os').system('id')"])
    notebook = load_notebook_node(str(REPO / "notebooks/02-funding.ipynb"))
    injected = next(cell for cell in parameterize_notebook(notebook, parameters, kernel_name="python3",
                                                           language="python").cells
                    if "injected-parameters" in cell.metadata.get("tags", []))
    statements = ast.parse(injected.source).body
    assert [type(s) for s in statements] == [ast.Assign] * len(parameters)
    assert {s.targets[0].id: ast.literal_eval(s.value) for s in statements} == parameters


# --- downloads speak only http(s), to the hosts they were given --------------------------------------------

@pytest.fixture
def redirector() -> Iterator[str]:
    """A loopback server answering every request with 302 to the URL given after /to/."""

    class Redirect(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server hook)
            self.send_response(302)
            self.send_header("Location", self.path.removeprefix("/to/"))
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Redirect)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/to/"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def _get(url: str, dest: Path) -> dl.Fetched:
    return dl.retrieve(dl.Remote(url=url, dest=dest), fetch_command="python -m workbench datasets fetch x",
                       retries=0, backoff=0.0, timeout=5.0)


@pytest.mark.parametrize("url", ["file:///etc/passwd", "FILE:///etc/hostname", "ftp://127.0.0.1/x.csv",
                                 "data:text/csv,a%0A1", "/etc/passwd", "javascript:alert(1)"])
def test_only_http_and_https_urls_are_downloaded(tmp_path: Path, url: str) -> None:
    dest = tmp_path / "cache" / "x.csv"
    with pytest.raises(UsageError, match="only http:// and https://") as raised:
        _get(url, dest)
    assert url in str(raised.value) and "Fix:" in str(raised.value)
    assert not dest.parent.exists()


@pytest.mark.parametrize("location", ["file:///etc/passwd", "ftp://127.0.0.1/x.csv", "data:text/csv,a%0A1"])
def test_a_redirect_to_another_scheme_is_refused(tmp_path: Path, redirector: str, location: str) -> None:
    dest = tmp_path / "cache" / "x.csv"
    with pytest.raises(DownloadError):
        _get(redirector + location, dest)
    assert sorted(p.name for p in dest.parent.iterdir()) == []


@pytest.mark.parametrize(("origin", "target", "followed"), [
    ("https://example.org/a.csv", "http://example.org/a.csv", False),  # a downgrade
    ("https://example.org/a.csv", "ftp://example.org/a.csv", False),
    ("http://example.org/a.csv", "ftp://example.org/a.csv", False),
    ("https://example.org/a.csv", "https://example.org.evil.example/a.csv", False),
    ("https://example.org/a.csv", "https://example.org/b.csv", True),
    ("http://example.org/a.csv", "https://example.org/a.csv", True),  # an upgrade
])
def test_redirect_guard_allows_only_same_host_http_without_downgrade(tmp_path: Path, origin: str, target: str,
                                                                      followed: bool) -> None:
    guard = dl._RedirectGuard(dl.Remote(url=origin, dest=tmp_path / "x.csv"))
    request = urllib.request.Request(origin)
    if followed:
        assert guard.redirect_request(request, None, 302, "Found", {}, target).full_url == target
    else:
        with pytest.raises(DownloadError, match="refused"):
            guard.redirect_request(request, None, 302, "Found", {}, target)


# --- servers listen on 127.0.0.1 and need a token ----------------------------------------------------------

_DISABLING = re.compile(
    r"(IdentityProvider|ServerApp|NotebookApp|Voila)\.(token|password)=(''|\"\"|$)"
    r"|disable_check_xsrf|allow_origin=\*|allow_remote_access=(True|true|1)|JUPYTER_TOKEN=(''|\"\"|\s|$)")


def _recipe(target: str) -> list[str]:
    """The commands `make TARGET` would run, without running them."""
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    result = subprocess.run(["make", "-n", "--no-print-directory", target], cwd=REPO, capture_output=True,
                            text=True, check=False)
    assert result.returncode == 0, result.stderr
    return [line for line in result.stdout.splitlines() if line.strip()]


def _options(argv: list[str]) -> dict[str, str]:
    """--name=value (or --name value for the listening options) as {name: value}; bare flags map to ''."""
    options: dict[str, str] = {}
    for position, word in enumerate(argv):
        if not word.startswith("--"):
            continue
        name, separator, value = word[2:].partition("=")
        following = argv[position + 1] if position + 1 < len(argv) else ""
        if not separator and name.rsplit(".", 1)[-1] in ("ip", "token") and following and \
                not following.startswith("-"):
            value = following
        options[name] = value
    return options


def _listening_address(options: dict[str, str], app: str) -> str | None:
    return options.get(f"{app}.ip", options.get("ip"))


def _server_line(lines: list[str], marker: str) -> list[str]:
    found = [line for line in lines if marker in line]
    assert len(found) == 1, f"expected one command running {marker!r}, got {found}"
    return shlex.split(found[0])


def test_make_lab_listens_on_loopback_and_keeps_its_token() -> None:
    lines = _recipe("lab")
    argv = _server_line(lines, "jupyter lab")
    options = _options(argv)
    assert _listening_address(options, "ServerApp") == "127.0.0.1", argv
    for line in lines:
        assert not _DISABLING.search(line), line
    for name, value in options.items():  # JupyterLab makes a random token unless one is set: none may be empty
        if name.rsplit(".", 1)[-1] in ("token", "password"):
            assert value, f"--{name} is empty: {argv}"


def test_make_app_listens_on_loopback_with_a_token() -> None:
    lines = _recipe("app")
    for line in lines:
        assert not _DISABLING.search(line), line
    launchers = [line for line in lines if "voila" in line or "workbench app" in line]
    assert len(launchers) == 1 and "workbench app" in launchers[0], lines  # the CLI builds the Voilà command
    from workbench import app

    argv = app.voila_command(port=8866, token="a-token")
    with pytest.raises(WorkbenchError, match="token"):
        app.voila_command(port=8866, token="")
    options = _options(argv)
    assert _listening_address(options, "Voila") == "127.0.0.1", argv
    # standalone Voilà serves without a token unless given one (Voila.token) or asked for one (--token)
    assert options.get("token", options.get("Voila.token")), f"Voilà would run without a token: {argv}"
    assert not any(_DISABLING.search(word) for word in argv), argv


def test_no_project_jupyter_config_weakens_the_server() -> None:
    """Config files the servers read (the venv's etc/jupyter, or any in the repository) set no empty token,
    no open address and no XSRF exemption."""
    places = [Path(sys.prefix) / "etc" / "jupyter", REPO / "notebooks", REPO]
    files = [path for place in places if place.is_dir()
             for path in (place.rglob("*") if place != REPO else place.glob("jupyter*config*"))
             if path.is_file() and path.suffix in (".json", ".py")]
    for path in files:
        text = path.read_text(encoding="utf-8", errors="replace")
        if path.suffix == ".json":
            settings = _flatten(json.loads(text or "{}"))
            for key, value in settings.items():
                leaf = key.rsplit(".", 1)[-1]
                assert not (leaf in ("token", "password") and value == ""), (path, key)
                assert not (leaf in ("disable_check_xsrf", "allow_remote_access") and value is True), (path, key)
                assert not (leaf == "ip" and value in ("", "0.0.0.0", "*", "::")), (path, key)
                assert not (leaf == "allow_origin" and value == "*"), (path, key)
        else:
            assert not re.search(r"\.(token|password)\s*=\s*(''|\"\")|disable_check_xsrf\s*=\s*True", text), path


def _flatten(value: object, prefix: str = "") -> dict[str, object]:
    if isinstance(value, dict):
        return {k: v for key, item in value.items() for k, v in _flatten(item, f"{prefix}{key}.").items()}
    return {prefix.rstrip("."): value}
