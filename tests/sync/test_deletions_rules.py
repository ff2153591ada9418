"""The small rules of ``twenty_sync._deletions``: when a key check is due, what a record read from Twenty says about
its deletion, and what a store without ``deleted_at`` gets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from twenty_sync import CONTACTS
from twenty_sync._deletions import apply_deletions, deletion_of, key_check_due, parse_moment
from twenty_sync._mapping import OBJECTS
from twenty_sync._state import Deletion
from twenty_sync.stores import LocalStore, WriteResult

from .test_stores import contact

NOW = datetime(2026, 12, 4, 20, 0, tzinfo=UTC)
PEOPLE = OBJECTS["contacts"]


def test_a_key_check_is_due_once_its_period_has_passed() -> None:
    day = timedelta(hours=24)
    assert key_check_due((NOW - day).isoformat(), day, NOW)
    assert not key_check_due((NOW - day + timedelta(seconds=1)).isoformat(), day, NOW)


def test_a_key_check_never_run_is_due_and_one_switched_off_never_is() -> None:
    assert key_check_due(None, timedelta(hours=1), NOW)
    assert not key_check_due(None, None, NOW)


def test_twentys_moments_read_as_aware_utc() -> None:
    assert parse_moment("2026-12-04T18:55:40.806Z") == datetime(2026, 12, 4, 18, 55, 40, 806000, tzinfo=UTC)


def test_a_record_in_the_trash_shows_its_deletion() -> None:
    row = {"id": "u-1", "contactId": "C-1", "deletedAt": "2026-12-04T18:55:40.806Z"}
    assert deletion_of(PEOPLE, row) == Deletion("C-1", "u-1", "2026-12-04T18:55:40.806Z", "soft")


def test_a_live_record_or_one_without_a_key_shows_none() -> None:
    assert deletion_of(PEOPLE, {"id": "u-1", "contactId": "C-1", "deletedAt": None}) is None
    assert deletion_of(PEOPLE, {"id": "u-2", "contactId": "", "deletedAt": "2026-12-04T18:55:40.806Z"}) is None


class NoMarks:
    """A store of someone else's making, without ``deleted_at``: it can only delete."""

    def __init__(self) -> None:
        self.deleted: list[str] = []

    def delete(self, entity: Any, keys: Any) -> WriteResult:
        self.deleted.extend(keys)
        return WriteResult(submitted=len(self.deleted), changed=len(self.deleted))


GONE = Deletion("C-1", "u-1", "2026-12-04T18:55:40.806Z", "soft")


def test_a_store_without_marks_gets_a_warning_not_a_silent_skip() -> None:
    store = NoMarks()
    changed, warnings = apply_deletions(store, CONTACTS, [GONE], "mark")  # type: ignore[arg-type]
    assert (changed, store.deleted) == (0, [])
    assert [k for k, _ in warnings] == ["C-1"]
    assert "the deletion is in the state only" in warnings[0][1]


def test_the_delete_action_deletes_even_without_marks() -> None:
    store = NoMarks()
    changed, warnings = apply_deletions(store, CONTACTS, [GONE], "delete")  # type: ignore[arg-type]
    assert (changed, store.deleted, warnings) == (1, ["C-1"], [])


def test_ignore_touches_nothing(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "s.sqlite3")
    store.ensure_schema()
    store.upsert(CONTACTS, [contact(1, contact_id="C-1")])
    assert apply_deletions(store, CONTACTS, [GONE], "ignore") == (0, [])
    assert list(store.deleted_marks(CONTACTS)) == []
    store.close()
