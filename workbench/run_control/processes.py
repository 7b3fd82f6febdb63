"""Ending a run's helper processes (the kernel zygote, the render service) without leaving one behind."""

from __future__ import annotations

import subprocess

__all__ = ["wait_or_kill"]


def wait_or_kill(process: subprocess.Popen, seconds: float = 5.0) -> None:
    """Wait for a process asked to end; kill it if it has not ended within `seconds`."""
    try:
        process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
