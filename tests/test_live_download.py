"""Downloads of live datasets, driven through a loopback server that serves the real files and misbehaves.

No test reaches the internet: the server listens on 127.0.0.1 and pytest-socket blocks anything else.
Every failure must raise a clear DownloadError (URL, what happened, what to do) and leave no file behind.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from live_server import LiveServer, shared_external

from workbench.datasets import download as dl
from workbench.datasets import live, registry
from workbench.errors import ChecksumError, DatasetError, DownloadError, OfflineError, UsageError

EXTERNAL = shared_external()
pytestmark = pytest.mark.skipif(
    EXTERNAL is None, reason="../shared/external (the real dataset copies) is absent; set WORKBENCH_SHARED_DIR"
)
NOTABLE = "epoch-ai-models/notable_ai_models.csv"
INCIDENTS = "aiid-ai-incident-database/incidents.csv"


@pytest.fixture
def server():
    running = LiveServer(EXTERNAL)
    yield running
    running.stop()


@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("WORKBENCH_CACHE_DIR", str(folder))
    return folder


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def remote(server: LiveServer, route: str, tmp_path: Path, **options) -> dl.Remote:
    return dl.Remote(url=server.url(route), dest=tmp_path / "dl" / "file.csv", **options)


def get(target: dl.Remote, **options) -> dl.Fetched:
    options = {"fetch_command": "python -m workbench datasets fetch test", "backoff": 0.0} | options
    return dl.retrieve(target, **options)


def assert_nothing_kept(target: dl.Remote) -> None:
    folder = target.dest.parent
    leftovers = sorted(p.name for p in folder.iterdir()) if folder.exists() else []
    assert leftovers == [], f"the cache kept {leftovers}"


# --- the happy path and the cache -------------------------------------------------------------------


def test_fetch_records_hash_of_a_daily_file_and_reuses_the_cache(server):
    url = server.url(f"files/{NOTABLE}")
    frame = live.fetch("epoch_models", url=url)
    assert frame.height == 976
    assert len(server.requests) == 1

    record = live.provenance("epoch_models", url=url)["files"][0]
    assert record["sha256"] == sha256(EXTERNAL / NOTABLE)  # recorded, not pinned
    assert record["pinned"] is False and record["bytes"] == (EXTERNAL / NOTABLE).stat().st_size

    assert live.fetch("epoch_models", url=url).equals(frame)  # hash matches: no network
    assert live.fetch("epoch_models", url=url, offline=True).equals(frame)
    assert len(server.requests) == 1
    live.fetch("epoch_models", url=url, refresh=True)
    assert len(server.requests) == 2


def test_pinned_file_is_verified_against_the_registry(server):
    url = server.url(f"files/{INCIDENTS}")
    frame = live.fetch("aiid_incidents", url=url)
    assert frame.height == 1367
    files = live.provenance("aiid_incidents", url=url)["files"]
    assert files[0]["pinned"] and files[0]["sha256"] == registry.live("aiid_incidents").sha256


def test_multi_file_dataset_fetches_every_file_from_a_folder_url(server):
    url = server.url("files/ai-index-investment-owid/")
    frame = live.fetch("ai_index_investment", url=url)
    assert sorted(frame["file"].unique().to_list()) == sorted(
        f.name for f in registry.live("ai_index_investment").files)
    assert len(server.requests) == 4
    assert live.cached_path("ai_index_investment", url=url).is_dir()


def test_cached_path_is_none_until_fetched_and_then_the_file(server):
    url = server.url(f"files/{NOTABLE}")
    assert live.cached_path("epoch_models", url=url) is None
    live.fetch("epoch_models", url=url)
    path = live.cached_path("epoch_models", url=url)
    assert path is not None and sha256(path) == sha256(EXTERNAL / NOTABLE)


def test_a_damaged_cached_file_is_downloaded_again(server):
    url = server.url(f"files/{NOTABLE}")
    live.fetch("epoch_models", url=url)
    path = live.cached_path("epoch_models", url=url)
    path.write_bytes(path.read_bytes()[:1000])
    with pytest.raises(OfflineError, match="fails its checksum"):
        live.fetch("epoch_models", url=url, offline=True)
    assert live.fetch("epoch_models", url=url).height == 976
    assert len(server.requests) == 2


# --- offline ----------------------------------------------------------------------------------------


def test_offline_without_cache_says_which_command_fetches_it(server):
    with pytest.raises(OfflineError) as caught:
        live.fetch("epoch_models", offline=True)
    message = str(caught.value)
    assert "python -m workbench datasets fetch epoch_models" in message
    assert "https://epoch.ai/data/notable_ai_models.csv" in message
    assert server.requests == []


def test_offline_and_refresh_together_is_a_usage_error():
    with pytest.raises(UsageError, match="offline"):
        live.fetch("epoch_models", offline=True, refresh=True)


def test_unknown_name_suggests_the_nearest():
    with pytest.raises(DatasetError, match="epoch_models"):
        live.fetch("epoch_model")


# --- failures: each names the URL, says what happened and keeps nothing ---------------------------------


def test_http_404_fails_at_once(server, tmp_path):
    target = remote(server, f"status/404/{NOTABLE}", tmp_path)
    with pytest.raises(DownloadError, match="HTTP 404") as caught:
        get(target)
    assert target.url in str(caught.value) and "Fix:" in str(caught.value)
    assert len(server.requests) == 1  # not retried
    assert_nothing_kept(target)


def test_http_500_is_retried_then_reported(server, tmp_path):
    target = remote(server, f"status/500/{NOTABLE}", tmp_path)
    with pytest.raises(DownloadError, match=r"HTTP 500.*gave up after 3 attempts"):
        get(target, retries=2)
    assert len(server.requests) == 3
    assert_nothing_kept(target)


def test_a_transient_503_is_survived_by_retrying(server, tmp_path):
    target = remote(server, f"flaky/1/{NOTABLE}", tmp_path)
    fetched = get(target, retries=2)
    assert fetched.sha256 == sha256(EXTERNAL / NOTABLE)
    assert len(server.requests) == 2


def test_timeout(server, tmp_path):
    target = remote(server, f"slow/3/{NOTABLE}", tmp_path)
    with pytest.raises(DownloadError, match="timed out") as caught:
        get(target, timeout=0.3, retries=0)
    assert target.url in str(caught.value)
    assert_nothing_kept(target)


def test_truncated_body(server, tmp_path):
    target = remote(server, f"truncated/{NOTABLE}", tmp_path)
    with pytest.raises(DownloadError, match="truncated"):
        get(target, retries=1)
    assert len(server.requests) == 2  # a dropped connection is worth one more try
    assert_nothing_kept(target)


def test_checksum_mismatch_keeps_nothing(server):
    url = server.url("other/aiid-ai-incident-database/duplicates.csv/as/incidents.csv")
    with pytest.raises(ChecksumError, match="pins") as caught:
        live.fetch("aiid_incidents", url=url)
    assert url in str(caught.value) and "registry.toml" in str(caught.value)
    assert live.cached_path("aiid_incidents", url=url) is None
    folder = live._remotes("aiid_incidents", url)[0].dest.parent
    assert list(folder.iterdir()) == []


@pytest.mark.parametrize("route", ["html", "html-as-csv"])
def test_html_page_where_csv_was_expected(server, tmp_path, route):
    target = remote(server, f"{route}/{NOTABLE}", tmp_path)
    with pytest.raises(DownloadError, match="HTML page"):
        get(target)
    assert len(server.requests) == 1
    assert_nothing_kept(target)


def test_redirect_to_another_host_is_refused(server, tmp_path):
    target = remote(server, f"redirect/localhost/{NOTABLE}", tmp_path)
    with pytest.raises(DownloadError, match="redirected.*localhost.*refused"):
        get(target)
    assert_nothing_kept(target)


def test_redirects_within_the_host_or_to_allowed_hosts_are_followed(server, tmp_path):
    same = get(remote(server, f"redirect/127.0.0.1/{NOTABLE}", tmp_path))
    assert same.sha256 == sha256(EXTERNAL / NOTABLE)
    allowed = remote(server, f"redirect/localhost/{NOTABLE}", tmp_path, allowed_hosts=("localhost",))
    assert get(allowed, refresh=True).sha256 == same.sha256


@pytest.mark.parametrize("route", ["files", "nolength"])  # announced length, and counted while streaming
def test_size_cap(server, tmp_path, route):
    target = remote(server, f"{route}/{NOTABLE}", tmp_path, max_bytes=100_000)
    with pytest.raises(DownloadError, match="100,000-byte cap"):
        get(target)
    assert_nothing_kept(target)


def test_progress_callback_sees_every_byte(server, tmp_path):
    seen: list[tuple[int, int | None]] = []
    get(remote(server, f"files/{NOTABLE}", tmp_path), progress=lambda done, total: seen.append((done, total)))
    size = (EXTERNAL / NOTABLE).stat().st_size
    assert (size, size) in seen and seen[-1] == (-1, None)
