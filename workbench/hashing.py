"""The one sha256 helper: files are hashed in 1 MiB blocks, so a large download never sits in memory whole; and the
key of what made a cached result (the code and the libraries behind it)."""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Iterable
from pathlib import Path

__all__ = ["BLOCK", "code_key", "sha256_and_size", "sha256_of"]

BLOCK = 1 << 20


def sha256_of(path: Path) -> str:
    """The hex sha256 of a file's bytes."""
    return sha256_and_size(path)[0]


def sha256_and_size(path: Path) -> tuple[str, int]:
    """The hex sha256 of a file's bytes and its size, in one pass."""
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(BLOCK), b""):
            digest.update(block)
            size += len(block)
    return digest.hexdigest(), size


def code_key(sources: Iterable[Path], packages: Iterable[str]) -> bytes:
    """What makes a cached result besides its input, as bytes for its cache key: Python's version, the installed
    version of each package (from its metadata, so nothing is imported; 'missing' when it is not installed) and the
    sha256 of each source file. Any change to one of them makes the result afresh."""
    from importlib.metadata import PackageNotFoundError, version

    versions = []
    for package in packages:
        try:
            versions.append(f"{package} {version(package)}")
        except PackageNotFoundError:
            versions.append(f"{package} missing")
    files = [sha256_of(Path(source)) for source in sources]
    return "\0".join([sys.version, *versions, *files, ""]).encode()
