"""The one sha256 helper: files are hashed in 1 MiB blocks, so a large download never sits in memory whole."""

from __future__ import annotations

import hashlib
from pathlib import Path

__all__ = ["BLOCK", "sha256_and_size", "sha256_of"]

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
