"""Read registry.toml, the single source of truth for every dataset (curated and live).

Curated entries live under `[datasets.<name>]`; the live-dataset helper appends `[live.<name>]` tables
below a marker line. This module only reads live entries (tolerating keys it does not know) and, for
maintainers, refreshes the sha256/bytes of curated entries after a reviewed CSV edit:

    python -m workbench.datasets.registry --rehash
"""

from __future__ import annotations

import difflib
import re
import sys
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from workbench.datasets.schema import FieldSpec
from workbench.errors import DatasetError, WorkbenchError
from workbench.hashing import sha256_and_size

__all__ = [
    "LIVE_MARKER", "REGISTRY_PATH", "REQUIRED_KEYS", "CuratedEntry", "LiveEntry", "all_names", "curated",
    "curated_names", "file_digest", "live", "live_names", "main", "registry", "rehash", "unknown_name_error",
]

REGISTRY_PATH = Path(__file__).with_name("registry.toml")
LIVE_MARKER = "# --- live datasets (fetch_*): entries below are owned by workbench/datasets/live.py ---"
REQUIRED_KEYS = ("title", "description", "licence", "citation", "sources", "file", "sha256", "bytes", "primary_key",
                 "fields")


@dataclass(frozen=True)
class CuratedEntry:
    """A curated table shipped with the package."""

    name: str
    raw: dict[str, Any]

    @property
    def title(self) -> str:
        return self.raw.get("title", "")

    @property
    def licence(self) -> str:
        return self.raw.get("licence", "")

    @property
    def path(self) -> Path:
        return REGISTRY_PATH.parent / self.raw["file"]

    @property
    def primary_key(self) -> str:
        return self.raw["primary_key"]

    @property
    def fields(self) -> list[FieldSpec]:
        return [FieldSpec.from_mapping(f) for f in self.raw.get("fields", [])]

    @property
    def stored_fields(self) -> list[FieldSpec]:
        return [f for f in self.fields if not f.derived]

    def get(self, key: str, default: Any = None) -> Any:
        return self.raw.get(key, default)


@dataclass(frozen=True)
class LiveEntry:
    """A public dataset fetched on demand (entry owned by workbench/datasets/live.py)."""

    name: str
    raw: dict[str, Any]

    @property
    def title(self) -> str:
        return str(self.raw.get("title", self.name))

    @property
    def licence(self) -> str:
        return str(self.raw.get("licence", self.raw.get("license", "unknown")))


@lru_cache(maxsize=4)
def _read(path: Path, mtime_ns: int) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise DatasetError(
            f"the dataset registry is not valid TOML ({error}).",
            fix="fix the syntax at the reported line (a live entry appended below the marker is a common cause)",
            file=path,
        ) from error


def registry(path: Path = REGISTRY_PATH) -> dict[str, Any]:
    """The parsed registry (re-read when the file changes)."""
    return _read(path, path.stat().st_mtime_ns)


def curated_names() -> list[str]:
    return list(registry().get("datasets", {}))


def live_names() -> list[str]:
    live = registry().get("live", {})
    return [name for name, entry in live.items() if isinstance(entry, dict)]


def all_names() -> list[str]:
    return curated_names() + live_names()


def unknown_name_error(name: object) -> DatasetError:
    """The error for a name that is not in the registry, naming the nearest valid ones."""
    names = all_names()
    near = difflib.get_close_matches(str(name), names, n=3, cutoff=0.5)
    hint = f"did you mean {' or '.join(map(repr, near))}? " if near else ""
    return DatasetError(
        f"there is no dataset named {name!r}.",
        fix=f"{hint}Valid names: {', '.join(names)} (see `python -m workbench datasets list`).",
        file=REGISTRY_PATH,
        value=name,
    )


def curated(name: str) -> CuratedEntry:
    entries = registry().get("datasets", {})
    if name not in entries:
        raise unknown_name_error(name)
    return CuratedEntry(name, entries[name])


def live(name: str) -> LiveEntry:
    entries = registry().get("live", {})
    if name not in entries:
        raise unknown_name_error(name)
    return LiveEntry(name, entries[name])


def file_digest(path: Path) -> tuple[str, int]:
    """sha256 and size of a shipped file (what the registry records)."""
    return sha256_and_size(path)


def rehash(path: Path = REGISTRY_PATH) -> list[str]:
    """Rewrite sha256/bytes of curated entries in place; live entries below the marker are untouched."""
    text = path.read_text(encoding="utf-8")
    head, marker, tail = text.partition(LIVE_MARKER)
    changed = []
    for name, entry in tomllib.loads(text).get("datasets", {}).items():
        digest, size = file_digest(path.parent / entry["file"])
        block = re.search(rf"(?ms)^\[datasets\.{re.escape(name)}\]\n"
                          rf".*?(?=^\[datasets\.{re.escape(name)}\.fields\]|^\[\[|\Z)", head)
        if block is None:
            continue
        new_block = re.sub(r'(?m)^sha256 = ".*"$', f'sha256 = "{digest}"', block.group(0))
        new_block = re.sub(r"(?m)^bytes = \d+$", f"bytes = {size}", new_block)
        if new_block != block.group(0):
            changed.append(name)
            head = head[: block.start()] + new_block + head[block.end():]
    path.write_text(head + marker + tail, encoding="utf-8")
    return changed


def main(argv: list[str] | None = None) -> int:
    """Log reviewed row edits in the changelog (--reason, --note), then refresh the checksums."""
    import argparse

    from workbench.datasets import versions

    parser = argparse.ArgumentParser(prog="python -m workbench.datasets.registry")
    parser.add_argument("--rehash", action="store_true", required=True, help="refresh sha256/bytes of curated tables")
    parser.add_argument("--reason", choices=versions.REASONS, help="changelog reason for the edited rows")
    parser.add_argument("--note", default="", help="what changed and why, in a few words")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    try:
        if args.reason:
            base = "git:HEAD" if (REGISTRY_PATH.parents[2] / ".git").exists() else None
            logged = versions.log_changes(args.reason, args.note, base=base)
            print(f"logged {len(logged)} row change(s) as {args.reason}"
                  + (f" ({versions.record_version()})" if logged else ""))
        else:
            versions.require_logged()
    except WorkbenchError as error:
        print(error, file=sys.stderr)
        return 1
    changed = rehash()
    print(f"rehashed: {', '.join(changed) if changed else 'nothing changed'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
