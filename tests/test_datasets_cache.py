"""The disk cache of checked tables: shared across processes, never stale, never hiding a broken record."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from workbench import datasets
from workbench.datasets import assembled_cache, curated
from workbench.errors import SchemaError

HEADER = ("event_id,date,date_precision,investor,recipient,amount_usd,amount_kind,instrument,status,asset,deal,"
          "is_total,compute_link,source_ids,weak_support")


def _as_a_new_process(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Forget what this process assembled, and count the tables it checks from here on."""
    curated.clear_cache()
    checked: list[str] = []
    check = curated._assemble
    monkeypatch.setattr(curated, "_assemble", lambda name: checked.append(name) or check(name))
    return checked


def test_a_new_process_reads_the_checked_table_from_disk(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = datasets.load("funding_events")
    checked = _as_a_new_process(monkeypatch)
    again = datasets.load("funding_events")
    assert checked == [] and again.equals(first) and again.schema == first.schema
    assert list((data_dir / ".cache" / "datasets").glob("*/funding_events.arrow"))


def test_an_edited_overlay_is_checked_again_and_its_errors_reported(user_dir: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    datasets.load("funding_events")
    (user_dir / "funding_events.csv").write_text(f"{HEADER}\nbroken,not-a-date,,A,B,1,reported,equity,committed,"
                                                 "cash,x,false,true,,false\n", encoding="utf-8")
    checked = _as_a_new_process(monkeypatch)
    with pytest.raises(SchemaError, match="funding_events"):
        datasets.load("funding_events")
    assert checked == ["funding_events"]
    with pytest.raises(SchemaError):  # a failure is never cached
        curated.clear_cache()
        datasets.load("funding_events")


def test_switched_off_every_process_checks_for_itself(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(assembled_cache.SWITCH, "off")
    datasets.load("policy_events")
    checked = _as_a_new_process(monkeypatch)
    datasets.load("policy_events")
    assert "policy_events" in checked  # (and the tables its derived columns read)
    assert not (data_dir / ".cache" / "datasets").exists()


def test_a_damaged_cache_file_is_ignored(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = datasets.load("governance_events")
    for stored in (data_dir / ".cache" / "datasets").glob("*/governance_events.arrow"):
        stored.write_bytes(b"not arrow")
    checked = _as_a_new_process(monkeypatch)
    assert datasets.load("governance_events").equals(first) and checked == ["governance_events"]


def test_only_the_latest_versions_are_kept(data_dir: Path) -> None:
    frame = pl.DataFrame({"a": [1]})
    for number in range(assembled_cache.KEEP + 3):
        assembled_cache.write(f"version{number:02d}", curated.Assembled("t", frame))
    kept = list((data_dir / ".cache" / "datasets").iterdir())
    assert len(kept) == assembled_cache.KEEP


def test_the_key_follows_every_byte_of_every_input(tmp_path: Path) -> None:
    one, two = tmp_path / "one.csv", tmp_path / "two.csv"
    one.write_text("a\n1\n")
    before = assembled_cache.key([one, two])  # a missing overlay counts too
    two.write_text("a\n2\n")
    after_overlay = assembled_cache.key([one, two])
    one.write_text("a\n3\n")
    assert len({before, after_overlay, assembled_cache.key([one, two])}) == 3


def test_a_table_is_not_kept_when_an_input_changed_while_it_was_checked(user_dir: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    overlay = user_dir / "funding_events.csv"
    check = curated._assemble

    def edited_meanwhile(name: str) -> curated.Assembled:
        result = check(name)
        overlay.write_text(f"{HEADER}\n", encoding="utf-8")  # an editor saved the overlay while it was read
        return result

    curated.clear_cache()
    monkeypatch.setattr(curated, "_assemble", edited_meanwhile)
    datasets.load("policy_events")
    assert not list((user_dir.parent / ".cache" / "datasets").glob("*/policy_events.arrow"))


def test_the_key_follows_the_code_and_survives_an_editors_lock_file(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "package"
    package.mkdir()
    (package / "checks.py").write_text("RULE = 1\n")
    before = assembled_cache.code_fingerprint(package)
    (package / ".#checks.py").symlink_to(package / "gone.py")  # Emacs's lock: a dangling link named *.py
    assert assembled_cache.code_fingerprint(package)
    (package / "checks.py").write_text("RULE = 2\n")
    assert assembled_cache.code_fingerprint(package) != before
    inputs = [tmp_path / "table.csv"]
    old_key = assembled_cache.key(inputs)
    monkeypatch.setattr(assembled_cache, "_CODE", "other code")
    assert assembled_cache.key(inputs) != old_key
