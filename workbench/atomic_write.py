"""Files written whole or not at all: a set of files staged beside their targets, then renamed into place.

A save writes several files and the manifest entry that records their hashes; a report or an executed notebook
is one file that readers open while a run goes on. Each is first written to a temporary sibling and flushed to
the disk, and only once all of a set are written are they renamed, in order, so a full disk or a failure
part-way leaves the files as they were. SIGINT and SIGTERM wait until the renames are done, so a stopped run or
kernel never leaves half of a set behind.
"""

from __future__ import annotations

import contextlib
import os
import signal
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

from workbench.errors import OutputError

__all__ = ["FILE_MODE", "write_error", "write_files_atomically"]

_UMASK = os.umask(0o022)
os.umask(_UMASK)
FILE_MODE = 0o666 & ~_UMASK  # what open() would give; mkstemp alone makes files private (0600)
_HELD_SIGNALS = (signal.SIGINT, signal.SIGTERM)
_holding: list[int] = []  # non-empty while a block holds signals (main thread only)


def write_files_atomically(files: dict[Path, bytes]) -> None:
    """Write every file to a temporary sibling first; rename them into place, in order, once all are written.

    SIGINT and SIGTERM are held meanwhile (see `_signals_held`), so a stopped run or kernel leaves neither a
    temporary file nor half of a set of renames behind.
    """
    staged: list[tuple[Path, Path]] = []
    with _signals_held():
        try:
            for path, content in files.items():
                try:
                    path.parent.mkdir(parents=True, exist_ok=True)
                    handle, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
                except OSError as error:
                    raise write_error(path, error) from None
                staged.append((Path(temp_name), path))
                os.chmod(temp_name, FILE_MODE)
                _write_durably(handle, content)
            for temp, path in staged:
                os.replace(temp, path)
        except OSError as error:
            raise write_error(staged[-1][1] if staged else next(iter(files)), error) from None
        finally:
            for temp, _ in staged:
                with contextlib.suppress(FileNotFoundError):
                    temp.unlink()


def _write_durably(handle: int, content: bytes) -> None:
    """Write all of `content` to an open temporary file and flush it to the disk before anything is renamed."""
    with os.fdopen(handle, "wb") as stream:
        stream.write(content)
        stream.flush()
        os.fsync(stream.fileno())


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Hold SIGINT and SIGTERM until the block ends, then deliver them to the handlers that were in place.

    `workbench run` stops a kernel with SIGTERM and Jupyter interrupts one with SIGINT; either may arrive in the
    middle of a save. Held, it takes effect just after the save, so every output is the old one or the new one.
    Only the main thread can set handlers, so saves from other threads are not shielded (nor interrupted).
    """
    if _holding or threading.current_thread() is not threading.main_thread():
        yield
        return
    _holding.append(0)
    received: list[int] = []
    previous = {}
    for signum in _HELD_SIGNALS:
        if signal.getsignal(signum) is not None:  # None: a handler set outside Python, left alone
            previous[signum] = signal.signal(signum, lambda number, frame: received.append(number))
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        _holding.clear()
        for signum in dict.fromkeys(received):
            signal.raise_signal(signum)


def write_error(path: Path, error: OSError) -> OutputError:
    """What a failed write raises: the file, the reason, and that nothing was changed (writes are all or nothing)."""
    return OutputError(f"cannot write the output ({error.strerror or error}); nothing was changed.",
                       fix="check that data/ is writable and the disk has space, then run again (or set "
                       "WORKBENCH_DATA_DIR to a folder you can write).", file=path)
