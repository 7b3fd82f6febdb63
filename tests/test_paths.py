"""Folders moved by environment variables: resolved once per value, yet following what the value depends on."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench import paths


def test_a_folder_from_the_environment_follows_home_the_working_folder_and_the_value(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # data_dir() is asked thousands of times per notebook, so its resolution is cached; the cache must still see a
    # changed value, a changed HOME under "~", and a changed working folder under a relative value
    for name in ("one", "two", "work-a", "work-b"):
        (tmp_path / name).mkdir()
    monkeypatch.setenv("HOME", str(tmp_path / "one"))
    monkeypatch.setenv("WORKBENCH_DATA_DIR", "~/data")
    assert paths.data_dir() == tmp_path / "one" / "data"
    monkeypatch.setenv("HOME", str(tmp_path / "two"))
    assert paths.data_dir() == tmp_path / "two" / "data"
    monkeypatch.setenv("WORKBENCH_DATA_DIR", "data")
    monkeypatch.chdir(tmp_path / "work-a")
    assert paths.data_dir() == tmp_path / "work-a" / "data"
    monkeypatch.chdir(tmp_path / "work-b")
    assert paths.data_dir() == tmp_path / "work-b" / "data"
    monkeypatch.setenv("WORKBENCH_DATA_DIR", str(tmp_path / "elsewhere"))
    assert paths.data_dir() == tmp_path / "elsewhere"


def test_an_absolute_folder_resolves_even_when_the_working_folder_is_gone(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    gone = tmp_path / "gone"
    gone.mkdir()
    monkeypatch.chdir(gone)
    gone.rmdir()  # a kernel whose notebook folder was deleted
    monkeypatch.setenv("WORKBENCH_DATA_DIR", str(tmp_path / "data"))
    assert paths.data_dir() == tmp_path / "data"
