"""Download one public file into the cache, in the style of pooch: stream, verify, then rename.

Why the standard library (urllib) rather than pooch or requests: pooch follows redirects to any host,
has no size cap and cannot tell an HTML error page from a CSV, and adding it (with requests) would be a
dependency for about a hundred lines. urllib lets this module refuse redirects to other hosts, cap the
size before and while reading, and sniff the body, with nothing new to install.

What a caller can rely on:
- a file in the cache is complete and verified: the body streams to a temporary file next to it, its
  length, kind and sha256 are checked, and only then is it renamed into place (atomic on one disk);
  every failure deletes the temporary file, so the cache never keeps a bad file;
- a cached file whose sha256 matches (the pin, or the hash recorded when it was fetched) is used without
  touching the network, unless `refresh=True`;
- `offline=True` never touches the network and says which command fetches the missing file;
- transient failures (timeouts, dropped connections, truncated bodies, HTTP 5xx/429) are retried with
  exponential back-off; permanent ones (404, wrong checksum, HTML page, redirect to another host, too
  large) fail at once. Every error names the URL, what happened and what to do.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from workbench.errors import ChecksumError, DownloadError, OfflineError, UsageError
from workbench.hashing import sha256_of

__all__ = [
    "BACKOFF_SECONDS", "CHUNK_BYTES", "DEFAULT_MAX_BYTES", "RETRIES", "Fetched", "Progress", "ProgressCallback",
    "Remote", "read_record", "retrieve", "sidecar_path",
]

ProgressCallback = Callable[[int, int | None], None]
Progress = bool | ProgressCallback | None

DEFAULT_MAX_BYTES = 200 * 1024 * 1024
CHUNK_BYTES = 64 * 1024
RETRIES = 2
BACKOFF_SECONDS = 0.5
_RETRY_STATUS = {429, 500, 502, 503, 504}
_SIDECAR_SUFFIX = ".source.json"
_SCHEMES = ("http", "https")


@dataclass(frozen=True)
class Remote:
    """One file to fetch: where from, where to, and what it must look like."""

    url: str
    dest: Path
    sha256: str | None = None  # pinned hash; None = the file changes upstream, record its hash instead
    kind: str = "csv"  # "csv" rejects HTML pages; anything else skips the sniff
    allowed_hosts: tuple[str, ...] = ()  # redirect targets allowed besides the URL's own host
    max_bytes: int = DEFAULT_MAX_BYTES


@dataclass(frozen=True)
class Fetched:
    """A verified file in the cache and where it came from (written next to it as a sidecar)."""

    path: Path
    url: str
    sha256: str
    bytes: int
    retrieved: str  # UTC ISO timestamp of the download
    pinned: bool
    from_cache: bool = False


class _Retryable(Exception):
    """A failure worth another attempt; carries the DownloadError to raise if attempts run out."""

    def __init__(self, error: DownloadError) -> None:
        super().__init__(str(error))
        self.error = error


def sidecar_path(dest: Path) -> Path:
    return dest.with_name(dest.name + _SIDECAR_SUFFIX)


def read_record(dest: Path) -> Fetched | None:
    """The sidecar of a cached file (None if the file or its sidecar is missing or unreadable)."""
    side = sidecar_path(dest)
    if not (dest.is_file() and side.is_file()):
        return None
    try:
        data = json.loads(side.read_text(encoding="utf-8"))
        return Fetched(**{**data, "path": dest, "from_cache": True})
    except (ValueError, TypeError):
        return None


def retrieve(
    remote: Remote,
    *,
    fetch_command: str,
    offline: bool = False,
    refresh: bool = False,
    timeout: float = 30.0,
    retries: int = RETRIES,
    backoff: float = BACKOFF_SECONDS,
    progress: Progress = None,
) -> Fetched:
    """Return `remote` as a verified cached file, downloading it only when needed.

    `fetch_command` is the shell command quoted in OfflineError so the message says what to run.
    """
    if offline and refresh:
        raise UsageError(
            "refresh=True needs the network but offline=True forbids it.",
            fix="drop one of the two (use --refresh online to re-download).",
            file=remote.url,
        )
    _check_scheme(remote)
    cached = _valid_cache(remote)
    if cached is not None and not refresh:
        return cached
    if offline:
        state = "is not in the cache" if not remote.dest.exists() else "in the cache fails its checksum"
        raise OfflineError(
            f"{remote.dest.name} {state} ({remote.dest}) and offline=True forbids downloading it.",
            fix=f"run `{fetch_command}` on a machine with network access, then retry.",
            file=remote.url,
        )
    remote.dest.parent.mkdir(parents=True, exist_ok=True)
    for attempt in range(retries + 1):
        try:
            return _download_once(remote, timeout=timeout, progress=progress)
        except _Retryable as failure:
            if attempt == retries:
                raise DownloadError(
                    f"{failure.error.problem.what} (gave up after {retries + 1} attempts)",
                    fix=failure.error.problem.fix,
                    file=remote.url,
                ) from failure
            time.sleep(backoff * 2**attempt)
    raise AssertionError("unreachable")  # the loop either returns or raises


def _check_scheme(remote: Remote) -> None:
    """Only http(s): urllib would also read file:// (any local file into the cache) and ftp:// URLs."""
    if urlsplit(remote.url).scheme.lower() not in _SCHEMES:
        raise UsageError(
            "only http:// and https:// URLs can be downloaded.",
            fix="pass the dataset's web address (https://...); for a file already on disk use "
            "workbench.datasets.live.parse(name, path), which reads it without downloading.",
            file=remote.url,
        )


def _valid_cache(remote: Remote) -> Fetched | None:
    """The cached file if its hash matches the pin (or the recorded hash); never touches the network."""
    record = read_record(remote.dest)
    if record is None or record.url != remote.url:
        return None
    expected = remote.sha256 or record.sha256
    return record if sha256_of(remote.dest) == expected else None


def _download_once(remote: Remote, *, timeout: float, progress: Progress) -> Fetched:
    report = _progress_reporter(progress, remote.dest.name)
    handle = tempfile.NamedTemporaryFile(
        dir=remote.dest.parent, prefix=f".{remote.dest.name}.", suffix=".part", delete=False
    )
    temp = Path(handle.name)
    try:
        with handle:
            digest, size = _stream(remote, handle, timeout=timeout, report=report)
            handle.flush()
            os.fsync(handle.fileno())
        _check_kind(remote, temp)
        actual = digest.hexdigest()
        if remote.sha256 and actual != remote.sha256:
            raise ChecksumError(
                f"the downloaded file's sha256 is {actual}, but the registry pins {remote.sha256}: "
                "the file changed upstream or the download was altered. The cache keeps nothing.",
                fix="check the source; if the new version is intended, update the sha256 pin in "
                "workbench/datasets/registry.toml (and the tests that check its facts).",
                file=remote.url,
            )
        os.replace(temp, remote.dest)
        record = Fetched(
            path=remote.dest,
            url=remote.url,
            sha256=actual,
            bytes=size,
            retrieved=datetime.now(UTC).isoformat(timespec="seconds"),
            pinned=remote.sha256 is not None,
        )
        _write_sidecar(record)
        return record
    finally:
        temp.unlink(missing_ok=True)
        if report is not None:
            report(-1, None)


def _stream(remote: Remote, sink, *, timeout: float, report: ProgressCallback | None):
    """Copy the response body into `sink`; returns (sha256 digest object, bytes written)."""
    opener = urllib.request.build_opener(_RedirectGuard(remote))
    request = urllib.request.Request(
        remote.url, headers={"User-Agent": "ai-record-workbench", "Accept-Encoding": "identity"}
    )
    digest = hashlib.sha256()
    size = 0
    try:
        with opener.open(request, timeout=timeout) as response:
            expected = _content_length(response)
            if expected is not None and expected > remote.max_bytes:
                raise _too_large(remote, expected)
            if remote.kind == "csv" and "html" in (response.headers.get("Content-Type") or "").lower():
                raise _html_error(remote, "the server answered with an HTML page (Content-Type text/html)")
            while chunk := response.read(CHUNK_BYTES):
                size += len(chunk)
                if size > remote.max_bytes:
                    raise _too_large(remote, size)
                digest.update(chunk)
                sink.write(chunk)
                if report is not None:
                    report(size, expected)
    except urllib.error.HTTPError as error:
        raise _http_error(remote, error) from None
    except (TimeoutError, http.client.HTTPException, urllib.error.URLError, OSError) as error:
        reason = "timed out" if _is_timeout(error) else f"failed: {error}"
        raise _Retryable(
            DownloadError(
                f"the download {reason} (timeout {timeout:g} s per read).",
                fix="check the network connection and retry; raise `timeout=` for a slow server.",
                file=remote.url,
            )
        ) from error
    if expected is not None and size != expected:
        raise _Retryable(
            DownloadError(
                f"the body was truncated: got {size:,} of the {expected:,} bytes the server announced.",
                fix="retry later; the connection dropped before the file was complete.",
                file=remote.url,
            )
        )
    return digest, size


def _is_timeout(error: BaseException) -> bool:
    reason = getattr(error, "reason", error)
    return isinstance(reason, TimeoutError) or "timed out" in str(reason)


def _content_length(response) -> int | None:
    value = response.headers.get("Content-Length")
    return int(value) if value and value.strip().isdigit() else None


def _http_error(remote: Remote, error: urllib.error.HTTPError) -> Exception:
    what = f"the server answered HTTP {error.code} {error.reason}."
    if error.code in _RETRY_STATUS:
        return _Retryable(DownloadError(what, fix="the server failed; retry later.", file=remote.url))
    fix = (
        "the file is not at this URL (any more): check the dataset's SOURCE/registry entry for its "
        "current address, or pass url= with the new one."
        if error.code in (404, 410)
        else "check the URL and whether it needs permission."
    )
    return DownloadError(what, fix=fix, file=remote.url)


def _too_large(remote: Remote, size: int) -> DownloadError:
    return DownloadError(
        f"the file is larger than the {remote.max_bytes:,}-byte cap (at least {size:,} bytes).",
        fix="check the URL points at the expected file; if it really grew, raise max_mb for this "
        "dataset in workbench/datasets/registry.toml.",
        file=remote.url,
    )


def _html_error(remote: Remote, what: str) -> DownloadError:
    return DownloadError(
        f"{what}, not the {remote.kind.upper()} file expected (an error, login or consent page).",
        fix="open the URL in a browser to see the page; the data may have moved (pass url= with "
        "the file's direct address).",
        file=remote.url,
    )


def _check_kind(remote: Remote, path: Path) -> None:
    if remote.kind != "csv":
        return
    with open(path, "rb") as handle:
        head = handle.read(512).lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<!doctype html", b"<html", b"<?xml", b"<head", b"<body")):
        raise _html_error(remote, "the body is an HTML page")
    if not head:
        raise DownloadError(
            "the server sent an empty file.", fix="retry later or check the URL.", file=remote.url
        )


def _write_sidecar(record: Fetched) -> None:
    data = {key: value for key, value in asdict(record).items() if key not in ("path", "from_cache")}
    side = sidecar_path(record.path)
    temp = side.with_name(side.name + ".part")
    temp.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    os.replace(temp, side)


class _RedirectGuard(urllib.request.HTTPRedirectHandler):
    """Follow redirects only within the URL's own host (or the allowed ones), only to http(s), never https -> http."""

    def __init__(self, remote: Remote) -> None:
        super().__init__()
        self.remote = remote
        origin = urlsplit(remote.url)
        self.scheme = origin.scheme
        self.allowed = {origin.hostname, *remote.allowed_hosts}

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: D102 (urllib hook)
        target = urlsplit(newurl)
        if (target.hostname not in self.allowed or target.scheme not in _SCHEMES
                or (self.scheme == "https" and target.scheme != "https")):
            raise DownloadError(
                f"the server redirected (HTTP {code}) to {newurl}, which is outside the allowed "
                f"hosts {sorted(h for h in self.allowed if h)}; refused.",
                fix="if that host is the dataset's legitimate new home, add it to allowed_hosts in "
                "its registry entry or pass url= with the final address.",
                file=self.remote.url,
            )
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _progress_reporter(progress: Progress, label: str) -> ProgressCallback | None:
    """None = a text bar on stderr only when it is a terminal; a callable receives (bytes, total)."""
    if callable(progress):
        return progress
    if progress is False or (progress is None and not sys.stderr.isatty()):
        return None
    return _TextBar(label)


class _TextBar:
    """A one-line progress bar on stderr (works in terminals and notebooks; no tqdm needed)."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.shown = False

    def __call__(self, done: int, total: int | None) -> None:
        if done < 0:  # end of download
            if self.shown:
                sys.stderr.write("\n")
            return
        mb = done / 1e6
        if total:
            filled = int(30 * done / total)
            line = f"\r{self.label}: [{'#' * filled:<30}] {mb:.1f}/{total / 1e6:.1f} MB"
        else:
            line = f"\r{self.label}: {mb:.1f} MB"
        sys.stderr.write(line)
        sys.stderr.flush()
        self.shown = True
