"""Output names and paths: what a caller may name an output, and that no write below data/ can land elsewhere.

An output name becomes a path under data/, so it is checked as the caller wrote it (plain relative segments, no
'..', nothing absolute) and every folder between data/ and the target is checked for symbolic links, which would
otherwise carry a write out of data/. The runner checks its report and executed-notebook paths the same way.
"""

from __future__ import annotations

import re
from pathlib import Path

from workbench.errors import UnsafeOutputNameError

__all__ = ["MAX_DEPTH", "check_output_name", "refuse_symlinks", "safe_output_path"]

MAX_DEPTH = 3  # parts of a name: notebook/sub-folder/name
_SEGMENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


def check_output_name(name: object, *, depth: int = MAX_DEPTH) -> None:
    """Refuse a name that is not a plain relative name of at most `depth` parts (see `safe_output_path`)."""
    fix = ("use letters, digits, '.', '_' and '-', with at most two '/' for sub-folders, "
           "e.g. '00-start-here/paragraphs'.")
    if not isinstance(name, str):
        raise UnsafeOutputNameError(f"an output name must be text, not {type(name).__name__}.", fix=fix, value=name)
    if not name.strip():
        raise UnsafeOutputNameError("an output name cannot be empty.", fix=fix, value=name)
    if "\\" in name or name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        raise UnsafeOutputNameError("output names are relative to data/: no absolute paths or backslashes.",
                                    fix=fix, value=name)
    segments = name.split("/")
    if ".." in segments:
        raise UnsafeOutputNameError("'..' would leave data/.", fix=fix, value=name)
    # fullmatch, not match: `$` also matches before a trailing newline, which would end up in a file name
    if len(segments) > depth or not all(_SEGMENT.fullmatch(s) for s in segments):
        raise UnsafeOutputNameError("the output name has characters or parts that are not allowed.",
                                    fix=fix, value=name)


def safe_output_path(root: Path, name: str) -> Path:
    """Resolve an output name inside `root`, refusing anything that could land elsewhere."""
    check_output_name(name, depth=MAX_DEPTH + 1)
    segments = name.split("/")
    target = root.joinpath(*segments)
    refuse_symlinks(root, target, name=name)
    return target


def refuse_symlinks(root: Path, target: Path, *, name: str | None = None) -> None:
    """Refuse `target` if it, or any folder between `root` and it, is a symbolic link.

    A link planted in data/ (data/tables -> /elsewhere) would otherwise redirect every write below it; one
    planted in place of a file would only be replaced by the atomic rename, but says that data/ was tampered with.
    """
    probe = target
    while probe != root and probe != probe.parent:
        if probe.is_symlink():
            raise UnsafeOutputNameError(f"{probe} is a symbolic link, so writing there could leave data/.",
                                        fix="remove the link from data/ and save again.",
                                        value=name if name is not None else str(target))
        probe = probe.parent
